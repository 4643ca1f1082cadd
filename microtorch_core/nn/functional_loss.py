"""Loss functions, as in ``torch.nn.functional``: regression (``mse_loss``, ``l1_loss``,
``smooth_l1_loss``, ``huber_loss``), classification (``nll_loss``, ``cross_entropy``,
``binary_cross_entropy``, ``binary_cross_entropy_with_logits``) and ``kl_div``.
``nn.functional`` re-exports them.

Every loss takes ``reduction``: ``'mean'`` (the default), ``'sum'``, or ``'none'`` for the
per-element losses. PyTorch's deprecated ``size_average`` and ``reduce`` are not accepted;
where PyTorch lists them before other arguments, those arguments are keyword-only here, so
that a positional call cannot mean something else than it does in PyTorch.
"""

from __future__ import annotations

import warnings

from .. import dtypes, ops
from ..autograd.function import Function
from ..ops.primitive.indexing import Gather, index_range, index_select_unchecked
from ..tensor import Tensor


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"{reduction} is not a valid value for reduction: use 'mean', 'sum' or "
                     "'none'")


def _check_sizes(name: str, input: Tensor, target: Tensor) -> None:  # noqa: A002
    if not isinstance(target, Tensor):
        raise TypeError(f"{name}: expected target to be a Tensor, got {type(target).__name__}")
    if target.shape != input.shape:
        raise ValueError(f"{name}: target size {tuple(target.shape)} is different from "
                         f"input size {tuple(input.shape)}; broadcasting would give wrong "
                         "results, reshape one of them")


def _check_broadcast(name: str, what: str, t: Tensor | None, input: Tensor) -> None:  # noqa: A002
    """``t`` (a weight) must broadcast to the input's shape without growing it."""
    if t is None:
        return
    try:
        fits = ops.broadcast_shapes(t.shape, input.shape) == input.shape
    except RuntimeError:
        fits = False
    if not fits:
        raise ValueError(f"{name}: {what} of shape {tuple(t.shape)} cannot be broadcast to the "
                         f"input's shape {tuple(input.shape)}")


# -- regression ---------------------------------------------------------------------------------
def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:  # noqa: A002
    """(input - target)^2, averaged (or summed) over every element."""
    if isinstance(target, Tensor) and target.shape != input.shape:
        raise ValueError(f"mse_loss: target size {tuple(target.shape)} is different from "
                         f"input size {tuple(input.shape)}; broadcasting would give wrong "
                         "results, reshape one of them")
    diff = input - target
    return _reduce(diff * diff, reduction)


def l1_loss(input: Tensor, target: Tensor, *, reduction: str = "mean") -> Tensor:  # noqa: A002
    """|input - target|, averaged (or summed) over every element."""
    _check_sizes("l1_loss", input, target)
    return _reduce((input - target).abs(), reduction)


