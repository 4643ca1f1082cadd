"""Layer and group norm, embeddings, more activations and losses, ModuleDict, ParameterList,
Unflatten and adaptive pooling: values and gradients against PyTorch when installed,
gradients against finite differences (float64) always."""

import math

import numpy as np
import pytest
from torch_reference import check_same, leaf_pair, randn, requires_torch, torch
from torch_reference import to_numpy as _np

import microtorch_core as mt
from microtorch_core import nn
from microtorch_core.autograd.gradcheck import gradcheck
from microtorch_core.nn import functional as F

if torch is not None:
    import torch.nn.functional as TF


def _copy_params(ours, theirs):
    """Give a PyTorch module our module's parameters."""
    with torch.no_grad():
        for name, p in theirs.named_parameters():
            p.copy_(torch.tensor(_np(getattr(ours, name))))


# -- layer norm and group norm ------------------------------------------------------------------
@requires_torch
@pytest.mark.parametrize("shape", [(5,), (4, 5)], ids=str)
def test_layer_norm_values_and_gradients_match_torch(shape):
    x, tx = leaf_pair(randn((3, 4, 5), 1))
    w, tw = leaf_pair(randn(shape, 2))
    b, tb = leaf_pair(randn(shape, 3))
    check_same(F.layer_norm(x, shape, w, b), TF.layer_norm(tx, shape, tw, tb),
                [(x, tx), (w, tw), (b, tb)])


@requires_torch
def test_layer_norm_module_matches_torch_including_repr():
    ours, ref = nn.LayerNorm(6).double(), torch.nn.LayerNorm(6).double()
    x, tx = leaf_pair(randn((2, 3, 6), 4))
    check_same(ours(x), ref(tx), [(x, tx)])
    assert repr(ours) == repr(ref)
    assert repr(nn.LayerNorm((2, 3), bias=False)) == repr(torch.nn.LayerNorm((2, 3), bias=False))


def test_layer_norm_gradients_match_finite_differences():
    x = mt.randn(2, 3, 4, dtype=mt.float64, requires_grad=True)
    w = mt.randn(3, 4, dtype=mt.float64, requires_grad=True)
    b = mt.randn(3, 4, dtype=mt.float64, requires_grad=True)
    assert gradcheck(lambda x, w, b: F.layer_norm(x, (3, 4), w, b) ** 2, (x, w, b))


def test_layer_norm_output_has_zero_mean_and_unit_variance_per_sample():
    out = _np(nn.LayerNorm(8, elementwise_affine=False)(mt.randn(5, 8) * 3 + 2))
    np.testing.assert_allclose(out.mean(-1), 0, atol=1e-6)
    np.testing.assert_allclose(out.var(-1), 1, atol=1e-4)


def test_layer_norm_without_affine_has_no_parameters():
    assert list(nn.LayerNorm(4, elementwise_affine=False).parameters()) == []
    assert [n for n, _ in nn.LayerNorm(4, bias=False).named_parameters()] == ["weight"]


def test_layer_norm_with_mismatched_trailing_dims_names_both_shapes():
    with pytest.raises(RuntimeError, match=r"Given normalized_shape=\[3\], expected input with "
                                           r"shape \[\*, 3\], but got input of size \[2, 4\]"):
        F.layer_norm(mt.zeros(2, 4), (3,))


@requires_torch
@pytest.mark.parametrize("shape", [(2, 6), (2, 6, 5), (3, 6, 2, 3)], ids=str)
def test_group_norm_values_and_gradients_match_torch(shape):
    x, tx = leaf_pair(randn(shape, 5))
    w, tw = leaf_pair(randn(6, 6))
    b, tb = leaf_pair(randn(6, 7))
    check_same(F.group_norm(x, 3, w, b), TF.group_norm(tx, 3, tw, tb),
                [(x, tx), (w, tw), (b, tb)])


