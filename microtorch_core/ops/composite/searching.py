"""Questions about values in sorted order: unique, unique_consecutive, bincount, searchsorted,
bucketize.

``unique`` sorts (``sorting.py``), marks where a new value starts, numbers the runs with a
``cumsum`` and scatters (``unique_consecutive`` does the same without the sort); the number
of distinct values sets the result's size, so it is read on the host once, as ``nonzero``
does. ``bincount`` is a ``scatter_add`` of ones (or weights). ``searchsorted`` counts, for
each value, the boundaries that come before it: a broadcast comparison and a sum, with memory
``values.numel() * boundaries.size(-1)``.
None records a graph except ``bincount``'s weights.
"""

from __future__ import annotations

from ... import dtypes
from ...creation import arange
from ...dispatch import broadcast_view, cast, same_device
from ...tensor import Tensor, _wrap_dim
from ..declare import op
from ..primitive.indexing import (
    Gather,
    ScatterAdd,
    _check_in_range,
    _check_index_tensor,
    index_range,
    index_select_unchecked,
    scatter_add_into,
    scatter_into,
)
from ..primitive.sort import argsort, sort
from ..primitive.views import movedim, reshape
from .indexing import cat, narrow
from .scan import cumsum


def _runs(sorted_keys: Tensor) -> tuple[Tensor, int]:
    """For rows already sorted along dim 0 (1-D keys, or 2-D rows compared whole): the run
    number of each row (0, 0, 1, 2, 2, ...) and the number of runs (one host read)."""
    n = sorted_keys.shape[0]
    changed = narrow(sorted_keys, 0, 1, n - 1) != narrow(sorted_keys, 0, 0, n - 1)
    if changed.dim() > 1:
        changed = changed.any(1)
    first = changed._empty_like((1,)).fill_(True)
    run = cumsum(cat([first, changed]), 0) - 1
    return run, int(narrow(run, 0, n - 1, 1).item()) + 1


def _lexicographic_order(rows: Tensor) -> Tensor:
    """The stable order that sorts the rows of a 2-D tensor lexicographically: one stable
    sort per column, last column first (a least-significant-digit radix sort)."""
    order = arange(rows.shape[0], device=rows.device)
    for col in range(rows.shape[1] - 1, -1, -1):
        keys = index_select_unchecked(rows[:, col], 0, order)
        order = index_select_unchecked(order, 0, argsort(keys, stable=True))
    return order


@op(variants="function, method")
def unique(x: Tensor, sorted: bool = True, return_inverse: bool = False,  # noqa: A002
           return_counts: bool = False, dim: int | None = None):
    """The distinct elements of ``x`` (of the flattened tensor, or the distinct slices along
    ``dim``), in ascending order, as ``torch.unique``; with ``return_inverse`` also where
    each element went (``x == out[inverse]``), with ``return_counts`` how often each
    occurs. NaNs are all distinct, as in PyTorch. The result is always sorted
    (``sorted=False`` allows any order in PyTorch).

    >>> unique(tensor([3, 1, 3, 2]), return_inverse=True, return_counts=True)
    (tensor([1, 2, 3]), tensor([2, 0, 2, 1]), tensor([1, 1, 2]))
    """
    return _unique(x, return_inverse, return_counts, dim, presorted=False)


@op(variants="function, method")
def unique_consecutive(x: Tensor, return_inverse: bool = False, return_counts: bool = False,
                       dim: int | None = None):
    """``x`` (flattened, or its slices along ``dim``) with each run of consecutive equal
    elements collapsed to one, as ``torch.unique_consecutive``; with ``return_inverse`` also
    the run of each element, with ``return_counts`` the length of each run. NaNs are all
    distinct.

    >>> unique_consecutive(tensor([1, 1, 2, 2, 3, 1]), return_counts=True)
    (tensor([1, 2, 3, 1]), tensor([2, 2, 1, 1]))
    """
    return _unique(x, return_inverse, return_counts, dim, presorted=True)


