"""Margin and likelihood losses (``functional_margin_loss.py``, ``functional_likelihood_loss.py``
and their modules in ``loss.py``): values and gradients against PyTorch when installed,
gradients against finite differences (float64) always."""

import math
import re
import warnings

import numpy as np
import pytest
from torch_reference import check_same, requires_torch, torch
from torch_reference import to_numpy as _np

import microtorch_core as mt
from microtorch_core import nn
from microtorch_core.autograd.gradcheck import gradcheck
from microtorch_core.nn import functional as F

if torch is not None:
    import torch.nn.functional as TF


def _rng(seed):
    return np.random.default_rng(seed)


def _signs(shape, seed):
    return np.where(_rng(seed).uniform(size=shape) < 0.5, -1.0, 1.0)


# Each loss's positional arguments as NumPy arrays: the first ``n_leaves`` are float inputs
# whose gradients are compared; the rest (targets) are constants.
def _data(name):
    x = _rng(1).standard_normal((4, 5))
    if name == "margin_ranking_loss":
        return [x[:, 0], x[:, 1], _signs(4, 2)], 2
    if name == "hinge_embedding_loss":
        return [np.abs(x) * 1.5, _signs((4, 5), 3)], 1
    if name == "cosine_embedding_loss":
        return [x, _rng(4).standard_normal((4, 5)), np.array([1.0, -1.0, -1.0, 1.0])], 2
    if name == "triplet_margin_loss":
        return [x, x + 0.3 * _rng(5).standard_normal((4, 5)),
                _rng(6).standard_normal((4, 5))], 3
    if name == "soft_margin_loss":
        return [x * 2, _signs((4, 5), 7)], 1
    if name == "multilabel_soft_margin_loss":
        return [x * 2, (_rng(8).uniform(size=(4, 5)) < 0.4).astype(np.float64)], 1
    if name == "multi_margin_loss":
        return [x, np.array([0, 3, 4, 3])], 1
    if name == "multilabel_margin_loss":  # duplicates count twice; after -1 is ignored
        return [x, np.array([[3, 0, -1, 1, 2], [1, 1, -1, -1, -1], [-1, 0, 0, 0, 0],
                             [4, 3, 2, 1, 0]])], 1
    if name == "poisson_nll_loss":  # counts 0 and 1 sit below the Stirling term's cut
        return [x, np.array([0.0, 1.0, 2.0, 5.0, 9.0] * 4).reshape(4, 5)], 1
    if name == "poisson_nll_loss_rates":  # log_input=False takes rates, not log-rates
        return [np.exp(x), np.array([0.0, 1.0, 2.0, 5.0, 9.0] * 4).reshape(4, 5)], 1
    if name == "gaussian_nll_loss":
        return [x, _rng(9).standard_normal((4, 5)), _rng(10).uniform(0.2, 2.0, (4, 5))], 3
    raise KeyError(name)


WEIGHT = np.array([0.5, 1.0, 2.0, 0.2, 1.5])
CASES = [  # (function, data, keyword arguments)
    ("margin_ranking_loss", "margin_ranking_loss", {}),
    ("margin_ranking_loss", "margin_ranking_loss", {"margin": 0.4}),
    ("hinge_embedding_loss", "hinge_embedding_loss", {}),
    ("hinge_embedding_loss", "hinge_embedding_loss", {"margin": 2.0}),
    ("cosine_embedding_loss", "cosine_embedding_loss", {}),
    ("cosine_embedding_loss", "cosine_embedding_loss", {"margin": -0.3}),
    ("triplet_margin_loss", "triplet_margin_loss", {}),
    ("triplet_margin_loss", "triplet_margin_loss", {"margin": 2.0, "p": 1, "swap": True}),
    ("triplet_margin_loss", "triplet_margin_loss", {"p": 3, "eps": 1e-3}),
    ("soft_margin_loss", "soft_margin_loss", {}),
    ("multilabel_soft_margin_loss", "multilabel_soft_margin_loss", {}),
    ("multilabel_soft_margin_loss", "multilabel_soft_margin_loss", {"weight": WEIGHT}),
    ("multi_margin_loss", "multi_margin_loss", {}),
    ("multi_margin_loss", "multi_margin_loss", {"p": 2, "margin": 0.5, "weight": WEIGHT}),
    ("multilabel_margin_loss", "multilabel_margin_loss", {}),
    ("poisson_nll_loss", "poisson_nll_loss", {}),
    ("poisson_nll_loss", "poisson_nll_loss", {"full": True}),
    ("poisson_nll_loss", "poisson_nll_loss_rates", {"log_input": False}),
    ("poisson_nll_loss", "poisson_nll_loss_rates", {"log_input": False, "full": True,
                                                    "eps": 0.1}),
    ("gaussian_nll_loss", "gaussian_nll_loss", {}),
    ("gaussian_nll_loss", "gaussian_nll_loss", {"full": True, "eps": 0.1}),
]