@requires_torch
def test_group_norm_module_matches_torch_on_a_batch_of_one_including_repr():
    ours, ref = nn.GroupNorm(2, 4).double(), torch.nn.GroupNorm(2, 4).double()
    x, tx = leaf_pair(randn((1, 4, 3, 3), 8))
    check_same(ours(x), ref(tx), [(x, tx)])
    assert repr(ours) == repr(ref)


def test_group_norm_gradients_match_finite_differences():
    x = mt.randn(2, 4, 3, dtype=mt.float64, requires_grad=True)
    w = mt.randn(4, dtype=mt.float64, requires_grad=True)
    assert gradcheck(lambda x, w: F.group_norm(x, 2, w) ** 2, (x, w))


def test_group_norm_with_channels_not_divisible_by_groups_is_an_error():
    with pytest.raises(ValueError, match=r"num_channels \(6\) must be divisible by num_groups "
                                         r"\(4\)"):
        nn.GroupNorm(4, 6)
    with pytest.raises(RuntimeError, match=r"input of shape \[2, 6, 4\] and num_groups=4"):
        F.group_norm(mt.zeros(2, 6, 4), 4)


# -- embedding ----------------------------------------------------------------------------------
def test_embedding_output_is_the_rows_at_the_indices_with_the_input_shape():
    emb = nn.Embedding(10, 3)
    index = np.array([[1, 4, 1], [9, 0, 2]])
    out = emb(mt.tensor(index))
    assert out.shape == (2, 3, 3)
    np.testing.assert_array_equal(_np(out), _np(emb.weight)[index])


@requires_torch
def test_embedding_gradient_accumulates_repeated_indices_like_torch():
    w, tw = leaf_pair(randn((6, 4), 9))
    index = [[0, 2, 2], [5, 2, 0]]
    check_same(F.embedding(mt.tensor(index), w), TF.embedding(torch.tensor(index), tw),
                [(w, tw)])


@requires_torch
def test_embedding_padding_idx_row_gets_no_gradient_like_torch():
    w, tw = leaf_pair(randn((6, 4), 10))
    index = [[0, 3, 1], [3, 3, 5]]
    check_same(F.embedding(mt.tensor(index), w, padding_idx=3),
                TF.embedding(torch.tensor(index), tw, padding_idx=3), [(w, tw)])
    assert not _np(w.grad)[3].any()


def test_embedding_module_zeroes_the_padding_row_and_draws_standard_normal_weights():
    mt.manual_seed(0)
    emb = nn.Embedding(2000, 10, padding_idx=-1)
    w = _np(emb.weight)
    assert emb.padding_idx == 1999 and not w[1999].any()
    assert abs(w[:-1].mean()) < 0.035 and abs(w[:-1].std() - 1) < 0.03  # 5 standard errors


def test_embedding_out_of_range_index_names_the_index_and_size():
    with pytest.raises(IndexError, match=r"index 10 is out of range for 10 embeddings \(valid "
                                         r"indices: 0 to 9\)"):
        nn.Embedding(10, 3)(mt.tensor([2, 10]))
    with pytest.raises(IndexError, match="index -1 is out of range"):
        nn.Embedding(10, 3)(mt.tensor([-1]))


def test_embedding_rejects_float_indices_and_padding_idx_out_of_range():
    with pytest.raises(RuntimeError, match="expected indices of dtype int64 or int32, got "
                                           "float32"):
        F.embedding(mt.tensor([1.0]), mt.zeros(4, 2))
    with pytest.raises(ValueError, match="padding_idx must be within num_embeddings: got 4 "
                                         "for 4 embeddings"):
        nn.Embedding(4, 2, padding_idx=4)


@requires_torch
def test_embedding_max_norm_rescales_the_looked_up_rows_in_place_like_torch():
    data = randn((5, 3), 11) * 2
    ours, ref = mt.tensor(data), torch.tensor(data)
    index = [0, 1, 1, 3]
    out = F.embedding(mt.tensor(index), ours, max_norm=1.5)
    t_out = TF.embedding(torch.tensor(index), ref, max_norm=1.5)
    np.testing.assert_allclose(_np(out), t_out.numpy(), rtol=1e-12)
    np.testing.assert_allclose(_np(ours), ref.numpy(), rtol=1e-12)  # rows 2, 4 untouched


