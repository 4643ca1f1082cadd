"""Small special functions: sinc, entr, xlog1py, from the primitive kernels. (The larger
families have their own files: ``trig.py``, ``gamma.py``, ``errorfunc.py``, ``bessel.py``.)

* ``sinc(x) = sin(pi x) / (pi x)``: sin(pi x) is computed as +-sin(pi r) with r = x - round(x)
  exact, so it is exactly 0 at the integers and keeps its relative accuracy for large x, where
  pi * x would carry a rounding error of many periods' worth (NumPy's ``np.sinc`` and PyTorch
  do that: sinc(1.0) is 3.9e-17 there). Its derivative (cos(pi x) - sinc(x)) / x cancels near
  0, so for |x| <= 1/4 it is summed from the Taylor series instead.
* ``entr(x) = -x log(x)``, 0 at 0 and -inf for x < 0, as SciPy's.
* ``xlog1py(x, y) = x log1p(y)``, 0 where x == 0 (unless y is NaN), as ``xlogy``.
"""

from __future__ import annotations

import math

from ...autograd.function import Function
from ...tensor import Tensor
from ..composite.pointwise import _as_float, log1p
from ..composite.rounding import _round_half_even, floor
from ..declare import op
from ..primitive.elementwise import _float_type, where
from .polynomial import polevl

Scalar = bool | int | float

# d/dx sinc(x) = pi u P(u^2), u = pi x: P's coefficients are (-1)^k 2k / (2k + 1)!, k = 9..1
_SINC_DERIVATIVE = tuple((-1) ** k * 2 * k / math.factorial(2 * k + 1) for k in range(9, 0, -1))


def _sin_cos_pi(x: Tensor) -> tuple[Tensor, Tensor]:
    """(sin(pi x), cos(pi x)) for finite x, from r = x - round(x) (exact): sin(pi x) is
    (-1)^k sin(pi r) and cos(pi x) is (-1)^k sin(pi (1/2 - |r|)), k = round(x)."""
    k = _round_half_even(x.detach())  # a constant: r = x - k has x's gradient
    r = x - k
    odd = (k - 2 * floor(k / 2)) == 1
    s, c = (math.pi * r).sin(), (math.pi * (0.5 - r.abs())).sin()
    return where(odd, -s, s), where(odd, -c, c)


class Sinc(Function):
    """out = sin(pi x) / (pi x), and 1 at 0"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        finite = x.abs() < math.inf
        xf = where(finite, x, 0.5)
        sin_pi, _ = _sin_cos_pi(xf)
        zero = sin_pi == 0  # the integers: no division (pi * x may overflow there)
        out = sin_pi / (math.pi * where(zero, 1.0, xf))
        out = where(zero, where(x == 0, 1.0, 0.0), out)
        return where(finite, out, math.nan)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        # from x with Tensor ops (r = x - round(x) keeps its gradient): differentiable again
        finite = x.abs() < math.inf
        small = x.abs() <= 0.25
        u = math.pi * where(small, x, 0.0)
        series = math.pi * u * polevl(u * u, _SINC_DERIVATIVE)
        large = where(small | ~finite, 1.0, x)
        _, cos_pi = _sin_cos_pi(large)
        direct = (cos_pi - sinc(large)) / large
        derivative = where(small, series, direct)
        return grad * where(finite, derivative, math.nan)


class Entr(Function):
    """out = -x log(x), 0 at x = 0, -inf for x < 0"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        positive = x > 0
        xp = where(positive, x, 1.0)
        out = -xp * xp.log()
        return where(positive, out, where(x == 0, 0.0, where(x < 0, -math.inf, x)))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return -grad * (1 + x.log())


class XLog1pY(Function):
    """out = x log1p(y), and 0 where x == 0 (unless y is NaN)"""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        out = x * log1p(where(x == 0, 0.0, y))  # log1p(0): no 0 * -inf where x is 0
        return where(y != y, math.nan, out)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        grad_x = grad_y = None
        if ctx.needs_input_grad[0]:  # log1p(y), with PyTorch's 0 where x == 0 and y <= -1
            grad_x = where((x == 0) & (y <= -1), 0.0, xlog1py(grad, y))
        if ctx.needs_input_grad[1]:
            grad_y = grad * x / (1 + y)
        return grad_x, grad_y


@op(variants="function, method", aliases=("special.sinc",), inplace=True)
def sinc(x: Tensor) -> Tensor:
    """The normalized sinc function ``sin(pi x) / (pi x)`` (1 at 0, exactly 0 at the other
    integers), elementwise, as ``torch.sinc``.

    >>> sinc(tensor([0.0, 0.5, 1.0]))
    tensor([1.0000, 0.6366, 0.0000])
    """
    return Sinc.apply(_as_float(x))


@op(namespace="special")
def entr(x: Tensor) -> Tensor:
    """The elementwise entropy ``-x log(x)`` (0 at 0, -inf for x < 0), as
    ``torch.special.entr``."""
    return Entr.apply(_as_float(x))


@op(namespace="special")
def xlog1py(x: Tensor | Scalar, y: Tensor | Scalar) -> Tensor:
    """``x * log1p(y)``, elementwise and broadcast, with 0 where ``x == 0`` even if ``y`` is
    -1, as ``torch.special.xlog1py``; one of the two may be a Python number."""
    if not isinstance(x, Tensor) and not isinstance(y, Tensor):
        raise TypeError(f"xlog1py(): expected at least one Tensor, got {type(x).__name__} and "
                        f"{type(y).__name__}")
    dtype = _float_type(x, y)
    like = x if isinstance(x, Tensor) else y
    x, y = (t.to(dtype) if isinstance(t, Tensor) else
            like._empty_like((), dtype).fill_(t) for t in (x, y))
    return XLog1pY.apply(x, y)
