"""``Beta(concentration1, concentration0)``: density x^(a-1) (1-x)^(b-1) / B(a, b) on
[0, 1]."""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Number

from .. import dtypes, ops
from ..ops.special.gamma import digamma
from ..tensor import Tensor
from . import constraints
from ._special import betaln
from .distribution import Distribution
from .standard_gamma import standard_gamma
from .utils import broadcast_all


class Beta(Distribution):
    """The beta distribution with a = ``concentration1`` (the weight of 1) and
    b = ``concentration0`` (the weight of 0). A draw is X / (X + Y) for independent
    X ~ Gamma(a, 1), Y ~ Gamma(b, 1), so ``rsample`` is differentiable in a and b.

    >>> Beta(2.0, 6.0).mean.item()
    0.25
    """

    arg_constraints = {"concentration1": constraints.positive,
                       "concentration0": constraints.positive}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, concentration1: Tensor | Number, concentration0: Tensor | Number,
                 validate_args: bool | None = None) -> None:
        self.concentration1, self.concentration0 = broadcast_all(concentration1,
                                                                 concentration0)
        super().__init__(self.concentration1.shape, validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return self.concentration1 / (self.concentration1 + self.concentration0)

    @property
    def mode(self) -> Tensor:
        """(a - 1) / (a + b - 2) where a, b > 1; the end whose concentration is above 1
        where only one is; 1 where both are below 1 (both ends are modes), as PyTorch."""
        a, b = self.concentration1, self.concentration0
        a_above, b_above = ops.clamp(a - 1, min=0.0), ops.clamp(b - 1, min=0.0)
        return ops.where((a < 1) & (b < 1), 1.0, a_above / (a_above + b_above))

    @property
    def variance(self) -> Tensor:
        total = self.concentration1 + self.concentration0
        return self.concentration1 * self.concentration0 / (total * total * (total + 1))

    def rsample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        x = standard_gamma(self.concentration1.expand(shape))
        y = standard_gamma(self.concentration0.expand(shape))
        eps = dtypes.finfo(x.dtype).eps
        return ops.clamp(x / (x + y), min=eps, max=1 - eps)  # keep log_prob finite

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        a, b = self.concentration1, self.concentration0
        return ops.xlogy(a - 1, value) + ops.xlogy(b - 1, 1 - value) - betaln(a, b)

    def entropy(self) -> Tensor:
        """log B(a, b) - (a - 1) psi(a) - (b - 1) psi(b) + (a + b - 2) psi(a + b)."""
        a, b = self.concentration1, self.concentration0
        return (betaln(a, b) - (a - 1) * digamma(a) - (b - 1) * digamma(b)
                + (a + b - 2) * digamma(a + b))
