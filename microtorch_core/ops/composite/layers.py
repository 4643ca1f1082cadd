"""The ``nn.functional`` layers that PyTorch also has at the top level: ``torch.conv2d``,
``torch.conv_transpose2d``, ``torch.layer_norm``, ``torch.group_norm``, ``torch.rms_norm``,
``torch.pdist``, ``torch.channel_shuffle`` and ``torch.constant_pad_nd`` (``F.pad``'s
constant mode, the aten op it calls).

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
