"""Adam (Kingma & Ba, 2015) and AdamW (Loshchilov & Hutter, 2019), with PyTorch's update
rules, so that the same gradients give the same trajectory to float precision."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .. import dtypes
from ..creation import tensor, zeros, zeros_like
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

    ``capturable=True`` (PyTorch's flag) keeps ``step`` in a 0-d tensor on the parameter's
    device and computes the bias corrections with tensor ops, so a step captured in a graph
    (``microtorch_core.graphs``) advances the count at every replay; ``lr`` may then be a 0-d
    tensor too, which LR schedulers update in place.

    >>> opt = Adam(model.parameters(), lr=1e-3)
    >>> loss.backward(); opt.step(); opt.zero_grad()
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, maximize: bool = False,
                 capturable: bool = False, decoupled_weight_decay: bool = False) -> None:
        check_non_negative(lr=lr, eps=eps)
        check_betas(betas)
        check_non_negative(weight_decay=weight_decay)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize, capturable=capturable,
                                      decoupled_weight_decay=decoupled_weight_decay))

    def _update(self, p: Tensor, grad: Tensor, group: dict[str, Any]) -> None:
        beta1, beta2 = group["betas"]
        lr, eps = group["lr"], group["eps"]
        capturable = group.get("capturable", False)
        state = self.state.setdefault(p, {})
        if not state:  # lazy init: the moments get p's shape, dtype and device
            state["step"] = _step_tensor(0, p) if capturable else 0
            state["exp_avg"] = zeros_like(p)
            state["exp_avg_sq"] = zeros_like(p)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = zeros_like(p)
        elif capturable and not isinstance(state["step"], Tensor):  # loaded from a plain run
            state["step"] = _step_tensor(state["step"], p)
        t, _ = adam_moments(p, grad, state, group)
        m, v = state["exp_avg"], state["exp_avg_sq"]
        if group["amsgrad"]:
            v = state["max_exp_avg_sq"].copy_(v.maximum(state["max_exp_avg_sq"]))
        if capturable:
            # t (and maybe lr) are tensors: the kernels read them, so replays see new values
            bias_correction1 = 1 - beta1 ** t
            bias_correction2_sqrt = (1 - beta2 ** t).sqrt()
            denom = v.sqrt() / bias_correction2_sqrt + eps
            p.sub_(m / denom * (lr / bias_correction1))
            return
        if isinstance(lr, Tensor):
            lr = lr.item()
        bias_correction1 = 1 - beta1 ** t
        bias_correction2_sqrt = (1 - beta2 ** t) ** 0.5
        denom = v.sqrt() / bias_correction2_sqrt + eps
        p.add_(m / denom, alpha=-lr / bias_correction1)

    def _capturable(self, group: dict[str, Any]) -> bool:
        return group.get("capturable", False)


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


def _step_tensor(step: int | float, p: Tensor) -> Tensor:
    """A capturable step count: a 0-d tensor of the default float dtype on ``p``'s device,
    as PyTorch's (float, so that ``beta ** step`` is one kernel)."""
    if step == 0:
        return zeros((), dtype=dtypes.get_default_dtype(), device=p.device)
    return tensor(float(step), dtype=dtypes.get_default_dtype(), device=p.device)


class AdamW(Adam):
    """Adam with decoupled weight decay: the decay shrinks the weights directly instead of
    being added to the gradient, so adaptive scaling does not weaken it. Default
    ``weight_decay`` 1e-2, as PyTorch."""

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False, capturable: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         capturable=capturable, decoupled_weight_decay=True)
