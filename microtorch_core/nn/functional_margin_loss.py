"""Margin losses, as in ``torch.nn.functional``: they push a score past a margin rather than
towards a value. ``nn.functional`` re-exports them.

- on pairs and triplets of embeddings: ``margin_ranking_loss``, ``hinge_embedding_loss``,
  ``cosine_embedding_loss``, ``triplet_margin_loss``, ``triplet_margin_with_distance_loss``;
- on +-1 labels, smooth: ``soft_margin_loss``, ``multilabel_soft_margin_loss``;
- on class indices, hinged: ``multi_margin_loss``, ``multilabel_margin_loss``.

Every one is a composite of Tensor ops. Where PyTorch has a fused kernel whose gradient is 0
at the hinge's corner (``max(0, z)`` at z = 0), the hinge is a ``relu``, whose gradient is 0
there too; where PyTorch composes ``clamp_min``, so does this file, and the corner passes the
gradient. ``reduction`` is as in ``functional_loss.py``: PyTorch's deprecated
``size_average``/``reduce`` are not accepted, and the arguments it lists after them are
keyword-only here.
"""

from __future__ import annotations

from collections.abc import Callable

from .. import dtypes, ops
from ..creation import arange, ones_like
from ..ops.primitive.indexing import Gather, index_range, index_select_unchecked
from ..tensor import Tensor
from .functional_distance import pairwise_distance
from .functional_loss import (
    _check_broadcast,
    _check_sizes,
    _reduce,
    binary_cross_entropy_with_logits,
)

__all__ = [
    "margin_ranking_loss", "hinge_embedding_loss", "cosine_embedding_loss",
    "triplet_margin_loss", "triplet_margin_with_distance_loss", "soft_margin_loss",
    "multilabel_soft_margin_loss", "multi_margin_loss", "multilabel_margin_loss",
]

_COSINE_EPS = 1e-12  # added to squared norms, as PyTorch does, so a zero vector gives 0 / eps


# -- pairs and triplets -------------------------------------------------------------------------
def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor,
                        margin: float = 0.0, *, reduction: str = "mean") -> Tensor:
    """max(0, -y (x1 - x2) + margin): ``target`` y = 1 says x1 should rank above x2 by at
    least ``margin``, y = -1 the reverse. The three must have the same number of dims (they
    broadcast, as in PyTorch).

    >>> x1, x2 = microtorch_core.tensor([2.0]), microtorch_core.tensor([1.0])
    >>> margin_ranking_loss(x1, x2, microtorch_core.tensor([-1.0]))  # x2 should rank higher
    tensor(1.)
    """
    if not input1.dim() == input2.dim() == target.dim():
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension "
                           f"but got sizes: input1: {tuple(input1.shape)}, input2: "
                           f"{tuple(input2.shape)}, target: {tuple(target.shape)}")
    return _reduce(ops.clamp(-target * (input1 - input2) + margin, min=0), reduction)


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0,  # noqa: A002
                         *, reduction: str = "mean") -> Tensor:
    """x where the target is 1, max(0, margin - x) where it is -1, for ``input`` x usually a
    distance: similar pairs (1) are pulled together, dissimilar ones (-1) pushed at least
    ``margin`` apart. (Other target values add both terms, as in PyTorch.)"""
    _check_sizes("hinge_embedding_loss", input, target)
    pushed = ops.where(target != 1, ops.clamp(margin - input, min=0), 0.0)
    pulled = ops.where(target != -1, input, 0.0)
    return _reduce(pushed + pulled, reduction)


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor,
                          margin: float = 0.0, *, reduction: str = "mean") -> Tensor:
    """1 - cos(x1, x2) where the target is 1, max(0, cos(x1, x2) - margin) where it is -1
    (0 elsewhere), the cosine taken over the last dim: rows (N, D) with targets (N,), or one
    pair (D,) with a 0-d target."""
    if target.dim() > 1:
        raise RuntimeError(f"cosine_embedding_loss: 0D or 1D target tensor expected, "
                           f"multi-target not supported (got target of shape "
                           f"{tuple(target.shape)})")
    expected = target.dim() + 1
    if input1.dim() != expected or input2.dim() != expected:
        raise RuntimeError(f"cosine_embedding_loss: {target.dim()}D target tensor expects "
                           f"{expected}D input tensors, but found inputs with sizes "
                           f"{tuple(input1.shape)} and {tuple(input2.shape)}")
    dim = target.dim()
    dot = (input1 * input2).sum(dim)
    norms = (((input1 * input1).sum(dim) + _COSINE_EPS)
             * ((input2 * input2).sum(dim) + _COSINE_EPS)).sqrt()
    cos = dot / norms
    loss = (ops.where(target == 1, 1 - cos, 0.0)
            + ops.where(target == -1, ops.clamp(cos - margin, min=0), 0.0))
    return _reduce(loss, reduction)


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor,
                        margin: float = 1.0, p: float = 2, eps: float = 1e-6,
                        swap: bool = False, *, reduction: str = "mean") -> Tensor:
    """max(0, d(a, p) - d(a, n) + margin), d being ``pairwise_distance`` (the ``p``-norm of
    the difference plus ``eps``, over the last dim): the anchor should be closer to the
    positive than to the negative by ``margin``. With ``swap``, d(a, n) becomes
    min(d(a, n), d(p, n)), the harder of the two negatives (Balntas et al., 2016)."""
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    if not anchor.dim() == positive.dim() == negative.dim():
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the "
                           f"same number of dimensions, but got: anchor {anchor.dim()}D, "
                           f"positive {positive.dim()}D, and negative {negative.dim()}D inputs")
    dist_pos = pairwise_distance(anchor, positive, p, eps)
    dist_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        dist_neg = ops.minimum(dist_neg, pairwise_distance(positive, negative, p, eps))
    return _reduce(ops.clamp(margin + dist_pos - dist_neg, min=0), reduction)


