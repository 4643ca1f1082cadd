"""The error function family: erfc, erfcx, erfinv, and the normal distribution's ndtr, ndtri
and log_ndtr, from the primitive kernels (``erf`` among them).

=============  =================================================================================
``erfcx``      exp(x^2) erfc(x). For 1 <= x < 8 and 8 <= x < 50, Cephes' rational
               approximations of erfc(x) exp(x^2) (``ndtr.c``, S. L. Moshier: P/Q of degree
               8/8, R/S of degree 5/6); from 50 on, the asymptotic series
               1/(x sqrt(pi)) sum_k (-1)^k (2k - 1)!! / (2x^2)^k (six terms); below 1,
               exp(x^2) (1 - erf(x)); for x <= -1, 2 exp(x^2) - erfcx(-x).
``erfc``       1 - erf(x) for |x| < 1; else exp(-x^2) erfcx(|x|) (and 2 minus that for x < 0),
               with exp(-x^2) computed as exp(-m^2) exp(-(2mf + f^2)), x = m + f with m a
               multiple of 1/128 (Cephes' ``expx2``): m^2 is exact, so the rounding error of x^2
               (relative 2x^2 eps in the result, 1.5e-13 near x = 26) never enters.
``ndtr``       0.5 + 0.5 erf(x / sqrt(2)) for |x| < sqrt(2); else
               0.5 exp(-x^2 / 2) erfcx(|x| / sqrt(2)), the same way, and 1 minus that for x > 0.
``log_ndtr``   log(erfcx(-x / sqrt(2)) / 2) - x^2 / 2 for x < -1 (no underflow however far out),
               else log1p(-ndtr(-x)).
``erfinv``     Mike Giles' single-precision approximation ("Approximating the erfinv function",
``ndtri``      GPU Computing Gems, 2011) as the first guess (for w = -log(1 - x^2) > 16, where
               it is not fitted, the asymptotic x^2 = w' - log(x sqrt(pi)) - 1/(2x^2) with
               w' = -log(1 - |x|)), then two steps of Halley's method: on erf(t) = |x| while
               |x| <= 1/2, else on log erfc(t) = log(1 - |x|), so that 1 - |x|, exact there, keeps
               its digits next to +-1. ndtri(p) = -sqrt(2) erfcinv(2p) for p < 1/2 (2p exact)
               and sqrt(2) erfcinv(2 - 2p) above, on the same solver.
=============  =================================================================================

Each is a ``Function`` with its derivative written out. float32 inputs are computed in float32.
The Cephes Math Library is by Stephen L. Moshier (BSD licence).
"""

from __future__ import annotations

import math

from ... import dtypes
from ...autograd.function import Function
from ...tensor import Tensor
from ..composite.pointwise import _as_float, log1p
from ..composite.rounding import _round_half_even
from ..declare import op
from ..primitive.elementwise import erf, where
from .polynomial import p1evl, polevl

_SQRT_PI = math.sqrt(math.pi)
_SQRT_2 = math.sqrt(2.0)
_SQRT_HALF = math.sqrt(0.5)
_SQRT_2PI = math.sqrt(2 * math.pi)

# erfc(x) exp(x^2) = P(x) / Q(x) on [1, 8) and R(x) / S(x) on [8, inf) (Cephes ndtr.c)
_ERFC_P = (2.46196981473530512524e-10, 5.64189564831068821977e-1, 7.46321056442269912687e0,
           4.86371970985681366614e1, 1.96520832956077098242e2, 5.26445194995477358631e2,
           9.34528527171957607540e2, 1.02755188689515710272e3, 5.57535335369399327526e2)
_ERFC_Q = (1.32281951154744992508e1, 8.67072140885989742329e1, 3.54937778887819891062e2,
           9.75708501743205489753e2, 1.82390916687909736289e3, 2.24633760818710981792e3,
           1.65666309194161350182e3, 5.57535340817727675546e2)
_ERFC_R = (5.64189583547755073984e-1, 1.27536670759978104416e0, 5.01905042251180477414e0,
           6.16021097993053585195e0, 7.40974269950448939160e0, 2.97886665372100240670e0)
