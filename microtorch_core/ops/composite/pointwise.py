"""Elementwise math built from the primitive kernels: powers and roots (square rsqrt
reciprocal float_power), accurate ``log1p``/``expm1``, hyperbolic (sinh cosh), logarithms
(log2 log10 exp2 logit xlogy logaddexp logaddexp2), signs (signbit copysign heaviside),
angles (deg2rad rad2deg), ``hypot``, ``lerp``, ``nan_to_num`` and PyTorch's aliases
(negative positive absolute).

Most are plain composites whose gradients come from their parts. Where a composite picks one
of two formulas with ``where`` (sinh, cosh, hypot, xlogy), the formula not picked may hold an
inf or NaN that would poison the gradient, so those are Functions with the derivative written
out.
"""

from __future__ import annotations

import math

from ... import dtypes
from ...autograd.function import Function
from ...dispatch import check_tensor_args
from ...tensor import Tensor
from ..declare import op
from ..primitive.copy import clone
from ..primitive.elementwise import _float_type, maximum, minimum, neg, where
from .comparison import clamp, isinf
from .rounding import _round_half_even

Scalar = bool | int | float


def _as_float(x: Tensor) -> Tensor:
    """``x``, with integer and bool tensors converted to the default float dtype (floating
    and complex tensors as they are)."""
    return x if x.dtype.is_inexact else x.to(dtypes.get_default_dtype())


# -- signs ---------------------------------------------------------------------------------
@op(variants="function, method")
def signbit(x: Tensor) -> Tensor:
    """True where the sign bit is set: negative numbers and -0.0, as ``torch.signbit``. (A
    NaN's sign bit is invisible to the kernels: it reads False.)"""
    if x.dtype is dtypes.bool_:
        return x._empty_like(dtype=dtypes.bool_).fill_(False)
    x = x.detach()
    if not x.dtype.is_floating_point:
        return x < 0
    # -0.0 == 0.0, but 1 / -0.0 is -inf: the one way arithmetic shows the sign of a zero
    return (x < 0) | ((x == 0) & (1 / where(x == 0, x, 1.0) < 0))


@op(variants="function, method", inplace=True)
def copysign(a: Tensor, b: Tensor | Scalar) -> Tensor:
    """``|a|`` with the sign of ``b`` (including the sign of a zero), elementwise and
    broadcast, as ``torch.copysign``; the result is floating point.

    >>> copysign(tensor([1.0, -2.0]), tensor([-0.0, 3.0]))
    tensor([-1.,  2.])
    """
    if not isinstance(a, Tensor):
        raise TypeError(f"copysign(): the first argument must be a Tensor, got "
                        f"{type(a).__name__}")
    magnitude = a.to(_float_type(a, b)).abs()
    if isinstance(b, Tensor):
        return where(signbit(b), -magnitude, magnitude)
    return -magnitude if math.copysign(1.0, b) < 0 else magnitude


@op(variants="function, method", inplace=True)
def heaviside(x: Tensor, values: Tensor) -> Tensor:
    """The step function: 0 where x < 0, ``values`` where x == 0, 1 where x > 0 (and 0 for
    NaN), as ``torch.heaviside``. It has no derivative, so it records no graph."""
    check_tensor_args("heaviside", input=x, values=values)
    if x.dtype is not values.dtype:
        raise RuntimeError(f"heaviside(): input and values must have the same dtype, got "
                           f"{x.dtype.name} and {values.dtype.name}")
    x = x.detach()
    return where(x == 0, values.detach(), (x > 0).to(x.dtype))


# -- hyperbolic functions ------------------------------------------------------------------
def _half_exps(x: Tensor) -> tuple[Tensor, Tensor]:
    """(e^|x| / 2, e^-|x| / 2), computed as a * (a / 2) and (0.5 / a) / a with a = e^(|x|/2),
    so that e^|x| itself, which overflows sooner than the result, is never formed. Where
    even the result overflows, it is set to inf rather than multiplied out (an overflowing
    product would make NumPy warn)."""
    a = (x.abs() / 2).exp()
    info = dtypes.finfo(x.dtype)
    too_big = a > math.sqrt(info.max) * math.sqrt(2) * (1 - 4 * info.eps)
    a_fit = where(too_big, 0.0, a)
    return where(too_big, math.inf, a_fit * (a_fit / 2)), (0.5 / a) / a