def test_embedding_from_pretrained_shares_the_weights_and_freezes_them():
    vectors = mt.randn(4, 2)
    emb = nn.Embedding.from_pretrained(vectors)
    assert not emb.weight.requires_grad and emb.weight._storage is vectors._storage
    assert nn.Embedding.from_pretrained(vectors, freeze=False).weight.requires_grad
    np.testing.assert_array_equal(_np(emb(mt.tensor([3]))), _np(vectors)[[3]])


@requires_torch
def test_embedding_repr_matches_torch():
    assert repr(nn.Embedding(10, 3, padding_idx=0, max_norm=2.0)) == \
        repr(torch.nn.Embedding(10, 3, padding_idx=0, max_norm=2.0))


# -- activations --------------------------------------------------------------------------------
# the points include each activation's kinks (0, hardtanh's ends) and softplus's threshold
POINTS = [-30.0, -5.0, -1.0, -0.5, 0.0, 0.3, 1.0, 2.0, 19.9, 20.0, 25.0]
ACTIVATIONS = [
    ("LeakyReLU", ()), ("LeakyReLU", (0.2,)), ("ELU", ()), ("ELU", (0.5,)), ("SiLU", ()),
    ("Mish", ()), ("Softplus", ()), ("Softplus", (2.0, 10.0)), ("Hardtanh", ()),
    ("Hardtanh", (-2.0, 0.5)), ("Softsign", ()),
]


@requires_torch
@pytest.mark.parametrize(("name", "args"), ACTIVATIONS, ids=str)
def test_activation_values_and_gradients_match_torch(name, args):
    x, tx = leaf_pair(POINTS)
    check_same(getattr(nn, name)(*args)(x), getattr(torch.nn, name)(*args)(tx), [(x, tx)])


@pytest.mark.parametrize(("name", "args"), ACTIVATIONS, ids=str)
def test_activation_gradients_match_finite_differences(name, args):
    x = mt.tensor([-3.0, -0.7, 0.4, 1.5, 4.0], dtype=mt.float64, requires_grad=True)
    assert gradcheck(getattr(nn, name)(*args), (x,))


@requires_torch
@pytest.mark.parametrize("name", ["leaky_relu", "elu", "silu", "mish", "hardtanh"])
def test_inplace_activation_on_a_graph_tensor_matches_torch(name):
    x, tx = leaf_pair(POINTS)
    ours, theirs = x * 1.5, tx * 1.5
    assert getattr(F, name)(ours, inplace=True) is ours
    getattr(TF, name)(theirs, inplace=True)
    check_same(ours, theirs, [(x, tx)])


@requires_torch
def test_activation_reprs_match_torch():
    for name, args in ACTIVATIONS + [("LeakyReLU", (0.1, True)), ("SiLU", (True,))]:
        assert repr(getattr(nn, name)(*args)) == repr(getattr(torch.nn, name)(*args))


def test_inplace_dropout_on_a_graph_tensor_scales_the_gradient_of_kept_elements():
    x = mt.ones(1000, requires_grad=True)
    y = x * 1.0
    F.dropout(y, 0.5, inplace=True).sum().backward()
    np.testing.assert_array_equal(_np(x.grad), _np(y))  # 0 or 1 / (1 - p)


def test_elu_and_softplus_gradients_stay_finite_for_large_inputs():
    x = mt.tensor([-1000.0, 1000.0], requires_grad=True)
    (F.elu(x) + F.softplus(x)).sum().backward()
    assert np.isfinite(_np(x.grad)).all()


def test_hardtanh_with_min_above_max_is_an_error():
    with pytest.raises(ValueError, match="min_val cannot be greater than max_val, got "
                                         "min_val=1 and max_val=-1"):
        F.hardtanh(mt.zeros(2), 1, -1)
    with pytest.raises(ValueError, match=r"max_val \(-1\) must be greater than min_val \(1\)"):
        nn.Hardtanh(1, -1)


