"""The ``nn.functional`` layers that PyTorch also has at the top level: ``torch.conv2d``,
``torch.conv_transpose2d``, ``torch.layer_norm``, ``torch.group_norm``, ``torch.rms_norm``,
``torch.pdist``, ``torch.channel_shuffle``, ``torch.constant_pad_nd`` (``F.pad``'s
constant mode, the aten op it calls) and ``torch.grid_sampler``/``_2d``/``_3d``
(``F.grid_sample`` with its modes as integers).

Each is a thin function over its ``nn.functional`` form, which it imports when first called:
``import microtorch_core`` declares these ops, but loads ``nn`` only on first use (it is
large). The two take the same arguments, except where PyTorch's top-level form differs
(``cudnn_enable`` of ``layer_norm``, a flag with no meaning here).

>>> conv1d(ones(1, 1, 4), ones(1, 1, 2))
tensor([[[2., 2., 2.]]])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ...tensor import Tensor
from ..declare import op

IntOrTuple = int | Sequence[int]


def _functional() -> Any:
    from ...nn import functional

    return functional


@op
def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None,  # noqa: A002
           stride: IntOrTuple = 1, padding: IntOrTuple | str = 0, dilation: IntOrTuple = 1,
           groups: int = 1) -> Tensor:
    """``nn.functional.conv1d``: a 1-D convolution (cross-correlation), as ``torch.conv1d``."""
    return _functional().conv1d(input, weight, bias, stride, padding, dilation, groups)


@op
def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None,  # noqa: A002
           stride: IntOrTuple = 1, padding: IntOrTuple | str = 0, dilation: IntOrTuple = 1,
           groups: int = 1) -> Tensor:
    """``nn.functional.conv2d``: a 2-D convolution (cross-correlation), as ``torch.conv2d``."""
    return _functional().conv2d(input, weight, bias, stride, padding, dilation, groups)


@op
def conv3d(input: Tensor, weight: Tensor, bias: Tensor | None = None,  # noqa: A002
           stride: IntOrTuple = 1, padding: IntOrTuple | str = 0, dilation: IntOrTuple = 1,
           groups: int = 1) -> Tensor:
    """``nn.functional.conv3d``: a 3-D convolution (cross-correlation), as ``torch.conv3d``."""
    return _functional().conv3d(input, weight, bias, stride, padding, dilation, groups)


@op
def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None,  # noqa: A002
                     stride: IntOrTuple = 1, padding: IntOrTuple = 0,
                     output_padding: IntOrTuple = 0, groups: int = 1,
                     dilation: IntOrTuple = 1) -> Tensor:
    """``nn.functional.conv_transpose1d``: the transpose (gradient) of a 1-D convolution, as
    ``torch.conv_transpose1d``."""
    return _functional().conv_transpose1d(input, weight, bias, stride, padding, output_padding,
                                          groups, dilation)


@op
def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None,  # noqa: A002
                     stride: IntOrTuple = 1, padding: IntOrTuple = 0,
                     output_padding: IntOrTuple = 0, groups: int = 1,
                     dilation: IntOrTuple = 1) -> Tensor:
    """``nn.functional.conv_transpose2d``: the transpose (gradient) of a 2-D convolution, as
    ``torch.conv_transpose2d``."""
    return _functional().conv_transpose2d(input, weight, bias, stride, padding, output_padding,
                                          groups, dilation)


@op
def conv_transpose3d(input: Tensor, weight: Tensor, bias: Tensor | None = None,  # noqa: A002
                     stride: IntOrTuple = 1, padding: IntOrTuple = 0,
                     output_padding: IntOrTuple = 0, groups: int = 1,
                     dilation: IntOrTuple = 1) -> Tensor:
    """``nn.functional.conv_transpose3d``: the transpose (gradient) of a 3-D convolution, as
    ``torch.conv_transpose3d``."""
    return _functional().conv_transpose3d(input, weight, bias, stride, padding, output_padding,
                                          groups, dilation)


@op
def layer_norm(input: Tensor, normalized_shape: IntOrTuple,  # noqa: A002
               weight: Tensor | None = None, bias: Tensor | None = None, eps: float = 1e-5,
               cudnn_enable: bool = True) -> Tensor:
    """``nn.functional.layer_norm``: normalise over the last dims, as ``torch.layer_norm``
    (``cudnn_enable`` is accepted and ignored)."""
    return _functional().layer_norm(input, normalized_shape, weight, bias, eps)


@op
def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,  # noqa: A002
               bias: Tensor | None = None, eps: float = 1e-5,
               cudnn_enabled: bool = True) -> Tensor:
    """``nn.functional.group_norm``: normalise groups of channels, as ``torch.group_norm``
    (``cudnn_enabled`` is accepted and ignored)."""
    return _functional().group_norm(input, num_groups, weight, bias, eps)


@op
def rms_norm(input: Tensor, normalized_shape: IntOrTuple,  # noqa: A002
             weight: Tensor | None = None, eps: float | None = None) -> Tensor:
    """``nn.functional.rms_norm``: divide by the root mean square over the last dims, as
    ``torch.rms_norm``."""
    return _functional().rms_norm(input, normalized_shape, weight, eps)


@op
def pdist(input: Tensor, p: float = 2.0) -> Tensor:  # noqa: A002
    """``nn.functional.pdist``: the p-norm distances between all pairs of rows, as
    ``torch.pdist``."""
    return _functional().pdist(input, p)


@op
def channel_shuffle(input: Tensor, groups: int) -> Tensor:  # noqa: A002
    """``nn.functional.channel_shuffle``: interleave the channels of ``groups`` groups, as
    ``torch.channel_shuffle``."""
    return _functional().channel_shuffle(input, groups)


@op
def native_channel_shuffle(input: Tensor, groups: int) -> Tensor:  # noqa: A002
    """``channel_shuffle``, as ``torch.native_channel_shuffle`` (the kernel it calls)."""
    return _functional().channel_shuffle(input, groups)


@op
def constant_pad_nd(input: Tensor, pad: Sequence[int], value: float = 0) -> Tensor:  # noqa: A002
    """``input`` padded with ``value``: ``pad`` lists (before, after) amounts for the last
    dim, then the one before it, and so on; negative amounts crop. As
    ``torch.constant_pad_nd``, ``nn.functional.pad``'s constant mode."""
    return _functional().pad(input, pad, mode="constant", value=value)


