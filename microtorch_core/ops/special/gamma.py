"""The gamma function family: lgamma, digamma, polygamma, mvlgamma and the Hurwitz zeta
function, from the primitive kernels.

=============  =================================================================================
``lgamma``     For x >= 0.5: within 1/4 of 1 or 2, where lgamma vanishes, the Taylor series
               lgamma(2 + z) = (1 - gamma) z + sum_k (-1)^k (zeta(k) - 1) z^k / k (Abramowitz
               and Stegun 6.1.33) with lgamma(1 + z) = lgamma(2 + z) - log1p(z), so the result
               keeps its relative accuracy next to the zeros; elsewhere Lanczos' approximation
               (g = 7, n = 9; Godfrey's coefficients) in log space,
               (x - 1/2)(log(t) - 1) - g + log(sqrt(2 pi) A(x)) with t = x + g - 1/2, which
               never overflows before lgamma itself does. For x < 0.5 the reflection formula
               lgamma(x) = log(pi / |sin(pi x)|) - lgamma(1 - x), with sin(pi x) reduced
               exactly (x - round(x)) and log|r| split off so that tiny x loses nothing.
``digamma``    For x > 0: the recurrence psi(x) = psi(x + 10) - sum_k 1 / (x + k) up to 10,
               then the asymptotic series log(x) - 1/(2x) - sum_k B_2k / (2k x^2k) (Cephes'
               ``psi``); within 0.2 of the positive root x0 = 1.4616..., the Taylor series
               psi(x) = sum_k (-1)^(k+1) zeta(k + 1, x0) (x - x0)^k, as SciPy does, so the
               result stays accurate relative to its small size there. For x < 0 the
               reflection psi(x) = psi(1 - x) - pi cot(pi x), with the argument of cot reduced
               exactly.
``polygamma``  psi^(n)(x) = (-1)^(n+1) n! zeta(n + 1, x) for x > 0; for x < 0 the reflection
               psi^(n)(x) = (-1)^n psi^(n)(1 - x) - pi d^n/dx^n cot(pi x), whose derivatives
               are pi^n P_n(cot(pi x)) with P_0(c) = c, P_(k+1)(c) = -(1 + c^2) P_k'(c).
``zeta``       The Hurwitz zeta function zeta(s, q) = sum_k (q + k)^-s by Euler-Maclaurin
               summation (Cephes' ``zeta``): nine terms, the integral of the tail and twelve
               Bernoulli corrections. For q < 0 (integer s) it is shifted to positive
               arguments: zeta(s, q) = zeta(s, f) + (-1)^s (zeta(s, 1 - f) - zeta(s, 1 - q)),
               f = q - floor(q).
``mvlgamma``   sum_i lgamma(x - i/2) + p (p - 1)/4 log(pi).
=============  =================================================================================

The Cephes Math Library is by Stephen L. Moshier (BSD licence); the constants zeta(k) - 1 and
zeta(k + 1, x0) were computed with mpmath to 17 significant digits. Values at the poles follow
PyTorch: lgamma is +inf at 0, -1, -2, ...; digamma is -inf at +0, +inf at -0 and NaN at the
negative integers; polygamma(n, .) has the sign of (-1)^(n+1) inf there. Where PyTorch's own
polygamma returns a rounding artefact (a huge finite value at negative integers, NaN at +inf)
these return the limit (inf, 0).

float32 inputs are computed in float64 and rounded back: Lanczos' sum cancels terms of ~1000
down to ~25 and the digamma recurrence adds ten terms of either sign, which in float32 would
leave errors of a few 1e-6 (and more next to the zeros).
"""

from __future__ import annotations

import math

from ...autograd.function import Function
from ...tensor import Tensor
from ..composite.pointwise import _as_float, log1p
from ..composite.rounding import _round_half_even, floor
from ..declare import op
from ..primitive.elementwise import _float_type, where
from .polynomial import in_float64, polevl

Scalar = bool | int | float

_EULER = 0.57721566490153286061
_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)
_LANCZOS_G = 7.0
_LANCZOS = (0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
            -176.61502916214059, 12.507343278686905, -0.13857109526572012,
            9.9843695780195716e-6, 1.5056327351493116e-7)
