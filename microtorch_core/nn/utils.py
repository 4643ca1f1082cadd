"""Gradient clipping and flat parameter vectors, as ``torch.nn.utils``.

Everything here is written with Tensor ops, so it runs on whatever device the parameters
live on; the clipping functions change ``p.grad`` in place, under ``no_grad``.

>>> loss.backward()
>>> clip_grad_norm_(model.parameters(), max_norm=1.0)
>>> opt.step()
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from ..autograd.grad_mode import no_grad
from ..creation import tensor
from ..ops import cat, stack
from ..tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector",
           "vector_to_parameters"]


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


def _check_same_device(params: list[Tensor]) -> None:
    for i, param in enumerate(params):
        if param.device != params[0].device:
            raise TypeError(f"Found two parameters on different devices ({params[0].device} "
                            f"at index 0, {param.device} at index {i}), this is currently not "
                            "supported.")


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All parameters flattened and joined into one 1-d tensor (a copy, still in the graph).

    >>> vec = parameters_to_vector(model.parameters())   # shape (number of weights,)
    """
    params = _as_list(parameters)
    if not params:
        raise ValueError("parameters_to_vector() got an empty list of parameters")
    _check_same_device(params)
    return cat([param.reshape(-1) for param in params])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """The inverse of ``parameters_to_vector``: point each parameter's ``data`` at its slice of
    ``vec``, reshaped (as PyTorch, the parameters then share ``vec``'s storage).

    >>> vector_to_parameters(vec * 0.5, model.parameters())
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected Tensor, but got: {type(vec).__name__}")
    params = _as_list(parameters)
    _check_same_device(params)
    needed = sum(param.numel() for param in params)
    if vec.dim() != 1 or vec.numel() != needed:
        raise ValueError(f"vec must be a 1-d tensor of {needed} elements (the parameters' "
                         f"total), got shape {tuple(vec.shape)}")
    if params and vec.device != params[0].device:
        raise TypeError(f"vec is on {vec.device} but the parameters are on {params[0].device}")
    start = 0
    for param in params:
        n = param.numel()
        param.data = vec[start:start + n].reshape(param.shape).data
        start += n
