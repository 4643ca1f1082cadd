"""``nn.functional``: layers and losses as plain functions, as ``torch.nn.functional``.

Everything here is a composite of Tensor ops, so it runs on every backend and its gradient
comes from autograd; the modules in ``nn`` are thin wrappers that hold parameters.
"""

from __future__ import annotations

import math

from .. import dtypes, ops
from ..autograd.grad_mode import no_grad
from ..creation import rand
from ..tensor import Tensor
from .functional_spatial import (
    avg_pool1d,
    avg_pool2d,
    conv1d,
    conv2d,
    max_pool1d,
    max_pool2d,
    pad,
)

__all__ = ["linear", "relu", "gelu", "sigmoid", "tanh", "softmax", "log_softmax", "dropout",
           "batch_norm", "mse_loss", "nll_loss", "cross_entropy", "pad", "conv1d", "conv2d",
           "max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d"]

softmax = ops.softmax
log_softmax = ops.log_softmax
sigmoid = ops.sigmoid
tanh = ops.tanh


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:  # noqa: A002
    """y = x W^T + b, with ``weight`` of shape (out_features, in_features)."""
    out = input @ weight.t()
    return out + bias if bias is not None else out


def relu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """max(x, 0)"""
    return input.relu_() if inplace else ops.relu(input)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:  # noqa: A002
    """x * Phi(x), Phi the standard normal CDF: exact with ``erf``, or PyTorch's ``'tanh'``
    approximation 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""
    if approximate == "none":
        return 0.5 * input * (1 + ops.erf(input * (1 / math.sqrt(2.0))))
    if approximate == "tanh":
        inner = math.sqrt(2.0 / math.pi) * (input + 0.044715 * input * input * input)
        return 0.5 * input * (1 + ops.tanh(inner))
    raise ValueError(f"approximate argument must be either 'none' or 'tanh', got "
                     f"{approximate!r}")


def dropout(input: Tensor, p: float = 0.5, training: bool = True,  # noqa: A002
            inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by 1/(1-p), so the
    expected value is unchanged; the identity when not ``training``."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0
    keep = rand(input.shape, dtype=input.dtype, device=input.device) < (1 - p)
    out = ops.where(keep, input * (1.0 / (1 - p)), 0.0)
    return input.copy_(out) if inplace else out


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,  # noqa: A002
               weight: Tensor | None = None, bias: Tensor | None = None,
               training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel (dim 1) of ``input`` (N, C, ...) to zero mean and unit
    variance, then scale by ``weight`` and shift by ``bias``, as ``torch.nn.functional
    .batch_norm``.

    In training (or without running statistics) the batch's own mean and biased variance are
    used, and ``running_mean``/``running_var`` move towards them in place:
    ``running = (1 - momentum) * running + momentum * batch``, with the *unbiased* variance,
    as PyTorch does. In evaluation the running statistics are used.
    """
    if input.dim() < 2:
        raise ValueError(f"batch_norm: expected an input of at least 2 dims (N, C, ...), got "
                         f"shape {tuple(input.shape)}")
    channels = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != (channels,):
            raise RuntimeError(f"batch_norm: {name} should have shape ({channels},) for an "
                               f"input with {channels} channels, got {tuple(t.shape)}")
    dims = (0,) + tuple(range(2, input.dim()))
    shape = (1, channels) + (1,) * (input.dim() - 2)
    if training or running_mean is None or running_var is None:
        count = input.numel() // channels
        if count <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input "
                             f"size {tuple(input.shape)}")
        mean = input.mean(dims, keepdim=True)
        var = ((input - mean) ** 2).mean(dims, keepdim=True)
        if training and running_mean is not None and running_var is not None:
            with no_grad():
                batch_mean = mean.detach().reshape(channels)
                unbiased = var.detach().reshape(channels) * (count / (count - 1))
                running_mean.mul_(1 - momentum).add_(batch_mean * momentum)
                running_var.mul_(1 - momentum).add_(unbiased * momentum)
    else:
        mean, var = running_mean.reshape(shape), running_var.reshape(shape)
    out = (input - mean) * ops.rsqrt(var + eps)
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"{reduction} is not a valid value for reduction: use 'mean', 'sum' or "
                     "'none'")


def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:  # noqa: A002
    """(input - target)^2, averaged (or summed) over every element."""
    if isinstance(target, Tensor) and target.shape != input.shape:
        raise ValueError(f"mse_loss: target size {tuple(target.shape)} is different from "
                         f"input size {tuple(input.shape)}; broadcasting would give wrong "
                         "results, reshape one of them")
    diff = input - target
    return _reduce(diff * diff, reduction)


