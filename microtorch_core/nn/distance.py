"""``CosineSimilarity`` and ``PairwiseDistance``: thin wrappers around
``F.cosine_similarity`` and ``F.pairwise_distance`` (in ``functional_distance.py``)."""

from __future__ import annotations

from ..tensor import Tensor
from . import functional as F
from .module import Module


class CosineSimilarity(Module):
    """The cosine of the angle between two inputs along ``dim``, as
    ``torch.nn.CosineSimilarity``.

    >>> CosineSimilarity()(microtorch_core.randn(4, 8), microtorch_core.randn(4, 8)).shape
    (4,)
    """

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return F.cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """The ``p``-norm distance ||x1 - x2 + eps||_p over the last dim, as
    ``torch.nn.PairwiseDistance`` (which, like this, keeps ``p`` in an attribute named
    ``norm``)."""

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)