_ERFC_S = (2.26052863220117276590e0, 9.39603524938001434673e0, 1.20489539808096656605e1,
           1.70814450747565897222e1, 9.60896809063285878198e0, 3.36907645100081516050e0)
#: (P, Q, R, S): Cephes' erfc(x) = exp(-x^2) P(x) / Q(x) for 1 <= x < 8, exp(-x^2) R(x) / S(x)
#: from 8 on, exported by the backend spec for a kernel that computes erf the same way
ERFC_COEFFICIENTS = (_ERFC_P, _ERFC_Q, _ERFC_R, _ERFC_S)

# Giles' erfinv(x) ~ x p(w), w = -log(1 - x^2): for w < 5 in w - 2.5, else in sqrt(w) - 3
_GILES_CENTRAL = (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06,
                  0.00021858087, -0.00125372503, -0.00417768164, 0.246640727, 1.50140941)
_GILES_TAIL = (-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
               -0.0076224613, 0.00943887047, 1.00167406, 2.83297682)


def _exp_square(x: Tensor, scale: float, factor: float = 1.0) -> Tensor:
    """factor * exp(scale x^2) without the rounding error of x^2 (Cephes ``expx2``): x = m + f
    with m a multiple of 1/128, so m^2 is exact (in float32 up to |x| = 32, beyond which these
    results under- or overflow anyway) and exp(scale m^2) exp(scale (2mf + f^2)) is exact to a
    few ulps. |x| is capped at 40, where exp(-x^2 / 2) has underflowed; a result beyond the
    dtype's range is inf."""
    x = where(x.abs() > 40, 40.0, x.abs())  # NaN stays NaN
    m = _round_half_even(x * 128) / 128
    f = x - m
    u, u1 = scale * (m * m), scale * (2 * m * f + f * f)
    # a margin below log(max / factor): the product must not round up past the largest float
    over = (u + u1) > math.log(dtypes.finfo(x.dtype).max / factor) - 1e-6
    u = where(over, 0.0, u)
    return where(over, math.inf, (u1.exp() * factor) * u.exp())


def _erfcx_positive(x: Tensor) -> Tensor:
    """erfcx(x) = exp(x^2) erfc(x) for x >= 0 (and NaN, +inf)."""
    small = where(x >= 1, 0.0, x)
    low = (small * small).exp() * (1 - erf(small))
    mid = where((x < 1) | (x >= 8), 1.0, x)
    high = where((x < 8) | (x >= 50), 8.0, x)
    far = where(x < 50, 50.0, x)
    u = 0.5 / far / far
    series, term = 1.0, 1.0  # sum_k (-1)^k (2k - 1)!! u^k
    for k in range(5):
        term = term * (-(2 * k + 1)) * u
        series = series + term
    out = where(x < 8, polevl(mid, _ERFC_P) / p1evl(mid, _ERFC_Q),
                polevl(high, _ERFC_R) / p1evl(high, _ERFC_S))
    out = where(x >= 50, series / (far * _SQRT_PI), out)
    return where(x < 1, low, out)


def _erfcx(x: Tensor) -> Tensor:
    """erfcx(x) for all x, no autograd."""
    positive = _erfcx_positive(x.abs())
    return where(x < 0, _exp_square(x, 1.0, factor=2.0) - positive, positive)  # 1 + erf(-x)


def _erfc(x: Tensor) -> Tensor:
    """erfc(x), no autograd."""
    a = x.abs()
    tail = _exp_square(a, -1.0) * _erfcx_positive(where(a < 1, 1.0, a))
    return where(a < 1, 1 - erf(where(a < 1, x, 0.0)), where(x < 0, 2 - tail, tail))


def _ndtr(x: Tensor) -> Tensor:
    """The standard normal CDF, no autograd."""
    z = x * _SQRT_HALF
    centre = 0.5 + 0.5 * erf(where(z.abs() < 1, z, 0.0))
    tail = 0.5 * _exp_square(x, -0.5) * _erfcx_positive(where(z.abs() < 1, 1.0, z.abs()))
    return where(z.abs() < 1, centre, where(x > 0, 1 - tail, tail))