def triplet_margin_with_distance_loss(
        anchor: Tensor, positive: Tensor, negative: Tensor, *,
        distance_function: Callable[[Tensor, Tensor], Tensor] | None = None,
        margin: float = 1.0, swap: bool = False, reduction: str = "mean") -> Tensor:
    """``triplet_margin_loss`` with any distance: max(0, d(a, p) - d(a, n) + margin) for
    ``d = distance_function`` (default ``pairwise_distance``), a function of two tensors
    giving one distance per triplet (``nn.PairwiseDistance()``, ``lambda x, y: 1 -
    cosine_similarity(x, y)``...), as ``torch.nn.functional.triplet_margin_with_distance_loss``.
    With ``swap``, d(a, n) becomes min(d(a, n), d(p, n))."""
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    if not anchor.dim() == positive.dim() == negative.dim():
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the "
                           f"same number of dimensions, but got: anchor {anchor.dim()}D, "
                           f"positive {positive.dim()}D, and negative {negative.dim()}D inputs")
    distance = pairwise_distance if distance_function is None else distance_function
    dist_pos = distance(anchor, positive)
    dist_neg = distance(anchor, negative)
    if swap:
        dist_neg = ops.minimum(dist_neg, distance(positive, negative))
    return _reduce(ops.clamp(margin + dist_pos - dist_neg, min=0), reduction)


# -- +-1 labels, smooth -------------------------------------------------------------------------
def soft_margin_loss(input: Tensor, target: Tensor, *,  # noqa: A002
                     reduction: str = "mean") -> Tensor:
    """log(1 + exp(-y x)) for labels y = +-1: a logistic loss on the margin y x, which is
    the binary cross-entropy of the logit y x against a positive label, computed as stably
    as ``binary_cross_entropy_with_logits``."""
    _check_sizes("soft_margin_loss", input, target)
    margin = input * target
    return binary_cross_entropy_with_logits(margin, ones_like(margin), reduction=reduction)


def multilabel_soft_margin_loss(input: Tensor, target: Tensor,  # noqa: A002
                                weight: Tensor | None = None, *,
                                reduction: str = "mean") -> Tensor:
    """One logistic loss per class, averaged over the classes (the last dim):
    -mean_c w_c (y_c log sigmoid(x_c) + (1 - y_c) log sigmoid(-x_c)) for 0/1 targets y.
    That is ``binary_cross_entropy_with_logits`` per element, so it is computed by it."""
    _check_sizes("multilabel_soft_margin_loss", input, target)
    _check_broadcast("multilabel_soft_margin_loss", "weight", weight, input)
    per_class = binary_cross_entropy_with_logits(input, target, weight, reduction="none")
    return _reduce(per_class.mean(-1), reduction)


# -- class indices, hinged ----------------------------------------------------------------------
def _check_scores(name: str, input: Tensor) -> int:  # noqa: A002
    """``input`` holds scores (C,) or (N, C), or is 0-d (one score, C = 1, as PyTorch
    accepts); returns C."""
    if input.dim() == 0:
        return 1
    if input.dim() not in (1, 2) or input.shape[-1] == 0:
        raise RuntimeError(f"{name}: Expected non-empty vector or matrix with optional 0-dim "
                           f"batch size, but got: {tuple(input.shape)}")
    return input.shape[-1]


