"""torch.gradient (finite differences), trapz and cumulative_trapezoid, against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import microtorch_core as mt
from microtorch_core.testing import assert_close

torch = pytest.importorskip("torch")

F = np.random.default_rng(0).normal(size=(4, 5))
COORDS = [np.array([0.0, 0.5, 2.0, 2.5]), np.array([1.0, 1.5, 3.0, 4.0, 7.0])]


def _both(kwargs):
    def convert(v, lib):
        if isinstance(v, list) and v and isinstance(v[0], np.ndarray):
            return [lib.tensor(a) for a in v]
        return v
    return ({k: convert(v, mt) for k, v in kwargs.items()},
            {k: convert(v, torch) for k, v in kwargs.items()})


@pytest.mark.parametrize("kwargs", [
    {}, {"spacing": 2.0}, {"spacing": [0.5, 3.0]}, {"dim": 1, "edge_order": 2},
    {"spacing": COORDS}, {"spacing": COORDS, "edge_order": 2},
    {"spacing": [COORDS[1]], "dim": [-1]},
], ids=["default", "scalar", "per_dim", "edge_order_2", "coordinates", "coordinates_edge_2",
        "one_dim"])
def test_gradient_matches_pytorch(kwargs):
    mt_kwargs, torch_kwargs = _both(kwargs)
    got = mt.gradient(mt.tensor(F), **mt_kwargs)
    want = torch.gradient(torch.tensor(F), **torch_kwargs)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert_close(g, w.numpy())


def test_gradient_of_integers_is_in_the_default_float_dtype():
    got = mt.gradient(mt.tensor([1, 4, 9, 16]))[0]
    assert got.dtype is mt.float32
    assert_close(got, torch.gradient(torch.tensor([1, 4, 9, 16]))[0].numpy())


def test_gradient_is_differentiable_in_values_and_coordinates():
    f = mt.tensor(F, requires_grad=True)
    x = mt.tensor(COORDS[1], requires_grad=True)
    assert mt.autograd.gradcheck(
        lambda f, x: mt.gradient(f, spacing=[x], dim=1, edge_order=2)[0], (f, x))


@pytest.mark.parametrize("kwargs,message", [
    ({"edge_order": 3}, "edge_order=1 and edge_order=2"),
    ({"spacing": [1.0]}, "list of length equal to"),
    ({"dim": (1, 1)}, "appears multiple times"),
])
def test_gradient_refuses_bad_arguments(kwargs, message):
    with pytest.raises(RuntimeError, match=message):
        mt.gradient(mt.tensor(F), **kwargs)


def test_gradient_needs_edge_order_plus_one_samples():
    with pytest.raises(RuntimeError, match="at least edge_order"):
        mt.gradient(mt.tensor([[1.0, 2.0], [3.0, 4.0]]), edge_order=2)


def test_trapz_is_trapezoid():
    y, x = mt.tensor(F), mt.tensor(COORDS[1])
    assert_close(mt.trapz(y, x), torch.trapz(torch.tensor(F), torch.tensor(COORDS[1])).numpy())
    assert_close(mt.trapz(y, dx=0.5, dim=0), torch.trapz(torch.tensor(F), dx=0.5, dim=0).numpy())


@pytest.mark.parametrize("kwargs", [{}, {"dx": 2.5, "dim": 0}, {"x": COORDS[1]}])
def test_cumulative_trapezoid_matches_pytorch(kwargs):
    m_kwargs = {k: mt.tensor(v) if k == "x" else v for k, v in kwargs.items()}
    t_kwargs = {k: torch.tensor(v) if k == "x" else v for k, v in kwargs.items()}
    got = mt.cumulative_trapezoid(mt.tensor(F), **m_kwargs)
    assert_close(got, torch.cumulative_trapezoid(torch.tensor(F), **t_kwargs).numpy())


def test_cumulative_trapezoid_gradient():
    y = mt.tensor(F, requires_grad=True)
    assert mt.autograd.gradcheck(lambda y: mt.cumulative_trapezoid(y, dx=0.5), (y,))
