"""rsub and fill (torch.rsub, torch.fill), against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import microtorch_core as mt
from microtorch_core.testing import assert_close

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("other,alpha", [(10, 1), (2.5, 1), ([[1.0], [2.0]], -3.125)])
def test_rsub_matches_pytorch(other, alpha):
    x = [1.0, 4.0, -2.0] if isinstance(other, list) else [1, 4, -2]
    m_other = mt.tensor(other) if isinstance(other, list) else other
    t_other = torch.tensor(other) if isinstance(other, list) else other
    got = mt.rsub(mt.tensor(x), m_other, alpha=alpha)
    want = torch.rsub(torch.tensor(x), t_other, alpha=alpha)
    assert got.dtype.name == str(want.dtype).removeprefix("torch.")
    assert_close(got, want.numpy())


def test_rsub_refuses_a_float_alpha_for_integers_and_a_number_input():
    with pytest.raises(RuntimeError, match="alpha"):
        mt.rsub(mt.tensor([1, 2]), mt.tensor([3, 4]), alpha=0.5)
    with pytest.raises(TypeError, match="must be Tensor"):
        mt.rsub(2, mt.tensor([1]))


def test_fill_keeps_the_input_dtype_and_shape():
    got = mt.fill(mt.tensor([[1, 2, 3]]), 7.9)
    assert_close(got, torch.fill(torch.tensor([[1, 2, 3]]), 7.9).numpy())


def test_fill_gradients_go_to_the_value_not_the_input():
    x = mt.tensor([1.0, 2.0, 3.0], dtype=mt.float64, requires_grad=True)
    v = mt.tensor(0.5, dtype=mt.float64, requires_grad=True)
    (mt.fill(x, v) * mt.tensor([1.0, 2.0, 4.0], dtype=mt.float64)).sum().backward()
    assert_close(x.grad, np.zeros(3))
    assert_close(v.grad, np.array(7.0))


def test_fill_refuses_a_value_tensor_with_dims():
    with pytest.raises(RuntimeError, match="0-dimension"):
        mt.fill(mt.zeros(2), mt.zeros(2))
