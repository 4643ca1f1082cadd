"""Gradient clipping, as ``torch.nn.utils.clip_grad``.

Everything here is written with Tensor ops, so it runs on whatever device the parameters
live on; both functions change ``p.grad`` in place, under ``no_grad``.

>>> loss.backward()
>>> clip_grad_norm_(model.parameters(), max_norm=1.0)
>>> opt.step()
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from ...autograd.grad_mode import no_grad
from ...creation import tensor
from ...ops import stack
from ...tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _as_list(parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    return [parameters] if isinstance(parameters, Tensor) else list(parameters)


def _vector_norm(x: Tensor, p: float) -> Tensor:
    """The p-norm of all of ``x``'s elements, as ``torch.linalg.vector_norm``: the largest
    (``inf``) or smallest (``-inf``) magnitude, the count of non-zeros (0), else
    (sum |x|^p)^(1/p)."""
    if p == math.inf:
        return x.abs().amax()
    if p == -math.inf:
        return x.abs().amin()
    if p == 0:
        return (x != 0).sum().to(x.dtype)
    if p == 1:
        return x.abs().sum()
    if p == 2:
        return (x * x).sum().sqrt()
    return (x.abs() ** p).sum() ** (1.0 / p)


def _norm_type(norm_type: float | str) -> float:
    try:
        return float(norm_type)
    except (TypeError, ValueError):
        raise ValueError(f"norm_type must be a number or 'inf', got {norm_type!r}") from None


@no_grad()
def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float,
                    norm_type: float | str = 2.0, error_if_nonfinite: bool = False) -> Tensor:
    """Scale the gradients so that their total ``norm_type``-norm is at most ``max_norm``.

    The total norm is taken over all gradients as if they were one vector (PyTorch computes
    each gradient's norm, then the norm of those norms; so does this). Every gradient is then
    multiplied, in place, by ``min(max_norm / (total_norm + 1e-6), 1)``. Returns the total norm
    from before clipping, as a 0-d tensor; parameters without a gradient are skipped.
    ``norm_type`` may be ``inf`` (or ``"inf"``) for the largest magnitude.

    >>> total = clip_grad_norm_(model.parameters(), max_norm=1.0)
    >>> if total > 100: print("exploding gradients")
    """
    p = _norm_type(norm_type)
    max_norm = float(max_norm)
    if not max_norm >= 0:
        raise ValueError(f"max_norm must be non-negative, got {max_norm}")
    grads = [param.grad for param in _as_list(parameters) if param.grad is not None]
    if not grads:
        return tensor(0.0)
    device = grads[0].device
    norms = [_vector_norm(g, p).to(device) for g in grads]
    total_norm = _vector_norm(stack(norms), p)
    if error_if_nonfinite and not math.isfinite(total_norm.item()):
        raise RuntimeError(f"The total norm of order {p} for gradients from `parameters` is "
                           f"non-finite ({total_norm.item()}), so it cannot be clipped. To "
                           "disable this error and scale the gradients by the non-finite norm "
                           "anyway, set `error_if_nonfinite=False`")
    # clamped to 1 so that small gradients are never scaled up
    coef = (max_norm / (total_norm + 1e-6)).clamp(max=1.0)
    for g in grads:
        g.mul_(coef.to(g.device))
    return total_norm


@no_grad()
def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float) -> None:
    """Clamp every gradient, in place, into ``[-clip_value, clip_value]``.

    >>> clip_grad_value_(model.parameters(), clip_value=0.5)
    """
    clip_value = float(clip_value)
    if not clip_value >= 0:
        raise ValueError(f"clip_value must be non-negative, got {clip_value}")
    for param in _as_list(parameters):
        if param.grad is not None:
            param.grad.clamp_(min=-clip_value, max=clip_value)