def _ours(arrays, n_leaves):
    return [mt.tensor(a, requires_grad=i < n_leaves) for i, a in enumerate(arrays)]


def _theirs(arrays, n_leaves):
    return [torch.tensor(a, requires_grad=i < n_leaves) for i, a in enumerate(arrays)]


def _kwargs(kwargs, lib):
    return {k: lib.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}


# -- against PyTorch ----------------------------------------------------------------------------
@requires_torch
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize(("name", "data", "kwargs"), CASES, ids=str)
def test_loss_values_and_gradients_match_torch(name, data, kwargs, reduction):
    arrays, n_leaves = _data(data)
    ours, theirs = _ours(arrays, n_leaves), _theirs(arrays, n_leaves)
    check_same(getattr(F, name)(*ours, reduction=reduction, **_kwargs(kwargs, mt)),
               getattr(TF, name)(*theirs, reduction=reduction, **_kwargs(kwargs, torch)),
               list(zip(ours[:n_leaves], theirs[:n_leaves])))


UNBATCHED = [  # one sample: (function, arrays, n_leaves)
    ("cosine_embedding_loss", [[1.0, 2.0, -1.0], [0.5, -1.0, 2.0], -1.0], 2),
    ("triplet_margin_loss", [[1.0, 2.0], [0.5, 1.5], [0.0, 3.0]], 3),
    ("multi_margin_loss", [[0.2, 0.9, -0.4], 1], 1),
    ("multi_margin_loss", [[0.2, 0.9, -0.4], [2]], 1),
    ("multilabel_margin_loss", [[0.2, 0.9, -0.4, 0.3], [2, 0, -1, 1]], 1),
    ("multilabel_soft_margin_loss", [[0.2, 0.9, -0.4], [1.0, 0.0, 1.0]], 1),
]


@requires_torch
@pytest.mark.parametrize(("name", "arrays", "n_leaves"), UNBATCHED, ids=str)
def test_loss_of_one_unbatched_sample_matches_torch_in_shape_and_value(name, arrays, n_leaves):
    arrays = [np.asarray(a) for a in arrays]
    ours, theirs = _ours(arrays, n_leaves), _theirs(arrays, n_leaves)
    out = getattr(F, name)(*ours, reduction="none")
    ref = getattr(TF, name)(*theirs, reduction="none")
    assert out.shape == tuple(ref.shape)
    check_same(out, ref, list(zip(ours[:n_leaves], theirs[:n_leaves])))


@requires_torch
def test_hinge_corners_pass_or_stop_the_gradient_as_in_torch():
    # margin_ranking_loss's clamp passes the gradient at 0; multi_margin_loss's hinge stops it
    x = mt.zeros(3, dtype=mt.float64, requires_grad=True)
    tx = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    ones = np.ones(3)
    check_same(F.margin_ranking_loss(x, mt.tensor(ones * 0), mt.tensor(ones), reduction="sum")
               + F.multi_margin_loss(x, mt.tensor(0), margin=0.0, reduction="sum"),
               TF.margin_ranking_loss(tx, torch.tensor(ones * 0), torch.tensor(ones),
                                      reduction="sum")
               + TF.multi_margin_loss(tx, torch.tensor(0), margin=0.0, reduction="sum"),
               [(x, tx)])


