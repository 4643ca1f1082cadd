"""Elementwise math built from the primitive kernels: rounding (trunc fix ceil round frac),
signs (signbit copysign heaviside), hyperbolic (sinh cosh), logarithms and powers (log2 log10
exp2 logit xlogy), hypot and nan_to_num.

Most are plain composites whose gradients come from their parts. Where a composite picks one
of two formulas with ``where`` (sinh, cosh, hypot, xlogy), the formula not picked may hold an
inf or NaN that would poison the gradient, so those are Functions with the derivative written
out. Rounding records no graph, as ``floor`` (its gradient is zero almost everywhere).
"""

from __future__ import annotations

import math

from .. import dtypes
from ..autograd.function import Function
from ..dtypes import DType
from ..tensor import Tensor
from .composite import _detached, _division_dtype, clamp, floor, floor_divide, isinf
from .elementwise import _float_type, dispatch_binary, maximum, minimum, where
from .elementwise import div as _true_div
from .views import clone

Scalar = bool | int | float


def _as_float(x: Tensor) -> Tensor:
    """``x``, with integer and bool tensors converted to the default float dtype."""
    return x if x.dtype.is_floating_point else x.to(dtypes.get_default_dtype())


# -- rounding ------------------------------------------------------------------------------
def _integral_above(dtype: DType) -> float:
    """The magnitude from which every value of a floating ``dtype`` is an integer: 2**52
    for float64, 2**23 for float32 (the spacing of values there is 1)."""
    return 2.0 ** (52 if dtype is dtypes.float64 else 23)


def trunc(x: Tensor) -> Tensor:
    """x rounded toward zero, elementwise (integers are returned as they are), as
    ``torch.trunc``. Records no graph, as ``floor``."""
    if not x.dtype.is_floating_point:
        return clone(x)
    x = x.detach()
    small = x.abs() < 2.0 ** 52  # False for NaN, infinities and values already integral
    # a float-to-int64 conversion truncates toward zero, exactly below 2**63
    truncated = where(small, x, 0.0).to(dtypes.int64).to(x.dtype)
    return where(small, truncated, x)


fix = trunc


def div(a, b, *, rounding_mode: str | None = None) -> Tensor:
    """a / b, as ``torch.div``: true division (integers give floats), or with
    ``rounding_mode='trunc'`` (toward zero, C's integer division) or ``'floor'`` (toward minus
    infinity, Python's ``//``) a quotient in the promoted dtype. The rounded forms record no
    graph, as ``floor``."""
    if rounding_mode is None:
        return _true_div(a, b)
    if rounding_mode == "floor":
        return floor_divide(a, b)
    if rounding_mode == "trunc":
        dtype = _division_dtype(a, b)
        compute = dtype if dtype.is_floating_point else dtypes.float64
        q = dispatch_binary("div", _detached(a), _detached(b), compute_dtype=compute)
        return trunc(q).to(dtype)
    raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but "
                       f"found '{rounding_mode}'")


divide = div


def ceil(x: Tensor) -> Tensor:
    """Smallest integer >= x, elementwise: ``-floor(-x)``, as ``torch.ceil``."""
    if not x.dtype.is_floating_point:
        return clone(x)
    return -floor(-x)


def _round_half_even(x: Tensor) -> Tensor:
    """x rounded to the nearest integer, ties to even, by the floating-point unit itself:
    below 2**52 (float64) adding 2**52 leaves no bits for a fraction, so the addition rounds
    to an integer with IEEE's round-half-to-even, and subtracting 2**52 again is exact."""
    big = _integral_above(x.dtype)
    magnitude = x.abs()
    rounded = where(magnitude < big, (magnitude + big) - big, magnitude)
    return where(x < 0, -rounded, rounded)


def round(x: Tensor, *, decimals: int = 0) -> Tensor:  # noqa: A001 - PyTorch's name
    """x rounded to ``decimals`` decimal places (to an integer by default), halves to even
    as ``torch.round``: ``round(tensor([0.5, 1.5, 2.5]))`` is ``[0., 2., 2.]``. With
    ``decimals`` it is ``round(x * 10**decimals) / 10**decimals``, so the usual binary
    representation caveats apply. Records no graph, as ``floor``."""
    if not x.dtype.is_floating_point:
        if decimals != 0:
            raise RuntimeError(f"round(): decimals is only supported for floating point "
                               f"tensors, got {x.dtype.name}")
        return clone(x)
    x = x.detach()
    if decimals == 0:
        return _round_half_even(x)
    scale = 10.0 ** abs(decimals)
    if decimals > 0:
        return _round_half_even(x * scale) / scale
    return _round_half_even(x / scale) * scale


def frac(x: Tensor) -> Tensor:
    """The fractional part ``x - trunc(x)``, with x's sign, as ``torch.frac``; its gradient
    is 1 (NaN for infinite x)."""
    if not x.dtype.is_floating_point:
        raise RuntimeError(f"frac(): expected a floating point tensor, got {x.dtype.name}")
    x = where(isinf(x.detach()), math.nan, x)  # inf - inf without NumPy's warning
    return x - trunc(x)


# -- signs ---------------------------------------------------------------------------------
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


def heaviside(x: Tensor, values: Tensor) -> Tensor:
    """The step function: 0 where x < 0, ``values`` where x == 0, 1 where x > 0 (and 0 for
    NaN), as ``torch.heaviside``. It has no derivative, so it records no graph."""
    if not isinstance(values, Tensor):
        raise TypeError(f"heaviside(): values must be a Tensor, got {type(values).__name__}")
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


def sinh(x: Tensor) -> Tensor:
    """The hyperbolic sine, elementwise (integers become floats), as ``torch.sinh``."""
    return Sinh.apply(_as_float(x))


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


def log2(x: Tensor) -> Tensor:
    """The base-2 logarithm, elementwise, as ``torch.log2``."""
    return _log_base(x, 2.0)


def log10(x: Tensor) -> Tensor:
    """The base-10 logarithm, elementwise, as ``torch.log10``."""
    return _log_base(x, 10.0)


def exp2(x: Tensor) -> Tensor:
    """2 ** x, elementwise (integers become floats), as ``torch.exp2``."""
    return 2.0 ** _as_float(x)


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
