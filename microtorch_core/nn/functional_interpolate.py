"""``interpolate``: resize the spatial dims of a tensor by a fixed rule, as
``torch.nn.functional.interpolate``; ``nn.functional`` re-exports it and ``nn.Upsample`` wraps
it.

Every mode but ``'area'`` is *separable*: it resizes one spatial dim at a time (the last
first, as PyTorch sums), and along a dim each output element is a weighted sum of a few input
elements, picked by ``index_select``:

* ``nearest`` / ``nearest-exact``: one element, weight 1;
* ``linear`` / ``bilinear`` / ``trilinear``: the two nearest elements, weights 1 - t and t;
* ``bicubic``: four elements, weights from Keys' cubic convolution with PyTorch's
  coefficient a = -0.75 (reads past the edge repeat the edge element).

The positions and weights are computed once, on the host, with PyTorch's formulas and in
PyTorch's precision (float32 for float32 inputs), so that the same pixels are picked and the
results agree to rounding. ``'area'`` is adaptive average pooling to the output size.

The gradient is autograd's: the backward of ``index_select`` adds each output's gradient,
times its weight, into the input elements it read.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import TypeVar

import numpy as np

from .. import dtypes
from ..creation import tensor
from ..ops.primitive.indexing import index_select_unchecked
from ..tensor import Tensor
from .functional_adaptive import adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d

__all__ = ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear"]

_MODES = ("nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear", "area")
_INTERPOLATING = ("linear", "bilinear", "bicubic", "trilinear")  # those taking align_corners
_NEEDS = {"linear": 3, "bilinear": 4, "bicubic": 4, "trilinear": 5}  # input dims per mode
_CUBIC_A = -0.75  # PyTorch's (and OpenCV's) cubic coefficient; Keys proposed -0.5
T = TypeVar("T", np.ndarray, Tensor)


def interpolate(input: Tensor, size: int | Sequence[int] | None = None,  # noqa: A002
                scale_factor: float | Sequence[float] | None = None, mode: str = "nearest",
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """Resize the spatial dims of an (N, C, L), (N, C, H, W) or (N, C, D, H, W) input to
    ``size``, or to ``floor(input size * scale_factor)``, as
    ``torch.nn.functional.interpolate``.

    ``mode``: ``'nearest'`` (PyTorch's legacy rule: source ``floor(i * in / out)``),
    ``'nearest-exact'`` (the nearest pixel centre: ``floor((i + 0.5) * in / out)``),
    ``'linear'`` (3-D input), ``'bilinear'`` or ``'bicubic'`` (4-D), ``'trilinear'`` (5-D),
    ``'area'`` (the mean over each output pixel's window, as ``adaptive_avg_pool``). With
    ``align_corners=True`` the centres of the corner pixels of input and output coincide
    (source ``i * (in - 1) / (out - 1)``), else the outer edges of the corner pixels do
    (source ``(i + 0.5) * in / out - 0.5``).

    Given ``scale_factor``, the source positions use ``1 / scale_factor`` for ``in / out``,
    as PyTorch does; ``recompute_scale_factor=True`` uses the ratio of the integer sizes.

    >>> interpolate(microtorch_core.tensor([[[1.0, 2.0]]]), scale_factor=2).tolist()
    [[[1.0, 1.0, 2.0, 2.0]]]
    """
    _check_mode(input, mode, align_corners, antialias)
    align_corners = bool(align_corners)
    spatial = input.dim() - 2
    in_size = tuple(input.shape[2:])
    out_size, scales = _output_size(in_size, size, scale_factor, recompute_scale_factor)
    if min(in_size) <= 0 or min(out_size) <= 0:
        names = ("D", "H", "W")[3 - spatial:]
        raise RuntimeError(
            "Input and output sizes should be greater than 0, but got input ("
            + ", ".join(f"{n}: {s}" for n, s in zip(names, in_size, strict=True)) + ") output ("
            + ", ".join(f"{n}: {s}" for n, s in zip(names, out_size, strict=True)) + ")")
    if mode == "area":
        pool = (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d)[spatial - 1]
        return pool(input, out_size)
    out = input
    for dim in reversed(range(2, input.dim())):  # the last dim first
        n_in, n_out, scale = in_size[dim - 2], out_size[dim - 2], scales[dim - 2]
        if mode in ("nearest", "nearest-exact"):
            index = _nearest_source(n_in, n_out, scale, exact=mode == "nearest-exact",
                                    legacy_shortcuts=spatial == 2)
            out = index_select_unchecked(out, dim, tensor(index, device=input.device))
        elif mode == "bicubic":
            out = _cubic_along(out, dim, n_out, scale, align_corners)
        else:
            out = _linear_along(out, dim, n_out, scale, align_corners)
    return out


def upsample(input: Tensor, size: int | Sequence[int] | None = None,  # noqa: A002
             scale_factor: float | Sequence[float] | None = None, mode: str = "nearest",
             align_corners: bool | None = None) -> Tensor:
    """``interpolate`` under its old name, deprecated in PyTorch (which warns, as here)."""
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` "
                  "instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size: int | Sequence[int] | None = None,  # noqa: A002
                     scale_factor: float | Sequence[float] | None = None) -> Tensor:
    """``interpolate(mode='nearest')``, deprecated in PyTorch (which warns, as here)."""
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size: int | Sequence[int] | None = None,  # noqa: A002
                      scale_factor: float | Sequence[float] | None = None) -> Tensor:
    """``interpolate(mode='bilinear', align_corners=True)``, deprecated in PyTorch (which
    warns, as here)."""
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


def _check_mode(input: Tensor, mode: str, align_corners: bool | None,  # noqa: A002
                antialias: bool) -> None:
    """PyTorch's checks of the mode against the input, in its order, with its messages."""
    if mode not in _INTERPOLATING and align_corners is not None:
        raise ValueError("align_corners option can only be set with the interpolating modes: "
                         "linear | bilinear | bicubic | trilinear")
    if antialias and not (mode in ("bilinear", "bicubic") and input.dim() == 4):
        raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos "
                         "modes and requires a 4-D tensor as input")
    if mode not in _MODES or input.dim() not in (3, 4, 5) or (mode == "bicubic"
                                                              and input.dim() != 4):
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported "
                                  f"(got {input.dim()}D) for the modes: nearest | linear | "
                                  f"bilinear | bicubic | trilinear | area | nearest-exact (got "
                                  f"{mode}); input shape {tuple(input.shape)}")
    needs = _NEEDS.get(mode, input.dim())
    if input.dim() != needs:
        raise NotImplementedError(f"Got {input.dim()}D input, but {mode} mode needs {needs}D "
                                  f"input")
    if antialias:
        raise NotImplementedError(f"interpolate: antialias=True (mode {mode!r}) is not "
                                  f"implemented")
    if not input.dtype.is_floating_point:
        # PyTorch resamples uint8 images, a dtype MicroTorch lacks, and no other integers
        raise NotImplementedError(f"interpolate(mode={mode!r}) is not implemented for "
                                  f"{input.dtype.name} (floating dtypes only, as in PyTorch)")


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

    ``legacy_shortcuts``: PyTorch's 2-d 'nearest' kernel (not its 1-d or 3-d ones) copies
    when the size is unchanged and halves the index when it doubles, whatever
    ``scale_factor`` says; the two differ when, e.g., ``scale_factor=2.1`` gives twice the
    size.
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