@requires_torch
@pytest.mark.parametrize("var_shape", [(4, 5), (4,), (4, 1), (1, 5), ()], ids=str)
def test_gaussian_nll_loss_broadcasts_var_by_torchs_rules(var_shape):
    (x, tx), (y, ty) = [(mt.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True))
                        for a in _data("gaussian_nll_loss")[0][:2]]
    v = _rng(11).uniform(0.2, 2.0, var_shape)
    var, tvar = (float(v), float(v)) if v.ndim == 0 else (mt.tensor(v, requires_grad=True),
                                                         torch.tensor(v, requires_grad=True))
    check_same(F.gaussian_nll_loss(x, y, var, reduction="none"),
               TF.gaussian_nll_loss(tx, ty, tvar, reduction="none"), [(x, tx), (y, ty)])
    if v.ndim:
        np.testing.assert_allclose(_np(var.grad), tvar.grad.numpy(), rtol=1e-10)


@requires_torch
def test_gaussian_nll_loss_clamps_a_tiny_var_but_passes_its_gradient_like_torch():
    x, tx = mt.zeros(3, dtype=mt.float64), torch.zeros(3, dtype=torch.float64)
    data = np.array([0.0, 1e-9, 2.0])
    var, tvar = mt.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    check_same(F.gaussian_nll_loss(x, x + 1, var, reduction="none"),
               TF.gaussian_nll_loss(tx, tx + 1, tvar, reduction="none"), [(var, tvar)])


# -- against finite differences -----------------------------------------------------------------
@pytest.mark.parametrize(("name", "data", "kwargs"), CASES, ids=str)
def test_loss_gradients_match_finite_differences(name, data, kwargs):
    arrays, n_leaves = _data(data)
    arrays = [a[:2] for a in arrays]  # two samples keep the finite differences fast
    args = _ours(arrays, n_leaves)
    kwargs = _kwargs(kwargs, mt)
    assert gradcheck(lambda *leaves: getattr(F, name)(*leaves, *args[n_leaves:],
                                                      reduction="none", **kwargs),
                     args[:n_leaves])


def test_poisson_nll_loss_full_adds_stirlings_log_factorial_above_one():
    log_rate = mt.zeros(3, dtype=mt.float64)
    counts = mt.tensor([0.0, 1.0, 10.0], dtype=mt.float64)
    extra = F.poisson_nll_loss(log_rate, counts, full=True, reduction="none") - \
        F.poisson_nll_loss(log_rate, counts, reduction="none")
    stirling = 10 * math.log(10) - 10 + 0.5 * math.log(2 * math.pi * 10)
    np.testing.assert_allclose(_np(extra), [0.0, 0.0, stirling], rtol=1e-12)
    assert abs(stirling - math.lgamma(11)) < 0.01  # close to log(10!)


def test_poisson_nll_loss_full_has_a_finite_gradient_at_a_zero_count():
    counts = mt.tensor([0.0, 3.0], dtype=mt.float64, requires_grad=True)
    F.poisson_nll_loss(mt.zeros(2, dtype=mt.float64), counts, full=True).backward()
    assert np.isfinite(_np(counts.grad)).all()


def test_soft_margin_loss_of_extreme_margins_is_finite_with_finite_gradients():
    x = mt.tensor([-1000.0, 1000.0], dtype=mt.float64, requires_grad=True)
    loss = F.soft_margin_loss(x, mt.tensor([1.0, 1.0], dtype=mt.float64), reduction="none")
    loss.sum().backward()
    np.testing.assert_allclose(_np(loss), [1000.0, 0.0])
    np.testing.assert_allclose(_np(x.grad), [-1.0, 0.0])


def test_multi_margin_loss_is_zero_when_the_target_wins_by_the_margin():
    scores = mt.tensor([[3.0, 1.0, 1.9], [0.0, 5.0, 0.0]])
    assert F.multi_margin_loss(scores, mt.tensor([0, 1])).item() == 0.0


@requires_torch
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("name", ["multi_margin_loss", "multilabel_margin_loss"])
def test_class_margin_losses_take_a_0d_score_as_one_class_as_torch(name, reduction):
    x = mt.tensor(5.5, dtype=mt.float64, requires_grad=True)
    tx = torch.tensor(5.5, dtype=torch.float64, requires_grad=True)
    check_same(getattr(F, name)(x, mt.tensor(0), reduction=reduction),
               getattr(TF, name)(tx, torch.tensor(0), reduction=reduction), [(x, tx)])


