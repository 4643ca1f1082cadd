"""``Conv1d``, ``Conv2d`` and ``Conv3d``: learned cross-correlations (see
``functional_spatial``); ``ConvTranspose1d``/``2d``/``3d``: their transposes, learned
upsamplings (see ``functional_resample``)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from .. import dtypes
from ..creation import empty
from ..device import DeviceLike
from ..tensor import Tensor
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Module):
    """What the convolutions share: parameters, PyTorch's initialisation, padding modes.

    A transposed convolution (``transposed = True``) from C to O channels keeps the weight
    of the convolution it transposes, from O to C channels: (in_channels, out_channels /
    groups, *kernel_size), as in PyTorch.
    """

    transposed = False

    def __init__(self, in_channels: int, out_channels: int, kernel_size: tuple[int, ...],
                 stride: tuple[int, ...], padding: tuple[int, ...] | str,
                 dilation: tuple[int, ...], groups: int, bias: bool, padding_mode: str,
                 device: DeviceLike | None, dtype: dtypes.DType | None,
                 output_padding: tuple[int, ...] | None = None) -> None:
        super().__init__()
        if groups <= 0 or in_channels % groups or out_channels % groups:
            raise ValueError(f"in_channels ({in_channels}) and out_channels ({out_channels}) "
                             f"must be divisible by groups ({groups})")
        if padding_mode not in PADDING_MODES:
            raise ValueError(f"padding_mode must be one of {PADDING_MODES}, got "
                             f"{padding_mode!r}")
        if isinstance(padding, str) and padding_mode != "zeros":
            raise ValueError(f"padding={padding!r} needs padding_mode='zeros'")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        self.dilation, self.groups, self.padding_mode = dilation, groups, padding_mode
        self.output_padding = output_padding or (0,) * len(kernel_size)
        if self.transposed:
            shape = (in_channels, out_channels // groups, *kernel_size)
        else:
            shape = (out_channels, in_channels // groups, *kernel_size)
        self.weight = Parameter(empty(*shape, device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_channels, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default: W ~ U(-k, k) by ``kaiming_uniform_(a=sqrt(5))``, b ~ U(-k, k),
        k = 1 / sqrt(weight.shape[1] * prod(kernel_size)): weight.shape[1] is in_channels /
        groups, or out_channels / groups for a transposed convolution."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def _padded(self, input: Tensor) -> tuple[Tensor, tuple[int, ...] | str]:  # noqa: A002
        """The input padded by ``padding_mode`` (then no padding is left for the conv)."""
        if self.padding_mode == "zeros" or isinstance(self.padding, str):
            return input, self.padding
        amounts: list[int] = []
        for p in reversed(self.padding):  # F.pad lists the last dim first
            amounts += [p, p]
        return F.pad(input, amounts, mode=self.padding_mode), (0,) * len(self.padding)

    def extra_repr(self) -> str:
        text = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}")
        if self.padding not in ("valid", (0,) * len(self.kernel_size)):
            text += f", padding={self.padding!r}" if isinstance(self.padding, str) \
                else f", padding={self.padding}"
        if self.dilation != (1,) * len(self.kernel_size):
            text += f", dilation={self.dilation}"
        if self.output_padding != (0,) * len(self.kernel_size):
            text += f", output_padding={self.output_padding}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode}"
        return text


def _tuple(value: int | tuple[int, ...], n: int, name: str) -> tuple[int, ...]:
    if isinstance(value, int) and not isinstance(value, bool):
        return (value,) * n
    items = () if isinstance(value, str) else tuple(value)
    if len(items) != n or not all(isinstance(v, int) for v in items):
        raise ValueError(f"{name} must be an int or a tuple of {n} ints, got {value!r}")
    return items


class Conv2d(_ConvNd):
    """2-d convolution over (N, C, H, W) inputs, as ``torch.nn.Conv2d``.

    >>> Conv2d(3, 8, 3, padding=1)(microtorch_core.randn(2, 3, 16, 16)).shape
    (2, 8, 16, 16)
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int, int],
                 stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] | str = 0,
                 dilation: int | tuple[int, int] = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: DeviceLike | None = None,
                 dtype: dtypes.DType | None = None) -> None:
        super().__init__(in_channels, out_channels, _tuple(kernel_size, 2, "kernel_size"),
                         _tuple(stride, 2, "stride"),
                         padding if isinstance(padding, str) else _tuple(padding, 2, "padding"),
                         _tuple(dilation, 2, "dilation"), groups, bias, padding_mode, device,
                         dtype)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        x, padding = self._padded(input)
        return F.conv2d(x, self.weight, self.bias, self.stride, padding, self.dilation,
                        self.groups)


