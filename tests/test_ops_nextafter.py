"""nextafter: bit-exact against NumPy's, on the floats where the step changes (zeros,
subnormals, powers of two, the largest float, infinities, NaN)."""

from __future__ import annotations

import numpy as np
import pytest

import microtorch_core as mt
from microtorch_core.testing import assert_close


@pytest.mark.parametrize("np_dtype", [np.float32, np.float64])
def test_nextafter_is_bit_exact(np_dtype):
    info = np.finfo(np_dtype)
    special = [0.0, -0.0, 1.0, -1.0, 0.5, 2.0, info.tiny, -info.tiny, info.tiny / 2,
               info.smallest_subnormal, -info.smallest_subnormal, info.max, -info.max,
               np.inf, -np.inf, np.nan, 3.7, -1e-30]
    rng = np.random.default_rng(0)
    values = np.concatenate([special, rng.normal(size=20) * 10.0 ** rng.integers(-30, 30, 20)])
    x, y = np.meshgrid(values.astype(np_dtype), values.astype(np_dtype))
    dtype = mt.float32 if np_dtype is np.float32 else mt.float64
    got = mt.nextafter(mt.tensor(x, dtype=dtype), mt.tensor(y, dtype=dtype)).numpy()
    with np.errstate(over="ignore"):
        want = np.nextafter(x, y)
    bits = np.uint32 if np_dtype is np.float32 else np.uint64
    same = (got.view(bits) == want.view(bits)) | (np.isnan(got) & np.isnan(want))
    assert same.all(), (x[~same][:3], y[~same][:3], got[~same][:3], want[~same][:3])


def test_nextafter_gradient_passes_to_the_input_only():
    x = mt.tensor([1.0, -2.0], dtype=mt.float64, requires_grad=True)
    y = mt.tensor([0.0, 5.0], dtype=mt.float64, requires_grad=True)
    (mt.nextafter(x, y) * mt.tensor([3.0, 4.0], dtype=mt.float64)).sum().backward()
    assert_close(x.grad, np.array([3.0, 4.0]))
    assert y.grad is None or not y.grad.any().item()


def test_nextafter_refuses_integers():
    with pytest.raises(RuntimeError, match="not implemented for 'int64'"):
        mt.nextafter(mt.tensor([1, 2]), mt.tensor([2, 3]))
