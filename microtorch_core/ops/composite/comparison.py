"""Comparisons beyond the six kernels: ``clamp`` (and ``clip``, ``clamp_min``,
``clamp_max``), NaN-ignoring extremes ``fmax``/``fmin``, the predicates ``isnan``, ``isinf``,
``isfinite``, ``isposinf``, ``isneginf``, ``isreal``, closeness (``isclose``, ``allclose``,
``equal``) and ``logical_xor``.

All are ``where`` over the comparison kernels, so they run on every backend; ``clamp``'s
gradient passes where ``min <= x <= max``, as PyTorch's.
"""

from __future__ import annotations

import math

from ... import dtypes
from ...creation import ones_like
from ...dispatch import check_tensor_args, invalid_arguments, same_device
from ...tensor import Tensor
from ..declare import op
from ..primitive.elementwise import _as_bool, ne, where


@op(variants="function, method", aliases=("clip",), inplace=True)
def clamp(x: Tensor, min=None, max=None) -> Tensor:  # noqa: A002
    """Limit values to [min, max]; the gradient passes where min <= x <= max, as PyTorch."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    out = x  # tensor bounds promote with x, as in PyTorch (int x, float bounds: float)
    if min is not None:
        out = where(out < min, min, out)
    if max is not None:
        out = where(out > max, max, out)
    return _nan_where_any_is_nan(out, x, min, max)


def _nan_where_any_is_nan(out: Tensor, *operands) -> Tensor:
    """PyTorch's clamp is NaN wherever the input or a bound is NaN (its ``maximum``/``minimum``
    propagate NaN), with a zero gradient for all three there: its mask ``min <= x <= max`` is
    False. The comparisons above ignore a NaN, so the NaN is put back here as a constant."""
    if not out.dtype.is_floating_point:
        return out  # no operand can be NaN
    nan_mask = None
    for operand in operands:
        if isinstance(operand, float) and math.isnan(operand):
            # every element is NaN; a where over an all-True mask keeps out's graph (zero grad)
            return where(ones_like(out, dtype=dtypes.bool_), math.nan, out)
        if isinstance(operand, Tensor) and operand.dtype.is_floating_point:
            nan_mask = isnan(operand) if nan_mask is None else nan_mask | isnan(operand)
    return out if nan_mask is None else where(nan_mask, math.nan, out)


clip = clamp


@op(variants="function, method", inplace=True)
def clamp_min(x: Tensor, min) -> Tensor:  # noqa: A002
    """max(x, min), elementwise: ``clamp(x, min=min)``."""
    _check_clamp_input("clamp_min", x, min, "min")
    return clamp(x, min=min)


@op(variants="function, method", inplace=True)
def clamp_max(x: Tensor, max) -> Tensor:  # noqa: A002
    """min(x, max), elementwise: ``clamp(x, max=max)``."""
    _check_clamp_input("clamp_max", x, max, "max")
    return clamp(x, max=max)


def _check_clamp_input(name: str, x: object, bound: object, arg: str) -> None:
    if not isinstance(x, Tensor):  # the bound may be a number, the input may not
        raise invalid_arguments(name, (x, bound), (f"Tensor input, Tensor {arg}",
                                                   f"Tensor input, Number {arg}"))


@op(variants="function, method")
def isnan(x: Tensor) -> Tensor:
    """True where x is NaN."""
    return x != x


@op(variants="function, method")
def isinf(x: Tensor) -> Tensor:
    """True where ``x`` is +inf or -inf."""
    return x.abs() == math.inf


@op(variants="function, method")
def isfinite(x: Tensor) -> Tensor:
    """True where ``x`` is neither infinite nor NaN."""
    return (x == x) & (x.abs() != math.inf)


@op(variants="function, method")
def isclose(a: Tensor, b: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Tensor:
    """True where ``|a - b| <= atol + rtol * |b|`` (or ``a == b``, which covers infinities),
    elementwise and broadcast, as ``torch.isclose``; NaNs are close only with ``equal_nan``.
    """
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        bad = b if isinstance(a, Tensor) else a
        raise TypeError(f"isclose(): expected two Tensors, got {type(bad).__name__}")
    if a.dtype is not b.dtype:
        raise RuntimeError(f"isclose(): {a.dtype.name} did not match {b.dtype.name}; convert "
                           f"one with .to(...)")
    if rtol < 0:
        raise RuntimeError(f"rtol must be greater than or equal to zero, but got {rtol}")
    if atol < 0:
        raise RuntimeError(f"atol must be greater than or equal to zero, but got {atol}")
    a, b = a.detach(), b.detach()
    close = a == b
    if equal_nan and a.dtype.is_floating_point:
        close = close | (isnan(a) & isnan(b))
    if rtol == 0 and atol == 0:
        return close
    if a.dtype is dtypes.bool_:
        a, b = a.to(dtypes.get_default_dtype()), b.to(dtypes.get_default_dtype())
    # infinities and NaNs are close only when equal (above): zero them first so that the
    # subtraction below never computes inf - inf
    finite = isfinite(a) & isfinite(b)
    a, b = where(finite, a, 0), where(finite, b, 0)
    actual = (a - b).abs()
    return close | (finite & isfinite(actual) & (actual <= atol + (rtol * b).abs()))


@op(variants="function, method")
def allclose(a: Tensor, b: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    """True (a Python bool) if ``isclose(a, b, ...)`` holds everywhere."""
    return bool(isclose(a, b, rtol, atol, equal_nan).all().item())


@op(variants="function, method")
def equal(a: Tensor, b: Tensor) -> bool:
    """True (a Python bool) if ``a`` and ``b`` have the same shape and equal elements (after
    type promotion; NaN equals nothing), as ``torch.equal``."""
    same_device(a, b)
    return a.shape == b.shape and bool((a.detach() == b.detach()).all().item())


@op(variants="function, method")
def logical_xor(a: Tensor, b: Tensor) -> Tensor:
    """True where exactly one of ``a`` and ``b`` is non-zero."""
    check_tensor_args("logical_xor", input=a, other=b)
    return ne(_as_bool(a), _as_bool(b))


# -- NaN-ignoring extremes --------------------------------------------------------------------
@op(variants="function, method")
def fmax(a: Tensor, b: Tensor) -> Tensor:
    """The larger of ``a`` and ``b``, ignoring a NaN when the other is a number (``maximum``
    propagates it). At ties the gradient goes to ``a``, as PyTorch's."""
    check_tensor_args("fmax", input=a, other=b)
    return where(isnan(b) | (a >= b), a, b)


@op(variants="function, method")
def fmin(a: Tensor, b: Tensor) -> Tensor:
    """The smaller of ``a`` and ``b``, ignoring a NaN when the other is a number."""
    check_tensor_args("fmin", input=a, other=b)
    return where(isnan(b) | (a <= b), a, b)


# -- predicates -------------------------------------------------------------------------------
@op(variants="function, method")
def isposinf(x: Tensor) -> Tensor:
    """True where ``x`` is +inf (never for integers)."""
    return x == math.inf if x.dtype.is_floating_point else x._empty_like(
        dtype=dtypes.bool_).fill_(False)


@op(variants="function, method")
def isneginf(x: Tensor) -> Tensor:
    """True where ``x`` is -inf (never for integers)."""
    return x == -math.inf if x.dtype.is_floating_point else x._empty_like(
        dtype=dtypes.bool_).fill_(False)


@op(variants="function, method")
def isreal(x: Tensor) -> Tensor:
    """True everywhere: MicroTorch's dtypes are all real (NaN included, as PyTorch)."""
    return x._empty_like(dtype=dtypes.bool_).fill_(True)
