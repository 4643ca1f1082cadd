"""Inverse trigonometric and hyperbolic functions, and tan, from the primitive kernels.

==========================  ==================================================================
``atan``                    Cephes' ``atan`` (S. L. Moshier): |x| is reduced to [0, 0.66] by
                            atan(x) = pi/2 - atan(1/x) above tan(3 pi/8) and
                            pi/4 + atan((x - 1)/(x + 1)) above 0.66, then
                            atan(t) = t + t^3 P(t^2) / Q(t^2), a degree 4/5 rational (peak
                            relative error 2.6e-18); the rounding error of pi/2 and pi/4 is
                            added back ("MOREBITS").
``atan2``                   atan of the smaller magnitude over the larger (a ratio in [0, 1]:
                            no overflow, no inf / inf), then the quadrant from the sign bits,
                            with C99's values at signed zeros and infinities.
``asin`` ``acos``           atan2(x, sqrt((1 - x)(1 + x))) and atan2(sqrt((1 - x)(1 + x)), x):
                            1 - x is exact near 1, where 1 - x^2 would cancel.
``asinh`` ``acosh``         fdlibm's log1p forms (Sun Microsystems, 1993), e.g.
``atanh``                   asinh(x) = log1p(x + x^2 / (1 + sqrt(1 + x^2))) for |x| <= 2,
                            log(2x + 1 / (x + sqrt(x^2 + 1))) up to 2^28 and log(x) + log(2)
                            beyond, where x^2 would overflow; accurate near 0 and for large |x|.
``tan``                     sin(x) / cos(x): both kernels reduce their argument exactly, so the
                            quotient stays within a few ulps, also next to the poles.
==========================  ==================================================================

Each is a ``Function`` with its derivative written out, so that the ``where`` branches a
forward pass discards never put a NaN into the gradient. Inputs are sanitised before each
branch, so no lane ever computes inf - inf or overflows (NumPy would warn). float32 inputs are
computed in float32.
"""

from __future__ import annotations

import math

from ...autograd.function import Function
from ...dispatch import check_tensor_args
from ...tensor import Tensor
from ..composite.pointwise import _as_float, hypot, log1p, signbit
from ..declare import op
from ..primitive.elementwise import _float_type, where
from .polynomial import p1evl, polevl

Scalar = bool | int | float

# atan(t) = t + t^3 P(t^2) / Q(t^2) on [0, 0.66] (Cephes atan.c; Q is monic)
_ATAN_P = (-8.750608600031904122785e-1, -1.615753718733365076637e1, -7.500855792314704667340e1,
           -1.228866684490136173410e2, -6.485021904942025371773e1)
_ATAN_Q = (2.485846490142306297962e1, 1.650270098316988542046e2, 4.328810604912902668951e2,
           4.853903996359136964868e2, 1.945506571482613964425e2)
_TAN_3PI_8 = 2.41421356237309504880
_MOREBITS = 6.123233995736765886130e-17  # pi/2 - fl(pi/2)
_LN2 = math.log(2.0)
_HUGE = 2.0 ** 28  # beyond it sqrt(x^2 + 1) == |x| in float64 (and float32)


def _atan(x: Tensor) -> Tensor:
    """atan(x) by Cephes' range reduction and rational approximation (no autograd)."""
    a = x.abs()
    big = a > _TAN_3PI_8
    mid = (a > 0.66) & ~big
    # each lane gets the argument of its own branch: no 1/0 where the result is not used
    t = where(big, -1 / where(big, a, 1.0), where(mid, (a - 1) / (a + 1), x))
    z = t * t
    r = t + t * (z * polevl(z, _ATAN_P) / p1evl(z, _ATAN_Q))
    shifted = where(big, (r + _MOREBITS) + math.pi / 2, (r + _MOREBITS / 2) + math.pi / 4)
    out = where(big | mid, where(x < 0, -shifted, shifted), r)
    return where(x == 0, x, out)  # keeps the sign of -0.0


