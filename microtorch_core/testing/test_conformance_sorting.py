"""Conformance: sort, argsort, topk, kthvalue, median on every backend: a stable order (ties
keep their order, descending too), NaN as the largest value, any dtype and layout, and
gradients that flow back through the indices.

``sort`` is an optional kernel: a backend that has it is checked here directly, and the
core's composite (the rank method, built from comparisons, ``sum`` and ``scatter``) is
checked on every backend's primitives, with or without the kernel."""

from __future__ import annotations

import numpy as np
import pytest

import microtorch_core as mt
from microtorch_core.ops.primitive.sort import sort_composite
from microtorch_core.testing import assert_close, check_gradients, random_array
from microtorch_core.testing.layouts import LAYOUTS, make_layout

#: The primitives the composite fallback uses (a backend with a sort kernel may need none).
COMPOSITE_OPS = ("lt", "gt", "eq", "ne", "mul", "maximum", "sum", "scatter", "copy")


def _ties(shape, dtype="float32", seed=0, nans=0.0) -> np.ndarray:
    """Integers from a small range (many ties) as ``dtype``, a share of them NaN."""
    x = random_array(shape, dtype, -2, 2, seed=seed)
    if nans:
        x[np.random.default_rng(seed).random(shape) < nans] = np.nan
    return x


def _stable_sort(x: np.ndarray, axis: int, descending: bool) -> tuple[np.ndarray, np.ndarray]:
    """NumPy's stable sort (NaN last); descending reverses a stable sort of the reversed
    array, so ties keep their order and NaNs come first."""
    if descending:
        n = x.shape[axis]
        indices = n - 1 - np.flip(np.argsort(np.flip(x, axis), axis, kind="stable"), axis)
    else:
        indices = np.argsort(x, axis, kind="stable")
    return np.take_along_axis(x, indices, axis), indices.astype(np.int64)


def _check_sort(values, indices, x: np.ndarray, dim: int, descending: bool) -> None:
    want_values, want_indices = _stable_sort(x, dim, descending)
    assert_close(values, want_values)
    assert_close(indices, want_indices)


@pytest.mark.ops(*COMPOSITE_OPS)
@pytest.mark.parametrize("descending", [False, True], ids=["ascending", "descending"])
def test_sort_is_stable_with_ties_and_nans(device, descending):
    x = _ties((2, 3, 4), nans=0.2)
    t = mt.tensor(x, device=device)
    for dim in range(3):
        _check_sort(*t.sort(dim, descending), x, dim, descending)
    assert_close(mt.argsort(t, descending=descending), _stable_sort(x, -1, descending)[1])


@pytest.mark.ops(*COMPOSITE_OPS)
@pytest.mark.parametrize("dtype", ["float64", "int64", "int32", "bool"])
def test_sort_dtypes(device, dtype):
    x = _ties((3, 6), dtype, seed=1)
    t = mt.tensor(x, device=device)
    _check_sort(*t.sort(1), x, 1, False)
    _check_sort(*t.sort(0, descending=True), x, 0, True)


@pytest.mark.ops(*COMPOSITE_OPS)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_sort_of_strided_inputs(device, layout):
    t, x = make_layout(_ties((4, 6), seed=2, nans=0.1), layout, device)
    _check_sort(*t.sort(0, descending=True), x, 0, True)
    _check_sort(*t.sort(1), x, 1, False)


@pytest.mark.ops(*COMPOSITE_OPS, "gather")
def test_topk_kthvalue_and_median_select_from_the_sorted_order(device):
    x = _ties((3, 7), seed=3, nans=0.1)
    t = mt.tensor(x, device=device)
    desc_values, desc_indices = _stable_sort(x, 1, True)
    asc_values, asc_indices = _stable_sort(x, 1, False)
    assert_close(t.topk(3).values, desc_values[:, :3])
    assert_close(t.topk(3).indices, desc_indices[:, :3])
    assert_close(t.topk(2, largest=False).indices, asc_indices[:, :2])
    assert_close(t.kthvalue(4).values, asc_values[:, 3])
    assert_close(t.kthvalue(4).indices, asc_indices[:, 3])
    distinct = np.float32([[4, 1, 3, 2], [0, 5, 9, 7]])
    median = mt.tensor(distinct, device=device).median(1)
    assert_close(median.values, np.float32([2, 5]))
    assert_close(median.indices, np.int64([3, 1]))


@pytest.mark.ops(*COMPOSITE_OPS)
@pytest.mark.parametrize("dtype", ["float32", "int32", "bool"])
def test_composite_fallback_on_this_device(device, dtype):
    # the core's composite runs on every backend's primitives, whether or not it has a kernel
    x = _ties((2, 3, 5), dtype, seed=4, nans=0.2 if dtype == "float32" else 0.0)
    t = mt.tensor(x, device=device)
    for dim, descending in ((0, False), (2, True)):
        values = mt.empty(*x.shape, dtype=t.dtype, device=device)
        indices = mt.empty(*x.shape, dtype=mt.int64, device=device)
        sort_composite(values, indices, t, dim, descending)
        _check_sort(values, indices, x, dim, descending)


GRADIENTS = {  # distinct values (finite differences jump at ties); small: the emulator is slow
    "sort": (lambda x: x.sort(1, descending=True).values, [[0.5, -1.0, 2.0]]),
    "topk": (lambda x: x.topk(2, 0, largest=False).values, [[0.5], [-1.0], [2.0]]),
    "median": (lambda x: x.median(1).values, [[0.5, -1.0, 2.0]]),
}


@pytest.mark.parametrize("name", [pytest.param(name, marks=pytest.mark.ops(
    *COMPOSITE_OPS, "scatter_add"), id=name) for name in GRADIENTS])
def test_gradient_flows_back_through_the_indices(device, name):
    fn, x = GRADIENTS[name]
    check_gradients(fn, np.float64(x), device=device)
