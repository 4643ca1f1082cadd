"""Attention (``nn/functional_attention.py``, ``nn/attention.py``):
``F.scaled_dot_product_attention`` and ``nn.MultiheadAttention`` match PyTorch in value and
gradient (float64, PyTorch's weights loaded through ``load_state_dict``) for every kind of
mask; gradients match finite differences; errors name the wrong values."""

import math

import numpy as np
import pytest
from torch_reference import leaf_pair, randn, requires_torch, torch
from torch_reference import to_numpy as _np

import microtorch_core as mt
from microtorch_core import nn
from microtorch_core.autograd.gradcheck import gradcheck
from microtorch_core.nn import functional as F

L, S, E, HEADS, BATCH = 4, 5, 8, 2, 3


def _bool_mask(shape, seed, keep_one_per_row=True):
    """A random bool mask; with ``keep_one_per_row``, column 0 is True (never a full row of
    False, which SDPA would read as "no key to attend to")."""
    mask = np.random.default_rng(seed).random(shape) < 0.5
    if keep_one_per_row:
        mask[..., 0] = True
    return mask


def _check(out, t_out, leaves, module_pair=None):
    """Outputs agree with PyTorch's, and so do the gradients of one random projection of them
    with respect to each (ours, theirs) leaf and, for a module pair, every parameter."""
    outs = out if isinstance(out, tuple) else (out,)
    t_outs = t_out if isinstance(t_out, tuple) else (t_out,)
    rng = np.random.default_rng(99)
    loss, t_loss = 0, 0
    for o, t in zip(outs, t_outs, strict=True):
        assert o.shape == tuple(t.shape)
        np.testing.assert_allclose(_np(o), t.detach().numpy(), rtol=1e-10, atol=1e-12)
        w = rng.standard_normal(tuple(t.shape))
        loss = loss + (o * mt.tensor(w)).sum()
        t_loss = t_loss + (t * torch.tensor(w)).sum()
    loss.backward()
    t_loss.backward()
    pairs = [(f"leaf {i}", a, b) for i, (a, b) in enumerate(leaves)]
    if module_pair is not None:
        ours, ref = module_pair
        t_params = dict(ref.named_parameters())
        assert [n for n, _ in ours.named_parameters()] == list(t_params)
        pairs += [(name, p, t_params[name]) for name, p in ours.named_parameters()]
    for name, a, b in pairs:
        np.testing.assert_allclose(_np(a.grad), b.grad.numpy(), rtol=1e-10, atol=1e-12,
                                   err_msg=name)


# -- scaled_dot_product_attention against PyTorch ---------------------------------------------
def _qkv(batch_shape, seed, value_features=E, key_batch_shape=None):
    key_batch_shape = batch_shape if key_batch_shape is None else key_batch_shape
    return (leaf_pair(randn(batch_shape + (L, E), seed)),
            leaf_pair(randn(key_batch_shape + (S, E), seed + 1)),
            leaf_pair(randn(key_batch_shape + (S, value_features), seed + 2)))


def _sdpa_both(qkv, **kwargs):
    """(ours, PyTorch's) ``scaled_dot_product_attention``; a mask in ``kwargs`` is a pair."""
    mask = kwargs.pop("attn_mask", (None, None))
    ours = F.scaled_dot_product_attention(*(p[0] for p in qkv), attn_mask=mask[0], **kwargs)
    theirs = torch.nn.functional.scaled_dot_product_attention(*(p[1] for p in qkv),
                                                              attn_mask=mask[1], **kwargs)
    return ours, theirs


@requires_torch
@pytest.mark.parametrize("batch_shape", [(), (BATCH,), (BATCH, HEADS), (2, BATCH, HEADS)],
                         ids=["unbatched", "batch", "batch_heads", "three_leading_dims"])
def test_sdpa_without_mask_matches_torch_for_any_leading_dims(batch_shape):
    qkv = _qkv(batch_shape, 0)
    _check(*_sdpa_both(qkv), [p for p in qkv])


@requires_torch
def test_sdpa_key_and_value_batch_dims_broadcast_against_the_query():
    qkv = _qkv((BATCH, HEADS), 1, key_batch_shape=(1, HEADS))
    _check(*_sdpa_both(qkv), list(qkv))


