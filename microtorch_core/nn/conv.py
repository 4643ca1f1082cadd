"""``Conv1d`` and ``Conv2d``: learned cross-correlations (see ``functional_spatial``)."""

from __future__ import annotations

import math

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
    """What Conv1d and Conv2d share: parameters, PyTorch's initialisation, padding modes."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: tuple[int, ...],
                 stride: tuple[int, ...], padding: tuple[int, ...] | str,
                 dilation: tuple[int, ...], groups: int, bias: bool, padding_mode: str,
                 device: DeviceLike | None, dtype: dtypes.DType | None) -> None:
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
        self.weight = Parameter(empty(out_channels, in_channels // groups, *kernel_size,
                                      device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_channels, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default: W ~ U(-k, k) by ``kaiming_uniform_(a=sqrt(5))``, b ~ U(-k, k),
        k = 1 / sqrt(in_channels / groups * prod(kernel_size))."""
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
    value = tuple(value)
    if len(value) != n or not all(isinstance(v, int) for v in value):
        raise ValueError(f"{name} must be an int or a tuple of {n} ints, got {value!r}")
    return value


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
