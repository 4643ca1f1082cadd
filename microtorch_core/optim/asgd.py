"""Averaged SGD (Polyak & Juditsky, 1992; the step-size schedule of Bottou, 2012), with PyTorch's
update rule, L2 weight decay and ``maximize``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..creation import zeros_like
from ..tensor import Tensor
from .optimizer import Optimizer, check_non_negative


class ASGD(Optimizer):
    """PyTorch's ASGD. At step t, for each parameter ``p`` with gradient ``g``::

        g = g + weight_decay * p
        p = p * (1 - lambd * eta) - eta * g             SGD step, with a decay term
        ax = ax + mu * (p - ax)                         running average (ax = p while mu = 1)
        eta = lr / (1 + lambd * lr * t) ** alpha        the next step's size
        mu = 1 / max(1, t - t0)                         averaging starts after t0 steps

    The parameters themselves follow plain SGD with a slowly decaying step; the average of
    the iterates from step ``t0`` on, kept in ``state[p]["ax"]``, is the estimate with the
    good convergence guarantees: evaluate with it (copy it into the model) rather than with
    ``p``. ``state[p]`` also holds ``step`` (an int), ``eta`` and ``mu`` (floats; PyTorch keeps
    all three as 0-d tensors).

    >>> opt = ASGD(model.parameters(), lr=1e-2, t0=100)
    >>> loss.backward(); opt.step(); opt.zero_grad()
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1e-2,
                 lambd: float = 1e-4, alpha: float = 0.75, t0: float = 1e6,
                 weight_decay: float = 0, *, maximize: bool = False) -> None:
        check_non_negative(lr=lr, weight_decay=weight_decay)
        super().__init__(params, dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0,
                                      weight_decay=weight_decay, maximize=maximize))

    def _update(self, p: Tensor, grad: Tensor, group: dict[str, Any]) -> None:
        lr, lambd = group["lr"], group["lambd"]
        state = self.state.setdefault(p, {})
        if not state:  # lazy init: the average gets p's shape, dtype and device
            state["step"] = 0
            state["eta"] = lr
            state["mu"] = 1.0
            state["ax"] = zeros_like(p)
        state["step"] += 1
        t, eta = state["step"], state["eta"]
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * p
        p.mul_(1 - lambd * eta)
        p.add_(grad, alpha=-eta)
        ax = state["ax"]
        if state["mu"] != 1:
            ax.add_((p - ax) * state["mu"])
        else:
            ax.copy_(p)
        state["eta"] = lr / (1 + lambd * lr * t) ** group["alpha"]
        state["mu"] = 1 / max(1, t - group["t0"])
