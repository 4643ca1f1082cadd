"""The classical orthogonal polynomials of ``torch.special``, evaluated at x for a degree n
given per element (a tensor, or a number, broadcast with x).

=====================================  ===========================================================
Chebyshev T, U, V, W                   p_k = 2x p_(k-1) - p_(k-2), from p_0 = 1 and p_1 = x, 2x,
                                       2x - 1, 2x + 1; the shifted ones are the same in 2x - 1
Hermite H (physicists')                H_k = 2x H_(k-1) - 2(k - 1) H_(k-2), H_1 = 2x
Hermite He (probabilists')             He_k = x He_(k-1) - (k - 1) He_(k-2), He_1 = x
Laguerre L                             k L_k = (2k - 1 - x) L_(k-1) - (k - 1) L_(k-2), L_1 = 1 - x
Legendre P                             k P_k = (2k - 1) x P_(k-1) - (k - 1) P_(k-2), P_1 = x
=====================================  ===========================================================

Each element has its own degree, so the recurrence runs once for the whole tensor up to the
largest degree that needs it, and each element keeps the term of its own degree (a ``where``
per step): the cost is that largest degree, in steps over the whole tensor.

The conventions are PyTorch's (``aten/src/ATen/native/Math.h``):

* the degree is truncated to an integer (3.7 -> 3); n < 0 gives 0, and so do NaN, +-inf and
  degrees past 2^63 (which PyTorch's conversion to int64 turns negative);
* the Chebyshev polynomials are exact at x = +-1 (T_n(1) = 1, U_n(1) = n + 1, ...) and, for
  |x| < 1 and n above 6 (8 for U, V, W; 4 for the shifted W), take their trigonometric closed
  forms, e.g. T_n(cos t) = cos(n t) and U_n(cos t) = sin((n + 1) t)/sin(t);
* for |x| > 1 and n above 32, where PyTorch keeps recurring, these take the hyperbolic closed
  forms, e.g. T_n(cosh t) = cosh(n t), so that a large degree costs no more steps (and a
  value too large for the dtype is +-inf, where the recurrence's inf - inf gives NaN);
* Hermite polynomials of degree above 512 (128 in float32) are NaN, as in PyTorch;
* L_n(0) = 1, P_n(1) = 1 and P_n(-1) = (-1)^n exactly.

The result dtype is that of ``x`` and ``n`` promoted, integers and bools giving the default
float dtype; float32 is computed in float64 and rounded back (PyTorch recurs in float32, whose
rounding, and its compiler's fused multiply-adds, leave errors of a few 1e-6 relative where
the recurrence cancels). PyTorch gives these ops no gradient, and neither do these (the result
does not require grad).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from ... import dtypes
from ...dispatch import broadcast_shapes, result_type
from ...tensor import Tensor
from ..composite.rounding import floor, trunc
from ..declare import op
from ..primitive.elementwise import where
from .polynomial import in_float64

Scalar = bool | int | float
Step = Callable[[int, Tensor, Tensor], Tensor]

_HYPERBOLIC_FROM = 32  # |x| > 1: the closed form above this degree, the recurrence below


def _arguments(name: str, x: Tensor | Scalar, n: Tensor | Scalar) -> tuple[Tensor, Tensor]:
    """``x`` and the integer degree (as a float tensor; -1 where PyTorch's int64 conversion
    gives a negative number), detached, in the promoted float dtype."""
    if not isinstance(x, Tensor) and not isinstance(n, Tensor):
        raise TypeError(f"{name}() received an invalid combination of arguments: got "
                        f"({type(x).__name__}, {type(n).__name__}), but expected at least "
                        f"one Tensor of x and n")
    for arg, value in (("x", x), ("n", n)):
        if not isinstance(value, (Tensor, bool, int, float)):
            raise TypeError(f"{name}(): argument '{arg}' must be a Tensor or a number, got "
                            f"{type(value).__name__}")
    dtype = result_type(x, n)
    if not dtype.is_floating_point:
        dtype = dtypes.get_default_dtype()
    like = x if isinstance(x, Tensor) else n
    xt, nt = (v.detach().to(dtype) if isinstance(v, Tensor)
              else like._empty_like((), dtype).fill_(v) for v in (x, n))
    degree = trunc(nt)
    valid = (degree.abs() < 2.0 ** 63) & (degree == degree)
    degree = where(valid, degree, -1.0)
    shape = broadcast_shapes(xt.shape, degree.shape)
    return xt.expand(shape), degree.expand(shape)


def _largest_degree(n: Tensor, needed: Tensor) -> int:
    """The largest degree among the elements that run the recurrence (one host read)."""
    if n.numel() == 0:
        return 0
    return int(where(needed, n, 0.0).max().item())


def _recurrence(n: Tensor, first: Tensor | float, second: Tensor, step: Step,
                needed: Tensor) -> Tensor:
    """p_n for each element's own degree n, where p_0 = ``first``, p_1 = ``second`` and
    p_k = ``step(k, p_(k-1), p_(k-2))`` for k >= 2 (elements not ``needed`` with n >= 2 get
    whatever the last step left)."""
    out = where(n == 0, first, second)
    p, q = first, second
    for k in range(2, _largest_degree(n, needed) + 1):
        p, q = q, step(k, q, p)
        out = where(n == k, q, out)
    return out


def _parity_sign(n: Tensor) -> Tensor:
    """(-1)^n for integer n >= 0."""
    return 1 - 2 * (n - 2 * floor(n / 2))


def _chebyshev(kind: str, y: Tensor, n: Tensor, trig_above: int) -> Tensor:
    """The Chebyshev polynomial of the given kind ("t", "u", "v", "w") at y: the recurrence,
    the closed forms, and PyTorch's values at y = +-1."""
    two_y = y + y
    second = {"t": y, "u": two_y, "v": two_y - 1, "w": two_y + 1}[kind]
    sign = _parity_sign(where(n < 0, 0.0, n))
    ends = y.abs() == 1
    trig = (y.abs() < 1) & (n > trig_above)
    hyperbolic = (y.abs() > 1) & (n > _HYPERBOLIC_FROM)
    needed = (n >= 2) & ~(ends | trig | hyperbolic)
    out = _recurrence(n, 1.0, second, lambda k, q, p: two_y * q - p, needed)

    # |y| < 1: y = cos(t)
    t = where(trig, y, 0.0).acos()
    nf = where(trig, n, 0.0)
    if kind == "t":
        closed = (nf * t).cos()
    elif kind == "u":
        s = t.sin()
        closed = where(s != 0, ((nf + 1) * t).sin() / where(s != 0, s, 1.0),
                       (nf + 1) * ((nf + 1) * t).cos() / y)
    elif kind == "v":
        top = (t / 2).sin() == 1
        closed = where(top, sign * (2 * nf + 1), ((nf + 0.5) * t).cos() / (t / 2).cos())
    else:
        top = (t / 2).cos() == 1
        closed = where(top, where(y > 0, 2 * nf + 1, sign),
                       ((nf + 0.5) * t).sin() / where(top, 1.0, (t / 2).sin()))
    out = where(trig, closed, out)

    # |y| > 1: |y| = cosh(t); V and W swap roles for y < -1
    a = where(hyperbolic, y.abs(), 2.0)
    t = a.acosh()
    nh = where(hyperbolic, n, 0.0)
    odd_half_cosh = ((nh + 0.5) * t).cosh() / (t / 2).cosh()
    odd_half_sinh = ((nh + 0.5) * t).sinh() / (t / 2).sinh()
    if kind == "t":
        closed = (nh * t).cosh()
    elif kind == "u":
        closed = ((nh + 1) * t).sinh() / t.sinh()
    elif kind == "v":
        closed = where(y > 0, odd_half_cosh, odd_half_sinh)
    else:
        closed = where(y > 0, odd_half_sinh, odd_half_cosh)
    out = where(hyperbolic, where(y < 0, sign * closed, closed), out)

    at_one = {"t": 1.0, "u": n + 1, "v": 1.0, "w": 2 * n + 1}[kind]
    at_minus_one = {"t": sign, "u": sign * (n + 1), "v": sign * (2 * n + 1), "w": sign}[kind]
    out = where(ends, where(y > 0, at_one, at_minus_one), out)
    return where(n < 0, 0.0, out)


