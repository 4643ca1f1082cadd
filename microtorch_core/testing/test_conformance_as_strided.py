"""Conformance: ``as_strided`` views reach the kernels as they are, overlapping strides and
offsets included, and their gradient (a scatter-add in storage coordinates) is right on the
device."""

from __future__ import annotations

import numpy as np

import microtorch_core as mt
from microtorch_core.testing import assert_close, check_gradients


def _windows(values: np.ndarray, size: int, stride: int, offset: int) -> np.ndarray:
    """Overlapping windows, NumPy's as_strided (strides in bytes) as the reference."""
    count = (len(values) - offset - size) // stride + 1
    return np.lib.stride_tricks.as_strided(values[offset:], (count, size),
                                           (stride * values.itemsize, values.itemsize))


def test_overlapping_as_strided_view_feeds_kernels(device):
    values = np.arange(10, dtype=np.float32) ** 2
    x = mt.tensor(values, device=device)
    view = mt.as_strided(x, (4, 3), (2, 1), 1)  # rows overlap by one element
    want = _windows(values, 3, 2, 1)
    assert_close(view, want)
    assert_close(view * 2 + view, want * 3)  # elementwise kernels read the strided layout
    assert_close(view.sum(1), want.sum(1))  # and so do reductions
    assert_close(view.contiguous(), want)


def test_as_strided_view_sees_writes_to_the_storage(device):
    x = mt.zeros(6, device=device, dtype=mt.int64)
    view = x.as_strided((2, 2), (3, 1))
    x[4] = 7
    assert_close(view, np.array([[0, 0], [0, 7]]))


def test_as_strided_gradient_on_the_device(device):
    check_gradients(lambda x: x.as_strided((3, 3), (1, 1), 1) ** 2, (6,), device=device)
