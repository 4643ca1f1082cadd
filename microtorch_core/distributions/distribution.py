"""``Distribution``: the interface every distribution implements, as in
``torch.distributions``.

A distribution holds tensor parameters of one broadcast shape, its ``batch_shape``: a batch of
independent distributions. Each draws events of ``event_shape`` (``()`` for a scalar
distribution, ``(n,)`` for an ``n``-dimensional one). So ``sample(sample_shape)`` has shape
``sample_shape + batch_shape + event_shape`` and ``log_prob(value)`` has the shape of
``value`` without its event dimensions.

Validation is on by default (off under ``python -O``), as in PyTorch: the constructor checks
each parameter against ``arg_constraints``, and ``log_prob``, ``cdf`` and ``icdf`` check that
their value lies in the ``support``. ``Distribution.set_default_validate_args(False)`` turns it
off everywhere; ``validate_args=False`` for one distribution.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

from .. import ops
from ..autograd import no_grad
from ..tensor import Tensor
from . import constraints
from .utils import Shape, as_shape, lazy_property


class Distribution:
    """Base class of probability distributions.

    Subclasses set ``arg_constraints`` and ``support`` and implement what they can of
    ``rsample`` (or ``sample``), ``log_prob``, ``entropy``, ``mean``, ``mode``, ``variance``,
    ``cdf``, ``icdf`` and ``enumerate_support``; what they do not raises
    ``NotImplementedError``.
    """

    has_rsample = False
    has_enumerate_support = False
    _validate_args = __debug__
    arg_constraints: dict[str, constraints.Constraint] = {}

    @staticmethod
    def set_default_validate_args(value: bool) -> None:
        """Turn argument and sample validation on or off for every distribution created
        afterwards without an explicit ``validate_args``."""
        if value not in (True, False):
            raise ValueError(f"set_default_validate_args expects True or False, got {value!r}")
        Distribution._validate_args = value

    def __init__(self, batch_shape: Sequence[int] = (), event_shape: Sequence[int] = (),
                 validate_args: bool | None = None) -> None:
        self._batch_shape = as_shape(batch_shape)
        self._event_shape = as_shape(event_shape)
        if validate_args is not None:
            self._validate_args = validate_args
        if self._validate_args:
            self._check_parameters()

    def _check_parameters(self) -> None:
        for param, constraint in self.arg_constraints.items():
            if constraints.is_dependent(constraint):
                continue
            if param not in self.__dict__ and isinstance(getattr(type(self), param, None),
                                                         lazy_property):
                continue  # the other parametrisation (logits for probs): derived, not given
            value = getattr(self, param)
            if not bool(ops.all(constraint.check(value))):
                raise ValueError(
                    f"Expected parameter {param} ({type(value).__name__} of shape "
                    f"{tuple(value.shape)}) of distribution {self!r} to satisfy the "
                    f"constraint {constraint!r}, but found invalid values:\n{value}")

    # -- shapes ----------------------------------------------------------------------------
    @property
    def batch_shape(self) -> Shape:
        """The shape over which parameters are batched."""
        return self._batch_shape

    @property
    def event_shape(self) -> Shape:
        """The shape of one sample, without batching."""
        return self._event_shape

    def _extended_shape(self, sample_shape: Sequence[int] = ()) -> Shape:
        """``sample_shape + batch_shape + event_shape``: the shape of a sample."""
        return as_shape(sample_shape) + self._batch_shape + self._event_shape

    def expand(self, batch_shape: Sequence[int], _instance: Distribution | None = None
               ) -> Distribution:
        """The same distribution with its parameters expanded (as views, no copies) to
        ``batch_shape``. Each tensor in ``arg_constraints`` that the instance holds keeps its
        trailing (event) dimensions; arguments are not checked again."""
        batch_shape = as_shape(batch_shape)
        new = _instance if _instance is not None else type(self).__new__(type(self))
        for name, value in self.__dict__.items():
            if name in self.arg_constraints and isinstance(value, Tensor):
                trailing = value.shape[len(self._batch_shape):]
                value = value.expand(batch_shape + trailing)
            new.__dict__.setdefault(name, value)
        new._batch_shape = batch_shape
        return new

    # -- the interface -------------------------------------------------------------------
    @property
    def support(self) -> constraints.Constraint:
        """The set of values the distribution puts its mass on."""
        raise NotImplementedError(f"{type(self).__name__} does not define support")

    @property
    def mean(self) -> Tensor:
        """The mean, of shape ``batch_shape + event_shape``."""
        raise NotImplementedError(f"{type(self).__name__} does not implement mean")

    @property
    def mode(self) -> Tensor:
        """The mode (a most likely value)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement mode")

    @property
    def variance(self) -> Tensor:
        """The variance, of shape ``batch_shape + event_shape``."""
        raise NotImplementedError(f"{type(self).__name__} does not implement variance")

    @property
    def stddev(self) -> Tensor:
        """The standard deviation: the square root of the variance."""
        return self.variance.sqrt()

    def sample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        """A sample of shape ``sample_shape + batch_shape + event_shape``, outside autograd.
        The random numbers come from MicroTorch's default generator, so ``manual_seed``
        makes it reproducible."""
        with no_grad():
            return self.rsample(sample_shape)

    def rsample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        """A reparameterised sample: a differentiable function of the parameters and of
        parameter-free noise, so gradients flow from the sample to the parameters."""
        raise NotImplementedError(f"{type(self).__name__} does not implement rsample")

    def log_prob(self, value: Tensor) -> Tensor:
        """The log density (or log mass) at ``value``, of shape ``value``'s without the
        event dimensions."""
        raise NotImplementedError(f"{type(self).__name__} does not implement log_prob")

    def cdf(self, value: Tensor) -> Tensor:
        """The cumulative distribution function at ``value``."""
        raise NotImplementedError(f"{type(self).__name__} does not implement cdf")

    def icdf(self, value: Tensor) -> Tensor:
        """The inverse of the cumulative distribution function at ``value``."""
        raise NotImplementedError(f"{type(self).__name__} does not implement icdf")

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """Every value of a discrete distribution along dimension 0, of shape
        ``(cardinality,) + batch_shape + event_shape`` (size-1 batch dimensions if
        ``expand=False``)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement "
                                  f"enumerate_support")

    def entropy(self) -> Tensor:
        """The entropy, of shape ``batch_shape``."""
        raise NotImplementedError(f"{type(self).__name__} does not implement entropy")

    def perplexity(self) -> Tensor:
        """``exp(entropy)``."""
        return ops.exp(self.entropy())

    # -- validation ------------------------------------------------------------------------
    def _validate_sample(self, value: Tensor) -> None:
        """Check that ``value`` has the event shape on its right, broadcasts with
        ``batch_shape + event_shape`` and lies in the support (PyTorch's messages)."""
        if not isinstance(value, Tensor):
            raise ValueError("The value argument to log_prob must be a Tensor")
        shape = tuple(value.shape)
        n_event = len(self._event_shape)
        if shape[len(shape) - n_event:] != self._event_shape:
            raise ValueError(f"The right-most size of value must match event_shape: {shape} "
                             f"vs {self._event_shape}.")
        expected = self._batch_shape + self._event_shape
        for i, j in zip(reversed(shape), reversed(expected)):
            if i != 1 and j != 1 and i != j:
                raise ValueError(f"Value is not broadcastable with batch_shape+event_shape: "
                                 f"{shape} vs {expected}.")
        try:
            support = self.support
        except NotImplementedError:
            warnings.warn(f"{type(self).__name__} does not define `support` to enable sample "
                          f"validation. Please initialize the distribution with "
                          f"`validate_args=False` to turn off validation.", stacklevel=2)
            return
        if not bool(ops.all(support.check(value))):
            raise ValueError(
                f"Expected value argument ({type(value).__name__} of shape {shape}) to be "
                f"within the support ({support!r}) of the distribution {self!r}, but found "
                f"invalid values:\n{value}")

    def __repr__(self) -> str:
        shown = []
        for name in self.arg_constraints:
            value: Any = self.__dict__.get(name)
            if isinstance(value, Tensor):
                shown.append(f"{name}: {value.item() if value.numel() == 1 else value.shape}")
        return f"{type(self).__name__}({', '.join(shown)})"