@requires_torch
def test_sdpa_value_may_have_another_feature_size():
    qkv = _qkv((BATCH,), 2, value_features=3)
    _check(*_sdpa_both(qkv), list(qkv))


@requires_torch
@pytest.mark.parametrize("mask_shape", [(L, S), (BATCH, 1, L, S), (1, HEADS, 1, S)],
                         ids=["shared", "per_batch", "per_head_and_key"])
def test_sdpa_bool_mask_lets_true_positions_take_part_and_broadcasts(mask_shape):
    qkv = _qkv((BATCH, HEADS), 3)
    mask = leaf_pair(_bool_mask(mask_shape, 4), requires_grad=False)
    _check(*_sdpa_both(qkv, attn_mask=mask), list(qkv))


@requires_torch
def test_sdpa_float_mask_is_added_to_the_scores_and_gets_a_gradient():
    qkv = _qkv((BATCH, HEADS), 5)
    mask = leaf_pair(randn((1, HEADS, L, S), 6))
    _check(*_sdpa_both(qkv, attn_mask=mask), list(qkv) + [mask])


@requires_torch
def test_sdpa_float_mask_with_minus_infinity_removes_keys():
    qkv = _qkv((BATCH,), 7)
    data = randn((L, S), 8)
    data[:, 2:4] = -math.inf
    _check(*_sdpa_both(qkv, attn_mask=leaf_pair(data, requires_grad=False)), list(qkv))


@requires_torch
@pytest.mark.parametrize("key_len", [L, S, 2], ids=["square", "more_keys", "fewer_keys"])
def test_sdpa_is_causal_is_the_lower_triangle_from_the_top_left(key_len):
    q = leaf_pair(randn((BATCH, HEADS, L, E), 9))
    k, v = (leaf_pair(randn((BATCH, HEADS, key_len, E), seed)) for seed in (10, 11))
    _check(*_sdpa_both((q, k, v), is_causal=True), [q, k, v])


@requires_torch
def test_sdpa_custom_scale_matches_torch():
    qkv = _qkv((BATCH,), 12)
    _check(*_sdpa_both(qkv, scale=0.1), list(qkv))


@requires_torch
def test_sdpa_grouped_query_attention_shares_key_value_heads():
    q = leaf_pair(randn((BATCH, 4, L, E), 13))
    k, v = (leaf_pair(randn((BATCH, 2, S, E), seed)) for seed in (14, 15))
    _check(*_sdpa_both((q, k, v), enable_gqa=True), [q, k, v])


@requires_torch
def test_sdpa_fully_masked_row_gives_zeros_and_zero_gradients_as_torch():
    """PyTorch's math path (its ``_safe_softmax``) outputs 0 for a query with no key to
    attend to, rather than the NaN of a plain softmax."""
    qkv = _qkv((BATCH,), 16)
    mask = _bool_mask((L, S), 17)
    mask[1] = False
    out, t_out = _sdpa_both(qkv, attn_mask=leaf_pair(mask, requires_grad=False))
    assert np.all(_np(out)[:, 1] == 0)
    _check(out, t_out, list(qkv))
    assert np.all(_np(qkv[0][0].grad)[:, 1] == 0)


# -- scaled_dot_product_attention without PyTorch ---------------------------------------------
def test_sdpa_is_softmax_of_scaled_scores_times_values():
    rng = np.random.default_rng(18)
    q, k, v = rng.standard_normal((L, E)), rng.standard_normal((S, E)), rng.standard_normal((S, 3))
    scores = q @ k.T / math.sqrt(E)
    weights = np.exp(scores - scores.max(-1, keepdims=True))
    weights /= weights.sum(-1, keepdims=True)
    out = F.scaled_dot_product_attention(mt.tensor(q), mt.tensor(k), mt.tensor(v))
    np.testing.assert_allclose(_np(out), weights @ v, rtol=1e-12)


def test_sdpa_is_causal_equals_a_lower_triangular_bool_mask():
    q, k, v = (mt.tensor(randn((HEADS, L, E), seed)) for seed in (19, 20, 21))
    causal = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    masked = F.scaled_dot_product_attention(q, k, v, attn_mask=mt.ones(L, L, dtype=mt.bool).tril())
    np.testing.assert_array_equal(_np(causal), _np(masked))
    np.testing.assert_allclose(_np(causal)[:, 0], _np(v)[:, 0], rtol=1e-12)  # sees key 0 only