def smooth_l1_loss(input: Tensor, target: Tensor, *, reduction: str = "mean",  # noqa: A002
                   beta: float = 1.0) -> Tensor:
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta, with d = input - target: an L1
    loss whose corner at 0 is rounded into a parabola (``beta=0`` is the L1 loss)."""
    if beta < 0:
        raise RuntimeError(f"smooth_l1_loss does not support negative values for beta, got "
                           f"{beta}")
    _check_sizes("smooth_l1_loss", input, target)
    d = (input - target).abs()
    if beta == 0:  # the parabola's branch would divide by zero (and give nan gradients)
        return _reduce(d, reduction)
    return _reduce(ops.where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta), reduction)


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean",  # noqa: A002
               delta: float = 1.0) -> Tensor:
    """0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta), with d = input - target:
    ``delta * smooth_l1_loss(beta=delta)``."""
    if delta <= 0:
        raise RuntimeError(f"huber_loss does not support non-positive values for delta, got "
                           f"{delta}")
    _check_sizes("huber_loss", input, target)
    d = (input - target).abs()
    return _reduce(ops.where(d < delta, 0.5 * d * d, delta * (d - 0.5 * delta)), reduction)


# -- binary classification ----------------------------------------------------------------------
class BinaryCrossEntropy(Function):
    """out = -(y log x + (1 - y) log(1 - x)), each log clamped at -100 as in PyTorch, so a
    probability of exactly 0 or 1 gives a finite loss.

    The backward is PyTorch's (x - y) / max(x (1 - x), 1e-12): finite at x = 0 and 1, where
    autograd through the clamped log would give 0 * inf = nan.
    """

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        log_x, log_1mx = BinaryCrossEntropy._logs(x)
        return -(y * log_x + (1 - y) * log_1mx)

    @staticmethod
    def _logs(x: Tensor) -> tuple[Tensor, Tensor]:
        return ops.clamp(x.log(), min=-100), ops.clamp((1 - x).log(), min=-100)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        grad_x = grad * (x - y) / ops.clamp(x * (1 - x), min=1e-12)
        grad_y = None
        if ctx.needs_input_grad[1]:
            log_x, log_1mx = BinaryCrossEntropy._logs(x)
            grad_y = grad * (log_1mx - log_x)
        return grad_x, grad_y


def binary_cross_entropy(input: Tensor, target: Tensor,  # noqa: A002
                         weight: Tensor | None = None, *, reduction: str = "mean") -> Tensor:
    """-w (y log x + (1 - y) log(1 - x)) for probabilities ``input`` in [0, 1] and targets
    ``target`` (usually 0 or 1), ``weight`` broadcast over the input; logs are clamped at
    -100. Prefer ``binary_cross_entropy_with_logits`` on raw scores: it is more stable."""
    _check_sizes("binary_cross_entropy", input, target)
    _check_broadcast("binary_cross_entropy", "weight", weight, input)
    if input.numel() and not ((input >= 0) & (input <= 1)).all().item():
        raise RuntimeError(f"binary_cross_entropy: all elements of input should be between 0 "
                           f"and 1, got values from {input.amin().item()} to "
                           f"{input.amax().item()} (pass raw scores to "
                           "binary_cross_entropy_with_logits instead)")
    loss = BinaryCrossEntropy.apply(input, target)
    return _reduce(loss if weight is None else loss * weight, reduction)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor,  # noqa: A002
                                     weight: Tensor | None = None, *,
                                     reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """``binary_cross_entropy(sigmoid(input), target)`` computed stably from the scores:
    (1 - y) x + l * softplus(-x), where l = 1 + (pos_weight - 1) y weighs the positive
    terms (``pos_weight`` of shape (C,) broadcasts over the classes, the last dim).

    softplus(-x) = -log sigmoid(x) is written log(e^-m + e^(-x-m)) + m with m = max(-x, 0),
    as PyTorch does: no exp overflows, and the gradient is exact at x = 0 too.
    """
    _check_sizes("binary_cross_entropy_with_logits", input, target)
    _check_broadcast("binary_cross_entropy_with_logits", "weight", weight, input)
    _check_broadcast("binary_cross_entropy_with_logits", "pos_weight", pos_weight, input)
    m = ops.clamp(-input, min=0)
    softplus_neg = ((-m).exp() + (-input - m).exp()).log() + m
    if pos_weight is not None:
        softplus_neg = softplus_neg * ((pos_weight - 1) * target + 1)
    loss = (1 - target) * input + softplus_neg
    return _reduce(loss if weight is None else loss * weight, reduction)


# -- distributions ------------------------------------------------------------------------------
def kl_div(input: Tensor, target: Tensor, *, reduction: str = "mean",  # noqa: A002
           log_target: bool = False) -> Tensor:
    """Pointwise KL divergence target * (log target - input), ``input`` holding
    log-probabilities and ``target`` probabilities (log-probabilities with ``log_target``);
    a zero target contributes 0.

    ``reduction='batchmean'`` (the sum divided by the batch size, dim 0) gives the KL
    divergence of each sample's distributions averaged over the batch; ``'mean'`` divides by
    every element instead and warns, as PyTorch does.
    """
    if reduction not in ("mean", "batchmean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction: use 'batchmean', "
                         "'mean', 'sum' or 'none'")
    _check_sizes("kl_div", input, target)
    if reduction == "mean":
        warnings.warn("kl_div: reduction='mean' divides the total loss by both the batch size "
                      "and the support size; 'batchmean' divides only by the batch size, "
                      "which is the KL divergence's definition", UserWarning, stacklevel=2)
    if log_target:
        loss = target.exp() * (target - input)
    else:  # target * log(target) with its limit 0 at target = 0 (and no nan gradient there)
        zero = target == 0
        t_log_t = ops.where(zero, 0.0, target * ops.where(zero, 1.0, target).log())
        loss = t_log_t - target * input
    if reduction == "batchmean":
        return loss.sum() / input.shape[0] if input.dim() else loss.sum()
    return _reduce(loss, reduction)


# -- classes ------------------------------------------------------------------------------------
def _classes_last(input: Tensor) -> Tensor:  # noqa: A002
    """(N, C, d1, ...) -> (N * d1 * ..., C); (C,) -> (1, C): one row per prediction."""
    if input.dim() == 1:
        return input.unsqueeze(0)
    if input.dim() > 2:
        input = input.movedim(1, -1)
    return input.reshape(-1, input.shape[-1])


def _check_target(input: Tensor, target: Tensor) -> None:  # noqa: A002
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
    if y.numel():  # one bounds check here; the gathers below need none
        lo, hi = index_range(safe)
        if lo < 0 or hi >= n_classes:
            raise IndexError(f"Target {lo if lo < 0 else hi} is out of bounds: expected class "
                             f"indices in [0, {n_classes - 1}] (or ignore_index="
                             f"{ignore_index})")
    picked = Gather.apply(logp, 1, safe.unsqueeze(1)).squeeze(1)
    kept = (~ignored).to(logp.dtype)
    w = kept if weight is None else index_select_unchecked(weight.to(logp.dtype), 0, safe) * kept
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
            denom = (index_select_unchecked(weight.to(logp.dtype), 0, y) * kept).sum()
        else:
            denom = (~ignored).to(logp.dtype).sum()
        smooth = smooth.sum() / denom
    else:
        smooth = _reduce(smooth, reduction)
    return (1 - label_smoothing) * nll + smooth * (label_smoothing / n_classes)
