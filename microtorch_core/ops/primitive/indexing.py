"""Index kernels: ``gather``, ``scatter``, ``scatter_add`` and ``index_select``.

:class:`Gather`, :class:`Scatter` and :class:`ScatterAdd` are the Functions over the three
kernels; gather's backward is a scatter-add and the other way round. A bounds check reads the
smallest and largest index on the host: on a GPU that is a synchronisation, so it is done once,
where the user hands indices in (``index_range``). ``scatter_into`` and ``scatter_add_into``
are the raw writes composites use on buffers they have just allocated.
"""

from __future__ import annotations

from ... import dtypes
from ...autograd.function import Function
from ...dispatch import broadcast_view, cast, same_device
from ...graphs import capture as graph_capture
from ...tensor import Tensor, _wrap_dim
from ..declare import op
from .elementwise import where
from .views import Narrow, reshape

Scalar = bool | int | float


# -- gather / scatter ----------------------------------------------------------------------
# A bounds check reads the smallest and largest index on the host: on a GPU that is a
# synchronisation, so it is done once, where the user hands indices in (gather, scatter,
# index_select, x[idx], embedding, nll_loss). Indices the framework builds itself (argmax
# positions, sort permutations, padding maps, a backward reusing its forward's index) are in
# range by construction and go straight to the Functions (``Gather.apply``,
# ``index_select_unchecked``) without one.
def index_range(index: Tensor) -> tuple[int, int]:
    """(smallest, largest) value of a non-empty integer tensor, read in one device-to-host
    copy (a backend whose memory is the host's is read in place)."""
    if graph_capture.active is not None:  # capturing a graph: a guard each replay checks again
        return graph_capture.active.index_range(index, index_range)
    values = index._kernels.backend.numpy_view(index)
    if values is not None:  # host memory: read in place
        return int(values.min()), int(values.max())
    if index.dim() == 0:
        index = reshape(index, (1,))
    # both extremes into one buffer, so that the host reads them in one copy
    both = index._empty_like((2,))
    all_dims, ones = tuple(range(index.dim())), (1,) * index.dim()
    index._kernels.amin(both._view(ones, (0,) * index.dim(), 0), index, all_dims)
    index._kernels.amax(both._view(ones, (0,) * index.dim(), 1), index, all_dims)
    lo, hi = both.tolist()
    return lo, hi


def _check_index(name: str, x: Tensor, dim: int, index: Tensor, src: Tensor | None = None
                 ) -> int:
    """The wrapped ``dim``, after checking ``index`` as gather/scatter want it: int64, on
    ``x``'s device, with ``x``'s number of dims (a 0-d tensor counts as 1-D, as in
    PyTorch), no larger than ``x`` apart from ``dim`` (and than ``src``, for scatter), every
    value in range along ``dim``."""
    _check_index_tensor(name, x, index)
    d = _wrap_dim(dim, x.dim())
    if max(index.dim(), 1) != max(x.dim(), 1):
        raise RuntimeError(f"{name}(): Index tensor must have the same number of dimensions "
                           f"as input tensor ({index.dim()} vs {x.dim()})")
    if src is not None and max(src.dim(), 1) != max(index.dim(), 1):
        raise RuntimeError(f"{name}(): Index tensor must have the same number of dimensions "
                           f"as src tensor ({index.dim()} vs {src.dim()})")
    over_x = any(i > n for k, (i, n) in enumerate(zip(index.shape, x.shape)) if k != d)
    over_src = src is not None and any(i > n for i, n in zip(index.shape, src.shape))
    if index.numel() and (over_x or over_src):
        also = f" and to be no larger than src {list(src.shape)}" if src is not None else ""
        raise RuntimeError(f"{name}(): Expected index {list(index.shape)} to be no larger than "
                           f"self {list(x.shape)} apart from dimension {d}{also}")
    _check_in_range(name, index, x.shape[d] if x.dim() else 1, d)
    return d


def _check_src_dtype(name: str, x: Tensor, src: Tensor) -> None:
    if src.dtype is not x.dtype:  # a cast would silently truncate (float into int)
        raise RuntimeError(f"{name}(): Expected self.dtype to be equal to src.dtype, got "
                           f"{x.dtype.name} and {src.dtype.name}")


def _src_for(index: Tensor, src: Tensor) -> Tensor:
    """``src`` cut to ``index``'s shape (PyTorch reads only that corner of a larger src); a
    differentiable slice, so the rest of ``src`` gets a zero gradient."""
    for k, (i, n) in enumerate(zip(index.shape, src.shape)):
        if i < n:
            src = Narrow.apply(src, k, 0, i)
    return src


def _check_index_tensor(name: str, x: Tensor, index: Tensor) -> None:
    if not isinstance(index, Tensor) or index.dtype is not dtypes.int64:
        got = index.dtype.name if isinstance(index, Tensor) else type(index).__name__
        raise RuntimeError(f"{name}(): Expected dtype int64 for index, got {got}")
    same_device(x, index)


