"""Functions that change the resolution of spatial dims, as in ``torch.nn.functional``:
``conv_transpose1d``/``2d``/``3d`` (a learned upsampling), ``pixel_shuffle``/
``pixel_unshuffle`` (trading channels for pixels) and ``channel_shuffle`` (mixing groups of
channels). ``nn.functional`` re-exports them; the
fixed upsampling, ``interpolate``, is in ``functional_interpolate.py``.

Every one is a composite of Tensor ops, so it runs on every backend and autograd gives its
gradient (and double backward, the gradient's ops being differentiable too):

* a **transposed convolution** is a convolution run backwards. ``conv2d`` is im2col (every
  window a row) then a matmul; ``conv_transpose2d`` is a matmul (every input pixel times the
  whole kernel, a window of "columns") then col2im: one ``scatter_add`` that adds each
  window into the output where it lands, overlapping windows summing up. We chose this over
  the other classic recipe, spreading the input out with zeros and running ``conv2d`` with
  the flipped kernel, because that one multiplies the stuffed zeros too: (s^2 - 1) / s^2
  of its work is wasted, 3/4 for the usual stride 2, and its backward is slower still.
* **pixel_shuffle** and **channel_shuffle** are a reshape, a permute and a reshape.
"""

from __future__ import annotations

from ..creation import arange, zeros
from ..ops.primitive.indexing import ScatterAdd
from ..tensor import Tensor
from .functional_spatial import IntOr2, IntOrN, _check_dtypes, _ntuple, _pair, _prod, _single

__all__ = ["conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "pixel_shuffle",
           "pixel_unshuffle"]


# -- transposed convolution ---------------------------------------------------------------------
def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None,  # noqa: A002
                     stride: IntOr2 = 1, padding: IntOr2 = 0, output_padding: IntOr2 = 0,
                     groups: int = 1, dilation: IntOr2 = 1) -> Tensor:
    """2-d transposed convolution, as ``torch.nn.functional.conv_transpose2d``: the gradient
    of ``conv2d`` with respect to its input. ``input`` (N, C, H, W) or (C, H, W), ``weight``
    (C, O / groups, kh, kw), ``bias`` (O,). The output's height (and likewise its width) is
    ``(H - 1) * stride - 2 * padding + dilation * (kh - 1) + output_padding + 1``:
    ``padding`` crops the full result, ``output_padding`` adds rows at the end (to reach
    the input size of the ``conv2d`` it inverts, when its stride dropped some).

    >>> conv_transpose2d(microtorch_core.randn(1, 8, 4, 4), microtorch_core.randn(8, 3, 4, 4),
    ...                  stride=2, padding=1).shape
    (1, 3, 8, 8)
    """
    return _conv_transpose("conv_transpose2d", input, weight, bias, _pair(stride, "stride"),
                           _pair(padding, "padding"), _pair(output_padding, "output_padding"),
                           groups, _pair(dilation, "dilation"))


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None,  # noqa: A002
                     stride: int = 1, padding: int = 0, output_padding: int = 0,
                     groups: int = 1, dilation: int = 1) -> Tensor:
    """1-d transposed convolution, as ``torch.nn.functional.conv_transpose1d``: ``input``
    (N, C, L) or (C, L), ``weight`` (C, O / groups, k); the output's length is
    ``(L - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1``."""
    return _conv_transpose("conv_transpose1d", input, weight, bias,
                           (_single(stride, "stride"),), (_single(padding, "padding"),),
                           (_single(output_padding, "output_padding"),), groups,
                           (_single(dilation, "dilation"),))


def conv_transpose3d(input: Tensor, weight: Tensor, bias: Tensor | None = None,  # noqa: A002
                     stride: IntOrN = 1, padding: IntOrN = 0, output_padding: IntOrN = 0,
                     groups: int = 1, dilation: IntOrN = 1) -> Tensor:
    """3-d transposed convolution, as ``torch.nn.functional.conv_transpose3d``: ``input``
    (N, C, D, H, W) or (C, D, H, W), ``weight`` (C, O / groups, kd, kh, kw), ``bias`` (O,);
    each output size as in ``conv_transpose2d``."""
    name = "conv_transpose3d"
    return _conv_transpose(name, input, weight, bias, _ntuple(stride, 3, "stride", name),
                           _ntuple(padding, 3, "padding", name),
                           _ntuple(output_padding, 3, "output_padding", name), groups,
                           _ntuple(dilation, 3, "dilation", name))


def _conv_transpose(name: str, input: Tensor, weight: Tensor,  # noqa: A002
                    bias: Tensor | None, stride: tuple[int, ...], padding: tuple[int, ...],
                    output_padding: tuple[int, ...], groups: int,
                    dilation: tuple[int, ...]) -> Tensor:
    """Check the arguments (``stride`` and the rest hold one int per spatial dim), then run
    the computation for that many spatial dims."""
    out_size = _check_conv_transpose(name, input, weight, bias, stride, padding,
                                     output_padding, groups, dilation)
    spatial = len(stride)
    unbatched = input.dim() == spatial + 1
    x = input.unsqueeze(0) if unbatched else input
    out = _conv_transpose_nd(x, weight, stride, padding, dilation, groups, out_size)
    if bias is not None:
        out = out + bias.reshape((1, -1) + (1,) * spatial)
    return out.squeeze(0) if unbatched else out


