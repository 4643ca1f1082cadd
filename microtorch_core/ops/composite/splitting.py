"""Views that pick or cut along one dim: ``select``, ``tensor_split``, ``hsplit``, ``vsplit``,
``dsplit``, ``split_with_sizes`` (and the ``unsafe_`` splits), and ``ravel``.

Every piece is a basic slice of the input (``x[..., start:stop]``), so it shares the input's
storage and its backward is the slice's. ``tensor_split`` takes NumPy's ``array_split``
arguments: a number of sections (the first ``n % sections`` get one element more) or the
indices to cut at (Python slice semantics: clamped, and negative from the end).

>>> [t.tolist() for t in arange(7).tensor_split(3)]
[[0, 1, 2], [3, 4], [5, 6]]
"""

from __future__ import annotations

from collections.abc import Sequence

from ... import dtypes
from ...tensor import Tensor, _wrap_dim
from ..declare import op
from ..primitive.views import reshape
from .indexing import chunk, getitem, split


@op(variants="function, method")
def select(x: Tensor, dim: int, index: int) -> Tensor:
    """The slice ``x[..., index, ...]`` at position ``index`` of ``dim``, that dim removed: a
    view, as ``torch.select``.

    >>> select(arange(6).reshape(2, 3), 1, -1)
    tensor([2, 5])
    """
    if x.dim() == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = _wrap_dim(dim, x.dim())
    n = x.shape[d]
    if not -n <= index < n:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"{list(x.shape)} at dimension {d}")
    return getitem(x, (slice(None),) * d + (int(index),))


@op(variants="function, method")
def ravel(x: Tensor) -> Tensor:
    """``x`` as one dimension: a view when the layout allows, else a contiguous copy."""
    return reshape(x, (x.numel(),))


def _pieces(x: Tensor, d: int, bounds: Sequence[tuple[int, int]]) -> tuple[Tensor, ...]:
    lead = (slice(None),) * d
    return tuple(getitem(x, lead + (slice(start, stop),)) for start, stop in bounds)


def _indices_arg(name: str, arg: object) -> list[int] | int:
    """An int (sections) or a list of ints (indices) from ``arg``, which may be a tensor."""
    if isinstance(arg, Tensor):
        if arg.dtype is not dtypes.int64:
            raise RuntimeError(f"{name} expected tensor_indices_or_sections to have dtype of "
                               f"long, but got {arg.dtype.name}")
        if arg.dim() > 1:
            raise RuntimeError(f"{name} expected tensor_indices_or_sections to be a "
                               f"zero-dimensional or one-dimensional tensor, but got a tensor "
                               f"with {arg.dim()} dims")
        return arg.item() if arg.dim() == 0 else arg.tolist()
    if isinstance(arg, bool) or not isinstance(arg, (int, tuple, list)) or (
            not isinstance(arg, int) and not all(isinstance(i, int) for i in arg)):
        raise TypeError(f"{name}(): expected an int (sections), a tuple of ints (indices) or "
                        f"a tensor, got {arg!r}")
    return arg if isinstance(arg, int) else list(arg)


@op(variants="function, method")
def tensor_split(x: Tensor, indices_or_sections: int | Sequence[int] | Tensor,
                 dim: int = 0) -> tuple[Tensor, ...]:
    """Views of ``x`` along ``dim``: ``sections`` nearly equal pieces (the first ones one
    longer), or the pieces between the given ``indices``, as ``torch.tensor_split``."""
    if x.dim() == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a "
                           "tensor with 0 dims")
    arg = _indices_arg("tensor_split", indices_or_sections)
    d = _wrap_dim(dim, x.dim())
    n = x.shape[d]
    if isinstance(arg, int):
        if arg <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {arg}")
        size, extra = divmod(n, arg)
        starts = [i * size + min(i, extra) for i in range(arg + 1)]
        return _pieces(x, d, list(zip(starts[:-1], starts[1:])))
    cuts = [0] + arg + [n]
    return _pieces(x, d, list(zip(cuts[:-1], cuts[1:])))


def _split_at(name: str, x: Tensor, arg: int | Sequence[int], dim: int, min_dims: int
              ) -> tuple[Tensor, ...]:
    """hsplit/vsplit/dsplit: ``tensor_split`` along ``dim``, where sections must divide."""
    if x.dim() < min_dims:
        raise RuntimeError(f"torch.{name} requires a tensor with at least {min_dims} "
                           f"dimension, but got a tensor with {x.dim()} dimensions!")
    arg = _indices_arg(name, arg)
    if isinstance(arg, int) and (arg == 0 or x.shape[dim] % arg):
        raise RuntimeError(f"torch.{name} attempted to split along dimension {dim}, but the "
                           f"size of the dimension {x.shape[dim]} is not divisible by the "
                           f"split_size {arg}!")
    return tensor_split(x, arg, dim)


@op(variants="function, method")
def hsplit(x: Tensor, indices_or_sections: int | Sequence[int]) -> tuple[Tensor, ...]:
    """Split column-wise (dim 1, or dim 0 of a 1-D tensor) into equal sections or at indices,
    as ``numpy.hsplit``."""
    return _split_at("hsplit", x, indices_or_sections, 1 if x.dim() > 1 else 0, 1)


@op(variants="function, method")
def vsplit(x: Tensor, indices_or_sections: int | Sequence[int]) -> tuple[Tensor, ...]:
    """Split row-wise (dim 0 of a tensor of 2 or more dims), as ``numpy.vsplit``."""
    return _split_at("vsplit", x, indices_or_sections, 0, 2)


@op(variants="function, method")
def dsplit(x: Tensor, indices_or_sections: int | Sequence[int]) -> tuple[Tensor, ...]:
    """Split depth-wise (dim 2 of a tensor of 3 or more dims), as ``numpy.dsplit``."""
    return _split_at("dsplit", x, indices_or_sections, 2, 3)


@op(variants="function, method")
def split_with_sizes(x: Tensor, split_sizes: Sequence[int], dim: int = 0) -> tuple[Tensor, ...]:
    """Views of ``x`` along ``dim`` with the listed sizes, which must sum to its size there, as
    ``torch.split_with_sizes`` (``split`` with a list)."""
    sizes = [int(s) for s in split_sizes]
    if any(s < 0 for s in sizes):
        raise RuntimeError(f"split_with_sizes expects split_sizes have only non-negative "
                           f"entries, but got split_sizes={sizes}")
    return split(x, sizes, dim)


# PyTorch's unsafe_ forms return views that autograd does not track as views (so an in-place
# change of a piece is not checked against the others); MicroTorch's views need no such
# bookkeeping, so they are the plain splits.
@op(variants="function, method")
def unsafe_split(x: Tensor, split_size: int, dim: int = 0) -> tuple[Tensor, ...]:
    """``split(x, split_size, dim)``, as ``torch.unsafe_split``."""
    return split(x, split_size, dim)


@op(variants="function, method")
def unsafe_split_with_sizes(x: Tensor, split_sizes: Sequence[int], dim: int = 0
                            ) -> tuple[Tensor, ...]:
    """``split_with_sizes(x, split_sizes, dim)``, as ``torch.unsafe_split_with_sizes``."""
    return split_with_sizes(x, split_sizes, dim)


@op(variants="function, method")
def unsafe_chunk(x: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """``chunk(x, chunks, dim)``, as ``torch.unsafe_chunk``."""
    return chunk(x, chunks, dim)
