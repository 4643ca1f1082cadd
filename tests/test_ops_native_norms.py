"""native_layer_norm, native_group_norm, native_batch_norm: outputs and statistics against
PyTorch, running statistics updated in place, gradients."""

from __future__ import annotations

import numpy as np
import pytest

import microtorch_core as mt
from microtorch_core.testing import assert_close

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)
X = RNG.normal(size=(2, 6, 3))
W, B = RNG.normal(size=6), RNG.normal(size=6)


def _assert_all_close(got, want):
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert_close(g, w.detach().numpy())


def test_native_layer_norm_matches_pytorch():
    w, b = RNG.normal(size=(6, 3)), RNG.normal(size=(6, 3))
    got = mt.native_layer_norm(mt.tensor(X), (6, 3), mt.tensor(w), mt.tensor(b), 1e-5)
    want = torch.native_layer_norm(torch.tensor(X), (6, 3), torch.tensor(w), torch.tensor(b),
                                   1e-5)
    _assert_all_close(got, want)


def test_native_group_norm_matches_pytorch_and_its_statistics_are_differentiable():
    got = mt.native_group_norm(mt.tensor(X), mt.tensor(W), mt.tensor(B), 2, 6, 3, 3, 1e-5)
    want = torch.native_group_norm(torch.tensor(X), torch.tensor(W), torch.tensor(B), 2, 6, 3,
                                   3, 1e-5)
    _assert_all_close(got, want)
    x = mt.tensor(X, requires_grad=True)
    assert mt.autograd.gradcheck(
        lambda x: mt.native_group_norm(x, None, None, 2, 6, 3, 3, 1e-5)[2], (x,))


def test_native_batch_norm_in_training_updates_the_running_statistics():
    mean, var = mt.zeros(6, dtype=mt.float64), mt.ones(6, dtype=mt.float64)
    t_mean, t_var = torch.zeros(6, dtype=torch.float64), torch.ones(6, dtype=torch.float64)
    got = mt.native_batch_norm(mt.tensor(X), mt.tensor(W), mt.tensor(B), mean, var, True,
                               0.3, 1e-5)
    want = torch.native_batch_norm(torch.tensor(X), torch.tensor(W), torch.tensor(B), t_mean,
                                   t_var, True, 0.3, 1e-5)
    _assert_all_close(got, want)
    assert_close(mean, t_mean.numpy())
    assert_close(var, t_var.numpy())


def test_native_batch_norm_in_evaluation_saves_no_statistics():
    mean, var = mt.tensor(RNG.normal(size=6)), mt.tensor(RNG.uniform(1, 2, size=6))
    out, save_mean, save_invstd = mt.native_batch_norm(mt.tensor(X), None, None, mean, var,
                                                       False, 0.1, 1e-5)
    want = torch.native_batch_norm(torch.tensor(X), None, None, torch.tensor(mean.numpy()),
                                   torch.tensor(var.numpy()), False, 0.1, 1e-5)
    assert_close(out, want[0].numpy())
    assert save_mean.shape == save_invstd.shape == (0,)
