"""Scans (running totals) along a dim: cumsum, cumprod, logcumsumexp, cummax, cummin; and
their inverse, differences: diff; and integrals by the trapezoidal rule: trapezoid (trapz),
cumulative_trapezoid.

The forward is a Hillis-Steele scan built from elementwise kernels: after step ``k`` every
element holds the total of the ``2**k`` elements ending at it, because step ``k`` combines
each element with the one ``2**(k-1)`` before it. ``ceil(log2 n)`` passes finish the scan:
O(N log n) work in a handful of kernel calls, where a loop over the dim would be ``n`` calls
(and an O(n^2) triangular matmul would need an n x n matrix).

``cumsum`` and ``cumprod`` are Functions with explicit backward rules (a reverse cumsum),
cheaper than differentiating through the ``log n`` passes; ``logcumsumexp`` is a composite.
``cummax``/``cummin`` scan (value, position) pairs without autograd, then gather ``x`` at the
positions, so their gradient is gather's.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

from ... import dtypes
from ...autograd.function import Function
from ...creation import arange
from ...dispatch import broadcast_view
from ...tensor import Tensor, _wrap_dim
from ..declare import op
from ..primitive.copy import clone
from ..primitive.elementwise import maximum, where
from ..primitive.indexing import Gather
from ..primitive.reduction import sum as _sum
from ..primitive.views import reshape
from .indexing import cat, narrow
from .rearrange import flip


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
    elif not x.dtype.is_inexact:
        x = x.to(dtypes.int64)
    return x, d


@op(variants="function, method", inplace=True)
def cumsum(x: Tensor, dim: int, *, dtype: dtypes.DType | None = None) -> Tensor:
    """Running sum along ``dim``, as ``torch.cumsum`` (integers and bool sum to int64).

    >>> cumsum(tensor([1, 2, 3]), 0)
    tensor([1, 3, 6])
    """
    x, d = _scan_input(x, dim, dtype)
    if x.dim() == 0 or x.shape[d] <= 1:
        return clone(x)
    return Cumsum.apply(x, d)


@op(variants="function, method", inplace=True)
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


@op(variants="function, method")
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


# -- cummax, cummin ------------------------------------------------------------------------
class CummaxResult(NamedTuple):
    """``(values, indices)`` of :func:`cummax`, as ``torch.return_types.cummax``."""

    values: Tensor
    indices: Tensor


class CumminResult(NamedTuple):
    """``(values, indices)`` of :func:`cummin`, as ``torch.return_types.cummin``."""

    values: Tensor
    indices: Tensor


def _running_extreme_positions(x: Tensor, d: int, largest: bool) -> Tensor:
    """Where the running max (or min) of ``x`` along ``d`` is, as PyTorch's cummax: on ties
    the latest position, and a NaN, once seen, stays the extreme (the latest NaN's position).

    A scan over (value, position) pairs: combining an earlier pair with a later one keeps
    the later one when its value is at least as extreme, or NaN, and the earlier one is not
    NaN. That rule is associative, so the log-depth scan applies.
    """
    n = x.shape[d]
    values = x.detach()
    shape = tuple(n if i == d else 1 for i in range(x.dim()))
    positions = broadcast_view(reshape(arange(n, device=x.device), shape), x.shape)
    floating = x.dtype.is_floating_point
    shift = 1
    while shift < n:
        earlier, later = narrow(values, d, 0, n - shift), narrow(values, d, shift, n - shift)
        take_later = later >= earlier if largest else later <= earlier
        if floating:  # NaN beats every number; a later NaN replaces an earlier one
            take_later = (take_later & (earlier == earlier)) | (later != later)
        values = cat([narrow(values, d, 0, shift), where(take_later, later, earlier)], d)
        positions = cat([narrow(positions, d, 0, shift),
                         where(take_later, narrow(positions, d, shift, n - shift),
                               narrow(positions, d, 0, n - shift))], d)
        shift *= 2
    return positions


def _cum_extreme(x: Tensor, dim: int, largest: bool) -> tuple[Tensor, Tensor]:
    d = _wrap_dim(dim, x.dim())
    if x.dim() == 0:
        return clone(x), x._empty_like(dtype=dtypes.int64).zero_()
    if x.numel() == 0:
        return clone(x), x._empty_like(dtype=dtypes.int64)
    indices = _running_extreme_positions(x, d, largest)
    return Gather.apply(x, d, indices), indices  # in range by construction: no bounds check


@op(variants="function, method")
def cummax(x: Tensor, dim: int) -> CummaxResult:
    """The running maximum along ``dim`` and where it was found, as ``torch.cummax``: on
    ties the latest position; NaN, once reached, stays the maximum.

    >>> cummax(tensor([1, 3, 2, 3]), 0)
    CummaxResult(values=tensor([1, 3, 3, 3]), indices=tensor([0, 1, 1, 3]))
    """
    return CummaxResult(*_cum_extreme(x, dim, True))


@op(variants="function, method")
def cummin(x: Tensor, dim: int) -> CumminResult:
    """The running minimum along ``dim`` and where it was found, as ``torch.cummin``: on
    ties the latest position; NaN, once reached, stays the minimum."""
    return CumminResult(*_cum_extreme(x, dim, False))


# -- differences ---------------------------------------------------------------------------
@op(variants="function, method")
def diff(x: Tensor, n: int = 1, dim: int = -1, prepend: Tensor | None = None,
         append: Tensor | None = None) -> Tensor:
    """The ``n``-th forward difference ``out[i] = x[i + 1] - x[i]`` along ``dim``, as
    ``torch.diff``, after joining ``prepend`` and ``append`` to ``x`` along ``dim``; for
    bool tensors the difference is ``!=``. ``n=0`` gives a copy of ``x`` without them.

    >>> diff(tensor([1, 4, 9, 16]))
    tensor([3, 5, 7])
    """
    if x.dim() == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    d = _wrap_dim(dim, x.dim())
    pieces = []
    for label, t in (("prepend", prepend), ("input", x), ("append", append)):
        if t is None:
            continue
        if not isinstance(t, Tensor):
            raise TypeError(f"diff(): argument '{label}' must be Tensor, not "
                            f"{type(t).__name__}")
        if t.dim() != x.dim():
            raise RuntimeError(f"diff expects prepend or append to be the same dimension as "
                               f"input ({label} is {t.dim()}-D, input {x.dim()}-D)")
        for i in range(x.dim()):
            if i != d and t.shape[i] != x.shape[i]:
                raise RuntimeError(f"diff expects the shape of tensor to prepend or append to "
                                   f"match that of input except along the differencing "
                                   f"dimension; input.size({i}) = {x.shape[i]}, but got "
                                   f"tensor.size({i}) = {t.shape[i]}")
        pieces.append(t)
    if n == 0:  # PyTorch checks prepend/append, then returns a copy of the input alone
        return clone(x)
    out = cat(pieces, d) if len(pieces) > 1 else clone(x)
    for _ in range(n):
        size = out.shape[d]
        if size == 0:
            break
        later, earlier = narrow(out, d, 1, size - 1), narrow(out, d, 0, size - 1)
        out = later != earlier if out.dtype is dtypes.bool_ else later - earlier
    return out


def _trapezoid_terms(name: str, y: Tensor, x: Tensor | None, dx: float | None, dim: int
                     ) -> tuple[Tensor, Tensor | float, int]:
    """The trapezoid rule's pieces along ``dim``: the sums ``y[i] + y[i + 1]`` (floats), the
    spacings ``x[i + 1] - x[i]`` (a tensor) or the constant spacing (a number), and the wrapped
    dim."""
    if x is not None and not isinstance(x, Tensor):
        raise TypeError(f"{name}(): x must be a Tensor (pass a constant spacing as dx=), "
                        f"got {type(x).__name__}")
    if x is not None and dx is not None:
        raise TypeError(f"{name}(): pass either the sample points x or the spacing dx, "
                        "not both")
    if y.dim() == 0:
        raise IndexError(f"{name}(): dimension {dim} is out of range for a 0-d tensor")
    d = _wrap_dim(dim, y.dim())
    if not y.dtype.is_floating_point:
        y = y.to(dtypes.get_default_dtype())
    n = y.shape[d]
    pair_sums = narrow(y, d, 1, max(n - 1, 0)) + narrow(y, d, 0, max(n - 1, 0))
    if x is None:
        return pair_sums, 1.0 if dx is None else dx, d
    if x.dim() == 1:
        if x.shape[0] != n:
            raise RuntimeError(f"{name}: There must be one `x` value for each sample point "
                               f"(x has {x.shape[0]}, y has {n} along dim {d})")
        x = reshape(x, tuple(n if i == d else 1 for i in range(y.dim())))
    return pair_sums, diff(x, dim=d - y.dim()) if n > 1 else 0.0, d


@op(aliases=("trapz",))
def trapezoid(y: Tensor, x: Tensor | None = None, *, dx: float | None = None,
              dim: int = -1) -> Tensor:
    """The integral of ``y`` along ``dim`` by the trapezoidal rule, as ``torch.trapezoid``
    (and ``torch.trapz``): ``sum((y[i] + y[i + 1]) / 2 * (x[i + 1] - x[i]))``, with sample
    points ``x`` (1-D along ``dim``, or broadcasting with ``y``) or a constant spacing ``dx``
    (default 1).

    >>> trapezoid(tensor([1.0, 2.0, 4.0]), tensor([0.0, 1.0, 3.0]))
    tensor(7.5000)
    """
    pair_sums, spacing, d = _trapezoid_terms("trapezoid", y, x, dx, dim)
    if pair_sums.shape[d] == 0:  # nothing to integrate: zeros with dim removed
        return _sum(pair_sums, d)
    if not isinstance(spacing, Tensor):
        return _sum(pair_sums, d) * (spacing / 2)
    return _sum(pair_sums * spacing, d) / 2


@op
def cumulative_trapezoid(y: Tensor, x: Tensor | None = None, *, dx: float | None = None,
                         dim: int = -1) -> Tensor:
    """The running integral of ``y`` along ``dim`` by the trapezoidal rule, as
    ``torch.cumulative_trapezoid``: element ``i`` is ``trapezoid`` of the first ``i + 2``
    samples, so ``dim`` is one shorter than ``y``'s.

    >>> cumulative_trapezoid(tensor([1.0, 2.0, 4.0]), tensor([0.0, 1.0, 3.0]))
    tensor([1.5000, 7.5000])
    """
    pair_sums, spacing, d = _trapezoid_terms("cumulative_trapezoid", y, x, dx, dim)
    if not isinstance(spacing, Tensor):
        return cumsum(pair_sums * (spacing / 2), d)
    return cumsum(pair_sums * spacing / 2, d)
