"""Selections by order, over ``sort`` (``primitive/sort.py``): ``msort``, ``topk``,
``kthvalue`` and ``median``.

Each sorts along the dim, then picks positions from the sorted values and indices; the
gradient goes back through the gather of the picked values. ``median`` of an even count is the
lower of the two middle values, as PyTorch's.
"""

from __future__ import annotations

import math

from ...autograd.function import Function
from ...tensor import Tensor, _wrap_dim
from ..declare import op
from ..primitive.elementwise import where
from ..primitive.indexing import Gather
from ..primitive.sort import SortResult, sort
from ..primitive.views import reshape
from .indexing import narrow


class TopKResult(SortResult):
    """``(values, indices)`` of :func:`topk`, as ``torch.return_types.topk``."""

    __slots__ = ()


class KthvalueResult(SortResult):
    """``(values, indices)`` of :func:`kthvalue`, as ``torch.return_types.kthvalue``."""

    __slots__ = ()


class MedianResult(SortResult):
    """``(values, indices)`` of :func:`median` along a dim, as ``torch.return_types.median``."""

    __slots__ = ()


@op(variants="function, method")
def msort(x: Tensor) -> Tensor:
    """``x`` sorted along its first dim: ``sort(x, dim=0).values``, as ``torch.msort``."""
    return sort(x, 0).values


def _dim_size(x: Tensor, d: int) -> int:
    return x.shape[d] if x.dim() else 1


@op(variants="function, method")
def topk(x: Tensor, k: int, dim: int = -1, largest: bool = True,
         sorted: bool = True) -> TopKResult:  # noqa: A002 - PyTorch's argument name
    """The ``k`` largest (or smallest) elements along ``dim`` and their indices, as
    ``torch.topk``: a stable sort, then the first ``k``. NaN counts as the largest value.
    The result is always in sorted order (``sorted=False`` allows any order in PyTorch).

    >>> topk(tensor([1.0, 5.0, 3.0, 4.0]), 2)
    TopKResult(values=tensor([5., 4.]), indices=tensor([1, 3]))
    """
    d = _wrap_dim(dim, x.dim())
    n = _dim_size(x, d)
    if not isinstance(k, int) or not 0 <= k <= n:
        raise RuntimeError(f"topk(): k={k!r} is out of range for dimension {d} of size {n} "
                           f"(expected 0 <= k <= {n})")
    values, indices = sort(x, d, descending=largest)
    if x.dim() == 0:
        return TopKResult(values, indices)
    return TopKResult(narrow(values, d, 0, k), narrow(indices, d, 0, k))


def _select(values: Tensor, indices: Tensor, d: int, position: Tensor | int,
            keepdim: bool) -> tuple[Tensor, Tensor]:
    """The element at ``position`` along ``d`` of sorted values and indices."""
    if isinstance(position, int):
        values, indices = narrow(values, d, position, 1), narrow(indices, d, position, 1)
    else:
        # positions come from the sort itself: in range, so no bounds check (no sync)
        values = Gather.apply(values, d, position)
        indices = Gather.apply(indices, d, position)
    if not keepdim:
        values, indices = values.squeeze(d), indices.squeeze(d)
    return values, indices


@op(variants="function, method")
def kthvalue(x: Tensor, k: int, dim: int = -1, keepdim: bool = False) -> KthvalueResult:
    """The ``k``-th smallest element (``k`` from 1) along ``dim`` and its index, as
    ``torch.kthvalue``; NaN counts as the largest value.

    >>> kthvalue(tensor([4.0, 1.0, 3.0]), 2)
    KthvalueResult(values=tensor(3.), indices=tensor(2))
    """
    d = _wrap_dim(dim, x.dim())
    n = _dim_size(x, d)
    if not isinstance(k, int) or not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): k={k!r} is out of range for dimension {d} of size "
                           f"{n} (expected 1 <= k <= {n})")
    values, indices = sort(x, d)
    if x.dim() == 0:
        return KthvalueResult(values, indices)
    return KthvalueResult(*_select(values, indices, d, k - 1, keepdim))


class MedianAll(Function):
    """out = the lower median of all elements; tied elements share the gradient evenly"""

    @staticmethod
    def forward(ctx, x: Tensor) -> Tensor:
        out = _median_along(reshape(x, (-1,)), 0, False).values
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        # as PyTorch: every element equal to the median (every NaN, for a NaN median) gets
        # an equal share, so the gradient does not depend on which tie the sort picked
        x, out = ctx.saved_tensors
        mask = (x == out) | ((x != x) & (out != out))
        return grad * mask / mask.sum()


def _median_along(x: Tensor, d: int, keepdim: bool) -> MedianResult:
    n = x.shape[d]
    if n == 0:
        raise IndexError(f"median(): cannot take the median over dimension {d} of size 0 "
                         f"(input shape {tuple(x.shape)})")
    values, indices = sort(x, d)
    position: Tensor | int = (n - 1) // 2
    if x.dtype.is_floating_point:
        # a slice with NaNs has median NaN (the first one, as PyTorch): sorted NaNs sit at
        # the end in their original order, so the first is at n - (number of NaNs)
        nans = (x != x).sum(d, keepdim=True)
        position = where(nans > 0, n - nans, (n - 1) // 2)
    return MedianResult(*_select(values, indices, d, position, keepdim))


@op(variants="function, method")
def median(x: Tensor, dim: int | None = None, keepdim: bool = False
           ) -> Tensor | MedianResult:
    """The lower median (the middle element, the smaller of the two middle ones for an even
    count), as ``torch.median``; NaN if there is a NaN.

    ``x.median()`` is a 0-d tensor (an empty floating input gives NaN); ``x.median(dim)`` is
    ``(values, indices)`` along ``dim``.

    >>> median(tensor([4.0, 1.0, 3.0, 2.0]))
    tensor(2.)
    >>> median(tensor([[4.0, 1.0, 3.0]]), 1)
    MedianResult(values=tensor([3.]), indices=tensor([2]))
    """
    if dim is None:
        if x.numel() == 0:
            if not x.dtype.is_floating_point:
                raise RuntimeError(f"median(): the median of an empty {x.dtype.name} tensor "
                                   f"is undefined (an empty floating tensor gives nan)")
            return x._empty_like(()).fill_(math.nan)
        return MedianAll.apply(x)
    d = _wrap_dim(dim, x.dim())
    if x.dim() == 0:
        values, indices = sort(x)
        return MedianResult(values, indices)
    return _median_along(x, d, keepdim)
