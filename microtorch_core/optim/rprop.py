"""Rprop, resilient backpropagation (Riedmiller & Braun, 1993), with PyTorch's update rule (the
variant without weight backtracking) and ``maximize``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..creation import full_like, zeros_like
from ..tensor import Tensor
from .optimizer import Optimizer, check_non_negative


class Rprop(Optimizer):
    """PyTorch's Rprop. For each weight, with gradient ``g`` and last step's gradient ``g'``::

        s = s * etaplus   if g * g' > 0      same sign: speed up   (state "step_size")
        s = s * etaminus  if g * g' < 0      sign flipped: overshot, slow down
        s = clamp(s, step_size_min, step_size_max)
        g = 0             if g * g' < 0      skip this step, and forget g for the next one
        p = p - sign(g) * s;  g' = g         (state "prev")

    Only the sign of the gradient is used; every weight adapts its own step size, starting
    from ``lr``. Meant for full-batch training: noisy minibatch gradients flip signs at random.
    ``state[p]`` holds ``step`` (an int; PyTorch keeps a 0-d tensor), ``prev`` and ``step_size``.

    >>> opt = Rprop(model.parameters(), lr=1e-2)
    >>> loss.backward(); opt.step(); opt.zero_grad()
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1e-2,
                 etas: tuple[float, float] = (0.5, 1.2),
                 step_sizes: tuple[float, float] = (1e-6, 50), *,
                 maximize: bool = False) -> None:
        check_non_negative(lr=lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]} (expected "
                             "0 < etaminus < 1 < etaplus)")
        super().__init__(params, dict(lr=lr, etas=tuple(etas), step_sizes=tuple(step_sizes),
                                      maximize=maximize))

    def _update(self, p: Tensor, grad: Tensor, group: dict[str, Any]) -> None:
        etaminus, etaplus = group["etas"]
        step_size_min, step_size_max = group["step_sizes"]
        state = self.state.setdefault(p, {})
        if not state:  # lazy init: prev of zeros makes the first step a plain sign step
            state["step"] = 0
            state["prev"] = zeros_like(p)
            state["step_size"] = full_like(p, group["lr"])
        state["step"] += 1
        sign = (grad * state["prev"]).sign()
        factor = full_like(p, 1.0)
        factor.masked_fill_(sign > 0, etaplus)
        factor.masked_fill_(sign < 0, etaminus)
        state["step_size"].mul_(factor).clamp_(step_size_min, step_size_max)
        grad = grad.masked_fill(sign < 0, 0.0)
        p.sub_(grad.sign() * state["step_size"])
        state["prev"].copy_(grad)