def _as_int64_index(name: str, index: Tensor) -> Tensor:
    """``index`` as int64: gather, scatter, scatter_add and index_select take int32 indices
    too, as in PyTorch (the kernels take int64)."""
    if isinstance(index, Tensor) and index.dtype is dtypes.int32:
        return cast(index, dtypes.int64)
    if not isinstance(index, Tensor) or index.dtype is not dtypes.int64:
        got = index.dtype.name if isinstance(index, Tensor) else type(index).__name__
        raise RuntimeError(f"{name}(): Expected dtype int32/int64 for index, got {got}")
    return index


def _flat(t: Tensor) -> Tensor:
    """A 0-d or 1-D tensor as 1-D: gather/scatter see a 0-d tensor as one of size 1."""
    return reshape(t, (-1,)) if t.dim() == 0 else t


def _check_in_range(name: str, index: Tensor, size: int, d: int) -> None:
    if index.numel():
        lo, hi = index_range(index)
        if lo < 0 or hi >= size:
            raise IndexError(f"{name}(): index {lo if lo < 0 else hi} is out of bounds for "
                             f"dimension {d} with size {size}")


class Gather(Function):
    """out[i][j] = x[i][index[i][j]] (for dim=1)"""

    @staticmethod
    def forward(ctx, x, dim, index):
        ctx.dim = dim
        ctx.save_for_backward(index)
        out = x._empty_like(index.shape)
        x._kernels.gather(out, _cut_to_index(x, dim, index), dim, index)
        return out

    @staticmethod
    def backward(ctx, grad):
        (index,) = ctx.saved_tensors
        shape = ctx.input_meta[0][0]
        zeros = grad._empty_like(shape).zero_()
        return ScatterAdd.apply(zeros, ctx.dim, index, grad), None, None


def _cut_to_index(x: Tensor, dim: int, index: Tensor) -> Tensor:
    """``x`` seen with ``index``'s size in every dim but ``dim`` (a view). PyTorch lets the
    index of gather be smaller than ``x`` there; kernels then see equal shapes."""
    shape = tuple(n if i == dim else m for i, (n, m) in enumerate(zip(x.shape, index.shape)))
    if shape == x.shape or any(m > n for m, n in zip(shape, x.shape)):
        return x
    return x._view(shape, x._strides, x._offset)


class ScatterAdd(Function):
    """out = x with out[i][index[i][j]] += src[i][j] (for dim=1)"""

    @staticmethod
    def forward(ctx, x, dim, index, src):
        ctx.dim = dim
        ctx.save_for_backward(index)
        out = x.clone()  # a fresh contiguous copy to write into
        x._kernels.scatter_add(out, dim, index, cast(src, out.dtype))
        return out

    @staticmethod
    def backward(ctx, grad):
        (index,) = ctx.saved_tensors
        return grad, None, None, Gather.apply(grad, ctx.dim, index)


class Scatter(Function):
    """out = x with out[i][index[i][j]] = src[i][j] (for dim=1)"""

    @staticmethod
    def forward(ctx, x, dim, index, src):
        ctx.dim = dim
        ctx.save_for_backward(index)
        out = x.clone()  # a fresh contiguous copy to write into
        if isinstance(src, Tensor):
            src = cast(src, out.dtype)
        else:  # a scalar: scatter a broadcast view of it
            src = out._empty_like((1,) * out.dim() or ()).fill_(src)
            src = broadcast_view(src, index.shape)
        x._kernels.scatter(out, dim, index, src)
        return out

    @staticmethod
    def backward(ctx, grad):
        (index,) = ctx.saved_tensors
        mask = grad._empty_like(dtype=dtypes.bool_).fill_(False)
        true = mask._empty_like(index.shape).fill_(True)
        mask._kernels.scatter(mask, ctx.dim, index, true)
        return where(mask, 0.0, grad), None, None, Gather.apply(grad, ctx.dim, index)


@op(variants="function, method")
def gather(x: Tensor, dim: int, index: Tensor) -> Tensor:
    """Pick values along ``dim`` by ``index`` (int64 or int32), as ``torch.gather``; the
    result has ``index``'s shape. A 0-d ``x`` or ``index`` counts as 1-D of size 1."""
    index = _as_int64_index("gather", index)
    d = _check_index("gather", x, dim, index)
    if x.dim() == 0 or index.dim() == 0:
        return reshape(Gather.apply(_flat(x), 0, _flat(index)), index.shape)
    return Gather.apply(x, d, index)


