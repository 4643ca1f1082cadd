"""Functions over spatial dims: ``pad`` and the convolutions ``conv1d``/``2d``/``3d``, with
the window machinery the poolings (``functional_pooling.py``) and ``unfold``/``fold`` share.
``nn.functional`` re-exports them, as ``torch.nn.functional``.

Every one is a composite of Tensor ops, so it runs on every backend and autograd gives its
gradient. The idea they share is *im2col*: ``Tensor.unfold`` turns each window a kernel sees
into a row, as a view (no copy), so a convolution is one reshape (the copy) and one matmul,
and a pooling is one reduction over the window dims. Its backward, an ``unfold`` backward,
scatter-adds each window's gradient back to the elements it saw. The code is written once for
any number of spatial dims: 1-d, 2-d and 3-d differ only in how many dims are unfolded.
"""

from __future__ import annotations

from collections.abc import Sequence

from .. import dtypes
from ..autograd.function import Function
from ..creation import tensor
from ..ops.primitive.copy import copy_into, fill_into
from ..ops.primitive.indexing import index_select_unchecked
from ..ops.primitive.views import Narrow, Windows
from ..tensor import Tensor

__all__ = ["pad", "conv1d", "conv2d", "conv3d"]

IntOr2 = int | Sequence[int]
IntOrN = int | Sequence[int]


def _pair(value: IntOr2, name: str) -> tuple[int, int]:
    """``3`` -> ``(3, 3)``; ``(3, 2)`` stays; anything else is an error naming ``name``."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value, value
    if isinstance(value, Sequence) and len(value) == 2 and all(isinstance(v, int)
                                                               for v in value):
        return int(value[0]), int(value[1])
    raise TypeError(f"{name} must be an int or a pair of ints, got {value!r}")


def _ntuple(value: IntOrN, n: int, name: str, fn: str) -> tuple[int, ...]:
    """An int, or a sequence of 1 or ``n`` ints, as ``n`` ints: PyTorch's convolutions and
    poolings expand ``3`` and ``(3,)`` alike to ``(3,) * n``."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (value,) * n
    if isinstance(value, Sequence) and not isinstance(value, str) and len(value) in (1, n) \
            and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        return tuple(int(v) for v in value) * (n if len(value) == 1 else 1)
    raise RuntimeError(f"{fn}: {name} must be a single int or a tuple of {n} ints, got "
                       f"{value!r}")


def _single(value: int | Sequence[int], name: str) -> int:
    if isinstance(value, Sequence) and len(value) == 1:
        value = value[0]
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, got {value!r}")
    return value