# grid_sample's string modes as the integers of ATen's GridSamplerInterpolation and
# GridSamplerPadding enums, in their order
_INTERPOLATIONS = ("bilinear", "nearest", "bicubic")
_PADDINGS = ("zeros", "border", "reflection")


def _grid_sampler(name: str, spatial: int | None, input: Tensor, grid: Tensor,  # noqa: A002
                  interpolation_mode: int, padding_mode: int, align_corners: bool) -> Tensor:
    """``grid_sample`` with the enums' integers. PyTorch does not check them (an unknown
    integer computes something unspecified); here one is refused, naming the value."""
    if spatial is not None and (input.dim() != spatial + 2 or grid.dim() != spatial + 2):
        raise RuntimeError(f"{name}(): expected {spatial + 2}D input and grid with same number "
                           f"of dimensions, but got input with sizes {list(input.shape)} and "
                           f"grid with sizes {list(grid.shape)}")
    if not 0 <= interpolation_mode < len(_INTERPOLATIONS):
        raise RuntimeError(f"{name}(): interpolation_mode must be 0 (bilinear), 1 (nearest) or "
                           f"2 (bicubic), but got {interpolation_mode}")
    if not 0 <= padding_mode < len(_PADDINGS):
        raise RuntimeError(f"{name}(): padding_mode must be 0 (zeros), 1 (border) or 2 "
                           f"(reflection), but got {padding_mode}")
    return _functional().grid_sample(input, grid, _INTERPOLATIONS[interpolation_mode],
                                     _PADDINGS[padding_mode], bool(align_corners))


@op
def grid_sampler(input: Tensor, grid: Tensor, interpolation_mode: int,  # noqa: A002
                 padding_mode: int, align_corners: bool) -> Tensor:
    """``nn.functional.grid_sample`` of a 4-D or 5-D input with the modes as integers
    (interpolation 0 bilinear, 1 nearest, 2 bicubic; padding 0 zeros, 1 border, 2
    reflection), as ``torch.grid_sampler``, the aten op ``grid_sample`` calls."""
    return _grid_sampler("grid_sampler", None, input, grid, interpolation_mode, padding_mode,
                         align_corners)


@op
def grid_sampler_2d(input: Tensor, grid: Tensor, interpolation_mode: int,  # noqa: A002
                    padding_mode: int, align_corners: bool) -> Tensor:
    """:func:`grid_sampler` of an (N, C, H, W) input at an (N, H_out, W_out, 2) grid, as
    ``torch.grid_sampler_2d``."""
    return _grid_sampler("grid_sampler_2d", 2, input, grid, interpolation_mode, padding_mode,
                         align_corners)


@op
def grid_sampler_3d(input: Tensor, grid: Tensor, interpolation_mode: int,  # noqa: A002
                    padding_mode: int, align_corners: bool) -> Tensor:
    """:func:`grid_sampler` of an (N, C, D, H, W) input at an (N, D_out, H_out, W_out, 3)
    grid, as ``torch.grid_sampler_3d`` (bilinear, here trilinear, and nearest)."""
    return _grid_sampler("grid_sampler_3d", 3, input, grid, interpolation_mode, padding_mode,
                         align_corners)
