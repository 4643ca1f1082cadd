"""``OneHotCategorical``: a ``Categorical`` whose draws are one-hot vectors of length K."""

from __future__ import annotations

from collections.abc import Sequence

from .. import ops
from ..creation import arange
from ..dtypes import int64
from ..tensor import Tensor
from . import constraints
from .categorical import Categorical
from .distribution import Distribution


def one_hot(index: Tensor, num_classes: int, like: Tensor) -> Tensor:
    """``index`` as one-hot vectors along a new last dimension, in ``like``'s dtype."""
    classes = arange(num_classes, dtype=int64, device=index.device)
    return (index.unsqueeze(-1) == classes).to(like.dtype)


class OneHotCategorical(Distribution):
    """The same law as ``Categorical(probs)`` (or ``logits``), but a draw of class k is the
    vector with a 1 at k: its ``event_shape`` is ``(K,)``.

    >>> OneHotCategorical(probs=tensor([0.0, 1.0])).sample().tolist()
    [0.0, 1.0]
    """

    arg_constraints = {"probs": constraints.simplex,
                       "logits": constraints.independent(constraints.real, 1)}
    support = constraints.one_hot
    has_enumerate_support = True

    def __init__(self, probs: Tensor | None = None, logits: Tensor | None = None,
                 validate_args: bool | None = None) -> None:
        self._categorical = Categorical(probs, logits, validate_args=validate_args)
        super().__init__(self._categorical.batch_shape, self._categorical.param_shape[-1:],
                         validate_args=validate_args)

    def expand(self, batch_shape: Sequence[int], _instance: Distribution | None = None
               ) -> OneHotCategorical:
        new = type(self).__new__(type(self)) if _instance is None else _instance
        new._categorical = self._categorical.expand(batch_shape)
        Distribution.__init__(new, new._categorical.batch_shape, self._event_shape,
                              validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def probs(self) -> Tensor:
        return self._categorical.probs

    @property
    def logits(self) -> Tensor:
        return self._categorical.logits

    @property
    def param_shape(self) -> tuple[int, ...]:
        return self._categorical.param_shape

    @property
    def mean(self) -> Tensor:
        return self.probs

    @property
    def mode(self) -> Tensor:
        return one_hot(ops.argmax(self.probs, -1), self._event_shape[0], self.probs)

    @property
    def variance(self) -> Tensor:
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        index = self._categorical.sample(sample_shape)
        return one_hot(index, self._event_shape[0], self.probs)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return self._categorical.log_prob(ops.argmax(value, -1))

    def entropy(self) -> Tensor:
        return self._categorical.entropy()

    def enumerate_support(self, expand: bool = True) -> Tensor:
        n = self._event_shape[0]
        values = one_hot(arange(n, dtype=int64, device=self.probs.device), n, self.probs)
        values = values.reshape((n,) + (1,) * len(self._batch_shape) + (n,))
        return values.expand((n,) + self._batch_shape + (n,)) if expand else values

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._categorical!r})"
