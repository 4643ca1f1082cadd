"""A float's parts and exact remainders: ``frexp``, ``ldexp`` and ``fmod``.

MicroTorch cannot reinterpret a float's bits (no kernel views them as an integer), so these use
arithmetic that is exact in binary floating point: scaling by a power of two (in two halves,
so that 2**1074 never overflows) and Dekker's *two-product*, which splits a product ``q * b``
into its rounded value and its rounding error, both exact floats (Dekker, "A floating-point
technique for extending the available precision", 1971). ``nextafter`` steps by one ulp the
same way (``float_neighbours.py``).

``fmod`` is exact for floats: each step removes ``q * b * 2**k`` with ``q`` an integer below
2**(p-1) (p = 53 for float64, 24 for float32) and the product taken exactly, so however large
the quotient ``a / b`` is (``fmod(1e300, 3.0)``), the remainder is the true one, as C's
``fmod``. Integers are divided in float64, exact while ``|a|`` stays below 2**53.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from ... import dtypes
from ...autograd.function import Function
from ...dispatch import Scalar, cast, check_tensor_args
from ...tensor import Tensor
from ..declare import op
from ..primitive.elementwise import where
from .comparison import isnan
from .pointwise import _as_float, _log_base, signbit
from .rounding import trunc


class FrexpResult(NamedTuple):
    """``frexp``'s result: ``x == mantissa * 2 ** exponent``."""

    mantissa: Tensor
    exponent: Tensor


def _precision(dtype: dtypes.DType) -> int:
    return 53 if dtype is dtypes.float64 else 24


def _pow2(e: Tensor, dtype: dtypes.DType) -> Tensor:
    """2 ** e for integer-valued ``e`` in a float dtype (exact while in range)."""
    return 2.0 ** e.to(dtype)


def _scale(x: Tensor, e: Tensor) -> Tensor:
    """x * 2 ** e, exactly, in two halves: 2 ** 1074 alone would overflow."""
    half = e // 2
    return x * _pow2(half, x.dtype) * _pow2(e - half, x.dtype)


class Frexp(Function):
    """mantissa = x / 2 ** exponent, with the integer exponent held fixed (it is a step
    function); d mantissa / dx = 1 / 2 ** exponent, as PyTorch's derivatives.yaml"""

    @staticmethod
    def forward(ctx, x: Tensor) -> tuple[Tensor, Tensor]:
        mantissa, exponent = _frexp_values(x)
        ctx.save_for_backward(exponent)
        return mantissa, exponent  # the int32 exponent is not differentiable

    @staticmethod
    def backward(ctx, grad_mantissa, grad_exponent):
        (exponent,) = ctx.saved_tensors
        return grad_mantissa / _pow2(exponent, grad_mantissa.dtype)


@op(variants="function, method")
def frexp(x: Tensor) -> FrexpResult:
    """``x`` as ``mantissa * 2 ** exponent`` with ``|mantissa|`` in [0.5, 1) and an int32
    exponent, as ``torch.frexp`` (0, infinities and NaN give themselves and exponent 0)."""
    if not x.dtype.is_floating_point:
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    return FrexpResult(*Frexp.apply(x))


def _frexp_values(x: Tensor) -> tuple[Tensor, Tensor]:
    finite = (x.abs() < math.inf) & (x != 0)
    safe = where(finite, x, 1.0)
    e = (_log_base(safe.abs(), 2.0).floor() + 1).to(dtypes.int64)  # a guess, off by <= 1
    m = _scale(safe, -e)
    up, down = m.abs() >= 1, m.abs() < 0.5
    m = where(up, m * 0.5, where(down, m * 2.0, m))
    e = e + up.to(dtypes.int64) - down.to(dtypes.int64)
    return where(finite, m, x), where(finite, e, 0).to(dtypes.int32)


@op(variants="function, method", inplace=True)
def ldexp(x: Tensor, other: Tensor) -> Tensor:
    """x * 2 ** other (integers become the default float dtype), as ``torch.ldexp``."""
    check_tensor_args("ldexp", input=x, other=other)
    x = _as_float(x)
    return x * _pow2(other, x.dtype)


