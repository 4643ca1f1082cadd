"""Functions over spatial dims: ``pad``, ``conv1d``/``conv2d``, ``max_pool1d``/``2d``,
``avg_pool1d``/``2d``. ``nn.functional`` re-exports them, as ``torch.nn.functional``.

Every one is a composite of Tensor ops, so it runs on every backend and autograd gives its
gradient. The idea they share is *im2col*: ``Tensor.unfold`` turns each window a kernel sees
into a row, as a view (no copy), so a convolution is one reshape (the copy) and one matmul,
and a pooling is one reduction over the window dims. Its backward, an ``unfold`` backward,
scatter-adds each window's gradient back to the elements it saw.

The 1-d versions run the 2-d ones on a height of 1.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from .. import dtypes, ops
from ..creation import arange, full, tensor
from ..ops.primitive.indexing import Gather, index_select_unchecked
from ..tensor import Tensor

__all__ = ["pad", "conv1d", "conv2d", "max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d"]

IntOr2 = int | Sequence[int]


def _pair(value: IntOr2, name: str) -> tuple[int, int]:
    """``3`` -> ``(3, 3)``; ``(3, 2)`` stays; anything else is an error naming ``name``."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value, value
    if isinstance(value, Sequence) and len(value) == 2 and all(isinstance(v, int)
                                                               for v in value):
        return int(value[0]), int(value[1])
    raise TypeError(f"{name} must be an int or a pair of ints, got {value!r}")