def test_smooth_activations_reject_integer_input():
    with pytest.raises(NotImplementedError, match="leaky_relu is implemented for floating "
                                                  "dtypes only, got int64"):
        F.leaky_relu(mt.tensor([1, -2]))


# -- losses -------------------------------------------------------------------------------------
LOSSES = [  # (our function, PyTorch's, keyword arguments)
    ("l1_loss", {}), ("smooth_l1_loss", {}), ("smooth_l1_loss", {"beta": 0.5}),
    ("smooth_l1_loss", {"beta": 0.0}), ("huber_loss", {}), ("huber_loss", {"delta": 0.3}),
]


@requires_torch
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize(("name", "kwargs"), LOSSES, ids=str)
def test_regression_loss_values_and_gradients_match_torch(name, kwargs, reduction):
    x, tx = leaf_pair(randn((3, 4), 12) * 2)
    y, ty = leaf_pair(randn((3, 4), 13))
    check_same(getattr(F, name)(x, y, reduction=reduction, **kwargs),
                getattr(TF, name)(tx, ty, reduction=reduction, **kwargs), [(x, tx), (y, ty)])


@pytest.mark.parametrize(("name", "kwargs"), LOSSES, ids=str)
def test_regression_loss_gradients_match_finite_differences(name, kwargs):
    x = mt.tensor(randn((2, 3), 14) * 2, requires_grad=True)
    y = mt.tensor(randn((2, 3), 15), requires_grad=True)
    assert gradcheck(lambda x, y: getattr(F, name)(x, y, reduction="none", **kwargs), (x, y))


@requires_torch
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_binary_cross_entropy_with_weight_matches_torch(reduction):
    p, tp = leaf_pair(np.random.default_rng(16).uniform(0.05, 0.95, (4, 3)))
    y, ty = leaf_pair(np.random.default_rng(17).uniform(0, 1, (4, 3)))
    w = randn(3, 18) ** 2
    check_same(F.binary_cross_entropy(p, y, mt.tensor(w), reduction=reduction),
                TF.binary_cross_entropy(tp, ty, torch.tensor(w), reduction=reduction),
                [(p, tp), (y, ty)])


@requires_torch
def test_binary_cross_entropy_of_certain_predictions_is_finite_like_torch():
    p, tp = leaf_pair([0.0, 1.0, 0.0, 1.0, 0.5])
    y, ty = leaf_pair([0.0, 1.0, 1.0, 0.0, 1.0])
    loss, ref = F.binary_cross_entropy(p, y, reduction="none"), TF.binary_cross_entropy(
        tp, ty, reduction="none")
    np.testing.assert_allclose(_np(loss), ref.detach().numpy())  # 100 where the log clamps
    loss.sum().backward()
    ref.sum().backward()
    np.testing.assert_allclose(_np(p.grad), tp.grad.numpy())


def test_binary_cross_entropy_gradients_match_finite_differences():
    p = mt.tensor(np.random.default_rng(19).uniform(0.1, 0.9, 5), requires_grad=True)
    y = mt.tensor(np.random.default_rng(20).uniform(0, 1, 5), requires_grad=True)
    assert gradcheck(lambda p, y: F.binary_cross_entropy(p, y, reduction="none"), (p, y))


def test_binary_cross_entropy_of_values_outside_0_1_is_an_error():
    with pytest.raises(RuntimeError, match="all elements of input should be between 0 and 1, "
                                           "got values from -0.5 to 1.5"):
        F.binary_cross_entropy(mt.tensor([-0.5, 1.5]), mt.tensor([0.0, 1.0]))


