"""rrelu, dropout3d and feature_alpha_dropout (random layers: their evaluation mode against
PyTorch, their training mode by what it must do), channel_shuffle and the modules."""

from __future__ import annotations

import math

import numpy as np
import pytest

import microtorch_core as mt
from microtorch_core import nn
from microtorch_core.nn import functional as F
from microtorch_core.testing import assert_close

torch = pytest.importorskip("torch")
TF = torch.nn.functional

X = np.random.default_rng(0).normal(size=(3, 4, 2, 3, 2))


def test_rrelu_in_evaluation_is_leaky_relu_with_the_mean_slope():
    got = F.rrelu(mt.tensor(X), 0.1, 0.3)
    assert_close(got, TF.rrelu(torch.tensor(X), 0.1, 0.3).numpy())


def test_rrelu_in_training_draws_one_slope_per_negative_element_in_range():
    x = mt.tensor(X, requires_grad=True)
    mt.manual_seed(3)
    out = F.rrelu(x, 0.1, 0.3, training=True)
    slope = out.detach().numpy() / X
    negative = X < 0
    assert np.all((slope[negative] >= 0.1) & (slope[negative] <= 0.3))
    assert np.all(slope[~negative] == 1.0) and len(np.unique(slope[negative])) > 1
    out.sum().backward()
    assert_close(x.grad, np.where(negative, slope, 1.0))
    mt.manual_seed(3)
    assert_close(F.rrelu(mt.tensor(X), 0.1, 0.3, training=True), out.detach().numpy())


def test_rrelu_refuses_lower_above_upper():
    with pytest.raises(RuntimeError, match="Lower bound"):
        F.rrelu(mt.tensor(X), 0.3, 0.1)


@pytest.mark.parametrize("shape,channel_dims", [((3, 4, 2, 3, 2), 2), ((4, 2, 3, 2), 1)])
def test_dropout3d_drops_whole_channels_and_scales_the_rest(shape, channel_dims):
    x = mt.ones(*shape, dtype=mt.float64)
    out = F.dropout3d(x, 0.5).numpy().reshape(shape[:channel_dims] + (-1,))
    assert np.all((out == 0) | (out == 2.0))
    assert np.all(out.min(-1) == out.max(-1))  # one draw per channel
    assert F.dropout3d(x, 0.5, training=False) is x


def test_feature_alpha_dropout_sets_whole_channels_to_one_value():
    p = 0.5
    out = F.feature_alpha_dropout(mt.tensor(X), p, training=True).numpy()
    alpha = 1.7580993408473766  # SELU's scale * alpha
    a = 1 / math.sqrt((alpha ** 2 * p + 1) * (1 - p))
    dropped = np.isclose(out, -alpha * a + alpha * a * p).reshape(3, 4, -1)
    kept = np.isclose(out, X * a + alpha * a * p).reshape(3, 4, -1)
    assert np.all(dropped.all(-1) | kept.all(-1)) and dropped.any() and kept.any()


def test_feature_alpha_dropout_in_evaluation_is_the_identity_for_any_dtype():
    x = mt.tensor([[1, 2], [3, 4]])
    assert F.feature_alpha_dropout(x, 0.5) is x


@pytest.mark.parametrize("groups", [1, 2, 4])
def test_channel_shuffle_matches_pytorch(groups):
    x = X[:, :, 0]  # 4 channels
    got = F.channel_shuffle(mt.tensor(x), groups)
    assert_close(got, TF.channel_shuffle(torch.tensor(x), groups).numpy())
    assert_close(nn.ChannelShuffle(groups)(mt.tensor(x)), got.numpy())


def test_channel_shuffle_refuses_groups_that_do_not_divide_the_channels():
    with pytest.raises(RuntimeError, match="divisible by groups"):
        F.channel_shuffle(mt.tensor(X[:, :, 0]), 3)


def test_modules_follow_train_and_eval():
    x = mt.tensor(X)
    assert_close(nn.RReLU(0.1, 0.3).eval()(x), TF.rrelu(torch.tensor(X), 0.1, 0.3).numpy())
    for module in (nn.Dropout3d(0.5), nn.FeatureAlphaDropout(0.5)):
        assert module.eval()(x) is x
        assert not np.allclose(module.train()(x).numpy(), X)
    assert repr(nn.RReLU()) == repr(torch.nn.RReLU())
    assert repr(nn.Dropout3d(0.2)) == repr(torch.nn.Dropout3d(0.2))