def _atan2(y: Tensor, x: Tensor) -> Tensor:
    """atan2(y, x) (no autograd): the angle of the point (x, y), in [-pi, pi]."""
    ax, ay = x.abs(), y.abs()
    steep = ay > ax
    big, small = where(steep, ay, ax), where(steep, ax, ay)
    both_inf = (ax == math.inf) & (ay == math.inf)
    t = small / where((big == 0) | both_inf, 1.0, big)  # in [0, 1]; 0 at the origin
    r = _atan(where(both_inf, 1.0, t))  # in [0, pi/4]
    # the quadrant: pi/2 - r (steep), pi - r (x < 0), pi/2 + r (both), each rounded once
    left = signbit(x)
    r = where(steep != left, -r, r)
    angle = where(steep, (r + math.pi / 2) + _MOREBITS,
                  where(left, (r + math.pi) + 2 * _MOREBITS, r))
    return where(signbit(y), -angle, angle)


def _inverse_sqrt_one_plus_square(x: Tensor) -> tuple[Tensor, Tensor]:
    """(u, sqrt(1 + u^2)) with u = 1/|x| where |x| > 1 and u = x elsewhere: 1 / (1 + x^2)
    and 1 / sqrt(1 + x^2) follow from them without squaring a large x (an overflow)."""
    a = x.abs()
    u = where(a > 1, 1 / where(a > 1, a, 1.0), x)
    return u, (1 + u * u).sqrt()


class Atan(Function):
    """out = atan(x)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _atan(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        u, root = _inverse_sqrt_one_plus_square(x)  # 1 / (1 + x^2), computed as u^2 / (1 + u^2)
        large = x.abs() > 1
        return grad * where(large, u * u, 1.0) / (root * root)


class Atan2(Function):
    """out = atan2(y, x), the angle of the point (x, y)"""

    @staticmethod
    def forward(ctx, y, x):
        ctx.save_for_backward(y, x)
        return _atan2(y, x)

    @staticmethod
    def backward(ctx, grad):
        y, x = ctx.saved_tensors
        # d/dy = x / (x^2 + y^2), d/dx = -y / (x^2 + y^2), by the hypotenuse (no overflow in
        # the squares), and 0 at the origin, as PyTorch
        h = hypot(y, x)
        origin = h == 0
        h = where(origin, 1.0, h)
        grad_y = grad_x = None
        if ctx.needs_input_grad[0]:
            grad_y = where(origin, 0.0, grad * (x / h) / h)
        if ctx.needs_input_grad[1]:
            grad_x = where(origin, 0.0, -grad * (y / h) / h)
        return grad_y, grad_x


class Asin(Function):
    """out = asin(x) = atan2(x, sqrt(1 - x^2))"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        outside = x.abs() > 1
        x = where(outside, 0.0, x)  # NaN stays; no overflow in (1 - x)(1 + x)
        return where(outside, math.nan, _atan2(x, ((1 - x) * (1 + x)).sqrt()))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / ((1 - x).sqrt() * (1 + x).sqrt())


class Acos(Function):
    """out = acos(x) = atan2(sqrt(1 - x^2), x)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        outside = x.abs() > 1
        x = where(outside, 0.0, x)
        return where(outside, math.nan, _atan2(((1 - x) * (1 + x)).sqrt(), x))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return -grad / ((1 - x).sqrt() * (1 + x).sqrt())


class Tan(Function):
    """out = tan(x) = sin(x) / cos(x)"""

    @staticmethod
    def forward(ctx, x):
        out = x.sin() / x.cos()
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * (1 + out * out)


class Asinh(Function):
    """out = asinh(x) = log(x + sqrt(x^2 + 1))"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        a = x.abs()
        small = where(a > 2, 0.0, a)  # NaN stays in this branch
        mid = where((a > 2) & (a <= _HUGE), a, 2.0)
        out = log1p(small + small * small / (1 + (1 + small * small).sqrt()))
        out = where(a > 2, (2 * mid + 1 / (mid + (mid * mid + 1).sqrt())).log(), out)
        out = where(a > _HUGE, a.log() + _LN2, out)
        return where(x == 0, x, where(x < 0, -out, out))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        u, root = _inverse_sqrt_one_plus_square(x)
        return grad * where(x.abs() > 1, u, 1.0) / root


