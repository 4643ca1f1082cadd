"""``unfold`` (im2col) and ``fold`` (col2im), as ``torch.nn.functional``; ``nn.functional``
re-exports them.

``unfold`` lays every block a kernel sees out as a column: (N, C, H, W) becomes
(N, C * kh * kw, L), L the number of blocks, in row-major order. It is the window view that
the convolutions in ``functional_spatial.py`` are built on, reshaped.

``fold`` goes back: it adds each column into the block it came from, so where blocks overlap
the values are summed. That makes it the adjoint (the transpose) of ``unfold``, not its
inverse: ``fold(unfold(x))`` is x times the number of blocks covering each element. Each
pulls the other's gradient back: the backward of ``fold`` is ``unfold``, and the backward of
``unfold`` (of ``Tensor.unfold``, its view) adds windows back up as ``fold`` does. So both
have gradients of every order.
"""

from __future__ import annotations

from ..autograd.function import Function
from ..creation import zeros
from ..tensor import Tensor
from .functional_spatial import IntOr2, _out_size, _pair, _windows, pad

__all__ = ["unfold", "fold"]

Pair = tuple[int, int]


def unfold(input: Tensor, kernel_size: IntOr2, dilation: IntOr2 = 1,  # noqa: A002
           padding: IntOr2 = 0, stride: IntOr2 = 1) -> Tensor:
    """Every block a kernel of ``kernel_size`` sees in ``input`` (N, C, H, W), as a column:
    the output is (N, C * kh * kw, L), L = OH * OW blocks, as ``nn.functional.unfold``.
    Unbatched (C, H, W) gives (C * kh * kw, L).

    A convolution is this followed by a matmul: ``weight.view(O, -1) @ unfold(x, k)`` is
    ``conv2d(x, weight)`` with its spatial dims flattened.

    >>> unfold(microtorch_core.arange(9.0).reshape(1, 1, 3, 3), 2)
    tensor([[[0., 1., 3., 4.],
             [1., 2., 4., 5.],
             [3., 4., 6., 7.],
             [4., 5., 7., 8.]]])
    """
    if input.dim() not in (3, 4) or 0 in input.shape[-3:]:
        raise RuntimeError(f"unfold: Expected 3D or 4D (batch mode) tensor with possibly 0 "
                           f"batch size and other non-zero dimensions for input, but got: "
                           f"{tuple(input.shape)}")
    kernel, dilation_, pad_, stride_ = _check_args(kernel_size, dilation, padding, stride)
    x = input.unsqueeze(0) if input.dim() == 3 else input
    size = (x.shape[2], x.shape[3])
    blocks = _block_counts(size, kernel, dilation_, pad_, stride_)
    if min(blocks) < 1:
        raise RuntimeError(f"unfold: Given input with spatial size {size}, kernel_size="
                           f"{kernel}, dilation={dilation_}, padding={pad_}, calculated shape "
                           f"of the array of sliding blocks as {blocks}, but its components "
                           "must be at least one.")
    if pad_ != (0, 0):
        x = pad(x, (pad_[1], pad_[1], pad_[0], pad_[0]))
    windows = _windows(x, kernel, stride_, dilation_)  # (N, C, OH, OW, kh, kw), a view
    n, c = x.shape[0], x.shape[1]
    cols = windows.permute(0, 1, 4, 5, 2, 3).reshape(
        n, c * kernel[0] * kernel[1], blocks[0] * blocks[1])
    return cols.squeeze(0) if input.dim() == 3 else cols


class Fold(Function):
    """out[n, c, i dh + a sh - ph, j dw + b sw - pw] += cols[n, (c, i, j), (a, b)]: each
    column added back into its block (col2im)."""

    @staticmethod
    def forward(ctx, cols: Tensor, output_size: Pair, kernel: Pair, dilation: Pair,
                padding: Pair, stride: Pair) -> Tensor:
        ctx.args = (kernel, dilation, padding, stride)
        (kh, kw), (dh, dw), (ph, pw), (sh, sw) = kernel, dilation, padding, stride
        oh, ow = _block_counts(output_size, kernel, dilation, padding, stride)
        n, c = cols.shape[0], cols.shape[1] // (kh * kw)
        blocks = cols.reshape(n, c, kh, kw, oh, ow)
        height, width = output_size[0] + 2 * ph, output_size[1] + 2 * pw
        out = zeros(n, c, height, width, dtype=cols.dtype, device=cols.device)
        # element (i, j) of every block lands on a grid ``stride`` apart that starts at
        # (i dh, j dw): one strided slice of the output, added to in place
        for i in range(kh):
            for j in range(kw):
                grid = out[:, :, i * dh:i * dh + (oh - 1) * sh + 1:sh,
                           j * dw:j * dw + (ow - 1) * sw + 1:sw]
                grid.add_(blocks[:, :, i, j])
        return out[:, :, ph:ph + output_size[0], pw:pw + output_size[1]]

    @staticmethod
    def backward(ctx, grad):
        kernel, dilation, padding, stride = ctx.args
        return unfold(grad, kernel, dilation, padding, stride), None, None, None, None, None