@requires_torch
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_bce_with_logits_weight_and_pos_weight_match_torch_on_extreme_logits(reduction):
    x, tx = leaf_pair(np.concatenate([randn((3, 3), 21) * 3, [[-200.0, 0.0, 200.0]]]))
    y, ty = leaf_pair(np.random.default_rng(22).uniform(0, 1, (4, 3)))
    w, pos = np.array([[1.0], [0.5], [2.0], [1.0]]), np.array([1.0, 3.0, 0.5])
    ours = nn.BCEWithLogitsLoss(mt.tensor(w), reduction=reduction, pos_weight=mt.tensor(pos))
    ref = torch.nn.BCEWithLogitsLoss(torch.tensor(w), reduction=reduction,
                                     pos_weight=torch.tensor(pos))
    check_same(ours(x, y), ref(tx, ty), [(x, tx), (y, ty)])


def test_bce_with_logits_gradient_at_zero_is_sigmoid_minus_target():
    x = mt.tensor([0.0, 0.0], dtype=mt.float64, requires_grad=True)
    F.binary_cross_entropy_with_logits(x, mt.tensor([1.0, 0.0], dtype=mt.float64),
                                       reduction="sum").backward()
    np.testing.assert_allclose(_np(x.grad), [-0.5, 0.5])


def test_bce_with_logits_gradients_match_finite_differences():
    x = mt.tensor(randn((2, 3), 23) * 3, requires_grad=True)
    y = mt.tensor(np.random.default_rng(24).uniform(0, 1, (2, 3)), requires_grad=True)
    pos = mt.tensor([0.5, 1.0, 2.0], dtype=mt.float64)
    assert gradcheck(lambda x, y: F.binary_cross_entropy_with_logits(
        x, y, reduction="none", pos_weight=pos), (x, y))


def test_bce_with_logits_keeps_its_weights_as_buffers():
    loss = nn.BCEWithLogitsLoss(pos_weight=mt.tensor([2.0]))
    assert list(loss.state_dict()) == ["pos_weight"]


