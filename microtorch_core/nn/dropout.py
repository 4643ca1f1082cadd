"""Dropout modules: random zeroing in training mode, the identity in eval mode. ``Dropout``
drops elements, ``Dropout1d``, ``Dropout2d`` and ``Dropout3d`` whole channels,
``AlphaDropout`` sets elements to SELU's saturation value so that self-normalising networks
stay normalised, and ``FeatureAlphaDropout`` does that to whole channels (see the functions of
the same names in ``nn.functional``)."""

from __future__ import annotations

from ..tensor import Tensor
from . import functional as F
from .module import Module


class _DropoutNd(Module):
    """What the dropouts share: the probability ``p``, checked, and the ``inplace`` flag."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p, self.inplace = p, inplace

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Zero each element with probability ``p`` while ``self.training`` and scale the others
    by 1/(1-p); call ``model.eval()`` to turn it off.

    >>> d = Dropout(0.5).eval()
    >>> d(microtorch_core.ones(3)).tolist()
    [1.0, 1.0, 1.0]
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.dropout(input, self.p, self.training, self.inplace)


class Dropout1d(_DropoutNd):
    """Zero whole channels of a (N, C, L) or (C, L) input with probability ``p`` while
    training, scaling the others by 1/(1-p)."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.dropout1d(input, self.p, self.training, self.inplace)


class Dropout2d(_DropoutNd):
    """Zero whole channels of a (N, C, H, W) input with probability ``p`` while training,
    scaling the others by 1/(1-p)."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.dropout2d(input, self.p, self.training, self.inplace)


class Dropout3d(_DropoutNd):
    """Zero whole channels of a (N, C, D, H, W) or (C, D, H, W) input with probability ``p``
    while training, scaling the others by 1/(1-p)."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.dropout3d(input, self.p, self.training, self.inplace)


class AlphaDropout(_DropoutNd):
    """Alpha dropout while training (see ``F.alpha_dropout``): keeps a standard normal
    input's mean and variance, for use with ``SELU``. Unlike PyTorch's, which ignores it,
    ``inplace=True`` does write into the input."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.alpha_dropout(input, self.p, self.training, self.inplace)


class FeatureAlphaDropout(_DropoutNd):
    """Alpha dropout of whole channels while training (see ``F.feature_alpha_dropout``), for
    use with ``SELU`` after convolutions. As ``AlphaDropout``, ``inplace=True`` writes into
    the input."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.feature_alpha_dropout(input, self.p, self.training, self.inplace)
