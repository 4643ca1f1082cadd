"""The regularised incomplete gamma functions P(a, x) = gamma(a, x) / Gamma(a) (``gammainc``,
``igamma``) and Q(a, x) = 1 - P(a, x) (``gammaincc``, ``igammac``), from the primitive kernels.

=============  =================================================================================
``x < a + 1``  The series P = x^a e^-x / Gamma(a + 1) sum_n x^n / ((a + 1)...(a + n)), whose
               terms shrink from the first (Numerical Recipes' ``gser``); Q = 1 - P.
``x >= a + 1`` Legendre's continued fraction Q = x^a e^-x / Gamma(a) /
               (x + 1 - a - 1 (1 - a) / (x + 3 - a - 2 (2 - a) / (x + 5 - a - ...))), by the
               modified Lentz method (``gcf``); P = 1 - Q.
=============  =================================================================================

Each region computes the function that is the smaller there, so that 1 minus it loses no
digits. Both converge in a number of terms that grows as sqrt(a): the 2000 allowed cover a up
to about 1e5 (PyTorch switches to Temme's asymptotic expansion for large a; this does not).
The loops stop once every element has converged (a host read every 8 terms). The relative
error is about 1e-13 for a up to 100 and grows with a, as the exponent a log x - x - lgamma(a)
is rounded relative to its size: 1e-11 at a = 1e4, 1e-10 at 1e5.

The derivative in x is the Gamma(a, 1) density x^(a-1) e^-x / Gamma(a). PyTorch has no
derivative in a; this has one: the series and the continued fraction are differentiated in a
alongside their values (forward mode through the recurrences), when backward asks for it. It
is not itself differentiable.

Special values follow PyTorch and SciPy: P(a, 0) = 0, P(a, inf) = 1, P(0, x) = 1 for x > 0,
P(inf, x) = 0 for finite x, and nan where a < 0, x < 0, a = x = 0, a = x = inf, or either is
nan. float32 arguments are computed in float64 and rounded back.
"""

from __future__ import annotations

import math

from ... import dtypes
from ...autograd.function import Function
from ...dispatch import check_tensor_args
from ...tensor import Tensor
from ..composite.pointwise import xlogy
from ..composite.stacking import broadcast_tensors
from ..declare import op
from ..primitive.elementwise import _float_type, where
from .gamma import _digamma, _lgamma, lgamma
from .polynomial import in_float64

Scalar = bool | int | float

_MAX_TERMS = 2000
_TINY = 1e-300  # Lentz's stand-in for a zero denominator (the computation is in float64)
_EPS = dtypes.finfo(dtypes.float64).eps / 2


def _converged(change: Tensor, total: Tensor) -> bool:
    return bool((change.abs() <= _EPS * total.abs()).all())


def _series(a: Tensor, x: Tensor, derivative: bool) -> tuple[Tensor, Tensor]:
    """S = sum_n x^n / ((a + 1)...(a + n)), n >= 0, and dS/da (0 unless ``derivative``)."""
    term = total = a * 0 + 1
    d_total = harmonic = a * 0  # dt_n/da = -t_n sum_k<=n 1 / (a + k)
    for n in range(1, _MAX_TERMS + 1):
        term = term * x / (a + n)
        total = total + term
        if derivative:
            harmonic = harmonic + 1 / (a + n)
            d_total = d_total - term * harmonic
        if n % 8 == 0 and _converged(term, total) and (
                not derivative or _converged(term * harmonic, d_total)):
            break
    return total, d_total


def _continued_fraction(a: Tensor, x: Tensor, derivative: bool) -> tuple[Tensor, Tensor]:
    """h = 1 / (x + 1 - a - 1 (1 - a) / (x + 3 - a - ...)) by modified Lentz, and dh/da
    (0 unless ``derivative``), carried through the same recurrences."""
    b, db = x + 1 - a, -1.0
    c, dc = a * 0 + 1 / _TINY, a * 0
    d = 1 / b
    dd = d * d  # -d^2 db
    h, dh = d, dd
    for n in range(1, _MAX_TERMS + 1):
        an, dan = -n * (n - a), float(n)
        b = b + 2
        d_next = 1 / (an * d + b)
        c_next = b + an / c
        if derivative:
            dd = -d_next * d_next * (dan * d + an * dd + db)
            dc = db + (dan - an * dc / c) / c
        d, c = d_next, c_next
        delta = d * c
        change = 0.0
        if derivative:
            dh_next = dh * delta + h * (dd * c + d * dc)
            change, dh = dh_next - dh, dh_next
        h = h * delta
        if n % 8 == 0 and _converged(delta - 1, delta) and (
                not derivative or _converged(change, dh)):
            break
    return h, dh


def _small_part(a: Tensor, x: Tensor, derivative: bool) -> tuple[Tensor, Tensor, Tensor]:
    """``(f, df/da, use_series)`` for a > 0, 0 < x < inf (float64): f is P where the series
    converges (x < a + 1), Q elsewhere. Each branch sees its arguments moved into its own
    region, so neither computes on values it is not meant for."""
    use_series = x < a + 1
    xs = where(use_series, x, a * 0.5)
    xf = where(use_series, a + 2, x)
    total, d_total = _series(a, xs, derivative)
    p = (a * xs.log() - xs - _lgamma(a + 1)).exp() * total
    h, dh = _continued_fraction(a, xf, derivative)
    q = (a * xf.log() - xf - _lgamma(a)).exp() * h
    if not derivative:
        return where(use_series, p, q), p * 0, use_series
    dp = p * (xs.log() - _digamma(a + 1)) + p * (d_total / total)
    dq = q * (xf.log() - _digamma(a)) + q * (dh / h)
    return where(use_series, p, q), where(use_series, dp, dq), use_series


