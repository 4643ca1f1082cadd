"""Copies: the ``copy`` and ``fill`` kernels, and the Functions built on them.

``copy`` is the only kernel that converts dtypes and the only one that turns a strided view
into a row-major tensor, so ``contiguous``, ``clone``, ``.to(dtype)`` and ``.to(device)`` all
end here. ``copy_into`` and ``fill_into`` are the raw writes that composites use to fill a
buffer they have just allocated (a scatter's output, a slice of ``cat``'s result): they record
no graph and leave version counters to the caller.
"""

from __future__ import annotations

from ... import dtypes
from ...autograd.function import Function
from ...device import device as Device
from ...dispatch import broadcast_view, cast, copy_table
from ...dtypes import DType
from ...tensor import Tensor
from ..declare import op


def copy_into(out: Tensor, src: Tensor) -> None:
    """``out[...] = src`` by the ``copy`` kernel: ``src`` is broadcast to ``out``'s shape and
    cast to its dtype (no autograd; both on one device). A complex ``src`` is copied by the
    complex kernel table, as any work on complex numbers."""
    copy_table(out, src).copy(out, broadcast_view(src, out.shape))


def fill_into(out: Tensor, value: bool | int | float) -> None:
    """``out[...] = value`` by the ``fill`` kernel (no autograd)."""
    out._kernels.fill(out, dtypes.cast_scalar(value, out.dtype))


class Contiguous(Function):
    """out = a row-major copy of x."""

    @staticmethod
    def forward(ctx, x: Tensor) -> Tensor:
        out = x._empty_like()
        x._kernels.copy(out, x)
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad


@op(variants="method")
def contiguous(x: Tensor) -> Tensor:
    """``x`` itself if row-major, else a row-major copy."""
    return x if x.is_contiguous() else Contiguous.apply(x)


@op(variants="function, method")
def clone(x: Tensor) -> Tensor:
    """A copy with its own storage (differentiable)."""
    return Contiguous.apply(x)


# -- device and dtype conversion ------------------------------------------------------------
class ToDtype(Function):
    """out = x converted to another dtype"""

    @staticmethod
    def forward(ctx, x, dtype):
        return cast(x, dtype) if x.dtype is not dtype else x.clone()

    @staticmethod
    def backward(ctx, grad):
        return grad, None  # the engine casts the gradient back to x's dtype


class ToDevice(Function):
    """out = x copied to another device (through host memory)"""

    @staticmethod
    def forward(ctx, x, dev):
        ctx.src = x.device
        return Tensor._from_numpy(x._to_host(), dev, x.dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad.to(ctx.src), None


def to_device_dtype(x: Tensor, dev: Device | None, dtype: DType | None, copy: bool) -> Tensor:
    out = x
    if dtype is not None and (dtype is not x.dtype or copy):
        out = ToDtype.apply(out, dtype)
        copy = False
    if dev is not None and dev != x.device:
        out = ToDevice.apply(out, dev)
    elif copy:
        out = out.clone()
    return out