def _check_conv_transpose(name: str, input: Tensor, weight: Tensor,  # noqa: A002
                          bias: Tensor | None, stride: tuple[int, ...],
                          padding: tuple[int, ...], output_padding: tuple[int, ...],
                          groups: int, dilation: tuple[int, ...]) -> tuple[int, ...]:
    """PyTorch's checks, with its messages; returns the output's spatial size."""
    _check_dtypes(name, input, weight, bias)
    spatial = len(stride)
    if input.dim() not in (spatial + 1, spatial + 2):
        raise RuntimeError(f"Expected {spatial + 1}D (unbatched) or {spatial + 2}D (batched) "
                           f"input to {name}, but got input of size: {list(input.shape)}")
    if weight.dim() != spatial + 2:
        kernel = ("kW", "kH, kW", "kD, kH, kW")[spatial - 1]
        raise RuntimeError(f"{name}: expected a {spatial + 2}-D weight (in_channels, "
                           f"out_channels / groups, {kernel}), got shape {tuple(weight.shape)}")
    if min(stride) <= 0:
        raise RuntimeError(f"non-positive stride is not supported, got stride={stride}")
    if min(padding) < 0:
        raise RuntimeError(f"negative padding is not supported, got padding={padding}")
    if min(output_padding) < 0:
        raise RuntimeError(f"negative output_padding is not supported, got "
                           f"output_padding={output_padding}")
    names = ("depth", "height", "width")[3 - spatial:]
    if min(dilation) <= 0:
        got = ", ".join(f"dilation_{n}: {d}" for n, d in zip(names, dilation, strict=True))
        raise RuntimeError(f"dilation should be greater than zero, but got {got}")
    if groups <= 0:
        raise RuntimeError(f"non-positive groups is not supported, got groups={groups}")
    if weight.shape[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} "
                           f"at dimension 0, but got weight of size {list(weight.shape)} "
                           f"instead")
    channels, out_channels = input.shape[-spatial - 1], weight.shape[1] * groups
    if channels != weight.shape[0]:
        raise RuntimeError(f"Given transposed=1, weight of size {list(weight.shape)}, expected "
                           f"input{list(input.shape)} to have {weight.shape[0]} channels, but "
                           f"got {channels} channels instead")
    if bias is not None and tuple(bias.shape) != (out_channels,):
        raise RuntimeError(f"Given transposed=1, weight of size {list(weight.shape)}, expected "
                           f"bias to be 1-dimensional with {out_channels} elements, but got "
                           f"bias of size {list(bias.shape)} instead")
    if any(op >= s and op >= d for op, s, d in zip(output_padding, stride, dilation,
                                                    strict=True)):
        got = " ".join(f"{what}_{n}: {v}" for what, values in (
            ("output_padding", output_padding), ("stride", stride), ("dilation", dilation))
            for n, v in zip(names, values, strict=True))
        raise RuntimeError(f"output padding must be smaller than either stride or dilation, "
                           f"but got {got}")
    in_size = tuple(input.shape[-spatial:])
    if min(in_size) == 0:
        raise RuntimeError(f"Only zero batch or zero channel inputs are supported, but got "
                           f"input shape: {list(input.shape)}")
    out_size = tuple((n - 1) * s - 2 * p + d * (k - 1) + op + 1 for n, s, p, d, k, op in zip(
        in_size, stride, padding, dilation, weight.shape[2:], output_padding, strict=True))
    if min(out_size) <= 0:
        raise RuntimeError(f"Given input size per channel: ({' x '.join(map(str, in_size))}). "
                           f"Calculated output size per channel: "
                           f"({' x '.join(map(str, out_size))}). Output size is too small")
    return out_size