class Sinh(Function):
    """out = sinh(x) = (e^x - e^-x) / 2"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        big, small = _half_exps(x)
        # near 0, e^x - e^-x cancels; there sinh = 2t / (1 - t^2) with t = tanh(x / 2)
        t = (x / 2).tanh()
        return where(x.abs() < 1, 2 * t / (1 - t * t), x.sign() * (big - small))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * cosh(x)


class Cosh(Function):
    """out = cosh(x) = (e^x + e^-x) / 2"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        big, small = _half_exps(x)
        return big + small

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * sinh(x)


@op(variants="function, method", inplace=True)
def sinh(x: Tensor) -> Tensor:
    """The hyperbolic sine, elementwise (integers become floats), as ``torch.sinh``."""
    return Sinh.apply(_as_float(x))


@op(variants="function, method", inplace=True)
def cosh(x: Tensor) -> Tensor:
    """The hyperbolic cosine, elementwise (integers become floats), as ``torch.cosh``."""
    return Cosh.apply(_as_float(x))


# -- logarithms and powers -----------------------------------------------------------------
def _log_base(x: Tensor, base: float) -> Tensor:
    """log(x) / log(base), made exact at exact powers of ``base`` (so ``log10(1000)`` is 3,
    not 2.9999998, and ``floor`` of it counts digits right); the gradient is the quotient's."""
    x = _as_float(x)
    out = x.log() / math.log(base)
    approx = out.detach()
    finite = approx.abs() < math.inf  # log(0), log(inf) and NaN stay as they are
    approx = where(finite, approx, 0.0)
    k = _round_half_even(approx)
    exact = finite & ((base ** k) == x.detach())
    return out + where(exact, k - approx, 0.0)


@op(variants="function, method", inplace=True)
def log2(x: Tensor) -> Tensor:
    """The base-2 logarithm, elementwise, as ``torch.log2``."""
    return _log_base(x, 2.0)


@op(variants="function, method", inplace=True)
def log10(x: Tensor) -> Tensor:
    """The base-10 logarithm, elementwise, as ``torch.log10``."""
    return _log_base(x, 10.0)


@op(variants="function, method", aliases=("special.exp2",), inplace=True)
def exp2(x: Tensor) -> Tensor:
    """2 ** x, elementwise (integers become floats), as ``torch.exp2``."""
    return 2.0 ** _as_float(x)


@op(variants="function, method", aliases=("special.logit",), inplace=True)
def logit(x: Tensor, eps: float | None = None) -> Tensor:
    """The log-odds ``log(x / (1 - x))``, the inverse of ``sigmoid``, as ``torch.logit``;
    with ``eps``, x is first clamped to ``[eps, 1 - eps]`` (the gradient is 0 outside)."""
    x = _as_float(x)
    if eps is not None:
        x = clamp(x, eps, 1 - eps)
    # log(x) - log(1 - x), not log(x / (1 - x)): at x = 1 the quotient's gradient is 0 / 0
    return x.log() - (1 - x).log()


class XLogY(Function):
    """out = x * log(y), and 0 where x == 0 (unless y is NaN)"""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        out = x * where(x == 0, 1.0, y).log()  # log(1): no 0 * -inf where x is 0
        return where(y != y, math.nan, out)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        grad_x = grad_y = None
        if ctx.needs_input_grad[0]:  # log(y), with PyTorch's 0 where x == 0 and y <= 0
            grad_x = where((x == 0) & (y <= 0), 0.0, xlogy(grad, y))
        if ctx.needs_input_grad[1]:
            grad_y = grad * x / y
        return grad_x, grad_y


@op(variants="function, method", aliases=("special.xlogy",), inplace=True)
def xlogy(x: Tensor | Scalar, y: Tensor | Scalar) -> Tensor:
    """``x * log(y)``, elementwise and broadcast, with 0 where ``x == 0`` even if ``y`` is 0
    (the convention of entropy terms ``p log p``), as ``torch.xlogy``; one of the two may be
    a Python number.

    >>> xlogy(tensor([0.0, 2.0]), tensor([0.0, 1.0]))
    tensor([0., 0.])
    """
    if not isinstance(x, Tensor) and not isinstance(y, Tensor):
        raise TypeError(f"xlogy(): expected at least one Tensor, got {type(x).__name__} and "
                        f"{type(y).__name__}")
    dtype = _float_type(x, y)
    like = x if isinstance(x, Tensor) else y
    x, y = (t.to(dtype) if isinstance(t, Tensor) else
            like._empty_like((), dtype).fill_(t) for t in (x, y))
    return XLogY.apply(x, y)