def _unique(x: Tensor, return_inverse: bool, return_counts: bool, dim: int | None,
            presorted: bool):
    x = x.detach()
    if dim is None:
        values, inverse, counts = _unique_flat(x, presorted)
    else:
        values, inverse, counts = _unique_dim(x, _wrap_dim(dim, x.dim()), presorted)
    extra = ((inverse,) if return_inverse else ()) + ((counts,) if return_counts else ())
    return (values, *extra) if extra else values


def _unique_flat(x: Tensor, presorted: bool) -> tuple[Tensor, Tensor, Tensor]:
    flat = reshape(x, (-1,))
    n = flat.shape[0]
    if n == 0:
        empty = flat._empty_like((0,), dtypes.int64)
        return flat.clone(), reshape(empty, x.shape), empty
    values, order = (flat, None) if presorted else sort(flat)
    run, k = _runs(values)
    out = flat._empty_like((k,))
    scatter_into(out, 0, run, values)  # every element of a run is equal: any write wins
    return out, reshape(_inverse(order, run), x.shape), _counts(run, k)


def _unique_dim(x: Tensor, d: int, presorted: bool) -> tuple[Tensor, Tensor, Tensor]:
    n = x.shape[d]
    moved = movedim(x, d, 0)
    if n == 0:
        empty = x._empty_like((0,), dtypes.int64)
        return x.clone(), empty, empty
    rows = reshape(moved, (n, -1))
    order = None if presorted else _lexicographic_order(rows)
    sorted_rows = rows if order is None else index_select_unchecked(rows, 0, order)
    run, k = _runs(sorted_rows)
    out = rows._empty_like((k, rows.shape[1]))
    scatter_into(out, 0, broadcast_view(reshape(run, (n, 1)), sorted_rows.shape), sorted_rows)
    out = movedim(reshape(out, (k,) + moved.shape[1:]), 0, d)
    return out, _inverse(order, run), _counts(run, k)


def _inverse(order: Tensor | None, run: Tensor) -> Tensor:
    """``inverse[order[j]] = run[j]``: the run of each element in its original place."""
    if order is None:  # nothing was sorted: elements are in their original place
        return run
    inverse = run._empty_like()
    scatter_into(inverse, 0, order, run)
    return inverse


def _counts(run: Tensor, k: int) -> Tensor:
    counts = run._empty_like((k,)).zero_()
    ones = run._empty_like(()).fill_(1)
    scatter_add_into(counts, 0, run, ones)
    return counts