# -- padding ------------------------------------------------------------------------------------
def pad(input: Tensor, pad: Sequence[int], mode: str = "constant",  # noqa: A002
        value: float | None = None) -> Tensor:
    """Pad the last ``len(pad) // 2`` dims, as ``torch.nn.functional.pad``: ``pad`` lists
    (before, after) amounts starting from the last dim, e.g. ``(left, right, top, bottom)``.

    ``mode`` is ``'constant'`` (with ``value``, default 0; negative amounts crop),
    ``'reflect'`` (mirror without repeating the edge), ``'replicate'`` (repeat the edge) or
    ``'circular'`` (wrap around).
    """
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2 or len(pad) // 2 > input.dim():
        raise ValueError(f"pad must have an even length of at most 2 * {input.dim()} (the "
                         f"input's dims), got {pad}")
    if mode != "constant" and value not in (None, 0):
        raise ValueError(f"padding mode {mode!r} does not take a fill value (got {value})")
    out = input
    for i in range(len(pad) // 2):
        dim = input.dim() - 1 - i
        before, after = pad[2 * i], pad[2 * i + 1]
        if before == 0 and after == 0:
            continue
        if mode == "constant":
            out = _pad_constant(out, dim, before, after, 0.0 if value is None else value)
        elif mode in ("reflect", "replicate", "circular"):
            out = index_select_unchecked(out, dim, _pad_index(out, dim, before, after, mode))
        else:
            raise NotImplementedError(f"padding mode {mode!r} is not supported; use "
                                      "'constant', 'reflect', 'replicate' or 'circular'")
    return out


def _pad_constant(x: Tensor, dim: int, before: int, after: int, value: float) -> Tensor:
    if before < 0:  # negative padding crops
        x = x.narrow(dim, -before, x.shape[dim] + before)
        before = 0
    if after < 0:
        x = x.narrow(dim, 0, x.shape[dim] + after)
        after = 0
    parts = []
    for amount in (before, None, after):
        if amount is None:
            parts.append(x)
        elif amount:
            shape = x.shape[:dim] + (amount,) + x.shape[dim + 1:]
            parts.append(full(shape, value, dtype=x.dtype, device=x.device))
    return ops.cat(parts, dim) if len(parts) > 1 else x


def _pad_index(x: Tensor, dim: int, before: int, after: int, mode: str) -> Tensor:
    """Source position of every output position along ``dim`` for a non-constant mode."""
    n = x.shape[dim]
    limit = n - 1 if mode == "reflect" else n
    if before > limit or after > limit or before < 0 or after < 0:
        raise ValueError(f"{mode} padding of ({before}, {after}) is invalid for dimension "
                         f"{dim} of size {n}: each amount must be in [0, {limit}]")
    positions = range(-before, n + after)
    if mode == "replicate":
        index = [min(max(p, 0), n - 1) for p in positions]
    elif mode == "circular":
        index = [p % n for p in positions]
    else:  # reflect: ... 2 1 | 0 1 2 ... n-1 | n-2 n-3 ...
        index = [-p if p < 0 else (2 * (n - 1) - p if p >= n else p) for p in positions]
    return tensor(index, dtype=dtypes.int64, device=x.device)


# -- windows ------------------------------------------------------------------------------------
def _windows(x: Tensor, kernel: tuple[int, int], stride: tuple[int, int],
             dilation: tuple[int, int]) -> Tensor:
    """(N, C, H, W) -> (N, C, OH, OW, kh, kw): every window the kernel sees, as a view."""
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    cols = x.unfold(2, dh * (kh - 1) + 1, sh).unfold(3, dw * (kw - 1) + 1, sw)
    if dh > 1 or dw > 1:  # a dilated kernel sees every d-th element of a wider window
        cols = cols[..., ::dh, ::dw]
    return cols


def _out_size(size: int, kernel: int, stride: int, padding: int, dilation: int,
              ceil_mode: bool = False) -> int:
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    if ceil_mode:
        out = -(-span // stride) + 1
        if (out - 1) * stride >= size + padding:  # the last window must start inside
            out -= 1
        return out
    return span // stride + 1


def _check_spatial(name: str, input: Tensor, kernel: tuple[int, int],  # noqa: A002
                   stride: tuple[int, int], padding: tuple[int, int],
                   dilation: tuple[int, int]) -> None:
    if input.dim() != 4:
        raise RuntimeError(f"{name}: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got "
                           f"shape {tuple(input.shape)}")
    if min(kernel) <= 0 or min(stride) <= 0 or min(dilation) <= 0 or min(padding) < 0:
        raise RuntimeError(f"{name}: kernel size {kernel}, stride {stride} and dilation "
                           f"{dilation} must be positive and padding {padding} non-negative")
    for i in (0, 1):
        if _out_size(input.shape[2 + i], kernel[i], stride[i], padding[i], dilation[i]) <= 0:
            raise RuntimeError(
                f"{name}: the input's spatial size {tuple(input.shape[2:])} (padded by "
                f"{padding}) is smaller than the kernel {kernel} (dilation {dilation})")


def _batched(input: Tensor) -> tuple[Tensor, bool]:  # noqa: A002
    """An unbatched (C, H, W) input gets a batch dim of 1, removed again at the end."""
    if input.dim() == 3:
        return input.unsqueeze(0), True
    return input, False


# -- convolution --------------------------------------------------------------------------------
def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None,  # noqa: A002
           stride: IntOr2 = 1, padding: IntOr2 | str = 0, dilation: IntOr2 = 1,
           groups: int = 1) -> Tensor:
    """2-d cross-correlation, as ``torch.nn.functional.conv2d``: ``input`` (N, C, H, W) or
    (C, H, W), ``weight`` (O, C / groups, kh, kw), ``bias`` (O,). ``padding`` may also be
    ``'valid'`` (none) or ``'same'`` (output size = input size; stride 1 only).

    im2col: the windows become rows of a (N * OH * OW, C * kh * kw) matrix, multiplied by
    the weight seen as (C * kh * kw, O); with groups, one batched matmul per group.
    """
    x, unbatched = _batched(input)
    if weight.dim() != 4:
        raise RuntimeError(f"conv2d: expected a 4-D weight (out_channels, in_channels / groups, "
                           f"kH, kW), got shape {tuple(weight.shape)}")
    stride_, dilation_ = _pair(stride, "stride"), _pair(dilation, "dilation")
    kernel = (weight.shape[2], weight.shape[3])
    if isinstance(padding, str):
        pad_ = _named_padding(padding, kernel, stride_, dilation_)
    else:
        pad_ = _pair(padding, "padding")
    out_channels, group_channels = weight.shape[0], weight.shape[1]
    if groups <= 0 or out_channels % groups:
        raise RuntimeError(f"conv2d: groups must be positive and divide out_channels "
                           f"({out_channels}), got groups={groups}")
    if x.dim() != 4 or x.shape[1] != group_channels * groups:
        raise RuntimeError(f"conv2d: given groups={groups}, weight of size "
                           f"{list(weight.shape)}, expected input{list(input.shape)} to have "
                           f"{group_channels * groups} channels, but got "
                           f"{input.shape[-3] if input.dim() >= 3 else '?'} channels instead")
    if bias is not None and tuple(bias.shape) != (out_channels,):
        raise RuntimeError(f"conv2d: bias must have shape ({out_channels},), got "
                           f"{tuple(bias.shape)}")
    if isinstance(pad_, tuple) and len(pad_) == 4:  # 'same' with an uneven split
        x, pad_ = pad(x, pad_), (0, 0)
    _check_spatial("conv2d", x, kernel, stride_, pad_, dilation_)
    if pad_ != (0, 0):
        x = pad(x, (pad_[1], pad_[1], pad_[0], pad_[0]))
    n = x.shape[0]
    cols = _windows(x, kernel, stride_, dilation_)  # (N, C, OH, OW, kh, kw)
    oh, ow = cols.shape[2], cols.shape[3]
    g, kk = groups, group_channels * kernel[0] * kernel[1]
    # (N, G, C/G, OH, OW, kh, kw) -> (G, N, OH, OW, C/G, kh, kw) -> (G, N*OH*OW, C/G*kh*kw)
    cols = cols.reshape(n, g, group_channels, oh, ow, kernel[0], kernel[1])
    cols = cols.permute(1, 0, 3, 4, 2, 5, 6).reshape(g, n * oh * ow, kk)
    w = weight.reshape(g, out_channels // g, kk).transpose(1, 2)  # (G, C/G*kh*kw, O/G)
    out = cols @ w  # (G, N*OH*OW, O/G)
    out = out.reshape(g, n, oh, ow, out_channels // g).permute(1, 0, 4, 2, 3)
    out = out.reshape(n, out_channels, oh, ow)
    if bias is not None:
        out = out + bias.reshape(1, out_channels, 1, 1)
    return out.squeeze(0) if unbatched else out


def _named_padding(padding: str, kernel: tuple[int, int], stride: tuple[int, int],
                   dilation: tuple[int, int]) -> tuple[int, ...]:
    if padding == "valid":
        return (0, 0)
    if padding == "same":
        if stride != (1, 1):
            raise ValueError(f"padding='same' is not supported for strided convolutions "
                             f"(stride {stride})")
        total = [d * (k - 1) for k, d in zip(kernel, dilation, strict=True)]
        if all(t % 2 == 0 for t in total):
            return (total[0] // 2, total[1] // 2)
        # uneven: PyTorch puts the extra element after (right / bottom)
        return (total[1] // 2, total[1] - total[1] // 2, total[0] // 2,
                total[0] - total[0] // 2)
    raise ValueError(f"invalid padding string {padding!r}: use 'valid' or 'same'")


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None,  # noqa: A002
           stride: int = 1, padding: int | str = 0, dilation: int = 1,
           groups: int = 1) -> Tensor:
    """1-d cross-correlation, as ``torch.nn.functional.conv1d``: ``input`` (N, C, L) or
    (C, L), ``weight`` (O, C / groups, k)."""
    if weight.dim() != 3:
        raise RuntimeError(f"conv1d: expected a 3-D weight (out_channels, in_channels / "
                           f"groups, kW), got shape {tuple(weight.shape)}")
    if input.dim() not in (2, 3):
        raise RuntimeError(f"conv1d: expected a 2-D (C, L) or 3-D (N, C, L) input, got shape "
                           f"{tuple(input.shape)}")
    pad_ = padding if isinstance(padding, str) else (0, _single(padding, "padding"))
    out = conv2d(input.unsqueeze(-2), weight.unsqueeze(-2), bias,
                 (1, _single(stride, "stride")), pad_, (1, _single(dilation, "dilation")),
                 groups)
    return out.squeeze(-2)


def _single(value: int | Sequence[int], name: str) -> int:
    if isinstance(value, Sequence) and len(value) == 1:
        value = value[0]
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, got {value!r}")
    return value


# -- pooling ------------------------------------------------------------------------------------
def max_pool2d(input: Tensor, kernel_size: IntOr2, stride: IntOr2 | None = None,  # noqa: A002
               padding: IntOr2 = 0, dilation: IntOr2 = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """Max over each window, as ``torch.nn.functional.max_pool2d``. Padding counts as -inf.

    The gradient goes to the first maximum of each window (NaN counts as the maximum), as in
    PyTorch: the max is an ``argmax`` then a ``gather``, whose backward is a scatter-add.
    With ``return_indices`` the flat positions ``h * W + w`` of the maxima in the input are
    returned too (as ``max_unpool2d`` expects).
    """
    x, unbatched = _batched(input)
    kernel = _pair(kernel_size, "kernel_size")
    stride_ = kernel if stride is None or stride == [] else _pair(stride, "stride")
    pad_, dilation_ = _pair(padding, "padding"), _pair(dilation, "dilation")
    _check_spatial("max_pool2d", x, kernel, stride_, pad_, dilation_)
    for k, p in zip(kernel, pad_, strict=True):
        if p > k // 2:
            raise RuntimeError(f"max_pool2d: pad should be at most half of effective kernel "
                               f"size, but got pad={p}, kernel_size={k}")
    if not x.dtype.is_floating_point:
        raise NotImplementedError(f"max_pool2d is implemented for floating dtypes only, got "
                                  f"{x.dtype.name}")
    h, w = x.shape[2], x.shape[3]
    out_hw = [_out_size(n, k, s, p, d, ceil_mode) for n, k, s, p, d in
              zip((h, w), kernel, stride_, pad_, dilation_, strict=True)]
    # ceil mode: pad the end so that the last (partial) window exists
    extra = [max(0, (o - 1) * s + d * (k - 1) + 1 - (n + 2 * p)) for o, s, d, k, n, p in
             zip(out_hw, stride_, dilation_, kernel, (h, w), pad_, strict=True)]
    if any(pad_) or any(extra):
        x = pad(x, (pad_[1], pad_[1] + extra[1], pad_[0], pad_[0] + extra[0]),
                value=-math.inf)
    cols = _windows(x, kernel, stride_, dilation_)  # (N, C, OH, OW, kh, kw)
    flat = cols.reshape(cols.shape[:4] + (kernel[0] * kernel[1],))
    which = flat.argmax(-1, keepdim=True)
    out = Gather.apply(flat, 4, which).squeeze(-1)
    if not return_indices:
        return out.squeeze(0) if unbatched else out
    # window (i, j), element (a, b) sits at input row i*sh - ph + a*dh, col j*sw - pw + b*dw
    which = which.squeeze(-1)
    a, b = which // kernel[1], which % kernel[1]
    rows = arange(out_hw[0], device=x.device).reshape(-1, 1) * stride_[0] - pad_[0]
    cols_ = arange(out_hw[1], device=x.device) * stride_[1] - pad_[1]
    index = (rows + a * dilation_[0]) * w + cols_ + b * dilation_[1]
    if unbatched:
        return out.squeeze(0), index.squeeze(0)
    return out, index


def avg_pool2d(input: Tensor, kernel_size: IntOr2, stride: IntOr2 | None = None,  # noqa: A002
               padding: IntOr2 = 0, ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """Mean over each window, as ``torch.nn.functional.avg_pool2d``. Padding counts as 0,
    and as part of the window unless ``count_include_pad=False``."""
    x, unbatched = _batched(input)
    kernel = _pair(kernel_size, "kernel_size")
    stride_ = kernel if stride is None or stride == [] else _pair(stride, "stride")
    pad_ = _pair(padding, "padding")
    _check_spatial("avg_pool2d", x, kernel, stride_, pad_, (1, 1))
    for k, p in zip(kernel, pad_, strict=True):
        if p > k // 2:
            raise RuntimeError(f"avg_pool2d: pad should be at most half of kernel size, but "
                               f"got pad={p}, kernel_size={k}")
    if ceil_mode:
        raise NotImplementedError("avg_pool2d(ceil_mode=True) is not implemented (the "
                                  "partial last windows have their own divisors)")
    if not x.dtype.is_floating_point:
        raise NotImplementedError(f"avg_pool2d is implemented for floating dtypes only, got "
                                  f"{x.dtype.name}")
    padded = pad(x, (pad_[1], pad_[1], pad_[0], pad_[0])) if any(pad_) else x
    sums = _windows(padded, kernel, stride_, (1, 1)).sum((-2, -1))
    if divisor_override is not None:
        if divisor_override == 0:
            raise RuntimeError("avg_pool2d: divisor must not be zero")
        out = sums / divisor_override
    elif count_include_pad or not any(pad_):
        out = sums / (kernel[0] * kernel[1])
    else:  # divide by the number of real (unpadded) elements in each window
        ones = full((1, 1, x.shape[2], x.shape[3]), 1.0, dtype=x.dtype, device=x.device)
        ones = pad(ones, (pad_[1], pad_[1], pad_[0], pad_[0]))
        out = sums / _windows(ones, kernel, stride_, (1, 1)).sum((-2, -1))
    return out.squeeze(0) if unbatched else out


def max_pool1d(input: Tensor, kernel_size: int, stride: int | None = None,  # noqa: A002
               padding: int = 0, dilation: int = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """Max over windows of the last dim, as ``torch.nn.functional.max_pool1d``."""
    _check_1d("max_pool1d", input)
    k = _single(kernel_size, "kernel_size")
    s = k if stride is None or stride == [] else _single(stride, "stride")
    result = max_pool2d(input.unsqueeze(-2), (1, k), (1, s), (0, _single(padding, "padding")),
                        (1, _single(dilation, "dilation")), ceil_mode, return_indices)
    if return_indices:
        return result[0].squeeze(-2), result[1].squeeze(-2)
    return result.squeeze(-2)


def avg_pool1d(input: Tensor, kernel_size: int, stride: int | None = None,  # noqa: A002
               padding: int = 0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    """Mean over windows of the last dim, as ``torch.nn.functional.avg_pool1d``."""
    _check_1d("avg_pool1d", input)
    k = _single(kernel_size, "kernel_size")
    s = k if stride is None or stride == [] else _single(stride, "stride")
    return avg_pool2d(input.unsqueeze(-2), (1, k), (1, s), (0, _single(padding, "padding")),
                      ceil_mode, count_include_pad).squeeze(-2)


def _check_1d(name: str, input: Tensor) -> None:  # noqa: A002
    if input.dim() not in (2, 3):
        raise RuntimeError(f"{name}: expected a 2-D (C, L) or 3-D (N, C, L) input, got shape "
                           f"{tuple(input.shape)}")
