"""``Normal(loc, scale)``: the Gaussian, density exp(-(x - loc)^2 / (2 scale^2)) /
(scale sqrt(2 pi))."""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Number

from .. import ops
from ..creation import randn
from ..ops.special.errorfunc import ndtri
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution
from .utils import broadcast_all

_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


class Normal(Distribution):
    """The normal distribution with mean ``loc`` and standard deviation ``scale``.

    >>> Normal(0.0, 1.0).log_prob(tensor(0.0)).item()  # -log sqrt(2 pi)
    -0.9189385...
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc: Tensor | Number, scale: Tensor | Number,
                 validate_args: bool | None = None) -> None:
        self.loc, self.scale = broadcast_all(loc, scale)
        super().__init__(self.loc.shape, validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def stddev(self) -> Tensor:
        return self.scale

    @property
    def variance(self) -> Tensor:
        return self.scale * self.scale

    def rsample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        """loc + scale * eps with eps ~ N(0, 1)."""
        eps = randn(self._extended_shape(sample_shape), dtype=self.loc.dtype,
                    device=self.loc.device)
        return self.loc + eps * self.scale

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        z = (value - self.loc) / self.scale
        return -0.5 * z * z - ops.log(self.scale) - _LOG_SQRT_2PI

    def cdf(self, value: Tensor) -> Tensor:
        """Phi((x - loc) / scale) = (1 + erf((x - loc) / (scale sqrt 2))) / 2."""
        if self._validate_args:
            self._validate_sample(value)
        return 0.5 * (1 + ops.erf((value - self.loc) / (self.scale * math.sqrt(2))))

    def icdf(self, value: Tensor) -> Tensor:
        """loc + scale * Phi^-1(p)."""
        return self.loc + self.scale * ndtri(value)

    def entropy(self) -> Tensor:
        """1/2 + log(scale sqrt(2 pi))."""
        return 0.5 + _LOG_SQRT_2PI + ops.log(self.scale)
