"""Rounding and rounded division: ``floor``, ``ceil``, ``trunc`` (``fix``), ``round``
(half to even, with ``decimals``), ``frac``, ``div`` with ``rounding_mode``, ``floor_divide``
and ``remainder``.

There is no rounding kernel: a float below 2**52 in magnitude rounds through an int64 round
trip (exact there), and larger values are integers already. A rounded value is a step
function of its input, so its gradient is zero almost everywhere: as in PyTorch, the output of
``floor``, ``ceil``, ``trunc``, ``round`` and ``div(rounding_mode=...)`` is still differentiable
(it has a ``grad_fn``) and backward gives zeros (``Rounded``). Integer ``//`` and ``%`` divide
in float64, exact while ``|a| < 2**53``, and refuse a zero divisor as PyTorch does.
"""

from __future__ import annotations

import math

from ... import dtypes
from ...autograd.function import Function
from ...dtypes import DType
from ...tensor import Tensor, _zeros_like_meta
from ..declare import op
from ..primitive.copy import clone
from ..primitive.elementwise import div as _true_div
from ..primitive.elementwise import where
from .comparison import isinf

# Floating values at or above 2**52 are integers already; below, an int64 round trip
# truncates toward zero, which the comparison turns into rounding down.
_EXACT_INT = 2.0 ** 52


class Rounded(Function):
    """out = step(*inputs), a step function (floor, ceil, trunc, round, a rounded quotient);
    d out / d input = 0 almost everywhere, which PyTorch's derivatives.yaml returns as zeros
    (``zeros_like(grad)``) rather than as no gradient"""

    @staticmethod
    def forward(ctx, step, *inputs) -> Tensor:
        return step(*inputs)

    @staticmethod
    def backward(ctx, grad):
        # zeros in each input's own shape and dtype (a rounded quotient may broadcast)
        return (None, *(_zeros_like_meta((meta[0], meta[1], grad.device)) if needed else None
                        for needed, meta in zip(ctx.needs_input_grad[1:], ctx.input_meta[1:])))


def _floor_values(x: Tensor) -> Tensor:
    small = x.abs() < _EXACT_INT  # False for NaN, infinities and huge values: kept as they are
    truncated = where(small, x, 0.0).to(dtypes.int64).to(x.dtype)
    return where(small, where(truncated > x, truncated - 1, truncated), x)


@op(variants="function, method", inplace=True)
def floor(x: Tensor) -> Tensor:
    """Largest integer <= x, elementwise (integers are returned as they are). Its gradient is
    zero almost everywhere: backward gives zeros, as PyTorch's."""
    if not x.dtype.is_floating_point:
        return x.clone()
    return Rounded.apply(_floor_values, x)


def _division_dtype(a, b) -> dtypes.DType:
    """The result dtype of ``a // b`` and ``a % b``, after checking the operands."""
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        raise TypeError("floor_divide/remainder: expected at least one Tensor operand")
    dtype = dtypes.result_type(a, b)
    if dtype is dtypes.bool_:
        raise RuntimeError("floor_divide/remainder are not implemented for bool tensors")
    if not dtype.is_floating_point:
        has_zero = (b == 0).any().item() if isinstance(b, Tensor) else b == 0
        if has_zero:
            raise ZeroDivisionError("integer division by zero in floor_divide/remainder")
    return dtype


@op(variants="function, method", inplace=True)
def floor_divide(a, b) -> Tensor:
    """``a // b``: the quotient rounded toward minus infinity, as Python's ``//``.

    Integers are divided in float64, so they are exact while ``|a|`` stays below 2**53."""
    dtype = _division_dtype(a, b)
    compute = dtype if dtype.is_floating_point else dtypes.float64
    q = _floor_values(_quotient(a, b, compute))
    if dtype.is_floating_point and isinstance(a, Tensor):
        q = where(isinf(a.detach()), math.nan, q)  # inf // b is nan, as in Python and PyTorch
    return q.to(dtype)


@op(variants="function, method", inplace=True)
def remainder(a, b) -> Tensor:
    """``a % b``: ``a - (a // b) * b``, with the sign of the divisor as Python's ``%``."""
    dtype = _division_dtype(a, b)
    if not dtype.is_floating_point:
        return (a - floor_divide(a, b) * b).to(dtype)
    like = a if isinstance(a, Tensor) else b
    a, b = (x if isinstance(x, Tensor) else like._empty_like(shape=(), dtype=dtype).fill_(x)
            for x in (a, b))
    return FloatRemainder.apply(a, b)


class FloatRemainder(Function):
    """out = a - floor(a / b) * b, computed as PyTorch's kernel does: C's fmod, which is
    exact, moved by one divisor where its sign is not the divisor's. The formula itself loses
    every digit once |a / b| passes 2**24 in float32 (2**53 in float64): it gave 0 for
    1e20 % -11495.8, where PyTorch gives -6392.75."""

    @staticmethod
    def forward(ctx, a: Tensor, b: Tensor) -> Tensor:
        from .float_parts import fmod  # float_parts imports this module

        ctx.save_for_backward(a, b)
        mod = fmod(a, b)
        return where((mod != 0) & ((mod < 0) != (b < 0)), mod + b, mod)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        grad_b = -grad * floor_divide(a, b) if ctx.needs_input_grad[1] else None
        return grad, grad_b