def test_triplet_margin_loss_swap_uses_the_closer_negative_distance():
    a, p, n = mt.tensor([[0.0, 0.0]]), mt.tensor([[1.0, 0.0]]), mt.tensor([[2.0, 0.0]])
    plain = F.triplet_margin_loss(a, p, n, margin=2.0, eps=0.0).item()
    swapped = F.triplet_margin_loss(a, p, n, margin=2.0, eps=0.0, swap=True).item()
    assert plain == pytest.approx(1.0) and swapped == pytest.approx(2.0)  # d(p, n) = 1 < 2


# -- modules ------------------------------------------------------------------------------------
MODULES = [  # (module, constructor keywords, function, data)
    ("MarginRankingLoss", {"margin": 0.2}, "margin_ranking_loss", "margin_ranking_loss"),
    ("HingeEmbeddingLoss", {"margin": 2.0}, "hinge_embedding_loss", "hinge_embedding_loss"),
    ("CosineEmbeddingLoss", {"margin": 0.1}, "cosine_embedding_loss",
     "cosine_embedding_loss"),
    ("TripletMarginLoss", {"p": 1.0, "swap": True}, "triplet_margin_loss",
     "triplet_margin_loss"),
    ("SoftMarginLoss", {}, "soft_margin_loss", "soft_margin_loss"),
    ("MultiLabelSoftMarginLoss", {"weight": WEIGHT}, "multilabel_soft_margin_loss",
     "multilabel_soft_margin_loss"),
    ("MultiMarginLoss", {"p": 2, "weight": WEIGHT}, "multi_margin_loss", "multi_margin_loss"),
    ("MultiLabelMarginLoss", {}, "multilabel_margin_loss", "multilabel_margin_loss"),
    ("PoissonNLLLoss", {"full": True, "eps": 1e-6}, "poisson_nll_loss", "poisson_nll_loss"),
    ("GaussianNLLLoss", {"full": True}, "gaussian_nll_loss", "gaussian_nll_loss"),
]


@pytest.mark.parametrize(("module", "kwargs", "name", "data"), MODULES, ids=str)
def test_loss_module_computes_its_function_with_its_settings(module, kwargs, name, data):
    arrays, n_leaves = _data(data)
    args = _ours(arrays, 0)
    loss_fn = getattr(nn, module)(reduction="sum", **_kwargs(kwargs, mt))
    expected = getattr(F, name)(*args, reduction="sum", **_kwargs(kwargs, mt))
    assert loss_fn(*args).item() == pytest.approx(expected.item(), rel=1e-12)


@requires_torch
@pytest.mark.parametrize(("module", "kwargs", "name", "data"), MODULES, ids=str)
def test_loss_module_matches_torch_including_repr(module, kwargs, name, data):
    arrays, n_leaves = _data(data)
    ours, theirs = _ours(arrays, n_leaves), _theirs(arrays, n_leaves)
    loss_fn = getattr(nn, module)(**_kwargs(kwargs, mt))
    ref = getattr(torch.nn, module)(**_kwargs(kwargs, torch))
    check_same(loss_fn(*ours), ref(*theirs), list(zip(ours[:n_leaves], theirs[:n_leaves])))
    assert repr(loss_fn) == repr(ref)


@pytest.mark.parametrize("module", ["MultiMarginLoss", "MultiLabelSoftMarginLoss"])
def test_loss_module_keeps_its_class_weights_as_a_buffer(module):
    loss_fn = getattr(nn, module)(weight=mt.ones(3))
    assert list(loss_fn.state_dict()) == ["weight"] and list(loss_fn.parameters()) == []


# -- errors -------------------------------------------------------------------------------------
NAMES = sorted({name for name, _, _ in CASES})


@pytest.mark.parametrize("name", NAMES)
def test_loss_with_an_unknown_reduction_names_it(name):
    arrays, _ = _data(name)
    with pytest.raises(ValueError, match="avg is not a valid value for reduction"):
        getattr(F, name)(*_ours(arrays, 0), reduction="avg")


@pytest.mark.parametrize("name", ["hinge_embedding_loss", "soft_margin_loss",
                                  "multilabel_soft_margin_loss", "poisson_nll_loss"])
