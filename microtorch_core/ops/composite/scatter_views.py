"""The out-of-place inverses of views: ``select_scatter``, ``slice_scatter``,
``diagonal_scatter``, ``as_strided_scatter`` (a copy of ``x`` with ``src`` written where the
view would look), and ``diagflat``.

Each one places ``src`` into zeros through the view (``Embed``, whose backward is the view
again) and picks between that and ``x`` with a mask placed the same way, so ``x`` gets the
gradient outside the view and ``src`` the gradient inside it.
"""

from __future__ import annotations

from collections.abc import Sequence

from ... import dtypes
from ...autograd.function import Function
from ...autograd.grad_mode import no_grad
from ...dispatch import same_device
from ...tensor import Tensor, _wrap_dim
from ..declare import op
from ..primitive.copy import copy_into
from ..primitive.elementwise import where
from ..primitive.indexing import scatter
from ..primitive.views import reshape
from .as_strided import _int_sequence, _positions
from .diagonal import DiagonalScatter, _diagonal_dims, diag, diagonal
from .indexing import getitem


class Embed(Function):
    """out = zeros(shape) with out[key] = src (``key`` a basic index: a view)"""

    @staticmethod
    def forward(ctx, src: Tensor, shape: tuple[int, ...], key) -> Tensor:
        ctx.key = key
        out = src._empty_like(shape).zero_()
        with no_grad():
            copy_into(getitem(out, key), src)
        return out

    @staticmethod
    def backward(ctx, grad):
        return getitem(grad, ctx.key), None, None


def _scatter_into(name: str, x: Tensor, src: Tensor, view: Tensor, key) -> Tensor:
    if not isinstance(src, Tensor):
        raise TypeError(f"{name}(): argument 'src' must be Tensor, not {type(src).__name__}")
    if src.shape != view.shape:
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size "
                           f"= {list(src.shape)}, slice size = {list(view.shape)}")
    same_device(x, src)
    src = src.to(x.dtype)
    mask = Embed.apply(src._empty_like(dtype=dtypes.bool_).fill_(True), x.shape, key)
    return where(mask, Embed.apply(src, x.shape, key), x)


@op(variants="function, method")
def select_scatter(x: Tensor, src: Tensor, dim: int, index: int) -> Tensor:
    """A copy of ``x`` with ``x.select(dim, index)`` replaced by ``src``."""
    d = _wrap_dim(dim, x.dim())
    view = x.detach().select(d, index)
    return _scatter_into("select_scatter", x, src, view, (slice(None),) * d + (int(index),))


@op(variants="function, method")
def slice_scatter(x: Tensor, src: Tensor, dim: int = 0, start: int | None = None,
                  end: int | None = None, step: int = 1) -> Tensor:
    """A copy of ``x`` with the slice ``start:end:step`` along ``dim`` replaced by ``src``."""
    d = _wrap_dim(dim, x.dim())
    key = (slice(None),) * d + (slice(start, end, step),)
    return _scatter_into("slice_scatter", x, src, getitem(x.detach(), key), key)


@op(variants="function, method")
def diagonal_scatter(x: Tensor, src: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1
                     ) -> Tensor:
    """A copy of ``x`` with ``x.diagonal(offset, dim1, dim2)`` replaced by ``src``."""
    d1, d2 = _diagonal_dims(x.dim(), dim1, dim2)
    view = diagonal(x.detach(), offset, d1, d2)
    if not isinstance(src, Tensor):
        raise TypeError(f"diagonal_scatter(): argument 'src' must be Tensor, not "
                        f"{type(src).__name__}")
    if src.shape != view.shape:
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size "
                           f"= {list(src.shape)}, slice size = {list(view.shape)}")
    same_device(x, src)
    src = src.to(x.dtype)
    ones = src._empty_like(dtype=dtypes.bool_).fill_(True)
    mask = DiagonalScatter.apply(ones, x.shape, int(offset), d1, d2)
    return where(mask, DiagonalScatter.apply(src, x.shape, int(offset), d1, d2), x)


@op(variants="function, method")
def as_strided_scatter(x: Tensor, src: Tensor, size: Sequence[int], stride: Sequence[int],
                       storage_offset: int = 0) -> Tensor:
    """A copy of ``x`` with ``src`` written where ``as_strided(size, stride,
    storage_offset)`` of that (row-major) copy would look, as ``torch.as_strided_scatter``.
    Positions count in elements from the copy's first one; where the layout shows one element
    twice, one of the values written there wins."""
    size, stride = _int_sequence("size", size), _int_sequence("stride", stride)
    offset = 0 if storage_offset is None else int(storage_offset)
    if not isinstance(src, Tensor):
        raise TypeError(f"as_strided_scatter(): argument 'src' must be Tensor, not "
                        f"{type(src).__name__}")
    if len(size) != len(stride):
        raise RuntimeError(f"mismatch in length of strides and shape: size {list(size)} and "
                           f"stride {list(stride)}")
    if any(n < 0 for n in size) or any(s < 0 for s in stride) or offset < 0:
        raise RuntimeError(f"as_strided_scatter: sizes {list(size)}, strides {list(stride)} "
                           f"and storage offset {offset} must be non-negative")
    itemsize = x.dtype.itemsize
    needed = 0 if 0 in size else offset + sum((n - 1) * s for n, s in zip(size, stride)) + 1
    if needed > x.numel():
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage "
                           f"offset {offset}, and itemsize {itemsize} requiring a storage size "
                           f"of {needed * itemsize} are out of bounds for storage of size "
                           f"{x.numel() * itemsize}")
    if tuple(src.shape) != size:
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size "
                           f"= {list(src.shape)}, slice size = {list(size)}")
    same_device(x, src)
    flat = reshape(x, (x.numel(),))
    if 0 in size:
        return reshape(flat.clone(), x.shape)
    positions = reshape(_positions(x, (size, stride, offset)), (-1,))
    return reshape(scatter(flat, 0, positions, reshape(src.to(x.dtype), (-1,))), x.shape)


@op(variants="function, method")
def diagflat(x: Tensor, offset: int = 0) -> Tensor:
    """A square matrix with the elements of ``x`` (flattened) on its ``offset``-th diagonal."""
    return diag(reshape(x, (x.numel(),)), offset)