class Acosh(Function):
    """out = acosh(x) = log(x + sqrt(x^2 - 1)), for x >= 1"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        t = where((x > 2) | (x < 1), 0.0, x - 1)  # NaN stays in this branch
        mid = where((x > 2) & (x <= _HUGE), x, 3.0)
        out = log1p(t + (2 * t + t * t).sqrt())
        out = where(x > 2, (2 * mid - 1 / (mid + (mid * mid - 1).sqrt())).log(), out)
        out = where(x > _HUGE, x.log() + _LN2, out)
        return where(x < 1, math.nan, out)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        # 1 / sqrt(x^2 - 1) without squaring (an overflow); |x|: PyTorch's value for x <= -1
        a = x.abs()
        return grad / ((a - 1).sqrt() * (a + 1).sqrt())


class Atanh(Function):
    """out = atanh(x) = log((1 + x) / (1 - x)) / 2, for |x| <= 1"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        a = x.abs()
        small = where(a >= 0.5, 0.0, a)  # NaN stays in this branch
        large = where(a >= 0.5, a, 0.5)
        out = where(a >= 0.5, log1p(2 * large / (1 - large)),
                    log1p(2 * small + 2 * small * small / (1 - small))) * 0.5
        out = where(a > 1, math.nan, out)
        return where(x == 0, x, where(x < 0, -out, out))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (1 - x) / (1 + x)


@op(variants="function, method", aliases=("arctan",), inplace=True)
def atan(x: Tensor) -> Tensor:
    """The arctangent, in (-pi/2, pi/2), elementwise, as ``torch.atan``.

    >>> atan(tensor([1.0, -math.inf]))
    tensor([ 0.7854, -1.5708])
    """
    return Atan.apply(_as_float(x))


@op(variants="function, method", aliases=("arctan2",), inplace=True)
def atan2(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
    """The angle of the point (other, input), i.e. atan(input / other) in the right quadrant,
    in [-pi, pi], elementwise and broadcast, as ``torch.atan2`` (C99's values at signed zeros
    and infinities: ``atan2(0.0, -0.0)`` is pi).

    >>> atan2(tensor([1.0, 1.0]), tensor([1.0, -1.0]))
    tensor([0.7854, 2.3562])
    """
    check_tensor_args("atan2", input=input, other=other)
    dtype = _float_type(input, other)
    return Atan2.apply(input.to(dtype), other.to(dtype))


@op(variants="function, method", aliases=("arcsin",), inplace=True)
def asin(x: Tensor) -> Tensor:
    """The arcsine, in [-pi/2, pi/2] (NaN outside [-1, 1]), elementwise, as ``torch.asin``."""
    return Asin.apply(_as_float(x))


@op(variants="function, method", aliases=("arccos",), inplace=True)
def acos(x: Tensor) -> Tensor:
    """The arccosine, in [0, pi] (NaN outside [-1, 1]), elementwise, as ``torch.acos``."""
    return Acos.apply(_as_float(x))


@op(variants="function, method", inplace=True)
def tan(x: Tensor) -> Tensor:
    """The tangent, elementwise, as ``torch.tan``."""
    return Tan.apply(_as_float(x))


@op(variants="function, method", aliases=("arcsinh",), inplace=True)
def asinh(x: Tensor) -> Tensor:
    """The inverse hyperbolic sine, elementwise, as ``torch.asinh``."""
    return Asinh.apply(_as_float(x))


@op(variants="function, method", aliases=("arccosh",), inplace=True)
def acosh(x: Tensor) -> Tensor:
    """The inverse hyperbolic cosine (NaN below 1), elementwise, as ``torch.acosh``."""
    return Acosh.apply(_as_float(x))


@op(variants="function, method", aliases=("arctanh",), inplace=True)
def atanh(x: Tensor) -> Tensor:
    """The inverse hyperbolic tangent (+-inf at +-1, NaN beyond), elementwise, as
    ``torch.atanh``."""
    return Atanh.apply(_as_float(x))


arctan, arctan2, arcsin, arccos = atan, atan2, asin, acos
arcsinh, arccosh, arctanh = asinh, acosh, atanh