def _chebyshev_op(name: str, kind: str, x: Tensor | Scalar, n: Tensor | Scalar,
                  shifted: bool, trig_above: int) -> Tensor:
    xt, degree = _arguments(name, x, n)
    return in_float64(lambda t, d: _chebyshev(kind, t + t - 1 if shifted else t, d, trig_above),
                      xt, degree)


@op(namespace="special")
def chebyshev_polynomial_t(input: Tensor | Scalar, n: Tensor | Scalar) -> Tensor:  # noqa: A002
    """The Chebyshev polynomial of the first kind T_n(x) (T_n(cos t) = cos(n t)), elementwise
    and broadcast, as ``torch.special.chebyshev_polynomial_t``.

    >>> chebyshev_polynomial_t(tensor([0.5, 2.0]), 3)
    tensor([-1., 26.])
    """
    return _chebyshev_op("special.chebyshev_polynomial_t", "t", input, n, False, 6)


@op(namespace="special")
def chebyshev_polynomial_u(input: Tensor | Scalar, n: Tensor | Scalar) -> Tensor:  # noqa: A002
    """The Chebyshev polynomial of the second kind U_n(x) (U_n(cos t) sin t = sin((n + 1) t)),
    elementwise and broadcast, as ``torch.special.chebyshev_polynomial_u``.

    >>> chebyshev_polynomial_u(tensor([0.5, 2.0]), 3)
    tensor([-1., 56.])
    """
    return _chebyshev_op("special.chebyshev_polynomial_u", "u", input, n, False, 8)


