"""``Dirichlet(concentration)``: a random point of the probability simplex, density
prod x_i^(a_i - 1) / B(a) with B(a) = prod Gamma(a_i) / Gamma(sum a_i)."""

from __future__ import annotations

from collections.abc import Sequence

from .. import dtypes, ops
from ..creation import arange
from ..ops.special.gamma import digamma, lgamma
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution
from .standard_gamma import standard_gamma


class Dirichlet(Distribution):
    """The Dirichlet distribution over vectors of length K (the last dimension of
    ``concentration``). A draw is independent Gamma(a_i, 1) draws divided by their sum, so
    ``rsample`` is differentiable in ``concentration``.

    >>> Dirichlet(tensor([1.0, 3.0])).mean.tolist()
    [0.25, 0.75]
    """

    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, concentration: Tensor, validate_args: bool | None = None) -> None:
        if concentration.dim() < 1:
            raise ValueError(f"`concentration` parameter must be at least one-dimensional, "
                             f"got shape {tuple(concentration.shape)}")
        self.concentration = concentration
        super().__init__(concentration.shape[:-1], concentration.shape[-1:],
                         validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return self.concentration / self.concentration.sum(-1, keepdim=True)

    @property
    def mode(self) -> Tensor:
        """(a_i - 1)+ / sum_j (a_j - 1)+: the interior maximum where every a_i > 1. Where
        every a_i < 1 the density is unbounded at each vertex; the first vertex is taken, as
        PyTorch does."""
        a = self.concentration
        above_one = ops.clamp(a - 1, min=0.0)
        mode = above_one / above_one.sum(-1, keepdim=True)
        first_vertex = (arange(a.shape[-1], device=a.device) == 0).to(a.dtype)
        return ops.where(ops.all(a < 1, -1, keepdim=True), first_vertex, mode)

    @property
    def variance(self) -> Tensor:
        total = self.concentration.sum(-1, keepdim=True)
        a = self.concentration
        return a * (total - a) / (total * total * (total + 1))

    def rsample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        gammas = standard_gamma(self.concentration.expand(self._extended_shape(sample_shape)))
        tiny = dtypes.finfo(gammas.dtype).tiny
        return ops.clamp(gammas / gammas.sum(-1, keepdim=True), min=tiny)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        a = self.concentration
        return (ops.xlogy(a - 1, value).sum(-1) + lgamma(a.sum(-1)) - lgamma(a).sum(-1))

    def entropy(self) -> Tensor:
        """log B(a) + (a0 - K) psi(a0) - sum (a_i - 1) psi(a_i), with a0 = sum a_i."""
        a = self.concentration
        k, a0 = a.shape[-1], a.sum(-1)
        return (lgamma(a).sum(-1) - lgamma(a0) - (k - a0) * digamma(a0)
                - ((a - 1) * digamma(a)).sum(-1))
