"""Index ops built on gather and scatter: index_add index_copy index_fill (whole slices at a
vector of positions), masked_select, take, take_along_dim and scatter_reduce.

They follow ``indexing.py``'s rule for bounds checks: the indices a user hands in are checked
once, with one device-to-host read (``index_range``); the indices built here from them (a
vector broadcast over a slice, a sort permutation) are in range by construction and go
straight to ``Gather``/``Scatter``/``ScatterAdd``.

``scatter_reduce`` has no kernel of its own: "sum" and "mean" are ``scatter_add``; "prod",
"amax" and "amin" sort the targets so that values bound for one position sit side by side,
combine each run with a segmented scan (``log n`` elementwise passes), and scatter the last
value of every run.
"""

from __future__ import annotations

from ... import dtypes
from ...autograd.function import Function
from ...dispatch import broadcast_shapes, broadcast_view, cast, same_device
from ...tensor import Tensor, _wrap_dim
from ..declare import op
from ..linalg.blas import _check_integral_scalars
from ..primitive.copy import clone
from ..primitive.elementwise import maximum, minimum, where
from ..primitive.indexing import (
    Gather,
    Scatter,
    ScatterAdd,
    _check_in_range,
    _check_index_tensor,
    index_range,
    index_select_unchecked,
    scatter_add_into,
    scatter_into,
)
from ..primitive.sort import argsort
from ..primitive.views import expand, reshape
from .indexing import cat, narrow, nonzero

Scalar = bool | int | float


def _dim_size(x: Tensor, d: int) -> int:
    return x.shape[d] if x.dim() else 1


def _index_vector(name: str, x: Tensor, d: int, index: Tensor) -> Tensor:
    """``index`` as a checked 1-D int64 vector of positions along ``d`` (int32 accepted)."""
    if not isinstance(index, Tensor) or index.dtype not in (dtypes.int32, dtypes.int64):
        got = index.dtype.name if isinstance(index, Tensor) else type(index).__name__
        raise RuntimeError(f"{name}(): Expected dtype int32/int64 for index but got: {got}")
    if index.dim() > 1:
        raise IndexError(f"{name}(): Index is supposed to be a vector, but got dim: "
                         f"{index.dim()} with shape {tuple(index.shape)}")
    same_device(x, index)
    index = reshape(cast(index, dtypes.int64), (-1,))
    _check_in_range(name, index, _dim_size(x, d), d)
    return index


def _along(index: Tensor, d: int, shape: tuple[int, ...]) -> Tensor:
    """A 1-D ``index`` seen as positions along ``d`` of every slice of ``shape`` (a view)."""
    view_shape = tuple(n if i == d else 1 for i, n in enumerate(shape))
    return broadcast_view(reshape(index, view_shape), shape)


def _written_mask(x: Tensor, d: int, index: Tensor) -> Tensor:
    """A bool tensor shaped as ``x``, True at every position ``index`` writes along ``d``."""
    mask = x._empty_like(dtype=dtypes.bool_).fill_(False)
    true = mask._empty_like(()).fill_(True)
    scatter_into(mask, d, index, true)
    return mask


def _check_source(name: str, x: Tensor, d: int, index: Tensor, source: Tensor) -> None:
    same_device(x, source)
    expected = x.shape[:d] + (index.shape[0],) + x.shape[d + 1:]
    if source.shape == expected:
        return
    if source.dim() != x.dim() or source.shape[:d] + source.shape[d + 1:] != \
            x.shape[:d] + x.shape[d + 1:]:
        raise RuntimeError(f"{name}(): source tensor shape must match self tensor shape, "
                           f"excluding the specified dimension. Got self.shape = "
                           f"{list(x.shape)} source.shape = {list(source.shape)}")
    raise RuntimeError(f"{name}(): Number of indices ({index.shape[0]}) should be equal to "
                       f"source.size(dim) ({source.shape[d]}), for dim = {d}")


