"""``Poisson(rate)``: the count of events of a process of ``rate``, P(k) = rate^k e^-rate / k!.
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Number

from .. import ops
from ..autograd import no_grad
from ..ops.special.gamma import lgamma
from ..sampling import poisson
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution
from .utils import as_parameter


class Poisson(Distribution):
    """The Poisson distribution: counts 0, 1, 2, ... with mean and variance ``rate``.
    Samples are floats, as in PyTorch.

    >>> round(Poisson(2.0).log_prob(tensor(0.0)).item(), 6)  # log e^-2
    -2.0
    """

    arg_constraints = {"rate": constraints.nonnegative}
    support = constraints.nonnegative_integer

    def __init__(self, rate: Tensor | Number, validate_args: bool | None = None) -> None:
        self.rate = as_parameter(rate)
        super().__init__(self.rate.shape, validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return self.rate

    @property
    def mode(self) -> Tensor:
        return ops.floor(self.rate)

    @property
    def variance(self) -> Tensor:
        return self.rate

    def sample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        """``mt.poisson`` of the rates: inversion below 10, rejection (PTRS) above."""
        with no_grad():
            return poisson(self.rate.expand(self._extended_shape(sample_shape)).contiguous())

    def log_prob(self, value: Tensor) -> Tensor:
        """k log(rate) - rate - log k!."""
        if self._validate_args:
            self._validate_sample(value)
        return ops.xlogy(value, self.rate) - self.rate - lgamma(value + 1)


