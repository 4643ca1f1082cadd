"""``Gamma(concentration, rate)``: density rate^a x^(a-1) e^(-rate x) / Gamma(a) on x > 0."""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Number

from .. import dtypes, ops
from ..ops.special.gamma import digamma, lgamma
from ..ops.special.igamma import gammainc
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution
from .standard_gamma import standard_gamma
from .utils import broadcast_all


class Gamma(Distribution):
    """The gamma distribution with shape ``concentration`` (a) and inverse scale ``rate``.
    ``rsample`` is differentiable in both (see ``standard_gamma.py``).

    >>> Gamma(3.0, 2.0).mean.item()
    1.5
    """

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, concentration: Tensor | Number, rate: Tensor | Number,
                 validate_args: bool | None = None) -> None:
        self.concentration, self.rate = broadcast_all(concentration, rate)
        super().__init__(self.concentration.shape, validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return self.concentration / self.rate

    @property
    def mode(self) -> Tensor:
        return ops.clamp((self.concentration - 1) / self.rate, min=0.0)

    @property
    def variance(self) -> Tensor:
        return self.concentration / (self.rate * self.rate)

    def rsample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        """Gamma(a, 1) draws divided by the rate."""
        shape = self._extended_shape(sample_shape)
        x = standard_gamma(self.concentration.expand(shape)) / self.rate.expand(shape)
        return ops.clamp(x, min=dtypes.finfo(x.dtype).tiny)  # the division may underflow

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        a, rate = self.concentration, self.rate
        return ops.xlogy(a, rate) + ops.xlogy(a - 1, value) - rate * value - lgamma(a)

    def cdf(self, value: Tensor) -> Tensor:
        """P(a, rate x), the regularised lower incomplete gamma function."""
        if self._validate_args:
            self._validate_sample(value)
        return gammainc(self.concentration, self.rate * value)

    def entropy(self) -> Tensor:
        """a - log(rate) + lgamma(a) + (1 - a) psi(a)."""
        a = self.concentration
        return a - ops.log(self.rate) + lgamma(a) + (1.0 - a) * digamma(a)
