"""scalar_tensor, empty_strided, new_empty_strided and empty_permuted, against PyTorch."""

from __future__ import annotations

import pytest

import microtorch_core as mt

torch = pytest.importorskip("torch")


def test_empty_strided_has_the_layout_asked_for():
    t = mt.empty_strided((2, 3), (1, 2), dtype=mt.float64)
    assert (t.shape, t.stride(), t.dtype) == ((2, 3), (1, 2), mt.float64)
    assert t.untyped_storage().nbytes == 6 * 8  # the elements the strides reach


def test_new_empty_strided_takes_dtype_and_device_from_the_tensor():
    t = mt.tensor([1, 2]).new_empty_strided((2, 2), (1, 2))
    assert (t.shape, t.stride(), t.dtype) == ((2, 2), (1, 2), mt.int64)


@pytest.mark.parametrize("order", [(0, 1, 2), (0, 2, 1), (2, 0, 1), (1, 2, 0)])
def test_empty_permuted_strides_match_pytorch(order):
    got = mt.empty_permuted((2, 3, 4), order)
    want = torch.empty_permuted((2, 3, 4), order)
    assert (got.shape, got.stride()) == (tuple(want.shape), want.stride())


def test_empty_permuted_refuses_a_bad_layout():
    with pytest.raises(RuntimeError, match="does not match"):
        mt.empty_permuted((2,), (0, 1))
    with pytest.raises(RuntimeError, match="Duplicate"):
        mt.empty_permuted((2, 3), (0, 0))


def test_scalar_tensor_is_0d_in_the_default_float_dtype():
    for value in (True, 3, -2.5):
        got, want = mt.scalar_tensor(value), torch.scalar_tensor(value)
        assert got.shape == () and got.dtype is mt.float32 and got.item() == want.item()
    assert mt.scalar_tensor(3, dtype=mt.int64).dtype is mt.int64
