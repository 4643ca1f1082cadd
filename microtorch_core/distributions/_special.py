"""The special functions the distributions need and core does not have yet: ``lgamma``,
``digamma``, ``gammainc`` and ``ndtri`` (the normal quantile), as composites of Tensor ops.

``lgamma``, ``digamma`` and ``gammainc`` are plain composites, so their gradients (such as
``digamma`` and ``trigamma``) come from autograd through the formulas. ``ndtri`` is Wichura's
rational approximation, with its own ``backward`` (the slope of the inverse, from the
density). They are written for the arguments the distributions use: a > 0, x >= 0 for the
gamma functions, 0 <= p <= 1 for ``ndtri``. When ``microtorch_core.ops`` gains these
functions, the distributions should use core's.
"""

from __future__ import annotations

import math

from .. import ops
from ..autograd import Function
from ..creation import full_like, ones_like
from ..dtypes import finfo, float64
from ..tensor import Tensor

# Lanczos approximation, g = 7, nine terms (Godfrey's coefficients): relative error below
# 2e-15 for x >= 1/2.
_LANCZOS_G = 7.0
_LANCZOS_COEFFS = (
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
    -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
    1.5056327351493116e-7,
)
_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def _lanczos_lgamma(x: Tensor) -> Tensor:
    """log Gamma(x) for x >= 1/2 by Lanczos' formula."""
    z = x - 1.0
    series = _LANCZOS_COEFFS[0] + sum(c / (z + i) for i, c in enumerate(_LANCZOS_COEFFS[1:], 1))
    t = z + (_LANCZOS_G + 0.5)
    return _HALF_LOG_2PI + (z + 0.5) * ops.log(t) - t + ops.log(series)


def lgamma(x: Tensor) -> Tensor:
    """log Gamma(x) for x > 0; below 1/2 through Gamma(x) = Gamma(x + 1) / x.

    >>> round(lgamma(tensor(5.0, dtype=float64)).item(), 12)  # log 4! = log 24
    3.178053830348
    """
    small = x < 0.5
    shifted = ops.where(small, x + 1.0, x)
    log_x = ops.log(ops.where(small, x, 1.0))  # 0 where unused: no log of a large x' branch
    return _lanczos_lgamma(shifted) - log_x


# Asymptotic series psi(y) ~ log y - 1/(2y) - sum B_2n / (2n y^2n), for y >= 10: the first
# omitted term is below 1e-15.
_DIGAMMA_SHIFT = 10
_BERNOULLI_TERMS = (1 / 12, -1 / 120, 1 / 252, -1 / 240, 1 / 132, -691 / 32760)


def digamma(x: Tensor) -> Tensor:
    """d/dx log Gamma(x) for x > 0: psi(x) = psi(x + 10) - sum_{k<10} 1/(x + k), then the
    asymptotic series at x + 10."""
    shift_sum = sum(1.0 / (x + k) for k in range(_DIGAMMA_SHIFT))
    y = x + float(_DIGAMMA_SHIFT)
    inv_y2 = 1.0 / (y * y)
    tail = 0.0
    for coeff in reversed(_BERNOULLI_TERMS):  # Horner in 1/y^2
        tail = (tail + coeff) * inv_y2
    return ops.log(y) - 0.5 / y - tail - shift_sum


def betaln(a: Tensor, b: Tensor) -> Tensor:
    """log B(a, b) = lgamma(a) + lgamma(b) - lgamma(a + b)."""
    return lgamma(a) + lgamma(b) - lgamma(a + b)


_MAX_TERMS = 1000  # both expansions of gammainc converge in O(sqrt(a)) terms


def gammainc(a: Tensor, x: Tensor) -> Tensor:
    """The regularised lower incomplete gamma function P(a, x) = gamma(a, x) / Gamma(a), for
    a > 0, x >= 0 (the cdf of Gamma(a, 1) at x), differentiable in both.

    Below x = a + 1 its series x^a e^-x / Gamma(a + 1) sum_n x^n / ((a+1)...(a+n)); above,
    1 - Q with Q = x^a e^-x / Gamma(a) times Legendre's continued fraction (Lentz's method),
    as in Numerical Recipes' ``gammp``. Each branch sees ``x`` clamped into its own region.
    """
    a, x = ops.broadcast_tensors(a, x)
    eps = finfo(a.dtype).eps / 2
    use_series = x < a + 1
    xs = ops.clamp(ops.where(use_series, x, a + 1), min=finfo(a.dtype).tiny)
    xf = ops.where(use_series, a + 2, x)

    term = total = ones_like(a)  # series: term_n = x^n / ((a+1)...(a+n))
    for n in range(1, _MAX_TERMS + 1):
        term = term * xs / (a + n)
        total = total + term
        if n % 8 == 0 and bool(ops.all(ops.abs(term) <= eps * ops.abs(total))):
            break
    series = ops.exp(a * ops.log(xs) - xs - lgamma(a + 1)) * total

    tiny = 1e-300 if a.dtype is float64 else 1e-30
    b = xf + 1 - a  # continued fraction: modified Lentz
    c, d = full_like(a, 1 / tiny), 1 / b
    h = d
    for n in range(1, _MAX_TERMS + 1):
        an = -n * (n - a)
        b = b + 2
        d = 1 / (an * d + b)
        c = b + an / c
        delta = d * c
        h = h * delta
        if n % 8 == 0 and bool(ops.all(ops.abs(delta.detach() - 1) <= eps)):
            break
    upper = ops.exp(a * ops.log(xf) - xf - lgamma(a)) * h
    return ops.where(x <= 0, 0.0, ops.where(use_series, series, 1 - upper))


