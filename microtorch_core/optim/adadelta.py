"""Adadelta (Zeiler, 2012), with PyTorch's update rule: a learning-rate multiplier, L2 weight
decay and ``maximize``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..creation import zeros_like
from ..tensor import Tensor
from .optimizer import Optimizer, check_non_negative


class Adadelta(Optimizer):
    """PyTorch's Adadelta. For each parameter ``p`` with gradient ``g``::

        g = g + weight_decay * p
        v = rho * v + (1 - rho) * g * g                    (state "square_avg")
        d = sqrt(u + eps) / sqrt(v + eps) * g              the step, before lr
        u = rho * u + (1 - rho) * d * d                    (state "acc_delta")
        p = p - lr * d

    The ratio of two running root-mean-squares, of past steps over gradients, gives each
    step the units of the parameter itself, so the method needs no base learning rate
    (``lr`` defaults to 1, a plain multiplier). ``state[p]`` holds ``step`` (an int; PyTorch
    keeps a 0-d tensor), ``square_avg`` and ``acc_delta``.

    >>> opt = Adadelta(model.parameters())
    >>> loss.backward(); opt.step(); opt.zero_grad()
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1.0,
                 rho: float = 0.9, eps: float = 1e-6, weight_decay: float = 0, *,
                 maximize: bool = False) -> None:
        check_non_negative(lr=lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho} (expected 0 <= rho <= 1)")
        check_non_negative(eps=eps, weight_decay=weight_decay)
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay,
                                      maximize=maximize))

    def _update(self, p: Tensor, grad: Tensor, group: dict[str, Any]) -> None:
        rho, eps = group["rho"], group["eps"]
        state = self.state.setdefault(p, {})
        if not state:  # lazy init: the averages get p's shape, dtype and device
            state["step"] = 0
            state["square_avg"] = zeros_like(p)
            state["acc_delta"] = zeros_like(p)
        state["step"] += 1
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * p
        square_avg, acc_delta = state["square_avg"], state["acc_delta"]
        square_avg.mul_(rho).add_(grad * grad, alpha=1 - rho)
        delta = (acc_delta + eps).sqrt() / (square_avg + eps).sqrt() * grad
        acc_delta.mul_(rho).add_(delta * delta, alpha=1 - rho)
        p.add_(delta, alpha=-group["lr"])