def _as_1d(*tensors: Tensor) -> list[Tensor]:
    """0-d tensors seen as 1-D of size 1 (a 0-d ``self`` is indexed like one)."""
    return [reshape(t, (1,)) if t.dim() == 0 else t for t in tensors]


@op(variants="function, method", inplace=True)
def index_add(x: Tensor, dim: int, index: Tensor, source: Tensor, *,
              alpha: Scalar = 1) -> Tensor:
    """A copy of ``x`` with ``alpha * source[..., i, ...]`` added to the slice
    ``x[..., index[i], ...]`` along ``dim``; repeated indices accumulate. As
    ``torch.index_add``.

    >>> index_add(zeros(3), 0, tensor([0, 2, 0]), tensor([1.0, 2.0, 3.0]))
    tensor([4., 0., 2.])
    """
    d = _wrap_dim(dim, x.dim())
    index = _index_vector("index_add", x, d, index)
    if not isinstance(source, Tensor) or source.dtype is not x.dtype:
        got = source.dtype.name if isinstance(source, Tensor) else type(source).__name__
        raise RuntimeError(f"index_add(): self ({x.dtype.name}) and source ({got}) must have "
                           f"the same scalar type")
    _check_integral_scalars(x.dtype, alpha=alpha)
    (x1, source), shape = _as_1d(x, source), x.shape
    _check_source("index_add", x1, d, index, source)
    if alpha != 1:
        source = source * alpha
    return reshape(ScatterAdd.apply(x1, d, _along(index, d, source.shape), source), shape)


