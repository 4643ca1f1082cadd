"""The Airy function Ai, from the primitive kernels.

Cephes' ``airy.c`` (S. L. Moshier, BSD licence; the tables as in SciPy and PyTorch), with
zeta = (2/3)|x|^(3/2):

* x < -2.09: the oscillating asymptotic form
  Ai(x) = (pi^-1/2 |x|^-1/4) (sin(zeta + pi/4) F(1/zeta^2) - cos(zeta + pi/4) G(1/zeta) / zeta),
  F and G rational; the phase is taken apart into sin(zeta) and cos(zeta) (as ``bessel_j.py``
  does), so that zeta + pi/4 is never rounded;
* |x| <= 2.09: the Maclaurin series Ai(x) = c1 f(x) - c2 g(x), with
  f = sum_k x^3k / prod_i (3i - 1)(3i) and g = x sum_k x^3k / prod_i (3i)(3i + 1): fourteen
  terms (Cephes sums until a term is below the rounding, which takes at most thirteen there);
* x >= 2.09: Ai(x) = pi^-1/2 e^-zeta R(1/zeta) / (2 x^1/4), R rational; e^-zeta is computed
  rather than 1/e^zeta, so Ai underflows gradually instead of turning 0/inf past x ~ 104.

PyTorch's own kernel drops the leading 1 of Cephes' monic denominators for x < -2.09 (errors
up to 1e-3 relative); this follows Cephes, as SciPy does. Ai(+-inf) is NaN, as in PyTorch and
SciPy. PyTorch gives ``airy_ai`` no gradient, and neither does this (the result does not
require grad). float32 inputs are computed in float64 and rounded back.
"""

from __future__ import annotations

import math

from ...tensor import Tensor
from ..declare import op
from ..primitive.elementwise import where
from .bessel_j import float_input
from .polynomial import in_float64, p1evl, polevl

_INV_SQRT_PI = 5.64189583547756286948e-01  # 1/sqrt(pi)
_C1 = 0.35502805388781723926  # Ai(0)
_C2 = 0.258819403792806798405  # -Ai'(0)
_SERIES_TERMS = 14

# x >= 2.09: R = polevl(1/zeta, _AN) / polevl(1/zeta, _AD)
_AN = (3.46538101525629032477e-01, 1.20075952739645805542e+01, 7.62796053615234516538e+01,
       1.68089224934630576269e+02, 1.59756391350164413639e+02, 7.05360906840444183113e+01,
       1.40264691163389668864e+01, 9.99999999999999995305e-01)
_AD = (5.67594532638770212846e-01, 1.47562562584847203173e+01, 8.45138970141474626562e+01,
       1.77318088145400459522e+02, 1.64234692871529701831e+02, 7.14778400825575695274e+01,
       1.40959135607834029598e+01, 1.00000000000000000470e+00)
# x < -2.09: F = 1 + zz polevl(zz, _AFN) / p1evl(zz, _AFD), G = polevl(zz, _AGN) / p1evl(zz,
# _AGD), zz = 1/zeta^2
_AFN = (-1.31696323418331795333e-01, -6.26456544431912369773e-01, -6.93158036036933542233e-01,
        -2.79779981545119124951e-01, -4.91900132609500318020e-02, -4.06265923594885404393e-03,
        -1.59276496239262096340e-04, -2.77649108155232920844e-06, -1.67787698489114633780e-08)
_AFD = (1.33560420706553243746e+01, 3.26825032795224613948e+01, 2.67367040941499554804e+01,
        9.18707402907259625840e+00, 1.47529146771666414581e+00, 1.15687173795188044134e-01,
        4.40291641615211203805e-03, 7.54720348287414296618e-05, 4.51850092970580378464e-07)
_AGN = (1.97339932091685679179e-02, 3.91103029615688277255e-01, 1.06579897599595591108e+00,
        9.39169229816650230044e-01, 3.51465656105547619242e-01, 6.33888919628925490927e-02,
        5.85804113048388458567e-03, 2.82851600836737019778e-04, 6.98793669997260967291e-06,
        8.11789239554389293311e-08, 3.41551784765923618484e-10)
_AGD = (9.30892908077441974853e+00, 1.98352928718312140417e+01, 1.55646628932864612953e+01,
        5.47686069422975497931e+00, 9.54293611618961883998e-01, 8.64580826352392193095e-02,
        4.12656523824222607191e-03, 1.01259085116509135510e-04, 1.17166733214413521882e-06,
        4.91834570062930015649e-09)


def _series_coefficients(offset: int) -> list[float]:
    """1 / prod_i (3i - 1 + offset)(3i + offset) for k = _SERIES_TERMS - 1, ..., 0 (highest
    first, for ``polevl``): f's (offset 0) or g's (offset 1) coefficients of x^3k."""
    coeffs, denominator = [1.0], 1.0
    for i in range(1, _SERIES_TERMS):
        denominator *= (3 * i - 1 + offset) * (3 * i + offset)
        coeffs.append(1 / denominator)
    return coeffs[::-1]


_F_SERIES = _series_coefficients(0)
_G_SERIES = _series_coefficients(1)


def _airy_ai(x: Tensor) -> Tensor:
    """Ai(x) of a float64 tensor."""
    finite = x.abs() < math.inf
    negative = finite & (x < -2.09)
    positive = finite & (x >= 2.09)
    # x < -2.09
    xn = where(negative, x, -4.0)
    t = (-xn).sqrt()
    zeta = -2 * xn * t / 3
    z = 1 / zeta
    zz = z * z
    uf = 1 + zz * polevl(zz, _AFN) / p1evl(zz, _AFD)
    ug = z * polevl(zz, _AGN) / p1evl(zz, _AGD)
    s, c = zeta.sin(), zeta.cos()
    # sin(zeta + pi/4) = (s + c)/sqrt(2), cos(zeta + pi/4) = (c - s)/sqrt(2)
    oscillating = (_INV_SQRT_PI * math.sqrt(0.5)) / t.sqrt() * ((s + c) * uf - (c - s) * ug)
    # x >= 2.09
    xp = where(positive, x, 4.0)
    t = xp.sqrt()
    zeta = 2 * xp * t / 3
    z = 1 / zeta
    decaying = _INV_SQRT_PI * (polevl(z, _AN) / polevl(z, _AD)) * (-zeta).exp() / (2 * t.sqrt())
    # |x| < 2.09 (and NaN)
    xs = where(negative | positive | ~finite, 0.0, x)
    cube = xs * xs * xs
    series = _C1 * polevl(cube, _F_SERIES) - _C2 * xs * polevl(cube, _G_SERIES)
    out = where(negative, oscillating, where(positive, decaying, series))
    return where(finite, out, math.nan)


@op(namespace="special")
def airy_ai(input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
    """The Airy function Ai(x), the solution of y'' = x y that decays as x -> +inf,
    elementwise, as ``torch.special.airy_ai`` (NaN at +-inf). Not differentiable, as in
    PyTorch.

    >>> airy_ai(tensor([-3.0, 0.0, 3.0]))
    tensor([-0.3788,  0.3550,  0.0066])
    """
    x = float_input("special.airy_ai", input).detach()
    return in_float64(_airy_ai, x)
