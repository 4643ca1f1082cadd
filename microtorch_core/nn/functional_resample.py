"""Functions that change the resolution of spatial dims, as in ``torch.nn.functional``:
``conv_transpose1d``/``2d`` (a learned upsampling), ``interpolate`` (a fixed one) and
``pixel_shuffle``/``pixel_unshuffle`` (trading channels for pixels). ``nn.functional``
re-exports them.

Every one is a composite of Tensor ops, so it runs on every backend and autograd gives its
gradient (and double backward, the gradient's ops being differentiable too):

* a **transposed convolution** is a convolution run backwards. ``conv2d`` is im2col (every
  window a row) then a matmul; ``conv_transpose2d`` is a matmul (every input pixel times the
  whole kernel, a window of "columns") then col2im: one ``scatter_add`` that adds each
  window into the output where it lands, overlapping windows summing up. We chose this over
  the other classic recipe, spreading the input out with zeros and running ``conv2d`` with
  the flipped kernel, because that one multiplies the stuffed zeros too: (s^2 - 1) / s^2
  of its work is wasted, 3/4 for the usual stride 2, and its backward is slower still.
* **interpolate** picks source positions (``index_select``) and, for the linear modes, adds
  two of them with weights, one spatial dim at a time (bilinear is linear along the width,
  then along the height). The positions and weights are computed once, on the host, with
  PyTorch's formulas and in PyTorch's precision, so that the same pixels are picked.
* **pixel_shuffle** is a reshape, a permute and a reshape.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .. import dtypes
from ..creation import arange, tensor, zeros
from ..ops.primitive.indexing import ScatterAdd, index_select_unchecked
from ..tensor import Tensor
from .functional_spatial import IntOr2, _pair, _single

__all__ = ["conv_transpose1d", "conv_transpose2d", "interpolate", "pixel_shuffle",
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


def _conv_transpose(name: str, input: Tensor, weight: Tensor,  # noqa: A002
                    bias: Tensor | None, stride: tuple[int, ...], padding: tuple[int, ...],
                    output_padding: tuple[int, ...], groups: int,
                    dilation: tuple[int, ...]) -> Tensor:
    """Check the arguments (``stride`` and the rest hold one int per spatial dim), then run
    the 2-d computation; the 1-d case on a height of 1."""
    out_size = _check_conv_transpose(name, input, weight, bias, stride, padding,
                                     output_padding, groups, dilation)
    spatial = len(stride)
    unbatched = input.dim() == spatial + 1
    x = input.unsqueeze(0) if unbatched else input
    if spatial == 1:
        x, weight = x.unsqueeze(2), weight.unsqueeze(2)
        stride, padding, dilation = (1,) + stride, (0,) + padding, (1,) + dilation
        out_size = (1,) + out_size
    out = _conv_transpose2d(x, weight, stride, padding, dilation, groups, out_size)
    if bias is not None:
        out = out + bias.reshape(1, -1, 1, 1)
    out = out.squeeze(2) if spatial == 1 else out
    return out.squeeze(0) if unbatched else out


def _check_conv_transpose(name: str, input: Tensor, weight: Tensor,  # noqa: A002
                          bias: Tensor | None, stride: tuple[int, ...],
                          padding: tuple[int, ...], output_padding: tuple[int, ...],
                          groups: int, dilation: tuple[int, ...]) -> tuple[int, ...]:
    """PyTorch's checks, with its messages; returns the output's spatial size."""
    spatial = len(stride)
    if input.dim() not in (spatial + 1, spatial + 2):
        raise RuntimeError(f"Expected {spatial + 1}D (unbatched) or {spatial + 2}D (batched) "
                           f"input to {name}, but got input of size: {list(input.shape)}")
    if weight.dim() != spatial + 2:
        kernel = "kW" if spatial == 1 else "kH, kW"
        raise RuntimeError(f"{name}: expected a {spatial + 2}-D weight (in_channels, "
                           f"out_channels / groups, {kernel}), got shape {tuple(weight.shape)}")
    if min(stride) <= 0:
        raise RuntimeError(f"non-positive stride is not supported, got stride={stride}")
    if min(padding) < 0:
        raise RuntimeError(f"negative padding is not supported, got padding={padding}")
    if min(output_padding) < 0:
        raise RuntimeError(f"negative output_padding is not supported, got "
                           f"output_padding={output_padding}")
    names = ("height", "width")[2 - spatial:]
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


def _conv_transpose2d(x: Tensor, weight: Tensor, stride: tuple[int, int],
                      padding: tuple[int, int], dilation: tuple[int, int], groups: int,
                      out_size: tuple[int, int]) -> Tensor:
    """(N, C, H, W) -> (N, O, OH, OW), no bias: a matmul, then col2im by ``scatter_add``."""
    n, channels, h, w = x.shape
    kh, kw = weight.shape[2], weight.shape[3]
    g, per_group = groups, channels // groups
    out_channels = weight.shape[1] * g
    # every input pixel times the whole kernel, per group:
    # (G, N*H*W, C/G) @ (G, C/G, O/G*kh*kw) -> (G, N*H*W, O/G*kh*kw)
    pixels = x.reshape(n, g, per_group, h * w).permute(1, 0, 3, 2)
    pixels = pixels.reshape(g, n * h * w, per_group)
    cols = pixels @ weight.reshape(g, per_group, weight.shape[1] * kh * kw)
    # -> (N, G, O/G, H, kh, W, kw) -> (N, O, H*kh*W*kw), in the order of `index` below
    cols = cols.reshape(g, n, h, w, out_channels // g, kh, kw).permute(1, 0, 4, 2, 5, 3, 6)
    cols = cols.reshape(n, out_channels, h * kh * w * kw)
    # col2im: input row i seen through kernel row a lands on row i*sh + a*dh of the
    # uncropped output (and likewise for columns), which we sum into a zero frame, then crop
    # to rows [padding, padding + OH). The frame reaches that far: output_padding can add
    # rows past the last one any window reaches; they stay 0 (plus the bias).
    frame_h = max(padding[0] + out_size[0], (h - 1) * stride[0] + dilation[0] * (kh - 1) + 1)
    frame_w = max(padding[1] + out_size[1], (w - 1) * stride[1] + dilation[1] * (kw - 1) + 1)
    out_rows = arange(h, device=x.device).reshape(h, 1, 1, 1) * stride[0] + \
        arange(kh, device=x.device).reshape(kh, 1, 1) * dilation[0]
    out_cols = arange(w, device=x.device).reshape(w, 1) * stride[1] + \
        arange(kw, device=x.device) * dilation[1]
    index = (out_rows * frame_w + out_cols).reshape(1, 1, -1)
    index = index.expand(n, out_channels, index.shape[2])
    frame = zeros(n, out_channels, frame_h * frame_w, dtype=cols.dtype, device=x.device)
    # index is in range by construction: no bounds check (a host sync on a GPU)
    out = ScatterAdd.apply(frame, 2, index, cols).reshape(n, out_channels, frame_h, frame_w)
    return out[:, :, padding[0]:padding[0] + out_size[0], padding[1]:padding[1] + out_size[1]]


# -- interpolate --------------------------------------------------------------------------------
_MODES = ("nearest", "nearest-exact", "linear", "bilinear")
_LINEAR_MODES = ("linear", "bilinear", "bicubic", "trilinear")  # those taking align_corners


def interpolate(input: Tensor, size: int | Sequence[int] | None = None,  # noqa: A002
                scale_factor: float | Sequence[float] | None = None, mode: str = "nearest",
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """Resize the spatial dims of an (N, C, L) or (N, C, H, W) input to ``size``, or to
    ``floor(input size * scale_factor)``, as ``torch.nn.functional.interpolate``.

    ``mode``: ``'nearest'`` (PyTorch's legacy rule: source ``floor(i * in / out)``),
    ``'nearest-exact'`` (the nearest pixel centre: ``floor((i + 0.5) * in / out)``),
    ``'linear'`` (3-D input) or ``'bilinear'`` (4-D input). The linear modes weigh the two
    nearest source pixels; with ``align_corners=True`` the centres of the corner pixels of
    input and output coincide (source ``i * (in - 1) / (out - 1)``), else the outer edges
    of the corner pixels do (source ``(i + 0.5) * in / out - 0.5``, at least 0).

    Given ``scale_factor``, the source positions use ``1 / scale_factor`` for ``in / out``,
    as PyTorch does; ``recompute_scale_factor=True`` uses the ratio of the integer sizes.

    >>> interpolate(microtorch_core.tensor([[[1.0, 2.0]]]), scale_factor=2).tolist()
    [[[1.0, 1.0, 2.0, 2.0]]]
    """
    spatial = input.dim() - 2
    if mode in _LINEAR_MODES:
        align_corners = bool(align_corners)
    elif align_corners is not None:
        raise ValueError("align_corners option can only be set with the interpolating modes: "
                         "linear | bilinear | bicubic | trilinear")
    if mode not in _MODES:
        raise NotImplementedError(f"interpolate: mode {mode!r} is not implemented; the modes "
                                  f"are {', '.join(map(repr, _MODES))}")
    if spatial not in (1, 2):
        raise NotImplementedError(f"interpolate: expected a 3-D (N, C, L) or 4-D (N, C, H, W) "
                                  f"input for mode {mode!r}, got shape {tuple(input.shape)}")
    needs = {"linear": 3, "bilinear": 4}.get(mode, input.dim())
    if input.dim() != needs:
        raise NotImplementedError(f"Got {input.dim()}D input, but {mode} mode needs {needs}D "
                                  f"input")
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not implemented")
    if mode in ("linear", "bilinear") and not input.dtype.is_floating_point:
        raise NotImplementedError(f"interpolate(mode={mode!r}) is implemented for floating "
                                  f"dtypes only, got {input.dtype.name}")
    in_size = tuple(input.shape[2:])
    out_size, scales = _output_size(in_size, size, scale_factor, recompute_scale_factor)
    if min(in_size) <= 0 or min(out_size) <= 0:
        names = ("H", "W")[2 - spatial:]
        raise RuntimeError(
            "Input and output sizes should be greater than 0, but got input ("
            + ", ".join(f"{n}: {s}" for n, s in zip(names, in_size, strict=True)) + ") output ("
            + ", ".join(f"{n}: {s}" for n, s in zip(names, out_size, strict=True)) + ")")
    out = input
    # the last dim first, as PyTorch sums a bilinear output: along the width, then the height
    for dim in reversed(range(2, input.dim())):
        n_in, n_out, scale = in_size[dim - 2], out_size[dim - 2], scales[dim - 2]
        if mode in ("nearest", "nearest-exact"):
            index = _nearest_source(n_in, n_out, scale, exact=mode == "nearest-exact",
                                    legacy_shortcuts=spatial == 2)
            out = index_select_unchecked(out, dim, tensor(index, device=input.device))
        else:
            out = _linear_along(out, dim, n_out, scale, align_corners)
    return out


def _output_size(in_size: tuple[int, ...], size: int | Sequence[int] | None,
                 scale_factor: float | Sequence[float] | None,
                 recompute_scale_factor: bool | None
                 ) -> tuple[tuple[int, ...], tuple[float | None, ...]]:
    """The output size and the scale factors the source positions use (None: in / out)."""
    spatial = len(in_size)
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is None and scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    if size is not None:
        if recompute_scale_factor:
            raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
        sizes = tuple(size) if isinstance(size, (tuple, list)) else (size,) * spatial
        if len(sizes) != spatial:
            raise ValueError(f"Input and output must have the same number of spatial "
                             f"dimensions, but got input with spatial dimensions of "
                             f"{list(in_size)} and output size of {size}. Please provide "
                             f"input tensor in (N, C, d1, d2, ...,dK) format and output size "
                             f"in (o1, o2, ...,oK) format.")
        if not all(isinstance(s, int) for s in sizes):
            raise TypeError(f"expected size to be one of int or Tuple[int] or Tuple[int, int], "
                            f"but got size with types {[type(s) for s in sizes]}")
        return sizes, (None,) * spatial
    if isinstance(scale_factor, (tuple, list)):
        factors = tuple(float(f) for f in scale_factor)
    else:
        factors = (float(scale_factor),) * spatial
    if len(factors) != spatial:
        raise ValueError(f"Input and scale_factor must have the same number of spatial "
                         f"dimensions, but got input with spatial dimensions of "
                         f"{list(in_size)} and scale_factor of shape {scale_factor}. Please "
                         f"provide input tensor in (N, C, d1, d2, ...,dK) format and "
                         f"scale_factor in (s1, s2, ...,sK) format.")
    sizes = tuple(int(n * f) for n, f in zip(in_size, factors, strict=True))
    return sizes, ((None,) * spatial if recompute_scale_factor else factors)


def _nearest_source(n_in: int, n_out: int, scale: float | None, exact: bool,
                    legacy_shortcuts: bool) -> np.ndarray:
    """The source position of each output position along a dim, with PyTorch's formula, in
    float32 as PyTorch computes it (so that ties round the same way).

    ``legacy_shortcuts``: PyTorch's 2-d 'nearest' kernel (not its 1-d one) copies when the
    size is unchanged and halves the index when it doubles, whatever ``scale_factor`` says;
    the two differ when, e.g., ``scale_factor=2.1`` gives twice the size.
    """
    f32 = np.float32
    ratio = f32(1.0 / scale) if scale is not None and scale > 0 else f32(n_in) / f32(n_out)
    out = np.arange(n_out)
    if exact:  # PyTorch: floorf((i + 0.5) * ratio), the product in double, floored as float
        source = np.floor(((out + 0.5) * np.float64(ratio)).astype(f32))
    elif legacy_shortcuts and n_out in (n_in, 2 * n_in):
        return out if n_out == n_in else out // 2
    else:  # PyTorch: floorf(i * ratio), all in float
        source = np.floor(out.astype(f32) * ratio)
    return np.minimum(source.astype(np.int64), n_in - 1)


def _linear_along(x: Tensor, dim: int, n_out: int, scale: float | None,
                  align_corners: bool) -> Tensor:
    """Linear interpolation along ``dim``: output ``i`` is ``(1 - t) x[i0] + t x[i1]`` with
    PyTorch's source position ``i0 + t`` (in the input's precision, float32 at least)."""
    n_in = x.shape[dim]
    real = np.float64 if x.dtype is dtypes.float64 else np.float32
    out = np.arange(n_out)
    if n_out == n_in:  # PyTorch copies at scale 1, whatever scale_factor says
        lo, hi, t = out, out, np.zeros(n_out, dtype=real)
    else:
        if align_corners:
            ratio = real(n_in - 1) / real(n_out - 1) if n_out > 1 else real(0)
            source = ratio * out.astype(real)
        else:
            ratio = real(1.0 / scale) if scale is not None and scale > 0 \
                else real(n_in) / real(n_out)
            source = np.maximum(ratio * (out.astype(real) + real(0.5)) - real(0.5), real(0))
        lo = np.minimum(np.floor(source).astype(np.int64), n_in - 1)
        t = np.clip(source - lo.astype(real), real(0), real(1))
        hi = lo + (lo < n_in - 1)
    shape = [1] * x.dim()
    shape[dim] = n_out
    weight_hi = tensor(t, dtype=x.dtype, device=x.device).reshape(shape)
    weight_lo = tensor(real(1) - t, dtype=x.dtype, device=x.device).reshape(shape)
    return index_select_unchecked(x, dim, tensor(lo, device=x.device)) * weight_lo + \
        index_select_unchecked(x, dim, tensor(hi, device=x.device)) * weight_hi


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
