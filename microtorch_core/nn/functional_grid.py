"""Sampling at arbitrary positions, as in ``torch.nn.functional``: ``affine_grid`` (the
positions an affine map sends an output grid to) and ``grid_sample`` (the input's values
there). Together they make a spatial transformer network. ``nn.functional`` re-exports them.

Positions are normalised: -1 and 1 are the two ends of a spatial dim (the centres of its end
pixels with ``align_corners=True``, else their outer edges). ``grid_sample`` turns each
position into pixel coordinates, applies the padding mode (``border`` clamps it into the
input, ``reflection`` mirrors it at the edges), then

* ``bilinear`` (trilinear for 5-D input) reads the 2 (or 2 x 2 x 2) neighbouring pixels with
  ``gather`` and weighs them by the fractional parts of the coordinates;
* ``nearest`` reads the nearest pixel (ties to even, as PyTorch's ``nearbyint``);
* ``bicubic`` (4-D only) reads the 4 x 4 neighbouring pixels and weighs them by the cubic
  kernel of ``interpolate``'s bicubic mode.

Both are composites: the gradient reaches the input through ``gather`` (a scatter-add) and
the grid through the weights, whose fractional parts depend on it (nearest sends none to the
grid; PyTorch sends zeros). A neighbour outside the input reads 0 (``padding_mode='zeros'``).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

from .. import ops
from ..creation import linspace, ones, tensor
from ..ops.primitive.indexing import Gather
from ..tensor import Tensor
from .functional_interpolate import cubic_weights

__all__ = ["affine_grid", "grid_sample"]

_MODES = ("bilinear", "nearest", "bicubic")
_DEFAULT_CHANGED = ("Default grid_sample and affine_grid behavior has changed to "
                    "align_corners=False since 1.3.0. Please specify align_corners=True if the "
                    "old behavior is desired. See the documentation of grid_sample for details.")
_PADDING_MODES = ("zeros", "border", "reflection")


# -- affine_grid --------------------------------------------------------------------------------
def affine_grid(theta: Tensor, size: Sequence[int],
                align_corners: bool | None = None) -> Tensor:
    """The normalised input position of every output pixel under the affine maps ``theta``
    (N, 2, 3) for a 4-D ``size`` (N, C, H, W), giving (N, H, W, 2) as (x, y) pairs; or
    ``theta`` (N, 3, 4) for a 5-D size, giving (N, D, H, W, 3). As
    ``torch.nn.functional.affine_grid``; feed the result to ``grid_sample``.

    >>> theta = microtorch_core.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])  # the identity
    >>> affine_grid(theta, (1, 1, 2, 2), align_corners=True).tolist()
    [[[[-1.0, -1.0], [1.0, -1.0]], [[-1.0, 1.0], [1.0, 1.0]]]]
    """
    size = tuple(int(s) for s in size)
    if not theta.dtype.is_floating_point:
        raise ValueError(f"Expected theta to have floating point type, but got "
                         f"{theta.dtype.name}")
    if len(size) == 4:
        if theta.dim() != 3 or tuple(theta.shape[-2:]) != (2, 3):
            raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size "
                             f"{size}. Got {tuple(theta.shape)}.")
    elif len(size) == 5:
        if theta.dim() != 3 or tuple(theta.shape[-2:]) != (3, 4):
            raise ValueError(f"Expected a batch of 3D affine matrices of shape Nx3x4 for size "
                             f"{size}. Got {tuple(theta.shape)}.")
    else:
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D "
                                  f"affine transforms, respectively. Got size {size}.")
    if min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    if align_corners is None:  # PyTorch's note on its changed default, kept for fidelity
        warnings.warn(_DEFAULT_CHANGED, stacklevel=2)
    elif align_corners and min(size[2:]) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size "
                      "grids when align_corners=True. This is not an intended use case of "
                      "affine_grid. See the documentation of affine_grid for details.",
                      stacklevel=2)
    if size[0] != theta.shape[0]:
        raise RuntimeError(f"affine_grid: size[0] ({size[0]}) must match the number of affine "
                           f"matrices in theta ({theta.shape[0]})")
    spatial = size[2:]  # (H, W) or (D, H, W)
    # base[..., :] = (x, y[, z], 1): x runs along the last dim, y along the one before...
    axes = [_steps(n, bool(align_corners), theta) for n in reversed(spatial)]
    pixels = math.prod(spatial)
    columns = []
    for k, axis in enumerate(axes):
        shape = [1] * len(spatial)
        shape[len(spatial) - 1 - k] = spatial[len(spatial) - 1 - k]
        columns.append(axis.reshape(shape).expand(*spatial).reshape(pixels, 1))
    columns.append(ones(pixels, 1, dtype=theta.dtype, device=theta.device))
    base = ops.cat(columns, 1)  # (P, s + 1)
    grid = base @ theta.transpose(1, 2)  # (N, P, s)
    return grid.reshape(size[0], *spatial, len(spatial))


def _steps(n: int, align_corners: bool, like: Tensor) -> Tensor:
    """n positions from -1 to 1 (the end pixels' centres), or, without ``align_corners``,
    the pixel centres when -1 and 1 are the outer edges; a single pixel sits at 0."""
    if n <= 1:
        return tensor([0.0] * n, dtype=like.dtype, device=like.device)
    r = linspace(-1.0, 1.0, n, dtype=like.dtype, device=like.device)
    return r if align_corners else r * (n - 1) / n


# -- grid_sample --------------------------------------------------------------------------------
def grid_sample(input: Tensor, grid: Tensor, mode: str = "bilinear",  # noqa: A002
                padding_mode: str = "zeros", align_corners: bool | None = None) -> Tensor:
    """The values of ``input`` (N, C, H, W) at the normalised positions ``grid``
    (N, H_out, W_out, 2), giving (N, C, H_out, W_out), as
    ``torch.nn.functional.grid_sample``; or 5-D: ``input`` (N, C, D, H, W), ``grid``
    (N, D_out, H_out, W_out, 3). ``grid[..., 0]`` is x (along W), ``grid[..., 1]`` is y.

    ``mode``: ``'bilinear'``, ``'nearest'`` or ``'bicubic'`` (4-D only). ``padding_mode``
    for positions outside the input: ``'zeros'``, ``'border'`` (the edge value) or
    ``'reflection'``.

    >>> image = microtorch_core.tensor([[[[0.0, 1.0], [2.0, 3.0]]]])
    >>> centre = microtorch_core.zeros(1, 1, 1, 2)
    >>> grid_sample(image, centre, align_corners=True).tolist()
    [[[[1.5]]]]
    """
    _check_grid_sample(input, grid, mode, padding_mode)
    if align_corners is None:
        warnings.warn(_DEFAULT_CHANGED, stacklevel=2)
    align_corners = bool(align_corners)
    spatial = input.dim() - 2
    n, channels, sizes = input.shape[0], input.shape[1], tuple(input.shape[2:])
    out_sizes = tuple(grid.shape[1:-1])
    # coords[k]: pixel coordinate along input spatial dim k; the grid lists x (the last dim)
    # first
    coords = []
    for k in range(spatial):
        c = _unnormalize(grid[..., spatial - 1 - k], sizes[k], align_corners)
        coords.append(_apply_padding(c, sizes[k], padding_mode, align_corners))
    flat_input = input.reshape(n, channels, math.prod(sizes))
    if mode == "bicubic":
        out = _bicubic(flat_input, grid, sizes, padding_mode, align_corners)
    elif mode == "nearest":
        nearest = [ops.round(c.detach()) for c in coords]
        out = _read(flat_input, nearest, sizes)
    else:
        low = [c.detach().floor() for c in coords]
        frac = [c - lo for c, lo in zip(coords, low, strict=True)]
        out = None
        for corner in range(2 ** spatial):  # each neighbour: low or low + 1 along each dim
            picks = [(corner >> (spatial - 1 - k)) & 1 for k in range(spatial)]
            weight = None
            for k, pick in enumerate(picks):
                w = frac[k] if pick else 1 - frac[k]
                weight = w if weight is None else weight * w
            value = _read(flat_input, [lo + p for lo, p in zip(low, picks, strict=True)],
                          sizes)
            term = value * weight.reshape(n, 1, -1)
            out = term if out is None else out + term
    return out.reshape(n, channels, *out_sizes)


def _check_grid_sample(input: Tensor, grid: Tensor, mode: str,  # noqa: A002
                       padding_mode: str) -> None:
    """PyTorch's checks, with its messages."""
    if mode not in _MODES:
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', "
                         f"'nearest' or 'bicubic', but got: '{mode}'")
    if padding_mode not in _PADDING_MODES:
        raise ValueError(f"nn.functional.grid_sample(): expected padding_mode to be 'zeros', "
                         f"'border', or 'reflection', but got: '{padding_mode}'")
    if input.dim() not in (4, 5) or grid.dim() != input.dim():
        raise RuntimeError(f"grid_sampler(): expected 4D or 5D input and grid with same number "
                           f"of dimensions, but got input with sizes {list(input.shape)} and "
                           f"grid with sizes {list(grid.shape)}")
    if input.shape[0] != grid.shape[0]:
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch size, "
                           f"but got input with sizes {list(input.shape)} and grid with sizes "
                           f"{list(grid.shape)}")
    spatial = input.dim() - 2
    if grid.shape[-1] != spatial:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {spatial} in last "
                           f"dimension, but got grid with sizes {list(grid.shape)}")
    for d in range(2, input.dim()):
        if input.shape[d] == 0:
            raise RuntimeError(f"grid_sampler(): expected input to have non-empty spatial "
                               f"dimensions, but input has sizes {list(input.shape)} with "
                               f"dimension {d} being empty")
    if not input.dtype.is_floating_point or grid.dtype is not input.dtype:
        raise RuntimeError(f"grid_sampler(): expected input and grid of the same floating "
                           f"dtype, got {input.dtype.name} and {grid.dtype.name}")
    if mode == "bicubic" and spatial != 2:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")