def test_sdpa_dropout_zeroes_weights_and_scales_the_rest_even_in_eval_code():
    q, k, v = (mt.tensor(randn((BATCH, L, E), seed)) for seed in (22, 23, 24))
    weights = (q @ k.mT / math.sqrt(E)).softmax(-1)
    mt.manual_seed(25)
    keep = mt.rand(weights.shape, dtype=mt.float64) < 0.5  # the draw dropout makes
    mt.manual_seed(25)
    out = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5)
    np.testing.assert_allclose(_np(out), _np(mt.where(keep, weights * 2, 0.0) @ v), rtol=1e-12)


def test_sdpa_gradients_match_finite_differences():
    q, k, v = (mt.tensor(randn((HEADS, 3, 4), seed), requires_grad=True) for seed in (26, 27, 28))
    mask = mt.tensor(randn((3, 3), 29), requires_grad=True)
    assert gradcheck(lambda *t: F.scaled_dot_product_attention(*t), (q, k, v, mask))
    assert gradcheck(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True),
                     (q, k, v))


def test_sdpa_with_causal_flag_and_a_mask_is_an_error():
    q = mt.randn(L, E)
    with pytest.raises(RuntimeError, match=r"attn_mask must be None when is_causal=True, got a "
                                           r"mask of shape \(4, 4\)"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=mt.ones(L, L, dtype=mt.bool),
                                       is_causal=True)


def test_sdpa_mask_that_does_not_broadcast_to_the_scores_is_an_error():
    q, k = mt.randn(BATCH, L, E), mt.randn(BATCH, S, E)
    with pytest.raises(RuntimeError, match=r"attn_mask of shape \(5, 4\) cannot be broadcast "
                                           r"to the attention scores' shape \(3, 4, 5\)"):
        F.scaled_dot_product_attention(q, k, k, attn_mask=mt.ones(S, L, dtype=mt.bool))


def test_sdpa_integer_mask_is_an_error():
    q = mt.randn(L, E)
    with pytest.raises(RuntimeError, match="expected attn_mask of dtype bool or a floating "
                                           "dtype, got int64"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=mt.ones(L, L, dtype=mt.int64))


def test_sdpa_mismatched_feature_sizes_or_lengths_are_errors():
    q = mt.randn(L, E)
    with pytest.raises(RuntimeError, match=r"query and key must have the same number of "
                                           r"features \(last dim\), got shapes \(4, 8\) and "
                                           r"\(5, 6\)"):
        F.scaled_dot_product_attention(q, mt.randn(S, 6), mt.randn(S, E))
    with pytest.raises(RuntimeError, match=r"key and value must have the same sequence length "
                                           r"\(dim -2\), got shapes \(5, 8\) and \(6, 8\)"):
        F.scaled_dot_product_attention(q, mt.randn(S, E), mt.randn(6, E))


def test_sdpa_key_heads_that_do_not_divide_query_heads_is_an_error():
    q, k = mt.randn(4, L, E), mt.randn(3, S, E)
    with pytest.raises(RuntimeError, match=r"heads in key \(3\) and value \(3\) must divide the "
                                           r"number of heads in query \(4\)"):
        F.scaled_dot_product_attention(q, k, k, enable_gqa=True)


# -- nn.MultiheadAttention against PyTorch ----------------------------------------------------
def _twins(*args, **kwargs):
    """A float64 ``torch.nn.MultiheadAttention`` and ours with its parameters, loaded by
    state dict."""
    torch.manual_seed(0)
    ref = torch.nn.MultiheadAttention(*args, **kwargs).double()
    ours = nn.MultiheadAttention(*args, **kwargs).double()
    ours.load_state_dict({k: mt.tensor(v.numpy()) for k, v in ref.state_dict().items()})
    return ours, ref


