"""one_hot, normalize, cosine similarity, pairwise distance, the channel and alpha dropouts,
and the padding modules: values and gradients against PyTorch when installed (the dropouts'
statistics instead, since their random numbers differ), finite differences always."""

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


# -- one_hot ------------------------------------------------------------------------------------
@requires_torch
@pytest.mark.parametrize("num_classes", [-1, 6])
def test_one_hot_matches_torch_for_a_2d_index(num_classes):
    index = [[0, 3, 1], [4, 4, 0]]
    out = F.one_hot(mt.tensor(index), num_classes)
    assert out.dtype is mt.int64
    np.testing.assert_array_equal(out.numpy(), TF.one_hot(torch.tensor(index), num_classes))


def test_one_hot_of_an_empty_index_with_known_classes_has_a_class_dim():
    assert F.one_hot(mt.zeros(0, dtype=mt.int64), 3).shape == (0, 3)


def test_one_hot_errors_name_the_offending_class_value():
    with pytest.raises(RuntimeError, match="Class values must be non-negative, got -2"):
        F.one_hot(mt.tensor([1, -2]), 3)
    with pytest.raises(RuntimeError, match="Class values must be smaller than num_classes, got "
                                           "5 for num_classes=3"):
        F.one_hot(mt.tensor([1, 5]), 3)
    with pytest.raises(RuntimeError, match="only applicable to index tensor of type LongTensor, "
                                           "got float32"):
        F.one_hot(mt.tensor([1.0]), 3)
    with pytest.raises(RuntimeError, match="Can not infer total number of classes from empty "
                                           "tensor"):
        F.one_hot(mt.zeros(0, dtype=mt.int64))


# -- normalize, cosine similarity, pairwise distance --------------------------------------------
@requires_torch
@pytest.mark.parametrize(("p", "dim"), [(2.0, 1), (1.0, 0), (3.0, -1)], ids=str)
def test_normalize_values_and_gradients_match_torch(p, dim):
    data = randn((3, 4), 1)
    data[1] = 1e-14  # a row shorter than eps: divided by eps instead
    x, tx = leaf_pair(data)
    check_same(F.normalize(x, p, dim), TF.normalize(tx, p, dim), [(x, tx)])


@requires_torch
@pytest.mark.parametrize(("shape1", "shape2", "dim"), [((4, 5), (4, 5), 1),
                                                       ((3, 4, 2), (4, 1), 1), ((5,), (5,), 0)],
                         ids=str)
def test_cosine_similarity_values_and_gradients_match_torch(shape1, shape2, dim):
    x1, tx1 = leaf_pair(randn(shape1, 2))
    x2, tx2 = leaf_pair(randn(shape2, 3))
    check_same(F.cosine_similarity(x1, x2, dim), TF.cosine_similarity(tx1, tx2, dim),
               [(x1, tx1), (x2, tx2)])


@requires_torch
def test_cosine_similarity_of_vectors_shorter_than_eps_has_torchs_gradient():
    x1, tx1 = leaf_pair([[1e-9, 0.0], [1.0, 2.0]])
    x2, tx2 = leaf_pair([[1.0, 1.0], [0.0, 0.0]])
    check_same(nn.CosineSimilarity()(x1, x2), torch.nn.CosineSimilarity()(tx1, tx2),
               [(x1, tx1), (x2, tx2)], rtol=1e-9)


def test_cosine_similarity_of_parallel_and_opposite_vectors_is_plus_and_minus_one():
    x = mt.tensor([[3.0, 4.0], [1e-3, 2e-3]], dtype=mt.float64)
    np.testing.assert_allclose(_np(F.cosine_similarity(x, x * 7.0)), [1.0, 1.0], rtol=1e-15)
    np.testing.assert_allclose(_np(F.cosine_similarity(x, -x)), [-1.0, -1.0], rtol=1e-15)


def test_cosine_similarity_and_normalize_gradients_match_finite_differences():
    x1 = mt.tensor(randn((3, 4), 4), requires_grad=True)
    x2 = mt.tensor(randn((3, 4), 5), requires_grad=True)
    assert gradcheck(lambda a, b: F.cosine_similarity(a, b) + F.normalize(a).sum(1), (x1, x2))


@requires_torch
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("p", [1.0, 2.0, 3.0, math.inf])
def test_pairwise_distance_values_and_gradients_match_torch(p, keepdim):
    x1, tx1 = leaf_pair(randn((4, 5), 6))
    x2, tx2 = leaf_pair(randn((5,), 7))
    check_same(nn.PairwiseDistance(p, keepdim=keepdim)(x1, x2),
               torch.nn.PairwiseDistance(p, keepdim=keepdim)(tx1, tx2), [(x1, tx1), (x2, tx2)])


