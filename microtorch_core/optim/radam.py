"""RAdam (Liu et al., 2020): Adam with a rectified adaptive learning rate, with PyTorch's update
rule, L2 or decoupled weight decay and ``maximize``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..creation import zeros_like
from ..tensor import Tensor
from .adam import adam_moments
from .optimizer import Optimizer, check_betas, check_non_negative


class RAdam(Optimizer):
    """PyTorch's RAdam. At step t, for each parameter ``p`` with gradient ``g``::

        g = g + weight_decay * p          (L2 penalty folded into the gradient)
        p = p * (1 - lr * weight_decay)   (decoupled_weight_decay, instead)
        m = beta1 * m + (1 - beta1) * g;  v = beta2 * v + (1 - beta2) * g * g
        m_hat = m / (1 - beta1^t)
        rho_inf = 2 / (1 - beta2) - 1;  rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t)
        if rho_t > 5:
            r = sqrt((rho_t - 4) (rho_t - 2) rho_inf / ((rho_inf - 4) (rho_inf - 2) rho_t))
            p = p - lr * m_hat * r * sqrt(1 - beta2^t) / (sqrt(v) + eps)
        else:
            p = p - lr * m_hat                                    (plain momentum SGD)

    In the first steps the second moment ``v`` rests on a handful of gradients and its
    variance is large; ``rho_t`` estimates how many it effectively averages. Until that is
    more than 5 RAdam takes momentum steps, then it scales Adam's step by ``r``, which grows
    towards 1: a warm-up derived from ``beta2`` rather than tuned. ``state[p]`` holds ``step``
    (an int; PyTorch keeps a 0-d tensor), ``exp_avg`` and ``exp_avg_sq``.

    >>> opt = RAdam(model.parameters(), lr=1e-3)
    >>> loss.backward(); opt.step(); opt.zero_grad()
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, decoupled_weight_decay: bool = False, *,
                 maximize: bool = False) -> None:
        check_non_negative(lr=lr, eps=eps)
        check_betas(betas)
        check_non_negative(weight_decay=weight_decay)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay,
                                      decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize))

    def _update(self, p: Tensor, grad: Tensor, group: dict[str, Any]) -> None:
        beta1, beta2 = group["betas"]
        lr = group["lr"]
        state = self.state.setdefault(p, {})
        if not state:  # lazy init: the moments get p's shape, dtype and device
            state["step"] = 0
            state["exp_avg"] = zeros_like(p)
            state["exp_avg_sq"] = zeros_like(p)
        t, _ = adam_moments(p, grad, state, group)
        m, v = state["exp_avg"], state["exp_avg_sq"]
        bias_correction2 = 1 - beta2 ** t
        m_hat = m / (1 - beta1 ** t)
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * t * beta2 ** t / bias_correction2
        if rho_t > 5.0:
            rect = ((rho_t - 4) * (rho_t - 2) * rho_inf
                    / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
            adaptive_lr = bias_correction2 ** 0.5 / (v.sqrt() + group["eps"])
            p.sub_(m_hat * lr * adaptive_lr * rect)
        else:
            p.sub_(m_hat * lr)
