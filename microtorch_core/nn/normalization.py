"""``LayerNorm`` and ``GroupNorm``: per-sample normalisation (see ``F.layer_norm`` and
``F.group_norm``). Unlike ``BatchNorm`` they keep no running statistics and behave the same in
training and evaluation."""

from __future__ import annotations

from collections.abc import Sequence

from .. import dtypes
from ..creation import empty
from ..device import DeviceLike
from ..tensor import Tensor
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter


class _AffineNorm(Module):
    """What LayerNorm and GroupNorm share: an optional ``weight`` (ones) and ``bias`` (zeros),
    the identity map after normalising."""

    def _init_affine(self, shape: tuple[int, ...], affine: bool, bias: bool,
                     device: DeviceLike | None, dtype: dtypes.DType | None) -> None:
        self.register_parameter(
            "weight", Parameter(empty(shape, device=device, dtype=dtype)) if affine else None)
        self.register_parameter(
            "bias", Parameter(empty(shape, device=device, dtype=dtype)) if affine and bias
            else None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Weight ones, bias zeros."""
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)


class LayerNorm(_AffineNorm):
    """Normalise each sample over its last dims, ``normalized_shape``, then scale and shift
    by a ``weight`` and ``bias`` of that shape (ones and zeros at first), as
    ``torch.nn.LayerNorm``.

    >>> ln = LayerNorm(512)  # over the features of a (batch, tokens, 512) input
    >>> ln(microtorch_core.randn(2, 10, 512)).shape
    (2, 10, 512)
    """

    def __init__(self, normalized_shape: int | Sequence[int], eps: float = 1e-5,
                 elementwise_affine: bool = True, bias: bool = True,
                 device: DeviceLike | None = None, dtype: dtypes.DType | None = None) -> None:
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        self._init_affine(self.normalized_shape, elementwise_affine, bias, device, dtype)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")


class GroupNorm(_AffineNorm):
    """Normalise each sample's ``num_groups`` groups of channels (dim 1) over the group's
    channels and spatial dims, then scale and shift each channel, as ``torch.nn.GroupNorm``.

    >>> gn = GroupNorm(8, 64)  # 8 groups of 8 channels
    >>> gn(microtorch_core.randn(1, 64, 4, 4)).shape
    (1, 64, 4, 4)
    """

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5,
                 affine: bool = True, device: DeviceLike | None = None,
                 dtype: dtypes.DType | None = None, *, bias: bool = True) -> None:
        super().__init__()
        if num_groups <= 0 or num_channels % num_groups:
            raise ValueError(f"num_channels ({num_channels}) must be divisible by num_groups "
                             f"({num_groups})")
        self.num_groups, self.num_channels = num_groups, num_channels
        self.eps, self.affine = eps, affine
        self._init_affine((num_channels,), affine, bias, device, dtype)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, "
                f"affine={self.affine}, bias={self.bias is not None}")