def test_pairwise_distance_gradients_match_finite_differences():
    x1 = mt.tensor(randn((3, 4), 8), requires_grad=True)
    x2 = mt.tensor(randn((3, 4), 9), requires_grad=True)
    assert gradcheck(lambda a, b: F.pairwise_distance(a, b, p=1.5), (x1, x2))


@requires_torch
def test_distance_module_reprs_and_attributes_match_torch():
    for ours, ref in [(nn.CosineSimilarity(0, 1e-3), torch.nn.CosineSimilarity(0, 1e-3)),
                      (nn.PairwiseDistance(3, 1e-3, True), torch.nn.PairwiseDistance(3, 1e-3,
                                                                                      True))]:
        assert repr(ours) == repr(ref)
        assert {k: getattr(ours, k) for k in ("dim", "norm", "eps", "keepdim") if
                hasattr(ref, k)} == {k: getattr(ref, k) for k in ("dim", "norm", "eps",
                                                                  "keepdim") if hasattr(ref, k)}


def test_cosine_similarity_of_shapes_that_do_not_broadcast_names_them():
    with pytest.raises(RuntimeError, match=r"shapes \(2, 3\) and \(2, 4\) cannot be broadcast"):
        F.cosine_similarity(mt.ones(2, 3), mt.ones(2, 4))


# -- channel dropout ----------------------------------------------------------------------------
@pytest.mark.parametrize(("fn", "shape"), [(F.dropout2d, (50, 40, 2, 3)),
                                           (F.dropout1d, (50, 40, 6)), (F.dropout1d, (2000, 6))],
                         ids=["2d", "1d", "1d-unbatched"])
def test_channel_dropout_zeroes_whole_channels_with_probability_p_and_scales_the_rest(fn, shape):
    mt.manual_seed(0)
    channels = _np(fn(mt.ones(shape), 0.25)).reshape(2000, 6)  # a channel has 6 elements
    per_channel = channels.max(1)
    assert (channels == per_channel[:, None]).all()  # all the same within a channel
    assert set(np.unique(per_channel)) == {0.0, np.float32(1 / 0.75)}
    assert abs((per_channel == 0).mean() - 0.25) < 0.05  # 5 standard errors for 2000 channels


def test_channel_dropout_gradient_is_the_channel_mask():
    mt.manual_seed(1)
    x = mt.ones(4, 6, 2, 2, requires_grad=True)
    out = F.dropout2d(x, 0.5)
    out.sum().backward()
    np.testing.assert_array_equal(_np(x.grad), _np(out))  # 0 or 1 / (1 - p), as the values


def test_dropout_modules_are_the_identity_in_eval_mode_and_random_in_training():
    for module, x in [(nn.Dropout1d(), mt.randn(8, 4, 9)), (nn.Dropout2d(), mt.randn(8, 4, 3, 3)),
                      (nn.AlphaDropout(), mt.randn(8, 4, 3, 3))]:
        np.testing.assert_array_equal(_np(module.eval()(x)), _np(x))
        assert not np.array_equal(_np(module.train()(x)), _np(x))


def test_channel_dropout_masks_repeat_with_the_seed():
    outs = []
    for _ in range(2):
        mt.manual_seed(3)
        outs.append(_np(F.dropout2d(mt.ones(4, 8, 2, 2))))
    np.testing.assert_array_equal(outs[0], outs[1])


def test_inplace_channel_dropout_returns_the_input_tensor():
    y = mt.ones(3, 4, 5, requires_grad=True) * 1.0
    assert F.dropout1d(y, 0.5, inplace=True) is y


def test_dropout1d_of_a_4d_input_names_its_dims():
    with pytest.raises(RuntimeError, match="dropout1d: Expected 2D or 3D input, but received a "
                                           "4D input"):
        F.dropout1d(mt.zeros(2, 3, 4, 5))


def test_dropout2d_of_a_3d_input_warns_that_it_is_read_as_n_c_l():
    with pytest.warns(UserWarning, match=r"interpreted as shape \(N, C, L\)"):
        out = F.dropout2d(mt.ones(2, 100, 3))
    assert all(len(set(row)) == 1 for row in _np(out).reshape(200, 3).tolist())