def _run_mha(ours, ref, query, key=None, value=None, **kwargs):
    """Call both modules on the same (ours, theirs) pairs; masks in ``kwargs`` are pairs."""
    key = query if key is None else key
    value = key if value is None else value
    mine = {k: v[0] if isinstance(v, tuple) else v for k, v in kwargs.items()}
    theirs = {k: v[1] if isinstance(v, tuple) else v for k, v in kwargs.items()}
    out = ours(query[0], key[0], value[0], **mine)
    t_out = ref(query[1], key[1], value[1], **theirs)
    return out, t_out


def _mha_outputs(out, t_out):
    """The tensors among (attn_output, attn_weights); the weights are None for both, or for
    neither."""
    assert (out[1] is None) == (t_out[1] is None)
    return tuple(o for o in out if o is not None), tuple(t for t in t_out if t is not None)


@requires_torch
@pytest.mark.parametrize("need_weights", [True, False], ids=["with_weights", "without_weights"])
def test_mha_self_attention_matches_torch(need_weights):
    ours, ref = _twins(E, HEADS)
    x = leaf_pair(randn((L, BATCH, E), 30))
    out, t_out = _run_mha(ours, ref, x, need_weights=need_weights)
    _check(*_mha_outputs(out, t_out), [x], (ours, ref))


@requires_torch
def test_mha_per_head_weights_without_averaging_match_torch():
    ours, ref = _twins(E, HEADS)
    x = leaf_pair(randn((L, BATCH, E), 31))
    out, t_out = _run_mha(ours, ref, x, average_attn_weights=False)
    assert out[1].shape == (BATCH, HEADS, L, L)
    _check(*_mha_outputs(out, t_out), [x], (ours, ref))


@requires_torch
def test_mha_cross_attention_with_kdim_and_vdim_uses_separate_projections():
    ours, ref = _twins(E, HEADS, kdim=3, vdim=5)
    assert [n for n, _ in ours.named_parameters()][:3] == ["q_proj_weight", "k_proj_weight",
                                                          "v_proj_weight"]
    q, k, v = (leaf_pair(randn((n, BATCH, d), seed)) for n, d, seed in
               ((L, E, 32), (S, 3, 33), (S, 5, 34)))
    out, t_out = _run_mha(ours, ref, q, k, v)
    _check(*_mha_outputs(out, t_out), [q, k, v], (ours, ref))


@requires_torch
def test_mha_batch_first_matches_torch():
    ours, ref = _twins(E, HEADS, batch_first=True)
    q, kv = leaf_pair(randn((BATCH, L, E), 35)), leaf_pair(randn((BATCH, S, E), 36))
    out, t_out = _run_mha(ours, ref, q, kv)
    assert out[0].shape == (BATCH, L, E)
    _check(*_mha_outputs(out, t_out), [q, kv], (ours, ref))


@requires_torch
@pytest.mark.parametrize("mask_kind", ["none", "2d", "3d"])
def test_mha_unbatched_input_matches_torch(mask_kind):
    ours, ref = _twins(E, HEADS)
    q, kv = leaf_pair(randn((L, E), 37)), leaf_pair(randn((S, E), 38))
    masks = {"none": None, "2d": leaf_pair(randn((L, S), 39), requires_grad=False),
             "3d": leaf_pair(randn((HEADS, L, S), 39), requires_grad=False)}
    out, t_out = _run_mha(ours, ref, q, kv, attn_mask=masks[mask_kind])
    assert out[0].shape == (L, E) and out[1].shape == (L, S)
    _check(*_mha_outputs(out, t_out), [q, kv], (ours, ref))


@requires_torch
@pytest.mark.parametrize("need_weights", [True, False], ids=["with_weights", "without_weights"])
@pytest.mark.parametrize("dtype", ["bool", "float"])
def test_mha_key_padding_mask_ignores_padded_keys(dtype, need_weights):
    ours, ref = _twins(E, HEADS)
    q, kv = leaf_pair(randn((L, BATCH, E), 40)), leaf_pair(randn((S, BATCH, E), 41))
    padding = np.zeros((BATCH, S), bool)
    padding[1, 3:] = padding[2, 1:] = True
    mask = padding if dtype == "bool" else np.where(padding, -math.inf, 0.0)
    out, t_out = _run_mha(ours, ref, q, kv, key_padding_mask=leaf_pair(mask, requires_grad=False),
                          need_weights=need_weights)
    _check(*_mha_outputs(out, t_out), [q, kv], (ours, ref))


