"""``ctc_loss``: the Connectionist Temporal Classification loss (Graves et al., 2006), as
``torch.nn.functional.ctc_loss``; ``nn.functional`` re-exports it and ``nn.CTCLoss`` wraps
it.

CTC scores a target sequence (e.g. the letters of a word) against per-frame class
log-probabilities without knowing which frames spell which letter: the loss is
-log p(target), where p sums over every *alignment*, a path of one class per frame that
reads as the target once repeats are merged and blanks removed ("-hh-e-ll-llo" is "hello").

The sum runs by dynamic programming over the *extended* target, the target with a blank
before, between and after its labels (length 2S + 1). alpha_t(s), the log-probability of
all paths that end frame t at position s, follows from the previous frame:

    alpha_t(s) = logsumexp(alpha_{t-1}(s), alpha_{t-1}(s - 1), alpha_{t-1}(s - 2))
                 + log_probs[t, label(s)]

where the jump over s - 1 is allowed only onto a label that differs from the one two back
(a blank between two equal letters cannot be skipped). The answer is the logsumexp of the
last two positions after the last frame. Everything is in log space, so nothing underflows,
and the recursion is vectorised over the batch and the positions: one small step per frame.
The gradient is autograd's, through that recursion.

A note on gradients: the derivative of the loss with respect to ``log_probs[t, n, c]`` is
``-posterior`` (the share of p(target) whose paths read class c at frame t), and that is what
autograd finds through the recursion. PyTorch's ``ctc_loss`` instead returns ``exp(log_probs)
- posterior``, which is the gradient with respect to the *logits* when ``log_probs`` is their
``log_softmax``. We follow PyTorch: a small Function adds ``exp(log_probs)`` (over each
sequence's frames) to the gradient without changing the value. Through the usual
``log_softmax`` the two conventions give the same gradient for the logits, because there the
extra term sums to one per frame and ``log_softmax``'s backward removes it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .. import dtypes, ops
from ..autograd.function import Function
from ..creation import tensor
from ..ops.primitive.indexing import Gather
from ..tensor import Tensor

__all__ = ["ctc_loss"]

Lengths = Tensor | Sequence[int] | int


def ctc_loss(log_probs: Tensor, targets: Tensor, input_lengths: Lengths,
             target_lengths: Lengths, blank: int = 0, reduction: str = "mean",
             zero_infinity: bool = False) -> Tensor:
    """The CTC loss of ``log_probs`` (T, N, C) (log-probabilities of C classes, e.g. a
    ``log_softmax``, for T frames of N sequences), or (T, C) unbatched, against
    ``targets``: padded (N, S), or all targets concatenated (sum(target_lengths),). As
    ``torch.nn.functional.ctc_loss``.

    ``input_lengths``/``target_lengths`` (N,) give how many frames and labels of each
    sequence count. ``blank`` is the blank class. ``reduction``: ``'none'`` (one loss per
    sequence), ``'sum'``, or ``'mean'`` (each loss divided by its target length, then the
    mean). ``zero_infinity``: an impossible target (more labels and repeats than frames)
    costs 0 and gives no gradient, instead of inf.

    >>> log_probs = microtorch_core.randn(10, 2, 5).log_softmax(2)
    >>> ctc_loss(log_probs, microtorch_core.tensor([[1, 2, 2], [3, 4, 0]]), [10, 8],
    ...          [3, 2]).shape
    ()
    """
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if not isinstance(log_probs, Tensor) or not log_probs.dtype.is_floating_point:
        got = log_probs.dtype.name if isinstance(log_probs, Tensor) else type(log_probs)
        raise NotImplementedError(f"ctc_loss: log_probs must be a floating tensor, got {got}")
    unbatched = log_probs.dim() == 2
    if unbatched:
        log_probs, targets = log_probs.unsqueeze(1), targets.unsqueeze(0)
    if log_probs.dim() != 3:
        raise RuntimeError(f"ctc_loss: expected log_probs of 2 (T, C) or 3 (T, N, C) dims, got "
                           f"shape {tuple(log_probs.shape)}")
    frames, batch, classes = log_probs.shape
    in_lens = _lengths("input_lengths", input_lengths, batch)
    tgt_lens = _lengths("target_lengths", target_lengths, batch)
    if not 0 <= blank < classes:
        raise RuntimeError(f"ctc_loss: blank must be in label range [0, {classes}), got {blank}")
    if in_lens.size and in_lens.max() > frames:
        raise RuntimeError(f"Expected input_lengths to have value at most {frames}, but got "
                           f"value {in_lens.max()}")
    for name, lens in (("input_lengths", in_lens), ("target_lengths", tgt_lens)):
        if lens.size and lens.min() < 0:
            raise RuntimeError(f"Expected {name} to have value at least 0, but got value "
                               f"{lens.min()}")
    labels = _padded_targets(targets, tgt_lens, classes)  # (N, S) on the host
    losses = _negative_log_likelihood(log_probs, labels, in_lens, tgt_lens, blank)
    running = tensor((np.arange(frames)[:, None] < in_lens)[:, :, None], dtype=log_probs.dtype,
                     device=log_probs.device)  # (T, N, 1): the frames each sequence has
    losses = _PyTorchGradient.apply(losses, log_probs, running)
    if zero_infinity:
        losses = ops.where(losses == math.inf, 0.0, losses)
    if reduction == "none":
        return losses.squeeze(0) if unbatched else losses
    if reduction == "sum":
        return losses.sum()
    divisor = tensor(np.maximum(tgt_lens, 1), dtype=losses.dtype, device=losses.device)
    return (losses / divisor).mean()


def _lengths(name: str, value: Lengths, batch: int) -> np.ndarray:
    """The lengths as a host array of ``batch`` ints, checked."""
    if isinstance(value, Tensor):
        if value.dtype.is_floating_point or value.dtype is dtypes.bool_:
            raise RuntimeError(f"{name} must be integral, got {value.dtype.name}")
        values = np.asarray(value.reshape(-1).tolist(), dtype=np.int64)
    elif isinstance(value, int) and not isinstance(value, bool):
        values = np.asarray([value], dtype=np.int64)
    else:
        values = np.asarray(list(value))
        if values.size and values.dtype.kind not in "iu":
            raise RuntimeError(f"{name} must be integral, got {list(value)}")
        values = values.astype(np.int64)
    if values.size != batch:
        raise RuntimeError(f"{name} must be of size batch_size ({batch}), got {values.size} "
                           f"values")
    return values


def _padded_targets(targets: Tensor, tgt_lens: np.ndarray, classes: int) -> np.ndarray:
    """(N, S) labels: the padded targets as they are, or the concatenated ones split."""
    if not isinstance(targets, Tensor):
        raise TypeError(f"ctc_loss: targets must be a tensor, got {type(targets).__name__}")
    values = np.asarray(targets.tolist(), dtype=np.int64)
    longest = int(tgt_lens.max()) if tgt_lens.size else 0
    if targets.dim() == 2:
        if values.shape[1] < longest:
            raise RuntimeError(f"Expected tensor to have size at least {longest} at dimension "
                               f"1, but got size {values.shape[1]} for argument #2 'targets'")
        padded = values[:, :longest]
    elif targets.dim() == 1:
        if values.size != tgt_lens.sum():
            raise RuntimeError(f"Expected tensor to have size {tgt_lens.sum()} at dimension "
                               f"0, but got size {values.size} for argument #2 'targets' (the "
                               f"concatenated targets must hold sum(target_lengths) labels)")
        padded = np.zeros((len(tgt_lens), longest), dtype=np.int64)
        ends = np.cumsum(tgt_lens)
        for i, (end, n) in enumerate(zip(ends, tgt_lens, strict=True)):
            padded[i, :n] = values[end - n:end]
    else:
        raise RuntimeError(f"ctc_loss: targets must be 1-D (concatenated) or 2-D (padded), got "
                           f"shape {tuple(targets.shape)}")
    used = padded[np.arange(longest) < tgt_lens[:, None]]
    if used.size and (used.min() < 0 or used.max() >= classes):
        bad = used.min() if used.min() < 0 else used.max()
        raise RuntimeError(f"ctc_loss: target label {bad} is out of range for {classes} "
                           f"classes")
    return padded


def _negative_log_likelihood(log_probs: Tensor, labels: np.ndarray, in_lens: np.ndarray,
                             tgt_lens: np.ndarray, blank: int) -> Tensor:
    """(N,): -log p(target | log_probs) for each sequence, by the forward recursion."""
    batch, longest = labels.shape
    width = 2 * longest + 1
    extended = np.full((batch, width), blank, dtype=np.int64)  # blank, l1, blank, l2, ...
    extended[:, 1::2] = labels
    # the jump from s - 2 to s: onto a label, and not between two equal labels
    skip = np.zeros((batch, width), dtype=bool)
    skip[:, 2:] = (extended[:, 2:] != blank) & (extended[:, 2:] != extended[:, :-2])
    device, dtype = log_probs.device, log_probs.dtype
    frames = int(in_lens.max()) if in_lens.size else 0
    # emit[t, n, s] = log_probs[t, n, extended[n, s]]
    index = tensor(extended, device=device).unsqueeze(0).expand(log_probs.shape[0], batch,
                                                                width)
    emit = Gather.apply(log_probs, 2, index)
    position = np.arange(width)
    minus_inf = tensor(np.full((batch, 1), -np.inf), dtype=dtype, device=device)
    # before any frame, only the empty path, at position 0 (log 1 = 0)
    alpha = tensor(np.where(position == 0, 0.0, -np.inf)[None].repeat(batch, 0), dtype=dtype,
                   device=device)
    can_skip = tensor(skip, device=device)
    for t in range(frames):
        if t == 0:  # the first frame starts at the leading blank or the first label
            new = ops.where(tensor(position < 2, device=device), emit[0], -math.inf)
        else:
            one_back = ops.cat([minus_inf, alpha[:, :-1]], 1)
            two_back = ops.where(can_skip, ops.cat([minus_inf, minus_inf, alpha[:, :-2]], 1),
                                 -math.inf)
            new = _log_add_exp(alpha, one_back, two_back) + emit[t]
        running = tensor((t < in_lens)[:, None], device=device)  # frames past a sequence's end
        alpha = ops.where(running, new, alpha)
    # the paths ending on the last label or the blank after it
    last = tensor((2 * tgt_lens)[:, None], device=device)
    before = tensor(np.maximum(2 * tgt_lens - 1, 0)[:, None], device=device)
    has_label = tensor((tgt_lens > 0)[:, None], device=device)
    end_blank = Gather.apply(alpha, 1, last)
    end_label = ops.where(has_label, Gather.apply(alpha, 1, before), -math.inf)
    return -_log_add_exp(end_blank, end_label).squeeze(1)


class _PyTorchGradient(Function):
    """losses as they are; their gradient also reaches ``log_probs`` as ``exp(log_probs)``
    over each sequence's frames, PyTorch's convention (see the module docstring)."""

    @staticmethod
    def forward(ctx, losses: Tensor, log_probs: Tensor, running: Tensor) -> Tensor:
        ctx.save_for_backward(log_probs, running)
        return losses

    @staticmethod
    def backward(ctx, grad: Tensor):
        log_probs, running = ctx.saved_tensors
        return grad, log_probs.exp() * running * grad.reshape(1, -1, 1), None


def _log_add_exp(*terms: Tensor) -> Tensor:
    """log(sum(exp(terms))), stable, and with a gradient that stays 0 (not NaN) where every
    term is -inf (a position no path reaches), so that an impossible target's zero gradient
    (``zero_infinity``) does not turn into NaN on the way back."""
    top = terms[0].detach()
    for t in terms[1:]:
        top = ops.maximum(top, t.detach())
    top = ops.where(top == -math.inf, 0.0, top)
    total = None
    for t in terms:
        e = (t - top).exp()
        total = e if total is None else total + e
    reached = total > 0
    return ops.where(reached, ops.where(reached, total, 1.0).log() + top, -math.inf)