def _log_ndtr(x: Tensor) -> Tensor:
    """log of the standard normal CDF, no autograd."""
    huge = math.sqrt(dtypes.finfo(x.dtype).max) / 2  # beyond, x^2 / 2 overflows: -inf
    left = where(x < -1, where(x < -huge, -huge, x), -1.0)
    far = (_erfcx_positive(-left * _SQRT_HALF) / 2).log() - left * left / 2
    near = log1p(-_ndtr(-where(x < -1, 0.0, x)))  # ndtr(-x) is computed from x itself
    return where(x < -huge, -math.inf, where(x < -1, far, near))


def _erfinv_guess(a: Tensor, q: Tensor) -> Tensor:
    """A first guess at t >= 0 with erf(t) = a, erfc(t) = q = 1 - a (both given, so that the
    smaller keeps its digits): Giles' approximation where it is fitted, the asymptotic
    expansion of erfc beyond."""
    minus_log_q = -q.log()
    w = minus_log_q - log1p(a)  # -log((1 - a)(1 + a))
    central = polevl(where(w < 5, w, 5.0) - 2.5, _GILES_CENTRAL) * a
    wt = where((w < 5) | (w > 16), 5.0, w)
    tail = polevl(wt.sqrt() - 3, _GILES_TAIL) * a
    t0 = where(w > 16, minus_log_q, 16.0).sqrt()  # erfc(t) ~ exp(-t^2) / (t sqrt(pi))
    far = (minus_log_q - (t0 * _SQRT_PI).log() + log1p(-0.5 / (t0 * t0))).sqrt()
    return where(w < 5, central, where(w > 16, far, tail))


def _erfinv_positive(a: Tensor, q: Tensor) -> Tensor:
    """t >= 0 with erf(t) = a and erfc(t) = q = 1 - a, for a in [0, 1) (q in (0, 1]): the
    guess, then two Halley steps on erf(t) - a (a <= 1/2) or log erfc(t) - log q (a > 1/2)."""
    central = a <= 0.5
    log_q = where(central, 1.0, q).log()
    t = _erfinv_guess(a, q)
    for _ in range(2):
        # erf side: d = f / f' with f = erf(t) - a, f' = 2/sqrt(pi) exp(-t^2), f''/f' = -2t
        te = where(central, t, 0.0)
        d_erf = (erf(te) - a) * (_SQRT_PI / 2) * (te * te).exp()
        step_erf = d_erf / (1 + te * d_erf)
        # erfc side: g = log erfc(t) - log q, g' = -2 / (sqrt(pi) erfcx(t)), g''/g' = -2t - g'
        tc = where(central, 1.0, t)
        ex = _erfcx_positive(tc)
        g_prime = -2 / (_SQRT_PI * ex)
        d_erfc = (ex.log() - tc * tc - log_q) / g_prime
        step_erfc = d_erfc / (1 + d_erfc * (tc + g_prime / 2))
        t = where(central, t - step_erf, t - step_erfc)
    return t


def _erfinv(y: Tensor) -> Tensor:
    """erfinv(y), no autograd."""
    a = y.abs()
    inside = a < 1  # False for NaN
    t = _erfinv_positive(where(inside, a, 0.5), where(inside, 1 - a, 0.5))
    t = where(a == 1, math.inf, where(inside, t, math.nan))
    return where(y == 0, y, where(y < 0, -t, t))  # keeps the sign of -0.0


def _ndtri(p: Tensor) -> Tensor:
    """The inverse of the standard normal CDF, no autograd."""
    lower = p < 0.5
    inside = (p > 0) & (p < 1)
    q = where(lower, 2 * p, 2 * (1 - p))  # exact: 1 - p for p >= 1/2
    a = where(lower, 1 - 2 * p, 2 * p - 1)  # exact where a <= 1/2, the only place it is used
    t = _erfinv_positive(where(inside, a, 0.5), where(inside, q, 0.5)) * _SQRT_2
    out = where(lower, -t, t)
    out = where(p == 0, -math.inf, where(p == 1, math.inf, out))
    return where(inside | (p == 0) | (p == 1), out, math.nan)


