"""Integer number theory: ``gcd`` and ``lcm``, elementwise.

Euclid's algorithm, vectorised: every element takes the step ``(a, b) -> (b, a mod b)`` at
once, masked by ``where`` once its ``b`` reaches 0, until every ``b`` is 0. The loop is
bounded: Euclid needs at most about log_phi(max) + 2 steps (93 for int64), since the pair
shrinks at least as fast as consecutive Fibonacci numbers. ``remainder`` divides integers in
float64, so results are exact while the values stay below 2**53 in magnitude.
"""

from __future__ import annotations

import math

from ... import dtypes
from ...dispatch import same_device
from ...tensor import Tensor
from ..declare import op
from ..primitive.elementwise import where
from .rounding import remainder

#: A bound on Euclid's steps for 64-bit integers (Lame's theorem), plus a margin.
_MAX_STEPS = int(math.log(2.0 ** 63, (1 + 5 ** 0.5) / 2)) + 3


def _check_integers(name: str, a: Tensor, b: Tensor) -> dtypes.DType:
    for arg, t in (("input", a), ("other", b)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}(): argument '{arg}' must be Tensor, not "
                            f"{type(t).__name__}")
    same_device(a, b)
    dtype = dtypes.result_type(a, b)
    if dtype.category != 1:
        raise RuntimeError(f"{name}: not implemented for {dtype.name} tensors (integers only)")
    return dtype


@op(variants="function, method", inplace=True)
def gcd(a: Tensor, b: Tensor) -> Tensor:
    """The greatest common divisor of ``|a|`` and ``|b|``, elementwise (``gcd(0, 0)`` is 0), as
    ``torch.gcd``.

    >>> gcd(tensor([12, -18, 0]), tensor([-8, 12, 5]))
    tensor([4, 6, 5])
    """
    dtype = _check_integers("gcd", a, b)
    x, y = a.to(dtype).abs(), b.to(dtype).abs()
    x, y = x + y * 0, y + x * 0  # both in the broadcast shape
    for _ in range(_MAX_STEPS):
        going = y != 0
        if not going.any().item():
            break
        r = remainder(x, where(going, y, 1))
        x, y = where(going, y, x), where(going, r, 0)
    return x


@op(variants="function, method", inplace=True)
def lcm(a: Tensor, b: Tensor) -> Tensor:
    """The least common multiple of ``|a|`` and ``|b|``, elementwise (0 if either is 0)."""
    dtype = _check_integers("lcm", a, b)
    a, b = a.to(dtype), b.to(dtype)
    g = gcd(a, b)
    zero = g == 0
    return where(zero, 0, (a // where(zero, 1, g) * b).abs())
