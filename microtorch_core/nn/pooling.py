"""``MaxPool1d``/``2d``/``3d``, ``AvgPool1d``/``2d``/``3d``, their adaptive versions
(``AdaptiveAvgPool1d``/``2d``/``3d``, ``AdaptiveMaxPool1d``/``2d``/``3d``),
``MaxUnpool1d``/``2d``/``3d`` and ``FractionalMaxPool2d``/``3d``: parameter-free modules over
the functions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..tensor import Tensor
from . import functional as F
from .functional_adaptive import OutputSize, OutputSize2
from .module import Module


class _Pool(Module):
    """Stores the pooling arguments; ``forward`` passes them to ``self._function``."""

    _function: Any
    _shown: tuple[str, ...] = ("kernel_size", "stride", "padding")  # in repr, as PyTorch

    def __init__(self, **arguments: Any) -> None:
        super().__init__()
        if arguments.get("stride") is None:
            arguments["stride"] = arguments["kernel_size"]
        self._arguments = arguments
        for name, value in arguments.items():
            setattr(self, name, value)

    def forward(self, input: Tensor) -> Any:  # noqa: A002
        return type(self)._function(input, **self._arguments)

    def extra_repr(self) -> str:
        return ", ".join(f"{name}={self._arguments[name]}" for name in self._shown)


class MaxPool2d(_Pool):
    """Max over windows of (N, C, H, W) inputs, as ``torch.nn.MaxPool2d``."""

    _function = staticmethod(F.max_pool2d)
    _shown = ("kernel_size", "stride", "padding", "dilation", "ceil_mode")

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1,
                 return_indices: bool = False, ceil_mode: bool = False) -> None:
        super().__init__(kernel_size=kernel_size, stride=stride, padding=padding,
                         dilation=dilation, ceil_mode=ceil_mode, return_indices=return_indices)


class MaxPool1d(_Pool):
    """Max over windows of (N, C, L) inputs, as ``torch.nn.MaxPool1d``."""

    _function = staticmethod(F.max_pool1d)
    _shown = ("kernel_size", "stride", "padding", "dilation", "ceil_mode")

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1,
                 return_indices: bool = False, ceil_mode: bool = False) -> None:
        super().__init__(kernel_size=kernel_size, stride=stride, padding=padding,
                         dilation=dilation, ceil_mode=ceil_mode, return_indices=return_indices)


class MaxPool3d(_Pool):
    """Max over windows of (N, C, D, H, W) inputs, as ``torch.nn.MaxPool3d``."""

    _function = staticmethod(F.max_pool3d)
    _shown = ("kernel_size", "stride", "padding", "dilation", "ceil_mode")

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1,
                 return_indices: bool = False, ceil_mode: bool = False) -> None:
        super().__init__(kernel_size=kernel_size, stride=stride, padding=padding,
                         dilation=dilation, ceil_mode=ceil_mode, return_indices=return_indices)


class AvgPool2d(_Pool):
    """Mean over windows of (N, C, H, W) inputs, as ``torch.nn.AvgPool2d``."""

    _function = staticmethod(F.avg_pool2d)

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override: int | None = None) -> None:
        super().__init__(kernel_size=kernel_size, stride=stride, padding=padding,
                         ceil_mode=ceil_mode, count_include_pad=count_include_pad,
                         divisor_override=divisor_override)


class AvgPool1d(_Pool):
    """Mean over windows of (N, C, L) inputs, as ``torch.nn.AvgPool1d``."""

    _function = staticmethod(F.avg_pool1d)

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
                 count_include_pad: bool = True) -> None:
        super().__init__(kernel_size=kernel_size, stride=stride, padding=padding,
                         ceil_mode=ceil_mode, count_include_pad=count_include_pad)


class AvgPool3d(_Pool):
    """Mean over windows of (N, C, D, H, W) inputs, as ``torch.nn.AvgPool3d``."""

    _function = staticmethod(F.avg_pool3d)

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override: int | None = None) -> None:
        super().__init__(kernel_size=kernel_size, stride=stride, padding=padding,
                         ceil_mode=ceil_mode, count_include_pad=count_include_pad,
                         divisor_override=divisor_override)


class _AdaptivePool(Module):
    """Stores ``output_size`` (and ``return_indices``); ``forward`` calls ``self._function``."""

    _function: Any

    def __init__(self, output_size: Any, **arguments: Any) -> None:
        super().__init__()
        self.output_size, self._arguments = output_size, arguments
        for name, value in arguments.items():
            setattr(self, name, value)

    def forward(self, input: Tensor) -> Any:  # noqa: A002
        return type(self)._function(input, self.output_size, **self._arguments)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool2d(_AdaptivePool):
    """Mean over the windows that give an (N, C, H, W) input the spatial size
    ``output_size`` (an int, or (OH, OW) with None keeping that dim), as
    ``torch.nn.AdaptiveAvgPool2d``. ``AdaptiveAvgPool2d(1)`` is global average pooling."""

    _function = staticmethod(F.adaptive_avg_pool2d)

    def __init__(self, output_size: OutputSize2) -> None:
        super().__init__(output_size)


class AdaptiveAvgPool1d(_AdaptivePool):
    """Mean over the windows that give an (N, C, L) input the length ``output_size``."""

    _function = staticmethod(F.adaptive_avg_pool1d)

    def __init__(self, output_size: int) -> None:
        super().__init__(output_size)


class AdaptiveMaxPool2d(_AdaptivePool):
    """Max over the windows that give an (N, C, H, W) input the spatial size
    ``output_size``, as ``torch.nn.AdaptiveMaxPool2d``."""

    _function = staticmethod(F.adaptive_max_pool2d)

    def __init__(self, output_size: OutputSize2, return_indices: bool = False) -> None:
        super().__init__(output_size, return_indices=return_indices)


class AdaptiveMaxPool1d(_AdaptivePool):
    """Max over the windows that give an (N, C, L) input the length ``output_size``."""

    _function = staticmethod(F.adaptive_max_pool1d)

    def __init__(self, output_size: int, return_indices: bool = False) -> None:
        super().__init__(output_size, return_indices=return_indices)


class AdaptiveAvgPool3d(_AdaptivePool):
    """Mean over the windows that give an (N, C, D, H, W) input the spatial size
    ``output_size``, as ``torch.nn.AdaptiveAvgPool3d``."""

    _function = staticmethod(F.adaptive_avg_pool3d)

    def __init__(self, output_size: OutputSize) -> None:
        super().__init__(output_size)


class AdaptiveMaxPool3d(_AdaptivePool):
    """Max over the windows that give an (N, C, D, H, W) input the spatial size
    ``output_size``, as ``torch.nn.AdaptiveMaxPool3d``."""

    _function = staticmethod(F.adaptive_max_pool3d)

    def __init__(self, output_size: OutputSize, return_indices: bool = False) -> None:
        super().__init__(output_size, return_indices=return_indices)


class _MaxUnpool(Module):
    """Stores the pooling's ``kernel_size``, ``stride`` and ``padding``; ``forward(input,
    indices, output_size=None)`` calls ``self._function``."""

    _function: Any
    _spatial: int

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        super().__init__()
        # stored as tuples of one int per spatial dim, as PyTorch's modules store them
        self.kernel_size = self._expand(kernel_size)
        self.stride = self._expand(stride if stride is not None else kernel_size)
        self.padding = self._expand(padding)

    def _expand(self, value: Any) -> tuple[int, ...]:
        return (value,) * self._spatial if isinstance(value, int) else tuple(value)

    def forward(self, input: Tensor, indices: Tensor,  # noqa: A002
                output_size: Sequence[int] | None = None) -> Tensor:
        return type(self)._function(input, indices, self.kernel_size, self.stride,
                                    self.padding, output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpool):
    """Put each pooled value back where ``MaxPool1d(return_indices=True)`` found it, zeros
    elsewhere, as ``torch.nn.MaxUnpool1d``."""

    _function = staticmethod(F.max_unpool1d)
    _spatial = 1


class MaxUnpool2d(_MaxUnpool):
    """Put each pooled value back where ``MaxPool2d(return_indices=True)`` found it, zeros
    elsewhere, as ``torch.nn.MaxUnpool2d``."""

    _function = staticmethod(F.max_unpool2d)
    _spatial = 2


class MaxUnpool3d(_MaxUnpool):
    """Put each pooled value back where ``MaxPool3d(return_indices=True)`` found it, zeros
    elsewhere, as ``torch.nn.MaxUnpool3d``."""

    _function = staticmethod(F.max_unpool3d)
    _spatial = 3


class _FractionalMaxPool(Module):
    """Stores a fractional max pooling's arguments; ``forward`` calls ``self._function``
    with them and the ``_random_samples`` buffer (``None``: drawn on each call)."""

    _function: Any
    _spatial: int

    def __init__(self, kernel_size: Any, output_size: Any = None, output_ratio: Any = None,
                 return_indices: bool = False, _random_samples: Tensor | None = None) -> None:
        super().__init__()
        name = type(self).__name__
        if output_size is None and output_ratio is None:
            raise ValueError(f"{name} requires specifying either an output size, or a "
                             f"pooling ratio")
        if output_size is not None and output_ratio is not None:
            raise ValueError("only one of output_size and output_ratio may be specified")
        self.kernel_size = self._expand(kernel_size)
        self.return_indices = return_indices
        self.register_buffer("_random_samples", _random_samples)
        self.output_size = None if output_size is None else self._expand(output_size)
        self.output_ratio = None if output_ratio is None else self._expand(output_ratio)
        if self.output_ratio is not None and not all(0 < r < 1 for r in self.output_ratio):
            raise ValueError(f"output_ratio must be between 0 and 1 (got {output_ratio})")

    def _expand(self, value: Any) -> tuple[Any, ...]:
        return tuple(value) if isinstance(value, Sequence) else (value,) * self._spatial

    def forward(self, input: Tensor) -> Any:  # noqa: A002
        return type(self)._function(input, self.kernel_size, self.output_size,
                                    self.output_ratio, self.return_indices,
                                    _random_samples=self._random_samples)


class FractionalMaxPool2d(_FractionalMaxPool):
    """Max over (kH, kW) windows at pseudo-random steps, giving (N, C, H, W) inputs the
    spatial size ``output_size`` or ``output_ratio`` of theirs, as
    ``torch.nn.FractionalMaxPool2d``."""

    _function = staticmethod(F.fractional_max_pool2d)
    _spatial = 2


class FractionalMaxPool3d(_FractionalMaxPool):
    """Max over (kT, kH, kW) windows at pseudo-random steps, for (N, C, T, H, W) inputs, as
    ``torch.nn.FractionalMaxPool3d``."""

    _function = staticmethod(F.fractional_max_pool3d)
    _spatial = 3
