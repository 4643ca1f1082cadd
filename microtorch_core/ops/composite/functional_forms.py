"""Function forms of an operator and of an in-place op: ``rsub`` (``other - alpha * input``,
the function behind ``2 - x``) and ``fill`` (the out-of-place ``x.fill_(value)``), as
``torch.rsub`` and ``torch.fill``.

>>> rsub(tensor([1, 2]), 10)
tensor([9, 8])
>>> fill(tensor([1.0, 2.0]), 7)
tensor([7., 7.])
"""

from __future__ import annotations

from ...autograd.function import Function
from ...dispatch import Scalar
from ...tensor import Tensor
from ..declare import op
from ..primitive.copy import copy_into
from ..primitive.elementwise import sub
from ..primitive.reduction import sum as _sum


def _check_alpha(name: str, x: Tensor, other: Tensor | Scalar, alpha: Scalar) -> None:
    """PyTorch refuses a float ``alpha`` for integer operands (it would be truncated) and any
    ``alpha`` other than a bool for bool operands."""
    dtype_of = [x.dtype] + ([other.dtype] if isinstance(other, Tensor) else [])
    if all(not d.is_floating_point for d in dtype_of) and isinstance(alpha, float):
        raise RuntimeError(f"{name}: for integral input tensors, argument alpha must not be a "
                           f"floating point number (got alpha={alpha})")


@op
def rsub(input: Tensor, other: Tensor | Scalar, *, alpha: Scalar = 1) -> Tensor:  # noqa: A002
    """``other - alpha * input``: subtraction with the operands reversed, as ``torch.rsub``
    (what ``other - input`` calls when ``other`` is a number)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"rsub(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    _check_alpha("rsub", input, other, alpha)
    return sub(other, input if alpha == 1 else input * alpha)


class Fill(Function):
    """out = value everywhere, with x's shape and dtype; d out / dx = 0, d out / dvalue = 1
    per element"""

    @staticmethod
    def forward(ctx, x: Tensor, value: Tensor | Scalar) -> Tensor:
        out = x._empty_like()
        if isinstance(value, Tensor):
            copy_into(out, value)
        else:
            out.fill_(value)
        return out

    @staticmethod
    def backward(ctx, grad):
        value_is_tensor = ctx.input_meta[1] is not None
        return grad._empty_like().zero_(), _sum(grad) if value_is_tensor else None


@op
def fill(input: Tensor, value: Tensor | Scalar) -> Tensor:  # noqa: A002
    """A tensor of ``input``'s shape, dtype and device holding ``value`` everywhere (a number
    or a 0-d tensor, cast to ``input``'s dtype), as ``torch.fill``: the out-of-place
    ``input.fill_(value)``."""
    if not isinstance(input, Tensor):
        raise TypeError(f"fill(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    if isinstance(value, Tensor) and value.dim() != 0:
        raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                           f"{value.dim()} dimensions.")
    return Fill.apply(input, value)
