"""Adam (Kingma & Ba, 2015) and AdamW (Loshchilov & Hutter, 2019), with PyTorch's update
rules, so that the same gradients give the same trajectory to float precision."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..creation import zeros_like
from ..tensor import Tensor
from .optimizer import Optimizer, check_betas, check_non_negative


class Adam(Optimizer):
    """PyTorch's Adam. At step t, for each parameter ``p`` with gradient ``g``::

        g = g + weight_decay * p          (Adam: L2 penalty folded into the gradient)
        p = p * (1 - lr * weight_decay)   (AdamW: decoupled weight decay, instead)
        m = beta1 * m + (1 - beta1) * g               first moment
        v = beta2 * v + (1 - beta2) * g * g           second moment
        v_max = max(v_max, v); use v_max for v        (amsgrad only)
        p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)

    The two divisions by (1 - beta^t) are the bias correction: m and v start at zero.
    ``state[p]`` holds ``step`` (an int; PyTorch keeps a 0-d tensor), ``exp_avg``,
    ``exp_avg_sq`` and, with amsgrad, ``max_exp_avg_sq``.

    >>> opt = Adam(model.parameters(), lr=1e-3)
    >>> loss.backward(); opt.step(); opt.zero_grad()
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, maximize: bool = False,
                 decoupled_weight_decay: bool = False) -> None:
        check_non_negative(lr=lr, eps=eps)
        check_betas(betas)
        check_non_negative(weight_decay=weight_decay)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize,
                                      decoupled_weight_decay=decoupled_weight_decay))

    def _update(self, p: Tensor, grad: Tensor, group: dict[str, Any]) -> None:
        beta1, beta2 = group["betas"]
        lr, eps = group["lr"], group["eps"]
        state = self.state.setdefault(p, {})
        if not state:  # lazy init: the moments get p's shape, dtype and device
            state["step"] = 0
            state["exp_avg"] = zeros_like(p)
            state["exp_avg_sq"] = zeros_like(p)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = zeros_like(p)
        t, _ = adam_moments(p, grad, state, group)
        m, v = state["exp_avg"], state["exp_avg_sq"]
        if group["amsgrad"]:
            v = state["max_exp_avg_sq"].copy_(v.maximum(state["max_exp_avg_sq"]))
        bias_correction1 = 1 - beta1 ** t
        bias_correction2_sqrt = (1 - beta2 ** t) ** 0.5
        denom = v.sqrt() / bias_correction2_sqrt + eps
        p.add_(m / denom, alpha=-lr / bias_correction1)


def adam_moments(p: Tensor, grad: Tensor, state: dict[str, Any], group: dict[str, Any]
                 ) -> tuple[int, Tensor]:
    """What Adam, NAdam and RAdam do alike at each step: count it, apply weight decay (an L2
    penalty added to the gradient, or, decoupled, ``p`` shrunk by ``lr * weight_decay``),
    and move the moments ``exp_avg`` and ``exp_avg_sq`` toward the gradient and its square.
    Returns the step number and the gradient after weight decay."""
    beta1, beta2 = group["betas"]
    lr, weight_decay = group["lr"], group["weight_decay"]
    state["step"] += 1
    if weight_decay:
        if group["decoupled_weight_decay"]:
            p.mul_(1 - lr * weight_decay)
        else:
            grad = grad + weight_decay * p
    m, v = state["exp_avg"], state["exp_avg_sq"]
    m.add_((grad - m) * (1 - beta1))  # = lerp(m, grad, 1 - beta1)
    v.mul_(beta2).add_(grad * grad, alpha=1 - beta2)
    return state["step"], grad


class AdamW(Adam):
    """Adam with decoupled weight decay: the decay shrinks the weights directly instead of
    being added to the gradient, so adaptive scaling does not weaken it. Default
    ``weight_decay`` 1e-2, as PyTorch."""

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         decoupled_weight_decay=True)