def test_loss_with_target_of_another_shape_names_both_sizes(name):
    with pytest.raises(ValueError, match=rf"{name}: target size \(3, 1\) is different from "
                                         r"input size \(3,\)"):
        getattr(F, name)(mt.ones(3), mt.ones(3, 1))


def test_margin_ranking_loss_with_inputs_of_different_dims_names_the_sizes():
    with pytest.raises(RuntimeError, match=r"same dimension but got sizes: input1: \(3,\), "
                                           r"input2: \(3, 1\), target: \(3,\)"):
        nn.MarginRankingLoss()(mt.zeros(3), mt.zeros(3, 1), mt.ones(3))


def test_triplet_margin_loss_rejects_mixed_dims_and_a_non_positive_margin():
    with pytest.raises(RuntimeError, match="but got: anchor 2D, positive 2D, and negative 1D"):
        F.triplet_margin_loss(mt.zeros(2, 3), mt.zeros(2, 3), mt.zeros(3))
    with pytest.raises(ValueError, match="margin must be greater than 0, got 0"):
        F.triplet_margin_loss(mt.zeros(3), mt.zeros(3), mt.zeros(3), margin=0)
    with pytest.raises(ValueError, match="expected margin to be greater than 0, got -1"):
        nn.TripletMarginLoss(margin=-1)


def test_cosine_embedding_loss_target_and_input_dims_are_checked():
    with pytest.raises(RuntimeError, match=r"0D or 1D target tensor expected, multi-target not "
                                           r"supported \(got target of shape \(3, 1\)\)"):
        F.cosine_embedding_loss(mt.zeros(3, 4), mt.zeros(3, 4), mt.ones(3, 1))
    with pytest.raises(RuntimeError, match=r"1D target tensor expects 2D input tensors, but "
                                           r"found inputs with sizes \(4,\) and \(4,\)"):
        F.cosine_embedding_loss(mt.zeros(4), mt.zeros(4), mt.ones(3))


def test_multi_margin_loss_errors_name_the_wrong_values():
    scores = mt.zeros(3, 4)
    with pytest.raises(ValueError, match="only p == 1 and p == 2 supported, got p=3"):
        F.multi_margin_loss(scores, mt.tensor([0, 1, 2]), p=3)
    with pytest.raises(RuntimeError, match=r"Expected target size \(3,\), but got \(2,\)\. "
                                           r"Input has shape \(3, 4\)"):
        F.multi_margin_loss(scores, mt.tensor([0, 1]))
    with pytest.raises(RuntimeError, match=r"target 4 is out of range: expected class indices "
                                           r"in \[0, 3\]"):
        F.multi_margin_loss(scores, mt.tensor([0, 1, 4]))
    with pytest.raises(RuntimeError, match=r"inconsistent weight size, expected 4 but got "
                                           r"\(3,\)"):
        nn.MultiMarginLoss(weight=mt.ones(3))(scores, mt.tensor([0, 1, 2]))
    with pytest.raises(RuntimeError, match="expected target of class indices with dtype int64, "
                                           "got float32"):
        F.multi_margin_loss(scores, mt.zeros(3))


def test_multilabel_margin_loss_errors_name_the_wrong_values():
    with pytest.raises(RuntimeError, match=r"inconsistent target size: \(3,\) for input of size "
                                           r"\(3, 4\)"):
        F.multilabel_margin_loss(mt.zeros(3, 4), mt.tensor([0, 1, 2]))
    with pytest.raises(RuntimeError, match=r"target -2 is out of range: expected class indices "
                                           r"in \[-1, 3\]"):
        F.multilabel_margin_loss(mt.zeros(4), mt.tensor([1, -2, 0, 0]))
    with pytest.raises(RuntimeError, match=r"Expected non-empty vector or matrix with optional "
                                           r"0-dim batch size, but got: \(2, 3, 4\)"):
        F.multilabel_margin_loss(mt.zeros(2, 3, 4), mt.zeros(2, 3, 4, dtype=mt.int64))


def test_gaussian_nll_loss_rejects_a_negative_or_misshapen_var():
    x = mt.zeros(3, 2)
    with pytest.raises(ValueError, match=r"var has negative entry/entries \(smallest -1"):
        F.gaussian_nll_loss(x, x, -mt.ones(3, 2))
    with pytest.raises(ValueError, match=r"var has negative entry/entries \(got -0.5\)"):
        nn.GaussianNLLLoss()(x, x, -0.5)
    with pytest.raises(ValueError, match=r"var is of incorrect size: \(3, 3\) for input of size "
                                         r"\(3, 2\)"):
        F.gaussian_nll_loss(x, x, mt.ones(3, 3))