class Erfc(Function):
    """out = erfc(x) = 1 - erf(x)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _erfc(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (-2 / _SQRT_PI) * _exp_square(x, -1.0)


class Erfcx(Function):
    """out = erfcx(x) = exp(x^2) erfc(x)"""

    @staticmethod
    def forward(ctx, x):
        out = _erfcx(x)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        # 2x erfcx(x) - 2/sqrt(pi) cancels for large x; there the asymptotic series
        # -1/(sqrt(pi) x^2) sum_k (-1)^k (2k + 1)!! / (2x^2)^k takes over
        far = where(x < 50, 50.0, x)
        u = 0.5 / far / far
        series, term = 1.0, 1.0
        for k in range(1, 6):
            term = term * (-(2 * k + 1)) * u
            series = series + term
        finite = x.abs() < math.inf
        near = 2 * where(finite, x, 0.0) * where(finite, out, 0.0) - 2 / _SQRT_PI
        derivative = where(x >= 50, -series / (_SQRT_PI * far) / far, near)
        derivative = where(x == -math.inf, -math.inf, where(x != x, x, derivative))
        return grad * derivative


class Erfinv(Function):
    """out = erfinv(x), the inverse of erf on (-1, 1)"""

    @staticmethod
    def forward(ctx, x):
        out = _erfinv(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * (_SQRT_PI / 2) * _exp_square(out, 1.0)


class Ndtr(Function):
    """out = ndtr(x), the standard normal CDF"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _ndtr(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * _exp_square(x, -0.5) / _SQRT_2PI


class Ndtri(Function):
    """out = ndtri(p), the standard normal quantile (the inverse of ndtr)"""

    @staticmethod
    def forward(ctx, p):
        out = _ndtri(p)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * _SQRT_2PI * _exp_square(out, 0.5)


class LogNdtr(Function):
    """out = log(ndtr(x))"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _log_ndtr(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        # pdf / cdf; for x < -1 it is sqrt(2/pi) / erfcx(-x / sqrt(2)), which does not underflow
        left = where(x < -1, x, -1.0)
        far = math.sqrt(2 / math.pi) / _erfcx_positive(-left * _SQRT_HALF)
        right = where(x < -1, 0.0, x)
        near = _exp_square(right, -0.5) / (_SQRT_2PI * _ndtr(right))
        return grad * where(x < -1, far, near)


@op(variants="function, method", aliases=("special.erfc",), inplace=True)
def erfc(x: Tensor) -> Tensor:
    """The complementary error function ``1 - erf(x)``, accurate where it is tiny (large x),
    elementwise, as ``torch.erfc``."""
    return Erfc.apply(_as_float(x))


@op(namespace="special")
def erfcx(x: Tensor) -> Tensor:
    """The scaled complementary error function ``exp(x^2) erfc(x)``, which does not underflow
    for large x, elementwise, as ``torch.special.erfcx``."""
    return Erfcx.apply(_as_float(x))


@op(variants="function, method", aliases=("special.erfinv",), inplace=True)
def erfinv(x: Tensor) -> Tensor:
    """The inverse error function (+-inf at +-1, NaN outside [-1, 1]), elementwise, as
    ``torch.erfinv``.

    >>> erfinv(tensor([0.0, 0.5, -1.0]))
    tensor([ 0.0000,  0.4769,    -inf])
    """
    return Erfinv.apply(_as_float(x))


@op(namespace="special")
def ndtr(x: Tensor) -> Tensor:
    """The standard normal cumulative distribution function, elementwise, as
    ``torch.special.ndtr``."""
    return Ndtr.apply(_as_float(x))


@op(namespace="special")
def ndtri(p: Tensor) -> Tensor:
    """The standard normal quantile function, the inverse of ``ndtr`` (-inf at 0, +inf at 1,
    NaN outside [0, 1]), elementwise, as ``torch.special.ndtri``."""
    return Ndtri.apply(_as_float(p))


@op(namespace="special")
def log_ndtr(x: Tensor) -> Tensor:
    """``log(ndtr(x))``, finite for very negative x, elementwise, as
    ``torch.special.log_ndtr``."""
    return LogNdtr.apply(_as_float(x))
