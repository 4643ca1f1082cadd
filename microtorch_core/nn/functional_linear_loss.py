"""``linear_cross_entropy``: ``cross_entropy(linear(input, linear_weight), target)`` in one
call, as ``torch.nn.functional.linear_cross_entropy`` (new in PyTorch 2.13), and the
``LinearCrossEntropyOptions`` that ask for its chunked form.

A language model's output head multiplies N hidden states (N, in_features) by a
(vocabulary, in_features) weight: the logits (N, vocabulary) can be the largest tensor of the
step. The chunked form computes the loss ``batch_chunk_size`` rows at a time, so only one
chunk's logits exist at once in the forward pass, and sums the per-row losses; the result is
the reference's. (PyTorch also saves memory in the backward with a fused kernel that
precomputes the gradients; here each chunk's graph is ordinary autograd, so the backward
holds every chunk's softmax, as the reference would.)
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from typing import Any

from ..tensor import Tensor
from .functional_loss import cross_entropy

__all__ = ["linear_cross_entropy", "LinearCrossEntropyOptions"]

_ACC_POLICIES = ("auto", "accurate", "balanced", "compact")


@dataclasses.dataclass(frozen=True)
class LinearCrossEntropyOptions:
    """How :func:`linear_cross_entropy` chunks the batch, as
    ``torch.nn.LinearCrossEntropyOptions``.

    ``batch_chunk_size`` rows per chunk (``None``: from ``chunking_method``, or one chunk);
    ``chunking_method`` ``"aspect_ratio[:N]"`` sizes chunks so that a chunk's logits take about
    the memory of the input (divided by N), ``"auto"`` is ``"aspect_ratio:2"`` here, ``None``
    uses ``batch_chunk_size``. ``acc_policy``, ``acc_dtype`` and ``allow_retain_graph`` tune
    PyTorch's fused float16/bfloat16 kernels: they are checked and kept but change nothing
    here (MicroTorch computes in the input's dtype, and its backward can always be retained).
    """

    allow_retain_graph: bool = False
    batch_chunk_size: int | None = None
    chunking_method: str | None = "auto"
    acc_policy: str = "auto"
    acc_dtype: Any = None

    def __post_init__(self) -> None:
        if self.acc_policy not in _ACC_POLICIES:
            raise ValueError(f"invalid acc_policy: {self.acc_policy!r}")
        if self.chunking_method not in (None, "auto"):
            name, sep, factor = self.chunking_method.partition(":")
            if not (name == "aspect_ratio" and (not sep or factor.isdigit() and int(factor) > 0)):
                raise ValueError(f"invalid chunking_method: {self.chunking_method!r}")
        if not (self.batch_chunk_size is None or isinstance(self.batch_chunk_size, int)
                and self.batch_chunk_size > 0):
            raise ValueError(f"batch_chunk_size must be positive int or None, got "
                             f"{self.batch_chunk_size!r}")


def _chunk_size(options: Any, num_batches: int, in_features: int, num_classes: int) -> int:
    """Rows per chunk, PyTorch's resolution of ``options`` (an explicit size wins over
    ``"auto"``; ``aspect_ratio:N`` is next_pow2(ceil(N_b / ceil(C / in))) / N)."""
    size = getattr(options, "batch_chunk_size", None)
    method = getattr(options, "chunking_method", "auto")
    if method == "auto":
        method = None if size is not None else "aspect_ratio:2"
    if method is None:
        return min(size, num_batches) if size is not None else num_batches
    _, _, factor = method.partition(":")
    ratio = -(-num_classes // max(in_features, 1))
    target = -(-num_batches // ratio)
    by_method = min((1 << max(target - 1, 0).bit_length()) // int(factor or 1), num_batches)
    if size is not None and size != by_method:
        raise ValueError(f"batch_chunk_size (={size}) and chunking_method ('{method}') give "
                         f"different chunk sizes ({size} vs {by_method}); pass only one.")
    return max(by_method, 1)


def _check(input: Tensor, linear_weight: Tensor,  # noqa: A002
           linear_bias: Tensor | None) -> tuple[int, int, tuple[int, ...]]:
    """PyTorch's checks and messages; returns (in_features, classes, out_features)."""
    if input.dim() < 1 or input.dim() > 2:
        raise RuntimeError(f"expected input with dimensionality 1 or 2, got {input.dim()}")
    if linear_weight.dim() < 2:
        raise RuntimeError(f"expected linear_weight with dimensionality at least 2, got "
                           f"{linear_weight.dim()}")
    in_features = input.shape[-1]
    if in_features != linear_weight.shape[-1]:
        raise RuntimeError(f"expected equal input and linear_weight last dimensions "
                           f"(in_features), got {in_features} and {linear_weight.shape[-1]}, "
                           f"respectively")
    classes, out_features = linear_weight.shape[0], tuple(linear_weight.shape[1:-1])
    if linear_bias is not None and tuple(linear_bias.shape) != (classes, *out_features):
        raise RuntimeError(f"expected linear_bias shape {(classes, *out_features)}, got "
                           f"{tuple(linear_bias.shape)}")
    if out_features and input.dim() == 1:
        raise RuntimeError(f"K-dimensional loss defined by linear_weight shape "
                           f"{tuple(linear_weight.shape)} requires batched input, (N, "
                           f"{in_features}), got unbatched input with shape "
                           f"{tuple(input.shape)}")
    return in_features, classes, out_features