@op(namespace="special")
def chebyshev_polynomial_v(input: Tensor | Scalar, n: Tensor | Scalar) -> Tensor:  # noqa: A002
    """The Chebyshev polynomial of the third kind V_n(x)
    (V_n(cos t) cos(t/2) = cos((n + 1/2) t)), elementwise and broadcast, as
    ``torch.special.chebyshev_polynomial_v``.

    >>> chebyshev_polynomial_v(tensor([0.5, 2.0]), 3)
    tensor([-1., 41.])
    """
    return _chebyshev_op("special.chebyshev_polynomial_v", "v", input, n, False, 8)


@op(namespace="special")
def chebyshev_polynomial_w(input: Tensor | Scalar, n: Tensor | Scalar) -> Tensor:  # noqa: A002
    """The Chebyshev polynomial of the fourth kind W_n(x)
    (W_n(cos t) sin(t/2) = sin((n + 1/2) t)), elementwise and broadcast, as
    ``torch.special.chebyshev_polynomial_w``.

    >>> chebyshev_polynomial_w(tensor([0.5, 2.0]), 3)
    tensor([-1., 71.])
    """
    return _chebyshev_op("special.chebyshev_polynomial_w", "w", input, n, False, 8)


@op(namespace="special")
def shifted_chebyshev_polynomial_t(input: Tensor | Scalar,  # noqa: A002 - PyTorch's name
                                   n: Tensor | Scalar) -> Tensor:
    """T_n(2x - 1), the Chebyshev polynomial of the first kind on [0, 1], elementwise and
    broadcast, as ``torch.special.shifted_chebyshev_polynomial_t``.

    >>> shifted_chebyshev_polynomial_t(tensor([0.25, 1.5]), 3)
    tensor([ 1., 26.])
    """
    return _chebyshev_op("special.shifted_chebyshev_polynomial_t", "t", input, n, True, 6)


@op(namespace="special")
def shifted_chebyshev_polynomial_u(input: Tensor | Scalar,  # noqa: A002 - PyTorch's name
                                   n: Tensor | Scalar) -> Tensor:
    """U_n(2x - 1), the Chebyshev polynomial of the second kind on [0, 1], elementwise and
    broadcast, as ``torch.special.shifted_chebyshev_polynomial_u``."""
    return _chebyshev_op("special.shifted_chebyshev_polynomial_u", "u", input, n, True, 6)


@op(namespace="special")
def shifted_chebyshev_polynomial_v(input: Tensor | Scalar,  # noqa: A002 - PyTorch's name
                                   n: Tensor | Scalar) -> Tensor:
    """V_n(2x - 1), the Chebyshev polynomial of the third kind on [0, 1], elementwise and
    broadcast, as ``torch.special.shifted_chebyshev_polynomial_v``."""
    return _chebyshev_op("special.shifted_chebyshev_polynomial_v", "v", input, n, True, 6)