def _quotient(a, b, dtype: dtypes.DType) -> Tensor:
    """``a / b`` computed in ``dtype``, recording no graph (the rounded quotient's gradient is
    zero almost everywhere)."""
    a = a.detach().to(dtype) if isinstance(a, Tensor) else a
    b = b.detach().to(dtype) if isinstance(b, Tensor) else b
    return _true_div(a, b)


# -- rounding ------------------------------------------------------------------------------
def _integral_above(dtype: DType) -> float:
    """The magnitude from which every value of a floating ``dtype`` is an integer: 2**52
    for float64, 2**23 for float32 (the spacing of values there is 1)."""
    return 2.0 ** (52 if dtype is dtypes.float64 else 23)


def _trunc_values(x: Tensor) -> Tensor:
    small = x.abs() < 2.0 ** 52  # False for NaN, infinities and values already integral
    # a float-to-int64 conversion truncates toward zero, exactly below 2**63
    truncated = where(small, x, 0.0).to(dtypes.int64).to(x.dtype)
    return where(small, truncated, x)


@op(variants="function, method", aliases=("fix",), inplace=True)
def trunc(x: Tensor) -> Tensor:
    """x rounded toward zero, elementwise (integers are returned as they are), as
    ``torch.trunc``. Its gradient is zeros, as ``floor``'s."""
    if not x.dtype.is_floating_point:
        return clone(x)
    return Rounded.apply(_trunc_values, x)


fix = trunc


@op(variants="function, method", aliases=("divide",))
def div(a, b, *, rounding_mode: str | None = None) -> Tensor:
    """a / b, as ``torch.div``: true division (integers give floats), or with
    ``rounding_mode='trunc'`` (toward zero, C's integer division) or ``'floor'`` (toward minus
    infinity, Python's ``//``) a quotient in the promoted dtype. The rounded forms' gradients
    are zeros, as ``floor``'s."""
    if rounding_mode is None:
        return _true_div(a, b)
    if rounding_mode == "floor":
        return Rounded.apply(floor_divide, a, b)
    if rounding_mode == "trunc":
        return Rounded.apply(_trunc_divide, a, b)
    raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but "
                       f"found '{rounding_mode}'")


divide = div


def _trunc_divide(a, b) -> Tensor:
    """``a / b`` rounded toward zero, in the promoted dtype."""
    dtype = _division_dtype(a, b)
    compute = dtype if dtype.is_floating_point else dtypes.float64
    return _trunc_values(_quotient(a, b, compute)).to(dtype)


@op(variants="function, method", inplace=True)
def ceil(x: Tensor) -> Tensor:
    """Smallest integer >= x, elementwise: ``-floor(-x)``, as ``torch.ceil`` (its gradient is
    zeros, as ``floor``'s)."""
    if not x.dtype.is_floating_point:
        return clone(x)
    return Rounded.apply(_ceil_values, x)


def _ceil_values(x: Tensor) -> Tensor:
    return -_floor_values(-x)


def _round_half_even(x: Tensor) -> Tensor:
    """x rounded to the nearest integer, ties to even, by the floating-point unit itself:
    below 2**52 (float64) adding 2**52 leaves no bits for a fraction, so the addition rounds
    to an integer with IEEE's round-half-to-even, and subtracting 2**52 again is exact."""
    big = _integral_above(x.dtype)
    magnitude = x.abs()
    rounded = where(magnitude < big, (magnitude + big) - big, magnitude)
    return where(x < 0, -rounded, rounded)


@op(variants="function, method", aliases=("special.round",), inplace=True)
def round(x: Tensor, *, decimals: int = 0) -> Tensor:  # noqa: A001 - PyTorch's name
    """x rounded to ``decimals`` decimal places (to an integer by default), halves to even
    as ``torch.round``: ``round(tensor([0.5, 1.5, 2.5]))`` is ``[0., 2., 2.]``. With
    ``decimals`` it is ``round(x * 10**decimals) / 10**decimals``, so the usual binary
    representation caveats apply. Its gradient is zeros, as ``floor``'s."""
    if not x.dtype.is_floating_point:
        if decimals != 0:
            raise RuntimeError(f"round(): decimals is only supported for floating point "
                               f"tensors, got {x.dtype.name}")
        return clone(x)
    return Rounded.apply(_round_values, x, decimals)


def _round_values(x: Tensor, decimals: int) -> Tensor:
    if decimals == 0:
        return _round_half_even(x)
    scale = 10.0 ** abs(decimals)
    if decimals > 0:
        return _round_half_even(x * scale) / scale
    return _round_half_even(x / scale) * scale


@op(variants="function, method", inplace=True)
def frac(x: Tensor) -> Tensor:
    """The fractional part ``x - trunc(x)``, with x's sign, as ``torch.frac``; its gradient
    is 1 (NaN for infinite x)."""
    if not x.dtype.is_floating_point:
        raise RuntimeError(f"frac(): expected a floating point tensor, got {x.dtype.name}")
    x = where(isinf(x.detach()), math.nan, x)  # inf - inf without NumPy's warning
    return x - trunc(x)
