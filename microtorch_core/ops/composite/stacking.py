"""Joining tensors and giving them dims: atleast_1d/2d/3d, hstack vstack dstack column_stack
row_stack, broadcast_tensors, block_diag, kron, cartesian_prod.

Each is views (reshape, expand) plus ``cat`` or one broadcast multiply, so the gradients come
from those ops.
"""

from __future__ import annotations

from collections.abc import Sequence

from ...dispatch import broadcast_shapes, same_device
from ...tensor import Tensor
from ..declare import op
from ..primitive.views import expand, reshape
from .indexing import cat, stack
from .rearrange import meshgrid

TensorOrTensors = Tensor | Sequence[Tensor]


def _tensor_args(name: str, tensors: tuple) -> tuple[list[Tensor], bool]:
    """``f(a, b)`` and ``f([a, b])`` alike: the tensors, and whether there was just one."""
    if len(tensors) == 1 and isinstance(tensors[0], (tuple, list)):
        tensors = tuple(tensors[0])
        single = False
    else:
        single = len(tensors) == 1
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}(): expected Tensors, got {type(t).__name__} at position {i}")
    return list(tensors), single


def _atleast(name: str, tensors: tuple, shapes) -> Tensor | tuple[Tensor, ...]:
    items, single = _tensor_args(name, tensors)
    out = []
    for t in items:
        shape = shapes(t.shape)
        out.append(reshape(t, shape) if shape != t.shape else t)
    return out[0] if single else tuple(out)


@op
def atleast_1d(*tensors: TensorOrTensors) -> Tensor | tuple[Tensor, ...]:
    """Each tensor as a view with at least one dim (a 0-d tensor becomes shape (1,)), as
    ``torch.atleast_1d``: one tensor in, one out; several (or a list), a tuple."""
    return _atleast("atleast_1d", tensors, lambda s: s if len(s) >= 1 else (1,))


@op
def atleast_2d(*tensors: TensorOrTensors) -> Tensor | tuple[Tensor, ...]:
    """Each tensor as a view with at least two dims: () -> (1, 1), (n,) -> (1, n)."""
    return _atleast("atleast_2d", tensors, lambda s: (1,) * max(0, 2 - len(s)) + s)


def _three_dims(shape: tuple[int, ...]) -> tuple[int, ...]:
    if len(shape) == 0:
        return (1, 1, 1)
    if len(shape) == 1:
        return (1,) + shape + (1,)
    return shape + (1,) if len(shape) == 2 else shape


@op
def atleast_3d(*tensors: TensorOrTensors) -> Tensor | tuple[Tensor, ...]:
    """Each tensor as a view with at least three dims: () -> (1, 1, 1), (n,) -> (1, n, 1),
    (m, n) -> (m, n, 1), as ``torch.atleast_3d`` (and NumPy's)."""
    return _atleast("atleast_3d", tensors, _three_dims)


def _nonempty(name: str, tensors: Sequence[Tensor]) -> list[Tensor]:
    items = list(tensors)
    if not items:
        raise RuntimeError(f"{name} expects a non-empty TensorList")
    return items


@op
def hstack(tensors: Sequence[Tensor]) -> Tensor:
    """Join horizontally: along dim 0 for 1-D tensors, else dim 1 (0-d become 1-D first),
    as ``torch.hstack``."""
    items = atleast_1d(_nonempty("hstack", tensors))
    return cat(items, 0 if items[0].dim() == 1 else 1)


@op(aliases=("row_stack",))
def vstack(tensors: Sequence[Tensor]) -> Tensor:
    """Join vertically (along dim 0) after making each at least 2-D, as ``torch.vstack``:
    1-D tensors become rows."""
    return cat(atleast_2d(_nonempty("vstack", tensors)), 0)


row_stack = vstack


@op
def dstack(tensors: Sequence[Tensor]) -> Tensor:
    """Join depth-wise (along dim 2) after making each at least 3-D, as ``torch.dstack``."""
    return cat(atleast_3d(_nonempty("dstack", tensors)), 2)


