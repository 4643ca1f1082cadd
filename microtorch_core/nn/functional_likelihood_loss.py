"""Negative log-likelihoods of real-valued targets under a predicted distribution, as in
``torch.nn.functional``: ``poisson_nll_loss`` (counts) and ``gaussian_nll_loss`` (a mean and
a variance). ``nn.functional`` re-exports them; ``nll_loss`` (class indices) is in
``functional_loss.py``.

Both are composites of Tensor ops. ``reduction`` is as in ``functional_loss.py``: PyTorch's
deprecated ``size_average``/``reduce`` are not accepted, and the arguments it lists after
them are keyword-only here.
"""

from __future__ import annotations

import math

from .. import ops
from ..autograd.grad_mode import no_grad
from ..creation import full_like
from ..tensor import Tensor
from .functional_loss import _check_sizes, _reduce

__all__ = ["poisson_nll_loss", "gaussian_nll_loss"]


def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True,  # noqa: A002
                     full: bool = False, *, eps: float = 1e-8,
                     reduction: str = "mean") -> Tensor:
    """The negative log-likelihood of counts ``target`` under a Poisson distribution of rate
    ``input`` (given as its log with ``log_input``, the default), dropping the constant
    log(target!): exp(x) - y x with ``log_input``, else x - y log(x + eps).

    With ``full``, log(target!) is added back through Stirling's approximation
    y log y - y + 0.5 log(2 pi y), for targets above 1 only (it is poor below, as in
    PyTorch).
    """
    _check_sizes("poisson_nll_loss", input, target)
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        big = target > 1
        # the approximation of each target <= 1 is computed at 1 and masked out: its log(0)
        # would give a nan gradient
        y = ops.where(big, target, 1.0)
        stirling = y * y.log() - y + 0.5 * (2 * math.pi * y).log()
        loss = loss + ops.where(big, stirling, 0.0)
    return _reduce(loss, reduction)


def gaussian_nll_loss(input: Tensor, target: Tensor, var: Tensor | float,  # noqa: A002
                      full: bool = False, eps: float = 1e-6,
                      reduction: str = "mean") -> Tensor:
    """The negative log-likelihood of ``target`` under a Gaussian of mean ``input`` and
    variance ``var``: 0.5 (log(max(var, eps)) + (input - target)^2 / max(var, eps)), plus
    0.5 log(2 pi) with ``full``.

    ``var`` has the input's shape (one variance per element), or it without the last dim,
    or it with one dim of size 1 (shared over that dim), or is a number. The clamp to
    ``eps`` keeps the loss finite and, as in PyTorch, does not stop the gradient: ``var``
    gets d/dvar at the clamped value.

    >>> gaussian_nll_loss(microtorch_core.zeros(2), microtorch_core.ones(2), 1.0)
    tensor(0.5000)
    """
    if isinstance(var, Tensor):
        if var.numel() and (var < 0).any().item():
            raise ValueError(f"var has negative entry/entries (smallest {var.amin().item()}): "
                             "a variance must be non-negative")
        var = _homoscedastic_var(var, input)
    else:
        if var < 0:
            raise ValueError(f"var has negative entry/entries (got {var}): a variance must be "
                             "non-negative")
        var = full_like(input, float(var))
    if reduction not in ("mean", "sum", "none"):
        _reduce(input, reduction)  # raises the error
    var = var.clone()
    with no_grad():  # in place and unrecorded: the gradient flows as if unclamped
        var.clamp_(min=eps)
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


def _homoscedastic_var(var: Tensor, input: Tensor) -> Tensor:  # noqa: A002
    """``var`` shaped to broadcast against ``input``, by PyTorch's rules."""
    if var.shape == input.shape:
        return var
    if var.shape == input.shape[:-1]:  # one variance per row, shared over the last dim
        return var.unsqueeze(-1)
    if var.dim() == input.dim() and sum(
            v for i, v in zip(input.shape, var.shape) if i != v) == 1:
        return var  # one dim of size 1, shared over that dim
    raise ValueError(f"var is of incorrect size: {tuple(var.shape)} for input of size "
                     f"{tuple(input.shape)} (expected the input's size, it without the last "
                     "dim, or it with one dim of size 1)")