# Wichura's algorithm AS 241 (PPND16, Applied Statistics 37, 1988): rational approximations
# of the normal quantile, relative error about 1e-16, in three regions of p.
_AS241_CENTRAL = (
    (2.5090809287301226727e3, 3.3430575583588128105e4, 6.7265770927008700853e4,
     4.5921953931549871457e4, 1.3731693765509461125e4, 1.9715909503065514427e3,
     1.3314166789178437745e2, 3.3871328727963666080e0),
    (5.2264952788528545610e3, 2.8729085735721942674e4, 3.9307895800092710610e4,
     2.1213794301586595867e4, 5.3941960214247511077e3, 6.8718700749205790830e2,
     4.2313330701600911252e1, 1.0),
)
_AS241_NEAR = (
    (7.74545014278341407640e-4, 2.27238449892691845833e-2, 2.41780725177450611770e-1,
     1.27045825245236838258e0, 3.64784832476320460504e0, 5.76949722146069140550e0,
     4.63033784615654529590e0, 1.42343711074968357734e0),
    (1.05075007164441684324e-9, 5.47593808499534494600e-4, 1.51986665636164571966e-2,
     1.48103976427480074590e-1, 6.89767334985100004550e-1, 1.67638483018380384940e0,
     2.05319162663775882187e0, 1.0),
)
_AS241_FAR = (
    (2.01033439929228813265e-7, 2.71155556874348757815e-5, 1.24266094738807843860e-3,
     2.65321895265761230930e-2, 2.96560571828504891230e-1, 1.78482653991729133580e0,
     5.46378491116411436990e0, 6.65790464350110377720e0),
    (2.04426310338993978564e-15, 1.42151175831644588870e-7, 1.84631831751005468180e-5,
     7.86869131145613259100e-4, 1.48753612908506148525e-2, 1.36929880922735805310e-1,
     5.99832206555887937690e-1, 1.0),
)
_SQRT_2PI = math.sqrt(2 * math.pi)


def _rational(coeffs: tuple[tuple[float, ...], tuple[float, ...]], x: Tensor) -> Tensor:
    """num(x) / den(x), both polynomials given highest power first (Horner's rule)."""
    num, den = coeffs[0][0] + 0.0 * x, coeffs[1][0] + 0.0 * x
    for a, b in zip(coeffs[0][1:], coeffs[1][1:]):
        num, den = num * x + a, den * x + b
    return num / den


class Ndtri(Function):
    """x = ndtri(p), the standard normal quantile (Phi(x) = p); dx/dp = sqrt(2 pi) e^(x^2/2)."""

    @staticmethod
    def forward(ctx, p):
        q = p - 0.5
        central = q * _rational(_AS241_CENTRAL, 0.180625 - q * q)
        # the tails are computed from min(p, 1 - p), whose digits 1 - p would lose near 1
        tail_p = ops.clamp(ops.minimum(p, 1.0 - p), min=0.0, max=0.5)
        r = ops.sqrt(-ops.log(ops.where(tail_p > 0, tail_p, 1.0)))
        tail = ops.where(r <= 5.0, _rational(_AS241_NEAR, r - 1.6), _rational(_AS241_FAR, r - 5.0))
        x = ops.where(ops.abs(q) <= 0.425, central, ops.where(q < 0, -tail, tail))
        x = ops.where(p == 0.0, float("-inf"), ops.where(p == 1.0, float("inf"), x))
        x = ops.where((p < 0.0) | (p > 1.0) | ops.isnan(p), float("nan"), x)
        ctx.save_for_backward(x)
        return x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (_SQRT_2PI * ops.exp(0.5 * x * x))


def ndtri(p: Tensor) -> Tensor:
    """The standard normal quantile: the x with Phi(x) = p, for p in [0, 1] (-inf at 0, inf
    at 1, nan outside).

    >>> round(ndtri(tensor(0.975, dtype=float64)).item(), 10)
    1.9599639845
    """
    return Ndtri.apply(p)
