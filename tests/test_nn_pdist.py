"""``F.pdist``: the distances between every pair of rows, against NumPy and PyTorch (values
and gradients) when installed."""

import numpy as np
import pytest
from torch_reference import check_same, requires_torch, torch

import microtorch_core as mt
from microtorch_core.autograd.gradcheck import gradcheck
from microtorch_core.nn import functional as F


@pytest.mark.parametrize("p", [0.5, 1.0, 2.0, 3.0, np.inf])
def test_pdist_is_the_upper_triangle_of_the_distance_matrix(p):
    x = np.random.default_rng(0).standard_normal((5, 3))
    i, j = np.triu_indices(5, 1)
    expected = np.linalg.norm(x[i] - x[j], ord=p, axis=1)
    np.testing.assert_allclose(F.pdist(mt.tensor(x), p).numpy(), expected, rtol=1e-12)


@requires_torch
@pytest.mark.parametrize("p", [0.5, 1.0, 2.0, 3.0, np.inf])
def test_pdist_gradients_match_torch_with_a_repeated_row(p):
    data = np.random.default_rng(1).standard_normal((4, 3))
    data[2] = data[0]  # a zero distance: PyTorch's gradient there is 0
    x, tx = mt.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    check_same(F.pdist(x, p), torch.pdist(tx, p), [(x, tx)])


def test_pdist_gradients_match_finite_differences():
    x = mt.randn(4, 3, dtype=mt.float64, requires_grad=True)
    assert gradcheck(lambda t: F.pdist(t, 3.0), (x,))


def test_pdist_of_fewer_than_two_rows_is_empty():
    assert F.pdist(mt.zeros(1, 3)).shape == (0,)


@pytest.mark.parametrize(("x", "p", "message"), [
    (mt.zeros(2, 2, 2), 2.0, "pdist only supports 2D tensors, got: 3D"),
    (mt.zeros(2, 2), -1.0, "pdist only supports non-negative p values"),
    (mt.zeros(2, 2, dtype=mt.int64), 2.0, "pdist only supports floating-point dtypes"),
])
def test_pdist_errors(x, p, message):
    with pytest.raises(RuntimeError, match=message):
        F.pdist(x, p)
