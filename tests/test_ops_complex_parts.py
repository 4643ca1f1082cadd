"""conj, real, imag, angle and friends on real tensors, against PyTorch."""

from __future__ import annotations

import math

import numpy as np
import pytest

import microtorch_core as mt
from microtorch_core.testing import assert_close

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("name", ["conj", "conj_physical", "resolve_conj", "resolve_neg",
                                  "real"])
def test_a_real_tensor_is_its_own_conjugate_and_real_part(name):
    x = mt.tensor([1.0, -2.0], requires_grad=True)
    assert getattr(mt, name)(x) is x


def test_real_and_imag_are_properties_as_in_pytorch():
    x = mt.tensor([1.0, -2.0])
    assert x.real is x
    with pytest.raises(RuntimeError, match="non-complex"):
        _ = x.imag


def test_a_real_tensor_has_no_lazy_conjugation_or_negation():
    x = mt.tensor([1.0])
    assert (x.is_conj(), x.is_neg(), mt.is_conj(x), mt.is_neg(x)) == (False,) * 4


@pytest.mark.parametrize("values,dtype", [([-2.0, -0.0, 0.0, 3.0, math.nan, -math.inf],
                                           "float64"),
                                          ([-3, 0, 5], "int64"), ([True, False], "bool")])
def test_angle_matches_pytorch(values, dtype):
    got = mt.angle(mt.tensor(values, dtype=getattr(mt, dtype)))
    want = torch.angle(torch.tensor(values, dtype=getattr(torch, dtype)))
    assert got.dtype.name == str(want.dtype).removeprefix("torch.")
    assert_close(got, want.numpy())


def test_angle_has_a_zero_gradient():
    x = mt.tensor([-1.5, 2.0], dtype=mt.float64, requires_grad=True)
    mt.angle(x).sum().backward()
    assert_close(x.grad, np.zeros(2))
