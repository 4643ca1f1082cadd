"""Writes at positions given by data, out of place and recorded for autograd: index_put
(``x[indices] = values``, or ``+=`` with ``accumulate``), put (at flat positions),
masked_scatter (consecutive values where a mask is True), fill_diagonal, and ``scatter``
with PyTorch's older ``reduce=`` argument. Their in-place forms (``index_put_``, ``put_``,
``masked_scatter_``, ``fill_diagonal_``, ``scatter_``) are in ``inplace.py``.

All of them come down to ``_write_at``: see ``x`` as rows (the indexed dims flattened into
one, the rest into the other), and ``Scatter`` (or ``ScatterAdd``) whole rows at the given
row numbers. The gradient of ``x`` is then zero where a row was overwritten, and that of the
values is the gradient read back at their rows (summed over broadcasting), as PyTorch's.
As everywhere in ``indexing.py``, indices from the user are bounds-checked with one host read;
the row numbers built from them are in range by construction.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ... import dtypes
from ...dispatch import broadcast_shapes, broadcast_view, cast, same_device
from ...tensor import Tensor, _numel
from ..declare import op
from ..primitive.elementwise import where
from ..primitive.indexing import (
    Scatter,
    ScatterAdd,
    index_range,
    scatter,
    scatter_add,
    scatter_into,
)
from ..primitive.views import expand, reshape
from .index_ops import scatter_reduce
from .indexing import narrow, nonzero

Scalar = bool | int | float


def _write_at(x: Tensor, k: int, rows: Tensor, values: Tensor, accumulate: bool) -> Tensor:
    """``x`` with ``values`` written at (or, with ``accumulate``, added to) the rows
    ``rows`` of ``x`` seen as ``(prod(shape[:k]), prod(shape[k:]))``. ``rows`` is an int64
    tensor of in-range row numbers; ``values`` broadcasts to ``rows.shape + shape[k:]``."""
    rest = x.shape[k:]
    target = rows.shape + rest
    try:
        fits = broadcast_shapes(values.shape, target) == target
    except RuntimeError:
        fits = False
    if not fits:
        raise RuntimeError(f"shape mismatch: value tensor of shape {list(values.shape)} cannot "
                           f"be broadcast to indexing result of shape {list(target)}")
    m, width = _numel(rows.shape), _numel(rest)
    table = reshape(x, (_numel(x.shape[:k]), width))
    src = reshape(expand(values, target), (m, width))  # differentiable: grads sum back
    index = broadcast_view(reshape(rows, (m, 1)), (m, width))
    out = (ScatterAdd if accumulate else Scatter).apply(table, 0, index, src)
    return reshape(out, x.shape)


def _wrapped(index: Tensor, size: int, out_of_range: str) -> Tensor:
    """``index`` with negative positions counted from the end, after checking that every
    value is in ``[-size, size)`` (one host read); ``out_of_range`` is the error message,
    with ``{}`` where the bad value goes."""
    if index.numel():
        lo, hi = index_range(index)
        if lo < -size or hi >= size:
            raise IndexError(out_of_range.format(lo if lo < -size else hi))
        if lo < 0:
            index = where(index < 0, index + size, index)
    return index


def _index_tensors(x: Tensor, indices: Sequence[Tensor]) -> list[Tensor]:
    """The indices as int64 tensors, one per indexed dim (a bool mask becomes one per dim it
    covers, through ``nonzero``), with PyTorch's checks."""
    out: list[Tensor] = []
    for i, idx in enumerate(indices):
        if not isinstance(idx, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{type(idx).__name__}")
        same_device(x, idx)
        if idx.dtype is dtypes.bool_:
            covered = x.shape[len(out):len(out) + idx.dim()]
            if idx.shape != covered:
                raise IndexError(f"The shape of the mask {list(idx.shape)} at index {i} does "
                                 f"not match the shape of the indexed tensor {list(x.shape)} "
                                 f"at index {len(out)}")
            out.extend(nonzero(idx, as_tuple=True))
        elif idx.dtype.is_floating_point:
            raise IndexError(f"tensors used as indices must be long, int, byte or bool "
                             f"tensors, got {idx.dtype.name} (element {i})")
        else:
            out.append(cast(idx, dtypes.int64))
    if len(out) > x.dim():
        raise IndexError(f"too many indices for tensor of dimension {x.dim()} (got {len(out)})")
    return out


@op(variants="function, method", inplace=True)
def index_put(x: Tensor, indices: Sequence[Tensor], values: Tensor,
              accumulate: bool = False) -> Tensor:
    """A copy of ``x`` with ``x[indices] = values`` (``indices``: a tuple of index tensors,
    integer or bool, for the leading dims), as ``torch.index_put``. With ``accumulate`` the
    values are added instead, repeated positions adding up (without it, one of the writes to
    a repeated position wins).

    >>> index_put(zeros(3), (tensor([0, 2, 0]),), tensor([1.0, 2.0, 3.0]), accumulate=True)
    tensor([4., 0., 2.])
    """
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"index_put(): argument 'indices' must be tuple of Tensors, not "
                        f"{type(indices).__name__}")
    if not isinstance(values, Tensor):
        raise TypeError(f"index_put(): argument 'values' must be Tensor, not "
                        f"{type(values).__name__}")
    if values.dtype is not x.dtype:
        raise RuntimeError(f"Index put requires the source and destination dtypes match, got "
                           f"{x.dtype.name} for the destination and {values.dtype.name} for "
                           f"the source.")
    same_device(x, values)
    index = _index_tensors(x, indices)
    if not index:
        raise IndexError("index_put(): expected at least one index tensor")
    try:
        shape = broadcast_shapes(*(i.shape for i in index))
    except RuntimeError:
        shapes = ", ".join(str(list(i.shape)) for i in index)
        raise IndexError(f"shape mismatch: indexing tensors could not be broadcast together "
                         f"with shapes {shapes}") from None
    rows = None
    for d, i in enumerate(index):  # row-major row number over the indexed dims
        n = x.shape[d]
        i = _wrapped(i, n, f"index {{}} is out of bounds for dimension {d} with size {n}")
        i = broadcast_view(i, shape)
        rows = i if rows is None else rows * n + i
    return _write_at(x, len(index), rows, values, accumulate)