def _regular(a: Tensor, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """``(inside, a', x')``: where a > 0 and 0 < x < inf, with 1 put elsewhere."""
    inside = (a > 0) & (a < math.inf) & (x > 0) & (x < math.inf)
    return inside, where(inside, a, 1.0), where(inside, x, 1.0)


def _gammainc(a: Tensor, x: Tensor, upper: bool) -> Tensor:
    """P(a, x), or Q(a, x) if ``upper``, of two float64 tensors, no autograd."""
    a, x = broadcast_tensors(a, x)
    _, ar, xr = _regular(a, x)  # every other element gets a special value below
    small, _, use_series = _small_part(ar, xr, derivative=False)
    # the series gives P, the continued fraction Q: the other is 1 minus it
    out = where(use_series, 1 - small, small) if upper else where(use_series, small, 1 - small)
    zero, one = (1.0, 0.0) if upper else (0.0, 1.0)  # the values of P = 0 and P = 1
    out = where((x == 0) | (a == math.inf), zero, out)
    out = where((a == 0) | (x == math.inf), one, out)
    invalid = (a < 0) | (x < 0) | ((a == 0) & (x == 0)) | ((a == math.inf) & (x == math.inf))
    return where(invalid | (a != a) | (x != x), math.nan, out)


def _gammainc_da(a: Tensor, x: Tensor) -> Tensor:
    """dP/da (float64, no autograd): 0 where P is constant in a (x = 0 or inf, 0 < a < inf),
    nan at the other special values."""
    a, x = broadcast_tensors(a, x)
    inside, ar, xr = _regular(a, x)
    _, derivative, use_series = _small_part(ar, xr, derivative=True)
    derivative = where(use_series, derivative, -derivative)  # dP/da = -dQ/da
    constant = ((x == 0) | (x == math.inf)) & (a > 0) & (a < math.inf)
    return where(inside, derivative, where(constant, 0.0, math.nan))


class Gammainc(Function):
    """out = P(a, x) (or Q(a, x) = 1 - P(a, x) if ``upper``), regularised"""

    @staticmethod
    def forward(ctx, a, x, upper):
        ctx.save_for_backward(a, x)
        ctx.upper = upper
        return in_float64(lambda s, t: _gammainc(s, t, upper), a, x)

    @staticmethod
    def backward(ctx, grad):
        a, x = ctx.saved_tensors
        sign = -1.0 if ctx.upper else 1.0
        grad_a = grad_x = None
        if ctx.needs_input_grad[0]:
            grad_a = grad * (sign * in_float64(_gammainc_da, a.detach(), x.detach()))
        if ctx.needs_input_grad[1]:
            # the Gamma(a, 1) density, with its limits at x = 0 (xlogy(0, 0) = 0) and inf
            density = (xlogy(a - 1, x) - x - lgamma(a)).exp()
            grad_x = grad * (sign * where(x == math.inf, 0.0, density))
        return grad_a, grad_x, None


def _as_tensors(name: str, a: Tensor | Scalar, x: Tensor | Scalar) -> tuple[Tensor, Tensor]:
    if not isinstance(a, Tensor) and not isinstance(x, Tensor):
        raise TypeError(f"{name}(): expected at least one Tensor, got {type(a).__name__} and "
                        f"{type(x).__name__}")
    dtype = _float_type(a, x)
    like = a if isinstance(a, Tensor) else x
    return tuple(t.to(dtype) if isinstance(t, Tensor) else like._empty_like((), dtype).fill_(t)
                 for t in (a, x))


@op(namespace="special")
def gammainc(input: Tensor | Scalar, other: Tensor | Scalar) -> Tensor:  # noqa: A002
    """The regularised lower incomplete gamma function P(a, x) with a = ``input``,
    x = ``other`` (the cdf of Gamma(a, 1) at x), elementwise and broadcast, as
    ``torch.special.gammainc``; one of the two may be a Python number. Differentiable in both
    (PyTorch only in x).

    >>> gammainc(tensor([1.0, 2.0]), tensor([1.0, 1.0]))   # 1 - 1/e and 1 - 2/e
    tensor([0.6321, 0.2642])
    """
    a, x = _as_tensors("gammainc", input, other)
    return Gammainc.apply(a, x, False)


@op(namespace="special")
def gammaincc(input: Tensor | Scalar, other: Tensor | Scalar) -> Tensor:  # noqa: A002
    """The regularised upper incomplete gamma function Q(a, x) = 1 - P(a, x), accurate where it
    is small (large x), elementwise and broadcast, as ``torch.special.gammaincc``."""
    a, x = _as_tensors("gammaincc", input, other)
    return Gammainc.apply(a, x, True)


@op(variants="function, method")
def igamma(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """``torch.igamma`` (and ``Tensor.igamma``): :func:`gammainc` of two Tensors (the
    ``special`` name also takes a number)."""
    check_tensor_args("igamma", input=input, other=other)
    return gammainc(input, other)


@op(variants="function, method")
def igammac(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """``torch.igammac`` (and ``Tensor.igammac``): :func:`gammaincc` of two Tensors (the
    ``special`` name also takes a number)."""
    check_tensor_args("igammac", input=input, other=other)
    return gammaincc(input, other)
