"""Per-sample normalisation (see the functions of the same names in ``functional_norm.py``):
``LayerNorm``, ``GroupNorm``, ``RMSNorm`` and ``LocalResponseNorm`` keep no running
statistics and behave the same in training and evaluation; ``InstanceNorm1d``/``2d``/``3d``
can keep them, as ``BatchNorm`` does."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

from .. import dtypes
from ..creation import empty, ones, tensor, zeros
from ..device import DeviceLike
from ..tensor import Tensor
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter


class _AffineNorm(Module):
    """What the norms with a learned scale share: an optional ``weight`` (ones) and ``bias``
    (zeros), the identity map after normalising."""

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


class _NormBase(_AffineNorm):
    """What ``BatchNorm`` and ``InstanceNorm`` share (PyTorch's ``_NormBase``): their
    arguments, the optional ``weight`` and ``bias``, the running statistics as buffers (None
    unless ``track_running_stats``), resetting them, and the repr."""

    def __init__(self, num_features: int, eps: float, momentum: float | None, affine: bool,
                 track_running_stats: bool, device: DeviceLike | None,
                 dtype: dtypes.DType | None, bias: bool) -> None:
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        self._init_affine((num_features,), affine, bias, device, dtype)
        stats = track_running_stats
        self.register_buffer("running_mean",
                             zeros(num_features, device=device, dtype=dtype) if stats else None)
        self.register_buffer("running_var",
                             ones(num_features, device=device, dtype=dtype) if stats else None)
        self.register_buffer("num_batches_tracked",
                             tensor(0, dtype=dtypes.int64, device=device) if stats else None)

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            self.running_mean.zero_()
            self.running_var.fill_(1.0)
            self.num_batches_tracked.zero_()

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


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


class _InstanceNorm(_NormBase):
    """Normalises each channel of each sample over its spatial dims (see
    ``F.instance_norm``), as ``torch.nn.InstanceNorm*d``: by default without ``weight`` and
    ``bias`` (``affine=False``) and without running statistics. With
    ``track_running_stats=True`` they are kept in training and used in evaluation, as in
    ``BatchNorm`` (but, as in PyTorch, ``momentum=None`` freezes them and
    ``num_batches_tracked`` stays 0)."""

    _dims: tuple[int, int]  # the input dims accepted: unbatched, batched

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = False, track_running_stats: bool = False,
                 device: DeviceLike | None = None, dtype: dtypes.DType | None = None, *,
                 bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device,
                         dtype, bias)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        unbatched, batched = self._dims
        if input.dim() not in self._dims:
            raise ValueError(f"expected {unbatched}D or {batched}D input (got {input.dim()}D "
                             f"input)")
        channel_dim = input.dim() - unbatched  # 0 unbatched, else 1
        channels = input.shape[channel_dim]
        if channels != self.num_features:
            if self.affine:
                raise ValueError(f"expected input's size at dim={channel_dim} to match "
                                 f"num_features ({self.num_features}), but got: {channels}.")
            warnings.warn(f"input's size at dim={channel_dim} ({channels}) does not match "
                          f"num_features ({self.num_features}). You can silence this warning "
                          f"by not passing in num_features, which is not used because "
                          f"affine=False", stacklevel=2)
        x = input if input.dim() == batched else input.unsqueeze(0)
        out = F.instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                              self.training or not self.track_running_stats,
                              0.0 if self.momentum is None else self.momentum, self.eps)
        return out if input.dim() == batched else out.squeeze(0)


class InstanceNorm1d(_InstanceNorm):
    """Over (N, C, L) or unbatched (C, L) inputs."""

    _dims = (2, 3)


class InstanceNorm2d(_InstanceNorm):
    """Over (N, C, H, W) or unbatched (C, H, W) inputs (style transfer's normalisation).

    >>> InstanceNorm2d(3)(microtorch_core.randn(2, 3, 8, 8)).shape
    (2, 3, 8, 8)
    """

    _dims = (3, 4)


class InstanceNorm3d(_InstanceNorm):
    """Over (N, C, D, H, W) or unbatched (C, D, H, W) inputs."""

    _dims = (4, 5)


class RMSNorm(_AffineNorm):
    """Divide each sample by its root mean square over its last dims, ``normalized_shape``,
    then scale by a ``weight`` of that shape (ones at first), as ``torch.nn.RMSNorm``: a
    ``LayerNorm`` without centring or bias, as in LLaMA. ``eps=None`` is the input dtype's
    machine epsilon.

    >>> RMSNorm(512)(microtorch_core.randn(2, 10, 512)).shape
    (2, 10, 512)
    """

    def __init__(self, normalized_shape: int | Sequence[int], eps: float | None = None,
                 elementwise_affine: bool = True, device: DeviceLike | None = None,
                 dtype: dtypes.DType | None = None) -> None:
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        self._init_affine(self.normalized_shape, elementwise_affine, False, device, dtype)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.rms_norm(input, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


class LocalResponseNorm(Module):
    """Divide each channel by (k + alpha * mean of the squares of the ``size`` channels
    around it)^beta, as ``torch.nn.LocalResponseNorm`` (see ``F.local_response_norm``)."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75,
                 k: float = 1.0) -> None:
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