@op(variants="function, method", inplace=True)
def index_copy(x: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    """A copy of ``x`` with the slice ``x[..., index[i], ...]`` along ``dim`` replaced by
    ``source[..., i, ...]``, as ``torch.index_copy`` (with repeated indices, one of the
    writes wins).

    >>> index_copy(zeros(2, 3), 1, tensor([2, 0]), ones(2, 2))
    tensor([[1., 0., 1.],
            [1., 0., 1.]])
    """
    d = _wrap_dim(dim, x.dim())
    index = _index_vector("index_copy", x, d, index)
    if not isinstance(source, Tensor) or source.dtype is not x.dtype:
        got = source.dtype.name if isinstance(source, Tensor) else type(source).__name__
        raise RuntimeError(f"index_copy(): self and source expected to have the same dtype, "
                           f"but got (self) {x.dtype.name} and (source) {got}")
    (x1, source), shape = _as_1d(x, source), x.shape
    _check_source("index_copy", x1, d, index, source)
    return reshape(Scatter.apply(x1, d, _along(index, d, source.shape), source), shape)


@op(variants="function, method", inplace=True)
def index_fill(x: Tensor, dim: int, index: Tensor, value: Scalar | Tensor) -> Tensor:
    """A copy of ``x`` with ``value`` in the slices at ``index`` along ``dim``, as
    ``torch.index_fill``; ``value`` is a number or a 0-d tensor (which gets the gradient of
    every filled element, counted once however often its index repeats).

    >>> index_fill(zeros(2, 3), 1, tensor([0, 2]), -1.0)
    tensor([[-1.,  0., -1.],
            [-1.,  0., -1.]])
    """
    d = _wrap_dim(dim, x.dim())
    index = _index_vector("index_fill", x, d, index)
    if isinstance(value, Tensor):
        if value.dim() != 0:
            raise RuntimeError(f"index_fill(): only supports a 0-dimensional value tensor, but "
                               f"got tensor with {value.dim()} dimension(s)")
        same_device(x, value)
        value = value.to(x.dtype)
    else:
        value = dtypes.cast_scalar(value, x.dtype)
    (x1,) = _as_1d(x)
    filled = x1.shape[:d] + (index.shape[0],) + x1.shape[d + 1:]
    return reshape(where(_written_mask(x1, d, _along(index, d, filled)), value, x1), x.shape)


@op(variants="function, method")
def masked_select(x: Tensor, mask: Tensor) -> Tensor:
    """The elements of ``x`` where ``mask`` is True, as a 1-D tensor (``x`` and ``mask``
    broadcast), as ``torch.masked_select``. The result's size depends on the mask's values,
    so they are read on the host once.

    >>> masked_select(tensor([[1, 2], [3, 4]]), tensor([True, False]))
    tensor([1, 3])
    """
    if not isinstance(mask, Tensor) or mask.dtype is not dtypes.bool_:
        got = mask.dtype.name if isinstance(mask, Tensor) else type(mask).__name__
        raise RuntimeError(f"masked_select(): expected a bool mask, got {got}")
    same_device(x, mask)
    shape = broadcast_shapes(x.shape, mask.shape)
    (positions,) = nonzero(reshape(broadcast_view(mask, shape), (-1,)), as_tuple=True)
    return index_select_unchecked(reshape(expand(x, shape), (-1,)), 0, positions)


@op(variants="function, method")
def take(x: Tensor, index: Tensor) -> Tensor:
    """``x`` read as a flat 1-D tensor at the positions in ``index`` (any shape, negative
    positions count from the end), as ``torch.take``; the result has ``index``'s shape.

    >>> take(tensor([[1, 2], [3, 4]]), tensor([0, -1]))
    tensor([1, 4])
    """
    if not isinstance(index, Tensor) or index.dtype is not dtypes.int64:
        got = index.dtype.name if isinstance(index, Tensor) else type(index).__name__
        raise RuntimeError(f"take(): Expected a long (int64) tensor for index, but got {got}")
    same_device(x, index)
    n = x.numel()
    flat_index = reshape(index, (-1,))
    if index.numel():
        lo, hi = index_range(index)
        if lo < -n or hi >= n:
            raise IndexError(f"take(): index {lo if lo < -n else hi} is out of range for a "
                             f"tensor of {n} elements (shape {tuple(x.shape)})")
        if lo < 0:
            flat_index = where(flat_index < 0, flat_index + n, flat_index)
    out = index_select_unchecked(reshape(x, (-1,)), 0, flat_index)
    return reshape(out, index.shape)


@op(variants="function, method")
def take_along_dim(x: Tensor, indices: Tensor, dim: int | None = None) -> Tensor:
    """``gather`` with broadcasting, as ``torch.take_along_dim``: ``x`` and ``indices``
    broadcast in every dim but ``dim``; ``dim=None`` works on both flattened. Made for the
    output of argmax/argsort: ``take_along_dim(x, x.argsort(1), 1)`` sorts the rows. Along a
    ``dim``, negative indices count from the end, as in PyTorch.

    >>> take_along_dim(tensor([[10, 30, 20]]), tensor([[0], [1]]), 1)
    tensor([[10],
            [30]])
    """
    if not isinstance(indices, Tensor) or indices.dtype is not dtypes.int64:
        got = indices.dtype.name if isinstance(indices, Tensor) else type(indices).__name__
        raise RuntimeError(f"take_along_dim(): dtype of indices should be int64 but got {got}")
    same_device(x, indices)
    if dim is None:
        flat, flat_indices = reshape(x, (-1,)), reshape(indices, (-1,))
        _check_in_range("take_along_dim", flat_indices, flat.shape[0], 0)
        return Gather.apply(flat, 0, flat_indices)
    d = _wrap_dim(dim, x.dim())
    if x.dim() != indices.dim():
        raise RuntimeError(f"take_along_dim(): input and indices should have the same number "
                           f"of dimensions, but got {x.dim()} dimensions for input, and "
                           f"{indices.dim()} dimensions for indices")
    shape = x.shape
    x, indices = _as_1d(x, indices)
    outside = [tuple(t.shape[:d]) + (1,) + tuple(t.shape[d + 1:]) for t in (x, indices)]
    try:
        common = broadcast_shapes(*outside)
    except RuntimeError:
        raise RuntimeError(f"take_along_dim(): input of shape {tuple(x.shape)} and indices of "
                           f"shape {tuple(indices.shape)} cannot be broadcast in the dims "
                           f"other than {d}") from None
    if indices.numel():  # along a dim PyTorch wraps negative indices (not with dim=None)
        size = x.shape[d]
        lo, hi = index_range(indices)
        if lo < -size or hi >= size:
            raise IndexError(f"take_along_dim(): index {lo if lo < -size else hi} is out of "
                             f"bounds for dimension {d} with size {size}")
        if lo < 0:
            indices = where(indices < 0, indices + size, indices)
    x = expand(x, common[:d] + (x.shape[d],) + common[d + 1:])
    indices = broadcast_view(indices, common[:d] + (indices.shape[d],) + common[d + 1:])
    out = Gather.apply(x, d, indices)
    return reshape(out, ()) if not shape else out


# -- scatter_reduce -------------------------------------------------------------------------
REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")


def _segmented_reduce(x: Tensor, d: int, index: Tensor, src: Tensor, combine) -> Tensor:
    """``x`` with the values of ``src`` bound for one position (by ``index`` along ``d``)
    combined with ``combine`` and written there; positions nothing is bound for keep ``x``.

    A stable sort of the targets puts the values of one target side by side, in ``src``
    order; a segmented Hillis-Steele scan (as ``scan.py``'s, but a pass never combines across
    the start of a run) leaves each run's total in its last element; a scatter writes the
    last elements to their targets and every other element to a spare slot past the end.
    """
    n = index.shape[d]
    order = argsort(index, d)
    targets = Gather.apply(index, d, order)
    values = Gather.apply(src, d, order)
    changed = narrow(targets, d, 1, n - 1) != narrow(targets, d, 0, n - 1)
    edge = changed._empty_like(targets.shape[:d] + (1,) + targets.shape[d + 1:]).fill_(True)
    starts, ends = cat([edge, changed], d), cat([changed, edge], d)
    shift = 1
    while shift < n:
        later = narrow(values, d, shift, n - shift)
        later_starts = narrow(starts, d, shift, n - shift)
        combined = combine(narrow(values, d, 0, n - shift), later)
        values = cat([narrow(values, d, 0, shift), where(later_starts, later, combined)], d)
        starts = cat([narrow(starts, d, 0, shift),
                      later_starts | narrow(starts, d, 0, n - shift)], d)
        shift *= 2
    size = x.shape[d]
    spare = x._empty_like(x.shape[:d] + (1,) + x.shape[d + 1:]).zero_()
    slots = where(ends, targets, size)
    return narrow(Scatter.apply(cat([x, spare], d), d, slots, values), d, 0, size)


def _same(a: Tensor, b: Tensor) -> Tensor:
    """a == b, with NaN equal to NaN (a NaN result came from a NaN input)."""
    return (a == b) | ((a != a) & (b != b))


class ScatterExtreme(Function):
    """out = x with each position replaced by the max (or min) of the src values scattered
    onto it (and of itself, if include_self); tied elements share the gradient evenly"""

    @staticmethod
    def forward(ctx, x, d, index, src, largest, include_self, hit):
        reduced = _segmented_reduce(x, d, index, src, maximum if largest else minimum)
        out = where(hit, (maximum if largest else minimum)(x, reduced), x) \
            if include_self else reduced
        ctx.d, ctx.include_self = d, include_self
        ctx.save_for_backward(x, index, src, out, hit)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, index, src, out, hit = ctx.saved_tensors
        d = ctx.d
        src_is = _same(src, Gather.apply(out, d, index))
        self_is = ~hit | _same(x, out) if ctx.include_self else ~hit
        count = ScatterAdd.apply(self_is.to(grad.dtype), d, index, src_is.to(grad.dtype))
        share = grad / count
        grad_src = where(src_is, Gather.apply(share, d, index), 0.0)
        return where(self_is, share, 0.0), None, None, grad_src, None, None, None


def _check_scatter_reduce(x: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str
                          ) -> tuple[int, Tensor]:
    """The wrapped dim and the int64 index, after checking every argument."""
    if reduce not in REDUCTIONS:
        raise RuntimeError(f"scatter_reduce(): reduce argument must be one of "
                           f"{', '.join(REDUCTIONS)}, got {reduce!r}")
    if isinstance(index, Tensor) and index.dtype is dtypes.int32:
        index = cast(index, dtypes.int64)
    _check_index_tensor("scatter_reduce", x, index)
    if not isinstance(src, Tensor) or src.dtype is not x.dtype:
        got = src.dtype.name if isinstance(src, Tensor) else type(src).__name__
        raise RuntimeError(f"scatter_reduce(): expected self and src to have the same dtype, "
                           f"but got {x.dtype.name} and {got}")
    same_device(x, src)
    d = _wrap_dim(dim, x.dim())
    if not index.dim() == src.dim() == x.dim():
        raise RuntimeError(f"scatter_reduce(): index, self and src must have the same number "
                           f"of dimensions, got {index.dim()}, {x.dim()} and {src.dim()}")
    if any(i > s for i, s in zip(index.shape, src.shape)) or any(
            i > n for k, (i, n) in enumerate(zip(index.shape, x.shape)) if k != d):
        raise RuntimeError(f"scatter_reduce(): expected index {list(index.shape)} to be no "
                           f"larger than self {list(x.shape)} apart from dimension {d} and "
                           f"to be no larger than src {list(src.shape)}")
    _check_in_range("scatter_reduce", index, _dim_size(x, d), d)
    return d, index


@op(variants="function, method", inplace=True)
def scatter_reduce(x: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *,
                   include_self: bool = True) -> Tensor:
    """A copy of ``x`` where the values ``src[i][j]`` go to ``out[i][index[i][j]]`` (for
    ``dim=1``) and the values meeting at one position are reduced by ``reduce``: "sum",
    "prod", "mean", "amax" or "amin"; ``include_self`` says whether ``x``'s own value there
    takes part. Positions nothing goes to keep ``x``'s value. As ``torch.scatter_reduce``;
    "mean" of integers rounds down.

    >>> scatter_reduce(tensor([5.0, 1.0]), 0, tensor([0, 0, 1]), tensor([7.0, 2.0, 3.0]),
    ...                "amax")
    tensor([7., 3.])

    For "amax"/"amin" the gradient of a position goes in equal shares to the elements equal
    to its result (``x``'s own value only when it took part; PyTorch also counts it when
    ``include_self=False``, and then hands out less than the whole gradient).
    """
    d, index = _check_scatter_reduce(x, dim, index, src, reduce)
    if index.numel() == 0:
        return clone(x)
    if x.dim() == 0:
        out = _scatter_reduce(*_as_1d(x), 0, *_as_1d(index, src), reduce, include_self)
        return reshape(out, ())
    return _scatter_reduce(x, d, index, src, reduce, include_self)


def _scatter_reduce(x: Tensor, d: int, index: Tensor, src: Tensor, reduce: str,
                    include_self: bool) -> Tensor:
    """``scatter_reduce`` after the checks, for at least 1-D tensors and a non-empty index."""
    if src.shape != index.shape:  # only src's leading corner of index's shape takes part
        src = src[tuple(slice(0, n) for n in index.shape)]
    hit = _written_mask(x, d, index)
    if reduce in ("amax", "amin"):
        return ScatterExtreme.apply(x, d, index, src, reduce == "amax", include_self, hit)
    if reduce == "prod":
        reduced = _segmented_reduce(x, d, index, src, lambda a, b: a * b)
        return where(hit, x * reduced, x) if include_self else reduced
    base = x if include_self else where(hit, dtypes.cast_scalar(0, x.dtype), x)
    total = ScatterAdd.apply(base, d, index, src)
    if reduce == "sum":
        return total
    count = x._empty_like().fill_(1 if include_self else 0)
    ones = count._empty_like(()).fill_(1)
    scatter_add_into(count, d, index, ones)
    count = where(hit, count, 1)  # positions nothing went to keep x: divide by 1
    if x.dtype.is_floating_point:
        return total / count
    quotient = total.to(dtypes.float64) / count.to(dtypes.float64)
    return quotient.floor().to(x.dtype)