def linear_cross_entropy(input: Tensor, linear_weight: Tensor, target: Tensor,  # noqa: A002
                         *, linear_bias: Tensor | None = None, weight: Tensor | None = None,
                         reduction: str = "mean", ignore_index: int | None = None,
                         label_smoothing: float = 0.0, options: Any = None) -> Tensor:
    """``cross_entropy(linear(input, linear_weight, linear_bias), target, ...)``, as
    ``torch.nn.functional.linear_cross_entropy``: ``input`` (N, in) or (in,),
    ``linear_weight`` (C, in) or (C, d1, ..., in) for a K-dimensional loss, ``target`` class
    indices or probabilities (the logits' shape). ``ignore_index=None`` means -100 for class
    indices and may not be given with probabilities. With ``options``
    (:class:`LinearCrossEntropyOptions`) the batch is processed in chunks; the result is the
    same.

    >>> x, w = mt.randn(8, 4), mt.randn(10, 4)
    >>> t = mt.randint(0, 10, (8,))
    >>> chunked = F.linear_cross_entropy(x, w, t, options=mt.nn.LinearCrossEntropyOptions(
    ...     batch_chunk_size=3))
    >>> bool(mt.isclose(chunked, F.cross_entropy(x @ w.T, t)))
    True
    """
    in_features, classes, out_features = _check(input, linear_weight, linear_bias)
    batches = tuple(input.shape[:-1])
    logits_shape = (*batches, classes, *out_features)
    # cross_entropy tells probabilities from indices by the target having the logits' shape
    probabilities = tuple(target.shape) == logits_shape
    if probabilities and ignore_index is not None:
        raise RuntimeError("ignore_index cannot be specified when target contains "
                           "probabilities")
    ignore_index = -100 if ignore_index is None else ignore_index
    chunkable = (reduction in ("mean", "sum", "none") and label_smoothing == 0.0
                 and not target.dtype.is_floating_point and not out_features)
    if options is not None and not chunkable:
        warnings.warn(f"linear_cross_entropy: ``options`` ignored; chunked path needs "
                      f"reduction in {{'mean','sum','none'}}, label_smoothing == 0, "
                      f"target.dtype == int64, out_features == (). Got "
                      f"reduction={reduction!r}, label_smoothing={label_smoothing}, "
                      f"target.dtype={target.dtype}, out_features={out_features}.",
                      stacklevel=2)
    if options is not None and chunkable:
        return _chunked(input, linear_weight, target, linear_bias, weight, reduction,
                        ignore_index, _chunk_size(options, math.prod(batches), in_features,
                                                  classes))
    flat_weight = linear_weight.reshape(classes * math.prod(out_features), in_features)
    logits = input @ flat_weight.mT
    if linear_bias is not None:
        logits = logits + linear_bias.reshape(-1)
    return cross_entropy(logits.reshape(logits_shape), target, weight=weight,
                         ignore_index=ignore_index, reduction=reduction,
                         label_smoothing=label_smoothing)


def _chunked(input: Tensor, linear_weight: Tensor, target: Tensor,  # noqa: A002
             linear_bias: Tensor | None, weight: Tensor | None, reduction: str,
             ignore_index: int, chunk: int) -> Tensor:
    """The loss of ``chunk`` rows at a time: each chunk's per-row losses (weighted, zero
    where ignored), summed or concatenated; ``mean`` divides by the whole batch's weight of
    the targets not ignored, as cross_entropy's mean does."""
    from .. import ops

    unbatched = input.dim() == 1
    if unbatched:
        input, target = input.unsqueeze(0), target.unsqueeze(0)
    rows = []
    for start in range(0, input.shape[0], max(chunk, 1)):
        logits = input[start:start + chunk] @ linear_weight.mT
        if linear_bias is not None:
            logits = logits + linear_bias
        rows.append(cross_entropy(logits, target[start:start + chunk], weight=weight,
                                  ignore_index=ignore_index, reduction="none"))
    losses = ops.cat(rows) if rows else input.new_zeros((0,))
    if reduction == "none":
        return losses.squeeze(0) if unbatched else losses
    total = losses.sum()
    if reduction == "sum":
        return total
    kept = target != ignore_index
    if weight is None:
        return total / kept.sum().to(total.dtype)
    # ignored targets may be out of range for weight: look up a valid class there
    weights = weight[ops.where(kept, target, 0)] * kept.to(weight.dtype)
    return total / weights.sum()
