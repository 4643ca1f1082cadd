"""Composite ops, written once from primitives: they work on every backend and their
gradients come from the primitives'. A backend may register a faster kernel for some of them
(``OPTIONAL_KERNELS`` in ``backend.py``)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from .. import dtypes
from ..autograd.function import Function
from ..tensor import Tensor, _wrap_dim
from .elementwise import dispatch_binary, same_device, where
from .linalg import mm
from .reduction import amax, logsumexp
from .reduction import sum as _sum


class ReLU(Function):
    """out = max(x, 0); the gradient at 0 is 0, as in PyTorch"""

    @staticmethod
    def forward(ctx, x):
        out = dispatch_binary("maximum", x, 0)  # NaN stays NaN, as torch.relu
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return where(out > 0, grad, 0.0)


def relu(x: Tensor) -> Tensor:
    """max(x, 0), elementwise."""
    if x.dtype is dtypes.bool_:
        raise RuntimeError("relu is not implemented for bool tensors")
    return ReLU.apply(x)


def square(x: Tensor) -> Tensor:
    """x * x (bool becomes int64 first, as in PyTorch)"""
    if x.dtype is dtypes.bool_:
        x = x.to(dtypes.int64)
    return x * x


def rsqrt(x: Tensor) -> Tensor:
    """1 / sqrt(x)"""
    return 1 / x.sqrt()


def reciprocal(x: Tensor) -> Tensor:
    """1 / x"""
    return 1 / x


# log(1 + x) and e^x - 1 lose every digit of a tiny x to rounding (1 + 1e-10 is 1 in float32).
# Kahan's corrections recover them from the same primitives: with u = fl(1 + x), the error
# of log(u) is cancelled by multiplying by x / (u - 1), which is exactly how far u is from 1
# relative to x; expm1 is the mirror image. (Goldberg, "What every computer scientist should
# know about floating-point arithmetic", 1991.)
class Log1p(Function):
    """out = ln(1 + x)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        u = x + 1
        exact = u.log() * (x / where(u == 1, 1.0, u - 1))
        return where((u == 1) | (u == math.inf), x, exact)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (x + 1)


class Expm1(Function):
    """out = e^x - 1"""

    @staticmethod
    def forward(ctx, x):
        u = x.exp()
        exact = (u - 1) * (x / where((u == 1) | (u == 0) | (u == math.inf), 1.0, u.log()))
        out = where(u == 1, x, where((u - 1 == -1) | (u == math.inf), u - 1, exact))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * (out + 1)


def _floating(x: Tensor) -> Tensor:
    """``x`` as floating point: integers and bools promote to the default float dtype."""
    return x if x.dtype.is_floating_point else x * 1.0


def log1p(x: Tensor) -> Tensor:
    """ln(1 + x), accurate for tiny x."""
    return Log1p.apply(_floating(x))


def expm1(x: Tensor) -> Tensor:
    """e^x - 1, accurate for tiny x."""
    return Expm1.apply(_floating(x))


def clamp(x: Tensor, min=None, max=None) -> Tensor:  # noqa: A002
    """Limit values to [min, max]; the gradient passes where min <= x <= max, as PyTorch."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    out = x  # tensor bounds promote with x, as in PyTorch (int x, float bounds: float)
    if min is not None:
        out = where(out < min, min, out)
    if max is not None:
        out = where(out > max, max, out)
    return out


clip = clamp


def clamp_min(x: Tensor, min) -> Tensor:  # noqa: A002
    """max(x, min), elementwise: ``clamp(x, min=min)``."""
    return clamp(x, min=min)


def clamp_max(x: Tensor, max) -> Tensor:  # noqa: A002
    """min(x, max), elementwise: ``clamp(x, max=max)``."""
    return clamp(x, max=max)


def _softmax_input(x: Tensor, dim: int | None, dtype: dtypes.DType | None
                   ) -> tuple[Tensor, int]:
    """The input converted as PyTorch does (to ``dtype``, or integers to float) and ``dim``."""
    if dim is None:
        raise TypeError("softmax() missing the dim argument (PyTorch deprecated the implicit "
                        "choice; pass dim=-1 for the last dimension)")
    d = _wrap_dim(dim, x.dim())
    if dtype is not None:
        x = x.to(dtype)
    elif not x.dtype.is_floating_point:
        x = x.to(dtypes.get_default_dtype())
    return x, d


class FusedSoftmax(Function):
    """out = softmax(x) by a backend's fused kernel; backward in Tensor ops"""

    @staticmethod
    def forward(ctx, x, dim, log):
        out = x._empty_like()
        (x._kernels.log_softmax if log else x._kernels.softmax)(out, x, dim)
        ctx.dim, ctx.log = dim, log
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        if ctx.log:
            return grad - out.exp() * grad.sum(ctx.dim, keepdim=True), None, None
        return out * (grad - (grad * out).sum(ctx.dim, keepdim=True)), None, None


def softmax(x: Tensor, dim: int | None = None, dtype: dtypes.DType | None = None) -> Tensor:
    """exp(x) / sum(exp(x)) along ``dim``, computed stably."""
    x, d = _softmax_input(x, dim, dtype)
    if x._kernels.softmax is not None and x.dim():
        return FusedSoftmax.apply(x, d, False)
    m = amax(x, d, keepdim=True).detach()
    m = where(m.abs() == math.inf, 0.0, m)  # a row of -inf: nan from 0 / 0, not from inf - inf
    e = (x - m).exp()
    return e / _sum(e, d, keepdim=True)


