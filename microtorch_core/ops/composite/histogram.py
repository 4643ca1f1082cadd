"""Counting values: ``mode`` (the most frequent value along a dim), ``histc``, ``histogram``
and ``histogramdd``.

``mode`` sorts each slice (stably, ``sorting.py``), numbers the runs of equal values with a
``cumsum``, counts each run with a ``scatter_add`` and picks the first longest run: the
smallest most frequent value. ``histc`` and ``histogram`` find each element's bin (PyTorch's
formula ``(x - min) * bins / (max - min)`` for ``histc``, a ``searchsorted`` in the edges for
``histogram``) and ``scatter_add`` ones, or weights, into the bins. A range taken from the
data is read on the host once, as in PyTorch. ``histogramdd`` bins points in D dims: each
coordinate finds its bin as ``histogram`` does, and the D bin numbers make one flat index
into the D-dimensional counts. Only ``mode``'s values record a graph.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from ... import dtypes
from ...creation import linspace
from ...tensor import Tensor, _wrap_dim
from ..declare import op
from ..primitive.elementwise import where
from ..primitive.indexing import Gather, ScatterAdd
from ..primitive.reduction import argmax
from ..primitive.sort import SortResult, sort
from .indexing import cat, narrow
from .scan import cumsum
from .searching import searchsorted


class ModeResult(SortResult):
    """``(values, indices)`` of :func:`mode`, as ``torch.return_types.mode``."""

    __slots__ = ()


class HistogramddResult(NamedTuple):
    """``(hist, bin_edges)`` of :func:`histogramdd`, as ``torch.return_types.histogramdd``:
    the counts, one dim per coordinate, and the edges of each dim's bins."""

    hist: Tensor
    bin_edges: tuple[Tensor, ...]


class HistogramResult(NamedTuple):
    """``(hist, bin_edges)`` of :func:`histogram`, as ``torch.return_types.histogram``."""

    hist: Tensor
    bin_edges: Tensor


@op(variants="function, method")
def mode(x: Tensor, dim: int = -1, keepdim: bool = False) -> ModeResult:
    """The most frequent value along ``dim`` (the smallest of them on a tie) and the index
    of its last occurrence, as ``torch.mode``. NaNs are all distinct (each occurs once) and
    sort last.

    PyTorch's CPU kernel also gives the last occurrence for slices of up to 16 elements; for
    longer ones (an unstable sort) it gives any occurrence, and with NaNs its answer depends
    on where they are.

    >>> mode(tensor([3, 1, 3, 1, 2]))
    ModeResult(values=tensor(1), indices=tensor(3))
    """
    d = _wrap_dim(dim, x.dim())
    if x.dim() == 0:
        return ModeResult(*sort(x))
    n = x.shape[d]
    if n == 0:
        raise IndexError(f"mode(): Expected reduction dim {d} to have non-zero size.")
    values, order = sort(x, d)
    values, order = values.movedim(d, -1), order.movedim(d, -1)  # each slice is a row
    keys = values.detach()
    first = keys._empty_like(keys.shape[:-1] + (1,), dtypes.bool_).fill_(True)
    starts = cat([first, narrow(keys, -1, 1, n - 1) != narrow(keys, -1, 0, n - 1)], -1)
    run = cumsum(starts, -1) - 1  # 0, 0, 1, 2, 2, ...: the run of each sorted element
    last_dim = run.dim() - 1  # the runs and positions below are in range: no bounds checks
    counts = ScatterAdd.apply(run._empty_like().zero_(), last_dim, run,
                              run._empty_like().fill_(1))
    best = argmax(counts, -1, keepdim=True)  # the first longest run: the smallest value
    last = Gather.apply(cumsum(counts, -1), last_dim, best) - 1  # where that run ends
    out = (Gather.apply(values, last_dim, last).movedim(-1, d),
           Gather.apply(order, last_dim, last).movedim(-1, d))
    return ModeResult(*(out if keepdim else (t.squeeze(d) for t in out)))


def _fmt(v: float) -> str:
    return f"{v:g}"  # 1, 2.5, inf, nan: as PyTorch prints a C++ double


def _data_range(x: Tensor) -> tuple[float, float]:
    flat = x.detach().reshape(-1)
    return float(flat.min().item()), float(flat.max().item())


def _check_float(name: str, x: Tensor) -> None:
    if not x.dtype.is_floating_point:
        raise NotImplementedError(f"{name}: not implemented for {x.dtype.name} tensors "
                                  f"(floating point only, as in PyTorch)")


def _count(x: Tensor, position: Tensor, inside: Tensor, bins: int,
           weight: Tensor | None = None) -> Tensor:
    """Add 1 (or the weight) into bin ``position`` for each element ``inside`` the range."""
    add = inside.to(x.dtype) if weight is None else where(inside, weight.detach(), 0.0)
    index = where(inside, position, 0).reshape(-1)
    return ScatterAdd.apply(x._empty_like((bins,)).zero_(), 0, index, add.reshape(-1))


