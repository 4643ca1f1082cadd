"""``MixtureSameFamily(mixture, components)``: pick one of K components of the same family
with ``Categorical`` weights, then draw from it."""

from __future__ import annotations

from collections.abc import Sequence

from .. import ops
from ..autograd import no_grad
from ..dtypes import int64
from ..tensor import Tensor
from . import constraints
from .categorical import Categorical
from .distribution import Distribution
from .utils import as_shape


class MixtureSameFamily(Distribution):
    """A mixture: ``mixture_distribution`` is a ``Categorical`` over K components with batch
    shape B; ``component_distribution`` has batch shape B + (K,), its last batch dimension
    being the components. The mixture has batch shape B and the components' event shape.

    >>> mix = MixtureSameFamily(Categorical(probs=tensor([0.5, 0.5])),
    ...                         Normal(tensor([-1.0, 1.0]), tensor([1.0, 1.0])))
    >>> mix.mean.item()
    0.0
    """

    arg_constraints: dict[str, constraints.Constraint] = {}
    has_rsample = False

    def __init__(self, mixture_distribution: Categorical,
                 component_distribution: Distribution,
                 validate_args: bool | None = None) -> None:
        if not isinstance(mixture_distribution, Categorical):
            raise ValueError(f"The Mixture distribution needs to be an instance of "
                             f"torch.distributions.Categorical, got "
                             f"{type(mixture_distribution).__name__}")
        if not isinstance(component_distribution, Distribution):
            raise ValueError(f"The Component distribution needs to be an instance of "
                             f"torch.distributions.Distribution, got "
                             f"{type(component_distribution).__name__}")
        mix_batch = mixture_distribution.batch_shape
        comp_batch = component_distribution.batch_shape[:-1]
        for m, c in zip(reversed(mix_batch), reversed(comp_batch)):
            if m != 1 and c != 1 and m != c:
                raise ValueError(f"`mixture_distribution.batch_shape` ({mix_batch}) is not "
                                 f"compatible with `component_distribution.batch_shape`"
                                 f"({comp_batch})")
        k_mix = mixture_distribution.param_shape[-1]
        k_comp = component_distribution.batch_shape[-1]
        if k_mix != k_comp:
            raise ValueError(f"`mixture_distribution component` ({k_mix}) does not equal "
                             f"`component_distribution.batch_shape[-1]` ({k_comp})")
        self._mixture_distribution = mixture_distribution
        self._component_distribution = component_distribution
        self._num_component = k_mix
        self._event_ndims = len(component_distribution.event_shape)
        super().__init__(comp_batch, component_distribution.event_shape,
                         validate_args=validate_args)

    def expand(self, batch_shape: Sequence[int], _instance: Distribution | None = None
               ) -> MixtureSameFamily:
        batch_shape = as_shape(batch_shape)
        new = type(self).__new__(type(self)) if _instance is None else _instance
        new._component_distribution = self._component_distribution.expand(
            batch_shape + (self._num_component,))
        new._mixture_distribution = self._mixture_distribution.expand(batch_shape)
        new._num_component = self._num_component
        new._event_ndims = self._event_ndims
        Distribution.__init__(new, batch_shape, self._event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mixture_distribution(self) -> Categorical:
        return self._mixture_distribution

    @property
    def component_distribution(self) -> Distribution:
        return self._component_distribution

    @property
    def support(self) -> constraints.Constraint:
        return self._component_distribution.support

    def _pad(self, x: Tensor) -> Tensor:
        """A component axis before the event dimensions (to broadcast over components)."""
        return x.unsqueeze(-1 - self._event_ndims)

    def _weights(self) -> Tensor:
        """The mixture weights, shaped to broadcast with component means (B, K, 1...)."""
        probs = self._mixture_distribution.probs
        return probs.reshape(probs.shape + (1,) * self._event_ndims)

    @property
    def mean(self) -> Tensor:
        """sum_k w_k mean_k."""
        return (self._weights() * self._component_distribution.mean).sum(-1 - self._event_ndims)

    @property
    def variance(self) -> Tensor:
        """Law of total variance: E[var_k] + var(mean_k), under the weights w."""
        w, dim = self._weights(), -1 - self._event_ndims
        means = self._component_distribution.mean
        within = (w * self._component_distribution.variance).sum(dim)
        between = (w * (means - self._pad(self.mean)) ** 2).sum(dim)
        return within + between

    def cdf(self, value: Tensor) -> Tensor:
        """sum_k w_k cdf_k(x)."""
        cdf = self._component_distribution.cdf(self._pad(value))
        return (cdf * self._mixture_distribution.probs).sum(-1)

    def log_prob(self, value: Tensor) -> Tensor:
        """log sum_k w_k p_k(x), as a logsumexp of log w_k + log p_k(x)."""
        if self._validate_args:
            self._validate_sample(value)
        log_prob_x = self._component_distribution.log_prob(self._pad(value))  # (S, B, K)
        log_weights = ops.log_softmax(self._mixture_distribution.logits, -1)
        return ops.logsumexp(log_prob_x + log_weights, -1)

    def sample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        """A component index k from the mixture, then the k-th of a draw of every component
        (the draws of the components not picked are discarded)."""
        with no_grad():
            sample_shape = as_shape(sample_shape)
            mixture = self._mixture_distribution
            if mixture.batch_shape != self._batch_shape:  # broadcast: one index per batch
                mixture = mixture.expand(self._batch_shape)
            index = mixture.sample(sample_shape)  # (S, B)
            drawn = self._component_distribution.sample(sample_shape)  # (S, B, K, E)
            index = index.reshape(index.shape + (1,) * (1 + self._event_ndims))
            index = index.expand(index.shape[:-1 - self._event_ndims] + (1,)
                                 + self._event_shape).to(int64)
            return ops.gather(drawn, -1 - self._event_ndims, index).squeeze(
                -1 - self._event_ndims)

    def __repr__(self) -> str:
        return (f"MixtureSameFamily(\n  {self._mixture_distribution!r},\n  "
                f"{self._component_distribution!r})")