# zeta(k) - 1 for k = 2, 3, ..., 18
_ZETA_MINUS_ONE = (
    6.4493406684822644e-1, 2.0205690315959429e-1, 8.2323233711138192e-2, 3.6927755143369926e-2,
    1.7343061984449140e-2, 8.3492773819228268e-3, 4.0773561979443394e-3, 2.0083928260822144e-3,
    9.9457512781808534e-4, 4.9418860411946456e-4, 2.4608655330804830e-4, 1.2271334757848915e-4,
    6.1248135058704829e-5, 3.0588236307020494e-5, 1.5282259408651872e-5, 7.6371976378997623e-6,
    3.8172932649998399e-6)
# lgamma(2 + z) = z * polevl(z, _LGAMMA_AT_2): coefficients (-1)^k (zeta(k) - 1) / k, and 1 - gamma
_LGAMMA_AT_2 = tuple((-1) ** k * c / k for k, c in reversed(list(enumerate(_ZETA_MINUS_ONE, 2)))
                     ) + (1 - _EULER,)
_LGAMMA_OVERFLOW = 2.5599833278e305  # the largest x whose lgamma is finite in float64

# psi(x) ~ log(x) - 1/(2x) - z P(z), z = 1/x^2: Bernoulli numbers B_2k / 2k (Cephes psi.c)
_PSI_ASYMPTOTIC = (8.33333333333333333333e-2, -2.10927960927960927961e-2,
                   7.57575757575757575758e-3, -4.16666666666666666667e-3,
                   3.96825396825396825397e-3, -8.33333333333333333333e-3,
                   8.33333333333333333333e-2)
# The positive zero x0 of digamma as hi + lo (hi: x0 rounded to float64), so that
# x - x0 = (x - hi) - lo keeps its digits next to the root
_PSI_ROOT_HI, _PSI_ROOT_LO = 1.4616321449683622, 9.5499954299656977e-17
# (-1)^(k+1) zeta(k + 1, x0) for k = 20, 19, ..., 1: the Taylor coefficients of psi at x0
_PSI_ROOT_SERIES = (
    -3.4546802510630770e-4, 5.0495326583460204e-4, -7.3807093899600513e-4,
    1.0788252019162966e-3, -1.5769367714301973e-3, 2.3051263267349278e-3,
    -3.3698016554393281e-3, 4.9267813957298534e-3, -7.2045343863568682e-3,
    1.0538791616612175e-2, -1.5424765904948959e-2, 2.2597648232218105e-2,
    -3.3161126474847359e-2, 4.8804288164143107e-2, -7.2199561256454711e-2,
    1.0782405069126237e-1, -1.6394270544240653e-1, 2.5849976095565101e-1,
    -4.4276316898359211e-1, 9.6767224544762117e-1)

# Euler-Maclaurin corrections for zeta: (2j)! / B_2j (Cephes zeta.c)
_ZETA_EM = (12.0, -720.0, 30240.0, -1209600.0, 47900160.0, -1.8924375803183791606e9,
            7.47242496e10, -2.950130727918164224e12, 1.1646782814350067249e14,
            -4.5979787224074726105e15, 1.8152105401943546773e17, -7.1661652561756670113e18)


def _reduced(x: Tensor) -> Tensor:
    """r = x - round(x), exactly, in [-1/2, 1/2]: sin(pi x) = +-sin(pi r) and
    cot(pi x) = cot(pi r) without the rounding error of pi * x for large x (NaN for inf)."""
    return x - _round_half_even(x)


def _cot_pi(r: Tensor) -> Tensor:
    """cot(pi r) for r in [-1/2, 1/2], r != 0, with cos(pi r) as sin(pi (1/2 - |r|)): exactly 0
    at r = +-1/2, where cos(pi / 2) would leave 6e-17."""
    return (math.pi * (0.5 - r.abs())).sin() / (math.pi * r).sin()