def test_multilabel_soft_margin_weight_that_would_grow_the_input_is_an_error():
    with pytest.raises(ValueError, match=r"weight of shape \(2, 1, 4\) cannot be broadcast to "
                                         r"the input's shape \(3, 4\)"):
        F.multilabel_soft_margin_loss(mt.zeros(3, 4), mt.zeros(3, 4), mt.ones(2, 1, 4))


# -- linear_cross_entropy -----------------------------------------------------------------------
LCE_CASES = [
    dict(),
    dict(reduction="sum", ignore_index=2),
    dict(reduction="none", weight=True),
    dict(weight=True, ignore_index=1, linear_bias=True),
    dict(reduction="sum", label_smoothing=0.2),
]


def _lce_arguments(kwargs, targets, seed, weight_shape=(5, 4)):
    """(ours, theirs) float64 leaves for input (6, 4), linear_weight, targets and kwargs."""
    rng = _rng(seed)
    leaves = [rng.standard_normal((6, 4)), rng.standard_normal(weight_shape)]
    if kwargs.get("linear_bias"):
        leaves.append(rng.standard_normal(weight_shape[:-1]))
    ours = [mt.tensor(a, requires_grad=True) for a in leaves]
    theirs = [torch.tensor(a, requires_grad=True) for a in leaves]
    extra = dict(kwargs)
    if "linear_bias" in extra:
        extra["linear_bias"] = ours[2]
    mt_kwargs, torch_kwargs = dict(extra), dict(extra)
    if "linear_bias" in extra:
        torch_kwargs["linear_bias"] = theirs[2]
    if extra.get("weight"):
        w = rng.uniform(0.5, 2.0, weight_shape[0])
        mt_kwargs["weight"], torch_kwargs["weight"] = mt.tensor(w), torch.tensor(w)
    return ours, theirs, mt_kwargs, torch_kwargs, mt.tensor(targets), torch.tensor(targets)


