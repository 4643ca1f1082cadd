"""as_strided: a view with any shape, strides and offset inside the storage, against NumPy's
as_strided and PyTorch (values, bounds errors, gradients with overlap)."""

from __future__ import annotations

import numpy as np
import pytest

import microtorch_core as mt
from microtorch_core.testing import assert_close, check_against_torch, check_gradients


def test_as_strided_is_a_view_like_numpys():
    base = np.arange(12.0, dtype=np.float32)
    x = mt.tensor(base)
    view = mt.as_strided(x, (3, 4), (2, 1), 1)
    want = np.lib.stride_tricks.as_strided(base[1:], (3, 4), (8, 4))
    assert_close(view, want)
    x[3] = 100.0  # a view: writes to the storage show through
    assert view[1, 0].item() == 100.0


def test_as_strided_offset_defaults_to_the_inputs_own():
    x = mt.arange(12.0)[2:]
    assert mt.as_strided(x, (2, 2), (1, 1)).tolist() == [[2.0, 3.0], [3.0, 4.0]]
    assert x.as_strided((2,), (1,), 0).tolist() == [0.0, 1.0]


def test_as_strided_gradient_accumulates_over_overlaps_like_pytorch():
    check_against_torch(lambda x: x.as_strided((3, 3), (1, 1), 1), (6,))


def test_as_strided_of_an_expanded_input_shares_the_gradient_like_pytorch():
    check_against_torch(lambda x: x.expand(2, 3).as_strided((2, 2), (1, 1)), (3,))


def test_as_strided_showing_elements_outside_the_input_gives_them_no_gradient():
    check_against_torch(lambda x: x[::2].as_strided((3,), (2,), 1) * x[1:4], (12,))


def test_as_strided_gradcheck_with_overlap():
    check_gradients(lambda x: x.as_strided((2, 3), (2, 1), 1) ** 2, (8,))


def test_as_strided_checks_the_storage_bounds():
    x = mt.arange(12.0)
    with pytest.raises(RuntimeError, match=r"sizes \[3, 3\], strides \[4, 1\], storage offset "
                                           r"2, and itemsize 4 requiring a storage size of 52 "
                                           r"are out of bounds for storage of size 48"):
        mt.as_strided(x, (3, 3), (4, 1), 2)
    assert mt.as_strided(x, (0, 3), (100, 1), 13).shape == (0, 3)  # nothing to read


def test_as_strided_argument_errors():
    x = mt.arange(12.0)
    with pytest.raises(RuntimeError, match="Negative strides are not supported"):
        mt.as_strided(x, (3, 3), (-1, 1))
    with pytest.raises(RuntimeError, match="Negative sizes"):
        mt.as_strided(x, (3, -3), (1, 1))
    with pytest.raises(RuntimeError, match="mismatch in length of strides and shape"):
        mt.as_strided(x, (3, 3), (1,))
    with pytest.raises(RuntimeError, match="invalid storage offset -1"):
        mt.as_strided(x, (3,), (1,), -1)
    with pytest.raises(TypeError, match="must be tuple of ints"):
        mt.as_strided(x, (2.0,), (1,))
