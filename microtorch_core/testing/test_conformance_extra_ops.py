"""Conformance: index_add, scatter_reduce, masked_select, take_along_dim, addmm, cummax and
unique give NumPy's values and finite-difference gradients on every backend. They are
composites of gather/scatter/scatter_add, sort, matmul and elementwise kernels, so a backend
whose primitives honour strides (broadcast indices, views) passes them. Sizes are small: the
CUDA backend also runs these on its slow CPU emulator."""

from __future__ import annotations

import math

import numpy as np
import pytest

import microtorch_core as mt
from microtorch_core.testing import assert_close, check_gradients, random_array


def _tensor(shape, device, dtype="float32", seed=0):
    x = random_array(shape, dtype, seed=seed)
    return mt.tensor(x, device=device), x


@pytest.mark.ops("scatter_add")
@pytest.mark.parametrize("dtype", ["float32", "int64"])
def test_index_add_accumulates_repeated_indices(device, dtype):
    t, x = _tensor((4, 3), device, dtype)
    s, src = _tensor((5, 3), device, dtype, seed=1)
    index = np.array([3, 0, 3, 3, 1])
    out = t.index_add(0, mt.tensor(index, device=device), s, alpha=2)
    expected = x.copy()
    np.add.at(expected, index, 2 * src)
    assert_close(out, expected)


def _scatter_reduce_loop(x, index, src, reduce):
    """scatter_reduce along dim 1 with include_self=True, by a loop."""
    groups = {(i, j): [x[i, j]] for i in range(x.shape[0]) for j in range(x.shape[1])}
    for i in range(index.shape[0]):
        for j in range(index.shape[1]):
            groups[i, index[i, j]].append(src[i, j])
    fns = {"sum": np.sum, "prod": np.prod, "mean": np.mean, "amax": np.max, "amin": np.min}
    out = np.array([[fns[reduce](groups[i, j]) for j in range(x.shape[1])]
                    for i in range(x.shape[0])])
    return out.astype(x.dtype)


@pytest.mark.ops("scatter", "scatter_add", "gather", "where")
@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
def test_scatter_reduce_matches_a_loop(device, reduce):
    t, x = _tensor((2, 4), device, "float64")
    s, src = _tensor((2, 5), device, "float64", seed=1)
    index = np.array([[0, 3, 0, 0, 2], [1, 1, 1, 3, 1]])
    out = t.scatter_reduce(1, mt.tensor(index, device=device), s, reduce)
    assert_close(out, _scatter_reduce_loop(x, index, src, reduce))


@pytest.mark.ops("gather")
def test_masked_select_broadcasts_the_mask(device):
    t, x = _tensor((3, 4), device)
    mask = np.array([True, False, False, True])
    assert_close(mt.masked_select(t, mt.tensor(mask, device=device)),
                 x[np.broadcast_to(mask, x.shape)])


@pytest.mark.ops("gather")
def test_take_along_dim_broadcasts_and_sorts(device):
    t, x = _tensor((3, 5), device)
    assert_close(mt.take_along_dim(t, t.argsort(1), 1), np.sort(x, 1))
    column = mt.tensor([[4], [0], [2]], device=device)
    assert_close(mt.take_along_dim(t.T, column.T, 0), x[[0, 1, 2], [4, 0, 2]][None])


@pytest.mark.ops("matmul", "mul", "add")
def test_addmm_and_baddbmm_scale_and_add(device):
    a, x = _tensor((2, 3), device, "float64")
    b, y = _tensor((3, 4), device, "float64", seed=1)
    c, z = _tensor((4,), device, "float64", seed=2)
    assert_close(mt.addmm(c, a, b, beta=0.5, alpha=-2), 0.5 * z - 2 * x @ y)
    batched = mt.baddbmm(c, a.expand(2, 2, 3), b.expand(2, 3, 4))  # stride-0 batches
    assert_close(batched, np.broadcast_to(z + x @ y, (2, 2, 4)))


@pytest.mark.ops("ge", "where", "gather")
def test_cummax_takes_the_latest_tie_and_keeps_nan(device):
    t = mt.tensor([[1.0, 3.0, 3.0, 2.0, math.nan, 5.0], [2.0, 1.0, 2.0, 0.0, 2.0, 2.0]],
                  device=device)
    result = mt.cummax(t, 1)
    assert result.indices.tolist() == [[0, 1, 2, 2, 4, 4], [0, 0, 2, 2, 4, 5]]
    assert_close(result.values, np.array([[1, 3, 3, 3, np.nan, np.nan], [2, 2, 2, 2, 2, 2]],
                                         np.float32))


@pytest.mark.ops("scatter", "scatter_add")
def test_unique_with_inverse_and_counts(device):
    x = np.array([3, 1, 3, 2, 1, 3])
    values, inverse, counts = mt.unique(mt.tensor(x, device=device), return_inverse=True,
                                        return_counts=True)
    ref = np.unique(x, return_inverse=True, return_counts=True)
    assert_close(values, ref[0])
    assert_close(inverse, ref[1])
    assert_close(counts, ref[2])


def test_cummax_reads_nothing_and_scatter_reduce_reads_at_most_once(device, host_reads):
    t = mt.randn(3, 6, device=device, dtype=mt.float64, requires_grad=True)
    index = mt.tensor([[0, 2, 2], [1, 1, 0], [2, 0, 0]], device=device)
    host_reads.clear()
    mt.cummax(t, 1).values.sum().backward()
    assert host_reads == []
    t.scatter_reduce(1, index, t[:, :3] * 2, "amax").sum().backward()
    assert len(host_reads) == host_reads.per_bounds_check  # the check of the user's index


GRADIENTS = {  # name: (function, input shapes, primitives exercised)
    "index_add": (lambda x, s: x.index_add(1, mt.tensor([1, 1], device=x.device), s),
                  [(2, 3), (2, 2)], ("scatter_add", "gather")),
    "scatter_reduce_amax": (
        lambda x, s: x.scatter_reduce(0, mt.tensor([1, 1], device=x.device), s, "amax"),
        [(2,), (2,)], ("scatter", "gather", "scatter_add")),
    "take_along_dim": (lambda x: x.take_along_dim(mt.tensor([[2], [0]], device=x.device), 1),
                       [(2, 3)], ("gather",)),
    "addmm": (lambda i, a, b: mt.addmm(i, a, b, beta=2), [(2,), (1, 2), (2, 2)], ("matmul",)),
}


@pytest.mark.parametrize("name", [pytest.param(name, marks=pytest.mark.ops(*ops), id=name)
                                  for name, (_, _, ops) in GRADIENTS.items()])
def test_gradient_matches_finite_differences(device, name):
    fn, shapes, _ = GRADIENTS[name]
    check_gradients(fn, *shapes, device=device)
