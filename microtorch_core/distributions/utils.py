"""Helpers shared by the distributions: parameter broadcasting, probabilities <-> logits,
cached properties, and the numerically careful small functions (softplus, clamped probs)
they are written with.

These are composites of Tensor ops, so they run on every backend and are differentiable.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from numbers import Number
from typing import Any

from .. import dtypes, ops
from ..creation import tensor
from ..tensor import Tensor

Shape = tuple[int, ...]


def as_shape(size: int | Sequence[int]) -> Shape:
    """``sample_shape`` and ``batch_shape`` arguments as a tuple of ints (an int means
    ``(int,)``, as ``torch.Size`` would read it)."""
    if isinstance(size, int):
        return (size,)
    return tuple(int(s) for s in size)


def broadcast_all(*values: Tensor | Number) -> tuple[Tensor, ...]:
    """The parameters as tensors of one broadcast shape. Python numbers take the dtype and
    device of the first tensor among them (the default dtype if there is none), as in
    ``torch.distributions.utils.broadcast_all``.

    >>> [v.shape for v in broadcast_all(tensor([1.0, 2.0]), 0.5)]
    [(2,), (2,)]
    """
    for v in values:
        if not isinstance(v, (Tensor, Number)):
            raise ValueError(f"Input arguments must all be instances of numbers or tensors, "
                             f"got {type(v).__name__}")
    like = next((v for v in values if isinstance(v, Tensor)), None)
    if like is None:
        dtype, device = dtypes.get_default_dtype(), None
    else:
        dtype, device = like.dtype, like.device
        if not dtype.is_floating_point:
            dtype = dtypes.get_default_dtype()
    as_tensors = [v if isinstance(v, Tensor) else tensor(float(v), dtype=dtype, device=device)
                  for v in values]
    return tuple(ops.broadcast_tensors(*as_tensors))


def as_parameter(value: Tensor | Number) -> Tensor:
    """One parameter as a floating tensor (a Python number becomes a default-dtype scalar)."""
    return broadcast_all(value)[0]


def probs_or_logits(name: str, probs: Tensor | Number | None, logits: Tensor | Number | None
                    ) -> tuple[str, Tensor]:
    """The one parametrisation given (``"probs"`` or ``"logits"``) and its tensor."""
    if (probs is None) == (logits is None):
        raise ValueError(f"{name}: either `probs` or `logits` must be specified, but not both "
                         f"(got probs={probs!r}, logits={logits!r})")
    return ("probs", as_parameter(probs)) if probs is not None else \
        ("logits", as_parameter(logits))


class lazy_property:  # noqa: N801 - PyTorch's spelling
    """A property computed on first access and then stored on the instance, so that
    ``Bernoulli(probs=p)`` computes ``logits`` only if asked, and only once."""

    def __init__(self, fn: Callable[[Any], Any]) -> None:
        self.fn = fn
        self.__doc__ = fn.__doc__
        self.__name__ = fn.__name__

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        value = self.fn(instance)
        instance.__dict__[self.fn.__name__] = value  # shadows this descriptor from now on
        return value


def clamp_probs(probs: Tensor) -> Tensor:
    """Probabilities moved into [eps, 1 - eps], so that their logs and logits are finite."""
    eps = dtypes.finfo(probs.dtype).eps
    return ops.clamp(probs, min=eps, max=1 - eps)


def probs_to_logits(probs: Tensor, is_binary: bool = False) -> Tensor:
    """``log p`` (categorical) or ``log p - log(1 - p)`` (binary), from clamped probs."""
    p = clamp_probs(probs)
    return ops.log(p) - ops.log1p(-p) if is_binary else ops.log(p)


def logits_to_probs(logits: Tensor, is_binary: bool = False) -> Tensor:
    """``sigmoid(logits)`` (binary) or ``softmax(logits, -1)`` (categorical)."""
    return ops.sigmoid(logits) if is_binary else ops.softmax(logits, -1)


def softplus(x: Tensor) -> Tensor:
    """``log(1 + exp(x))``, as ``log1p(exp(x))`` below 0 and ``x + log1p(exp(-x))`` above:
    no exp overflows, and at 0 the second branch gives the true slope, 1/2."""
    below = ops.log1p(ops.exp(ops.clamp(x, max=0.0)))
    above = x + ops.log1p(ops.exp(-ops.clamp(x, min=0.0)))
    return ops.where(x < 0, below, above)


def bce_with_logits(logits: Tensor, target: Tensor) -> Tensor:
    """``-(t log sigmoid(l) + (1 - t) log sigmoid(-l))``, elementwise, from the logits."""
    return softplus(logits) - logits * target


def sum_rightmost(value: Tensor, dim: int) -> Tensor:
    """``value`` summed over its ``dim`` rightmost dimensions (none when ``dim == 0``)."""
    if dim == 0:
        return value
    return value.sum(tuple(range(-dim, 0)))