@op(variants="function, method")
def histc(x: Tensor, bins: int = 100, min: float = 0, max: float = 0  # noqa: A002
          ) -> Tensor:
    """The number of elements in each of ``bins`` equal-width bins from ``min`` to ``max``,
    as ``torch.histc``. ``min == max`` takes the data's range (widened by 1 each way if all
    elements are equal); elements outside the range, and NaNs, are not counted; ``max``
    belongs to the last bin. The result has ``x``'s floating dtype.

    >>> histc(tensor([1.0, 2.0, 1.0, 4.0]), bins=3)
    tensor([2., 1., 1.])
    """
    _check_float("histc", x)
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for "
                           f"dimension 0")
    lo, hi = float(min), float(max)
    if lo > hi:
        raise RuntimeError(f"torch.histc: max must be larger than min, got min {_fmt(lo)} "
                           f"and max {_fmt(hi)}")
    if lo == hi and x.numel():
        lo, hi = _data_range(x)
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if not (abs(lo) < float("inf") and abs(hi) < float("inf")):
        raise RuntimeError(f"torch.histc: range of [{_fmt(lo)}, {_fmt(hi)}] is not finite")
    x = x.detach()
    # PyTorch's formula, in x's dtype, so that elements near an edge land where they do there
    lo_t, hi_t = x._empty_like(()).fill_(lo), x._empty_like(()).fill_(hi)
    inside = (x >= lo_t) & (x <= hi_t)  # False for NaN
    scaled = where(inside, (x - lo_t) * bins / (hi_t - lo_t), 0.0)  # no NaN or inf to cast
    position = scaled.floor().to(dtypes.int64).clamp(max=bins - 1)
    return _count(x, position, inside, bins)


@op(variants="function, method")
def histogram(x: Tensor, bins: int | Tensor, *, range: tuple[float, float] | None = None,  # noqa: A002
              weight: Tensor | None = None, density: bool = False) -> HistogramResult:
    """A histogram of all elements of ``x`` and its bin edges, as ``torch.histogram``:
    ``bins`` equal-width bins over ``range`` (default: the data's range, widened by 0.5 each
    way if all elements are equal, ``(0, 1)`` if there are none), or the increasing edges in
    a 1-D tensor ``bins``. Each bin holds its left edge, the last one its right edge too;
    elements outside, and NaNs, are not counted. ``weight`` (``x``'s shape and dtype) adds
    weights instead of ones; ``density`` divides by the total and the bin widths.

    The edges come from ``linspace`` (correctly rounded); PyTorch's vectorized linspace can
    differ in the last bit, which moves only elements that sit on an edge.

    >>> histogram(tensor([1.0, 2.0, 1.0, 4.0]), 3)
    HistogramResult(hist=tensor([2., 1., 1.]), bin_edges=tensor([1., 2., 3., 4.]))
    """
    _check_float("histogram", x)
    if weight is not None:
        if weight.shape != x.shape:
            raise RuntimeError(f"torch.histogram: if weight tensor is provided it should have "
                               f"the same shape as the input tensor, but got input with shape "
                               f"{list(x.shape)} and weight with shape {list(weight.shape)}")
        if weight.dtype is not x.dtype:
            raise RuntimeError(f"torch.histogram: if weight tensor is provided, input tensor "
                               f"and weight tensor should have the same dtype, but got "
                               f"input({x.dtype.name}), and weight({weight.dtype.name})")
    if isinstance(bins, Tensor):
        if bins.dim() != 1:
            raise RuntimeError(f"torch.histogram: bins tensor should have one dimension, but "
                               f"got {bins.dim()} dimensions in the bins tensor")
        if bins.dtype is not x.dtype:
            raise RuntimeError(f"torch.histogram: input tensor and bins tensors should have "
                               f"the same dtype, but got input with dtype {x.dtype.name} and "
                               f"bins with dtype {bins.dtype.name}")
        edges = bins.detach()
    else:
        edges = linspace(*_histogram_range(x, bins, range), bins + 1, dtype=x.dtype,
                         device=x.device)
    n = edges.shape[0] - 1
    if n < 1:
        raise RuntimeError(f"torch.histogram: bins tensor should have at least 2 edges, got "
                           f"{edges.shape[0]}")
    x = x.detach()
    lo, hi = narrow(edges, 0, 0, 1), narrow(edges, 0, n, 1)
    position = (searchsorted(edges, x.reshape(-1), right=True) - 1).clamp(max=n - 1)
    hist = _count(x, position, ((x >= lo) & (x <= hi)).reshape(-1), n,
                  None if weight is None else weight.reshape(-1))
    if density:
        widths = narrow(edges, 0, 1, n) - narrow(edges, 0, 0, n)
        hist = hist / (hist.sum() * widths)
    return HistogramResult(hist, edges)