@op
def column_stack(tensors: Sequence[Tensor]) -> Tensor:
    """Join as columns: 0-d and 1-D tensors become (n, 1) columns, others join along dim 1,
    as ``torch.column_stack``."""
    items = _nonempty("column_stack", tensors)
    return cat([reshape(t, (t.numel(), 1)) if t.dim() <= 1 else t for t in items], 1)


@op
def broadcast_tensors(*tensors: Tensor) -> tuple[Tensor, ...]:
    """The tensors expanded to their common broadcast shape (views, no copies), as
    ``torch.broadcast_tensors``.

    >>> [t.shape for t in broadcast_tensors(zeros(2, 1), zeros(3))]
    [(2, 3), (2, 3)]
    """
    items, _ = _tensor_args("broadcast_tensors", tensors)
    if not items:
        return ()
    same_device(*items)
    shape = broadcast_shapes(*(t.shape for t in items))
    return tuple(expand(t, shape) for t in items)


@op
def block_diag(*tensors: Tensor) -> Tensor:
    """The tensors (0-d, 1-D as a row, or 2-D) placed on the diagonal of a zero matrix, as
    ``torch.block_diag``; the dtype is promoted over all of them.

    >>> block_diag(tensor([[1, 2]]), tensor(3))
    tensor([[1, 2, 0],
            [0, 0, 3]])
    """
    items, _ = _tensor_args("block_diag", tensors)
    for i, t in enumerate(items):
        if t.dim() > 2:
            raise RuntimeError(f"block_diag(): Input tensors must have 2 or fewer dimensions. "
                               f"Input {i} has {t.dim()} dimensions")
    if not items:
        from ...creation import zeros

        return zeros(1, 0)
    same_device(*items)
    blocks = atleast_2d(items)  # a list in: always a tuple out
    width = sum(b.shape[1] for b in blocks)
    rows, left = [], 0
    for b in blocks:
        # each block row: zeros, the block, zeros (constant zeros take no gradient)
        r, c = b.shape
        before = b._empty_like((r, left)).zero_()
        after = b._empty_like((r, width - left - c)).zero_()
        rows.append(cat([before, b, after], 1))
        left += c
    return cat(rows, 0)


@op(variants="function, method")
def kron(a: Tensor, b: Tensor) -> Tensor:
    """The Kronecker product, as ``torch.kron``: block ``(i, j, ...)`` of the result is
    ``a[i, j, ...] * b``; the shorter shape is padded with leading 1s. One broadcast multiply
    of ``a`` reshaped to (a0, 1, a1, 1, ...) by ``b`` reshaped to (1, b0, 1, b1, ...).

    >>> kron(tensor([1, 10]), tensor([1, 2, 3]))
    tensor([ 1,  2,  3, 10, 20, 30])
    """
    same_device(a, b)
    ndim = max(a.dim(), b.dim())
    sa = (1,) * (ndim - a.dim()) + tuple(a.shape)
    sb = (1,) * (ndim - b.dim()) + tuple(b.shape)
    pairs = reshape(a, tuple(v for n in sa for v in (n, 1))) * \
        reshape(b, tuple(v for n in sb for v in (1, n)))
    return reshape(pairs, tuple(m * n for m, n in zip(sa, sb)))


@op
def cartesian_prod(*tensors: Tensor) -> Tensor:
    """Every combination of one element from each 1-D tensor, as rows, in lexicographic
    order (as ``itertools.product``), as ``torch.cartesian_prod``; one tensor is returned as
    it is.

    >>> cartesian_prod(tensor([1, 2]), tensor([3, 4]))
    tensor([[1, 3],
            [1, 4],
            [2, 3],
            [2, 4]])
    """
    items, _ = _tensor_args("cartesian_prod", tensors)
    for i, t in enumerate(items):
        if t.dim() != 1:
            raise RuntimeError(f"cartesian_prod(): expected 1-D tensors, but got shape "
                               f"{tuple(t.shape)} at position {i}")
    if len(items) == 1:
        return items[0]
    grids = meshgrid(*items, indexing="ij")
    return stack([reshape(g, (-1,)) for g in grids], 1)
