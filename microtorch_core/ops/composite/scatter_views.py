"""The out-of-place inverses of views: ``select_scatter``, ``slice_scatter``,
``diagonal_scatter`` (a copy of ``x`` with ``src`` written where the view would look), and
``diagflat``.

Each one places ``src`` into zeros through the view (``Embed``, whose backward is the view
again) and picks between that and ``x`` with a mask placed the same way, so ``x`` gets the
gradient outside the view and ``src`` the gradient inside it.
"""

from __future__ import annotations

from ... import dtypes
from ...autograd.function import Function
from ...autograd.grad_mode import no_grad
from ...dispatch import same_device
from ...tensor import Tensor, _wrap_dim
from ..declare import op
from ..primitive.copy import copy_into
from ..primitive.elementwise import where
from ..primitive.views import reshape
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
def diagflat(x: Tensor, offset: int = 0) -> Tensor:
    """A square matrix with the elements of ``x`` (flattened) on its ``offset``-th diagonal."""
    return diag(reshape(x, (x.numel(),)), offset)
