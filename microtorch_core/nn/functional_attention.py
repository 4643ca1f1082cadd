"""Attention, as in ``torch.nn.functional``: ``scaled_dot_product_attention`` and
``multi_head_attention_forward`` (the function behind ``nn.MultiheadAttention``).
``nn.functional`` re-exports them.

Attention is softmax(Q K^T * scale + mask) V: each query row takes a weighted average of the
value rows, weighted by how well it matches each key. Both functions are composites of
matmul, softmax, ``where`` and dropout, so they run on every backend and autograd gives their
gradients; there is no fused kernel.

Masks come in two kinds, and their booleans mean opposite things (as in PyTorch):

* ``scaled_dot_product_attention``: a bool ``attn_mask`` is True where a query *may* attend
  to a key; a float mask is *added* to the scores (-inf removes a key).
* ``multi_head_attention_forward`` (and the Transformer layers): a bool ``attn_mask`` or
  ``key_padding_mask`` is True where a key is *ignored*; a float mask is added.
"""

from __future__ import annotations

import math
import warnings

from .. import dtypes, ops
from ..creation import ones, zeros
from ..dispatch import broadcast_shapes
from ..tensor import Tensor

# functional.py re-exports this module, so it is still being imported when this line runs;
# F is only used inside the functions below, by which time it is complete.
from . import functional as F

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward"]


# -- scaled dot-product attention -------------------------------------------------------------
def _safe_softmax(scores: Tensor) -> Tensor:
    """softmax over the last dim, but 0 for a row whose scores are all -inf (a query whose
    every key is masked out), as PyTorch's ``_safe_softmax`` in its math path.

    A plain softmax gives 0 / 0 = NaN there, and NaN gradients that would spread to every
    input, so such rows are set to 0 *before* the softmax too (their gradient is then 0)."""
    dead = (scores == -math.inf).all(-1, keepdim=True)
    probs = ops.softmax(ops.where(dead, 0.0, scores), -1)
    return ops.where(dead, 0.0, probs)


