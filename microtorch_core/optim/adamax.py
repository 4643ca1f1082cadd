"""Adamax (Kingma & Ba, 2015, section 7.1): Adam with the infinity norm in place of the second
moment, with PyTorch's update rule, L2 weight decay and ``maximize``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..creation import zeros_like
from ..tensor import Tensor
from .optimizer import Optimizer, check_betas, check_non_negative


class Adamax(Optimizer):
    """PyTorch's Adamax. At step t, for each parameter ``p`` with gradient ``g``::

        g = g + weight_decay * p
        m = beta1 * m + (1 - beta1) * g                 first moment (state "exp_avg")
        u = max(beta2 * u, |g| + eps)                    infinity norm (state "exp_inf")
        p = p - lr / (1 - beta1^t) * m / u

    Adam divides by the root of a running mean of g^2; as the power in that mean goes to
    infinity it becomes a decaying maximum of |g|, which needs no bias correction and makes
    the step at most about ``lr`` per weight. ``state[p]`` holds ``step`` (an int; PyTorch
    keeps a 0-d tensor), ``exp_avg`` and ``exp_inf``.

    >>> opt = Adamax(model.parameters(), lr=2e-3)
    >>> loss.backward(); opt.step(); opt.zero_grad()
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, *, maximize: bool = False) -> None:
        check_non_negative(lr=lr, eps=eps)
        check_betas(betas)
        check_non_negative(weight_decay=weight_decay)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, maximize=maximize))

    def _update(self, p: Tensor, grad: Tensor, group: dict[str, Any]) -> None:
        beta1, beta2 = group["betas"]
        state = self.state.setdefault(p, {})
        if not state:  # lazy init: the moments get p's shape, dtype and device
            state["step"] = 0
            state["exp_avg"] = zeros_like(p)
            state["exp_inf"] = zeros_like(p)
        state["step"] += 1
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * p
        m, u = state["exp_avg"], state["exp_inf"]
        m.add_((grad - m) * (1 - beta1))  # = lerp(m, grad, 1 - beta1)
        u.copy_(u.mul_(beta2).maximum(grad.abs() + group["eps"]))
        clr = group["lr"] / (1 - beta1 ** state["step"])
        p.add_(m / u, alpha=-clr)
