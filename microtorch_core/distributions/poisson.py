"""``Poisson(rate)``: the count of events of a process of ``rate``, P(k) = rate^k e^-rate / k!.
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Number

from .. import ops
from ..autograd import no_grad
from ..creation import rand, zeros_like
from ..ops.gamma import lgamma
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution
from .utils import as_parameter

_INVERSION_BELOW = 10.0  # rates below use inversion, the others rejection (PTRS)
_MAX_INVERSION_STEPS = 200  # P(k > 200) at rate < 10 is below 1e-150


def _by_inversion(rate: Tensor) -> Tensor:
    """Counts by sequential search of the cdf: the number of k whose cdf is below u. Takes
    about ``rate`` steps, so it serves small rates."""
    u = rand(rate.shape, dtype=rate.dtype, device=rate.device)
    term = ops.exp(-rate)  # P(0); then P(k) = P(k - 1) rate / k
    cdf, count = term, zeros_like(rate)
    for k in range(1, _MAX_INVERSION_STEPS + 1):
        beyond = u > cdf
        if not bool(ops.any(beyond)):
            break
        count = count + beyond.to(rate.dtype)
        term = term * rate / k
        cdf = cdf + term
    return count


def _by_rejection(rate: Tensor) -> Tensor:
    """Counts by Hoermann's transformed rejection with squeeze (PTRS, "The transformed
    rejection method for generating Poisson random variables", 1993), for rate >= 10: about
    1.1 proposals per draw whatever the rate."""
    log_rate = ops.log(rate)
    b = 0.931 + 2.53 * ops.sqrt(rate)
    a = -0.059 + 0.02483 * b
    log_inv_alpha = ops.log(1.1239 + 1.1328 / (b - 3.4))
    v_r = 0.9277 - 3.6224 / (b - 2)
    result = zeros_like(rate)
    done = rate != rate  # all False
    while not bool(ops.all(done)):
        u = rand(rate.shape, dtype=rate.dtype, device=rate.device) - 0.5
        v = rand(rate.shape, dtype=rate.dtype, device=rate.device)
        us = 0.5 - ops.abs(u)
        us_safe = ops.where(us > 0, us, 1.0)  # us = 0 (u = -1/2) is rejected below
        k = ops.floor((2 * a / us_safe + b) * u + rate + 0.43)
        squeeze = (us >= 0.07) & (v <= v_r)
        k_safe = ops.clamp(k, min=0.0)
        log_ratio = ops.log(v) + log_inv_alpha - ops.log(a / (us_safe * us_safe) + b)
        exact = log_ratio <= -rate + k_safe * log_rate - lgamma(k_safe + 1)
        possible = (us > 0) & (k >= 0) & ~((us < 0.013) & (v > us))
        accept = squeeze | (possible & exact)
        result = ops.where(accept & ~done, k, result)
        done = done | accept
    return result


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
        """Inversion where the rate is below 10, rejection (PTRS) elsewhere."""
        with no_grad():
            rate = self.rate.expand(self._extended_shape(sample_shape))
            small = rate < _INVERSION_BELOW
            out = zeros_like(rate)
            if bool(ops.any(small)):
                out = ops.where(small, _by_inversion(ops.where(small, rate, 0.0)), out)
            if not bool(ops.all(small)):
                large = ops.where(small, _INVERSION_BELOW, rate)
                out = ops.where(small, out, _by_rejection(large))
            return out

    def log_prob(self, value: Tensor) -> Tensor:
        """k log(rate) - rate - log k!."""
        if self._validate_args:
            self._validate_sample(value)
        return ops.xlogy(value, self.rate) - self.rate - lgamma(value + 1)