def _classes_last(input: Tensor) -> Tensor:
    """(N, C, d1, ...) -> (N * d1 * ..., C); (C,) -> (1, C): one row per prediction."""
    if input.dim() == 1:
        return input.unsqueeze(0)
    if input.dim() > 2:
        input = input.movedim(1, -1)
    return input.reshape(-1, input.shape[-1])


def _check_target(input: Tensor, target: Tensor) -> None:
    if not isinstance(target, Tensor) or target.dtype.is_floating_point:
        got = target.dtype.name if isinstance(target, Tensor) else type(target).__name__
        raise RuntimeError(f"expected target of class indices with dtype int64, got {got} "
                           "(for class probabilities pass a float target of the input's shape "
                           "to cross_entropy)")
    expected = input.shape[:1] + input.shape[2:] if input.dim() > 1 else ()
    if target.shape != expected:
        raise ValueError(f"Expected target of shape {expected} for input of shape "
                         f"{tuple(input.shape)}, got {tuple(target.shape)}")


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
             ignore_index: int = -100, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood: loss_i = -weight[y_i] * input[i, y_i], where ``input`` holds
    log-probabilities of shape (N, C) (or (C,), or (N, C, d1, ...)) and ``target`` class
    indices. ``mean`` divides by the total weight of the non-ignored targets."""
    _check_target(input, target)
    logp = _classes_last(input)
    n_classes = logp.shape[-1]
    y = target.reshape(-1).to(dtypes.int64)
    ignored = y == ignore_index
    safe = ops.where(ignored, 0, y)  # any valid index; masked out below
    if y.numel():
        lo, hi = int(safe.amin()), int(safe.amax())
        if lo < 0 or hi >= n_classes:
            raise IndexError(f"Target {lo if lo < 0 else hi} is out of bounds: expected class "
                             f"indices in [0, {n_classes - 1}] (or ignore_index="
                             f"{ignore_index})")
    picked = logp.gather(1, safe.unsqueeze(1)).squeeze(1)
    kept = (~ignored).to(logp.dtype)
    w = kept if weight is None else weight.to(logp.dtype).index_select(0, safe) * kept
    loss = -picked * w
    if reduction == "mean":
        return loss.sum() / w.sum()
    return _reduce(loss.reshape(target.shape), reduction)


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
                  ignore_index: int = -100, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Softmax cross-entropy from raw scores (logits) of shape (N, C) (or (C,), or
    (N, C, d1, ...)): ``nll_loss(log_softmax(input, 1), target)``.

    ``target`` is class indices (int64), or class probabilities (float, the input's shape).
    With ``label_smoothing`` = e the target becomes (1 - e) one-hot + e / C uniform, computed
    as PyTorch does: (1 - e) * nll + e / C * (-sum_c weight_c log p_c).

    >>> cross_entropy(microtorch_core.tensor([[2.0, 0.0]]), microtorch_core.tensor([0]))
    tensor(0.1269)
    """
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    if reduction not in ("mean", "sum", "none"):
        _reduce(input, reduction)  # raises the error
    class_dim = 1 if input.dim() > 1 else 0
    logp = ops.log_softmax(input, class_dim)
    n_classes = input.shape[class_dim]
    w = None  # the class weights, shaped to broadcast along the class dim
    if weight is not None:
        w = weight.to(logp.dtype).reshape((n_classes,) + (1,) * (input.dim() - class_dim - 1))
    if isinstance(target, Tensor) and target.dtype.is_floating_point:  # probabilities
        if target.shape != input.shape:
            raise ValueError(f"Expected target of shape {tuple(input.shape)} (class "
                             f"probabilities), got {tuple(target.shape)}")
        if label_smoothing:
            target = target * (1 - label_smoothing) + label_smoothing / n_classes
        per = logp * target if w is None else logp * target * w
        return _reduce(-per.sum(class_dim), reduction)
    nll = nll_loss(logp, target, weight, ignore_index, reduction)
    if not label_smoothing:
        return nll
    ignored = target == ignore_index
    smooth = -(logp if w is None else logp * w).sum(class_dim)
    smooth = ops.where(ignored, 0.0, smooth)
    if reduction == "mean":
        if weight is not None:
            y = ops.where(ignored, 0, target).reshape(-1)
            kept = (~ignored).reshape(-1).to(logp.dtype)
            denom = (weight.to(logp.dtype).index_select(0, y) * kept).sum()
        else:
            denom = (~ignored).to(logp.dtype).sum()
        smooth = smooth.sum() / denom
    else:
        smooth = _reduce(smooth, reduction)
    return (1 - label_smoothing) * nll + smooth * (label_smoothing / n_classes)