@requires_torch
@pytest.mark.parametrize("mask_kind", ["bool_2d", "float_2d", "bool_3d", "float_3d"])
def test_mha_attn_mask_matches_torch(mask_kind):
    ours, ref = _twins(E, HEADS)
    q, kv = leaf_pair(randn((L, BATCH, E), 42)), leaf_pair(randn((S, BATCH, E), 43))
    shape = (L, S) if mask_kind.endswith("2d") else (BATCH * HEADS, L, S)
    # bool: True where a key is ignored (the opposite of F.scaled_dot_product_attention)
    mask = (~_bool_mask(shape, 44) if mask_kind.startswith("bool") else randn(shape, 44))
    out, t_out = _run_mha(ours, ref, q, kv, attn_mask=leaf_pair(mask, requires_grad=False))
    _check(*_mha_outputs(out, t_out), [q, kv], (ours, ref))


@requires_torch
@pytest.mark.parametrize("need_weights", [True, False], ids=["with_weights", "without_weights"])
def test_mha_attn_mask_and_key_padding_mask_combine(need_weights):
    ours, ref = _twins(E, HEADS)
    x = leaf_pair(randn((L, BATCH, E), 45))
    padding = np.zeros((BATCH, L), bool)
    padding[0, 2:] = True
    causal = np.triu(np.ones((L, L), bool), 1)
    out, t_out = _run_mha(ours, ref, x, attn_mask=leaf_pair(causal, requires_grad=False),
                          key_padding_mask=leaf_pair(padding, requires_grad=False),
                          need_weights=need_weights)
    _check(*_mha_outputs(out, t_out), [x], (ours, ref))


@requires_torch
def test_mha_is_causal_hint_with_the_causal_mask_matches_torch():
    ours, ref = _twins(E, HEADS)
    x = leaf_pair(randn((L, BATCH, E), 46))
    causal = leaf_pair(np.triu(np.full((L, L), -math.inf), 1), requires_grad=False)
    out, t_out = _run_mha(ours, ref, x, attn_mask=causal, is_causal=True, need_weights=False)
    _check(*_mha_outputs(out, t_out), [x], (ours, ref))


@requires_torch
@pytest.mark.parametrize("options", [{"add_bias_kv": True}, {"add_zero_attn": True},
                                     {"bias": False}, {"add_bias_kv": True, "add_zero_attn": True}],
                         ids=["add_bias_kv", "add_zero_attn", "no_bias", "bias_kv_and_zero_attn"])
@pytest.mark.parametrize("need_weights", [True, False], ids=["with_weights", "without_weights"])
def test_mha_options_match_torch(options, need_weights):
    ours, ref = _twins(E, HEADS, **options)
    q, kv = leaf_pair(randn((L, BATCH, E), 47)), leaf_pair(randn((S, BATCH, E), 48))
    padding = np.zeros((BATCH, S), bool)
    padding[1, 2:] = True
    out, t_out = _run_mha(ours, ref, q, kv, attn_mask=leaf_pair(~_bool_mask((L, S), 49), False),
                          key_padding_mask=leaf_pair(padding, False), need_weights=need_weights)
    _check(*_mha_outputs(out, t_out), [q, kv], (ours, ref))


@requires_torch
def test_mha_bool_padding_with_a_float_attn_mask_warns_and_matches_torch():
    ours, ref = _twins(E, HEADS)
    x = leaf_pair(randn((L, BATCH, E), 62))
    padding = np.zeros((BATCH, L), bool)
    padding[2, 1:] = True
    with pytest.warns(UserWarning, match="Support for mismatched key_padding_mask and "
                                         "attn_mask is deprecated"):
        out, t_out = _run_mha(ours, ref, x, attn_mask=leaf_pair(randn((L, L), 63), False),
                              key_padding_mask=leaf_pair(padding, False))
    _check(*_mha_outputs(out, t_out), [x], (ours, ref))


