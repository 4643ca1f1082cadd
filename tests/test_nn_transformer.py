"""Transformer layers (``nn/transformer.py``): with PyTorch's parameters loaded through
``load_state_dict``, ``TransformerEncoderLayer``, ``TransformerEncoder``,
``TransformerDecoderLayer``, ``TransformerDecoder`` and ``Transformer`` match ``torch.nn`` in
output and in the gradients of the inputs and every parameter (float64, dropout 0), with
every mask; gradients match finite differences; errors name the wrong values."""

import math

import numpy as np
import pytest
from torch_reference import leaf_pair, randn, requires_torch, torch
from torch_reference import to_numpy as _np

import microtorch_core as mt
from microtorch_core import nn
from microtorch_core.autograd.gradcheck import gradcheck

# PyTorch's notes on its nested-tensor fast path, which we do not have
pytestmark = [pytest.mark.filterwarnings("ignore:enable_nested_tensor is True:UserWarning"),
              pytest.mark.filterwarnings("ignore:The PyTorch API of nested tensors:UserWarning")]

D_MODEL, NHEAD, FF, SRC, TGT, BATCH = 8, 2, 16, 5, 4, 3


def _twins(class_name, *args, **kwargs):
    """A float64 PyTorch module and ours with its parameters, loaded by state dict. Layer
    arguments (``layer_kwargs``) build the layer a stack is made of."""
    layer_kwargs = kwargs.pop("layer_kwargs", None)
    torch.manual_seed(0)
    if layer_kwargs is not None:  # TransformerEncoder / TransformerDecoder
        layer_name = class_name + "Layer"
        ref_layer = getattr(torch.nn, layer_name)(D_MODEL, NHEAD, FF, 0.0, **layer_kwargs)
        our_layer = getattr(nn, layer_name)(D_MODEL, NHEAD, FF, 0.0, **layer_kwargs)
        norm = kwargs.pop("norm", False)
        ref = getattr(torch.nn, class_name)(ref_layer, *args,
                                            norm=torch.nn.LayerNorm(D_MODEL) if norm else None,
                                            **kwargs)
        ours = getattr(nn, class_name)(our_layer, *args,
                                       norm=nn.LayerNorm(D_MODEL) if norm else None, **kwargs)
    else:
        ref = getattr(torch.nn, class_name)(*args, **kwargs)
        ours = getattr(nn, class_name)(*args, **kwargs)
    ref, ours = ref.double(), ours.double()
    ours.load_state_dict({k: mt.tensor(v.numpy()) for k, v in ref.state_dict().items()})
    return ours, ref


def _layer_twins(class_name, **kwargs):
    return _twins(class_name, D_MODEL, NHEAD, FF, 0.0, **kwargs)


def _check(ours, ref, out, t_out, leaves):
    """The output agrees with PyTorch's, and so do the gradients of one random projection of
    it with respect to each (ours, theirs) leaf and every parameter."""
    assert out.shape == tuple(t_out.shape)
    np.testing.assert_allclose(_np(out), t_out.detach().numpy(), rtol=1e-9, atol=1e-12)
    w = np.random.default_rng(99).standard_normal(tuple(t_out.shape))
    (out * mt.tensor(w)).sum().backward()
    (t_out * torch.tensor(w)).sum().backward()
    t_params = dict(ref.named_parameters())
    assert [n for n, _ in ours.named_parameters()] == list(t_params)
    pairs = [(f"leaf {i}", a, b) for i, (a, b) in enumerate(leaves)]
    pairs += [(name, p, t_params[name]) for name, p in ours.named_parameters()]
    for name, a, b in pairs:
        np.testing.assert_allclose(_np(a.grad), b.grad.numpy(), rtol=1e-9, atol=1e-12,
                                   err_msg=name)


def _seq(length, seed, batch_first=False, batched=True):
    if not batched:
        return leaf_pair(randn((length, D_MODEL), seed))
    return leaf_pair(randn((BATCH, length, D_MODEL) if batch_first else (length, BATCH, D_MODEL),
                        seed))


def _padding(length, as_float=True):
    """A key padding mask (BATCH, length) that ignores the padded end of some sequences:
    float (-inf there, 0 elsewhere; PyTorch warns when a bool mask is mixed with a float
    one) or bool (True there)."""
    mask = np.zeros((BATCH, length), bool)
    mask[1, length - 1:] = True
    mask[2, 2:] = True
    return leaf_pair(np.where(mask, -math.inf, 0.0) if as_float else mask, requires_grad=False)


