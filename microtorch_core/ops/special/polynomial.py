"""Evaluating fixed polynomials and Chebyshev series with Tensor ops, for the special functions
(``trig.py``, ``gamma.py``, ``errorfunc.py``, ``bessel.py``), and running one in float64.

Their approximations come as coefficient tables (from the Cephes Math Library, Stephen L.
Moshier, and from Mike Giles), so these helpers follow Cephes' ``polevl``, ``p1evl`` and
``chbevl`` and take coefficients in the same order, highest degree first; a table can then be
checked against its source line by line.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from ... import dtypes
from ...dispatch import cast
from ...tensor import Tensor
from ..primitive.elementwise import where


def polevl(x: Tensor, coeffs: Sequence[float]) -> Tensor:
    """``c[0] x**n + c[1] x**(n-1) + ... + c[n]`` by Horner's rule (Cephes ``polevl``).

    >>> polevl(tensor([2.0]), [1.0, 0.0, -1.0])   # x**2 - 1
    tensor([3.])
    """
    out = x * coeffs[0] + coeffs[1]
    for c in coeffs[2:]:
        out = out * x + c
    return out


def p1evl(x: Tensor, coeffs: Sequence[float]) -> Tensor:
    """``x**n + c[0] x**(n-1) + ... + c[n-1]``: a polynomial whose leading coefficient is 1 and
    left out of the table (Cephes ``p1evl``)."""
    out = x + coeffs[0]
    for c in coeffs[1:]:
        out = out * x + c
    return out


def chbevl(x: Tensor, coeffs: Sequence[float]) -> Tensor:
    """The Chebyshev series ``sum c[n-1-i] T_i(x / 2)`` by Clenshaw's recurrence, with Cephes'
    conventions (``chbevl``): the coefficients come highest order first, ``x`` is already
    mapped to [-2, 2], and the constant term counts half."""
    b0: Tensor | float = coeffs[0]
    b1: Tensor | float = 0.0
    b2: Tensor | float = 0.0
    for c in coeffs[1:]:
        b2, b1 = b1, b0
        b0 = x * b1 - b2 + c
    return (b0 - b2) * 0.5


def in_float64(fn: Callable[..., Tensor], *args: Tensor) -> Tensor:
    """``fn(*args)`` computed in float64 and rounded back to the arguments' dtype, for the
    algorithms whose cancellation float32 cannot afford (float32 values beyond its range become
    +-inf here, rather than in a cast that would warn)."""
    dtype = args[0].dtype
    if dtype is dtypes.float64:
        return fn(*args)
    out = fn(*(cast(a, dtypes.float64) for a in args))
    big = dtypes.finfo(dtype).max
    return cast(where(out > big, math.inf, where(out < -big, -math.inf, out)), dtype)
