"""``x.new_zeros``, ``new_ones``, ``new_full``, ``new_empty``, ``new_tensor``: new tensors that
take their dtype and device from an existing one, as PyTorch's ``Tensor.new_*`` methods.

Code that must run on whatever device its input is on (a module's buffers, a loss's masks)
writes ``x.new_zeros(n)`` instead of ``zeros(n, device=x.device, dtype=x.dtype)``. Each one is
the matching function of ``creation.py`` with the defaults filled in from ``x``; the result
is a new leaf with no history, whatever ``x``'s.

>>> x = tensor([1, 2, 3])
>>> x.new_full((2,), 1.5)            # x's dtype (int64), not the value's
tensor([1, 1])
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

from ... import dtypes
from ...creation import empty, full, ones, tensor, zeros
from ...device import DeviceLike
from ...dtypes import DType
from ...tensor import Tensor
from ..declare import op


def _defaults(x: Tensor, dtype: DType | str | None, device: DeviceLike | None
              ) -> tuple[DType, DeviceLike]:
    return dtypes.as_dtype(dtype) or x.dtype, x.device if device is None else device


@op(variants="method")
def new_zeros(x: Tensor, *size: int | Sequence[int], dtype: DType | None = None,
              device: DeviceLike | None = None, requires_grad: bool = False) -> Tensor:
    """Zeros of ``size`` with ``x``'s dtype and device (unless given): ``x.new_zeros(2, 3)``
    or ``x.new_zeros((2, 3))``."""
    dtype, device = _defaults(x, dtype, device)
    return zeros(*size, dtype=dtype, device=device, requires_grad=requires_grad)


@op(variants="method")
def new_ones(x: Tensor, *size: int | Sequence[int], dtype: DType | None = None,
             device: DeviceLike | None = None, requires_grad: bool = False) -> Tensor:
    """Ones of ``size`` with ``x``'s dtype and device (unless given)."""
    dtype, device = _defaults(x, dtype, device)
    return ones(*size, dtype=dtype, device=device, requires_grad=requires_grad)


@op(variants="method")
def new_empty(x: Tensor, *size: int | Sequence[int], dtype: DType | None = None,
              device: DeviceLike | None = None, requires_grad: bool = False) -> Tensor:
    """An uninitialised tensor of ``size`` with ``x``'s dtype and device (unless given)."""
    dtype, device = _defaults(x, dtype, device)
    return empty(*size, dtype=dtype, device=device, requires_grad=requires_grad)


@op(variants="method")
def new_full(x: Tensor, size: Sequence[int], fill_value: bool | int | float, *,
             dtype: DType | None = None, device: DeviceLike | None = None,
             requires_grad: bool = False) -> Tensor:
    """A tensor of ``size`` (a tuple or list) filled with ``fill_value``, in ``x``'s dtype and
    device unless given: the value is cast to that dtype (``1.5`` in an int64 tensor is 1),
    where ``full`` would take the value's own dtype."""
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"new_full(): argument 'size' (position 1) must be tuple of ints, not "
                        f"{type(size).__name__}")
    dtype, device = _defaults(x, dtype, device)
    return full(size, fill_value, dtype=dtype, device=device, requires_grad=requires_grad)


@op(variants="method")
def new_tensor(x: Tensor, data: Any, *, dtype: DType | None = None,
               device: DeviceLike | None = None, requires_grad: bool = False) -> Tensor:
    """A copy of ``data`` (numbers, nested lists, an array, a tensor) as a new leaf in ``x``'s
    dtype and device unless given: ``x.new_tensor([1, 2])`` of a float32 ``x`` is float32.
    Copying a tensor this way warns, as in PyTorch: ``t.detach().clone()`` says it better."""
    if isinstance(data, Tensor):
        warnings.warn("To copy construct from a tensor, it is recommended to use "
                      "sourceTensor.detach().clone() or "
                      "sourceTensor.detach().clone().requires_grad_(True), rather than "
                      "tensor.new_tensor(sourceTensor).", UserWarning, stacklevel=2)
    dtype, device = _defaults(x, dtype, device)
    return tensor(data, dtype=dtype, device=device, requires_grad=requires_grad)
