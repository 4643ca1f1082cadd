"""Loss modules, thin wrappers around ``nn.functional``'s losses: ``MSELoss``, ``L1Loss``,
``SmoothL1Loss``, ``HuberLoss``, ``NLLLoss``, ``CrossEntropyLoss``, ``BCELoss``,
``BCEWithLogitsLoss``, ``KLDivLoss``. Tensors they hold (class weights) are buffers, so they
follow the module in ``to()`` and are saved in the state dict, as in PyTorch."""

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


class L1Loss(Module):
    """mean(|input - target|) (or the sum, or per element with ``reduction='none'``)."""

    def __init__(self, *, reduction: str = "mean") -> None:
        super().__init__()
        self.reduction = reduction

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.l1_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(Module):
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (d = input - target)."""

    def __init__(self, *, reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__()
        self.reduction, self.beta = reduction, beta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(Module):
    """0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta) (d = input - target)."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__()
        self.reduction, self.delta = reduction, delta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.huber_loss(input, target, self.reduction, self.delta)


class BCELoss(Module):
    """Binary cross-entropy of probabilities (e.g. after a ``Sigmoid``) and 0/1 targets, with
    an optional ``weight`` broadcast over the input."""

    def __init__(self, weight: Tensor | None = None, *, reduction: str = "mean") -> None:
        super().__init__()
        self.register_buffer("weight", weight)
        self.reduction = reduction

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.binary_cross_entropy(input, target, self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(Module):
    """A ``Sigmoid`` and ``BCELoss`` in one, computed stably from raw scores; ``pos_weight``
    (one per class, the last dim) weighs the positive targets' terms.

    >>> loss_fn = BCEWithLogitsLoss(pos_weight=microtorch_core.tensor([3.0]))  # rare positives
    """

    def __init__(self, weight: Tensor | None = None, *, reduction: str = "mean",
                 pos_weight: Tensor | None = None) -> None:
        super().__init__()
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)
        self.reduction = reduction

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.binary_cross_entropy_with_logits(input, target, self.weight,
                                                  reduction=self.reduction,
                                                  pos_weight=self.pos_weight)


class KLDivLoss(Module):
    """KL divergence target * (log target - input) of log-probabilities ``input``; use
    ``reduction='batchmean'`` for the mathematical KL divergence averaged over the batch."""

    def __init__(self, *, reduction: str = "mean", log_target: bool = False) -> None:
        super().__init__()
        self.reduction, self.log_target = reduction, log_target

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)