def _repeat_kv_heads(query: Tensor, key: Tensor, value: Tensor) -> tuple[Tensor, Tensor]:
    """Grouped-query attention: repeat each key/value head (dim -3) so that there are as many
    as query heads; query heads ``g * r`` to ``g * r + r - 1`` share key/value head ``g``."""
    if min(query.dim(), key.dim(), value.dim()) < 3:
        raise RuntimeError("scaled_dot_product_attention: enable_gqa=True needs query, key and "
                           "value of at least 3 dims (..., heads, seq, features), got "
                           f"{query.dim()}, {key.dim()} and {value.dim()} dims")
    heads_q, heads_k, heads_v = query.shape[-3], key.shape[-3], value.shape[-3]
    if heads_q % heads_k or heads_q % heads_v:
        raise RuntimeError(f"scaled_dot_product_attention: with enable_gqa=True the number of "
                           f"heads in key ({heads_k}) and value ({heads_v}) must divide the "
                           f"number of heads in query ({heads_q})")
    return (key.repeat_interleave(heads_q // heads_k, -3),
            value.repeat_interleave(heads_q // heads_v, -3))


def _check_sdpa_inputs(query: Tensor, key: Tensor, value: Tensor) -> None:
    if min(query.dim(), key.dim(), value.dim()) < 2:
        raise RuntimeError(f"scaled_dot_product_attention: expected query, key and value of at "
                           f"least 2 dims (..., seq, features), got shapes "
                           f"{tuple(query.shape)}, {tuple(key.shape)} and {tuple(value.shape)}")
    if not (query.dtype is key.dtype is value.dtype):
        raise RuntimeError(f"scaled_dot_product_attention: expected query, key and value of the "
                           f"same dtype, got {query.dtype.name}, {key.dtype.name} and "
                           f"{value.dtype.name}")
    if query.shape[-1] != key.shape[-1]:
        raise RuntimeError(f"scaled_dot_product_attention: query and key must have the same "
                           f"number of features (last dim), got shapes {tuple(query.shape)} "
                           f"and {tuple(key.shape)}")
    if key.shape[-2] != value.shape[-2]:
        raise RuntimeError(f"scaled_dot_product_attention: key and value must have the same "
                           f"sequence length (dim -2), got shapes {tuple(key.shape)} and "
                           f"{tuple(value.shape)}")


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor,
                                 attn_mask: Tensor | None = None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """softmax(Q K^T * scale + mask) V, as ``torch.nn.functional.scaled_dot_product_attention``.

    ``query`` (..., L, E), ``key`` (..., S, E) and ``value`` (..., S, Ev), the leading dims
    broadcast; the result is (..., L, Ev). ``scale`` defaults to 1/sqrt(E).

    * ``attn_mask``, broadcastable to the scores (..., L, S): bool, True where the query may
      attend to the key; or float, added to the scores.
    * ``is_causal``: query i attends to keys 0..i only (the lower triangle of an L x S
      matrix, aligned at the top left); then ``attn_mask`` must be None.
    * ``dropout_p``: dropout on the attention weights. As in PyTorch it is applied whenever
      ``dropout_p > 0``, whatever the training mode: pass 0.0 when evaluating.
    * ``enable_gqa``: grouped-query attention, fewer key/value heads (dim -3) than query heads.

    A query whose keys are all masked out gets an output row of zeros (and zero gradients),
    as in PyTorch's math implementation, which uses a ``_safe_softmax`` for this (checked
    against PyTorch 2.13). The Python reference in PyTorch's documentation, a plain softmax,
    gives NaN instead, as does ``multi_head_attention_forward`` when it returns the weights.

    >>> q = microtorch_core.randn(2, 4, 5, 8)  # (batch, heads, seq, features)
    >>> scaled_dot_product_attention(q, q, q, is_causal=True).shape
    (2, 4, 5, 8)
    """
    _check_sdpa_inputs(query, key, value)
    L, S = query.shape[-2], key.shape[-2]
    if is_causal:
        # PyTorch's math path raises here; its CPU flash kernel silently drops the mask.
        if attn_mask is not None:
            raise RuntimeError(f"scaled_dot_product_attention: attn_mask must be None when "
                               f"is_causal=True, got a mask of shape {tuple(attn_mask.shape)}; "
                               "pass one or the other (fold the causal mask into attn_mask "
                               "to use both)")
        attn_mask = ops.tril(ones(L, S, dtype=dtypes.bool_, device=query.device))
    if enable_gqa:
        key, value = _repeat_kv_heads(query, key, value)
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    scores = (query @ key.mT) * scale
    if attn_mask is not None:
        _check_sdpa_mask(attn_mask, query, tuple(scores.shape))
        if attn_mask.dtype is dtypes.bool_:
            scores = ops.where(attn_mask, scores, -math.inf)
        else:
            scores = scores + attn_mask.to(query.dtype)
    weights = _safe_softmax(scores)
    if dropout_p > 0.0:
        weights = F.dropout(weights, dropout_p, training=True)
    return weights @ value


def _check_sdpa_mask(attn_mask: Tensor, query: Tensor, scores_shape: tuple[int, ...]) -> None:
    if attn_mask.dtype is not dtypes.bool_ and not attn_mask.dtype.is_floating_point:
        raise RuntimeError(f"scaled_dot_product_attention: expected attn_mask of dtype bool "
                           f"or a floating dtype, got {attn_mask.dtype.name}")
    try:
        fits = broadcast_shapes(tuple(attn_mask.shape), scores_shape) == scores_shape
    except RuntimeError:
        fits = False
    if not fits:
        raise RuntimeError(f"scaled_dot_product_attention: attn_mask of shape "
                           f"{tuple(attn_mask.shape)} cannot be broadcast to the attention "
                           f"scores' shape {scores_shape} (..., L, S) of query "
                           f"{tuple(query.shape)}")


# -- multi-head attention ---------------------------------------------------------------------
def _canonical_mask(mask: Tensor | None, name: str, dtype: dtypes.DType) -> Tensor | None:
    """A bool mask (True = ignore) as a float one to add to the scores (-inf where True, 0
    elsewhere); a float mask as it is; None stays None."""
    if mask is None:
        return None
    if mask.dtype is dtypes.bool_:
        return ops.where(mask, -math.inf, zeros(mask.shape, dtype=dtype, device=mask.device))
    if not mask.dtype.is_floating_point:
        raise RuntimeError(f"only bool and floating types of {name} are supported, got "
                           f"{mask.dtype.name}")
    return mask


def _warn_mismatched_masks(key_padding_mask: Tensor | None, attn_mask: Tensor | None,
                           kpm_name: str = "key_padding_mask",
                           attn_name: str = "attn_mask") -> None:
    """PyTorch's deprecation warning for a bool mask mixed with a float one."""
    if (key_padding_mask is not None and attn_mask is not None
            and key_padding_mask.dtype is not attn_mask.dtype):
        warnings.warn(f"Support for mismatched {kpm_name} and {attn_name} is deprecated. Use "
                      "same type for both instead.", stacklevel=3)


def _mha_is_batched(query: Tensor, key: Tensor, value: Tensor,
                    key_padding_mask: Tensor | None, attn_mask: Tensor | None,
                    num_heads: int) -> bool:
    """Check the ranks of the inputs and masks; True for batched (3-D) inputs, False for
    unbatched (2-D) ones."""
    if query.dim() not in (2, 3):
        raise RuntimeError(f"query should be unbatched 2D or batched 3D tensor but received "
                           f"{query.dim()}-D query tensor")
    batched = query.dim() == 3
    kind = "batched (3-D)" if batched else "unbatched (2-D)"
    if key.dim() != query.dim() or value.dim() != query.dim():
        raise RuntimeError(f"For {kind} `query`, expected `key` and `value` to be "
                           f"{query.dim()}-D but found {key.dim()}-D and {value.dim()}-D "
                           "tensors respectively")
    if key_padding_mask is not None and key_padding_mask.dim() != query.dim() - 1:
        raise RuntimeError(f"For {kind} `query`, expected `key_padding_mask` to be `None` or "
                           f"{query.dim() - 1}-D but found {key_padding_mask.dim()}-D tensor "
                           "instead")
    if attn_mask is not None:
        if attn_mask.dim() not in (2, 3):
            raise RuntimeError(f"For {kind} `query`, expected `attn_mask` to be `None`, 2-D or "
                               f"3-D but found {attn_mask.dim()}-D tensor instead")
        if not batched and attn_mask.dim() == 3:
            expected = (num_heads, query.shape[0], key.shape[0])
            if tuple(attn_mask.shape) != expected:
                raise RuntimeError(f"Expected `attn_mask` shape to be {expected} (num_heads, "
                                   f"L, S) but got {tuple(attn_mask.shape)}")
    return batched


def _pad_last(mask: Tensor | None) -> Tensor | None:
    """A float mask with one more key column, of zeros (the added key is not masked)."""
    if mask is None:
        return None
    return ops.cat([mask, zeros(mask.shape[:-1] + (1,), dtype=mask.dtype,
                                device=mask.device)], -1)


def _in_projection(query: Tensor, key: Tensor, value: Tensor, w_q: Tensor, w_k: Tensor,
                   w_v: Tensor, bias: Tensor | None) -> tuple[Tensor, Tensor, Tensor]:
    """q, k, v = query W_q^T + b_q, key W_k^T + b_k, value W_v^T + b_v (``bias`` the three
    biases stacked), with the shapes checked first so that an error names the culprit."""
    for name, x, w in (("query", query, w_q), ("key", key, w_k), ("value", value, w_v)):
        if x.shape[-1] != w.shape[1]:
            raise RuntimeError(f"multi_head_attention_forward: {name} has {x.shape[-1]} "
                               f"features (last dim) but its projection expects {w.shape[1]}")
    b_q, b_k, b_v = (None, None, None) if bias is None else bias.chunk(3)
    return F.linear(query, w_q, b_q), F.linear(key, w_k, b_k), F.linear(value, w_v, b_v)


def multi_head_attention_forward(
        query: Tensor, key: Tensor, value: Tensor, embed_dim_to_check: int, num_heads: int,
        in_proj_weight: Tensor | None, in_proj_bias: Tensor | None, bias_k: Tensor | None,
        bias_v: Tensor | None, add_zero_attn: bool, dropout_p: float,
        out_proj_weight: Tensor, out_proj_bias: Tensor | None, training: bool = True,
        key_padding_mask: Tensor | None = None, need_weights: bool = True,
        attn_mask: Tensor | None = None, use_separate_proj_weight: bool = False,
        q_proj_weight: Tensor | None = None, k_proj_weight: Tensor | None = None,
        v_proj_weight: Tensor | None = None, static_k: Tensor | None = None,
        static_v: Tensor | None = None, average_attn_weights: bool = True,
        is_causal: bool = False) -> tuple[Tensor, Tensor | None]:
    """Multi-head attention, as ``torch.nn.functional.multi_head_attention_forward``.

    Inputs are sequence-first: ``query`` (L, N, E), ``key`` (S, N, kdim), ``value``
    (S, N, vdim), or unbatched (L, E), (S, kdim), (S, vdim). Each is projected (by the
    stacked ``in_proj_weight`` (3E, E), or with ``use_separate_proj_weight`` by
    ``q_proj_weight``/``k_proj_weight``/``v_proj_weight``), split into ``num_heads`` heads of
    E / num_heads features, attended head by head, and the heads concatenated and projected by
    ``out_proj_weight``.

    Masks (bool True = ignore, or float added): ``key_padding_mask`` (N, S) or (S,);
    ``attn_mask`` (L, S) or (N * num_heads, L, S). ``is_causal`` is only a hint that
    ``attn_mask`` is the causal mask, which must then be given. ``bias_k``/``bias_v`` (1, 1, E)
    append one learned key/value; ``add_zero_attn`` appends a key and value of zeros;
    ``static_k``/``static_v`` (N * num_heads, S, E / num_heads) replace the projected keys and
    values.

    Returns the output (L, N, E) (or (L, E)) and, with ``need_weights``, the attention weights
    (N, L, S) averaged over heads, or (N, num_heads, L, S) without ``average_attn_weights``
    (else None). With ``need_weights``, a query whose keys are all masked gets NaN (softmax of
    only -inf, as PyTorch); without, it gets zeros (``scaled_dot_product_attention``).
    """
    is_batched = _mha_is_batched(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not is_batched:  # run as a batch of one
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]
    if key_padding_mask is not None and static_k is None:
        _check_key_padding_mask(key_padding_mask, bsz, src_len)
    _warn_mismatched_masks(key_padding_mask, attn_mask)
    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask", query.dtype)
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the "
                           "Transformer module method `generate_square_subsequent_mask` to "
                           "create this mask.")
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None  # let scaled_dot_product_attention build the causal mask
    else:
        attn_mask = _canonical_mask(attn_mask, "attn_mask", query.dtype)
        if key_padding_mask is not None:
            is_causal = False  # the mask merged with the padding is no longer causal

    if embed_dim != embed_dim_to_check:
        raise RuntimeError(f"was expecting embedding dimension of {embed_dim_to_check}, but "
                           f"got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise RuntimeError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if key.shape[:2] != value.shape[:2]:
            raise RuntimeError(f"key's sequence and batch dims {tuple(key.shape[:2])} do not "
                               f"match value's {tuple(value.shape[:2])}")
        if q_proj_weight is None or k_proj_weight is None or v_proj_weight is None:
            raise RuntimeError("use_separate_proj_weight is True but q_proj_weight, "
                               "k_proj_weight or v_proj_weight is None")
        q, k, v = _in_projection(query, key, value, q_proj_weight, k_proj_weight,
                                 v_proj_weight, in_proj_bias)
    else:
        if key.shape != value.shape:
            raise RuntimeError(f"key shape {tuple(key.shape)} does not match value shape "
                               f"{tuple(value.shape)}")
        if in_proj_weight is None:
            raise RuntimeError("use_separate_proj_weight is False but in_proj_weight is None")
        q, k, v = _in_projection(query, key, value, *in_proj_weight.chunk(3), in_proj_bias)

    if attn_mask is not None:  # as (1 or N * num_heads, L, S)
        if attn_mask.dim() == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise RuntimeError(f"The shape of the 2D attn_mask is "
                                   f"{tuple(attn_mask.shape)}, but should be "
                                   f"{(tgt_len, src_len)}.")
            attn_mask = attn_mask.unsqueeze(0)
        elif tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
            raise RuntimeError(f"The shape of the 3D attn_mask is {tuple(attn_mask.shape)}, "
                               f"but should be {(bsz * num_heads, tgt_len, src_len)}.")

    if bias_k is not None and bias_v is not None:  # one more key and value, learned
        if static_k is not None or static_v is not None:
            raise RuntimeError("bias cannot be added to static key or value")
        k = ops.cat([k, bias_k.expand(1, bsz, embed_dim)])
        v = ops.cat([v, bias_v.expand(1, bsz, embed_dim)])
        attn_mask, key_padding_mask = _pad_last(attn_mask), _pad_last(key_padding_mask)
    elif bias_k is not None or bias_v is not None:
        raise RuntimeError("bias_k and bias_v must be given together")

    # heads into the batch: (seq, N, E) -> (N * num_heads, seq, head_dim)
    q = q.reshape(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    k = _heads_first(k, static_k, bsz * num_heads, head_dim, "static_k")
    v = _heads_first(v, static_v, bsz * num_heads, head_dim, "static_v")
    if add_zero_attn:  # one more key and value, of zeros
        zero = zeros(bsz * num_heads, 1, head_dim, dtype=k.dtype, device=k.device)
        k, v = ops.cat([k, zero], 1), ops.cat([v, zero], 1)
        attn_mask, key_padding_mask = _pad_last(attn_mask), _pad_last(key_padding_mask)
    src_len = k.shape[1]

    if key_padding_mask is not None:  # merged into attn_mask, one row per batch and head
        _check_key_padding_mask(key_padding_mask, bsz, src_len)
        key_padding_mask = (key_padding_mask.reshape(bsz, 1, 1, src_len)
                            .expand(bsz, num_heads, 1, src_len)
                            .reshape(bsz * num_heads, 1, src_len))
        attn_mask = key_padding_mask if attn_mask is None else attn_mask + key_padding_mask
    if not training:
        dropout_p = 0.0

    if need_weights:
        # this path computes the weights itself, with a plain softmax, to return them
        scores = (q * math.sqrt(1.0 / head_dim)) @ k.transpose(1, 2)
        if attn_mask is not None:
            scores = scores + attn_mask
        weights = ops.softmax(scores, -1)
        if dropout_p > 0.0:
            weights = F.dropout(weights, dropout_p)
        out = (weights @ v).transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
        weights = weights.reshape(bsz, num_heads, tgt_len, src_len)
        if average_attn_weights:
            weights = weights.mean(1)
    else:
        if attn_mask is not None:  # (1 or N * num_heads, L or 1, S) -> (1 or N, heads, ., S)
            attn_mask = (attn_mask.unsqueeze(0) if attn_mask.shape[0] == 1
                         else attn_mask.reshape(bsz, num_heads, -1, src_len))
        heads = scaled_dot_product_attention(
            q.reshape(bsz, num_heads, tgt_len, head_dim),
            k.reshape(bsz, num_heads, src_len, head_dim),
            v.reshape(bsz, num_heads, src_len, head_dim), attn_mask, dropout_p, is_causal)
        out = heads.permute(2, 0, 1, 3).reshape(tgt_len * bsz, embed_dim)
        weights = None
    out = F.linear(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, -1)
    if not is_batched:
        out = out.squeeze(1)
        weights = None if weights is None else weights.squeeze(0)
    return out, weights


def _check_key_padding_mask(key_padding_mask: Tensor, bsz: int, src_len: int) -> None:
    if tuple(key_padding_mask.shape) != (bsz, src_len):
        raise RuntimeError(f"Expected key_padding_mask of shape {(bsz, src_len)} (batch, "
                           f"source length), but got {tuple(key_padding_mask.shape)}")


def _heads_first(x: Tensor, static: Tensor | None, batch_heads: int, head_dim: int,
                 name: str) -> Tensor:
    """Projected keys or values (S, N, E) as (N * num_heads, S, head_dim), or ``static``
    (already in that layout) in their place."""
    if static is None:
        return x.reshape(x.shape[0], batch_heads, head_dim).transpose(0, 1)
    if static.dim() != 3 or static.shape[0] != batch_heads or static.shape[2] != head_dim:
        raise RuntimeError(f"expected {name} of shape ({batch_heads}, S, {head_dim}) (batch * "
                           f"num_heads, S, head_dim), got {tuple(static.shape)}")
    return static
