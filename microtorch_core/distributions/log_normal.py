"""``LogNormal(loc, scale)``: the distribution of exp(X) for X ~ Normal(loc, scale)."""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Number

from .. import ops
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution
from .normal import Normal
from .utils import broadcast_all


class LogNormal(Distribution):
    """A positive variable whose log is ``Normal(loc, scale)``; ``base_dist`` is that
    normal. Density: Normal's at log x, divided by x (the change of variables).

    >>> round(LogNormal(0.0, 1.0).mean.item(), 6)  # exp(1/2)
    1.648721
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, loc: Tensor | Number, scale: Tensor | Number,
                 validate_args: bool | None = None) -> None:
        self.loc, self.scale = broadcast_all(loc, scale)
        super().__init__(self.loc.shape, validate_args=validate_args)

    @property
    def base_dist(self) -> Normal:
        """The normal distribution of log X."""
        return Normal(self.loc, self.scale, validate_args=False)

    @property
    def mean(self) -> Tensor:
        return ops.exp(self.loc + self.scale * self.scale / 2)

    @property
    def mode(self) -> Tensor:
        return ops.exp(self.loc - self.scale * self.scale)

    @property
    def variance(self) -> Tensor:
        scale_sq = self.scale * self.scale
        return ops.expm1(scale_sq) * ops.exp(2 * self.loc + scale_sq)

    def rsample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        return ops.exp(self.base_dist.rsample(sample_shape))

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        log_value = ops.log(value)
        return self.base_dist.log_prob(log_value) - log_value

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return self.base_dist.cdf(ops.log(value))

    def icdf(self, value: Tensor) -> Tensor:
        return ops.exp(self.base_dist.icdf(value))

    def entropy(self) -> Tensor:
        """Normal's entropy plus E[log X] = loc."""
        return self.base_dist.entropy() + self.loc