def log_softmax(x: Tensor, dim: int | None = None, dtype: dtypes.DType | None = None) -> Tensor:
    """x - logsumexp(x) along ``dim``."""
    x, d = _softmax_input(x, dim, dtype)
    if x._kernels.log_softmax is not None and x.dim():
        return FusedSoftmax.apply(x, d, True)
    return x - logsumexp(x, d, keepdim=True)


def lerp(start: Tensor, end: Tensor, weight) -> Tensor:
    """start + weight * (end - start), for floating tensors of one dtype (as PyTorch: a
    float64 ``end`` would silently promote a float32 ``start``)."""
    if not start.dtype.is_floating_point:
        raise RuntimeError(f"lerp: expected a floating point start, got {start.dtype.name}")
    for name, t in (("end", end), ("weight", weight)):
        if isinstance(t, Tensor) and t.dtype is not start.dtype:
            raise RuntimeError(f"lerp: expected dtype {start.dtype.name} for `{name}` but got "
                               f"dtype {t.dtype.name}")
    return start + weight * (end - start)


def isnan(x: Tensor) -> Tensor:
    """True where x is NaN."""
    return x != x


def isinf(x: Tensor) -> Tensor:
    return x.abs() == math.inf


def isfinite(x: Tensor) -> Tensor:
    return (x == x) & (x.abs() != math.inf)


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


def allclose(a: Tensor, b: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    """True (a Python bool) if ``isclose(a, b, ...)`` holds everywhere."""
    return bool(isclose(a, b, rtol, atol, equal_nan).all().item())


def equal(a: Tensor, b: Tensor) -> bool:
    """True (a Python bool) if ``a`` and ``b`` have the same shape and equal elements (after
    type promotion; NaN equals nothing), as ``torch.equal``."""
    same_device(a, b)
    return a.shape == b.shape and bool((a.detach() == b.detach()).all().item())


def tensordot(a: Tensor, b: Tensor, dims: int | tuple[Sequence[int], Sequence[int]] = 2
              ) -> Tensor:
    """Sum of products over pairs of dims, as ``torch.tensordot``: ``dims=k`` contracts the
    last ``k`` dims of ``a`` with the first ``k`` of ``b``; ``dims=([1, 0], [0, 2])`` names
    the pairs. One ``mm`` after moving the contracted dims together.

    >>> tensordot(ones(2, 3, 4), ones(3, 4, 5)).shape
    (2, 5)
    """
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > a.dim() or dims > b.dim():
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got "
                               f"dims={dims} (ndim_a={a.dim()}, ndim_b={b.dim()})")
        dims_a, dims_b = list(range(a.dim() - dims, a.dim())), list(range(dims))
    else:
        dims_a, dims_b = ([d] if isinstance(d, int) else list(d) for d in dims)
        if len(dims_a) != len(dims_b):
            raise RuntimeError(f"both dimension lists should have same length (got {dims_a} "
                               f"and {dims_b})")
    if a.dtype is not b.dtype:
        raise RuntimeError(f"both inputs should have same dtype (got {a.dtype.name} and "
                           f"{b.dtype.name})")
    dims_a = [_wrap_dim(d, a.dim()) for d in dims_a]
    dims_b = [_wrap_dim(d, b.dim()) for d in dims_b]
    for da, db in zip(dims_a, dims_b):
        if a.shape[da] != b.shape[db]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size "
                               f"{a.shape[da]} in dim {da} and second has size {b.shape[db]} "
                               f"in dim {db}")
    free_a = [d for d in range(a.dim()) if d not in dims_a]
    free_b = [d for d in range(b.dim()) if d not in dims_b]
    k = math.prod(a.shape[d] for d in dims_a)
    a2 = a.permute(free_a + dims_a).reshape(math.prod(a.shape[d] for d in free_a), k)
    b2 = b.permute(dims_b + free_b).reshape(k, math.prod(b.shape[d] for d in free_b))
    out_shape = tuple(a.shape[d] for d in free_a) + tuple(b.shape[d] for d in free_b)
    return mm(a2, b2).reshape(out_shape)



# Floating values at or above 2**52 are integers already; below, an int64 round trip
# truncates toward zero, which the comparison turns into rounding down.
_EXACT_INT = 2.0 ** 52


def floor(x: Tensor) -> Tensor:
    """Largest integer <= x, elementwise (integers are returned as they are). Its gradient is
    zero almost everywhere, so the result records no graph."""
    if not x.dtype.is_floating_point:
        return x.clone()
    x = x.detach()
    small = x.abs() < _EXACT_INT  # False for NaN, infinities and huge values: kept as they are
    truncated = where(small, x, 0.0).to(dtypes.int64).to(x.dtype)
    return where(small, where(truncated > x, truncated - 1, truncated), x)


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


def floor_divide(a, b) -> Tensor:
    """``a // b``: the quotient rounded toward minus infinity, as Python's ``//``.

    Integers are divided in float64, so they are exact while ``|a|`` stays below 2**53."""
    dtype = _division_dtype(a, b)
    compute = dtype if dtype.is_floating_point else dtypes.float64
    q = floor(dispatch_binary("div", _detached(a), _detached(b), compute_dtype=compute))
    if dtype.is_floating_point and isinstance(a, Tensor):
        q = where(isinf(a.detach()), math.nan, q)  # inf // b is nan, as in Python and PyTorch
    return q.to(dtype)


def remainder(a, b) -> Tensor:
    """``a % b``: ``a - (a // b) * b``, with the sign of the divisor as Python's ``%``."""
    dtype = _division_dtype(a, b)
    q = floor_divide(a, b)
    return a - q * b if dtype.is_floating_point else (a - q * b).to(dtype)


def _detached(x):
    return x.detach() if isinstance(x, Tensor) else x
