"""``Categorical(probs=p)`` or ``Categorical(logits=l)``: one of K classes, class k with
probability p[k] (or softmax(l)[k])."""

from __future__ import annotations

from collections.abc import Sequence

from .. import dtypes, ops
from ..autograd import no_grad
from ..creation import arange, full, rand
from ..dtypes import int64
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution
from .utils import lazy_property, logits_to_probs, probs_or_logits, probs_to_logits


class Categorical(Distribution):
    """A draw of a class index in ``0 .. K-1``; ``probs`` (or ``logits``) has the K classes
    in its last dimension, the batch in the others. ``probs`` need not sum to 1: they are
    normalised, and ``logits`` are too (log-normalised).

    >>> Categorical(probs=tensor([1.0, 3.0])).probs.tolist()
    [0.25, 0.75]
    """

    arg_constraints = {"probs": constraints.simplex,
                       "logits": constraints.independent(constraints.real, 1)}
    has_enumerate_support = True

    def __init__(self, probs: Tensor | None = None, logits: Tensor | None = None,
                 validate_args: bool | None = None) -> None:
        name, param = probs_or_logits(type(self).__name__, probs, logits)
        if param.dim() < 1:
            raise ValueError(f"`{name}` parameter must be at least one-dimensional, got shape "
                             f"{tuple(param.shape)}")
        if name == "probs":
            self.probs = param / param.sum(-1, keepdim=True)
        else:
            self.logits = param - ops.logsumexp(param, -1, keepdim=True)
        self._num_events = param.shape[-1]
        super().__init__(param.shape[:-1], validate_args=validate_args)

    @lazy_property
    def logits(self) -> Tensor:
        """log p (probabilities clamped away from 0 first)."""
        return probs_to_logits(self.probs)

    @lazy_property
    def probs(self) -> Tensor:
        """softmax(logits)."""
        return logits_to_probs(self.logits)

    @property
    def param_shape(self) -> tuple[int, ...]:
        """``batch_shape + (K,)``."""
        return self._batch_shape + (self._num_events,)

    @property
    def support(self) -> constraints.Constraint:
        return constraints.integer_interval(0, self._num_events - 1)

    @property
    def mean(self) -> Tensor:
        return full(self._extended_shape(), float("nan"), dtype=self.probs.dtype,
                    device=self.probs.device)

    @property
    def mode(self) -> Tensor:
        return ops.argmax(self.probs, -1)

    @property
    def variance(self) -> Tensor:
        return self.mean

    def sample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        """Class indices (int64) by inversion: the number of cumulative probabilities at or
        below u * total, for u ~ U[0, 1)."""
        with no_grad():
            cumulative = ops.cumsum(self.probs, -1)
            u = rand(self._extended_shape(sample_shape) + (1,), dtype=self.probs.dtype,
                     device=self.probs.device)
            below = cumulative <= u * cumulative[..., -1:]
            return ops.clamp(below.to(int64).sum(-1), max=self._num_events - 1)

    def log_prob(self, value: Tensor) -> Tensor:
        """logits[value], broadcasting ``value`` with the batch."""
        if self._validate_args:
            self._validate_sample(value)
        value = value.to(int64).unsqueeze(-1)
        value, log_pmf = ops.broadcast_tensors(value, self.logits)
        return ops.gather(log_pmf, -1, value[..., :1]).squeeze(-1)

    def entropy(self) -> Tensor:
        """-sum p log p (logits clamped to the dtype's min, so 0 log 0 is 0, not nan)."""
        logits = ops.clamp(self.logits, min=dtypes.finfo(self.logits.dtype).min)
        return -(logits * self.probs).sum(-1)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        values = arange(self._num_events, dtype=int64, device=self._param().device)
        values = values.reshape((-1,) + (1,) * len(self._batch_shape))
        return values.expand((-1,) + self._batch_shape) if expand else values

    def _param(self) -> Tensor:
        """The parameter given to the constructor (``probs`` or ``logits``)."""
        return self.__dict__["probs"] if "probs" in self.__dict__ else self.__dict__["logits"]