def _check_class_indices(name: str, target: Tensor, low: int, n_classes: int) -> None:
    """``target`` is an int64 tensor with values in [low, n_classes - 1]."""
    if not isinstance(target, Tensor) or target.dtype != dtypes.int64:
        got = target.dtype.name if isinstance(target, Tensor) else type(target).__name__
        raise RuntimeError(f"{name}: expected target of class indices with dtype int64, got "
                           f"{got}")
    if target.numel():
        lo, hi = index_range(target)
        if lo < low or hi >= n_classes:
            raise RuntimeError(f"{name}: target {lo if lo < low else hi} is out of range: "
                               f"expected class indices in [{low}, {n_classes - 1}]")


def multi_margin_loss(input: Tensor, target: Tensor, p: int = 1,  # noqa: A002
                      margin: float = 1.0, weight: Tensor | None = None, *,
                      reduction: str = "mean") -> Tensor:
    """The multi-class hinge loss of scores ``input`` (N, C) or (C,) and class indices
    ``target`` (N,) (or one index): sum_{j != y} max(0, margin - x_y + x_j)^p * w_y / C,
    ``p`` being 1 or 2 and ``weight`` (C,) one weight per class. Every other class's score
    should stay ``margin`` below the target's."""
    if p not in (1, 2):
        raise ValueError(f"only p == 1 and p == 2 supported, got p={p}")
    if weight is not None and weight.dim() != 1:
        raise ValueError(f"weight must be one-dimensional, got shape {tuple(weight.shape)}")
    n_classes = _check_scores("multi_margin_loss", input)
    scores = input.reshape(-1, n_classes)
    n = scores.shape[0]
    if target.dim() > 1 or target.numel() != n:
        raise RuntimeError(f"multi_margin_loss: target tensor should be 1-D with size equal to "
                           f"the number of input samples (batch size). Expected target size "
                           f"({n},), but got {tuple(target.shape)}. Input has shape "
                           f"{tuple(input.shape)}.")
    if weight is not None and weight.shape[0] != n_classes:
        raise RuntimeError(f"multi_margin_loss: inconsistent weight size, expected {n_classes} "
                           f"but got {tuple(weight.shape)}")
    _check_class_indices("multi_margin_loss", target, 0, n_classes)
    y = target.reshape(n, 1)
    hinge = ops.relu(margin - Gather.apply(scores, 1, y) + scores)  # (N, C)
    if p == 2:
        hinge = hinge * hinge
    if weight is not None:
        w_y = index_select_unchecked(weight.to(scores.dtype), 0, y.reshape(-1))  # checked
        hinge = hinge * w_y.unsqueeze(1)
    is_target = y == arange(n_classes, device=scores.device)
    loss = ops.where(is_target, 0.0, hinge).sum(1) / n_classes
    return _reduce(loss.reshape(target.shape), reduction)


def multilabel_margin_loss(input: Tensor, target: Tensor, *,  # noqa: A002
                           reduction: str = "mean") -> Tensor:
    """The multi-label hinge loss of scores ``input`` (N, C) or (C,): ``target``, of the
    same shape, lists each sample's classes, ended by the first -1 (the rest is ignored).
    sum_{j listed} sum_{k not listed} max(0, 1 - (x_j - x_k)) / C: every listed class
    should score at least 1 above every class not listed.

    >>> scores = microtorch_core.tensor([[0.1, 0.2, 0.4, 0.8]])
    >>> multilabel_margin_loss(scores, microtorch_core.tensor([[3, 0, -1, 1]]))  # classes 3, 0
    tensor(0.8500)
    """
    n_classes = _check_scores("multilabel_margin_loss", input)
    if target.shape != input.shape:
        raise RuntimeError(f"multilabel_margin_loss: inconsistent target size: "
                           f"{tuple(target.shape)} for input of size {tuple(input.shape)}")
    _check_class_indices("multilabel_margin_loss", target, -1, n_classes)
    scores, y = input.reshape(-1, n_classes), target.reshape(-1, n_classes)
    listed = ops.cumsum((y < 0).to(dtypes.int64), 1) == 0  # (N, J): before the first -1
    y = ops.where(listed, y, 0)
    # class k is a target of sample n if some listed y[n, j] == k: (N, J, K) -> (N, K)
    is_target = ((y.unsqueeze(2) == arange(n_classes, device=y.device))
                 & listed.unsqueeze(2)).any(1)
    target_scores = Gather.apply(scores, 1, y)  # (N, J): x_{y_j}
    hinge = ops.relu(1 - target_scores.unsqueeze(2) + scores.unsqueeze(1))  # (N, J, K)
    counted = listed.unsqueeze(2) & ~is_target.unsqueeze(1)
    loss = ops.where(counted, hinge, 0.0).sum((1, 2)) / n_classes
    return _reduce(loss.reshape(input.shape[:-1]), reduction)