def _causal(length):
    return leaf_pair(np.triu(np.full((length, length), -math.inf), 1), requires_grad=False)


def _call(ours, ref, *inputs, **masks):
    """Call both on the (ours, theirs) pairs in ``inputs`` and ``masks``."""
    mine = {k: v[0] if isinstance(v, tuple) else v for k, v in masks.items()}
    theirs = {k: v[1] if isinstance(v, tuple) else v for k, v in masks.items()}
    return ours(*(i[0] for i in inputs), **mine), ref(*(i[1] for i in inputs), **theirs)


# -- encoder layer ----------------------------------------------------------------------------
ENCODER_OPTIONS = {
    "post_norm_relu": {},
    "norm_first": {"norm_first": True},
    "gelu": {"activation": "gelu"},
    "batch_first": {"batch_first": True},
    "no_bias": {"bias": False},
}


@requires_torch
@pytest.mark.parametrize("option", list(ENCODER_OPTIONS))
def test_encoder_layer_with_masks_matches_torch(option):
    kwargs = ENCODER_OPTIONS[option]
    ours, ref = _layer_twins("TransformerEncoderLayer", **kwargs)
    src = _seq(SRC, 1, kwargs.get("batch_first", False))
    mask = leaf_pair(randn((SRC, SRC), 2), requires_grad=False)
    out, t_out = _call(ours, ref, src, src_mask=mask, src_key_padding_mask=_padding(SRC))
    _check(ours, ref, out, t_out, [src])


@requires_torch
def test_encoder_layer_unbatched_input_matches_torch():
    ours, ref = _layer_twins("TransformerEncoderLayer", norm_first=True)
    src = _seq(SRC, 4, batched=False)
    out, t_out = _call(ours, ref, src, src_mask=_causal(SRC), is_causal=True)
    assert out.shape == (SRC, D_MODEL)
    _check(ours, ref, out, t_out, [src])


@requires_torch
def test_encoder_layer_with_callable_activation_matches_torch():
    torch.manual_seed(0)
    ref = torch.nn.TransformerEncoderLayer(D_MODEL, NHEAD, FF, 0.0,
                                           activation=torch.nn.functional.silu).double()
    ours = nn.TransformerEncoderLayer(D_MODEL, NHEAD, FF, 0.0,
                                      activation=nn.functional.silu).double()
    ours.load_state_dict({k: mt.tensor(v.numpy()) for k, v in ref.state_dict().items()})
    src = _seq(SRC, 5)
    _check(ours, ref, *_call(ours, ref, src), [src])


@requires_torch
def test_encoder_layer_in_eval_mode_matches_torch_fast_path():
    """Under no_grad in eval mode PyTorch runs a fused kernel; the results are the same."""
    ours, ref = _twins("TransformerEncoderLayer", D_MODEL, NHEAD, FF, 0.3, batch_first=True)
    ours.eval(), ref.eval()
    src = leaf_pair(randn((BATCH, SRC, D_MODEL), 6), requires_grad=False)
    with torch.no_grad():
        out, t_out = _call(ours, ref, src, src_key_padding_mask=_padding(SRC, as_float=False))
    np.testing.assert_allclose(_np(out), t_out.numpy(), rtol=1e-9, atol=1e-12)


# -- encoder stack ----------------------------------------------------------------------------
@requires_torch
@pytest.mark.parametrize("mask_kind", ["float_causal", "bool_causal", "is_causal_hint"])
def test_encoder_with_final_norm_and_causal_mask_matches_torch(mask_kind):
    ours, ref = _twins("TransformerEncoder", 2, layer_kwargs={}, norm=True)
    src = _seq(SRC, 8)
    if mask_kind == "bool_causal":
        masks = {"mask": leaf_pair(np.triu(np.ones((SRC, SRC), bool), 1), requires_grad=False),
                 "src_key_padding_mask": _padding(SRC, as_float=False)}
    else:
        masks = {"mask": _causal(SRC), "src_key_padding_mask": _padding(SRC)}
    if mask_kind == "is_causal_hint":
        masks["is_causal"] = True
    _check(ours, ref, *_call(ours, ref, src, **masks), [src])


@requires_torch
def test_encoder_in_eval_mode_matches_torch_nested_tensor_path_where_not_padded():
    """PyTorch's inference fast path packs the unpadded tokens into a nested tensor and
    returns zeros at the padded positions; every other position agrees."""
    ours, ref = _twins("TransformerEncoder", 2, layer_kwargs={"batch_first": True})
    ours.eval(), ref.eval()
    src = leaf_pair(randn((BATCH, SRC, D_MODEL), 10), requires_grad=False)
    padding = _padding(SRC, as_float=False)
    with torch.no_grad():
        out, t_out = _call(ours, ref, src, src_key_padding_mask=padding)
    kept = ~padding[1].numpy()
    np.testing.assert_allclose(_np(out)[kept], t_out.numpy()[kept], rtol=1e-9, atol=1e-12)


