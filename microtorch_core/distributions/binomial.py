"""``Binomial(total_count, probs=p)``: the number of successes among ``total_count``
independent p-coins, P(k) = C(n, k) p^k (1 - p)^(n - k)."""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Number

from .. import ops
from ..autograd import no_grad
from ..creation import arange, rand, zeros_like
from ..ops.special.gamma import lgamma
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution
from .utils import broadcast_all, lazy_property, logits_to_probs, probs_to_logits, softplus

_TRIALS_PER_STEP = 256  # coins flipped per step of ``sample``: bounds its memory


class Binomial(Distribution):
    """The binomial distribution: successes in ``total_count`` trials of probability
    ``probs`` (or ``sigmoid(logits)``). Samples are floats, as in PyTorch.

    >>> Binomial(10, probs=tensor(0.3)).mean.item()
    3.0
    """

    arg_constraints = {"total_count": constraints.nonnegative_integer,
                       "probs": constraints.unit_interval, "logits": constraints.real}
    has_enumerate_support = True

    def __init__(self, total_count: Tensor | Number = 1, probs: Tensor | Number | None = None,
                 logits: Tensor | Number | None = None,
                 validate_args: bool | None = None) -> None:
        if (probs is None) == (logits is None):
            raise ValueError(f"Binomial: either `probs` or `logits` must be specified, but not "
                             f"both (got probs={probs!r}, logits={logits!r})")
        name = "probs" if probs is not None else "logits"
        count, param = broadcast_all(total_count, probs if probs is not None else logits)
        self.total_count = count.to(param.dtype)
        setattr(self, name, param)
        super().__init__(param.shape, validate_args=validate_args)

    @lazy_property
    def logits(self) -> Tensor:
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self) -> Tensor:
        return logits_to_probs(self.logits, is_binary=True)

    @property
    def support(self) -> constraints.Constraint:
        return constraints.integer_interval(0, self.total_count)

    @property
    def mean(self) -> Tensor:
        return self.total_count * self.probs

    @property
    def mode(self) -> Tensor:
        return ops.clamp(ops.floor((self.total_count + 1) * self.probs), max=self.total_count)

    @property
    def variance(self) -> Tensor:
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        """The count of u_i < p among the first ``total_count`` of uniforms u_i: exact, and
        O(max total_count) work per draw, so meant for moderate counts."""
        with no_grad():
            shape = self._extended_shape(sample_shape)
            probs = self.probs.expand(shape).unsqueeze(-1)
            count = self.total_count.expand(shape).unsqueeze(-1)
            successes = zeros_like(probs.squeeze(-1))
            n_max = int(ops.amax(self.total_count).item()) if self.total_count.numel() else 0
            for start in range(0, n_max, _TRIALS_PER_STEP):
                trials = min(_TRIALS_PER_STEP, n_max - start)
                index = arange(start, start + trials, dtype=probs.dtype, device=probs.device)
                u = rand(shape + (trials,), dtype=probs.dtype, device=probs.device)
                success = (u < probs) & (index < count)
                successes = successes + success.to(probs.dtype).sum(-1)
            return successes

    def log_prob(self, value: Tensor) -> Tensor:
        """log C(n, k) + k logit - n softplus(logit), which is k log p + (n - k) log(1 - p)
        without the logs of 0 or 1."""
        if self._validate_args:
            self._validate_sample(value)
        n = self.total_count
        log_binomial = lgamma(n + 1) - lgamma(value + 1) - lgamma(n - value + 1)
        return log_binomial + value * self.logits - n * softplus(self.logits)

    def _homogeneous_count(self, what: str) -> int:
        n = int(ops.amax(self.total_count).item())
        if int(ops.amin(self.total_count).item()) != n:
            raise NotImplementedError(f"Inhomogeneous total count not supported by `{what}`.")
        return n

    def entropy(self) -> Tensor:
        """-sum_k P(k) log P(k) over the support (one total_count for the whole batch)."""
        log_prob = self.log_prob(self.enumerate_support(expand=False))
        return -(ops.exp(log_prob) * log_prob).sum(0)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        n = self._homogeneous_count("enumerate_support")
        param = self.__dict__.get("probs", self.__dict__.get("logits"))
        values = arange(n + 1, dtype=param.dtype, device=param.device)
        values = values.reshape((-1,) + (1,) * len(self._batch_shape))
        return values.expand((-1,) + self._batch_shape) if expand else values
