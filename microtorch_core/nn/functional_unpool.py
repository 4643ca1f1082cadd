"""``max_unpool1d``/``2d``/``3d``: the partial inverse of max pooling, as in
``torch.nn.functional``, which ``nn.functional`` re-exports.

Max pooling with ``return_indices=True`` also gives, for each window, the flat position of
its maximum in the input (``h * W + w``). Unpooling writes each pooled value back at that
position of a zero output: the maxima return where they came from, everything else is 0.
It is one ``scatter`` over the flattened spatial dims; its gradient is the ``gather`` at the
same positions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from .. import dtypes
from ..creation import zeros
from ..ops.primitive.indexing import Scatter, index_range
from ..tensor import Tensor
from .functional_spatial import IntOrN, _ntuple

__all__ = ["max_unpool1d", "max_unpool2d", "max_unpool3d"]


def _max_unpool(name: str, input: Tensor, indices: Tensor, spatial: int,  # noqa: A002
                kernel_size: IntOrN, stride: IntOrN | None, padding: IntOrN,
                output_size: Sequence[int] | None) -> Tensor:
    if input.dim() not in (spatial + 1, spatial + 2):
        raise RuntimeError(f"Input to {name} should be a {spatial + 1}d or {spatial + 2}d "
                           f"Tensor, but got a tensor with {input.dim()} dimensions.")
    if indices.dtype is not dtypes.int64:
        raise RuntimeError(f"{name}: elements in indices should be type int64 but got: "
                           f"{indices.dtype.name}")
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(f"{name}: Expected shape of indices to be same as that of the input "
                           f"tensor ({list(input.shape)}) but got indices tensor with shape: "
                           f"{list(indices.shape)}")
    kernel = _ntuple(kernel_size, spatial, "kernel_size", name)
    no_stride = stride is None or (isinstance(stride, Sequence) and len(stride) == 0)
    stride_ = kernel if no_stride else _ntuple(stride, spatial, "stride", name)
    pad_ = _ntuple(padding, spatial, "padding", name)
    sizes = _output_size(input, kernel, stride_, pad_, output_size)
    unbatched = input.dim() == spatial + 1
    x = input.unsqueeze(0) if unbatched else input
    index = indices.unsqueeze(0) if unbatched else indices
    n, channels, volume = x.shape[0], x.shape[1], math.prod(sizes)
    flat_index = index.reshape(n, channels, -1)
    if flat_index.numel():
        lo, hi = index_range(flat_index)
        if lo < 0 or hi >= volume:
            raise RuntimeError(f"{name}: Found an invalid max index: {lo if lo < 0 else hi} "
                               f"(output volumes are of size {'x'.join(map(str, sizes))})")
    canvas = zeros(n, channels, volume, dtype=x.dtype, device=x.device)
    out = Scatter.apply(canvas, 2, flat_index, x.reshape(n, channels, -1))
    out = out.reshape(n, channels, *sizes)
    return out.squeeze(0) if unbatched else out


def _output_size(input: Tensor, kernel: tuple[int, ...], stride: tuple[int, ...],  # noqa: A002
                 padding: tuple[int, ...], output_size: Sequence[int] | None
                 ) -> tuple[int, ...]:
    """The max pooling's input size: by default the smallest one the pooling could have
    come from, or ``output_size`` (spatial, or with the batch and channel dims) if it is
    one of the sizes that pool to the input's size, as PyTorch checks it."""
    spatial = len(kernel)
    default = tuple((n - 1) * s + k - 2 * p for n, s, k, p in zip(
        input.shape[-spatial:], stride, kernel, padding, strict=True))
    if output_size is None:
        return default
    sizes = tuple(int(s) for s in output_size)
    if len(sizes) == spatial + 2:
        sizes = sizes[2:]
    if len(sizes) != spatial:
        raise ValueError(f"output_size should be a sequence containing {spatial} or "
                         f"{spatial + 2} elements, but it has a length of '{len(sizes)}'")
    for d, (size, low, s) in enumerate(zip(sizes, default, stride, strict=True)):
        if not low - s < size < low + s:
            raise ValueError(f'invalid output_size "{list(sizes)}" (dim {d} must be between '
                             f"{low - s} and {low + s})")
    return sizes


def max_unpool2d(input: Tensor, indices: Tensor, kernel_size: IntOrN,  # noqa: A002
                 stride: IntOrN | None = None, padding: IntOrN = 0,
                 output_size: Sequence[int] | None = None) -> Tensor:
    """Put each value of ``input`` (N, C, H, W) or (C, H, W) back at its flat position
    ``indices`` (from ``max_pool2d(..., return_indices=True)``) in a zero output, as
    ``torch.nn.functional.max_unpool2d``.

    >>> x = microtorch_core.tensor([[[[1.0, 2.0], [4.0, 3.0]]]])
    >>> pooled, where = microtorch_core.nn.functional.max_pool2d(x, 2, return_indices=True)
    >>> max_unpool2d(pooled, where, 2).tolist()
    [[[[0.0, 0.0], [4.0, 0.0]]]]
    """
    return _max_unpool("max_unpool2d", input, indices, 2, kernel_size, stride, padding,
                       output_size)


def max_unpool1d(input: Tensor, indices: Tensor, kernel_size: IntOrN,  # noqa: A002
                 stride: IntOrN | None = None, padding: IntOrN = 0,
                 output_size: Sequence[int] | None = None) -> Tensor:
    """``max_unpool2d`` for (N, C, L) or (C, L) inputs and ``max_pool1d``'s indices, as
    ``torch.nn.functional.max_unpool1d``."""
    return _max_unpool("max_unpool1d", input, indices, 1, kernel_size, stride, padding,
                       output_size)


def max_unpool3d(input: Tensor, indices: Tensor, kernel_size: IntOrN,  # noqa: A002
                 stride: IntOrN | None = None, padding: IntOrN = 0,
                 output_size: Sequence[int] | None = None) -> Tensor:
    """``max_unpool2d`` for (N, C, D, H, W) or (C, D, H, W) inputs and ``max_pool3d``'s
    indices, as ``torch.nn.functional.max_unpool3d``."""
    return _max_unpool("max_unpool3d", input, indices, 3, kernel_size, stride, padding,
                       output_size)
