"""argwhere and unravel_index: coordinates of elements, against NumPy and PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import microtorch_core as mt
from microtorch_core.testing import assert_close


def test_argwhere_matches_numpy():
    a = np.array([[0, 3, 0], [2, 0, 1]])
    assert_close(mt.argwhere(mt.tensor(a)), np.argwhere(a))
    assert_close(mt.tensor(a).argwhere(), np.argwhere(a))


def test_argwhere_of_0d_and_empty_tensors_has_pytorchs_shapes():
    assert mt.argwhere(mt.tensor(3.0)).shape == (1, 0)
    assert mt.argwhere(mt.tensor(0.0)).shape == (0, 0)
    assert mt.argwhere(mt.zeros(0, 2)).shape == (0, 2)


def test_unravel_index_matches_numpy():
    flat = np.array([[0, 5], [11, 7]])
    got = mt.unravel_index(mt.tensor(flat), (3, 4))
    want = np.unravel_index(flat, (3, 4))
    assert len(got) == 2
    for g, w in zip(got, want):
        assert_close(g, w.astype(np.int64))


def test_unravel_index_wraps_out_of_range_indices_like_pytorch():
    torch = pytest.importorskip("torch")
    flat = [-1, -7, 6, 13, 2]
    got = mt.unravel_index(mt.tensor(flat, dtype=mt.int32), (2, 3))
    want = torch.unravel_index(torch.tensor(flat, dtype=torch.int32), (2, 3))
    for g, w in zip(got, want):
        assert_close(g, w.numpy())


def test_unravel_index_is_exact_for_indices_past_2_to_the_53():
    # float64 alone would round these (there is no integer division kernel)
    torch = pytest.importorskip("torch")
    flat = np.random.default_rng(0).integers(-(2**63), 2**63 - 1, 200, dtype=np.int64)
    flat[:2] = [2**63 - 2, -(2**63)]
    for shape in ((1, 2**63 - 1), (2**31 - 1, 2**20 + 7, 3)):
        got = mt.unravel_index(mt.tensor(flat), shape)
        want = torch.unravel_index(torch.from_numpy(flat), shape)
        for g, w in zip(got, want):
            assert_close(g, w.numpy())


def test_unravel_index_of_an_int_shape_a_0d_index_and_an_empty_shape():
    assert [t.tolist() for t in mt.unravel_index(mt.tensor([1, 4]), 5)] == [[1, 4]]
    row, col = mt.unravel_index(mt.tensor(4), (2, 3))
    assert (row.shape, row.item(), col.item()) == ((), 1, 1)
    assert mt.unravel_index(mt.tensor([0]), ()) == ()


def test_unravel_index_errors():
    with pytest.raises(TypeError, match="integer dtype, but got float32"):
        mt.unravel_index(mt.tensor([1.0]), (2, 3))
    with pytest.raises(TypeError, match="integer dtype, but got bool"):
        mt.unravel_index(mt.tensor([True]), (2, 3))
    with pytest.raises(ValueError, match=r"cannot have negative values, but got \(2, -3\)"):
        mt.unravel_index(mt.tensor([0]), (2, -3))
    with pytest.raises(TypeError, match="only contain ints, but got float"):
        mt.unravel_index(mt.tensor([0]), (2.0, 3))
    with pytest.raises(TypeError, match="int or sequence of ints"):
        mt.unravel_index(mt.tensor([0]), mt.tensor([2, 3]))
    with pytest.raises(RuntimeError, match="zero-size dimension"):
        mt.unravel_index(mt.tensor([0]), (2, 0))
