"""Loss modules: ``MSELoss``, ``CrossEntropyLoss``, ``NLLLoss`` (see ``nn.functional``)."""

from __future__ import annotations

from ..tensor import Tensor
from . import functional as F
from .module import Module


class MSELoss(Module):
    """mean((input - target)^2) (or the sum, or per element with ``reduction='none'``)."""

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        self.reduction = reduction

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.mse_loss(input, target, self.reduction)


class NLLLoss(Module):
    """Negative log-likelihood of class indices, from log-probabilities."""

    def __init__(self, weight: Tensor | None = None, ignore_index: int = -100,
                 reduction: str = "mean") -> None:
        super().__init__()
        self.register_buffer("weight", weight)
        self.ignore_index, self.reduction = ignore_index, reduction

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.nll_loss(input, target, self.weight, self.ignore_index, self.reduction)


class CrossEntropyLoss(NLLLoss):
    """Softmax cross-entropy from logits (N, C) and class indices (N,) or class probabilities
    (N, C), with optional class ``weight``, ``ignore_index`` and ``label_smoothing``.

    >>> loss_fn = CrossEntropyLoss(label_smoothing=0.1)
    >>> loss = loss_fn(model(x), y)
    """

    def __init__(self, weight: Tensor | None = None, ignore_index: int = -100,
                 reduction: str = "mean", label_smoothing: float = 0.0) -> None:
        super().__init__(weight, ignore_index, reduction)
        self.label_smoothing = label_smoothing

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.cross_entropy(input, target, self.weight, self.ignore_index, self.reduction,
                               self.label_smoothing)
