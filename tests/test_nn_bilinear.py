"""``nn.Bilinear`` and ``F.bilinear``: values and gradients against PyTorch when installed,
against an einsum in NumPy and finite differences (float64) always."""

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


@requires_torch
@pytest.mark.parametrize("lead", [(), (5,), (2, 3)], ids=str)
@pytest.mark.parametrize("with_bias", [True, False])
def test_bilinear_values_and_gradients_match_torch(lead, with_bias):
    x1, tx1 = leaf_pair(randn(lead + (3,), 1))
    x2, tx2 = leaf_pair(randn(lead + (4,), 2))
    w, tw = leaf_pair(randn((2, 3, 4), 3))
    b, tb = leaf_pair(randn(2, 4)) if with_bias else (None, None)
    leaves = [(x1, tx1), (x2, tx2), (w, tw)] + ([(b, tb)] if with_bias else [])
    check_same(F.bilinear(x1, x2, w, b), TF.bilinear(tx1, tx2, tw, tb), leaves)


def test_bilinear_is_x1_a_x2_for_each_output():
    x1, x2, w, b = randn((5, 3), 5), randn((5, 4), 6), randn((2, 3, 4), 7), randn(2, 8)
    out = F.bilinear(mt.tensor(x1), mt.tensor(x2), mt.tensor(w), mt.tensor(b))
    np.testing.assert_allclose(_np(out), np.einsum("ni,oij,nj->no", x1, w, x2) + b,
                               rtol=1e-12)


def test_bilinear_gradients_match_finite_differences():
    x1 = mt.tensor(randn((2, 3), 9), requires_grad=True)
    x2 = mt.tensor(randn((2, 2), 10), requires_grad=True)
    w = mt.tensor(randn((2, 3, 2), 11), requires_grad=True)
    b = mt.tensor(randn(2, 12), requires_grad=True)
    assert gradcheck(F.bilinear, (x1, x2, w, b))


@requires_torch
def test_bilinear_module_matches_torch_in_shapes_and_repr():
    ours, ref = nn.Bilinear(3, 4, 2), torch.nn.Bilinear(3, 4, 2)
    assert [(n, p.shape) for n, p in ours.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in ref.named_parameters()]
    assert repr(ours) == repr(ref)
    assert repr(nn.Bilinear(3, 4, 2, bias=False)) == repr(torch.nn.Bilinear(3, 4, 2, bias=False))


def test_bilinear_module_draws_weights_within_one_over_sqrt_in1_features():
    mt.manual_seed(0)
    layer = nn.Bilinear(16, 3, 50)
    bound = 1 / math.sqrt(16)
    for p in (_np(layer.weight), _np(layer.bias)):
        assert np.abs(p).max() <= bound and np.abs(p).max() > 0.9 * bound


def test_bilinear_module_without_bias_has_only_a_weight():
    layer = nn.Bilinear(3, 4, 2, bias=False)
    assert [n for n, _ in layer.named_parameters()] == ["weight"]
    assert layer(mt.randn(5, 3), mt.randn(5, 4)).shape == (5, 2)


@pytest.mark.parametrize(("shapes", "message"), [
    (((5, 3), (4,), (2, 3, 4)), "input dimensions do not match: got 2 and 1"),
    (((5, 3), (6, 4), (2, 3, 4)), "input batch dimensions do not match at dim 0: got 5 and 6"),
    (((5, 2), (5, 4), (2, 3, 4)), "input1 size does not match weight size: got 2 but "
                                  "expected 3"),
    (((5, 3), (5, 5), (2, 3, 4)), "input2 size does not match weight size: got 5 but "
                                  "expected 4"),
    (((5, 3), (5, 4), (6, 4)), r"expected a 3-D weight .* got shape \(6, 4\)"),
], ids=str)
def test_bilinear_shape_errors_name_the_sizes(shapes, message):
    with pytest.raises(RuntimeError, match=message):
        F.bilinear(*(mt.zeros(*s) for s in shapes))


def test_bilinear_with_a_misshapen_bias_names_both_shapes():
    with pytest.raises(RuntimeError, match=r"bias size does not match weight size: got shape "
                                           r"\(3,\) but expected \(2,\)"):
        F.bilinear(mt.zeros(5, 3), mt.zeros(5, 4), mt.zeros(2, 3, 4), mt.zeros(3))


def test_bilinear_module_with_no_in1_features_is_an_error():
    with pytest.raises(ValueError, match=r"in1_features must be > 0, but got \(in1_features=0\)"):
        nn.Bilinear(0, 4, 2)
