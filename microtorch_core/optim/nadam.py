"""NAdam (Dozat, 2016): Adam with Nesterov momentum, with PyTorch's update rule, including its
momentum-decay schedule, L2 or decoupled weight decay and ``maximize``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..creation import zeros_like
from ..tensor import Tensor
from .adam import adam_moments
from .optimizer import Optimizer, check_betas, check_non_negative


class NAdam(Optimizer):
    """PyTorch's NAdam. At step t, for each parameter ``p`` with gradient ``g``::

        g = g + weight_decay * p          (L2 penalty folded into the gradient)
        p = p * (1 - lr * weight_decay)   (decoupled_weight_decay, instead: "NAdamW")
        mu_t = beta1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))     momentum schedule
        prod_t = mu_1 * ... * mu_t                                  (state "mu_product")
        m = beta1 * m + (1 - beta1) * g;  v = beta2 * v + (1 - beta2) * g * g
        d = sqrt(v / (1 - beta2^t)) + eps
        p = p - lr * (1 - mu_t) / (1 - prod_t) * g / d
              - lr * mu_{t+1} / (1 - prod_t * mu_{t+1}) * m / d

    Nesterov momentum looks one step ahead: the update uses next step's momentum
    coefficient on ``m`` plus the bias-corrected current gradient. ``momentum_decay`` warms
    the coefficient up from about ``beta1 / 2`` towards ``beta1``. ``state[p]`` holds ``step``
    (an int) and ``mu_product`` (a float; PyTorch keeps both as 0-d tensors), ``exp_avg`` and
    ``exp_avg_sq``.

    >>> opt = NAdam(model.parameters(), lr=2e-3)
    >>> loss.backward(); opt.step(); opt.zero_grad()
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, maximize: bool = False) -> None:
        check_non_negative(lr=lr, eps=eps)
        check_betas(betas)
        check_non_negative(weight_decay=weight_decay, momentum_decay=momentum_decay)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, momentum_decay=momentum_decay,
                                      decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize))

    def _update(self, p: Tensor, grad: Tensor, group: dict[str, Any]) -> None:
        beta1, beta2 = group["betas"]
        lr, psi = group["lr"], group["momentum_decay"]
        state = self.state.setdefault(p, {})
        if not state:  # lazy init: the moments get p's shape, dtype and device
            state["step"] = 0
            state["mu_product"] = 1.0
            state["exp_avg"] = zeros_like(p)
            state["exp_avg_sq"] = zeros_like(p)
        t, grad = adam_moments(p, grad, state, group)
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (t * psi))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * psi))
        state["mu_product"] *= mu
        mu_product = state["mu_product"]
        m, v = state["exp_avg"], state["exp_avg_sq"]
        denom = (v / (1 - beta2 ** t)).sqrt() + group["eps"]
        p.add_(grad / denom, alpha=-lr * (1.0 - mu) / (1.0 - mu_product))
        p.add_(m / denom, alpha=-lr * mu_next / (1.0 - mu_product * mu_next))
