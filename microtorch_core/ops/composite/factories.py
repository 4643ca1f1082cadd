"""Tensor factories beyond ``creation.py``'s: ``scalar_tensor``, and uninitialised tensors with
a chosen memory layout, ``empty_strided``, ``x.new_empty_strided`` and ``empty_permuted``.

A tensor is a storage plus shape, strides and offset, so a factory may lay its elements out
in any order. ``empty_strided((2, 3), (1, 2))`` allocates the 6 elements its strides reach
and shows them column by column; ``empty_permuted((2, 3, 4), (0, 2, 1))`` allocates a
row-major (2, 4, 3) tensor and shows it as (2, 3, 4), so dim 1 varies fastest in memory (what
``torch.channels_last`` means for images). The values are whatever the allocator returned.

>>> empty_strided((2, 3), (1, 2)).stride()
(1, 2)
>>> empty_permuted((2, 3, 4), (0, 2, 1)).stride()
(12, 1, 3)
"""

from __future__ import annotations

from collections.abc import Sequence

from ... import dtypes
from ...creation import _finish, _shape, empty
from ...device import DeviceLike, as_device
from ...dtypes import DType
from ...tensor import Tensor, _wrap_dim
from ..declare import op


def _strides(name: str, size: tuple[int, ...], stride: Sequence[int]) -> tuple[int, ...]:
    stride = _shape((stride,) if isinstance(stride, int) else (tuple(stride),))
    if len(stride) != len(size):
        raise RuntimeError(f"{name}: mismatch in length of strides and shape: size "
                           f"{list(size)} and stride {list(stride)}")
    return stride


def _strided(size: tuple[int, ...], stride: tuple[int, ...], dtype: DType,
             device: DeviceLike | None, requires_grad: bool) -> Tensor:
    """An uninitialised tensor of ``size`` laid out with ``stride`` over a storage just large
    enough for the last element those strides reach."""
    extent = 0 if 0 in size else 1 + sum((n - 1) * s for n, s in zip(size, stride))
    flat = Tensor._empty((extent,), dtype, as_device(device))
    out = Tensor._make(flat._storage, size, stride, 0, dtype, flat.device, flat._kernels)
    return _finish(out, requires_grad)


@op
def empty_strided(size: Sequence[int], stride: Sequence[int], *, dtype: DType | None = None,
                  layout: object = None, device: DeviceLike | None = None,
                  requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """An uninitialised tensor of shape ``size`` whose elements sit ``stride`` elements apart
    along each dim, as ``torch.empty_strided``."""
    size = _shape((tuple(size),))
    return _strided(size, _strides("empty_strided", size, stride),
                    dtypes.as_dtype(dtype) or dtypes.get_default_dtype(), device, requires_grad)


@op(variants="method")
def new_empty_strided(x: Tensor, size: Sequence[int], stride: Sequence[int], *,
                      dtype: DType | None = None, layout: object = None,
                      device: DeviceLike | None = None, requires_grad: bool = False,
                      pin_memory: bool = False) -> Tensor:
    """``empty_strided(size, stride)`` with ``x``'s dtype and device unless given, as
    ``Tensor.new_empty_strided``."""
    size = _shape((tuple(size),))
    return _strided(size, _strides("new_empty_strided", size, stride),
                    dtypes.as_dtype(dtype) or x.dtype, x.device if device is None else device,
                    requires_grad)


@op
def empty_permuted(size: Sequence[int], physical_layout: Sequence[int], *,
                   dtype: DType | None = None, layout: object = None,
                   device: DeviceLike | None = None, requires_grad: bool = False,
                   pin_memory: bool = False) -> Tensor:
    """An uninitialised tensor of shape ``size`` whose dims are laid out in memory in the
    order ``physical_layout`` (outermost first), as ``torch.empty_permuted``:
    ``empty(size[p] for p in physical_layout)`` permuted back to ``size``."""
    size = _shape((tuple(size),))
    order = tuple(physical_layout)
    if len(order) != len(size):
        raise RuntimeError(f"Number of dimensions in size does not match the length of the "
                           f"physical_layout; size {list(size)}, physical_layout {list(order)}")
    order = tuple(_wrap_dim(p, len(size)) for p in order)
    if len(set(order)) != len(order):
        raise RuntimeError(f"Duplicate dim not allowed: physical_layout {list(order)}")
    physical = empty(tuple(size[p] for p in order), dtype=dtype, device=device)
    inverse = tuple(order.index(d) for d in range(len(size)))
    return _finish(physical.permute(inverse), requires_grad)


@op
def scalar_tensor(s: bool | int | float, *, dtype: DType | None = None, layout: object = None,
                  device: DeviceLike | None = None, requires_grad: bool = False,
                  pin_memory: bool = False) -> Tensor:
    """A 0-d tensor holding ``s``, in the default float dtype unless ``dtype`` is given
    (whatever the type of ``s``), as ``torch.scalar_tensor``."""
    if isinstance(s, Tensor):
        s = s.item()
    out = Tensor._empty((), dtypes.as_dtype(dtype) or dtypes.get_default_dtype(),
                        as_device(device))
    return _finish(out.fill_(s), requires_grad)
