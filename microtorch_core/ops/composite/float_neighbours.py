"""``nextafter``: the float next to ``x`` in the direction of ``y``, exactly.

C reads the neighbour off the bits: a positive float's bit pattern, read as an integer, grows
with its value, so the neighbour is that integer plus or minus one. MicroTorch cannot view a
float's bits as an integer (no kernel reinterprets memory), so it takes the same step in
arithmetic, which is exact: the gap between ``x`` and its neighbour is one *ulp*, a power of
two that ``frexp`` gives. With ``x = m * 2**e`` (``0.5 <= |m| < 1``) and ``p`` bits of
precision (53 for float64, 24 for float32):

* away from zero the neighbour is ``x + 2**(e - p)`` (with ``x``'s sign);
* towards zero it is the same, except that a power of two (``|m| == 0.5``) sits where the
  spacing halves, so the step is ``2**(e - p - 1)``;
* the spacing never falls below the smallest subnormal, ``2**-1074`` (``2**-149``), which is
  also the neighbour of zero; the neighbour of an infinity is the largest finite float, and
  that of the largest float (away from zero) is infinity, as the sum rounds there.

``x + step`` is then the exact neighbour, a float, so the addition does not round. As in
PyTorch, the result is ``y`` where ``x == y`` and NaN where either is NaN; the gradient
passes to ``x`` unchanged (the step is constant almost everywhere) and not to ``y``.

>>> nextafter(tensor([1.0], dtype=float64), tensor([2.0], dtype=float64)) - 1
tensor([2.2204e-16], dtype=microtorch.float64)
"""

from __future__ import annotations

import math

from ... import dtypes
from ...autograd.function import Function
from ...dispatch import broadcast_shapes, broadcast_view, cast
from ...tensor import Tensor
from ..declare import op
from ..primitive.elementwise import where
from .comparison import isnan
from .float_parts import _pow2, _precision, frexp


def _smallest_exponent(dtype: dtypes.DType) -> int:
    """log2 of the smallest positive subnormal: -1074 for float64, -149 for float32."""
    return -1074 if dtype is dtypes.float64 else -149


def _neighbour(x: Tensor, y: Tensor) -> Tensor:
    """The float after ``x`` towards ``y`` (same shape and float dtype; no autograd)."""
    p, lowest = _precision(x.dtype), _smallest_exponent(x.dtype)
    largest = dtypes.finfo(x.dtype).max
    infinite = x.abs() == math.inf
    finite_nonzero = ~infinite & ~isnan(x) & (x != 0)
    mantissa, exponent = frexp(where(finite_nonzero, x, 1.0))
    e = exponent.to(dtypes.int64)
    away = (y > x) == (x > 0)  # the step moves |x| away from zero
    power_of_two = mantissa.abs() == 0.5
    step_exp = where(~away & power_of_two, e - p - 1, e - p).clamp(min=lowest)
    step = _pow2(step_exp, x.dtype)
    moved = x + where(y > x, step, -step)
    zero = x._empty_like().zero_()
    moved = where(moved == 0, where(x > 0, zero, -zero), moved)  # -tiny + tiny is +0.0
    tiniest = x._empty_like().fill_(2.0 ** lowest)
    biggest = x._empty_like().fill_(largest)
    from_zero = where(y > 0, tiniest, -tiniest)
    from_infinity = where(x > 0, biggest, -biggest)
    out = where(x == 0, from_zero, where(infinite, from_infinity, moved))
    return where(isnan(x) | isnan(y), math.nan, where(x == y, y, out))


class NextAfter(Function):
    """out = the float next to x towards y; d out / dx = 1, d out / dy = 0"""

    @staticmethod
    def forward(ctx, x: Tensor, y: Tensor) -> Tensor:
        dtype = dtypes.promote_types(x.dtype, y.dtype)
        shape = broadcast_shapes(x.shape, y.shape)
        x = broadcast_view(cast(x, dtype), shape)
        y = broadcast_view(cast(y, dtype), shape)
        return _neighbour(x, y)

    @staticmethod
    def backward(ctx, grad):
        return grad, None


@op(variants="function, method", inplace=True)
def nextafter(x: Tensor, other: Tensor) -> Tensor:
    """The next floating-point value after ``x`` towards ``other``, elementwise, as
    ``torch.nextafter`` (C's ``nextafter``): exact, with the dtypes promoted and broadcast."""
    for name, t in (("input", x), ("other", other)):
        if not isinstance(t, Tensor):
            raise TypeError(f"nextafter(): argument '{name}' must be Tensor, not "
                            f"{type(t).__name__}")
    dtype = dtypes.promote_types(x.dtype, other.dtype)
    if not dtype.is_floating_point:
        raise RuntimeError(f"\"nextafter_cpu\" not implemented for '{dtype.name}': nextafter "
                           f"takes float32 or float64 tensors")
    return NextAfter.apply(x, other)