class Conv1d(_ConvNd):
    """1-d convolution over (N, C, L) inputs, as ``torch.nn.Conv1d``."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int],
                 stride: int | tuple[int] = 1, padding: int | tuple[int] | str = 0,
                 dilation: int | tuple[int] = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: DeviceLike | None = None,
                 dtype: dtypes.DType | None = None) -> None:
        super().__init__(in_channels, out_channels, _tuple(kernel_size, 1, "kernel_size"),
                         _tuple(stride, 1, "stride"),
                         padding if isinstance(padding, str) else _tuple(padding, 1, "padding"),
                         _tuple(dilation, 1, "dilation"), groups, bias, padding_mode, device,
                         dtype)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        x, padding = self._padded(input)
        return F.conv1d(x, self.weight, self.bias, self.stride[0],
                        padding if isinstance(padding, str) else padding[0], self.dilation[0],
                        self.groups)


class Conv3d(_ConvNd):
    """3-d convolution over (N, C, D, H, W) inputs (volumes, or video as frames x height x
    width), as ``torch.nn.Conv3d``.

    >>> Conv3d(1, 4, 3, padding=1)(microtorch_core.randn(2, 1, 8, 8, 8)).shape
    (2, 4, 8, 8, 8)
    """

    def __init__(self, in_channels: int, out_channels: int,
                 kernel_size: int | tuple[int, int, int], stride: int | tuple[int, int, int] = 1,
                 padding: int | tuple[int, int, int] | str = 0,
                 dilation: int | tuple[int, int, int] = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: DeviceLike | None = None,
                 dtype: dtypes.DType | None = None) -> None:
        super().__init__(in_channels, out_channels, _tuple(kernel_size, 3, "kernel_size"),
                         _tuple(stride, 3, "stride"),
                         padding if isinstance(padding, str) else _tuple(padding, 3, "padding"),
                         _tuple(dilation, 3, "dilation"), groups, bias, padding_mode, device,
                         dtype)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        x, padding = self._padded(input)
        return F.conv3d(x, self.weight, self.bias, self.stride, padding, self.dilation,
                        self.groups)


class _ConvTransposeNd(_ConvNd):
    """What ConvTranspose1d and ConvTranspose2d share: only zero padding, as in PyTorch, and
    ``forward(input, output_size)`` picking the output_padding that gives that size."""

    transposed = True

    def __init__(self, in_channels: int, out_channels: int, kernel_size: tuple[int, ...],
                 stride: tuple[int, ...], padding: tuple[int, ...],
                 output_padding: tuple[int, ...], groups: int, bias: bool,
                 dilation: tuple[int, ...], padding_mode: str, device: DeviceLike | None,
                 dtype: dtypes.DType | None) -> None:
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for '
                             f"{type(self).__name__}, got padding_mode={padding_mode!r}")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, device, dtype, output_padding)

    def _output_padding(self, input: Tensor,  # noqa: A002
                        output_size: Sequence[int] | None) -> tuple[int, ...]:
        """``self.output_padding``, or the one giving ``output_size``: (H, W) or, as PyTorch
        also takes it, the whole output shape (N, C, H, W)."""
        if output_size is None:
            return self.output_padding
        spatial = len(self.kernel_size)
        leading = input.dim() - spatial  # batch and channels, or channels only
        sizes = tuple(output_size)
        if len(sizes) == leading + spatial:
            sizes = sizes[leading:]
        if len(sizes) != spatial:
            raise ValueError(f"{type(self).__name__}: for {input.dim()}D input, output_size "
                             f"must have {spatial} or {leading + spatial} elements (got "
                             f"{len(sizes)})")
        smallest = [(n - 1) * s - 2 * p + d * (k - 1) + 1 for n, s, p, d, k in zip(
            input.shape[leading:], self.stride, self.padding, self.dilation,
            self.kernel_size, strict=True)]
        largest = [low + s - 1 for low, s in zip(smallest, self.stride, strict=True)]
        if any(not low <= n <= high for n, low, high in zip(sizes, smallest, largest,
                                                             strict=True)):
            raise ValueError(f"requested an output size of {list(sizes)}, but valid sizes "
                             f"range from {smallest} to {largest} (for an input of "
                             f"{list(input.shape[leading:])})")
        return tuple(n - low for n, low in zip(sizes, smallest, strict=True))


class ConvTranspose2d(_ConvTransposeNd):
    """2-d transposed convolution over (N, C, H, W) inputs, as ``torch.nn.ConvTranspose2d``:
    the gradient of a ``Conv2d`` with respect to its input, often used to upsample.

    >>> ConvTranspose2d(8, 3, 4, stride=2, padding=1)(microtorch_core.randn(1, 8, 5, 5)).shape
    (1, 3, 10, 10)
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int, int],
                 stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0,
                 output_padding: int | tuple[int, int] = 0, groups: int = 1,
                 bias: bool = True, dilation: int | tuple[int, int] = 1,
                 padding_mode: str = "zeros", device: DeviceLike | None = None,
                 dtype: dtypes.DType | None = None) -> None:
        super().__init__(in_channels, out_channels, _tuple(kernel_size, 2, "kernel_size"),
                         _tuple(stride, 2, "stride"), _tuple(padding, 2, "padding"),
                         _tuple(output_padding, 2, "output_padding"), groups, bias,
                         _tuple(dilation, 2, "dilation"), padding_mode, device, dtype)

    def forward(self, input: Tensor,  # noqa: A002
                output_size: Sequence[int] | None = None) -> Tensor:
        return F.conv_transpose2d(input, self.weight, self.bias, self.stride, self.padding,
                                  self._output_padding(input, output_size), self.groups,
                                  self.dilation)