@requires_torch
def test_mha_fully_masked_query_is_nan_with_weights_and_zero_without_as_torch():
    ours, ref = _twins(E, HEADS)
    x = leaf_pair(randn((L, BATCH, E), 50), requires_grad=False)
    mask = np.zeros((L, L), bool)
    mask[1] = True  # query 1 may attend to nothing
    for need_weights in (True, False):
        out, t_out = _run_mha(ours, ref, x, attn_mask=leaf_pair(mask, False),
                              need_weights=need_weights)
        np.testing.assert_allclose(_np(out[0]), t_out[0].detach().numpy(), rtol=1e-10,
                                   atol=1e-12)  # NaNs in the same places
        assert np.isnan(_np(out[0])[1]).all() == need_weights


@requires_torch
def test_mha_in_eval_mode_matches_torch_fast_path():
    ours, ref = _twins(E, HEADS, dropout=0.5, batch_first=True)
    ours.eval(), ref.eval()
    x = leaf_pair(randn((BATCH, L, E), 51), requires_grad=False)
    padding = np.zeros((BATCH, L), bool)
    padding[0, 3:] = True
    with torch.no_grad():
        out, t_out = _run_mha(ours, ref, x, key_padding_mask=leaf_pair(padding, False))
    np.testing.assert_allclose(_np(out[0]), t_out[0].numpy(), rtol=1e-10, atol=1e-12)


@requires_torch
@pytest.mark.parametrize("options", [{}, {"kdim": 3, "vdim": 5}, {"add_bias_kv": True},
                                     {"bias": False}],
                         ids=["default", "kdim_vdim", "add_bias_kv", "no_bias"])
def test_mha_state_dict_keys_shapes_and_order_match_torch(options):
    ours = nn.MultiheadAttention(E, HEADS, **options)
    ref = torch.nn.MultiheadAttention(E, HEADS, **options)
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in ref.state_dict().items()]


