"""In-place random fills: uniform_ normal_ bernoulli_ exponential_ geometric_ log_normal_
cauchy_ random_.

Each draws from MicroTorch's Philox generator (the default one, or ``generator=``) with
``rand``/``randn`` into a fresh tensor, turns the uniforms into the wanted distribution with
Tensor ops (an inverse cdf), and writes the result with ``copy_``. So every backend runs them,
``manual_seed`` reproduces them, and they follow the in-place rules: the storage's version
counter goes up, a leaf that requires grad is refused unless under ``no_grad``, and a tensor
inside a graph takes the new values with a zero gradient for its old history (the sample does
not depend on the values it replaces).

Transforms other than uniform_/normal_ (and log_normal_, which is exp of normal_) start from
float64 uniforms, whatever the tensor's dtype: the tails (a tiny ``p``, a long exponential
wait) keep their precision, and the generator advances by one counter per element either way.
"""

from __future__ import annotations

import math
import operator
from typing import Any

import numpy as np

from ... import dtypes
from ...creation import full, rand, randn
from ...device import DeviceLike
from ...dispatch import broadcast_shapes, cast, same_device
from ...random import Generator
from ...tensor import Tensor
from ..declare import op
from ..primitive.elementwise import exp, where
from ..primitive.views import reshape
from ..special.trig import tan
from .indexing import nonzero
from .inplace import copy_
from .pointwise import log1p
from .rounding import floor

Number = bool | int | float


def first_bad_value(x: Tensor, bad: Tensor) -> str:
    """``"-1.0 at index 2"``: the first element of ``x`` where the bool tensor ``bad`` is
    True, for an error message (one more host read, on the error path only)."""
    (flat,) = nonzero(reshape(bad, (-1,)), as_tuple=True)
    i = int(flat[0].item())
    # str of the dtype's NumPy scalar: a float32 0.1 reads 0.1, not 0.10000000149011612
    value = str(x.dtype.np.type(reshape(x, (-1,))[i].item()))
    if x.dim() == 0:
        return value
    if x.dim() == 1:
        return f"{value} at index {i}"
    return f"{value} at index {[int(p) for p in np.unravel_index(i, x.shape)]}"


def _check_floating(x: Tensor, name: str) -> None:
    if not x.dtype.is_floating_point:
        raise RuntimeError(f"{name} distribution is a continuous probability distribution. "
                           f"dtype must be a floating point but you specified {x.dtype.name}")


def _uniform64(x: Tensor, generator: Generator | None) -> Tensor:
    """U[0, 1) in float64, shaped as ``x``."""
    return rand(x.shape, dtype=dtypes.float64, device=x.device, generator=generator)


@op(variants="method")
def uniform_(x: Tensor, from_: float = 0.0, to: float = 1.0, *,
             generator: Generator | None = None) -> Tensor:
    """Fill ``x`` with U[from, to), in place (``w.uniform_(-0.1, 0.1)``):
    ``rand * (to - from) + from`` in ``x``'s dtype, the numbers ``nn.init.uniform_`` draws
    for the same seed."""
    _check_floating(x, "Uniform")
    if not (math.isfinite(from_) and math.isfinite(to)):
        raise RuntimeError(f"uniform_ expects finite bounds, but found from={from_} and "
                           f"to={to}")
    if from_ > to:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found "
                           f"from={from_} > to={to}")
    if to - from_ > dtypes.finfo(x.dtype).max:
        raise RuntimeError(f"uniform_ expects to-from <= {dtypes.finfo(x.dtype).max} (the "
                           f"largest {x.dtype.name}), but found to={to} and from={from_} "
                           f"which result in to-from to exceed the limit")
    u = rand(x.shape, dtype=x.dtype, device=x.device, generator=generator)
    return copy_(x, u * (to - from_) + from_)


