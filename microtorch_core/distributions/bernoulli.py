"""``Bernoulli(probs=p)`` or ``Bernoulli(logits=l)``: 1 with probability p, else 0."""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Number

from .. import ops
from ..autograd import no_grad
from ..creation import rand, tensor
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution
from .utils import (
    bce_with_logits,
    lazy_property,
    logits_to_probs,
    probs_or_logits,
    probs_to_logits,
)


class Bernoulli(Distribution):
    """A coin that shows 1 with probability ``probs`` (or ``sigmoid(logits)``).

    >>> Bernoulli(probs=0.25).variance.item()
    0.1875
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.boolean
    has_enumerate_support = True

    def __init__(self, probs: Tensor | Number | None = None,
                 logits: Tensor | Number | None = None,
                 validate_args: bool | None = None) -> None:
        name, param = probs_or_logits("Bernoulli", probs, logits)
        setattr(self, name, param)  # the other one is a lazy_property, derived on first use
        super().__init__(param.shape, validate_args=validate_args)

    @lazy_property
    def logits(self) -> Tensor:
        """log(p / (1 - p))."""
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self) -> Tensor:
        """sigmoid(logits)."""
        return logits_to_probs(self.logits, is_binary=True)

    @property
    def mean(self) -> Tensor:
        return self.probs

    @property
    def mode(self) -> Tensor:
        """1 where p > 1/2, 0 where p < 1/2, nan at 1/2 (both are modes)."""
        mode = (self.probs >= 0.5).to(self.probs.dtype)
        return ops.where(self.probs == 0.5, float("nan"), mode)

    @property
    def variance(self) -> Tensor:
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        """1.0 where u < p for u ~ U[0, 1), else 0.0 (in the dtype of ``probs``)."""
        with no_grad():
            probs = self.probs
            u = rand(self._extended_shape(sample_shape), dtype=probs.dtype, device=probs.device)
            return (u < probs).to(probs.dtype)

    def log_prob(self, value: Tensor) -> Tensor:
        """x log p + (1 - x) log(1 - p), computed from the logits."""
        if self._validate_args:
            self._validate_sample(value)
        return -bce_with_logits(self.logits, value)

    def entropy(self) -> Tensor:
        return bce_with_logits(self.logits, self.probs)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        param = self._param()
        values = tensor([0.0, 1.0], dtype=param.dtype, device=param.device)
        values = values.reshape((2,) + (1,) * len(self._batch_shape))
        return values.expand((2,) + self._batch_shape) if expand else values

    def _param(self) -> Tensor:
        """The parameter given to the constructor (``probs`` or ``logits``)."""
        return self.__dict__["probs"] if "probs" in self.__dict__ else self.__dict__["logits"]