@requires_torch
@pytest.mark.parametrize("reduction", ["batchmean", "sum", "none"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_values_and_gradients_match_torch(reduction, log_target):
    logp, tlogp = leaf_pair(np.log(np.random.default_rng(25).dirichlet(np.ones(4), 3)))
    q = np.random.default_rng(26).dirichlet(np.ones(4), 3)
    if not log_target:
        q[0, 1] = 0.0  # a zero probability contributes 0
    q, tq = leaf_pair(np.log(q) if log_target else q)
    check_same(F.kl_div(logp, q, reduction=reduction, log_target=log_target),
                TF.kl_div(tlogp, tq, reduction=reduction, log_target=log_target),
                [(logp, tlogp)])


def test_kl_div_batchmean_of_identical_distributions_is_zero():
    logp = mt.log_softmax(mt.randn(3, 5), -1)
    assert abs(nn.KLDivLoss(reduction="batchmean", log_target=True)(logp, logp).item()) < 1e-7


def test_kl_div_mean_reduction_warns_as_torch():
    with pytest.warns(UserWarning, match="'batchmean' divides only by the batch size"):
        F.kl_div(mt.zeros(2, 3), mt.ones(2, 3) / 3)


@pytest.mark.parametrize("name", ["l1_loss", "smooth_l1_loss", "huber_loss",
                                  "binary_cross_entropy", "binary_cross_entropy_with_logits",
                                  "kl_div"])
def test_loss_with_target_of_another_shape_names_both_sizes(name):
    with pytest.raises(ValueError, match=rf"{name}: target size \(3, 1\) is different from "
                                         r"input size \(3,\)"):
        getattr(F, name)(mt.full((3,), 0.5), mt.zeros(3, 1))


def test_loss_with_an_unknown_reduction_is_an_error():
    with pytest.raises(ValueError, match="avg is not a valid value for reduction"):
        nn.L1Loss(reduction="avg")(mt.zeros(2), mt.zeros(2))


def test_smooth_l1_negative_beta_and_huber_non_positive_delta_are_errors():
    with pytest.raises(RuntimeError, match="smooth_l1_loss does not support negative values "
                                           "for beta, got -1"):
        F.smooth_l1_loss(mt.zeros(2), mt.zeros(2), beta=-1)
    with pytest.raises(RuntimeError, match="huber_loss does not support non-positive values "
                                           "for delta, got 0"):
        nn.HuberLoss(delta=0)(mt.zeros(2), mt.zeros(2))


def test_bce_weight_that_would_grow_the_input_is_an_error():
    with pytest.raises(ValueError, match=r"weight of shape \(3, 1\) cannot be broadcast to the "
                                         r"input's shape \(3,\)"):
        F.binary_cross_entropy(mt.full((3,), 0.5), mt.zeros(3), mt.ones(3, 1))


# -- containers and shapes ----------------------------------------------------------------------
def test_module_dict_registers_modules_under_their_keys_in_order():
    heads = nn.ModuleDict({"label": nn.Linear(4, 3), "box": nn.Linear(4, 2)})
    heads["extra"] = nn.Linear(4, 1)
    assert list(heads) == ["label", "box", "extra"] and len(heads) == 3 and "box" in heads
    assert [n for n, _ in heads.named_parameters()][:2] == ["label.weight", "label.bias"]
    assert isinstance(heads.pop("extra"), nn.Linear) and list(heads.keys()) == ["label", "box"]


def test_module_dict_update_accepts_pairs_and_rejects_non_modules():
    d = nn.ModuleDict([("a", nn.ReLU())])
    d.update([("b", nn.Tanh())])
    assert list(d.keys()) == ["a", "b"]
    with pytest.raises(TypeError, match="int is not a Module subclass"):
        d["c"] = 1
    with pytest.raises(KeyError, match="module name must be non-empty and without"):
        d["a.b"] = nn.ReLU()


@requires_torch
def test_module_dict_repr_matches_torch():
    assert repr(nn.ModuleDict({"act": nn.ReLU(), "fc": nn.Linear(2, 3)})) == \
        repr(torch.nn.ModuleDict({"act": torch.nn.ReLU(), "fc": torch.nn.Linear(2, 3)}))


def test_parameter_list_registers_tensors_as_parameters():
    plist = nn.ParameterList([mt.zeros(3), nn.Parameter(mt.ones(2))])
    plist.append(mt.ones(1))
    assert [n for n, _ in plist.named_parameters()] == ["0", "1", "2"]
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in plist)
    assert plist[-1].shape == (1,) and len(plist[1:]) == 2
    with pytest.raises(IndexError, match="index 3 is out of range for a ParameterList of "
                                         "length 3"):
        plist[3]


def test_parameter_list_repr_lists_each_parameter():
    assert repr(nn.ParameterList([mt.zeros(3, 4)])) == \
        "ParameterList(\n  (0): Parameter containing: [float32 of size 3x4]\n)"


def test_unflatten_splits_a_dim_inferring_a_minus_one():
    assert nn.Unflatten(1, (2, -1))(mt.zeros(3, 10, 4)).shape == (3, 2, 5, 4)
    assert nn.Unflatten(-1, (2, 2))(mt.zeros(3, 4)).shape == (3, 2, 2)


@requires_torch
def test_unflatten_repr_matches_torch():
    assert repr(nn.Unflatten(1, (2, 5))) == repr(torch.nn.Unflatten(1, (2, 5)))


def test_unflatten_errors_name_the_sizes():
    with pytest.raises(TypeError, match="found element of type float at pos 1"):
        nn.Unflatten(1, (2, 4.0))
    with pytest.raises(RuntimeError, match=r"Provided sizes \[2, 4\] don't multiply up to the "
                                           r"size of dim 1 \(10\)"):
        nn.Unflatten(1, (2, 4))(mt.zeros(2, 10))


# -- adaptive pooling ---------------------------------------------------------------------------
ADAPTIVE_SIZES = [1, 2, 3, (4, None), (3, 2), 9, (7, 5)]  # divisible, not, larger, the same


@requires_torch
@pytest.mark.parametrize("output_size", ADAPTIVE_SIZES, ids=str)
def test_adaptive_avg_pool2d_values_and_gradients_match_torch(output_size):
    x, tx = leaf_pair(randn((2, 3, 7, 5), 27))
    check_same(F.adaptive_avg_pool2d(x, output_size), TF.adaptive_avg_pool2d(tx, output_size),
                [(x, tx)])


@requires_torch
@pytest.mark.parametrize("output_size", ADAPTIVE_SIZES, ids=str)
def test_adaptive_max_pool2d_values_gradients_and_indices_match_torch(output_size):
    x, tx = leaf_pair(randn((2, 3, 7, 5), 28))
    out, index = F.adaptive_max_pool2d(x, output_size, return_indices=True)
    t_out, t_index = TF.adaptive_max_pool2d(tx, output_size, return_indices=True)
    np.testing.assert_array_equal(index.numpy(), t_index.numpy())
    check_same(out, t_out, [(x, tx)])


@requires_torch
def test_adaptive_max_pool2d_sends_a_tie_to_the_first_maximum_in_row_major_order_like_torch():
    x, tx = leaf_pair(np.zeros((1, 1, 5, 4)))
    check_same(F.adaptive_max_pool2d(x, (2, 3)), TF.adaptive_max_pool2d(tx, (2, 3)), [(x, tx)])


@requires_torch
def test_adaptive_pool1d_matches_torch_on_unbatched_input():
    x, tx = leaf_pair(randn((3, 10), 29))
    check_same(F.adaptive_avg_pool1d(x, 4) + F.adaptive_max_pool1d(x, 4),
                TF.adaptive_avg_pool1d(tx, 4) + TF.adaptive_max_pool1d(tx, 4), [(x, tx)])


def test_adaptive_avg_pool2d_to_one_is_the_global_mean():
    x = randn((2, 3, 5, 6), 30)
    out = nn.AdaptiveAvgPool2d(1)(mt.tensor(x))
    np.testing.assert_allclose(_np(out), x.mean((2, 3), keepdims=True), rtol=1e-12)


def test_adaptive_pool_gradients_match_finite_differences():
    x = mt.tensor(randn((1, 2, 5, 4), 31), requires_grad=True)
    assert gradcheck(lambda t: F.adaptive_avg_pool2d(t, (3, 3)) * F.adaptive_max_pool2d(t, 3),
                     (x,))


def test_adaptive_pool_errors_name_the_shapes_and_sizes():
    with pytest.raises(RuntimeError, match=r"adaptive_avg_pool2d\(\): Expected 3D or 4D tensor, "
                                           r"but got \[2, 3\]"):
        F.adaptive_avg_pool2d(mt.zeros(2, 3), 2)
    with pytest.raises(RuntimeError, match=r"elements of output_size must be greater than or "
                                           r"equal to 0 but received \(2, -1\)"):
        F.adaptive_max_pool2d(mt.zeros(1, 2, 3, 4), (2, -1))


@requires_torch
def test_adaptive_pool_reprs_match_torch():
    for name, args in [("AdaptiveAvgPool2d", ((5, 7),)), ("AdaptiveMaxPool2d", (3,)),
                       ("AdaptiveAvgPool1d", (4,)), ("AdaptiveMaxPool1d", (2, True))]:
        assert repr(getattr(nn, name)(*args)) == repr(getattr(torch.nn, name)(*args))


def test_small_model_with_the_new_layers_learns_a_batch():
    mt.manual_seed(0)
    model = nn.Sequential(nn.Embedding(5, 8), nn.LayerNorm(8), nn.SiLU(), nn.Linear(8, 1),
                          nn.Flatten(0))
    opt = mt.optim.Adam(model.parameters(), lr=0.05)
    x, y = mt.tensor([0, 1, 2, 3, 4]), mt.tensor([1.0, 0.0, 1.0, 0.0, 1.0])
    loss_fn = nn.BCEWithLogitsLoss()
    first = loss_fn(model(x), y).item()
    for _ in range(40):
        loss = loss_fn(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < 0.1 * first and math.isfinite(first)