def _lgamma_positive(y: Tensor) -> Tensor:
    """lgamma(y) for y >= 0.5, +inf and NaN (float64)."""
    near = ((y - 1).abs() <= 0.25) | ((y - 2).abs() <= 0.25)
    z = where(near, where(y < 1.5, y - 1, y - 2), 0.0)  # exact (Sterbenz)
    series = z * polevl(z, _LGAMMA_AT_2) - where(y < 1.5, log1p(z), 0.0)
    overflow = y > _LGAMMA_OVERFLOW  # also +inf
    ym = where(overflow, 1.0, y) - 1
    a = 0.0
    for i in range(len(_LANCZOS) - 1, 0, -1):  # smallest terms first
        a = a + _LANCZOS[i] / (ym + i)
    t = ym + (_LANCZOS_G + 0.5)
    lanczos = (ym + 0.5) * (t.log() - 1) + ((a + _LANCZOS[0]).log() + (_HALF_LOG_2PI - _LANCZOS_G))
    return where(overflow, math.inf, where(near, series, lanczos))


def _lgamma(x: Tensor) -> Tensor:
    """lgamma(x) of a float64 tensor, no autograd."""
    reflect = x < 0.5
    positive = _lgamma_positive(where(reflect, 1 - x, x))
    # log(pi / |sin(pi x)|) = -log|r| - log(sin(pi r) / (pi r)), r = x - round(x)
    r = _reduced(where(reflect & (x > -math.inf), x, 0.5))
    pr = math.pi * where(r.abs() < 1e-4, 0.5, r)
    sinc = where(r.abs() < 1e-4, 1 - (math.pi * r) ** 2 / 6, pr.sin() / pr)
    reflected = -r.abs().log() - sinc.log() - positive
    return where(x == -math.inf, math.inf, where(reflect, reflected, positive))


def _digamma(x: Tensor) -> Tensor:
    """digamma(x) of a float64 tensor, no autograd."""
    reflect = x < 0
    y = where(reflect, 1 - x, x)
    shift = y < 10
    ys = where(shift, y, 1.0)
    steps = 1 / ys  # psi(y) = psi(y + 10) - sum_k 1 / (y + k): -+inf at y = +-0
    for k in range(1, 10):
        steps = steps + 1 / (ys + k)
    w = where(shift, y + 10, y)
    wc = where(w < 1e17, w, 1.0)  # beyond 1e17 the series is below rounding (and w^2 overflows)
    z = where(w < 1e17, 1 / (wc * wc), 0.0)
    positive = w.log() - 0.5 / w - z * polevl(z, _PSI_ASYMPTOTIC) - where(shift, steps, 0.0)
    near_root = (y - _PSI_ROOT_HI).abs() < 0.2
    d = where(near_root, (y - _PSI_ROOT_HI) - _PSI_ROOT_LO, 0.0)  # y - hi is exact there
    positive = where(near_root, d * polevl(d, _PSI_ROOT_SERIES), positive)
    r = _reduced(where(reflect & (x > -math.inf), x, 0.5))
    pole = reflect & (r == 0)
    reflected = positive - math.pi * _cot_pi(where(pole, 0.5, r))
    out = where(reflect, reflected, positive)
    return where(pole | (x == -math.inf), math.nan, out)


def _zeta_positive(s: Tensor | float, q: Tensor) -> Tensor:
    """Hurwitz zeta(s, q) for q > 0 and s > 1 (Euler-Maclaurin, as Cephes' ``zeta``): nine
    terms of the sum, then the tail from w = q + 9 as an integral plus Bernoulli terms. For
    q > 1e8 the same expansion from q itself needs three terms, written with q^(1 - s) so that
    it does not underflow where q^-s would."""
    big = q > 1e8
    qb = where(big, q, 1e8)
    asymptotic = qb ** (1 - s) * (1 / (s - 1) + 0.5 / qb + s / (12 * qb) / qb)
    q = where(big, 1.0, q)
    total = 0.0
    for i in range(9):
        total = total + (q + i) ** -s
    w = q + 9
    b = w ** -s
    total = total + b * w / (s - 1) + 0.5 * b  # the integral, and half of the term at w
    a, k = 1.0, 0.0
    for coeff in _ZETA_EM:
        a = a * (s + k)
        b = b / w
        total = total + a * b / coeff
        a = a * (s + k + 1)
        b = b / w
        k += 2
    return where(big, asymptotic, total)


