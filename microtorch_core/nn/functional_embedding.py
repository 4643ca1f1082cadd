"""Lookup tables, as in ``torch.nn.functional``: ``embedding`` (one row per index) and
``embedding_bag`` (the sum, mean or max of the rows of each bag of indices). ``nn.functional``
re-exports them; ``nn.Embedding`` and ``nn.EmbeddingBag`` (``sparse.py``) hold the weight.

Both are composites: the rows are picked by ``index_select``, whose backward adds each
output row's gradient into the weight row it came from, and a bag's reduction is an
``index_add`` into the bag's row (sum, mean) or an ``argmax`` and ``gather`` over the bag
laid out densely (max). ``scale_grad_by_freq`` divides the gradient reaching each picked row
by how often its index occurs in the input, with a small Function that is the identity
forward.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from .. import dtypes, ops
from ..autograd.function import Function
from ..autograd.grad_mode import no_grad
from ..creation import ones, tensor, zeros
from ..ops.primitive.indexing import Gather, index_range, index_select_unchecked
from ..tensor import Tensor

__all__ = ["embedding", "embedding_bag"]


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None,  # noqa: A002
              max_norm: float | None = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """The rows of ``weight`` (num_embeddings, embedding_dim) at the integer indices in
    ``input`` (any shape), giving shape ``input.shape + (embedding_dim,)``, as
    ``torch.nn.functional.embedding``. The gradient adds into the rows that were picked.

    ``padding_idx``: that row comes out as it is but gets no gradient. ``max_norm``: first
    rescale, in place, each picked row whose ``norm_type``-norm exceeds ``max_norm``.
    ``scale_grad_by_freq``: divide the gradient of each row by the number of times its index
    occurs in ``input`` (so frequent words do not dominate an update). ``sparse``: MicroTorch
    has no sparse tensors, so the weight's gradient is always dense (the same values PyTorch's
    sparse gradient holds, zeros in the rows no index picked).

    >>> embedding(microtorch_core.tensor([[0, 2]]), microtorch_core.eye(3)).tolist()
    [[[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]]
    """
    if weight.dim() != 2:
        raise RuntimeError(f"embedding: 'weight' must be 2-D (num_embeddings, embedding_dim), "
                           f"got shape {tuple(weight.shape)}")
    _check_indices("embedding", input)
    rows = weight.shape[0]
    padding_idx = _padding_index(padding_idx, rows)
    index = input.reshape(-1).to(dtypes.int64)
    _check_range("embedding", index, rows)
    if max_norm is not None and index.numel():
        _renorm_rows_(weight, index, max_norm, norm_type)
    out = index_select_unchecked(weight, 0, index)  # checked above
    if scale_grad_by_freq:
        out = _ScaleGrad.apply(out, _inverse_frequency(index, rows, weight))
    if padding_idx is not None:
        out = ops.where((index == padding_idx).unsqueeze(1), out.detach(), out)
    return out.reshape(tuple(input.shape) + (weight.shape[1],))


def _check_indices(name: str, input: Tensor) -> None:  # noqa: A002
    if not isinstance(input, Tensor) or input.dtype not in (dtypes.int64, dtypes.int32):
        got = input.dtype.name if isinstance(input, Tensor) else type(input).__name__
        raise RuntimeError(f"{name}: expected indices of dtype int64 or int32, got {got}")


def _check_range(name: str, index: Tensor, rows: int) -> None:
    if index.numel():
        lo, hi = index_range(index)
        if lo < 0 or hi >= rows:
            raise IndexError(f"{name}: index {lo if lo < 0 else hi} is out of range for "
                             f"{rows} embeddings (valid indices: 0 to {rows - 1})")


def _padding_index(padding_idx: int | None, num_embeddings: int) -> int | None:
    """``padding_idx`` as a row number (a negative one counts from the end), checked."""
    if padding_idx is None:
        return None
    if not -num_embeddings <= padding_idx < num_embeddings:
        raise ValueError(f"padding_idx must be within num_embeddings: got {padding_idx} for "
                         f"{num_embeddings} embeddings")
    return padding_idx % num_embeddings


def _renorm_rows_(weight: Tensor, index: Tensor, max_norm: float, norm_type: float) -> None:
    """Scale each row of ``weight`` listed in ``index`` whose norm exceeds ``max_norm`` by
    max_norm / (norm + 1e-7), in place, as PyTorch's ``embedding_renorm_``."""
    with no_grad():
        rows = tensor(sorted(set(index.tolist())), dtype=dtypes.int64, device=weight.device)
        picked = index_select_unchecked(weight, 0, rows)
        if norm_type == math.inf:
            norms = picked.abs().amax(1)
        else:
            norms = (picked.abs() ** norm_type).sum(1) ** (1.0 / norm_type)
        scale = ops.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
        weight[rows] = picked * scale.unsqueeze(1)


class _ScaleGrad(Function):
    """out = x; grad_x = grad * scale (``scale`` broadcast over the rows of ``x``)."""

    @staticmethod
    def forward(ctx, x: Tensor, scale: Tensor) -> Tensor:
        ctx.save_for_backward(scale)
        return x

    @staticmethod
    def backward(ctx, grad: Tensor):
        (scale,) = ctx.saved_tensors
        return grad * scale, None


def _inverse_frequency(index: Tensor, rows: int, weight: Tensor) -> Tensor:
    """(L, 1): 1 / (how many times index[i] occurs in ``index``), for each i."""
    counts = zeros(rows, dtype=weight.dtype, device=weight.device).index_add(
        0, index, ones(index.numel(), dtype=weight.dtype, device=weight.device))
    return (1.0 / index_select_unchecked(counts, 0, index)).unsqueeze(1)


# -- embedding_bag ------------------------------------------------------------------------------
def embedding_bag(input: Tensor, weight: Tensor,  # noqa: A002
                  offsets: Tensor | None = None, max_norm: float | None = None,
                  norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                  mode: str = "mean", sparse: bool = False,
                  per_sample_weights: Tensor | None = None, include_last_offset: bool = False,
                  padding_idx: int | None = None) -> Tensor:
    """The sum, mean or max (``mode``) of the embeddings of each bag of indices, as
    ``torch.nn.functional.embedding_bag``, without building the (bag, index, dim) tensor
    ``embedding`` would give. The output is (bags, embedding_dim).

    ``input`` is 2-D (B, N): B bags of N indices each; or 1-D with ``offsets``, the start of
    each bag in ``input`` (bag i is ``input[offsets[i]:offsets[i + 1]]``, the last one runs
    to the end, or with ``include_last_offset`` the last offset is the end of the last bag).
    An empty bag gives zeros. ``per_sample_weights`` (``input``'s shape, mode 'sum' only)
    scales each embedding before the sum. Entries equal to ``padding_idx`` are left out
    (not counted in the mean). ``max_norm`` and ``scale_grad_by_freq`` act as in
    ``embedding`` (the latter not in mode 'max', as in PyTorch), as does ``sparse`` (the
    gradient is dense).

    >>> w = microtorch_core.tensor([[1.0, 0.0], [0.0, 1.0], [2.0, 2.0]])
    >>> embedding_bag(microtorch_core.tensor([0, 2, 1]), w, microtorch_core.tensor([0, 2]),
    ...               mode="sum").tolist()
    [[3.0, 2.0], [0.0, 1.0]]
    """
    if isinstance(weight, Tensor) and weight.dtype is dtypes.int64 and \
            isinstance(input, Tensor) and input.dtype.is_floating_point:
        warnings.warn("Argument order of nn.functional.embedding_bag was changed. Usage "
                      "`embedding_bag(weight, input, ...)` is deprecated, and should now be "
                      "`embedding_bag(input, weight, ...)`.", stacklevel=2)
        weight, input = input, weight
    if per_sample_weights is not None and tuple(input.shape) != \
            tuple(per_sample_weights.shape):
        raise ValueError(f"embedding_bag: If per_sample_weights ({tuple(per_sample_weights.shape)}"
                         f") is not None, then it must have the same shape as the input "
                         f"({tuple(input.shape)})")
    if weight.dim() != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension "
                         f"{weight.dim()}")
    _check_indices("embedding_bag", input)
    index, psw, starts, ends = _bags(input, offsets, per_sample_weights, include_last_offset)
    if mode not in ("sum", "mean", "max"):
        raise ValueError(f"mode has to be one of sum, mean or max, got {mode!r}")
    if mode == "max" and scale_grad_by_freq:
        raise ValueError("max mode does not support scaling the gradient by the frequency")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(f"embedding_bag: per_sample_weights was not None. "
                                  f"per_sample_weights is only supported for mode='sum' (got "
                                  f"mode='{mode}')")
    rows, dim = weight.shape
    padding_idx = _padding_index(padding_idx, rows)
    _check_range("embedding_bag", index, rows)
    if max_norm is not None and index.numel():
        _renorm_rows_(weight, index, max_norm, norm_type)
    picked = index_select_unchecked(weight, 0, index)  # (L, D)
    if scale_grad_by_freq and index.numel():
        picked = _ScaleGrad.apply(picked, _inverse_frequency(index, rows, weight))
    if psw is not None:
        picked = picked * psw.to(picked.dtype).unsqueeze(1)
    keep = None if padding_idx is None else (index != padding_idx).unsqueeze(1)
    sizes = ends - starts  # entries per bag
    bag_of = tensor(np.repeat(np.arange(len(starts)), sizes), dtype=dtypes.int64,
                    device=weight.device)
    if keep is None:
        counts = tensor(sizes, dtype=weight.dtype, device=weight.device)
    else:  # the padding entries do not count
        picked = ops.where(keep, picked, 0.0 if mode != "max" else -math.inf)
        counts = zeros(len(starts), dtype=weight.dtype, device=weight.device).index_add(
            0, bag_of, keep.squeeze(1).to(weight.dtype))
    if mode == "max":
        out = _bag_max(picked, starts, sizes, weight)
        return ops.where(counts.unsqueeze(1) > 0, out, 0.0)  # an empty bag gives zeros
    out = zeros(len(starts), dim, dtype=weight.dtype, device=weight.device)
    out = out.index_add(0, bag_of, picked)
    if mode == "sum":
        return out
    return out / ops.clamp(counts, min=1.0).unsqueeze(1)  # an empty bag: 0 / 1