@op(variants="method")
def normal_(x: Tensor, mean: float = 0.0, std: float = 1.0, *,
            generator: Generator | None = None) -> Tensor:
    """Fill ``x`` with N(mean, std^2), in place: ``randn * std + mean`` in ``x``'s dtype (the
    numbers ``nn.init.normal_`` draws for the same seed)."""
    _check_floating(x, "Normal")
    if not std >= 0.0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    z = randn(x.shape, dtype=x.dtype, device=x.device, generator=generator)
    return copy_(x, z * std + mean)


@op(variants="method")
def bernoulli_(x: Tensor, p: float | Tensor = 0.5, *,
               generator: Generator | None = None) -> Tensor:
    """Fill ``x`` with 1 where ``u < p`` for u ~ U[0, 1), else 0, in place; ``p`` is a number
    or a tensor of probabilities broadcast to ``x``'s shape. ``x`` may have any dtype."""
    if isinstance(p, Tensor):
        same_device(x, p)
        try:
            fits = broadcast_shapes(x.shape, p.shape) == x.shape
        except RuntimeError:
            fits = False
        if not fits:
            raise RuntimeError(f"bernoulli_: p of shape {tuple(p.shape)} cannot be broadcast "
                               f"to the tensor's shape {tuple(x.shape)}")
        check_probabilities(p.detach(), "Expected p_in >= 0 && p_in <= 1 to be true, but got "
                                        "false")
        p = cast(p.detach(), dtypes.float64)
    elif not 0.0 <= p <= 1.0:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
    return copy_(x, _uniform64(x, generator) < p)


def check_probabilities(p: Tensor, message: str) -> None:
    """Raise ``message`` (with the first offender) unless every element of ``p`` is in
    [0, 1] (NaN is not); one host read."""
    if p.numel():
        inside = (p >= 0) & (p <= 1)
        if not bool(inside.all()):
            raise RuntimeError(f"{message} (found p = {first_bad_value(p, ~inside)})")


@op(variants="method")
def exponential_(x: Tensor, lambd: float = 1.0, *,
                 generator: Generator | None = None) -> Tensor:
    """Fill ``x`` with Exponential(lambd) waits, in place: ``-log(1 - u) / lambd``."""
    _check_floating(x, "Exponential")
    if not lambd > 0.0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
    return copy_(x, log1p(-_uniform64(x, generator)) / -lambd)


@op(variants="method")
def geometric_(x: Tensor, p: float, *, generator: Generator | None = None) -> Tensor:
    """Fill ``x`` with Geometric(p) counts, in place: the number of trials up to and including
    the first success, ``floor(log(1 - u) / log(1 - p)) + 1`` (1, 2, 3, ...)."""
    if x.dtype is dtypes.bool_:
        raise RuntimeError("geometric_: the counts 1, 2, 3, ... do not fit a bool tensor; "
                           "use an integer or floating point one")
    if not 0.0 < p < 1.0:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
    trials = floor(log1p(-_uniform64(x, generator)) / math.log1p(-p)) + 1
    return copy_(x, trials)


@op(variants="method")
def log_normal_(x: Tensor, mean: float = 1.0, std: float = 2.0, *,
                generator: Generator | None = None) -> Tensor:
    """Fill ``x`` with ``exp`` of N(mean, std^2) values, in place (``mean`` and ``std`` are
    those of the underlying normal, as in PyTorch)."""
    _check_floating(x, "LogNormal")
    if not std > 0.0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")
    z = randn(x.shape, dtype=x.dtype, device=x.device, generator=generator)
    return copy_(x, exp(z * std + mean))


@op(variants="method")
def cauchy_(x: Tensor, median: float = 0.0, sigma: float = 1.0, *,
            generator: Generator | None = None) -> Tensor:
    """Fill ``x`` with Cauchy(median, sigma) values, in place: the inverse cdf
    ``median + sigma * tan(pi * (u - 1/2))``."""
    _check_floating(x, "Cauchy")
    if not sigma > 0.0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma}")
    return copy_(x, tan((_uniform64(x, generator) - 0.5) * math.pi) * sigma + median)


