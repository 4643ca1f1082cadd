"""triplet_margin_with_distance_loss and TripletMarginWithDistanceLoss against PyTorch, with
the default distance and a custom one."""

from __future__ import annotations

import numpy as np
import pytest

import microtorch_core as mt
from microtorch_core import nn
from microtorch_core.nn import functional as F
from microtorch_core.testing import assert_close

torch = pytest.importorskip("torch")
TF = torch.nn.functional

A, P, N = np.random.default_rng(0).normal(size=(3, 5, 4))


def _cosine_distance(lib):
    functional = lib.nn.functional
    return lambda x, y: 1 - functional.cosine_similarity(x, y)


@pytest.mark.parametrize("distance", [None, "cosine", "pairwise_l1"])
@pytest.mark.parametrize("swap,reduction", [(False, "mean"), (True, "none"), (False, "sum")])
def test_loss_matches_pytorch(distance, swap, reduction):
    def fn(lib):
        if distance == "cosine":
            return _cosine_distance(lib)
        return lib.nn.PairwiseDistance(p=1) if distance else None

    tensors = [mt.tensor(t, requires_grad=True) for t in (A, P, N)]
    got = F.triplet_margin_with_distance_loss(*tensors, distance_function=fn(mt), margin=0.7,
                                              swap=swap, reduction=reduction)
    t_tensors = [torch.tensor(t, requires_grad=True) for t in (A, P, N)]
    want = TF.triplet_margin_with_distance_loss(*t_tensors, distance_function=fn(torch),
                                                margin=0.7, swap=swap, reduction=reduction)
    assert_close(got, want.detach().numpy())
    got.sum().backward()
    want.sum().backward()
    for g, w in zip(tensors, t_tensors):
        assert_close(g.grad, w.grad.numpy())


def test_module_matches_the_function_and_checks_its_margin():
    loss = nn.TripletMarginWithDistanceLoss(distance_function=_cosine_distance(mt), margin=0.5)
    tensors = [mt.tensor(t) for t in (A, P, N)]
    assert_close(loss(*tensors), F.triplet_margin_with_distance_loss(
        *tensors, distance_function=_cosine_distance(mt), margin=0.5).numpy())
    with pytest.raises(ValueError, match="greater than 0"):
        nn.TripletMarginWithDistanceLoss(margin=0.0)


def test_loss_refuses_bad_reduction_and_mismatched_dims():
    with pytest.raises(ValueError, match="not a valid value for reduction"):
        F.triplet_margin_with_distance_loss(mt.tensor(A), mt.tensor(P), mt.tensor(N),
                                            reduction="abc")
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        F.triplet_margin_with_distance_loss(mt.tensor(A[0]), mt.tensor(P), mt.tensor(N))