def _zeta(s: Tensor, q: Tensor) -> Tensor:
    """Hurwitz zeta(s, q) for two tensors of one floating dtype (broadcast), no autograd."""
    finite = (q > -math.inf) & (q < math.inf)
    ss = where((s > 1) & (s < math.inf), s, 2.0)  # other s are set at the end
    out = _zeta_positive(ss, where(finite & (q > 0), q, 1.0))
    # q < 0, defined for integer s: zeta(s, f) + (-1)^s (zeta(s, 1 - f) - zeta(s, 1 - q))
    negative = finite & (q < 0)
    qn = where(negative, q, -0.5)
    f = qn - floor(qn)
    f = where(f == 0, 0.5, f)  # a pole: set below
    odd = (ss - 2 * floor(ss / 2)) == 1
    tail = _zeta_positive(ss, 1 - f) - _zeta_positive(ss, 1 - qn)
    out = where(negative, _zeta_positive(ss, f) + where(odd, -tail, tail), out)
    out = where(negative & (ss != floor(ss)), math.nan, out)
    out = where(q == math.inf, 0.0, out)
    out = where((q <= 0) & (q == floor(where(finite, q, 0.5))), math.inf, out)  # the poles
    out = where((q == -math.inf) | (q != q), math.nan, out)
    out = where(s == 1, math.inf, out)
    return where((s < 1) | (s == math.inf) | (s != s), math.nan, out)  # NaN at s = inf: SciPy


def _cot_derivative_polynomial(n: int) -> list[float]:
    """The coefficients (highest degree first) of P_n with d^n/dx^n cot(pi x) =
    pi^n P_n(cot(pi x)): P_0(c) = c and P_(k+1)(c) = -(1 + c^2) P_k'(c)."""
    p = [0, 1]  # lowest degree first while building: P_0(c) = c
    for _ in range(n):
        dp = [i * p[i] for i in range(1, len(p))]
        nxt = [0] * (len(dp) + 2)
        for i, c in enumerate(dp):
            nxt[i] -= c
            nxt[i + 2] -= c
        p = nxt
    return [float(c) for c in reversed(p)]


def _polygamma(n: int, x: Tensor) -> Tensor:
    """The n-th derivative of digamma, n >= 1, no autograd."""
    reflect = x < 0
    y = where(reflect, 1 - x, x)
    s = float(n + 1)
    zeta = _zeta_positive(s, where((y <= 0) | (y == math.inf), 1.0, y))
    zeta = where(y == math.inf, 0.0, zeta)
    sign = 1.0 if n % 2 else -1.0
    factorial = float(math.factorial(n)) if n <= 170 else math.inf
    positive = where(zeta == 0, 0.0, zeta * (sign * factorial))
    # x < 0: psi^(n)(x) = (-1)^n psi^(n)(1 - x) - pi^(n+1) P_n(cot(pi x))
    r = _reduced(where(reflect & (x > -math.inf), x, 0.5))
    pole = (reflect & (r == 0)) | (x == 0)
    cot = _cot_pi(where(pole, 0.5, r))
    reflected = (positive if n % 2 == 0 else -positive) - math.pi ** (n + 1) * polevl(
        cot, _cot_derivative_polynomial(n))
    out = where(reflect, reflected, positive)
    out = where(pole, sign * math.inf, out)  # zeta(n + 1, 0, -1, ...) = inf, as Cephes
    return where(x == -math.inf, math.nan, out)


