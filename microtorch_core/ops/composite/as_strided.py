"""``as_strided``: any shape, strides and offset over a tensor's storage, as a view.

Every other view (``view``, ``transpose``, ``diagonal``, ``expand``...) is a special case of
this one, checked to stay inside the tensor. ``as_strided`` only checks that it stays inside
the *storage*, as PyTorch does: it may read elements the input does not show, and it may show
one storage element at several positions.

Its backward works in storage coordinates, as PyTorch's ``as_strided_backward``: the gradient
of each output position is added into a buffer over the storage positions the two layouts
span (overlaps accumulate), and the input's gradient is read back from its own positions. A
storage element that the input itself shows more than once (an expanded input) shares its
gradient equally among those positions.
"""

from __future__ import annotations

from collections.abc import Sequence

from ... import dtypes
from ...autograd.function import Function
from ...creation import arange
from ...tensor import Tensor
from ..declare import op
from ..primitive.indexing import Gather, ScatterAdd
from ..primitive.views import reshape

Layout = tuple[tuple[int, ...], tuple[int, ...], int]  # shape, strides, offset (elements)


class AsStrided(Function):
    """out = the view of x's storage with the given shape, strides and storage offset"""

    @staticmethod
    def forward(ctx, x: Tensor, size: tuple[int, ...], stride: tuple[int, ...], offset: int
                ) -> Tensor:
        ctx.layouts = ((x.shape, x._strides, x._offset), (size, stride, offset))
        return x._view(size, stride, offset)

    @staticmethod
    def backward(ctx, grad):
        return _as_strided_backward(grad, *ctx.layouts), None, None, None


def _positions(like: Tensor, layout: Layout) -> Tensor:
    """The storage position of every element of ``layout``, as an int64 tensor of its shape:
    ``offset + sum_k i_k * stride_k``."""
    shape, strides, offset = layout
    pos = like._empty_like((), dtypes.int64).fill_(offset)
    for k, (n, s) in enumerate(zip(shape, strides)):
        steps = arange(n, dtype=dtypes.int64, device=like.device) * s
        pos = pos + reshape(steps, (n,) + (1,) * (len(shape) - k - 1))
    return pos


def _span(layout: Layout) -> tuple[int, int]:
    """The lowest and highest storage positions ``layout`` touches (it has elements)."""
    shape, strides, offset = layout
    low = offset + sum((n - 1) * s for n, s in zip(shape, strides) if s < 0)
    high = offset + sum((n - 1) * s for n, s in zip(shape, strides) if s > 0)
    return low, high


def _overlaps(layout: Layout) -> bool:
    """Whether some storage element appears at two positions of ``layout``: with the dims
    sorted by stride, each stride must step over everything the smaller ones span."""
    extent = 0
    for n, s in sorted(((n, abs(s)) for n, s in zip(*layout[:2]) if n > 1), key=lambda p: p[1]):
        if s <= extent:
            return True
        extent += (n - 1) * s
    return False


def _as_strided_backward(grad: Tensor, input_layout: Layout, output_layout: Layout) -> Tensor:
    """The gradient of ``as_strided`` for its input (see the module docstring)."""
    in_shape = input_layout[0]
    if grad.numel() == 0 or 0 in in_shape:
        return grad._empty_like(in_shape).zero_()
    (in_low, in_high), (out_low, out_high) = _span(input_layout), _span(output_layout)
    base, size = min(in_low, out_low), max(in_high, out_high) - min(in_low, out_low) + 1
    out_pos = reshape(_positions(grad, output_layout) - base, (-1,))
    in_pos = reshape(_positions(grad, input_layout) - base, (-1,))
    storage = grad._empty_like((size,)).zero_()
    storage = ScatterAdd.apply(storage, 0, out_pos, reshape(grad, (-1,)))
    if _overlaps(input_layout):
        count = grad._empty_like((size,)).zero_()
        count = ScatterAdd.apply(count, 0, in_pos, in_pos._empty_like(dtype=grad.dtype).fill_(1))
        storage = storage / count.clamp(min=1)
    return reshape(Gather.apply(storage, 0, in_pos), in_shape)


def _int_sequence(name: str, values: Sequence[int]) -> tuple[int, ...]:
    if isinstance(values, int):
        values = (values,)
    values = tuple(values)
    for i, v in enumerate(values):
        if isinstance(v, bool) or not isinstance(v, int):
            raise TypeError(f"as_strided(): argument '{name}' must be tuple of ints, but found "
                            f"element of type {type(v).__name__} at pos {i}")
    return values


@op(variants="function, method")
def as_strided(input: Tensor, size: Sequence[int], stride: Sequence[int],
               storage_offset: int | None = None) -> Tensor:
    """A view of ``input``'s storage with shape ``size``, strides ``stride`` (in elements)
    and ``storage_offset`` (default: ``input``'s own), as ``torch.as_strided``. It must stay
    inside the storage; it may overlap itself (one element seen several times) and show
    elements ``input`` does not. The gradient of an overlapped element accumulates.

    >>> as_strided(arange(6.0), (2, 3), (1, 1))  # overlapping windows of 3
    tensor([[0., 1., 2.],
            [1., 2., 3.]])
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"as_strided(): argument 'input' must be Tensor, not "
                        f"{type(input).__name__}")
    size, stride = _int_sequence("size", size), _int_sequence("stride", stride)
    offset = input._offset if storage_offset is None else storage_offset
    if len(size) != len(stride):
        raise RuntimeError(f"mismatch in length of strides and shape: size {list(size)} and "
                           f"stride {list(stride)}")
    if any(s < 0 for s in stride):
        raise RuntimeError(f"as_strided: Negative strides are not supported at the moment, "
                           f"got strides: {list(stride)}")
    if any(n < 0 for n in size):
        raise RuntimeError(f"as_strided: Negative sizes are not supported, got sizes: "
                           f"{list(size)}")
    if offset < 0:
        raise RuntimeError(f"Tensor: invalid storage offset {offset}")
    itemsize = input.dtype.itemsize
    needed = 0 if 0 in size else offset + sum((n - 1) * s for n, s in zip(size, stride)) + 1
    if needed * itemsize > input._storage.nbytes:
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage "
                           f"offset {offset}, and itemsize {itemsize} requiring a storage size "
                           f"of {needed * itemsize} are out of bounds for storage of size "
                           f"{input._storage.nbytes}")
    return AsStrided.apply(input, size, stride, offset)
