"""Diagonals and triangles: diagonal (a view; and linalg.diagonal), diag, diag_embed, trace,
tril, triu.

``diagonal`` needs no kernel. Element ``i`` of the diagonal of dims ``(d1, d2)`` sits at
``x[..., i, ..., i + offset, ...]``, that is ``i * (stride(d1) + stride(d2))`` past the first
one, so the diagonal is a view with that single stride. Its backward writes the gradient onto
the diagonal of a zero tensor (``DiagonalScatter``), whose own backward is ``diagonal`` again;
``diag_embed`` is that same function. ``tril``/``triu`` keep a triangle with ``where``.
"""

from __future__ import annotations

import numpy as np

from ... import dtypes
from ...autograd.function import Function
from ...tensor import Tensor, _wrap_dim
from ..declare import op
from ..primitive.copy import clone, copy_into
from ..primitive.elementwise import where
from ..primitive.reduction import sum as _sum


def _diagonal_layout(x: Tensor, offset: int, d1: int, d2: int
                     ) -> tuple[tuple[int, ...], tuple[int, ...], int]:
    """(shape, strides, storage offset) of the diagonal view of ``x``."""
    n1, n2 = x.shape[d1], x.shape[d2]
    s1, s2 = x._strides[d1], x._strides[d2]
    if offset >= 0:
        length, start = max(0, min(n1, n2 - offset)), offset * s2
    else:
        length, start = max(0, min(n1 + offset, n2)), -offset * s1
    rest = [i for i in range(x.dim()) if i not in (d1, d2)]
    shape = tuple(x.shape[i] for i in rest) + (length,)
    strides = tuple(x._strides[i] for i in rest) + (s1 + s2,)
    return shape, strides, x._offset + (start if length else 0)


class Diagonal(Function):
    """out[..., i] = x[..., i, ..., i + offset, ...] (a view)"""

    @staticmethod
    def forward(ctx, x: Tensor, offset: int, d1: int, d2: int) -> Tensor:
        ctx.args = (offset, d1, d2)
        return x._view(*_diagonal_layout(x, offset, d1, d2))

    @staticmethod
    def backward(ctx, grad):
        shape = ctx.input_meta[0][0]
        return DiagonalScatter.apply(grad, shape, *ctx.args), None, None, None


class DiagonalScatter(Function):
    """out = zeros(shape) with diagonal(out, offset, d1, d2) = src"""

    @staticmethod
    def forward(ctx, src: Tensor, shape: tuple[int, ...], offset: int, d1: int, d2: int
                ) -> Tensor:
        ctx.args = (offset, d1, d2)
        out = src._empty_like(shape).zero_()
        if src.numel():
            copy_into(out._view(*_diagonal_layout(out, offset, d1, d2)), src)
        return out

    @staticmethod
    def backward(ctx, grad):
        return Diagonal.apply(grad, *ctx.args), None, None, None, None


def _diagonal_dims(ndim: int, dim1: int, dim2: int) -> tuple[int, int]:
    d1, d2 = _wrap_dim(dim1, ndim), _wrap_dim(dim2, ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return d1, d2


@op(variants="function, method")
def diagonal(x: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal of the ``(dim1, dim2)`` planes of ``x`` as a new last dim, as
    ``torch.diagonal``: a view sharing ``x``'s storage. ``offset > 0`` is above the main
    diagonal, ``offset < 0`` below.

    >>> diagonal(arange(9).reshape(3, 3), 1)
    tensor([1, 5])
    """
    d1, d2 = _diagonal_dims(x.dim(), dim1, dim2)
    return Diagonal.apply(x, int(offset), d1, d2)


@op(namespace="linalg", name="diagonal")
def linalg_diagonal(A: Tensor, *, offset: int = 0, dim1: int = -2, dim2: int = -1  # noqa: N803
                    ) -> Tensor:
    """The diagonals of the matrices in the last two dims of ``A``, as
    ``torch.linalg.diagonal``: :func:`diagonal` with the batch-first defaults of
    ``torch.linalg`` (a view)."""
    return diagonal(A, offset, dim1, dim2)


@op(variants="function, method")
def diag_embed(x: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """A tensor whose ``(dim1, dim2)`` diagonals (at ``offset``) hold the last dim of ``x``,
    zeros elsewhere, as ``torch.diag_embed``: ``diag_embed(x)`` of shape (b, n) is (b, n, n).
    """
    d1, d2 = _diagonal_dims(x.dim() + 1, dim1, dim2)
    n = (x.shape[-1] if x.dim() else 1) + abs(offset)
    batch = iter(x.shape[:-1])
    shape = tuple(n if i in (d1, d2) else next(batch) for i in range(x.dim() + 1))
    return DiagonalScatter.apply(x, shape, int(offset), d1, d2)


@op(variants="function, method")
def diag(x: Tensor, diagonal: int = 0) -> Tensor:
    """As ``torch.diag``: a 1-D ``x`` becomes a square matrix with ``x`` on its ``diagonal``-th
    diagonal; a 2-D ``x`` gives a copy of its ``diagonal``-th diagonal."""
    if x.dim() == 1:
        n = x.shape[0] + abs(diagonal)
        return DiagonalScatter.apply(x, (n, n), int(diagonal), 0, 1)
    if x.dim() == 2:
        return clone(Diagonal.apply(x, int(diagonal), 0, 1))
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {x.dim()}D")


@op(variants="function, method")
def trace(x: Tensor) -> Tensor:
    """Sum of the main diagonal of a matrix (integers sum to int64, as in PyTorch)."""
    if x.dim() != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {x.dim()}")
    return _sum(Diagonal.apply(x, 0, 0, 1))


def _triangle(name: str, x: Tensor, diagonal: int, lower: bool) -> Tensor:
    """``x`` with zeros outside the triangle of its last two dims (``where``: any backend)."""
    if x.dim() < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions (got shape "
                           f"{tuple(x.shape)})")
    rows, cols = x.shape[-2:]
    # element (i, j) is on diagonal j - i: compare on the device, not an (n, m) host mask
    i = Tensor._from_numpy(np.arange(rows, dtype=np.int64).reshape(rows, 1), x.device)
    j = Tensor._from_numpy(np.arange(cols, dtype=np.int64), x.device)
    keep = (j - i <= diagonal) if lower else (j - i >= diagonal)
    return where(keep, x, dtypes.cast_scalar(0, x.dtype))


@op(variants="function, method", inplace=True)
def tril(x: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangle of (the last two dims of) ``x``: elements with ``j - i <= diagonal``
    are kept, the rest become 0, as ``torch.tril``."""
    return _triangle("tril", x, int(diagonal), lower=True)


@op(variants="function, method", inplace=True)
def triu(x: Tensor, diagonal: int = 0) -> Tensor:
    """The upper triangle of (the last two dims of) ``x``: elements with ``j - i >= diagonal``
    are kept, the rest become 0, as ``torch.triu``."""
    return _triangle("triu", x, int(diagonal), lower=False)

