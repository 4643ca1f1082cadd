"""Conformance: composite ops built from the primitives (flip, roll, cumsum/cumprod, tril/triu,
diagonal) give NumPy's values and finite-difference gradients on every backend. They need no
kernels of their own, so a backend passes these when its primitives honour strides."""

from __future__ import annotations

import numpy as np
import pytest

import microtorch_core as mt
from microtorch_core.testing import assert_close, check_gradients, random_array


def _tensor(shape, device, dtype="float32", seed=0):
    x = random_array(shape, dtype, seed=seed)
    return mt.tensor(x, device=device), x


@pytest.mark.ops("gather")
def test_flip_reverses_the_given_dims(device):
    t, x = _tensor((2, 3, 4), device)
    assert_close(t.flip(0, 2), np.flip(x, (0, 2)))
    assert_close(mt.fliplr(t), np.fliplr(x))
    assert_close(t.T.flip(-1), np.flip(x.T, -1))  # a strided input


@pytest.mark.ops("copy")
def test_roll_shifts_with_wraparound(device):
    t, x = _tensor((3, 5), device, "int64")
    assert_close(t.roll(2, 1), np.roll(x, 2, 1))
    assert_close(t.roll((-1, 7), (0, 1)), np.roll(x, (-1, 7), (0, 1)))
    assert_close(mt.roll(t, 4), np.roll(x, 4))


@pytest.mark.ops("add", "mul", "copy")
@pytest.mark.parametrize("dtype", ["float64", "int32"])
def test_cumsum_and_cumprod(device, dtype):
    t, x = _tensor((3, 9), device, dtype)
    expected_dtype = x.dtype if dtype.startswith("float") else np.int64
    for dim in (0, 1):
        assert_close(t.cumsum(dim), np.cumsum(x, dim).astype(expected_dtype))
        assert_close(t.cumprod(dim), np.cumprod(x, dim).astype(expected_dtype))


@pytest.mark.ops("sub", "le", "ge", "where")
def test_tril_and_triu_keep_triangles(device):
    t, x = _tensor((2, 3, 4), device)
    for k in (-1, 0, 2):
        assert_close(t.tril(k), np.tril(x, k))
        assert_close(t.triu(k), np.triu(x, k))


@pytest.mark.ops("copy")
def test_diagonal_is_a_view_of_the_strided_input(device):
    t, x = _tensor((3, 4, 5), device)
    d = t.diagonal(1, 0, 2)
    assert d.untyped_storage() is t.untyped_storage()
    assert_close(d, np.diagonal(x, 1, 0, 2))
    assert_close(t.T.diagonal(-1), np.diagonal(x.T, -1))
    assert_close(mt.diag_embed(t[0]), np.stack([np.diag(row) for row in x[0]]))


GRADIENTS = {  # name: (function, input shape, primitives exercised); small: the emulator is slow
    "flip": (lambda x: x.flip(0, 1), (2, 3), ("gather",)),
    "roll": (lambda x: x.roll((1, -1), (0, 1)), (2, 3), ("copy",)),
    "cumsum": (lambda x: x.cumsum(1), (1, 4), ("add", "gather")),
    "cumprod": (lambda x: x.cumprod(1), (1, 4), ("mul", "gather")),
    "tril": (lambda x: x.tril(), (2, 3), ("where",)),
    "diagonal": (lambda x: x.diagonal(1), (2, 3), ("copy", "fill")),
}


@pytest.mark.parametrize("name", [pytest.param(name, marks=pytest.mark.ops(*ops), id=name)
                                  for name, (_, _, ops) in GRADIENTS.items()])
def test_gradient_matches_finite_differences(device, name):
    fn, shape, _ = GRADIENTS[name]
    check_gradients(fn, shape, device=device)


@pytest.mark.ops("mul", "gather", "where")
def test_cumprod_gradient_with_zeros(device):
    check_gradients(lambda x: x.cumprod(0), np.array([2.0, 0.0, 3.0, 0.0]), device=device)