# -- fmod ---------------------------------------------------------------------------------------
def _two_product(a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    """(p, e) with p = fl(a * b) and p + e == a * b exactly (Dekker; no overflow here: the
    operands are below 2**p)."""
    c = float(2 ** ((_precision(a.dtype) + 1) // 2) + 1)

    def split(v: Tensor) -> tuple[Tensor, Tensor]:
        t = v * c
        hi = t - (t - v)
        return hi, v - hi

    p = a * b
    ah, al = split(a)
    bh, bl = split(b)
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


def _remainder_step(r: Tensor, m_b: Tensor, e_b: Tensor) -> Tensor:
    """One step of |a| mod |b| on magnitudes: ``r`` reduced by a multiple of ``b * 2**k``, with
    k chosen so the quotient stays below 2**(p-1); ``b = m_b * 2**e_b``."""
    p = _precision(r.dtype)
    e_r = frexp(r).exponent.to(dtypes.int64)
    k = (e_r - e_b - (p - 1)).clamp(min=0)
    rn = _scale(r, -(e_b + k))  # r in units where b * 2**k is m_b, in [0.5, 1): exact
    q = trunc(rn / m_b)
    for _ in range(2):  # a rounded quotient may be one off: fix it with the exact remainder
        hi, lo = _two_product(q, m_b)
        head = rn - hi  # exact (Sterbenz: hi is within a factor 2 of rn, or 0)
        q = where(head < lo, q - 1, where(head - m_b >= lo, q + 1, q))
    hi, lo = _two_product(q, m_b)
    return _scale((rn - hi) - lo, e_b + k)  # the true remainder: a float, so exact


def _fmod_float(a: Tensor, b: Tensor) -> Tensor:
    special = isnan(a) | isnan(b) | (a.abs() == math.inf) | (b == 0)
    keep = (b.abs() == math.inf) & ~special  # fmod(x, inf) is x
    r = where(special | keep, 0.0, a.abs())
    mb = where(special | keep, 1.0, b.abs())
    m_b, e_b = frexp(mb)
    e_b = e_b.to(dtypes.int64)
    p, info = _precision(a.dtype), dtypes.finfo(a.dtype)
    bound = (math.log2(info.max) - math.log2(info.tiny) + p) // (p - 1) + 2
    for _ in range(int(bound)):  # each step takes p - 1 bits off the quotient
        active = r >= mb
        if not active.any().item():
            break
        r = where(active, _remainder_step(where(active, r, mb), m_b, e_b), r)
    out = where(signbit(a), -r, r)
    return where(special, math.nan, where(keep, a, out))


class FMod(Function):
    """out = a - trunc(a / b) * b, with the sign of a (C's fmod)"""

    @staticmethod
    def forward(ctx, a: Tensor, b: Tensor, dtype: dtypes.DType) -> Tensor:
        ctx.save_for_backward(a, b)
        a, b = cast(a, dtype), cast(b, dtype)
        if dtype.is_floating_point:
            return _fmod_float(a, b)
        if (b == 0).any().item():
            raise RuntimeError("ZeroDivisionError: fmod of integers by zero")
        q = trunc(a.to(dtypes.float64) / b.to(dtypes.float64))
        return (a - q.to(dtype) * b).to(dtype)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        grad_b = -grad * trunc(a / b) if ctx.needs_input_grad[1] else None
        return grad, grad_b, None


@op(variants="function, method", inplace=True)
def fmod(a: Tensor, b: Tensor | Scalar) -> Tensor:
    """The remainder of ``a / b`` with the sign of the dividend ``a``, as ``torch.fmod`` and C's
    ``fmod`` (``remainder``/``%`` take the divisor's sign). Exact for floats; NaN where ``b`` is
    0 or ``a`` is infinite.

    >>> fmod(tensor([-3.0, 3.0]), 2)
    tensor([-1.,  1.])
    """
    if not isinstance(a, Tensor):
        raise TypeError(f"fmod(): argument 'input' must be Tensor, not {type(a).__name__}")
    dtype = dtypes.result_type(a, b)
    if dtype is dtypes.bool_:
        raise RuntimeError("fmod is not implemented for bool tensors")
    if not isinstance(b, Tensor):
        b = a._empty_like(shape=(), dtype=dtype).fill_(b)
    return FMod.apply(a, b, dtype)
