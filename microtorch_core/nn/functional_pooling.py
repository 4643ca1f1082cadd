"""Pooling over windows: ``max_pool1d``/``2d``/``3d`` and ``avg_pool1d``/``2d``/``3d``, as in
``torch.nn.functional``, which ``nn.functional`` re-exports.

A pooling is the window view of ``functional_spatial._windows`` (``Tensor.unfold`` on each
spatial dim) followed by one reduction over the window dims:

* the **max** flattens each window and takes ``argmax`` then ``gather``, so the gradient goes
  to the first maximum of each window (NaN counts as the maximum), as in PyTorch; padding
  counts as the lowest value of the dtype. Integer inputs pool too (no gradient, as they
  have none).
* the **mean** sums each window of the zero-padded input and divides by PyTorch's divisor.
  With ``ceil_mode`` the last window of a dim may hang over the end; PyTorch then divides
  by the part of the window inside the input and its padding (``count_include_pad``) or
  inside the input only. A window's size is a product of one count per dim, so the divisor
  is an outer product of per-dim counts, computed once on the host.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .. import dtypes, ops
from ..autograd.function import Function
from ..creation import arange, tensor
from ..ops.primitive.indexing import Gather
from ..tensor import Tensor
from .functional_spatial import (
    IntOrN,
    _batched,
    _ntuple,
    _out_size,
    _pad_amounts,
    _prod,
    _windows,
    pad,
)

__all__ = ["max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d"]


def _arguments(name: str, input: Tensor, spatial: int, kernel_size: IntOrN,  # noqa: A002
               stride: IntOrN | None, padding: IntOrN, dilation: IntOrN,
               ceil_mode: bool) -> tuple[Tensor, bool, tuple[tuple[int, ...], ...]]:
    """PyTorch's checks on a pooling's arguments, with its messages. Returns the input with a
    batch dim, whether it had none, and (kernel, stride, padding, dilation, output size)."""
    if input.dim() not in (spatial + 1, spatial + 2) or min(input.shape[-spatial - 1:]) == 0:
        raise RuntimeError(f"{name}: non-empty {spatial + 1}D or {spatial + 2}D (batch mode) "
                           f"tensor expected for input, got shape {list(input.shape)}")
    kernel = _ntuple(kernel_size, spatial, "kernel_size", name)
    no_stride = stride is None or (isinstance(stride, Sequence) and len(stride) == 0)
    stride_ = kernel if no_stride else _ntuple(stride, spatial, "stride", name)
    pad_ = _ntuple(padding, spatial, "padding", name)
    dilation_ = _ntuple(dilation, spatial, "dilation", name)
    if min(kernel) <= 0:
        raise RuntimeError(f"{name}: kernel size should be greater than zero, but got "
                           f"{kernel}")
    if min(stride_) <= 0:
        raise RuntimeError(f"{name}: stride should not be zero, got {stride_}")
    if min(dilation_) <= 0:
        raise RuntimeError(f"{name}: dilation should be greater than zero, got {dilation_}")
    if min(pad_) < 0:
        raise RuntimeError(f"{name}: pad must be non-negative, but got pad: {pad_}")
    for k, p, d in zip(kernel, pad_, dilation_, strict=True):
        if p > (d * (k - 1) + 1) // 2:
            raise RuntimeError(f"{name}: pad should be at most half of effective kernel size, "
                               f"but got pad={p}, kernel_size={k} and dilation={d}")
    x, unbatched = _batched(input, spatial)
    sizes = tuple(x.shape[2:])
    outs = tuple(_out_size(n, k, s, p, d, ceil_mode) for n, k, s, p, d in
                 zip(sizes, kernel, stride_, pad_, dilation_, strict=True))
    if min(outs) <= 0:
        raise RuntimeError(f"{name}: Given input size: ({'x'.join(map(str, x.shape[1:]))}). "
                           f"Calculated output size: "
                           f"({'x'.join(map(str, (x.shape[1],) + outs))}). Output size is too "
                           f"small")
    return x, unbatched, (kernel, stride_, pad_, dilation_, outs)


def _padded_for(x: Tensor, kernel: Sequence[int], stride: Sequence[int],
                padding: Sequence[int], dilation: Sequence[int], outs: Sequence[int],
                value: float | int) -> Tensor:
    """``x`` padded by ``padding`` on both sides, and at the end by what the last (ceil mode)
    window reaches past that, so that every window exists in the view."""
    extra = [max(0, (o - 1) * s + d * (k - 1) + 1 - (n + 2 * p)) for o, s, d, k, n, p in
             zip(outs, stride, dilation, kernel, x.shape[2:], padding, strict=True)]
    if not any(padding) and not any(extra):
        return x
    after = [p + e for p, e in zip(padding, extra, strict=True)]
    return pad(x, _pad_amounts(padding, after), value=value)


# -- max pooling --------------------------------------------------------------------------------
def _max_pool(name: str, input: Tensor, spatial: int, kernel_size: IntOrN,  # noqa: A002
              stride: IntOrN | None, padding: IntOrN, dilation: IntOrN, ceil_mode: bool,
              return_indices: bool) -> Tensor | tuple[Tensor, Tensor]:
    x, unbatched, (kernel, stride_, pad_, dilation_, outs) = _arguments(
        name, input, spatial, kernel_size, stride, padding, dilation, ceil_mode)
    if x.dtype is dtypes.bool_:
        raise NotImplementedError(f'"{name}" not implemented for \'Bool\'')
    lowest = -math.inf if x.dtype.is_floating_point else int(np.iinfo(x.dtype.np).min)
    padded = _padded_for(x, kernel, stride_, pad_, dilation_, outs, lowest)
    if tuple(stride_) == tuple(kernel) and max(dilation_) == 1:
        cols = _tiles(padded, kernel, outs)
    else:
        cols = _windows(padded, kernel, stride_, dilation_)  # (N, C, *O, *k)
    # (N, C, *O, *k) -> (prod(k), N, C, *O): the window elements first, so the copy runs
    # along rows of output positions and the argmax compares whole contiguous rows
    window_dims = tuple(range(2 + spatial, 2 + 2 * spatial))
    flat = cols.permute(*window_dims, *range(2 + spatial))
    flat = flat.reshape((_prod(kernel),) + tuple(cols.shape[:2 + spatial]))
    which = flat.argmax(0, keepdim=True)
    out = _TakeMax.apply(flat, 0, which).squeeze(0)
    if not return_indices:
        return out.squeeze(0) if unbatched else out
    index = _input_positions(which.squeeze(0), x.shape[2:], kernel, stride_, pad_, dilation_,
                             outs)
    if unbatched:
        return out.squeeze(0), index.squeeze(0)
    return out, index


def _tiles(x: Tensor, kernel: Sequence[int], outs: Sequence[int]) -> Tensor:
    """(N, C, *S) -> (N, C, *O, *k), the windows of a kernel that tiles the input (stride =
    kernel, no dilation): the first O * k elements of each spatial dim split into (O, k), the
    k's moved last. The same view as ``_windows``, but its backward is one copy (the
    permuted gradient reshaped back), where ``Windows``' is a fill and one add per window
    element: the digits CNN step replayed takes about 4% less time."""
    spatial = len(kernel)
    for i, (o, k) in enumerate(zip(outs, kernel, strict=True)):
        if x.shape[2 + i] != o * k:  # the elements past the last window
            x = x.narrow(2 + i, 0, o * k)
    split = x.reshape(tuple(x.shape[:2]) +
                      tuple(n for o, k in zip(outs, kernel, strict=True) for n in (o, k)))
    order = (0, 1) + tuple(2 + 2 * i for i in range(spatial)) + \
        tuple(3 + 2 * i for i in range(spatial))
    return split.permute(order)


class _TakeMax(Function):
    """out = x[..., which, ...] along ``dim``: each window's maximum, at the position
    ``argmax`` found (the first maximum, NaN counting as the largest, as in PyTorch).

    Backward puts each output's gradient at that position and zero elsewhere,
    ``where(which == arange(k), grad, 0)``: two elementwise kernels, where the gather's
    generic backward (a scatter-add into zeros) took several times as long.
    """

    @staticmethod
    def forward(ctx, x: Tensor, dim: int, which: Tensor) -> Tensor:
        ctx.dim = dim
        ctx.save_for_backward(which)
        return Gather.apply(x, dim, which)

    @staticmethod
    def backward(ctx, grad: Tensor):
        (which,) = ctx.saved_tensors
        size = ctx.input_meta[0][0][ctx.dim]
        shape = [1] * grad.dim()
        shape[ctx.dim] = size
        positions = arange(size, device=grad.device).reshape(shape)
        return ops.where(which == positions, grad, 0.0), None, None


def _input_positions(which: Tensor, sizes: Sequence[int], kernel: Sequence[int],
                     stride: Sequence[int], padding: Sequence[int], dilation: Sequence[int],
                     outs: Sequence[int]) -> Tensor:
    """The flat input position (e.g. ``h * W + w``) of element ``which`` of each window:
    along dim i, window o's element a sits at ``o * stride - padding + a * dilation``."""
    spatial = len(kernel)
    index = None
    rest = which
    for i in reversed(range(spatial)):  # unravel ``which`` over the kernel, last dim first
        a = rest % kernel[i]
        rest = rest // kernel[i]
        shape = [1] * spatial
        shape[i] = outs[i]
        start = arange(outs[i], device=which.device).reshape(shape) * stride[i] - padding[i]
        position = start + a * dilation[i]
        index = position if index is None else index + position * _prod(sizes[i + 1:])
    return index