@op(variants="function, method", inplace=True)
def scatter_add(x: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """Out-of-place ``scatter_add``: a copy of ``x`` with ``src`` added at ``index`` (int64
    or int32). A 0-d tensor counts as 1-D of size 1."""
    index = _as_int64_index("scatter_add", index)
    d = _check_index("scatter_add", x, dim, index, src)
    _check_src_dtype("scatter_add", x, src)
    if x.dim() == 0 or index.dim() == 0:
        index, src_1d = _flat(index), _flat(src)
        out = ScatterAdd.apply(_flat(x), 0, index, _src_for(index, src_1d))
        return reshape(out, x.shape)
    return ScatterAdd.apply(x, d, index, _src_for(index, src))


#: scatter's ``reduce=`` values, and the scatter_reduce reduction each is (as PyTorch).
SCATTER_REDUCTIONS = {"add": "sum", "multiply": "prod"}


@op(variants="function, method")
def scatter(x: Tensor, dim: int, index: Tensor, src: Tensor | Scalar | None = None, *,
            value: Scalar | None = None, reduce: str | None = None) -> Tensor:
    """Out-of-place ``scatter``: a copy of ``x`` with ``src`` (a tensor, or a number: also
    ``value=``) written at ``index`` (int64 or int32); with ``reduce="add"`` or
    ``"multiply"`` combined with what is there instead, as ``torch.scatter``. A 0-d tensor
    counts as 1-D of size 1."""
    if (src is None) == (value is None):
        raise TypeError("scatter(): expected exactly one of src (a tensor or a number) and "
                        "value")
    src = value if src is None else src
    index = _as_int64_index("scatter", index)
    if reduce is not None and reduce not in SCATTER_REDUCTIONS:
        raise RuntimeError(f"scatter(): reduce argument must be either add or multiply, got "
                           f"{reduce!r}")
    if isinstance(src, Tensor):
        d = _check_index("scatter", x, dim, index, src)
        _check_src_dtype("scatter", x, src)
    else:
        d = _check_index("scatter", x, dim, index)
    if x.dim() == 0 or index.dim() == 0:
        flat_src = _flat(src) if isinstance(src, Tensor) else src
        return reshape(_scatter(_flat(x), 0, _flat(index), flat_src, reduce), x.shape)
    return _scatter(x, d, index, src, reduce)


def _scatter(x: Tensor, d: int, index: Tensor, src, reduce: str | None) -> Tensor:
    """scatter of checked arguments, at least 1-D."""
    if reduce is None:
        return Scatter.apply(x, d, index, _src_for(index, src) if isinstance(src, Tensor)
                             else src)
    if not isinstance(src, Tensor):  # the number in x's dtype (2.5 multiplies ints by 2)
        src = x._empty_like(index.shape).fill_(dtypes.cast_scalar(src, x.dtype))
    from ..composite.index_ops import scatter_reduce  # composite: built on this module

    return scatter_reduce(x, d, index, _src_for(index, src), SCATTER_REDUCTIONS[reduce])


@op(variants="function, method")
def index_select(x: Tensor, dim: int, index: Tensor) -> Tensor:
    """The slices of ``x`` along ``dim`` at the positions in the 1-D (or 0-d) ``index``
    (int64 or int32); a 0-d ``x`` takes a one-element ``index`` and stays 0-d."""
    d = _wrap_dim(dim, x.dim())
    if index.dim() > 1:
        raise IndexError(f"index_select(): Index is supposed to be a vector, got "
                         f"{index.dim()}-D")
    index = _as_int64_index("index_select", index)
    same_device(x, index)
    if x.dim() == 0 and index.numel() != 1:
        raise RuntimeError(f"index_select(): Index to scalar can have only 1 value, got "
                           f"{index.numel()} value(s)")
    _check_in_range("index_select", index, x.shape[d] if x.dim() else 1, d)
    if x.dim() == 0:
        return reshape(index_select_unchecked(_flat(x), 0, _flat(index)), ())
    return index_select_unchecked(x, d, _flat(index))


def index_select_unchecked(x: Tensor, dim: int, index: Tensor) -> Tensor:
    """``index_select`` along a wrapped ``dim`` for a 1-D int64 ``index`` the caller knows is
    in range (no bounds check, so no host synchronisation)."""
    shape = x.shape[:dim] + (index.shape[0],) + x.shape[dim + 1:]
    view_shape = tuple(n if i == dim else 1 for i, n in enumerate(shape))
    return Gather.apply(x, dim, broadcast_view(reshape(index, view_shape), shape))


# -- raw writes for composites: fill a buffer they have just allocated (no autograd) --------
def scatter_into(out: Tensor, dim: int, index: Tensor, src: Tensor) -> None:
    """``out[i][index[i][j]] = src[i][j]`` (for dim=1) by the ``scatter`` kernel; ``src`` is
    cast to out's dtype and broadcast to index's shape, ``index`` is in range."""
    out._kernels.scatter(out, dim, index, broadcast_view(cast(src, out.dtype), index.shape))


def scatter_add_into(out: Tensor, dim: int, index: Tensor, src: Tensor) -> None:
    """``out[i][index[i][j]] += src[i][j]`` (for dim=1) by the ``scatter_add`` kernel; as
    :func:`scatter_into`."""
    out._kernels.scatter_add(out, dim, index,
                             broadcast_view(cast(src, out.dtype), index.shape))