# -- hypot, nan_to_num ---------------------------------------------------------------------
class Hypot(Function):
    """out = sqrt(a^2 + b^2)"""

    @staticmethod
    def forward(ctx, a, b):
        # as max * sqrt(1 + (min / max)^2): a^2 would overflow for |a| above 1e154 (float64)
        big, small = maximum(a.abs(), b.abs()), minimum(a.abs(), b.abs())
        ratio = small / where((big == 0) | (big == math.inf), 1.0, big)
        out = big * (1 + ratio * ratio).sqrt()
        out = where(isinf(a) | isinf(b), math.inf, out)  # inf even beside a NaN, as C's hypot
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        return grad * a / out, grad * b / out


@op(variants="function, method", inplace=True)
def hypot(a: Tensor, b: Tensor) -> Tensor:
    """The hypotenuse ``sqrt(a**2 + b**2)``, elementwise and broadcast, without overflow in
    the squares, as ``torch.hypot`` (floating point tensors)."""
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        raise TypeError(f"hypot(): expected two Tensors, got {type(a).__name__} and "
                        f"{type(b).__name__}")
    dtype = dtypes.result_type(a, b)
    if not dtype.is_floating_point:
        raise RuntimeError(f"hypot(): expected floating point tensors, got {a.dtype.name} "
                           f"and {b.dtype.name}")
    return Hypot.apply(a.to(dtype), b.to(dtype))


@op(variants="function, method", inplace=True)
def nan_to_num(x: Tensor, nan: float = 0.0, posinf: float | None = None,
               neginf: float | None = None) -> Tensor:
    """``x`` with NaN replaced by ``nan``, +inf by ``posinf`` and -inf by ``neginf`` (by
    default the largest and lowest finite values of the dtype), as ``torch.nan_to_num``;
    replaced elements get a zero gradient. Integer tensors are returned as a copy.

    >>> nan_to_num(tensor([float("nan"), float("inf"), 1.0]))
    tensor([0.0000e+00, 3.4028e+38, 1.0000e+00])
    """
    if not x.dtype.is_floating_point:
        return clone(x)
    info = dtypes.finfo(x.dtype)
    posinf = info.max if posinf is None else posinf
    neginf = info.min if neginf is None else neginf
    detached = x.detach()
    out = where(detached == math.inf, posinf, x)
    out = where(detached == -math.inf, neginf, out)
    return where(detached != detached, nan, out)


@op(variants="function, method", inplace=True)
def square(x: Tensor) -> Tensor:
    """x * x (bool becomes int64 first, as in PyTorch)"""
    if x.dtype is dtypes.bool_:
        x = x.to(dtypes.int64)
    return x * x


@op(variants="function, method", inplace=True)
def rsqrt(x: Tensor) -> Tensor:
    """1 / sqrt(x)"""
    return 1 / x.sqrt()


@op(variants="function, method", inplace=True)
def reciprocal(x: Tensor) -> Tensor:
    """1 / x"""
    return 1 / x


