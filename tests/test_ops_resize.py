"""Tensor.resize_ and resize_as_: the new shape in place, the storage grown when needed."""

from __future__ import annotations

import numpy as np
import pytest

import microtorch_core as mt
from microtorch_core.testing import assert_close


def test_resize_to_fewer_elements_reads_the_same_storage():
    x = mt.tensor([1, 2, 3, 4, 5, 6])
    assert x.resize_(2, 2) is x
    assert_close(x, np.array([[1, 2], [3, 4]]))
    assert x.stride() == (2, 1)


def test_resize_to_more_elements_grows_the_storage_and_keeps_the_old_elements():
    x = mt.tensor([1.0, 2.0, 3.0])
    view = x[1:]
    x.resize_((2, 3))
    assert x.shape == (2, 3) and x.untyped_storage().nbytes >= 6 * 4
    assert_close(x.flatten()[:3], np.array([1.0, 2.0, 3.0], np.float32))
    x.zero_()  # the old storage belongs to the view alone now
    assert_close(view, np.array([2.0, 3.0], np.float32))


def test_resize_as_takes_the_other_tensors_shape():
    x = mt.arange(6.0)
    x.resize_as_(mt.zeros(3, 2))
    assert_close(x, np.arange(6.0, dtype=np.float32).reshape(3, 2))


def test_resize_refuses_a_tensor_that_requires_grad():
    with pytest.raises(RuntimeError, match="require grad"):
        mt.zeros(2, requires_grad=True).resize_(4)
