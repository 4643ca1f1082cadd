"""Adagrad (Duchi, Hazan & Singer, 2011), with PyTorch's update rule: a learning rate that
decays with the step count, L2 weight decay and ``maximize``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..creation import full_like
from ..tensor import Tensor
from .optimizer import Optimizer, check_non_negative


class Adagrad(Optimizer):
    """PyTorch's Adagrad. At step t, for each parameter ``p`` with gradient ``g``::

        g = g + weight_decay * p
        clr = lr / (1 + (t - 1) * lr_decay)
        s = s + g * g                           sum of squared gradients (state "sum")
        p = p - clr * g / (sqrt(s) + eps)

    Weights with large past gradients take small steps and rarely-updated weights large
    ones; as ``s`` only grows, the steps shrink over time. As PyTorch, the state (``step``, an
    int where PyTorch keeps a 0-d tensor, and ``sum``, filled with the group's
    ``initial_accumulator_value``) is created for every parameter up front, in the
    constructor and in ``add_param_group``, so it is in ``state_dict()`` before the first step.

    >>> opt = Adagrad(model.parameters(), lr=1e-2)
    >>> loss.backward(); opt.step(); opt.zero_grad()
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1e-2,
                 lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, *,
                 maximize: bool = False) -> None:
        check_non_negative(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                           initial_accumulator_value=initial_accumulator_value, eps=eps)
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, eps=eps,
                                      weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      maximize=maximize))

    def add_param_group(self, group: dict[str, Any]) -> None:
        """Add a group of parameters and create their accumulators."""
        super().add_param_group(group)
        group = self.param_groups[-1]
        for p in group["params"]:
            self.state[p] = {"step": 0,
                             "sum": full_like(p, group["initial_accumulator_value"])}

    def _update(self, p: Tensor, grad: Tensor, group: dict[str, Any]) -> None:
        state = self.state[p]
        state["step"] += 1
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * p
        clr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        state["sum"].add_(grad * grad)
        std = state["sum"].sqrt() + group["eps"]
        p.add_(grad / std, alpha=-clr)