# -- decoder ----------------------------------------------------------------------------------
@requires_torch
@pytest.mark.parametrize("option", ["post_norm", "norm_first_gelu", "batch_first"])
def test_decoder_layer_with_target_and_memory_masks_matches_torch(option):
    kwargs = {"post_norm": {}, "norm_first_gelu": {"norm_first": True, "activation": "gelu"},
              "batch_first": {"batch_first": True}}[option]
    ours, ref = _layer_twins("TransformerDecoderLayer", **kwargs)
    batch_first = kwargs.get("batch_first", False)
    tgt, memory = _seq(TGT, 12, batch_first), _seq(SRC, 13, batch_first)
    out, t_out = _call(ours, ref, tgt, memory, tgt_mask=_causal(TGT),
                       memory_mask=leaf_pair(randn((TGT, SRC), 14), requires_grad=False),
                       tgt_key_padding_mask=_padding(TGT),
                       memory_key_padding_mask=_padding(SRC))
    _check(ours, ref, out, t_out, [tgt, memory])


@requires_torch
def test_decoder_layer_unbatched_with_causal_target_matches_torch():
    ours, ref = _layer_twins("TransformerDecoderLayer")
    tgt, memory = _seq(TGT, 17, batched=False), _seq(SRC, 18, batched=False)
    out, t_out = _call(ours, ref, tgt, memory, tgt_mask=_causal(TGT), tgt_is_causal=True)
    _check(ours, ref, out, t_out, [tgt, memory])


@requires_torch
def test_decoder_stack_with_final_norm_matches_torch():
    ours, ref = _twins("TransformerDecoder", 2, layer_kwargs={}, norm=True)
    tgt, memory = _seq(TGT, 19), _seq(SRC, 20)
    out, t_out = _call(ours, ref, tgt, memory, tgt_mask=_causal(TGT),
                       memory_key_padding_mask=_padding(SRC))
    _check(ours, ref, out, t_out, [tgt, memory])


# -- the whole Transformer --------------------------------------------------------------------
@requires_torch
@pytest.mark.parametrize("batch_first", [False, True], ids=["seq_first", "batch_first"])
def test_transformer_with_all_masks_matches_torch(batch_first):
    ours, ref = _twins("Transformer", D_MODEL, NHEAD, 2, 2, FF, 0.0, batch_first=batch_first)
    src, tgt = _seq(SRC, 22, batch_first), _seq(TGT, 23, batch_first)
    out, t_out = _call(ours, ref, src, tgt,
                       src_mask=leaf_pair(randn((SRC, SRC), 24), requires_grad=False),
                       tgt_mask=_causal(TGT),
                       memory_mask=leaf_pair(randn((TGT, SRC), 25), requires_grad=False),
                       src_key_padding_mask=_padding(SRC),
                       tgt_key_padding_mask=_padding(TGT),
                       memory_key_padding_mask=_padding(SRC))
    _check(ours, ref, out, t_out, [src, tgt])


@requires_torch
def test_transformer_state_dict_keys_shapes_and_order_match_torch():
    ours = nn.Transformer(D_MODEL, NHEAD, 2, 1, FF, norm_first=True)
    ref = torch.nn.Transformer(D_MODEL, NHEAD, 2, 1, FF, norm_first=True)
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in ref.state_dict().items()]


@requires_torch
def test_generate_square_subsequent_mask_matches_torch():
    ours = nn.Transformer.generate_square_subsequent_mask(4)
    theirs = torch.nn.Transformer.generate_square_subsequent_mask(4)
    assert ours.dtype == mt.float32
    np.testing.assert_array_equal(_np(ours), theirs.numpy())


# -- without PyTorch --------------------------------------------------------------------------
def test_encoder_layer_gradients_match_finite_differences():
    mt.manual_seed(29)
    layer = nn.TransformerEncoderLayer(4, 2, 6, dropout=0.0, activation="gelu").double()
    src = mt.tensor(randn((3, 2, 4), 30), requires_grad=True)
    padding = mt.tensor([[False, False, True], [False, False, False]])
    assert gradcheck(lambda x: layer(x, src_key_padding_mask=padding), (src,))


