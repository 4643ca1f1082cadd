"""The ``erf`` kernel in NumPy, which has no erf ufunc: Cephes' rational approximations
(``ndtr.c``, Stephen L. Moshier, BSD licence), vectorised.

* |x| < 1: erf(x) = x T(x^2) / U(x^2), T and U of degree 4 and 5.
* |x| >= 1: erf(x) = sign(x) (1 - erfc(|x|)), with erfc(x) = exp(-x^2) P(x) / Q(x) below 8 and
  exp(-x^2) R(x) / S(x) from 8 on (the tables core's ``erfc`` uses too, which the spec
  exports: ``microtorch_core.backend.ERFC_COEFFICIENTS``). There erf is within 1 - 1.6e-1 of
  +-1, so erfc's own rounding (that of x^2 in the exponential) moves erf by less than an ulp.

Relative error below 5e-16 against ``math.erf`` over the whole line. Each of its few dozen
NumPy passes costs about a microsecond of call overhead, so small arrays still call
``math.erf`` per element (``SMALL``); from a few thousand elements on this is 2-3 times faster
(``exact GELU`` on a Transformer's feed-forward activations, for example).
"""

from __future__ import annotations

import math

import numpy as np

from microtorch_core.backend import ERFC_COEFFICIENTS

_ERFC_P, _ERFC_Q, _ERFC_R, _ERFC_S = ERFC_COEFFICIENTS

# erf(x) = x T(x^2) / U(x^2) for |x| < 1 (U monic, its leading 1 left out, as Cephes' p1evl)
_ERF_T = (9.60497373987051638749e0, 9.00260197203842689217e1, 2.23200534594684319226e3,
          7.00332514112805075473e3, 5.55923013010394962768e4)
_ERF_U = (3.35617141647503099647e1, 5.21357949780152679795e2, 4.59432382970980127987e3,
          2.26290000613890934246e4, 4.92673942608635921086e4)


#: Below this many elements, ``math.erf`` per element is faster than the vectorised form.
SMALL = 1024
_erf_each = np.frompyfunc(math.erf, 1, 1)


def _polevl(x: np.ndarray, coeffs: tuple[float, ...], monic: bool = False) -> np.ndarray:
    """Horner's rule, highest degree first (a monic polynomial's leading 1 is implied)."""
    out = x + coeffs[0] if monic else np.full_like(x, coeffs[0])
    for c in coeffs[1:] if monic else coeffs[1:]:
        out = out * x + c
    return out


def erf(x: np.ndarray) -> np.ndarray:
    """erf of a float64 array (NaN stays NaN, erf(+-inf) = +-1). Each range's formula runs
    only on the elements in that range."""
    if x.size < SMALL:
        return np.asarray(_erf_each(x), dtype=np.float64)
    out = np.empty_like(x)
    a = np.abs(x)
    small = a < 1
    xs = x[small]
    z = xs * xs
    out[small] = xs * _polevl(z, _ERF_T) / _polevl(z, _ERF_U, monic=True)
    big = ~small  # NaN too: it stays NaN below
    ab = np.minimum(a[big], 27.0)  # beyond 27, erfc underflows and erf is +-1
    near = ab < 8
    ratio = np.empty_like(ab)
    ratio[near] = _polevl(ab[near], _ERFC_P) / _polevl(ab[near], _ERFC_Q, monic=True)
    far = ab[~near]
    ratio[~near] = _polevl(far, _ERFC_R) / _polevl(far, _ERFC_S, monic=True)
    out[big] = np.copysign(1 - np.exp(-ab * ab) * ratio, x[big])
    return out