@requires_torch
@pytest.mark.parametrize("kwargs", LCE_CASES, ids=str)
@pytest.mark.parametrize("chunk", [None, 1, 4])
def test_linear_cross_entropy_matches_torch_chunked_or_not(kwargs, chunk):
    targets = np.array([0, 2, 4, 1, 2, 3])
    ours, theirs, mt_kwargs, torch_kwargs, t, tt = _lce_arguments(kwargs, targets, 1)
    if chunk is not None:
        mt_kwargs["options"] = nn.LinearCrossEntropyOptions(batch_chunk_size=chunk)
        torch_kwargs["options"] = torch.nn.LinearCrossEntropyOptions(
            batch_chunk_size=chunk, allow_retain_graph=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # label smoothing is not chunked: both warn
        out = F.linear_cross_entropy(ours[0], ours[1], t, **mt_kwargs)
        t_out = TF.linear_cross_entropy(theirs[0], theirs[1], tt, **torch_kwargs)
    check_same(out, t_out, list(zip(ours, theirs, strict=True)))


@requires_torch
def test_linear_cross_entropy_k_dimensional_weight_and_probability_targets_match_torch():
    # weight (C, d1, in): logits (N, C, d1); probabilities have the logits' shape
    targets = _rng(2).dirichlet(np.ones(5), (6, 3)).transpose(0, 2, 1)
    ours, theirs, mt_kwargs, torch_kwargs, t, tt = _lce_arguments(
        dict(linear_bias=True), targets, 3, weight_shape=(5, 3, 4))
    check_same(F.linear_cross_entropy(ours[0], ours[1], t, **mt_kwargs),
               TF.linear_cross_entropy(theirs[0], theirs[1], tt, **torch_kwargs),
               list(zip(ours, theirs, strict=True)))


def test_linear_cross_entropy_chunks_give_the_reference_loss_and_gradient():
    rng = _rng(4)
    x = mt.tensor(rng.standard_normal((7, 3)), requires_grad=True)
    w = mt.tensor(rng.standard_normal((6, 3)), requires_grad=True)
    target = mt.tensor([0, 5, -100, 2, 2, 1, 4])
    reference = F.cross_entropy(F.linear(x, w), target)
    for options in [nn.LinearCrossEntropyOptions(batch_chunk_size=2),
                    nn.LinearCrossEntropyOptions(chunking_method="aspect_ratio"),
                    nn.LinearCrossEntropyOptions()]:
        chunked = F.linear_cross_entropy(x, w, target, options=options)
        assert abs(chunked.item() - reference.item()) < 1e-12
    assert gradcheck(lambda a, b: F.linear_cross_entropy(
        a, b, target, options=nn.LinearCrossEntropyOptions(batch_chunk_size=3)), (x, w))


def test_linear_cross_entropy_unbatched_input():
    rng = _rng(5)
    x, w = mt.tensor(rng.standard_normal(3)), mt.tensor(rng.standard_normal((4, 3)))
    target = mt.tensor(2)
    expected = F.cross_entropy(w @ x, target).item()
    assert abs(F.linear_cross_entropy(x, w, target).item() - expected) < 1e-12
    chunked = F.linear_cross_entropy(x, w, target, reduction="none",
                                     options=nn.LinearCrossEntropyOptions(batch_chunk_size=1))
    assert chunked.shape == () and abs(chunked.item() - expected) < 1e-12


def test_linear_cross_entropy_warns_when_options_cannot_chunk():
    x, w, target = mt.zeros(2, 3), mt.zeros(4, 3), mt.tensor([1, 2])
    with pytest.warns(UserWarning, match="``options`` ignored"):
        F.linear_cross_entropy(x, w, target, label_smoothing=0.1,
                               options=nn.LinearCrossEntropyOptions(batch_chunk_size=1))


@pytest.mark.parametrize("shapes, kwargs, message", [
    (((2, 3, 3), (2, 3), (3, 2)), {}, "expected input with dimensionality 1 or 2, got 3"),
    (((2, 3), (2,), (2, 2)), {}, "expected linear_weight with dimensionality at least 2, got 1"),
    (((2, 3), (2, 4), (2, 2)), {}, "expected equal input and linear_weight last dimensions "
     "(in_features), got 3 and 4, respectively"),
    (((2, 3), (2, 3), (2, 2)), dict(ignore_index=0),
     "ignore_index cannot be specified when target contains probabilities"),
    (((3,), (2, 4, 3), (2, 4)), {}, "K-dimensional loss defined by linear_weight shape "
     "(2, 4, 3) requires batched input, (N, 3), got unbatched input with shape (3,)"),
    (((2, 3), (2, 3), (2,)), dict(linear_bias=(3,)), "expected linear_bias shape (2,), got (3,)"),
])
def test_linear_cross_entropy_rejects_bad_shapes_as_torch(shapes, kwargs, message):
    x, w, target = (mt.zeros(*s) for s in shapes)
    if "linear_bias" in kwargs:
        kwargs = dict(kwargs, linear_bias=mt.zeros(*kwargs["linear_bias"]))
    with pytest.raises(RuntimeError, match=re.escape(message)):
        F.linear_cross_entropy(x, w, target, **kwargs)


@pytest.mark.parametrize("kwargs, message", [
    (dict(acc_policy="fast"), "invalid acc_policy: 'fast'"),
    (dict(chunking_method="aspect_ratio:0"), "invalid chunking_method: 'aspect_ratio:0'"),
    (dict(batch_chunk_size=0), "batch_chunk_size must be positive int or None, got 0"),
])
def test_linear_cross_entropy_options_reject_bad_values_as_torch(kwargs, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        nn.LinearCrossEntropyOptions(**kwargs)


def test_linear_cross_entropy_options_refuse_a_size_and_a_method_that_disagree():
    options = nn.LinearCrossEntropyOptions(batch_chunk_size=3, chunking_method="aspect_ratio")
    with pytest.raises(ValueError, match=r"batch_chunk_size \(=3\) and chunking_method "
                                         r"\('aspect_ratio'\) give different chunk sizes"):
        F.linear_cross_entropy(mt.zeros(8, 4), mt.zeros(6, 4), mt.zeros(8, dtype=mt.int64),
                               options=options)
