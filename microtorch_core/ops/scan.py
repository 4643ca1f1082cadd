"""Scans (running totals) along a dim: cumsum, cumprod, logcumsumexp.

The forward is a Hillis-Steele scan built from elementwise kernels: after step ``k`` every
element holds the total of the ``2**k`` elements ending at it, because step ``k`` combines
each element with the one ``2**(k-1)`` before it. ``ceil(log2 n)`` passes finish the scan:
O(N log n) work in a handful of kernel calls, where a loop over the dim would be ``n`` calls
(and an O(n^2) triangular matmul would need an n x n matrix).

``cumsum`` and ``cumprod`` are Functions with explicit backward rules (a reverse cumsum),
cheaper than differentiating through the ``log n`` passes; ``logcumsumexp`` is a composite.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from .. import dtypes
from ..autograd.function import Function
from ..tensor import Tensor, _wrap_dim
from .elementwise import maximum, where
from .indexing import cat, narrow
from .rearrange import flip
from .views import clone


def _scan(x: Tensor, dim: int, combine: Callable[[Tensor, Tensor], Tensor]) -> Tensor:
    """Inclusive scan of ``x`` along ``dim`` with the associative ``combine``."""
    n, shift = x.shape[dim], 1
    while shift < n:
        # the first `shift` elements are final; every later one takes in the one `shift` back
        done = narrow(x, dim, 0, shift)
        x = cat([done, combine(narrow(x, dim, shift, n - shift), narrow(x, dim, 0, n - shift))],
                dim)
        shift *= 2
    return x


def _reverse_cumsum(grad: Tensor, dim: int) -> Tensor:
    """out[i] = grad[i] + grad[i + 1] + ... along ``dim`` (the backward of a cumsum)."""
    return flip(cumsum(flip(grad, (dim,)), dim), (dim,))


class Cumsum(Function):
    """out[i] = x[0] + ... + x[i] along dim"""

    @staticmethod
    def forward(ctx, x: Tensor, dim: int) -> Tensor:
        ctx.dim = dim
        return _scan(x, dim, lambda a, b: a + b)

    @staticmethod
    def backward(ctx, grad):
        # x[k] appears in out[k], out[k + 1], ...: its gradient sums theirs
        return _reverse_cumsum(grad, ctx.dim), None


class Cumprod(Function):
    """out[i] = x[0] * ... * x[i] along dim"""

    @staticmethod
    def forward(ctx, x: Tensor, dim: int) -> Tensor:
        ctx.dim = dim
        out = _scan(x, dim, lambda a, b: a * b)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        # d out[i] / d x[k] = prod(x[j] for j <= i, j != k) for i >= k. Without zeros that is
        # out[i] / x[k], so the gradient is reverse_cumsum(grad * out)[k] / x[k]. With zeros
        # (PyTorch's rule): before the first zero the same formula holds; at the first zero z
        # it is reverse_cumsum(grad * cumprod(x with x[z] = 1))[z]; after it every product
        # contains x[z] = 0, so the gradient is 0.
        x, out = ctx.saved_tensors
        d = ctx.dim
        is_zero = x == 0
        if not is_zero.any().item():  # one host sync spares a second scan in the usual case
            return _reverse_cumsum(grad * out, d) / x, None
        zeros_so_far = cumsum(is_zero, d)
        before = zeros_so_far == 0
        first = is_zero & (zeros_so_far == 1)
        grad_before = _reverse_cumsum(grad * out, d) / where(before, x, 1.0)
        grad_first = _reverse_cumsum(grad * cumprod(where(first, 1.0, x), d), d)
        return where(before, grad_before, where(first, grad_first, 0.0)), None


def _scan_input(x: Tensor, dim: int, dtype: dtypes.DType | None) -> tuple[Tensor, int]:
    """``x`` in the result dtype (``dtype``, or int64 for integers and bool, as PyTorch) and
    ``dim`` wrapped."""
    d = _wrap_dim(dim, x.dim())
    dtype = dtypes.as_dtype(dtype)
    if dtype is not None:
        x = x.to(dtype)
    elif not x.dtype.is_floating_point:
        x = x.to(dtypes.int64)
    return x, d


def cumsum(x: Tensor, dim: int, *, dtype: dtypes.DType | None = None) -> Tensor:
    """Running sum along ``dim``, as ``torch.cumsum`` (integers and bool sum to int64).

    >>> cumsum(tensor([1, 2, 3]), 0)
    tensor([1, 3, 6])
    """
    x, d = _scan_input(x, dim, dtype)
    if x.dim() == 0 or x.shape[d] <= 1:
        return clone(x)
    return Cumsum.apply(x, d)


def cumprod(x: Tensor, dim: int, *, dtype: dtypes.DType | None = None) -> Tensor:
    """Running product along ``dim``, as ``torch.cumprod``; its gradient is right where ``x``
    has zeros too.

    >>> cumprod(tensor([1, 2, 3]), 0)
    tensor([1, 2, 6])
    """
    x, d = _scan_input(x, dim, dtype)
    if x.dim() == 0 or x.shape[d] <= 1:
        return clone(x)
    return Cumprod.apply(x, d)


def _logaddexp(a: Tensor, b: Tensor) -> Tensor:
    """log(exp(a) + exp(b)), shifted by the larger of the two so nothing overflows."""
    m = maximum(a, b).detach()
    m = where(m.abs() == math.inf, 0.0, m)  # keep -inf and inf inputs from giving nan
    return ((a - m).exp() + (b - m).exp()).log() + m


def logcumsumexp(x: Tensor, dim: int) -> Tensor:
    """log(cumsum(exp(x))) along ``dim``, computed stably, as ``torch.logcumsumexp``: each
    scan step is a shifted ``logaddexp``, so ``[-1000, 0]`` gives ``[-1000, 0]``, not
    ``[-inf, 0]``. A composite: its gradient comes from the ``log n`` passes.
    """
    if not x.dtype.is_floating_point:
        raise RuntimeError(f"logcumsumexp(): expected a floating point tensor, got "
                           f"{x.dtype.name}; convert it with .to(float32) first")
    d = _wrap_dim(dim, x.dim())
    if x.dim() == 0 or x.shape[d] <= 1:
        return clone(x)
    return _scan(x, d, _logaddexp)