class ConvTranspose1d(_ConvTransposeNd):
    """1-d transposed convolution over (N, C, L) inputs, as ``torch.nn.ConvTranspose1d``."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int],
                 stride: int | tuple[int] = 1, padding: int | tuple[int] = 0,
                 output_padding: int | tuple[int] = 0, groups: int = 1, bias: bool = True,
                 dilation: int | tuple[int] = 1, padding_mode: str = "zeros",
                 device: DeviceLike | None = None, dtype: dtypes.DType | None = None) -> None:
        super().__init__(in_channels, out_channels, _tuple(kernel_size, 1, "kernel_size"),
                         _tuple(stride, 1, "stride"), _tuple(padding, 1, "padding"),
                         _tuple(output_padding, 1, "output_padding"), groups, bias,
                         _tuple(dilation, 1, "dilation"), padding_mode, device, dtype)

    def forward(self, input: Tensor,  # noqa: A002
                output_size: Sequence[int] | None = None) -> Tensor:
        return F.conv_transpose1d(input, self.weight, self.bias, self.stride[0],
                                  self.padding[0], self._output_padding(input, output_size)[0],
                                  self.groups, self.dilation[0])


class ConvTranspose3d(_ConvTransposeNd):
    """3-d transposed convolution over (N, C, D, H, W) inputs, as
    ``torch.nn.ConvTranspose3d``."""

    def __init__(self, in_channels: int, out_channels: int,
                 kernel_size: int | tuple[int, int, int], stride: int | tuple[int, int, int] = 1,
                 padding: int | tuple[int, int, int] = 0,
                 output_padding: int | tuple[int, int, int] = 0, groups: int = 1,
                 bias: bool = True, dilation: int | tuple[int, int, int] = 1,
                 padding_mode: str = "zeros", device: DeviceLike | None = None,
                 dtype: dtypes.DType | None = None) -> None:
        super().__init__(in_channels, out_channels, _tuple(kernel_size, 3, "kernel_size"),
                         _tuple(stride, 3, "stride"), _tuple(padding, 3, "padding"),
                         _tuple(output_padding, 3, "output_padding"), groups, bias,
                         _tuple(dilation, 3, "dilation"), padding_mode, device, dtype)

    def forward(self, input: Tensor,  # noqa: A002
                output_size: Sequence[int] | None = None) -> Tensor:
        return F.conv_transpose3d(input, self.weight, self.bias, self.stride, self.padding,
                                  self._output_padding(input, output_size), self.groups,
                                  self.dilation)