@op(variants="function, method", inplace=True)
def put(x: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
    """A copy of ``x`` with ``source`` written at the positions ``index`` of ``x`` read as a
    flat 1-D tensor (negative positions count from the end), as ``torch.put``; ``index`` and
    ``source`` have the same number of elements. With ``accumulate`` the values add up.

    >>> put(zeros(2, 2), tensor([0, -1]), tensor([1.0, 2.0]))
    tensor([[1., 0.],
            [0., 2.]])
    """
    if not isinstance(index, Tensor) or index.dtype is not dtypes.int64:
        got = index.dtype.name if isinstance(index, Tensor) else type(index).__name__
        raise RuntimeError(f"put_(): Expected a long tensor for index, but got {got}")
    if not isinstance(source, Tensor) or source.dtype is not x.dtype:
        got = source.dtype.name if isinstance(source, Tensor) else type(source).__name__
        raise RuntimeError(f"put_(): self and source expected to have the same dtype, but got "
                           f"self.dtype = {x.dtype.name} and source.dtype = {got}")
    if source.numel() != index.numel():
        raise IndexError(f"put_(): Expected source and index to have the same number of "
                         f"elements, but got source.numel() = {source.numel()}, "
                         f"index.numel() = {index.numel()}")
    same_device(x, index, source)
    rows = _wrapped(reshape(index, (-1,)), x.numel(),
                    f"out of range: tried to access index {{}} on a tensor of {x.numel()} "
                    f"elements.")
    flat = reshape(x, (-1,))
    return reshape(_write_at(flat, 1, rows, reshape(source, (-1,)), accumulate), x.shape)


@op(variants="function, method", inplace=True)
def masked_scatter(x: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """A copy of ``x`` (broadcast with ``mask``) where the elements at True positions of
    ``mask`` are, in row-major order, the first elements of ``source``, as
    ``torch.masked_scatter``. The number of True positions is read on the host once.

    >>> masked_scatter(zeros(4), tensor([True, False, True, True]), tensor([1.0, 2.0, 3.0]))
    tensor([1., 0., 2., 3.])
    """
    if not isinstance(mask, Tensor) or mask.dtype is not dtypes.bool_:
        got = mask.dtype.name if isinstance(mask, Tensor) else type(mask).__name__
        raise RuntimeError(f"masked_scatter_ only supports boolean masks, but got mask with "
                           f"dtype {got}")
    if not isinstance(source, Tensor) or source.dtype is not x.dtype:
        got = source.dtype.name if isinstance(source, Tensor) else type(source).__name__
        raise RuntimeError(f"masked_scatter: expected self and source to have same dtypes but "
                           f"got {x.dtype.name} and {got}")
    same_device(x, mask, source)
    shape = broadcast_shapes(x.shape, mask.shape)
    (rows,) = nonzero(reshape(broadcast_view(mask, shape), (-1,)), as_tuple=True)
    n = rows.shape[0]
    if source.numel() < n:
        raise RuntimeError(f"Number of elements of source < number of ones in mask "
                           f"({source.numel()} < {n})")
    values = narrow(reshape(source, (-1,)), 0, 0, n)  # a slice: the rest gets zero gradient
    flat = reshape(expand(x, shape), (-1,))
    return reshape(_write_at(flat, 1, rows, values, accumulate=False), shape)


def fill_diagonal(x: Tensor, fill_value: Scalar, wrap: bool = False) -> Tensor:
    """A copy of ``x`` with ``fill_value`` on its main diagonal (the elements ``x[i, i, ...]``
    of a tensor whose dims are all equal, or of a matrix), as NumPy's ``fill_diagonal``: for a
    tall matrix, ``wrap`` starts the diagonal again below the first square block (one row
    gap). The out-of-place form of ``Tensor.fill_diagonal_``."""
    if x.dim() < 2:
        raise RuntimeError(f"dimensions must larger than 1 (fill_diagonal_ of a tensor of "
                           f"shape {tuple(x.shape)})")
    if x.dim() > 2 and len(set(x.shape)) > 1:
        raise RuntimeError(f"all dimensions of input must be of equal length, got shape "
                           f"{tuple(x.shape)}")
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    # the diagonal is every (1 + m + m^2 + ...)-th element of the flat tensor
    step = 1 + int(np.cumprod(x.shape[:0:-1]).sum())
    end = x.numel() if wrap or x.dim() > 2 else min(x.numel(), x.shape[1] * x.shape[1])
    positions = Tensor._from_numpy(np.arange(0, end, step, dtype=np.int64), x.device)
    mask = x._empty_like((x.numel(),), dtypes.bool_).fill_(False)
    true = mask._empty_like(()).fill_(True)
    scatter_into(mask, 0, positions, true)
    return where(reshape(mask, x.shape), dtypes.cast_scalar(fill_value, x.dtype), x)


def scatter_with_reduce(x: Tensor, dim: int, index: Tensor, src: Tensor | Scalar,
                        reduce: str | None = None) -> Tensor:
    """``scatter`` with PyTorch's older ``reduce=`` argument: ``"add"`` adds the values
    scattered to a position, ``"multiply"`` multiplies them into it (both include ``x``'s
    own value); ``None`` replaces. ``src`` is a tensor or a number."""
    if reduce is None:
        return scatter(x, dim, index, src)
    if reduce not in ("add", "multiply"):
        raise RuntimeError(f"reduce argument must be either add or multiply, got {reduce!r}")
    if not isinstance(src, Tensor) and isinstance(index, Tensor):
        src = x._empty_like(index.shape).fill_(src)
    if reduce == "add":
        return scatter_add(x, dim, index, src)
    return scatter_reduce(x, dim, index, src, "prod")