def fold(input: Tensor, output_size: IntOr2, kernel_size: IntOr2,  # noqa: A002
         dilation: IntOr2 = 1, padding: IntOr2 = 0, stride: IntOr2 = 1) -> Tensor:
    """Add columns (N, C * kh * kw, L) back into blocks of an (N, C, H, W) output of
    ``output_size`` (H, W), summing where blocks overlap, as ``nn.functional.fold``; the
    adjoint of ``unfold``. Unbatched (C * kh * kw, L) gives (C, H, W).

    With non-overlapping blocks (stride = kernel size) it undoes ``unfold``:

    >>> x = microtorch_core.randn(1, 3, 4, 6)
    >>> microtorch_core.equal(fold(unfold(x, 2, stride=2), (4, 6), 2, stride=2), x)
    True
    """
    if input.dim() not in (2, 3) or 0 in input.shape[-2:]:
        raise RuntimeError(f"fold: Expected 2D or 3D (batch mode) tensor for input with "
                           f"possibly 0 batch size and non-zero dimensions for input, but got: "
                           f"{tuple(input.shape)}")
    size = _pair(output_size, "output_size")
    kernel, dilation_, pad_, stride_ = _check_args(kernel_size, dilation, padding, stride)
    cols = input.unsqueeze(0) if input.dim() == 2 else input
    if cols.shape[1] % (kernel[0] * kernel[1]):
        raise RuntimeError(f"fold: Expected size of input's dimension 1 to be divisible by the "
                           f"product of kernel_size, but got input.size(1)={cols.shape[1]} and "
                           f"kernel_size={kernel}.")
    blocks = _block_counts(size, kernel, dilation_, pad_, stride_)
    if min(blocks) < 1 or cols.shape[2] != blocks[0] * blocks[1]:
        raise RuntimeError(f"fold: Given output_size={size}, kernel_size={kernel}, dilation="
                           f"{dilation_}, padding={pad_}, stride={stride_}, expected size of "
                           f"input's dimension 2 to match the calculated number of sliding "
                           f"blocks {blocks[0]} * {blocks[1]} = {blocks[0] * blocks[1]}, but "
                           f"got input.size(2)={cols.shape[2]}.")
    out = Fold.apply(cols, size, kernel, dilation_, pad_, stride_)
    return out.squeeze(0) if input.dim() == 2 else out


def _check_args(kernel_size: IntOr2, dilation: IntOr2, padding: IntOr2,
                stride: IntOr2) -> tuple[Pair, Pair, Pair, Pair]:
    """The four block parameters as pairs, checked as PyTorch checks them."""
    kernel, dilation_ = _pair(kernel_size, "kernel_size"), _pair(dilation, "dilation")
    pad_, stride_ = _pair(padding, "padding"), _pair(stride, "stride")
    for what, (h, w) in (("kernel size", kernel), ("stride", stride_),
                         ("dilation", dilation_)):
        if h <= 0 or w <= 0:
            name = what.split()[0]
            raise RuntimeError(f"{what} should be greater than zero, but got {name}_height: "
                               f"{h} {name}_width: {w}")
    if min(pad_) < 0:
        raise RuntimeError(f"padding should be non-negative, but got pad_height: {pad_[0]} "
                           f"pad_width: {pad_[1]}")
    return kernel, dilation_, pad_, stride_


def _block_counts(size: Pair, kernel: Pair, dilation: Pair, padding: Pair,
                  stride: Pair) -> Pair:
    """How many blocks fit along the height and the width of a padded ``size``."""
    oh, ow = (_out_size(size[i], kernel[i], stride[i], padding[i], dilation[i]) for i in (0, 1))
    return oh, ow