@requires_torch
@pytest.mark.parametrize("need_weights", [True, False], ids=["with_weights", "without_weights"])
def test_multi_head_attention_forward_with_static_keys_and_values_matches_torch(need_weights):
    q = leaf_pair(randn((L, BATCH, E), 64))
    w_in, b_in = leaf_pair(randn((3 * E, E), 65) / 3), leaf_pair(randn(3 * E, 66))
    w_out, b_out = leaf_pair(randn((E, E), 67) / 3), leaf_pair(randn(E, 68))
    static_k, static_v = (leaf_pair(randn((BATCH * HEADS, S, E // HEADS), seed))
                          for seed in (69, 70))
    leaves = [q, w_in, b_in, w_out, b_out, static_k, static_v]

    def run(side, fn):
        q, w_in, b_in, w_out, b_out, static_k, static_v = (t[side] for t in leaves)
        return fn(q, q, q, E, HEADS, w_in, b_in, None, None, False, 0.0, w_out, b_out,
                  need_weights=need_weights, static_k=static_k, static_v=static_v)

    out = run(0, F.multi_head_attention_forward)
    t_out = run(1, torch.nn.functional.multi_head_attention_forward)
    _check(*_mha_outputs(out, t_out), leaves)


# -- nn.MultiheadAttention without PyTorch ----------------------------------------------------
def test_mha_gradients_match_finite_differences():
    mt.manual_seed(52)
    mha = nn.MultiheadAttention(4, 2, kdim=3, vdim=2).double()
    q = mt.tensor(randn((3, 2, 4), 53), requires_grad=True)
    k = mt.tensor(randn((2, 2, 3), 54), requires_grad=True)
    v = mt.tensor(randn((2, 2, 2), 55), requires_grad=True)
    mask = mt.tensor(randn((3, 2), 56))
    assert gradcheck(lambda q, k, v: mha(q, k, v, attn_mask=mask), (q, k, v))


def test_mha_initialises_projections_by_xavier_uniform_and_biases_to_zero():
    mt.manual_seed(57)
    mha = nn.MultiheadAttention(64, 4)
    bound = math.sqrt(6 / (64 + 3 * 64))  # fan_in 64, fan_out 3 * 64
    w = _np(mha.in_proj_weight)
    assert w.min() >= -bound and w.max() <= bound and w.max() > 0.9 * bound
    assert not _np(mha.in_proj_bias).any() and not _np(mha.out_proj.bias).any()


def test_mha_dropout_acts_in_training_only():
    mt.manual_seed(58)
    mha = nn.MultiheadAttention(E, HEADS, dropout=0.5).double()
    x = mt.tensor(randn((L, BATCH, E), 59))
    assert not np.allclose(_np(mha(x, x, x)[0]), _np(mha(x, x, x)[0]))
    mha.eval()
    np.testing.assert_array_equal(_np(mha(x, x, x)[0]), _np(mha(x, x, x)[0]))


def test_mha_without_need_weights_returns_none():
    mha = nn.MultiheadAttention(E, HEADS)
    x = mt.randn(L, BATCH, E)
    out, weights = mha(x, x, x, need_weights=False)
    assert out.shape == (L, BATCH, E) and weights is None


def test_mha_weights_are_a_distribution_over_keys():
    mha = nn.MultiheadAttention(E, HEADS).double()
    q, kv = mt.tensor(randn((L, BATCH, E), 60)), mt.tensor(randn((S, BATCH, E), 61))
    _, weights = mha(q, kv, kv)
    assert weights.shape == (BATCH, L, S)
    np.testing.assert_allclose(_np(weights.sum(-1)), np.ones((BATCH, L)), rtol=1e-12)


def test_mha_embed_dim_not_divisible_by_num_heads_is_an_error():
    with pytest.raises(ValueError, match="embed_dim must be divisible by num_heads, got "
                                         "embed_dim=10 and num_heads=3"):
        nn.MultiheadAttention(10, 3)
    with pytest.raises(ValueError, match="must be greater than 0, got embed_dim=0"):
        nn.MultiheadAttention(0, 1)


def test_mha_attn_mask_of_the_wrong_shape_is_an_error():
    mha = nn.MultiheadAttention(E, HEADS)
    q, kv = mt.randn(L, BATCH, E), mt.randn(S, BATCH, E)
    with pytest.raises(RuntimeError, match=r"The shape of the 2D attn_mask is \(5, 4\), but "
                                           r"should be \(4, 5\)"):
        mha(q, kv, kv, attn_mask=mt.zeros(S, L))
    with pytest.raises(RuntimeError, match=r"The shape of the 3D attn_mask is \(3, 4, 5\), but "
                                           r"should be \(6, 4, 5\)"):
        mha(q, kv, kv, attn_mask=mt.zeros(BATCH, L, S))
    with pytest.raises(RuntimeError, match=r"expected `attn_mask` to be `None`, 2-D or 3-D but "
                                           "found 1-D"):
        mha(q, kv, kv, attn_mask=mt.zeros(S))


def test_mha_key_padding_mask_of_the_wrong_shape_is_an_error():
    mha = nn.MultiheadAttention(E, HEADS)
    q, kv = mt.randn(L, BATCH, E), mt.randn(S, BATCH, E)
    with pytest.raises(RuntimeError, match=r"Expected key_padding_mask of shape \(3, 5\) "
                                           r"\(batch, source length\), but got \(5, 3\)"):
        mha(q, kv, kv, key_padding_mask=mt.zeros(S, BATCH, dtype=mt.bool))


def test_mha_inputs_of_the_wrong_size_or_rank_are_errors():
    mha = nn.MultiheadAttention(E, HEADS)
    with pytest.raises(RuntimeError, match="was expecting embedding dimension of 8, but got 6"):
        x = mt.randn(L, BATCH, 6)
        mha(x, x, x)
    with pytest.raises(RuntimeError, match=r"For batched \(3-D\) `query`, expected `key` and "
                                           "`value` to be 3-D but found 2-D and 2-D"):
        mha(mt.randn(L, BATCH, E), mt.randn(S, E), mt.randn(S, E))
    with pytest.raises(RuntimeError, match="query should be unbatched 2D or batched 3D tensor "
                                           "but received 4-D"):
        x = mt.randn(1, L, BATCH, E)
        mha(x, x, x)


def test_mha_is_causal_without_a_mask_or_an_integer_mask_is_an_error():
    mha = nn.MultiheadAttention(E, HEADS)
    x = mt.randn(L, BATCH, E)
    with pytest.raises(RuntimeError, match="Need attn_mask if specifying the is_causal hint"):
        mha(x, x, x, is_causal=True)
    with pytest.raises(RuntimeError, match="only bool and floating types of attn_mask are "
                                           "supported, got int64"):
        mha(x, x, x, attn_mask=mt.zeros(L, L, dtype=mt.int64))
