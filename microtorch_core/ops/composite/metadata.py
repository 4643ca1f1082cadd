"""Questions about a tensor that read its metadata, not its values (except ``is_nonzero``):
``is_signed``, ``is_complex``, ``is_floating_point``, ``is_nonzero``, ``is_same_size``,
``is_inference``, ``get_device`` and ``data_ptr``, as PyTorch's functions and methods of those
names. (``nelement``, ``ndimension``, ``is_cpu``, ``itemsize`` and ``nbytes`` sit on
``Tensor`` itself, in ``tensor.py``.)
"""

from __future__ import annotations

import numpy as np

from ... import dtypes
from ...tensor import Tensor
from ..declare import op


def _check_tensor(name: str, x: object, arg: str = "input") -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument '{arg}' must be Tensor, not {type(x).__name__}")


@op(variants="function, method")
def is_signed(x: Tensor) -> bool:
    """True if ``x``'s dtype holds negative values: every dtype but bool, here."""
    _check_tensor("is_signed", x)
    return x.dtype is not dtypes.bool_


@op(variants="function, method")
def is_complex(x: Tensor) -> bool:
    """True if ``x``'s dtype is complex64 or complex128."""
    _check_tensor("is_complex", x)
    return x.dtype.is_complex


@op
def is_floating_point(x: Tensor) -> bool:
    """True if ``x``'s dtype is float32 or float64."""
    _check_tensor("is_floating_point", x)
    return x.dtype.is_floating_point


@op(variants="function, method")
def is_nonzero(x: Tensor) -> bool:
    """The truth of a one-element tensor (NaN is true, as in Python); other sizes raise."""
    _check_tensor("is_nonzero", x)
    if x.numel() == 0:
        raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
    if x.numel() > 1:
        raise RuntimeError(f"Boolean value of Tensor with more than one value is ambiguous "
                           f"(shape {tuple(x.shape)})")
    return bool(x.item())


@op(variants="function, method")
def is_same_size(x: Tensor, other: Tensor) -> bool:
    """True if ``x`` and ``other`` have the same shape."""
    _check_tensor("is_same_size", other, "other")
    return x.shape == other.shape


@op(variants="function, method")
def is_inference(x: Tensor) -> bool:
    """False: MicroTorch's ``inference_mode`` is ``no_grad`` and marks no tensor (PyTorch marks
    the tensors made inside one as *inference tensors*, which may not be saved for backward)."""
    _check_tensor("is_inference", x)
    return False


@op(variants="function, method")
def get_device(x: Tensor) -> int:
    """The device index of ``x``: -1 for a CPU tensor, as in PyTorch; 0 for ``"cuda"``."""
    _check_tensor("get_device", x)
    return -1 if x.device.type == "cpu" else (x.device.index or 0)


@op(variants="method")
def data_ptr(x: Tensor) -> int:
    """The address of ``x``'s first element: its storage's address plus ``storage_offset()``
    times the item size (0 for a tensor without elements, as PyTorch's empty tensors).

    On the CPU it is the address of the NumPy array holding the storage, in host memory; on a
    device whose allocator hands out pointers (CUDA: ``Storage.handle.ptr``) it is a device
    address, to pass to a kernel, not to read from Python. A backend whose storage exposes
    neither raises ``RuntimeError``.
    """
    storage = x._storage
    if storage.nbytes == 0:
        return 0
    handle = storage.handle
    if isinstance(handle, np.ndarray):
        base = handle.ctypes.data
    elif isinstance(getattr(handle, "ptr", None), int):
        base = handle.ptr
    else:
        raise RuntimeError(f"data_ptr(): the storage of this {x.device} tensor is a "
                           f"{type(handle).__name__}, which exposes no address (expected a "
                           "NumPy array or a handle with an integer 'ptr')")
    return base + x._offset * x.dtype.itemsize
