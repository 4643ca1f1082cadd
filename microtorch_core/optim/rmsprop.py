"""RMSprop (Hinton, Coursera lecture 6e, 2012), with PyTorch's update rule: optional
momentum, the centered variant of Graves (2013), L2 weight decay and ``maximize``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..creation import zeros_like
from ..tensor import Tensor
from .optimizer import Optimizer, check_non_negative


class RMSprop(Optimizer):
    """PyTorch's RMSprop. For each parameter ``p`` with gradient ``g``::

        g = g + weight_decay * p
        v = alpha * v + (1 - alpha) * g * g          running mean of squares (square_avg)
        m = alpha * m + (1 - alpha) * g              running mean (grad_avg, centered only)
        d = sqrt(v - m * m) + eps  if centered  else  sqrt(v) + eps
        b = momentum * b + g / d;  p = p - lr * b     (momentum > 0; momentum_buffer)
        p = p - lr * g / d                            (otherwise)

    Dividing by the root of the running mean square gives every weight a step of about
    ``lr``, whatever the scale of its gradient. The centered variant divides by an estimate
    of the gradient's standard deviation instead. ``state[p]`` holds ``step`` (an int; PyTorch
    keeps a 0-d tensor), ``square_avg`` and, when used, ``momentum_buffer`` and ``grad_avg``.

    >>> opt = RMSprop(model.parameters(), lr=1e-2, momentum=0.9)
    >>> loss.backward(); opt.step(); opt.zero_grad()
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1e-2,
                 alpha: float = 0.99, eps: float = 1e-8, weight_decay: float = 0,
                 momentum: float = 0, centered: bool = False, *,
                 maximize: bool = False) -> None:
        check_non_negative(lr=lr, eps=eps, momentum=momentum, weight_decay=weight_decay,
                           alpha=alpha)
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered, maximize=maximize))

    def _update(self, p: Tensor, grad: Tensor, group: dict[str, Any]) -> None:
        alpha, momentum = group["alpha"], group["momentum"]
        state = self.state.setdefault(p, {})
        if not state:  # lazy init: the averages get p's shape, dtype and device
            state["step"] = 0
            state["square_avg"] = zeros_like(p)
            if momentum > 0:
                state["momentum_buffer"] = zeros_like(p)
            if group["centered"]:
                state["grad_avg"] = zeros_like(p)
        state["step"] += 1
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * p
        square_avg = state["square_avg"]
        square_avg.mul_(alpha).add_(grad * grad, alpha=1 - alpha)
        if group["centered"]:
            grad_avg = state["grad_avg"]
            grad_avg.add_((grad - grad_avg) * (1 - alpha))  # = lerp(m, g, 1 - alpha)
            avg = (square_avg - grad_avg * grad_avg).sqrt()
        else:
            avg = square_avg.sqrt()
        avg = avg + group["eps"]
        if momentum > 0:
            buf = state["momentum_buffer"]
            buf.mul_(momentum).add_(grad / avg)
            p.add_(buf, alpha=-group["lr"])
        else:
            p.add_(grad / avg, alpha=-group["lr"])
