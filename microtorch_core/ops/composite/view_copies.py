"""The ``*_copy`` forms of the views: ``expand_copy``, ``view_copy``, ``permute_copy``,
``diagonal_copy``, ``unbind_copy``... (as ``torch.expand_copy`` and friends).

A view shares its input's storage, so writing into it writes into the input. PyTorch's
functionalization (``torch.compile``, ``torch.func``) turns every view into its ``_copy``
form, which returns the same values in a new, row-major tensor of its own: ``f_copy(x, ...)``
is ``f(x, ...).clone()``. That is how each one is written here, so its gradient is the view's
(the clone passes the gradient through unchanged).

>>> x = arange(6).reshape(2, 3)
>>> y = transpose_copy(x, 0, 1)
>>> y[0, 0] = 9  # y owns its storage: x is unchanged
>>> x[0, 0].item()
0
"""

from __future__ import annotations

from collections.abc import Sequence

from ...tensor import Tensor, _wrap_dim
from ..declare import op
from ..primitive.copy import clone
from ..primitive.views import expand, permute, reshape, squeeze, t, transpose, unfold, unsqueeze
from .as_strided import as_strided
from .diagonal import diagonal
from .indexing import getitem, narrow, narrow_start, split, unbind
from .splitting import select, split_with_sizes


@op
def expand_copy(input: Tensor, size: Sequence[int], *, implicit: bool = False) -> Tensor:  # noqa: A002
    """``input.expand(size)`` as a new tensor (each broadcast element stored)."""
    return clone(expand(input, tuple(size)))


@op
def view_copy(input: Tensor, size: Sequence[int]) -> Tensor:  # noqa: A002
    """``input`` with the shape ``size`` (one entry may be -1) as a new tensor. Unlike
    ``view`` it accepts any strides: the values are copied anyway."""
    return clone(reshape(input, tuple(size)))


@op
def permute_copy(input: Tensor, dims: Sequence[int]) -> Tensor:  # noqa: A002
    """``input.permute(dims)`` as a new row-major tensor."""
    return clone(permute(input, tuple(dims)))


@op
def transpose_copy(input: Tensor, dim0: int, dim1: int) -> Tensor:  # noqa: A002
    """``input.transpose(dim0, dim1)`` as a new row-major tensor."""
    return clone(transpose(input, dim0, dim1))


@op
def t_copy(input: Tensor) -> Tensor:  # noqa: A002
    """``input.t()`` (a tensor of at most 2 dims) as a new row-major tensor."""
    return clone(t(input))


@op
def squeeze_copy(input: Tensor, dim: int | Sequence[int] | None = None) -> Tensor:  # noqa: A002
    """``input.squeeze(dim)`` as a new tensor."""
    return clone(squeeze(input, dim))


@op
def unsqueeze_copy(input: Tensor, dim: int) -> Tensor:  # noqa: A002
    """``input.unsqueeze(dim)`` as a new tensor."""
    return clone(unsqueeze(input, dim))


@op
def diagonal_copy(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1  # noqa: A002
                  ) -> Tensor:
    """``input.diagonal(offset, dim1, dim2)`` as a new tensor."""
    return clone(diagonal(input, offset, dim1, dim2))


@op
def alias_copy(input: Tensor) -> Tensor:  # noqa: A002
    """A copy of ``input`` (the ``_copy`` form of an alias, a view of the whole tensor)."""
    return clone(input)


@op
def detach_copy(input: Tensor) -> Tensor:  # noqa: A002
    """``input.detach()`` as a new tensor: the values, without autograd history."""
    return clone(input.detach())


@op
def as_strided_copy(input: Tensor, size: Sequence[int], stride: Sequence[int],  # noqa: A002
                    storage_offset: int | None = None) -> Tensor:
    """``input.as_strided(size, stride, storage_offset)`` as a new row-major tensor."""
    return clone(as_strided(input, size, stride, storage_offset))


@op(variants="function, method")
def narrow_copy(input: Tensor, dim: int, start: int, length: int) -> Tensor:  # noqa: A002
    """``input.narrow(dim, start, length)`` as a new tensor."""
    if input.dim() == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    if dim >= input.dim():  # PyTorch's narrow_copy checks this one dim itself
        raise RuntimeError(f"narrow_copy(): dim {dim} out of range for a tensor of "
                           f"{input.dim()} dimensions")
    d = _wrap_dim(dim, input.dim())
    if length < 0:  # reported as narrow_copy does, not as narrow's own check
        raise RuntimeError(f"start ({narrow_start(start, input.shape[d], 0)}) + length "
                           f"({length}) exceeds dimension size ({input.shape[d]}).")
    return clone(narrow(input, dim, start, length))


@op
def select_copy(input: Tensor, dim: int, index: int) -> Tensor:  # noqa: A002
    """``input.select(dim, index)`` as a new tensor."""
    return clone(select(input, dim, index))


@op
def slice_copy(input: Tensor, dim: int = 0, start: int | None = None,  # noqa: A002
               end: int | None = None, step: int = 1) -> Tensor:
    """``input[..., start:end:step]`` along ``dim`` as a new tensor."""
    if step <= 0:
        raise RuntimeError(f"slice step must be positive, got {step}")
    d = _wrap_dim(dim, input.dim())
    return clone(getitem(input, (slice(None),) * d + (slice(start, end, step),)))


@op
def unfold_copy(input: Tensor, dimension: int, size: int, step: int) -> Tensor:  # noqa: A002
    """``input.unfold(dimension, size, step)`` (every window as a new last dim) as a new
    tensor: overlapping windows each store their own elements."""
    return clone(unfold(input, dimension, size, step))


@op
def unbind_copy(input: Tensor, dim: int = 0) -> tuple[Tensor, ...]:  # noqa: A002
    """``input.unbind(dim)``: each slice a new tensor."""
    return tuple(clone(piece) for piece in unbind(input, dim))


@op
def split_copy(input: Tensor, split_size: int, dim: int = 0  # noqa: A002
               ) -> tuple[Tensor, ...]:
    """``input.split(split_size, dim)``: each piece a new tensor."""
    return tuple(clone(piece) for piece in split(input, split_size, dim))


@op
def split_with_sizes_copy(input: Tensor, split_sizes: Sequence[int], dim: int = 0  # noqa: A002
                          ) -> tuple[Tensor, ...]:
    """``input.split_with_sizes(split_sizes, dim)``: each piece a new tensor."""
    return tuple(clone(piece) for piece in split_with_sizes(input, split_sizes, dim))
