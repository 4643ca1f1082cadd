"""Conformance: the PyTorch-API catch-up ops on every backend. ``new_*`` keep the device,
``tensor_split``/``select`` are views with slice gradients, ``data_ptr`` moves with the view's
offset, ``fmod`` is exact (power-of-two scaling and exact products are plain arithmetic
kernels), ``gcd``, ``quantile`` and ``diagonal_scatter`` give NumPy's values, and a leaf's
post-accumulate-grad hook runs. Sizes are small: the CUDA backend also runs these on its slow
CPU emulator."""

from __future__ import annotations

import numpy as np
import pytest

import microtorch_core as mt
from microtorch_core.testing import assert_close, check_gradients, random_array


@pytest.mark.ops("fill")
def test_new_zeros_and_new_full_stay_on_the_device(device):
    x = mt.ones(2, dtype=mt.int64, device=device)
    out = x.new_full((2, 3), 7.9)
    assert out.device == x.device and out.dtype is mt.int64
    assert out.tolist() == [[7] * 3] * 2
    assert x.new_zeros(3).device == x.device


@pytest.mark.ops("copy")
def test_tensor_split_and_select_are_views_with_gradients(device):
    data = random_array((3, 5), "float64")
    x = mt.tensor(data, device=device)
    pieces = x.tensor_split([1, 4], 1)
    for piece, ref in zip(pieces, np.array_split(data, [1, 4], 1), strict=True):
        assert_close(piece, ref)
    assert pieces[1].data_ptr() - x.data_ptr() == 8  # one float64 element further on
    assert_close(x.select(0, -1), data[-1])
    check_gradients(lambda t: t.tensor_split(2, 1)[1] * t.select(1, 0).unsqueeze(1), data,
                    device=device)


@pytest.mark.ops("div", "mul", "sub", "pow", "where")
def test_fmod_is_exact(device):
    a = np.array([1e300, -7.5, 5.5, 3e-310, 123.0])
    b = np.array([3.0, 2.0, -1.5, 7e-322, 1e-20])
    assert_close(mt.fmod(mt.tensor(a, device=device), mt.tensor(b, device=device)),
                 np.fmod(a, b), rtol=0, atol=0)


@pytest.mark.ops("div", "mul", "sub", "where")
def test_gcd_matches_numpy(device):
    a, b = np.array([12, -18, 0, 0, 7 * 2 ** 20]), np.array([-8, 12, 5, 0, 21])
    assert_close(mt.gcd(mt.tensor(a, device=device), mt.tensor(b, device=device)), np.gcd(a, b))


@pytest.mark.ops("sort", "gather")
def test_quantile_and_nanquantile_match_numpy(device):
    x = random_array((3, 6), "float64", seed=2)
    x[1, 2] = np.nan
    q = np.array([0.25, 0.5, 0.9])
    t, qt = mt.tensor(x, device=device), mt.tensor(q, device=device)
    assert_close(mt.nanquantile(t, qt, 1), np.nanquantile(x, q, axis=1))
    assert_close(mt.quantile(t, 0.3, 0, interpolation="nearest"),
                 np.quantile(x, 0.3, axis=0, method="nearest"))


@pytest.mark.ops("copy", "where")
def test_diagonal_scatter_writes_the_diagonal_and_splits_the_gradient(device):
    x, src = random_array((3, 3), "float64"), random_array((2,), "float64", seed=1)
    expected = x.copy()
    expected[[0, 1], [1, 2]] = src
    out = mt.diagonal_scatter(mt.tensor(x, device=device), mt.tensor(src, device=device), 1)
    assert_close(out, expected)
    check_gradients(lambda a, s: mt.diagonal_scatter(a, s, 1), x, src, device=device)


@pytest.mark.ops("add", "mul")
def test_post_accumulate_grad_hook_sees_the_accumulated_gradient(device):
    a = mt.ones(2, dtype=mt.float64, device=device, requires_grad=True)
    seen = []
    a.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.cpu().tolist()))
    (a * 3).sum().backward()
    assert seen == [[3.0, 3.0]]