@op(variants="function, method")
def bincount(x: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
    """How often each value 0, 1, 2, ... occurs in the 1-D non-negative integer tensor
    ``x`` (or the sum of ``weights`` at its positions), as ``torch.bincount``; the result
    has ``max(x.max() + 1, minlength)`` entries. Counts are int64; float weights keep their
    dtype and integer weights sum as float64, as in PyTorch.

    >>> bincount(tensor([0, 1, 1, 3]))
    tensor([1, 2, 0, 1])
    """
    if x.dim() != 1 or x.dtype.is_floating_point or x.dtype is dtypes.bool_:
        raise RuntimeError(f"bincount only supports 1-d non-negative integral inputs, got a "
                           f"{x.dim()}-D {x.dtype.name} tensor")
    if minlength < 0:
        raise RuntimeError(f"minlength should be >= 0, got {minlength}")
    if weights is not None:
        if weights.dim() != 1 or weights.shape != x.shape:
            raise RuntimeError(f"weights should be 1-d and have the same length as input, got "
                               f"shape {tuple(weights.shape)} for an input of shape "
                               f"{tuple(x.shape)}")
        same_device(x, weights)
    size = minlength
    if x.numel():
        lo, hi = index_range(x)
        if lo < 0:
            raise RuntimeError(f"bincount only supports 1-d non-negative integral inputs, got "
                               f"the value {lo}")
        size = max(hi + 1, minlength)
    index = cast(x, dtypes.int64)
    if weights is None:
        counts = x._empty_like((size,), dtypes.int64).zero_()
        ones = counts._empty_like(()).fill_(1)
        scatter_add_into(counts, 0, index, ones)
        return counts
    dtype = weights.dtype if weights.dtype.is_floating_point else dtypes.float64
    return ScatterAdd.apply(x._empty_like((size,), dtype).zero_(), 0, index, weights.to(dtype))


@op
def searchsorted(sorted_sequence: Tensor, values: Tensor | bool | int | float, *,
                 out_int32: bool = False, right: bool = False, side: str | None = None,
                 sorter: Tensor | None = None) -> Tensor:
    """Where each of ``values`` would go in the ascending innermost dim of
    ``sorted_sequence`` to keep it sorted, as ``torch.searchsorted``: the number of
    boundaries below it (``right=False`` / ``side="left"``) or at most it (``right=True``).
    A 1-D sequence serves every value; an N-D one pairs its leading dims with ``values``'.
    ``sorter`` holds the indices that sort an unsorted sequence. NaN counts as the largest
    value, as in ``sort`` (and NumPy; PyTorch's binary search gives path-dependent answers
    for NaN boundaries).

    >>> searchsorted(tensor([1, 3, 5, 7]), tensor([3, 6, 9]))
    tensor([1, 3, 4])
    """
    if side not in (None, "left", "right"):
        raise RuntimeError(f"searchsorted(): side can only be 'left' or 'right' but got "
                           f"{side!r}")
    if side == "left" and right:
        raise RuntimeError("searchsorted(): side and right can't be set to opposites, got "
                           "side of left while right was True")
    right = right or side == "right"
    seq = sorted_sequence.detach()
    if seq.dim() == 0:
        raise RuntimeError("searchsorted(): boundaries tensor should have positive dimension, "
                           "but got 0 dimension")
    if not isinstance(values, Tensor):
        values = seq._empty_like((), dtypes.scalar_dtype(values)).fill_(values)
    values = values.detach()
    same_device(seq, values)
    if seq.dim() > 1 and (values.dim() != seq.dim() or values.shape[:-1] != seq.shape[:-1]):
        raise RuntimeError(f"searchsorted(): boundaries tensor should be 1 dimension or the "
                           f"first N-1 dimensions of boundaries tensor and input value tensor "
                           f"must match, but we got boundaries tensor {list(seq.shape)} and "
                           f"input value tensor {list(values.shape)}")
    if sorter is not None:
        _check_index_tensor("searchsorted", seq, sorter)
        if sorter.shape != seq.shape:
            raise RuntimeError(f"searchsorted(): boundary and sorter must have the same size, "
                               f"but got boundary tensor {list(seq.shape)} and got sorter "
                               f"tensor {list(sorter.shape)}")
        _check_in_range("searchsorted", sorter, seq.shape[-1], seq.dim() - 1)
        seq = Gather.apply(seq, seq.dim() - 1, sorter)
    bounds = seq.unsqueeze(-2) if seq.dim() > 1 else seq  # (..., 1, n) against (..., m, 1)
    v = values.unsqueeze(-1)
    # NaN is the largest value, as in sort: a NaN value goes after every number
    if right:  # bound <= v
        before = ~(v < bounds)
        if bounds.dtype.is_floating_point or v.dtype.is_floating_point:
            before = before & ~((bounds != bounds) & (v == v))
    else:  # bound < v
        before = bounds < v
        if bounds.dtype.is_floating_point or v.dtype.is_floating_point:
            before = before | ((v != v) & (bounds == bounds))
    out = before.sum(-1)
    return out.to(dtypes.int32) if out_int32 else out


@op
def bucketize(x: Tensor | bool | int | float, boundaries: Tensor, *, out_int32: bool = False,
              right: bool = False) -> Tensor:
    """The bucket of each element of ``x`` given ascending 1-D ``boundaries``, as
    ``torch.bucketize``: ``i`` such that ``boundaries[i-1] < x <= boundaries[i]``
    (``right=True``: ``boundaries[i-1] <= x < boundaries[i]``); ``searchsorted`` with the
    arguments swapped.

    >>> bucketize(tensor([0, 3, 6]), tensor([1, 3, 5]))
    tensor([0, 1, 3])
    """
    if boundaries.dim() != 1:
        raise RuntimeError(f"bucketize(): boundaries tensor must be 1 dimension, but got "
                           f"dim({boundaries.dim()})")
    return searchsorted(boundaries, x, out_int32=out_int32, right=right)