def _bags(input: Tensor, offsets: Tensor | None,  # noqa: A002
          per_sample_weights: Tensor | None, include_last_offset: bool
          ) -> tuple[Tensor, Tensor | None, np.ndarray, np.ndarray]:
    """The flat indices and weights, and the [start, end) of each bag in them."""
    if input.dim() == 2:
        if offsets is not None:
            raise ValueError(f"if input is 2D, then offsets has to be None, as input is "
                             f"treated is a mini-batch of fixed length sequences. However, "
                             f"found offsets of type {type(offsets).__name__}")
        bags, length = input.shape
        starts = np.arange(bags) * length
        psw = None if per_sample_weights is None else per_sample_weights.reshape(-1)
        return input.reshape(-1).to(dtypes.int64), psw, starts, starts + length
    if input.dim() != 1:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension "
                         f"{input.dim()}")
    if offsets is None:
        raise ValueError("offsets has to be a 1D Tensor but got None")
    if not isinstance(offsets, Tensor) or offsets.dim() != 1:
        raise ValueError("offsets has to be a 1D Tensor")
    _check_indices("embedding_bag (offsets)", offsets)
    length = input.shape[0]
    bounds = np.asarray(offsets.tolist(), dtype=np.int64)
    if len(bounds) and bounds[0] != 0:
        raise RuntimeError(f"offsets[0] has to be 0, i.e., the first sequence in the "
                           f"mini-batch has to start from position 0. However, got "
                           f"{bounds[0]}")
    if len(bounds) and bounds[-1] > length:
        raise RuntimeError(f"offsets[-1] can not be greater than input's length {length} but "
                           f"got offsets[-1] of {bounds[-1]}")
    if np.any(np.diff(bounds) < 0):
        raise RuntimeError(f"offsets must be non-decreasing, got {bounds.tolist()}")
    if include_last_offset:  # the entries past the last offset belong to no bag
        starts, ends = bounds[:-1], bounds[1:]
    else:
        starts, ends = bounds, np.append(bounds[1:], length)
    used = int(ends[-1]) if len(ends) else 0
    psw = None if per_sample_weights is None else per_sample_weights[:used]
    return input[:used].to(dtypes.int64), psw, starts, ends


def _bag_max(picked: Tensor, starts: np.ndarray, sizes: np.ndarray, weight: Tensor) -> Tensor:
    """The elementwise max over each bag: the bags laid out as (B, longest, D), short ones
    filled with -inf, then ``argmax`` and ``gather``, so the gradient goes to the first
    maximum, as in PyTorch. (Empty bags are the caller's: here they give -inf.)"""
    bags, dim = len(starts), picked.shape[1]
    longest = int(sizes.max()) if bags else 0
    if longest == 0:  # the sum over no rows: zeros that stay in the graph, as PyTorch's
        return picked.sum(0).expand(bags, dim)
    filler = picked.shape[0]  # the position of an appended row of -inf
    padded = ops.cat([picked, tensor(np.full((1, dim), -np.inf), dtype=picked.dtype,
                                     device=picked.device)])
    j = np.arange(longest)
    where = np.where(j < sizes[:, None], starts[:, None] + j, filler).reshape(-1)
    dense = index_select_unchecked(padded, 0, tensor(where, device=picked.device))
    dense = dense.reshape(bags, longest, dim)
    return Gather.apply(dense, 1, dense.argmax(1, keepdim=True)).squeeze(1)
