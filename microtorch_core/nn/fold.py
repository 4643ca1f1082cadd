"""``Unfold`` (im2col) and ``Fold`` (col2im), thin wrappers around ``nn.functional``'s
``unfold`` and ``fold``."""

from __future__ import annotations

from ..tensor import Tensor
from . import functional as F
from .functional_spatial import IntOr2
from .module import Module


class Unfold(Module):
    """Every block a kernel sees, as a column: (N, C, H, W) -> (N, C * kh * kw, L).

    >>> Unfold(kernel_size=3, padding=1)(microtorch_core.randn(2, 4, 5, 5)).shape
    (2, 36, 25)
    """

    def __init__(self, kernel_size: IntOr2, dilation: IntOr2 = 1, padding: IntOr2 = 0,
                 stride: IntOr2 = 1) -> None:
        super().__init__()
        self.kernel_size, self.dilation = kernel_size, dilation
        self.padding, self.stride = padding, stride

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")


class Fold(Module):
    """Columns added back into their blocks of an ``output_size`` image, summed where blocks
    overlap: (N, C * kh * kw, L) -> (N, C, H, W), the adjoint of ``Unfold``."""

    def __init__(self, output_size: IntOr2, kernel_size: IntOr2, dilation: IntOr2 = 1,
                 padding: IntOr2 = 0, stride: IntOr2 = 1) -> None:
        super().__init__()
        self.output_size, self.kernel_size = output_size, kernel_size
        self.dilation, self.padding, self.stride = dilation, padding, stride

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.fold(input, self.output_size, self.kernel_size, self.dilation, self.padding,
                      self.stride)

    def extra_repr(self) -> str:
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, "
                f"dilation={self.dilation}, padding={self.padding}, stride={self.stride}")