def _bicubic(flat_input: Tensor, grid: Tensor, sizes: tuple[int, ...], padding_mode: str,
             align_corners: bool) -> Tensor:
    """Bicubic sampling, as PyTorch's: the 4 x 4 pixels around each position, weighed by
    Keys' cubic kernel (``interpolate``'s) of the fractional parts. Unlike bilinear, the
    padding mode applies to each of the 16 pixels, not to the position, so that a position
    just outside still sees the pixels on both sides."""
    n = flat_input.shape[0]
    coords = [_unnormalize(grid[..., 1 - k], sizes[k], align_corners) for k in range(2)]
    low = [c.detach().floor() for c in coords]
    weights = [cubic_weights(c - lo) for c, lo in zip(coords, low, strict=True)]
    out = None
    for i in range(4):  # rows low - 1 ... low + 2
        row = _apply_padding(low[0] + (i - 1), sizes[0], padding_mode, align_corners)
        for j in range(4):
            col = _apply_padding(low[1] + (j - 1), sizes[1], padding_mode, align_corners)
            weight = (weights[0][i] * weights[1][j]).reshape(n, 1, -1)
            term = _read(flat_input, [row.floor(), col.floor()], sizes) * weight
            out = term if out is None else out + term
    return out


def _unnormalize(coord: Tensor, size: int, align_corners: bool) -> Tensor:
    """[-1, 1] -> pixel coordinates: the end pixels' centres (``align_corners``) or their
    outer edges at -1 and 1."""
    if align_corners:
        return (coord + 1) / 2 * (size - 1)
    return ((coord + 1) * size - 1) / 2