@op(namespace="special")
def shifted_chebyshev_polynomial_w(input: Tensor | Scalar,  # noqa: A002 - PyTorch's name
                                   n: Tensor | Scalar) -> Tensor:
    """W_n(2x - 1), the Chebyshev polynomial of the fourth kind on [0, 1], elementwise and
    broadcast, as ``torch.special.shifted_chebyshev_polynomial_w``."""
    return _chebyshev_op("special.shifted_chebyshev_polynomial_w", "w", input, n, True, 4)


def _hermite(name: str, x: Tensor | Scalar, n: Tensor | Scalar, physicists: bool) -> Tensor:
    xt, degree = _arguments(name, x, n)
    limit = 128 if xt.dtype is dtypes.float32 else 512  # PyTorch's: NaN above

    def hermite(x: Tensor, n: Tensor) -> Tensor:
        if physicists:
            second, step = x + x, lambda k, q, p: (x + x) * q - (2 * (k - 1)) * p
        else:
            second, step = x, lambda k, q, p: x * q - (k - 1) * p
        out = _recurrence(n, 1.0, second, step, (n >= 2) & (n <= limit))
        return where(n < 0, 0.0, where(n > limit, math.nan, out))

    return in_float64(hermite, xt, degree)


@op(namespace="special")
def hermite_polynomial_h(input: Tensor | Scalar, n: Tensor | Scalar) -> Tensor:  # noqa: A002
    """The physicists' Hermite polynomial H_n(x), elementwise and broadcast, as
    ``torch.special.hermite_polynomial_h`` (NaN for n > 512, or 128 in float32).

    >>> hermite_polynomial_h(tensor([0.5, 2.0]), 3)
    tensor([-5., 40.])
    """
    return _hermite("special.hermite_polynomial_h", input, n, physicists=True)


@op(namespace="special")
def hermite_polynomial_he(input: Tensor | Scalar, n: Tensor | Scalar) -> Tensor:  # noqa: A002
    """The probabilists' Hermite polynomial He_n(x), elementwise and broadcast, as
    ``torch.special.hermite_polynomial_he`` (NaN for n > 512, or 128 in float32).

    >>> hermite_polynomial_he(tensor([0.5, 2.0]), 3)
    tensor([-1.3750,  2.0000])
    """
    return _hermite("special.hermite_polynomial_he", input, n, physicists=False)


def _laguerre(x: Tensor, n: Tensor) -> Tensor:
    # (k + 1) L_(k+1) = (2k + 1 - x) L_k - k L_(k-1), in PyTorch's order of operations
    step = lambda k, q, p: ((2 * (k - 1) + (1 - x)) * q - (k - 1) * p) / k  # noqa: E731
    out = _recurrence(n, 1.0, 1 - x, step, (n >= 2) & (x != 0))
    return where(n < 0, 0.0, where(x == 0, 1.0, out))


def _legendre(x: Tensor, n: Tensor) -> Tensor:
    # (k + 1) P_(k+1) = (2k + 1) x P_k - k P_(k-1), in PyTorch's order of operations
    step = lambda k, q, p: ((2 * (k - 1) + 1) * x * q - (k - 1) * p) / k  # noqa: E731
    ends = x.abs() == 1
    out = _recurrence(n, 1.0, x, step, (n >= 2) & ~ends)
    sign = _parity_sign(where(n < 0, 0.0, n))
    out = where(ends, where(x > 0, 1.0, sign), out)
    return where(n < 0, 0.0, out)


@op(namespace="special")
def laguerre_polynomial_l(input: Tensor | Scalar, n: Tensor | Scalar) -> Tensor:  # noqa: A002
    """The Laguerre polynomial L_n(x), elementwise and broadcast, as
    ``torch.special.laguerre_polynomial_l``.

    >>> laguerre_polynomial_l(tensor([0.5, 2.0]), 3)
    tensor([-0.1458, -0.3333])
    """
    return in_float64(_laguerre, *_arguments("special.laguerre_polynomial_l", input, n))


@op(namespace="special")
def legendre_polynomial_p(input: Tensor | Scalar, n: Tensor | Scalar) -> Tensor:  # noqa: A002
    """The Legendre polynomial P_n(x), elementwise and broadcast, as
    ``torch.special.legendre_polynomial_p``.

    >>> legendre_polynomial_p(tensor([0.5, 2.0]), 3)
    tensor([-0.4375, 17.0000])
    """
    return in_float64(_legendre, *_arguments("special.legendre_polynomial_p", input, n))