# log(1 + x) and e^x - 1 lose every digit of a tiny x to rounding (1 + 1e-10 is 1 in float32).
# Kahan's corrections recover them from the same primitives: with u = fl(1 + x), the error
# of log(u) is cancelled by multiplying by x / (u - 1), which is exactly how far u is from 1
# relative to x; expm1 is the mirror image. (Goldberg, "What every computer scientist should
# know about floating-point arithmetic", 1991.)
class Log1p(Function):
    """out = ln(1 + x)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        u = x + 1
        exact = u.log() * (x / where(u == 1, 1.0, u - 1))
        return where((u == 1) | (u == math.inf), x, exact)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (x + 1)


class Expm1(Function):
    """out = e^x - 1"""

    @staticmethod
    def forward(ctx, x):
        u = x.exp()
        exact = (u - 1) * (x / where((u == 1) | (u == 0) | (u == math.inf), 1.0, u.log()))
        out = where(u == 1, x, where((u - 1 == -1) | (u == math.inf), u - 1, exact))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * (out + 1)


def _floating(x: Tensor) -> Tensor:
    """``x`` as floating point: integers and bools promote to the default float dtype."""
    return x if x.dtype.is_floating_point else x * 1.0


@op(variants="function, method", aliases=("special.log1p",), inplace=True)
def log1p(x: Tensor) -> Tensor:
    """ln(1 + x), accurate for tiny x."""
    return Log1p.apply(_floating(x))


@op(variants="function, method", aliases=("special.expm1",), inplace=True)
def expm1(x: Tensor) -> Tensor:
    """e^x - 1, accurate for tiny x."""
    return Expm1.apply(_floating(x))


@op(variants="function, method", inplace=True)
def lerp(start: Tensor, end: Tensor, weight) -> Tensor:
    """start + weight * (end - start), for floating tensors of one dtype (as PyTorch: a
    float64 ``end`` would silently promote a float32 ``start``)."""
    if not start.dtype.is_floating_point:
        raise RuntimeError(f"lerp: expected a floating point start, got {start.dtype.name}")
    for name, t in (("end", end), ("weight", weight)):
        if isinstance(t, Tensor) and t.dtype is not start.dtype:
            raise RuntimeError(f"lerp: expected dtype {start.dtype.name} for `{name}` but got "
                               f"dtype {t.dtype.name}")
    return start + weight * (end - start)


negative = neg


absolute = abs


@op(variants="function, method")
def positive(x: Tensor) -> Tensor:
    """``+x``: ``x`` itself, as ``torch.positive`` (refused for bool, as PyTorch)."""
    if x.dtype is dtypes.bool_:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return x


# -- log(e^a + e^b) -------------------------------------------------------------------------
def _floating_pair(name: str, a: Tensor, b: Tensor) -> None:
    check_tensor_args(name, input=a, other=b)
    dtype = dtypes.result_type(a, b)
    if not dtype.is_floating_point:
        raise NotImplementedError(f"{name}: not implemented for {dtype.name} tensors (floating "
                                  "point only)")


def _log_add(a: Tensor, b: Tensor, log_base: float) -> Tensor:
    """max(a, b) + log_base(1 + base^-|a - b|): no exponential can overflow. Where a == b
    (equal infinities, whose difference is NaN) the difference is taken as 0; the gradient
    there is split evenly by ``maximum``, as d/da = 1/2."""
    tie = a == b  # inf - inf would be NaN (and a NumPy warning): subtract zeros there
    d = where(tie, 0.0, a) - where(tie, 0.0, b)
    return maximum(a, b) + log1p((-d.abs() * log_base).exp()) / log_base


@op(variants="function, method")
def logaddexp(a: Tensor, b: Tensor) -> Tensor:
    """log(e^a + e^b), computed without overflow (``logaddexp(1000, 1000)`` is 1000.69)."""
    _floating_pair("logaddexp", a, b)
    return _log_add(a, b, 1.0)


@op(variants="function, method")
def logaddexp2(a: Tensor, b: Tensor) -> Tensor:
    """log2(2^a + 2^b), computed without overflow."""
    _floating_pair("logaddexp2", a, b)
    return _log_add(a, b, math.log(2.0))


# -- powers and angles ------------------------------------------------------------------------
@op(variants="function, method")
def float_power(a: Tensor | Scalar, b: Tensor | Scalar) -> Tensor:
    """a ** b computed in float64 (both operands converted first), as ``torch.float_power``."""
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        raise TypeError("float_power: expected at least one Tensor operand")
    a = a.to(dtypes.float64) if isinstance(a, Tensor) else float(a)
    b = b.to(dtypes.float64) if isinstance(b, Tensor) else float(b)
    return a ** b


@op(variants="function, method", inplace=True)
def deg2rad(x: Tensor) -> Tensor:
    """Degrees to radians (integers become the default float dtype)."""
    return _as_float(x) * (math.pi / 180.0)


@op(variants="function, method", inplace=True)
def rad2deg(x: Tensor) -> Tensor:
    """Radians to degrees (integers become the default float dtype)."""
    return _as_float(x) * (180.0 / math.pi)