def max_pool2d(input: Tensor, kernel_size: IntOrN, stride: IntOrN | None = None,  # noqa: A002
               padding: IntOrN = 0, dilation: IntOrN = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """Max over each window of (N, C, H, W) or (C, H, W) inputs, as
    ``torch.nn.functional.max_pool2d``. Padding counts as -inf.

    With ``return_indices`` the flat positions ``h * W + w`` of the maxima in the input are
    returned too (as ``max_unpool2d`` expects).
    """
    return _max_pool("max_pool2d", input, 2, kernel_size, stride, padding, dilation,
                     ceil_mode, return_indices)


def max_pool3d(input: Tensor, kernel_size: IntOrN, stride: IntOrN | None = None,  # noqa: A002
               padding: IntOrN = 0, dilation: IntOrN = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """Max over each window of (N, C, D, H, W) or (C, D, H, W) inputs, as
    ``torch.nn.functional.max_pool3d``; indices are flat positions ``(d * H + h) * W + w``."""
    return _max_pool("max_pool3d", input, 3, kernel_size, stride, padding, dilation,
                     ceil_mode, return_indices)


def max_pool1d(input: Tensor, kernel_size: IntOrN, stride: IntOrN | None = None,  # noqa: A002
               padding: IntOrN = 0, dilation: IntOrN = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """Max over windows of the last dim of (N, C, L) or (C, L) inputs, as
    ``torch.nn.functional.max_pool1d``."""
    if not input.dtype.is_floating_point and not return_indices:
        # PyTorch's max_pool1d without indices has a float-only kernel (with indices it
        # runs the 2-d one, which takes integers): refuse as it does
        raise NotImplementedError(f'"max_pool1d_impl" not implemented for '
                                  f"{input.dtype.name}")
    return _max_pool("max_pool1d", input, 1, kernel_size, stride, padding, dilation,
                     ceil_mode, return_indices)


# -- average pooling ----------------------------------------------------------------------------
def _avg_pool(name: str, input: Tensor, spatial: int, kernel_size: IntOrN,  # noqa: A002
              stride: IntOrN | None, padding: IntOrN, ceil_mode: bool,
              count_include_pad: bool, divisor_override: int | None) -> Tensor:
    x, unbatched, (kernel, stride_, pad_, _, outs) = _arguments(
        name, input, spatial, kernel_size, stride, padding, 1, ceil_mode)
    if not x.dtype.is_floating_point and x.dtype is not dtypes.int64:
        raise NotImplementedError(f'"{name}" not implemented for {x.dtype.name} (only '
                                  f"floating dtypes and int64, as in PyTorch)")
    ones = (1,) * spatial
    padded = _padded_for(x, kernel, stride_, pad_, ones, outs, 0)
    sums = _windows(padded, kernel, stride_, ones).sum(tuple(range(-spatial, 0)))
    if divisor_override is not None:
        if divisor_override == 0:
            raise RuntimeError(f"{name}: divisor must be not zero")
        divisor: Tensor | int = divisor_override
    else:
        counts = [_window_counts(n, k, s, p, o, count_include_pad) for n, k, s, p, o in
                  zip(x.shape[2:], kernel, stride_, pad_, outs, strict=True)]
        grid = counts[0]
        for c in counts[1:]:
            grid = np.multiply.outer(grid, c)
        if np.all(grid == _prod(kernel)):  # every window whole: one scalar divisor
            divisor = _prod(kernel)
        else:  # an empty window (sum 0) divides by 1, giving PyTorch's 0
            divisor = tensor(np.maximum(grid, 1), dtype=x.dtype, device=x.device)
    if x.dtype.is_floating_point:
        out = sums / divisor
    else:  # PyTorch divides integer sums in C++: truncation towards zero
        out = ops.div(sums, divisor, rounding_mode="trunc")
    return out.squeeze(0) if unbatched else out


def _window_counts(size: int, kernel: int, stride: int, padding: int, outs: int,
                   count_include_pad: bool) -> np.ndarray:
    """How many elements of each window along a dim PyTorch divides by: those inside the
    input and its padding (``count_include_pad``), or inside the input only."""
    start = np.arange(outs) * stride - padding
    end = np.minimum(start + kernel, size + padding)
    if count_include_pad:
        return end - start
    return np.maximum(np.minimum(end, size) - np.maximum(start, 0), 0)


def avg_pool2d(input: Tensor, kernel_size: IntOrN, stride: IntOrN | None = None,  # noqa: A002
               padding: IntOrN = 0, ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """Mean over each window of (N, C, H, W) or (C, H, W) inputs, as
    ``torch.nn.functional.avg_pool2d``. Padding counts as 0, and as part of the window
    unless ``count_include_pad=False``; ``divisor_override`` replaces the divisor."""
    return _avg_pool("avg_pool2d", input, 2, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override)


def avg_pool3d(input: Tensor, kernel_size: IntOrN, stride: IntOrN | None = None,  # noqa: A002
               padding: IntOrN = 0, ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """Mean over each window of (N, C, D, H, W) or (C, D, H, W) inputs, as
    ``torch.nn.functional.avg_pool3d``."""
    return _avg_pool("avg_pool3d", input, 3, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override)


def avg_pool1d(input: Tensor, kernel_size: IntOrN, stride: IntOrN | None = None,  # noqa: A002
               padding: IntOrN = 0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    """Mean over windows of the last dim of (N, C, L) or (C, L) inputs, as
    ``torch.nn.functional.avg_pool1d``."""
    return _avg_pool("avg_pool1d", input, 1, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, None)