# -- padding ------------------------------------------------------------------------------------
_NON_CONSTANT = ("reflect", "replicate", "circular")


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant",  # noqa: A002
        value: float | None = None) -> Tensor:
    """Pad the last ``len(pad) // 2`` dims, as ``torch.nn.functional.pad``: ``pad`` lists
    (before, after) amounts starting from the last dim, e.g. ``(left, right, top, bottom)``.

    ``mode`` is ``'constant'`` (with ``value``, default 0), ``'reflect'`` (mirror without
    repeating the edge), ``'replicate'`` (repeat the edge) or ``'circular'`` (wrap around).
    Negative amounts crop, in every mode. As in PyTorch, the non-constant modes pad the last
    1, 2 or 3 dims of an input with one or two more dims (channels, and a batch).

    >>> pad(microtorch_core.tensor([[[0., 1., 2.]]]), (2, -1), mode="reflect").tolist()
    [[[2.0, 1.0, 0.0, 1.0]]]
    """
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2 or len(pad) // 2 > input.dim():
        raise ValueError(f"pad must have an even length of at most 2 * {input.dim()} (the "
                         f"input's dims), got {pad}")
    if mode != "constant" and value not in (None, 0):
        raise ValueError(f"padding mode {mode!r} does not take a fill value (got {value})")
    if mode not in ("constant",) + _NON_CONSTANT:
        raise NotImplementedError(f"padding mode {mode!r} is not supported; use "
                                  "'constant', 'reflect', 'replicate' or 'circular'")
    if mode != "constant":
        _check_non_constant(input, pad, mode)
    if mode == "constant":
        return _pad_constant(input, pad, 0.0 if value is None else value)
    out = input
    for i in range(len(pad) // 2):
        dim = input.dim() - 1 - i
        before, after = pad[2 * i], pad[2 * i + 1]
        if before == 0 and after == 0:
            continue
        if mode == "circular":
            out = _pad_circular(out, dim, before, after)
        else:
            out = index_select_unchecked(out, dim, _pad_index(out, dim, before, after, mode))
    return out


def _check_non_constant(input: Tensor, pad: tuple[int, ...], mode: str) -> None:  # noqa: A002
    """PyTorch's rules for the non-constant modes: which inputs, which amounts."""
    spatial = len(pad) // 2
    if input.dim() not in (spatial + 1, spatial + 2) or spatial > 3:
        raise NotImplementedError(
            f"Padding size {len(pad)} is not supported for {input.dim()}D input tensor. "
            "Supported combinations for non-constant padding: 2D or 3D input with padding "
            "size 2 (the last dim), 3D or 4D with size 4 (the last 2 dims), 4D or 5D with size "
            "6 (the last 3 dims)")
    if mode != "circular" and min(input.shape[-spatial - 1:]) == 0:
        raise RuntimeError(f"{mode} padding: expected an input with non-zero sizes except the "
                           f"batch dim, got shape {list(input.shape)}")


def _pad_constant(x: Tensor, pad: tuple[int, ...], value: float) -> Tensor:
    """Constant padding of every dim at once: negative amounts crop first (views), then one
    :class:`PadConstant` adds the rest."""
    before, after = [0] * x.dim(), [0] * x.dim()
    for i in range(len(pad) // 2):
        dim = x.dim() - 1 - i
        x = _crop(x, dim, pad[2 * i], pad[2 * i + 1])
        before[dim], after[dim] = max(0, pad[2 * i]), max(0, pad[2 * i + 1])
    if not any(before) and not any(after):
        return x
    return PadConstant.apply(x, tuple(before), tuple(after), value)


class PadConstant(Function):
    """out = x in the middle of a buffer filled with ``value``, ``before[d]`` and
    ``after[d]`` elements added along each dim ``d``: one fill and one copy (concatenating
    dim by dim made two buffers and a copy per padded dim). Its backward is the middle of the
    gradient, a view."""

    @staticmethod
    def forward(ctx, x: Tensor, before: tuple[int, ...], after: tuple[int, ...],
                value: float) -> Tensor:
        ctx.before = before
        out = x._empty_like(tuple(b + n + a for b, n, a in zip(before, x.shape, after)))
        fill_into(out, value)
        offset = out._offset + sum(b * s for b, s in zip(before, out._strides))
        copy_into(out._view(x.shape, out._strides, offset), x)
        return out

    @staticmethod
    def backward(ctx, grad: Tensor):
        shape = ctx.input_meta[0][0]
        for dim, (start, n) in enumerate(zip(ctx.before, shape)):
            if grad.shape[dim] != n:
                grad = Narrow.apply(grad, dim, start, n)
        return grad, None, None, None


def _crop(x: Tensor, dim: int, before: int, after: int) -> Tensor:
    """``x`` without the elements that negative amounts remove along ``dim``."""
    start, stop = max(0, -before), x.shape[dim] - max(0, -after)
    if stop < start:
        raise RuntimeError(f"negative padding ({before}, {after}) removes more than the "
                           f"{x.shape[dim]} elements of dimension {dim}")
    return x.narrow(dim, start, stop - start)


def _pad_index(x: Tensor, dim: int, before: int, after: int, mode: str) -> Tensor:
    """Source position of every output position along ``dim``, for reflect or replicate.

    Output position j is input position j - before; a negative amount only shifts the range
    of positions (the crop), so PyTorch's rule is the same for both signs.
    """
    n = x.shape[dim]
    if mode == "reflect" and (before >= n or after >= n):
        raise RuntimeError(f"reflect padding of ({before}, {after}) is invalid for dimension "
                           f"{dim} of size {n}: each amount must be less than {n}")
    if n + before + after < 1:
        raise RuntimeError(f"{mode} padding of ({before}, {after}): input (size {n} at "
                           f"dimension {dim}) is too small. Calculated output size: "
                           f"{n + before + after}")
    positions = range(-before, n + after)
    if mode == "replicate":
        index = [min(max(p, 0), n - 1) for p in positions]
    else:  # reflect: ... 2 1 | 0 1 2 ... n-1 | n-2 n-3 ...
        index = [-p if p < 0 else (2 * (n - 1) - p if p >= n else p) for p in positions]
    return tensor(index, dtype=dtypes.int64, device=x.device)


def _pad_circular(x: Tensor, dim: int, before: int, after: int) -> Tensor:
    """Circular padding as PyTorch does it: crop by the negative amounts first, then wrap
    around what is left (so ``(-1, 2)`` of [0 1 2 3 4] is [1 2 3 4 1 2], not ... 4 0 1)."""
    n = x.shape[dim]
    if before > n or after > n:
        raise RuntimeError(f"circular padding of ({before}, {after}) wraps around dimension "
                           f"{dim} of size {n} more than once")
    core = _crop(x, dim, before, after)
    m = core.shape[dim]
    if max(before, after) > m:
        raise RuntimeError(f"circular padding of ({before}, {after}): after cropping, "
                           f"dimension {dim} has {m} elements, fewer than the amount to wrap")
    index = [p % m for p in range(-max(before, 0), m + max(after, 0))]
    return index_select_unchecked(core, dim, tensor(index, dtype=dtypes.int64,
                                                    device=x.device))


# -- windows ------------------------------------------------------------------------------------
def _windows(x: Tensor, kernel: Sequence[int], stride: Sequence[int],
             dilation: Sequence[int], counts: tuple[int, ...] | None = None) -> Tensor:
    """(N, C, *S) -> (N, C, *O, *k): every window the kernel sees, as a view
    (``Windows``: every spatial dim at once, dilation included; ``counts`` as there)."""
    return Windows.apply(x, tuple(kernel), tuple(stride), tuple(dilation), counts)


def _out_size(size: int, kernel: int, stride: int, padding: int, dilation: int,
              ceil_mode: bool = False) -> int:
    """How many windows fit along a dim, as PyTorch counts them: with ``ceil_mode`` a last,
    partial window counts too if it starts inside the input or its left padding."""
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    if ceil_mode:
        out = -(-span // stride) + 1
        if (out - 1) * stride >= size + padding:  # the last window must start inside
            out -= 1
        return out
    return span // stride + 1


def _batched(input: Tensor, spatial: int = 2) -> tuple[Tensor, bool]:  # noqa: A002
    """An unbatched (C, *S) input gets a batch dim of 1, removed again at the end."""
    if input.dim() == spatial + 1:
        return input.unsqueeze(0), True
    return input, False


def _check_spatial(name: str, shape: tuple[int, ...], kernel: Sequence[int],
                   stride: Sequence[int], padding: Sequence[int],
                   dilation: Sequence[int]) -> None:
    """An input of ``shape`` (N, C, *S) with positive kernel, stride and dilation, and room
    for a window."""
    spatial = len(kernel)
    if len(shape) != spatial + 2:
        raise RuntimeError(f"{name}: expected a {spatial + 1}-D (C, *S) or {spatial + 2}-D "
                           f"(N, C, *S) input, got shape {tuple(shape)}")
    if min(kernel) <= 0 or min(stride) <= 0 or min(dilation) <= 0 or min(padding) < 0:
        raise RuntimeError(f"{name}: kernel size {tuple(kernel)}, stride {tuple(stride)} and "
                           f"dilation {tuple(dilation)} must be positive and padding "
                           f"{tuple(padding)} non-negative")
    for i in range(spatial):
        if _out_size(shape[2 + i], kernel[i], stride[i], padding[i], dilation[i]) <= 0:
            raise RuntimeError(
                f"{name}: the input's spatial size {tuple(shape[2:])} (padded by "
                f"{tuple(padding)}) is smaller than the kernel {tuple(kernel)} (dilation "
                f"{tuple(dilation)})")


def _pad_amounts(before: Sequence[int], after: Sequence[int] | None = None) -> list[int]:
    """Per-dim amounts (first spatial dim first) in ``pad``'s order (last dim first)."""
    after = before if after is None else after
    amounts: list[int] = []
    for b, a in zip(reversed(before), reversed(after), strict=True):
        amounts += [b, a]
    return amounts


# -- convolution --------------------------------------------------------------------------------
def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None,  # noqa: A002
           stride: IntOrN = 1, padding: IntOrN | str = 0, dilation: IntOrN = 1,
           groups: int = 1) -> Tensor:
    """2-d cross-correlation, as ``torch.nn.functional.conv2d``: ``input`` (N, C, H, W) or
    (C, H, W), ``weight`` (O, C / groups, kh, kw), ``bias`` (O,). ``padding`` may also be
    ``'valid'`` (none) or ``'same'`` (output size = input size; stride 1 only).

    im2col: the windows become rows of a (N * OH * OW, C * kh * kw) matrix, multiplied by
    the weight seen as (C * kh * kw, O); with groups, one batched matmul per group.
    """
    return _conv("conv2d", input, weight, bias, stride, padding, dilation, groups, 2)


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None,  # noqa: A002
           stride: IntOrN = 1, padding: IntOrN | str = 0, dilation: IntOrN = 1,
           groups: int = 1) -> Tensor:
    """1-d cross-correlation, as ``torch.nn.functional.conv1d``: ``input`` (N, C, L) or
    (C, L), ``weight`` (O, C / groups, k)."""
    return _conv("conv1d", input, weight, bias, stride, padding, dilation, groups, 1)


def conv3d(input: Tensor, weight: Tensor, bias: Tensor | None = None,  # noqa: A002
           stride: IntOrN = 1, padding: IntOrN | str = 0, dilation: IntOrN = 1,
           groups: int = 1) -> Tensor:
    """3-d cross-correlation, as ``torch.nn.functional.conv3d``: ``input`` (N, C, D, H, W) or
    (C, D, H, W), ``weight`` (O, C / groups, kd, kh, kw), ``bias`` (O,).

    >>> conv3d(microtorch_core.randn(2, 3, 8, 8, 8), microtorch_core.randn(4, 3, 3, 3, 3),
    ...        padding=1).shape
    (2, 4, 8, 8, 8)
    """
    return _conv("conv3d", input, weight, bias, stride, padding, dilation, groups, 3)


def _conv(name: str, input: Tensor, weight: Tensor, bias: Tensor | None,  # noqa: A002
          stride: IntOrN, padding: IntOrN | str, dilation: IntOrN, groups: int,
          spatial: int) -> Tensor:
    """The convolution over ``spatial`` dims: checks, padding, then im2col and a matmul."""
    if input.dim() not in (spatial + 1, spatial + 2):
        raise RuntimeError(f"Expected {spatial + 1}D (unbatched) or {spatial + 2}D (batched) "
                           f"input to {name}, but got input of size: {list(input.shape)}")
    if weight.dim() != spatial + 2:
        raise RuntimeError(f"{name}: expected a {spatial + 2}-D weight (out_channels, "
                           f"in_channels / groups, *kernel_size), got shape "
                           f"{tuple(weight.shape)}")
    _check_dtypes(name, input, weight, bias)
    x, unbatched = _batched(input, spatial)
    stride_ = _ntuple(stride, spatial, "stride", name)
    dilation_ = _ntuple(dilation, spatial, "dilation", name)
    kernel = tuple(weight.shape[2:])
    out_channels, group_channels = weight.shape[0], weight.shape[1]
    if groups <= 0 or out_channels % groups:
        raise RuntimeError(f"{name}: groups must be positive and divide out_channels "
                           f"({out_channels}), got groups={groups}")
    if x.shape[1] != group_channels * groups:
        raise RuntimeError(f"{name}: given groups={groups}, weight of size "
                           f"{list(weight.shape)}, expected input{list(input.shape)} to have "
                           f"{group_channels * groups} channels, but got "
                           f"{input.shape[-spatial - 1]} channels instead")
    if bias is not None and tuple(bias.shape) != (out_channels,):
        raise RuntimeError(f"{name}: bias must have shape ({out_channels},), got "
                           f"{tuple(bias.shape)}")
    if isinstance(padding, str):
        before, after = _named_padding(padding, kernel, stride_, dilation_)
    else:
        before = after = _ntuple(padding, spatial, "padding", name)
    # Unit strides: a window at every column, the last ones running on into the next row
    # (one more row of padding makes room), so that each kernel element's windows are one
    # contiguous run per image. The im2col copy and its backward's adds then move whole runs
    # instead of rows a few elements long (a padded 8x8 batch: the copy 5x, the adds 1.8x
    # faster), for a matmul over (W + padding) / OW times the columns, which are dropped.
    run_on = spatial > 1 and all(s == 1 for s in stride_) and dilation_[-1] * (kernel[-1] - 1)
    if run_on:
        after = after[:-2] + (after[-2] + 1, after[-1])
    if any(before + after):
        if min(before) < 0:
            raise RuntimeError(f"{name}: negative padding is not supported, got {before}")
        x = pad(x, _pad_amounts(before, after))
    shape = x.shape[:-2] + (x.shape[-2] - 1, x.shape[-1]) if run_on else x.shape  # padded
    _check_spatial(name, shape, kernel, stride_, (0,) * spatial, dilation_)
    n = x.shape[0]
    counts = None
    if run_on:  # as many windows as fit, but one per column along the last dim
        fit = [size - d * (k - 1) for size, k, d in zip(shape[2:], kernel, dilation_)]
        counts = tuple(fit[:-1]) + (x.shape[-1],)
    cols = _windows(x, kernel, stride_, dilation_, counts)  # (N, C, *O, *k)
    outs = tuple(cols.shape[2:2 + spatial])
    g, kk = groups, group_channels * _prod(kernel)
    positions = _prod(outs)
    # (N, G, C/G, *O, *k) -> (G, C/G, *k, N, *O) -> (G, C/G * prod(k), N * prod(O)): a row
    # per window element, a column per output position. The reshape is the one copy, and in
    # this order it copies whole rows of output positions (several times faster in NumPy
    # than rows of kernel elements, a few long each)
    cols = cols.reshape(n, g, group_channels, *outs, *kernel)
    o_dims, k_dims = range(3, 3 + spatial), range(3 + spatial, 3 + 2 * spatial)
    cols = cols.permute(1, 2, *k_dims, 0, *o_dims).reshape(g, kk, n * positions)
    w = weight.reshape(g, out_channels // g, kk)  # (G, O/G, C/G * prod(k))
    out = w @ cols  # (G, O/G, N * prod(O))
    out = out.reshape(out_channels, n, *outs).transpose(0, 1)  # (N, O, *O), a view
    if run_on:  # the columns whose windows ran on into the next row go
        out = out[..., :fit[-1]]
    if bias is not None:  # the add writes a new, contiguous tensor
        out = out + bias.reshape((1, out_channels) + (1,) * spatial)
    else:
        out = out.contiguous()
    return out.squeeze(0) if unbatched else out


def _check_dtypes(name: str, input: Tensor, weight: Tensor,  # noqa: A002
                  bias: Tensor | None) -> None:
    """One dtype for input, weight and bias, as PyTorch requires (integers too, not bool)."""
    if input.dtype is dtypes.bool_:
        raise NotImplementedError(f"{name} is not implemented for bool inputs")
    if weight.dtype is not input.dtype:
        raise RuntimeError(f"{name}: Input type ({input.dtype.name}) and weight type "
                           f"({weight.dtype.name}) should be the same")
    if bias is not None and bias.dtype is not input.dtype:
        raise RuntimeError(f"{name}: Input type ({input.dtype.name}) and bias type "
                           f"({bias.dtype.name}) should be the same")


def _prod(values: Sequence[int]) -> int:
    result = 1
    for v in values:
        result *= v
    return result


def _named_padding(padding: str, kernel: Sequence[int], stride: Sequence[int],
                   dilation: Sequence[int]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(before, after) amounts per spatial dim for ``'valid'`` or ``'same'``."""
    if padding == "valid":
        zero = (0,) * len(kernel)
        return zero, zero
    if padding == "same":
        if any(s != 1 for s in stride):
            raise ValueError(f"padding='same' is not supported for strided convolutions "
                             f"(stride {tuple(stride)})")
        total = [d * (k - 1) for k, d in zip(kernel, dilation, strict=True)]
        # uneven: PyTorch puts the extra element after (right / bottom)
        return tuple(t // 2 for t in total), tuple(t - t // 2 for t in total)
    raise ValueError(f"invalid padding string {padding!r}: use 'valid' or 'same'")
