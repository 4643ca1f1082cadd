"""``Geometric(probs=p)``: the number of failures before the first success of p-coins,
P(k) = (1 - p)^k p for k = 0, 1, 2, ..."""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Number

from .. import dtypes, ops
from ..autograd import no_grad
from ..creation import rand, zeros_like
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


class Geometric(Distribution):
    """The geometric distribution on 0, 1, 2, ... with success probability ``probs`` (or
    ``sigmoid(logits)``); ``probs`` must be in (0, 1]. Samples are floats.

    >>> Geometric(probs=0.25).mean.item()
    3.0
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, probs: Tensor | Number | None = None,
                 logits: Tensor | Number | None = None,
                 validate_args: bool | None = None) -> None:
        name, param = probs_or_logits("Geometric", probs, logits)
        setattr(self, name, param)
        super().__init__(param.shape, validate_args=validate_args)
        if self._validate_args and name == "probs" and not bool(ops.all(param > 0)):
            raise ValueError(f"Expected parameter probs ({type(param).__name__} of shape "
                             f"{tuple(param.shape)}) of distribution {self!r} to be positive "
                             f"but found invalid values:\n{param}")

    @lazy_property
    def logits(self) -> Tensor:
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self) -> Tensor:
        return logits_to_probs(self.logits, is_binary=True)

    @property
    def mean(self) -> Tensor:
        return 1.0 / self.probs - 1.0

    @property
    def mode(self) -> Tensor:
        return zeros_like(self.probs)

    @property
    def variance(self) -> Tensor:
        return (1.0 / self.probs - 1.0) / self.probs

    def sample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        """floor(log u / log(1 - p)) for u ~ U(0, 1): inversion of the cdf."""
        with no_grad():
            probs = self.probs
            tiny = dtypes.finfo(probs.dtype).tiny
            u = rand(self._extended_shape(sample_shape), dtype=probs.dtype,
                     device=probs.device)
            return ops.floor(ops.log(ops.clamp(u, min=tiny)) / ops.log1p(-probs))

    def log_prob(self, value: Tensor) -> Tensor:
        """k log(1 - p) + log p (0 log 0 taken as 0 when p = 1)."""
        if self._validate_args:
            self._validate_sample(value)
        value, probs = ops.broadcast_tensors(value, self.probs)
        certain = (probs == 1) & (value == 0)
        failures = value * ops.log1p(-ops.where(certain, 0.0, probs))
        return failures + ops.log(self.probs)

    def entropy(self) -> Tensor:
        return bce_with_logits(self.logits, self.probs) / self.probs