def _conv_transpose_nd(x: Tensor, weight: Tensor, stride: tuple[int, ...],
                       padding: tuple[int, ...], dilation: tuple[int, ...], groups: int,
                       out_size: tuple[int, ...]) -> Tensor:
    """(N, C, *S) -> (N, O, *OS), no bias: a matmul, then col2im by ``scatter_add``."""
    n, channels, sizes = x.shape[0], x.shape[1], tuple(x.shape[2:])
    kernel, spatial = tuple(weight.shape[2:]), len(sizes)
    g, per_group = groups, channels // groups
    out_channels = weight.shape[1] * g
    pixels, taps = _prod(sizes), _prod(kernel)
    # every input pixel times the whole kernel, per group:
    # (G, N*P, C/G) @ (G, C/G, O/G*K) -> (G, N*P, O/G*K), P pixels and K kernel taps
    rows = x.reshape(n, g, per_group, pixels).permute(1, 0, 3, 2)
    rows = rows.reshape(g, n * pixels, per_group)
    cols = rows @ weight.reshape(g, per_group, weight.shape[1] * taps)
    # -> (N, G, O/G, S1, k1, S2, k2, ...) -> (N, O, S1*k1*S2*k2...), the order of `index`
    cols = cols.reshape(g, n, *sizes, out_channels // g, *kernel)
    pairs = [d for i in range(spatial) for d in (2 + i, 3 + spatial + i)]
    cols = cols.permute(1, 0, 2 + spatial, *pairs).reshape(n, out_channels, pixels * taps)
    # col2im: input position i seen through kernel tap a lands on i*s + a*d of the uncropped
    # output, along each dim; we sum into a zero frame, then crop to [padding, padding + OS).
    # The frame reaches that far: output_padding can add positions past the last one any
    # window reaches; they stay 0 (plus the bias).
    frame = [max(p + o, (n_in - 1) * s + d * (k - 1) + 1) for p, o, n_in, s, d, k in
             zip(padding, out_size, sizes, stride, dilation, kernel, strict=True)]
    index = None
    for i in range(spatial):
        shape = [1] * (2 * spatial)
        shape[2 * i], shape[2 * i + 1] = sizes[i], kernel[i]
        lands = arange(sizes[i], device=x.device).reshape(-1, 1) * stride[i] + \
            arange(kernel[i], device=x.device) * dilation[i]
        term = lands.reshape(shape) * _prod(frame[i + 1:])
        index = term if index is None else index + term
    index = index.reshape(1, 1, -1).expand(n, out_channels, pixels * taps)
    canvas = zeros(n, out_channels, _prod(frame), dtype=cols.dtype, device=x.device)
    # index is in range by construction: no bounds check (a host sync on a GPU)
    out = ScatterAdd.apply(canvas, 2, index, cols).reshape(n, out_channels, *frame)
    crop = tuple(slice(p, p + o) for p, o in zip(padding, out_size, strict=True))
    return out[(slice(None), slice(None)) + crop]


# -- pixel shuffle ------------------------------------------------------------------------------
def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:  # noqa: A002
    """(*, C * r^2, H, W) -> (*, C, H * r, W * r), r = ``upscale_factor``: each group of r^2
    channels becomes an r x r block of pixels, as ``torch.nn.functional.pixel_shuffle``
    (the upsampling of ESPCN, "sub-pixel convolution")."""
    r = upscale_factor
    _check_shuffle("pixel_shuffle", input, "upscale_factor", r)
    *lead, channels, h, w = input.shape
    if channels % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be "
                           f"divisible by the square of upscale_factor, but "
                           f"input.size(-3)={channels} is not divisible by {r * r}")
    k = len(lead)
    x = input.reshape(*lead, channels // (r * r), r, r, h, w)
    x = x.permute(*range(k), k, k + 3, k + 1, k + 4, k + 2)  # (*, C, H, r, W, r)
    return x.reshape(*lead, channels // (r * r), h * r, w * r)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:  # noqa: A002
    """(*, C, H * r, W * r) -> (*, C * r^2, H, W), the inverse of ``pixel_shuffle``, as
    ``torch.nn.functional.pixel_unshuffle``."""
    r = downscale_factor
    _check_shuffle("pixel_unshuffle", input, "downscale_factor", r)
    *lead, channels, h, w = input.shape
    for what, n, d in (("height", h, -2), ("width", w, -1)):
        if n % r:
            raise RuntimeError(f"pixel_unshuffle expects {what} to be divisible by "
                               f"downscale_factor, but input.size({d})={n} is not divisible by "
                               f"{r}")
    k = len(lead)
    x = input.reshape(*lead, channels, h // r, r, w // r, r)
    x = x.permute(*range(k), k, k + 2, k + 4, k + 1, k + 3)  # (*, C, r, r, H/r, W/r)
    return x.reshape(*lead, channels * r * r, h // r, w // r)


def _check_shuffle(name: str, input: Tensor, what: str, factor: int) -> None:  # noqa: A002
    if input.dim() < 3:
        raise RuntimeError(f"{name} expects input to have at least 3 dimensions, but got input "
                           f"with {input.dim()} dimension(s)")
    if factor <= 0:
        raise RuntimeError(f"{name} expects a positive {what}, but got {factor}")


# -- channel shuffle ----------------------------------------------------------------------------
def channel_shuffle(input: Tensor, groups: int) -> Tensor:  # noqa: A002
    """(N, g * k, *) -> (N, k * g, *): the channels, seen as ``groups`` groups of k, are
    interleaved (channel ``i * k + j`` moves to ``j * g + i``), as
    ``torch.nn.functional.channel_shuffle``. ShuffleNet puts it between grouped convolutions
    so that each group's next convolution sees channels from every group.

    >>> channel_shuffle(arange(4).reshape(1, 4, 1), 2).flatten().tolist()
    [0, 2, 1, 3]
    """
    if input.dim() < 3:
        raise RuntimeError(f"channel_shuffle expects input with > 2 dims, but got input with "
                           f"sizes {list(input.shape)}")
    if groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of "
                           f"groups:{groups}")
    n, channels, *rest = input.shape
    if channels % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {channels} "
                           f"channels and {groups} groups.")
    x = input.reshape(n, groups, channels // groups, *rest)
    return x.transpose(1, 2).reshape(n, channels, *rest)
