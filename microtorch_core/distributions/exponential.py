"""``Exponential(rate)``: density rate * exp(-rate x) on x >= 0."""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Number

from .. import ops
from ..creation import rand, zeros_like
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution
from .utils import as_parameter


class Exponential(Distribution):
    """The exponential distribution: the waiting time of a Poisson process of ``rate``.

    >>> Exponential(2.0).mean.item()
    0.5
    """

    arg_constraints = {"rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, rate: Tensor | Number, validate_args: bool | None = None) -> None:
        self.rate = as_parameter(rate)
        super().__init__(self.rate.shape, validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return 1 / self.rate

    @property
    def mode(self) -> Tensor:
        return zeros_like(self.rate)

    @property
    def stddev(self) -> Tensor:
        return 1 / self.rate

    @property
    def variance(self) -> Tensor:
        return self.rate ** -2

    def rsample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        """-log(1 - u) / rate with u ~ U[0, 1): inversion of the cdf."""
        u = rand(self._extended_shape(sample_shape), dtype=self.rate.dtype,
                 device=self.rate.device)
        return -ops.log1p(-u) / self.rate

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return ops.log(self.rate) - self.rate * value

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return 1 - ops.exp(-self.rate * value)

    def icdf(self, value: Tensor) -> Tensor:
        return -ops.log1p(-value) / self.rate

    def entropy(self) -> Tensor:
        return 1.0 - ops.log(self.rate)