def _source_positions(n_in: int, n_out: int, scale: float | None, align_corners: bool,
                      real: type) -> np.ndarray:
    """Where output position i reads the input, in input coordinates (PyTorch's
    ``area_pixel_compute_source_index``, before any clamping)."""
    out = np.arange(n_out).astype(real)
    if align_corners:
        ratio = real(n_in - 1) / real(n_out - 1) if n_out > 1 else real(0)
        return ratio * out
    ratio = real(1.0 / scale) if scale is not None and scale > 0 else real(n_in) / real(n_out)
    return ratio * (out + real(0.5)) - real(0.5)


def _weighted_sum(x: Tensor, dim: int, indices: list[np.ndarray],
                  weights: list[np.ndarray]) -> Tensor:
    """sum_j weights[j] * x[indices[j]] along ``dim``: the element picked by each index array,
    scaled by its weight and broadcast over the other dims."""
    shape = [1] * x.dim()
    shape[dim] = len(indices[0])
    out = None
    for index, weight in zip(indices, weights, strict=True):
        term = index_select_unchecked(x, dim, tensor(index, device=x.device)) * \
            tensor(weight, dtype=x.dtype, device=x.device).reshape(shape)
        out = term if out is None else out + term
    return out


def _real(x: Tensor) -> type:
    """The precision PyTorch computes positions and weights in: the input's, float at least."""
    return np.float64 if x.dtype is dtypes.float64 else np.float32


def _linear_along(x: Tensor, dim: int, n_out: int, scale: float | None,
                  align_corners: bool) -> Tensor:
    """Linear interpolation along ``dim``: output ``i`` is ``(1 - t) x[i0] + t x[i1]`` with
    PyTorch's source position ``i0 + t``, at least 0."""
    n_in, real = x.shape[dim], _real(x)
    if n_out == n_in:  # PyTorch copies at scale 1, whatever scale_factor says
        lo = hi = np.arange(n_out)
        t = np.zeros(n_out, dtype=real)
    else:
        source = np.maximum(_source_positions(n_in, n_out, scale, align_corners, real),
                            real(0))
        lo = np.minimum(np.floor(source).astype(np.int64), n_in - 1)
        t = np.clip(source - lo.astype(real), real(0), real(1))
        hi = lo + (lo < n_in - 1)
    return _weighted_sum(x, dim, [lo, hi], [real(1) - t, t])


def _cubic_along(x: Tensor, dim: int, n_out: int, scale: float | None,
                 align_corners: bool) -> Tensor:
    """Cubic convolution along ``dim``: output ``i`` weighs the four inputs around its source
    position ``i0 + t`` (i0 - 1 to i0 + 2, clamped to the dim) by Keys' kernel at the four
    distances t + 1, t, 1 - t, 2 - t. Unlike the linear modes, the position is not clamped
    at 0 and an unchanged size is not a copy, as in PyTorch."""
    n_in, real = x.shape[dim], _real(x)
    source = _source_positions(n_in, n_out, scale, align_corners, real)
    i0 = np.floor(source).astype(np.int64)
    t = (source - i0.astype(real)).astype(real)
    indices = [np.clip(i0 - 1 + j, 0, n_in - 1) for j in range(4)]
    return _weighted_sum(x, dim, indices, cubic_weights(t))


def cubic_weights(t: T) -> list[T]:
    """Keys' cubic convolution weights of the four samples at distances t + 1, t, 1 - t and
    2 - t from a position t in [0, 1) past the second one, with PyTorch's a = -0.75. Plain
    arithmetic, so ``t`` may be a NumPy array (keeping its precision) or a Tensor (keeping
    its gradient, as ``grid_sample`` needs)."""
    a = _CUBIC_A

    def near(d: T) -> T:  # |d| <= 1
        return ((a + 2) * d - (a + 3)) * d * d + 1

    def far(d: T) -> T:  # 1 < |d| < 2
        return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a

    return [far(t + 1), near(t), near(1 - t), far(2 - t)]