def test_dropout_probability_outside_0_1_names_it():
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but "
                                         "got 1.5"):
        nn.Dropout2d(1.5)
    with pytest.raises(ValueError, match="but got -0.1"):
        F.alpha_dropout(mt.zeros(3), -0.1, training=True)


# -- alpha dropout ------------------------------------------------------------------------------
def test_alpha_dropout_keeps_a_standard_normal_input_standard():
    mt.manual_seed(2)
    out = _np(F.alpha_dropout(mt.randn(200_000, dtype=mt.float64), 0.2, training=True))
    assert abs(out.mean()) < 0.01 and abs(out.var() - 1) < 0.02


def test_alpha_dropout_sets_dropped_units_to_one_value_and_scales_the_kept_ones():
    p, alpha = 0.3, 1.7580993408473766
    a = 1 / math.sqrt((alpha ** 2 * p + 1) * (1 - p))
    x = mt.tensor(randn(10_000, 10), requires_grad=True)
    mt.manual_seed(4)
    out = F.alpha_dropout(x, p, training=True)
    out.sum().backward()
    kept = _np(x.grad) != 0
    np.testing.assert_allclose(_np(x.grad)[kept], a)
    np.testing.assert_allclose(_np(out)[kept], a * _np(x)[kept] + alpha * a * p)
    np.testing.assert_allclose(_np(out)[~kept], -alpha * a * (1 - p))
    assert abs((~kept).mean() - p) < 0.025


def test_alpha_dropout_is_off_by_default_as_in_torch():
    x = mt.randn(5)
    assert F.alpha_dropout(x, 0.5) is x


@requires_torch
def test_dropout_reprs_match_torch():
    for name, args in [("Dropout1d", ()), ("Dropout2d", (0.3, True)), ("AlphaDropout", (0.2,))]:
        assert repr(getattr(nn, name)(*args)) == repr(getattr(torch.nn, name)(*args))


# -- padding modules ----------------------------------------------------------------------------
PADS = [  # (module name, arguments, input shape)
    ("ZeroPad1d", (2,), (2, 3, 4)), ("ZeroPad2d", ((1, 0, 2, 3),), (1, 2, 3, 3)),
    ("ConstantPad1d", ((3, 1), 1.5), (3, 4)), ("ConstantPad2d", (1, -2.0), (2, 3, 3)),
    ("ConstantPad2d", ((-1, 1, 0, 2), 0.5), (1, 2, 3, 4)),  # a negative amount crops
    ("ReflectionPad1d", ((2, 1),), (2, 3, 4)), ("ReflectionPad2d", (2,), (1, 2, 3, 4)),
    ("ReplicationPad1d", (3,), (3, 4)), ("ReplicationPad2d", ((1, 2, 0, 3),), (2, 3, 3)),
    ("CircularPad1d", ((1, 3),), (2, 3, 4)), ("CircularPad2d", (1,), (1, 2, 3, 4)),
]


@requires_torch
@pytest.mark.parametrize(("name", "args", "shape"), PADS, ids=str)
def test_padding_module_values_gradients_and_repr_match_torch(name, args, shape):
    x, tx = leaf_pair(randn(shape, 11))
    ours, ref = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    check_same(ours(x), ref(tx), [(x, tx)])
    assert repr(ours) == repr(ref) and ours.padding == ref.padding


def test_padding_module_gradients_match_finite_differences():
    x = mt.tensor(randn((1, 2, 3, 3), 12), requires_grad=True)
    assert gradcheck(lambda t: nn.ReflectionPad2d((2, 1, 1, 2))(t) ** 2, (x,))


def test_padding_module_of_one_int_pads_every_side_by_it():
    assert nn.ZeroPad2d(3).padding == (3, 3, 3, 3) and nn.CircularPad1d(2).padding == (2, 2)
    out = _np(nn.ConstantPad1d(2, 7.0)(mt.zeros(1, 3)))
    np.testing.assert_array_equal(out, [[7, 7, 0, 0, 0, 7, 7]])


def test_padding_module_with_a_tuple_of_the_wrong_length_names_it():
    with pytest.raises(TypeError, match=r"ReflectionPad2d: padding must be an int or a tuple of "
                                        r"4 ints, got \(1, 2\)"):
        nn.ReflectionPad2d((1, 2))


def test_reflection_padding_of_an_input_without_a_channel_dim_names_its_shape():
    with pytest.raises(ValueError, match=r"ReflectionPad1d: expected 2D or 3D input \(got 1D "
                                         r"input of shape \(5,\)\)"):
        nn.ReflectionPad1d(1)(mt.zeros(5))
