"""``x.resize_(*sizes)`` and ``x.resize_as_(other)``: give a tensor a new shape in place, growing
its storage when the new shape needs more elements, as PyTorch's.

A tensor is a view of a storage: ``resize_`` gives it the new shape with row-major strides at
the same storage offset. When the storage is too small it is replaced by a larger one, into
which the old storage's elements are copied, so elements that were there keep their positions
in memory; the new ones are uninitialised (whatever the allocator returned), as in PyTorch.
Other tensors viewing the old storage keep it. A resized tensor is a new layout of memory,
not a function of the old values, so a tensor that requires grad cannot be resized.

>>> x = tensor([1, 2, 3, 4])
>>> x.resize_(2, 2)
tensor([[1, 2],
        [3, 4]])
"""

from __future__ import annotations

from collections.abc import Sequence

from ...creation import _shape
from ...tensor import Tensor, contiguous_strides
from ..declare import op
from ..primitive.copy import copy_into


def _resized(x: Tensor, shape: tuple[int, ...]) -> Tensor:
    """A tensor with ``shape`` and row-major strides at ``x``'s storage offset, over ``x``'s
    storage or, if that is too small, over a larger copy of it."""
    numel = 1
    for n in shape:
        numel *= n
    capacity = x._storage.nbytes // x.dtype.itemsize
    needed = x._offset + numel
    storage_of = x
    if needed > capacity:
        grown = x._empty_like((needed,))
        if capacity:
            copy_into(grown._view((capacity,), (1,), 0), x._view((capacity,), (1,), 0))
        storage_of = grown
    return storage_of._view(shape, contiguous_strides(shape), x._offset)


@op(variants="method")
def resize_(x: Tensor, *sizes: int | Sequence[int], memory_format: object = None) -> Tensor:
    """Give ``x`` the shape ``sizes`` in place (row-major), growing its storage if needed
    (new elements uninitialised), as ``Tensor.resize_``; returns ``x``."""
    shape = _shape(sizes)
    if x.requires_grad:
        raise RuntimeError("cannot resize variables that require grad")
    if shape != x.shape:
        x.data = _resized(x, shape)
    return x


@op(variants="function, method")
def resize_as_(x: Tensor, other: Tensor, memory_format: object = None) -> Tensor:
    """``x.resize_(other.shape)``: ``x`` in place with ``other``'s shape, as
    ``Tensor.resize_as_``."""
    if not isinstance(other, Tensor):
        raise TypeError(f"resize_as_(): argument 'the_template' must be Tensor, not "
                        f"{type(other).__name__}")
    return resize_(x, other.shape)
