"""isin: membership of each element in a set of test elements, against PyTorch and NumPy."""

from __future__ import annotations

import numpy as np
import pytest

import microtorch_core as mt
from microtorch_core.ops.composite import membership
from microtorch_core.testing import assert_close, check_against_torch


def test_isin_matches_numpy_on_integers():
    a = np.array([[1, 5, 3], [7, 2, 9]])
    b = np.array([3, 9, 4, 1])
    assert_close(mt.isin(mt.tensor(a), mt.tensor(b)), np.isin(a, b))


def test_isin_invert_is_not_in():
    a, b = np.array([1, 5, 3]), np.array([3, 4])
    assert_close(mt.isin(mt.tensor(a), mt.tensor(b), invert=True), np.isin(a, b, invert=True))


def test_isin_compares_in_the_promoted_dtype_like_pytorch():
    torch = pytest.importorskip("torch")
    check_against_torch(mt.isin, [1, 2, 3], [2.0, 3.5], torch_fn=torch.isin)


def test_isin_takes_a_number_on_either_side():
    assert mt.isin(mt.tensor([1.0, 2.0, 3.0]), 2).tolist() == [False, True, False]
    scalar = mt.isin(2.5, mt.tensor([1, 2, 3]))  # compared as floats: 2.5 is not 2
    assert scalar.shape == () and not scalar.item()
    assert mt.isin(2, mt.tensor([1.0, 2.0])).item()


def test_isin_nan_is_in_no_set_and_zero_signs_are_equal():
    out = mt.isin(mt.tensor([1.0, float("nan"), -0.0]), mt.tensor([float("nan"), 1.0, 0.0]))
    assert out.tolist() == [True, False, True]


def test_isin_of_empty_inputs():
    assert mt.isin(mt.tensor([]), mt.tensor([3.0])).shape == (0,)
    assert mt.isin(mt.tensor([1, 2]), mt.tensor([], dtype=mt.int64)).tolist() == [False, False]


def test_isin_in_blocks_gives_the_same_answer(monkeypatch):
    # a table limit smaller than one row forces one row per block
    monkeypatch.setattr(membership, "TABLE_LIMIT", 3)
    a = np.arange(20) % 7
    b = np.array([0, 3, 5, 8])
    assert_close(mt.isin(mt.tensor(a), mt.tensor(b)), np.isin(a, b))


def test_isin_refuses_bool_and_two_numbers():
    with pytest.raises(RuntimeError, match="Unsupported input type encountered for isin"):
        mt.isin(mt.tensor([True, False]), mt.tensor([1]))
    with pytest.raises(TypeError, match="at least one Tensor"):
        mt.isin(1, 2)
    with pytest.raises(TypeError, match="got list"):
        mt.isin(mt.tensor([1]), [1])