# -- random integers --------------------------------------------------------------------------
_NOT_GIVEN: Any = object()  # random_(5) means to=5; random_(5, None) means from=5, no bound


@op(variants="method")
def random_(x: Tensor, from_: int | None = None, to: int | None = _NOT_GIVEN, *,
            generator: Generator | None = None) -> Tensor:
    """Fill ``x`` with integers uniform on ``[from, to - 1]``, in place, as PyTorch:
    ``x.random_(to)``, ``x.random_(from, to)``, ``x.random_(from, None)`` (up to the dtype's
    largest value) or ``x.random_()``: ``[0, 2**mantissa]`` for floating point dtypes (every
    integer exact), the dtype's range from 0 for the others. ``x`` may have any dtype;
    ``x.random_(a, b)`` draws the numbers ``randint(a, b, x.shape)`` does for the same seed.
    """
    if to is _NOT_GIVEN:
        low, high = 0, from_
    else:
        low, high = (0 if from_ is None else from_), to
    if high is None:
        high = _largest(x.dtype) + 1
    try:
        low, high = operator.index(low), operator.index(high)
    except TypeError:
        raise TypeError(f"random_(): from and to must be integers, got from={low!r} and "
                        f"to={high!r}") from None
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} "
                           f">= to={high}")
    smallest, largest = _bounds(x.dtype)
    if not smallest <= low <= largest:
        raise RuntimeError(f"from is out of bounds for {x.dtype.name}: {low} is not in "
                           f"[{smallest}, {largest}]")
    if not smallest <= high - 1 <= largest:
        raise RuntimeError(f"to - 1 is out of bounds for {x.dtype.name}: {high - 1} is not "
                           f"in [{smallest}, {largest}]")
    return copy_(x, random_integers(x.shape, low, high, x.device, generator))


def _bounds(dtype: dtypes.DType) -> tuple[int, int]:
    """The values ``from`` and ``to - 1`` may take for ``dtype`` (int64's for floats)."""
    if dtype is dtypes.bool_:
        return 0, 1
    info = dtypes.iinfo(dtype if dtype.category == 1 else dtypes.int64)
    return info.min, info.max


def _largest(dtype: dtypes.DType) -> int:
    """The largest value ``random_()`` draws for ``dtype``."""
    if dtype.is_floating_point:
        return 2 ** (24 if dtype is dtypes.float32 else 53)
    return _bounds(dtype)[1]


def random_integers(shape: tuple[int, ...], low: int, high: int, device: DeviceLike,
                    generator: Generator | None = None) -> Tensor:
    """int64 values uniform on ``[low, high)`` (at most 2**64 of them).

    Up to 2**53 values, one float64 uniform ``u`` (53 random bits) gives ``floor(u * n)``, as
    ``randint`` does (the product never rounds up to ``n``). A wider range takes k-bit
    integers from two uniforms (high bits, then 32 low bits) and redraws the ones that fall
    outside it (fewer than half, on average), so that every value is equally likely.
    """
    n = high - low
    if n <= 2 ** 53:
        u = rand(shape, dtype=dtypes.float64, device=device, generator=generator)
        return (u * n).to(dtypes.int64) + low
    bits = (n - 1).bit_length()
    out = full(shape, 0, dtype=dtypes.int64, device=device)
    done = full(shape, False, device=device)
    while not bool(done.all()):
        hi = (rand(shape, dtype=dtypes.float64, device=device, generator=generator)
              * 2.0 ** (bits - 32)).to(dtypes.int64)
        lo = (rand(shape, dtype=dtypes.float64, device=device, generator=generator)
              * 2.0 ** 32).to(dtypes.int64)
        if bits == 64:  # all of int64: a signed high word, kept where it lands in range
            value = (hi - 2 ** 31) * 2 ** 32 + lo
            fits = (value >= low) & (value <= high - 1)
        else:  # below 2**63, kept below n; low is added at the end
            value = hi * 2 ** 32 + lo
            fits = value < n
        out = where(fits & ~done, value, out)
        done = done | fits
    return out if bits == 64 else out + low