def _apply_padding(coord: Tensor, size: int, padding_mode: str,
                   align_corners: bool) -> Tensor:
    if padding_mode == "border":
        return _clip(coord, size)
    if padding_mode == "reflection":
        if align_corners:  # mirror at the end pixels' centres
            coord = _reflect(coord, 0, 2 * (size - 1))
        else:  # mirror at their outer edges
            coord = _reflect(coord, -1, 2 * size - 1)
        return _clip(coord, size)
    return coord


def _clip(coord: Tensor, size: int) -> Tensor:
    """``coord`` clamped to [0, size - 1]; as in PyTorch, no gradient on or past an end."""
    inside = (coord > 0) & (coord < size - 1)
    return ops.where(inside, coord, ops.clamp(coord.detach(), 0, size - 1))


def _reflect(coord: Tensor, twice_low: int, twice_high: int) -> Tensor:
    """``coord`` mirrored into [low, high] as often as needed (PyTorch's
    ``reflect_coordinates``; the bounds are passed doubled to stay integers)."""
    if twice_low == twice_high:
        return coord * 0
    low, span = twice_low / 2, (twice_high - twice_low) / 2
    distance = (coord - low).abs()
    extra = ops.fmod(distance, span)
    flips = (distance / span).floor().detach()
    return ops.where(ops.fmod(flips, 2) == 0, extra + low, span - extra + low)


def _read(flat_input: Tensor, position: list[Tensor], sizes: tuple[int, ...]) -> Tensor:
    """(N, C, P_out): the input at integer pixel ``position`` (one tensor per spatial dim,
    each (N, *out)), or 0 where the position is outside the input."""
    n, channels = flat_input.shape[0], flat_input.shape[1]
    inside, flat = None, None
    for k, p in enumerate(position):
        ok = (p >= 0) & (p <= sizes[k] - 1)
        inside = ok if inside is None else inside & ok
        p = ops.clamp(p, 0, sizes[k] - 1).long()
        flat = p if flat is None else flat * sizes[k] + p
    index = flat.reshape(n, 1, -1)
    values = Gather.apply(flat_input, 2, index.expand(n, channels, index.shape[2]))
    return ops.where(inside.reshape(n, 1, -1), values, 0.0)