class Lgamma(Function):
    """out = log|gamma(x)|"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return in_float64(_lgamma, x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * digamma(x)


class Digamma(Function):
    """out = psi(x) = d/dx lgamma(x)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return in_float64(_digamma, x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * polygamma(1, x)


class Polygamma(Function):
    """out = psi^(n)(x), the n-th derivative of digamma (n >= 1)"""

    @staticmethod
    def forward(ctx, x, n):
        ctx.save_for_backward(x)
        ctx.n = n
        return in_float64(lambda t: _polygamma(n, t), x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * polygamma(ctx.n + 1, x), None


class Zeta(Function):
    """out = zeta(s, q) = sum_k (q + k)^-s, the Hurwitz zeta function"""

    @staticmethod
    def forward(ctx, s, q):
        ctx.save_for_backward(s, q)
        return in_float64(_zeta, s, q)

    @staticmethod
    def backward(ctx, grad):
        s, q = ctx.saved_tensors
        if ctx.needs_input_grad[0]:
            raise RuntimeError("zeta(): the derivative with respect to s (the first argument) "
                               "is not implemented, as in PyTorch; detach s")
        return None, -grad * s * zeta(s + 1, q)


@op(variants="function, method", aliases=("special.gammaln",), inplace=True)
def lgamma(x: Tensor) -> Tensor:
    """The logarithm of the absolute value of the gamma function, elementwise, as
    ``torch.lgamma`` (+inf at 0, -1, -2, ...).

    >>> lgamma(tensor([0.5, 3.0, 100.0]))
    tensor([  0.5724,   0.6931, 359.1342])
    """
    return Lgamma.apply(_as_float(x))


@op(variants="function, method", aliases=("special.digamma", "special.psi"), inplace=True)
def digamma(x: Tensor) -> Tensor:
    """The digamma function psi(x), the derivative of ``lgamma``, elementwise, as
    ``torch.digamma`` (-inf at +0, +inf at -0, NaN at the negative integers)."""
    return Digamma.apply(_as_float(x))


@op(aliases=("special.polygamma",))
def polygamma(n: int, input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
    """The n-th derivative of the digamma function, elementwise, as ``torch.polygamma``;
    ``polygamma(0, x)`` is ``digamma(x)``.

    >>> polygamma(1, tensor([1.0, 0.5]))   # pi^2 / 6 and pi^2 / 2
    tensor([1.6449, 4.9348])
    """
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"polygamma(): n must be an int, got {type(n).__name__}")
    if n < 0:
        raise RuntimeError(f"polygamma(n, x) does not support negative n, got n = {n}")
    if not isinstance(input, Tensor):
        raise TypeError(f"polygamma(): argument 'input' must be a Tensor, got "
                        f"{type(input).__name__}")
    if n == 0:
        return digamma(input)
    return Polygamma.apply(_as_float(input), n)


@op(variants="function, method", aliases=("special.multigammaln",), inplace=True)
def mvlgamma(input: Tensor, p: int) -> Tensor:  # noqa: A002 - PyTorch's name
    """The multivariate log-gamma function of dimension ``p``,
    ``sum_i lgamma(x - i/2) + p (p - 1)/4 log(pi)`` for i < p, elementwise, as
    ``torch.mvlgamma`` (it is finite for x > (p - 1)/2)."""
    if isinstance(p, bool) or not isinstance(p, int):
        raise TypeError(f"mvlgamma(): p must be an int, got {type(p).__name__}")
    if p < 1:
        raise RuntimeError(f"p has to be greater than or equal to 1, got p = {p}")
    x = _as_float(input)
    out = lgamma(x)
    for i in range(1, p):
        out = out + lgamma(x - i / 2)
    return out + p * (p - 1) / 4 * math.log(math.pi)


@op(namespace="special")
def zeta(input: Tensor | Scalar, other: Tensor | Scalar) -> Tensor:  # noqa: A002
    """The Hurwitz zeta function ``sum_k (other + k)^-input``, elementwise and broadcast, as
    ``torch.special.zeta`` (the Riemann zeta function at ``other = 1``); one of the two may
    be a Python number. For ``other < 0`` it is defined for integer ``input`` only."""
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError(f"zeta(): expected at least one Tensor, got {type(input).__name__} "
                        f"and {type(other).__name__}")
    dtype = _float_type(input, other)
    like = input if isinstance(input, Tensor) else other
    s, q = (t.to(dtype) if isinstance(t, Tensor) else like._empty_like((), dtype).fill_(t)
            for t in (input, other))
    return Zeta.apply(s, q)


@op(variants="method", name="polygamma", inplace=True)
def _polygamma_method(self: Tensor, n: int) -> Tensor:
    """``x.polygamma(n)``: ``polygamma(n, x)`` (PyTorch's order: the tensor comes first)."""
    return polygamma(n, self)