def test_decoder_layer_gradients_match_finite_differences():
    mt.manual_seed(31)
    layer = nn.TransformerDecoderLayer(4, 2, 6, dropout=0.0, norm_first=True).double()
    tgt = mt.tensor(randn((3, 4), 32), requires_grad=True)
    memory = mt.tensor(randn((2, 4), 33), requires_grad=True)
    causal = nn.Transformer.generate_square_subsequent_mask(3, dtype=mt.float64)
    assert gradcheck(lambda t, m: layer(t, m, tgt_mask=causal), (tgt, memory))


def test_causal_mask_keeps_earlier_outputs_independent_of_later_inputs():
    mt.manual_seed(34)
    decoder = nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, 16, 0.0), 2).double()
    memory = mt.tensor(randn((SRC, 1, 8), 35))
    tgt = randn((TGT, 1, 8), 36)
    changed = tgt.copy()
    changed[-1] += 1.0
    causal = nn.Transformer.generate_square_subsequent_mask(TGT, dtype=mt.float64)
    a = _np(decoder(mt.tensor(tgt), memory, tgt_mask=causal))
    b = _np(decoder(mt.tensor(changed), memory, tgt_mask=causal))
    np.testing.assert_allclose(a[:-1], b[:-1], rtol=1e-12)
    assert not np.allclose(a[-1], b[-1])


def test_stack_layers_are_independent_copies_of_the_layer():
    layer = nn.TransformerEncoderLayer(8, 2, 16)
    encoder = nn.TransformerEncoder(layer, 2)
    first, second = (encoder.layers[i].linear1.weight for i in (0, 1))
    np.testing.assert_array_equal(_np(first), _np(layer.linear1.weight))
    with mt.no_grad():
        first.fill_(0.0)
    assert not _np(first).any()  # the copy's writes and reads reach the same memory
    np.testing.assert_array_equal(_np(second), _np(layer.linear1.weight))
    assert second.requires_grad and second.is_leaf


def test_transformer_initialises_every_matrix_by_xavier_uniform():
    mt.manual_seed(37)
    model = nn.Transformer(16, 2, 1, 1, 32)
    w = _np(model.encoder.layers[0].linear1.weight)  # (32, 16)
    bound = math.sqrt(6 / (16 + 32))
    assert w.min() >= -bound and w.max() <= bound and w.max() > 0.9 * bound


def test_dropout_acts_in_training_only():
    mt.manual_seed(38)
    layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.5).double()
    src = mt.tensor(randn((SRC, BATCH, 8), 39))
    assert not np.allclose(_np(layer(src)), _np(layer(src)))
    layer.eval()
    np.testing.assert_array_equal(_np(layer(src)), _np(layer(src)))


def test_a_module_activation_is_registered_as_a_submodule():
    layer = nn.TransformerEncoderLayer(8, 2, 16, activation=nn.GELU())
    assert isinstance(dict(layer.named_children())["activation"], nn.GELU)


def test_unknown_activation_is_an_error():
    with pytest.raises(RuntimeError, match="activation should be relu/gelu or a callable, not "
                                           "'tanh'"):
        nn.TransformerEncoderLayer(8, 2, activation="tanh")


def test_d_model_not_divisible_by_nhead_is_an_error():
    with pytest.raises(ValueError, match="embed_dim must be divisible by num_heads, got "
                                         "embed_dim=10 and num_heads=4"):
        nn.TransformerDecoderLayer(10, 4)


def test_transformer_inputs_with_other_batch_or_feature_sizes_are_errors():
    model = nn.Transformer(8, 2, 1, 1, 16)
    with pytest.raises(RuntimeError, match="the batch number of src and tgt must be equal, got "
                                           "3 and 2"):
        model(mt.randn(SRC, 3, 8), mt.randn(TGT, 2, 8))
    with pytest.raises(RuntimeError, match=r"the feature number of src and tgt must be equal to "
                                           r"d_model \(8\), got 8 and 6"):
        model(mt.randn(SRC, 3, 8), mt.randn(TGT, 3, 6))


def test_encoder_mask_of_the_wrong_shape_or_dtype_is_an_error():
    encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16), 1)
    with pytest.raises(RuntimeError, match=r"The shape of the 2D attn_mask is \(4, 4\), but "
                                           r"should be \(5, 5\)"):
        encoder(mt.randn(SRC, BATCH, 8), mask=mt.zeros(4, 4))
    with pytest.raises(RuntimeError, match="only bool and floating types of mask are "
                                           "supported, got int64"):
        encoder(mt.randn(SRC, BATCH, 8), mask=mt.zeros(SRC, SRC, dtype=mt.int64))
