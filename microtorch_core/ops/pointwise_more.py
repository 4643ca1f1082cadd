"""More elementwise math, as composites: PyTorch's aliases (negative positive sgn absolute),
logical_xor, the stable log-sum of two exponentials (logaddexp logaddexp2), NaN-ignoring
extremes (fmax fmin), float_power, angle conversion (deg2rad rad2deg) and the predicates
isposinf isneginf isreal.

Every one is built from ``where``, comparisons and the arithmetic kernels, so it runs on
every backend and its gradient comes from its parts.
"""

from __future__ import annotations

import math

from .. import dtypes
from ..tensor import Tensor
from .composite import isnan, log1p
from .elementwise import Scalar, _as_bool, abs, maximum, ne, neg, sign, where
from .pointwise import _as_float

negative = neg
absolute = abs
sgn = sign  # for real tensors, sgn (x / |x| of complex numbers) is sign


def positive(x: Tensor) -> Tensor:
    """``+x``: ``x`` itself, as ``torch.positive`` (refused for bool, as PyTorch)."""
    if x.dtype is dtypes.bool_:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return x


def _check_tensor(name: str, x: object, arg: str) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument '{arg}' must be Tensor, not {type(x).__name__}")


def logical_xor(a: Tensor, b: Tensor) -> Tensor:
    """True where exactly one of ``a`` and ``b`` is non-zero."""
    _check_tensor("logical_xor", b, "other")
    return ne(_as_bool(a), _as_bool(b))


# -- log(e^a + e^b) -------------------------------------------------------------------------
def _floating_pair(name: str, a: Tensor, b: Tensor) -> None:
    _check_tensor(name, a, "input")
    _check_tensor(name, b, "other")
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


def logaddexp(a: Tensor, b: Tensor) -> Tensor:
    """log(e^a + e^b), computed without overflow (``logaddexp(1000, 1000)`` is 1000.69)."""
    _floating_pair("logaddexp", a, b)
    return _log_add(a, b, 1.0)


def logaddexp2(a: Tensor, b: Tensor) -> Tensor:
    """log2(2^a + 2^b), computed without overflow."""
    _floating_pair("logaddexp2", a, b)
    return _log_add(a, b, math.log(2.0))


# -- NaN-ignoring extremes --------------------------------------------------------------------
def fmax(a: Tensor, b: Tensor) -> Tensor:
    """The larger of ``a`` and ``b``, ignoring a NaN when the other is a number (``maximum``
    propagates it). At ties the gradient goes to ``a``, as PyTorch's."""
    _check_tensor("fmax", b, "other")
    return where(isnan(b) | (a >= b), a, b)


def fmin(a: Tensor, b: Tensor) -> Tensor:
    """The smaller of ``a`` and ``b``, ignoring a NaN when the other is a number."""
    _check_tensor("fmin", b, "other")
    return where(isnan(b) | (a <= b), a, b)


# -- powers and angles ------------------------------------------------------------------------
def float_power(a: Tensor | Scalar, b: Tensor | Scalar) -> Tensor:
    """a ** b computed in float64 (both operands converted first), as ``torch.float_power``."""
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        raise TypeError("float_power: expected at least one Tensor operand")
    a = a.to(dtypes.float64) if isinstance(a, Tensor) else float(a)
    b = b.to(dtypes.float64) if isinstance(b, Tensor) else float(b)
    return a ** b


def deg2rad(x: Tensor) -> Tensor:
    """Degrees to radians (integers become the default float dtype)."""
    return _as_float(x) * (math.pi / 180.0)


def rad2deg(x: Tensor) -> Tensor:
    """Radians to degrees (integers become the default float dtype)."""
    return _as_float(x) * (180.0 / math.pi)


# -- predicates -------------------------------------------------------------------------------
def isposinf(x: Tensor) -> Tensor:
    """True where ``x`` is +inf (never for integers)."""
    return x == math.inf if x.dtype.is_floating_point else x._empty_like(
        dtype=dtypes.bool_).fill_(False)


def isneginf(x: Tensor) -> Tensor:
    """True where ``x`` is -inf (never for integers)."""
    return x == -math.inf if x.dtype.is_floating_point else x._empty_like(
        dtype=dtypes.bool_).fill_(False)


def isreal(x: Tensor) -> Tensor:
    """True everywhere: MicroTorch's dtypes are all real (NaN included, as PyTorch)."""
    return x._empty_like(dtype=dtypes.bool_).fill_(True)