def _histogram_range(x: Tensor, bins: int, range: tuple[float, float] | None,  # noqa: A002
                     dim: int = 0) -> tuple[float, float]:
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for "
                           f"dimension {dim}")
    if range is not None:
        lo, hi = float(range[0]), float(range[1])
        if lo > hi:
            raise RuntimeError(f"torch.histogramdd: min should not exceed max, but got min "
                               f"{_fmt(lo)} max {_fmt(hi)} for dimension {dim}")
    elif x.numel():
        lo, hi = _data_range(x)
    else:
        lo, hi = 0.0, 1.0
    if not (abs(lo) < float("inf") and abs(hi) < float("inf")):
        raise RuntimeError(f"torch.histogramdd: dimension {dim}'s range [{_fmt(lo)}, "
                           f"{_fmt(hi)}] is not finite")
    if lo == hi:  # as NumPy: an empty range would make every width zero
        lo, hi = lo - 0.5, hi + 0.5
    return lo, hi


@op
def histogramdd(x: Tensor, bins: int | Sequence[int] | Sequence[Tensor], *,
                range: Sequence[float] | None = None,  # noqa: A002
                weight: Tensor | None = None, density: bool = False) -> HistogramddResult:
    """A D-dimensional histogram of the points in ``x`` (shape ``(..., D)``: the last dim
    holds each point's coordinates), as ``torch.histogramdd``. ``bins`` is a number of
    equal-width bins for every dim, one number per dim, or one 1-D tensor of increasing edges
    per dim; ``range`` is ``[min_0, max_0, min_1, max_1, ...]`` (default: each dim's data
    range). A point outside the range in any dim is not counted; ``weight`` (shape
    ``x.shape[:-1]``) adds weights instead of ones; ``density`` divides by the total and the
    bins' volumes.

    >>> histogramdd(tensor([[0.0, 1.0], [1.0, 1.0], [2.0, 3.0]]), [2, 2]).hist
    tensor([[1., 0.],
            [1., 1.]])
    """
    _check_float("histogramdd", x)
    if x.dim() < 1:
        raise RuntimeError("torch.histogramdd: input tensor should have at least 1 dimension")
    n_dims = x.shape[-1]
    points = x.detach().reshape(-1, n_dims)
    if isinstance(bins, int):
        bins = [bins] * n_dims
    bins = list(bins)
    if len(bins) != n_dims:
        raise RuntimeError(f"histogramdd: The size of bins must be equal to the innermost "
                           f"dimension of the input, but got {len(bins)} bins for points of "
                           f"{n_dims} coordinates")
    if range is not None and len(range) != 2 * n_dims:
        raise RuntimeError(f"torch.histogramdd: for a {n_dims}-dimensional histogram, range "
                           f"should have {2 * n_dims} elements, but got {len(range)}")
    if weight is not None and tuple(weight.shape) != tuple(x.shape[:-1]):
        raise RuntimeError(f"torch.histogramdd: if weight tensor is provided it should have "
                           f"the same shape as the input tensor excluding its innermost "
                           f"dimension, but got input with shape {list(x.shape)} and weight "
                           f"with shape {list(weight.shape)}")
    edges = []
    for d, b in enumerate(bins):
        column = points[:, d]
        if isinstance(b, Tensor):
            if b.dim() != 1 or b.shape[0] < 2:
                raise RuntimeError(f"torch.histogramdd: bins tensor for dimension {d} should "
                                   f"be 1-D with at least 2 edges, got shape {list(b.shape)}")
            edges.append(b.detach().to(x.dtype))
        else:
            pair = None if range is None else (range[2 * d], range[2 * d + 1])
            lo, hi = _histogram_range(column, int(b), pair, d)
            edges.append(linspace(lo, hi, int(b) + 1, dtype=x.dtype, device=x.device))
    sizes = [e.shape[0] - 1 for e in edges]
    inside = points._empty_like((points.shape[0],), dtypes.bool_).fill_(True)
    flat = points._empty_like((points.shape[0],), dtypes.int64).zero_()
    for d, e in enumerate(edges):  # the flat index is row-major in the D bin numbers
        column, n = points[:, d], sizes[d]
        position = (searchsorted(e, column.contiguous(), right=True) - 1).clamp(min=0, max=n - 1)
        inside = inside & (column >= narrow(e, 0, 0, 1)) & (column <= narrow(e, 0, n, 1))
        flat = flat * n + position
    total = 1
    for n in sizes:
        total *= n
    hist = _count(points, flat, inside, total,
                  None if weight is None else weight.reshape(-1)).reshape(tuple(sizes))
    if density:
        volume = None
        for d, e in enumerate(edges):
            along_d = [1] * n_dims  # the bin widths of dim d, laid along dim d
            along_d[d] = sizes[d]
            widths = narrow(e, 0, 1, sizes[d]) - narrow(e, 0, 0, sizes[d])
            volume = widths.reshape(tuple(along_d)) * (1 if volume is None else volume)
        hist = hist / (hist.sum() * volume)
    return HistogramddResult(hist, tuple(edges))
