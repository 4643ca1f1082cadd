"""mode, histc, histogram (ops/composite/histogram.py), unique_consecutive
(ops/composite/searching.py) and logical_and/logical_or's tensor-only operands: values against
PyTorch and NumPy, and PyTorch's errors."""

import math

import numpy as np
import pytest
from torch_reference import requires_torch, torch

import microtorch_core as mt

T = mt.tensor
NAN = math.nan
RNG = np.random.default_rng(0)
SMALL_INTS = RNG.integers(0, 4, size=(3, 5, 7))  # slices of at most 16: PyTorch's CPU is stable
FLOATS = RNG.standard_normal(200).astype(np.float32)


# -- mode -----------------------------------------------------------------------------------------
@requires_torch
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_mode_matches_pytorch_values_and_indices(dim, keepdim):
    ours = mt.mode(T(SMALL_INTS), dim, keepdim)
    theirs = torch.mode(torch.tensor(SMALL_INTS), dim, keepdim)
    assert ours.values.tolist() == theirs.values.tolist()
    assert ours.indices.tolist() == theirs.indices.tolist()


def test_mode_picks_the_smallest_of_equally_frequent_values_and_its_last_index():
    values, indices = T([3, 1, 3, 1, 2, 5, 5]).mode()
    assert (values.item(), indices.item()) == (1, 3)


def test_mode_of_long_slices_is_a_most_frequent_value_at_its_last_occurrence():
    data = RNG.integers(0, 5, size=1000)
    values, indices = mt.mode(T(data))
    counts = np.bincount(data)
    assert values.item() == np.flatnonzero(counts == counts.max())[0]
    assert indices.item() == np.flatnonzero(data == values.item())[-1]


def test_mode_counts_each_nan_once():
    values, indices = mt.mode(T([NAN, 2.0, NAN, 2.0, 1.0]))
    assert (values.item(), indices.item()) == (2.0, 3)


def test_mode_result_is_a_named_tuple_and_values_carry_the_gradient():
    x = T([[1.0, 2.0, 2.0], [0.5, 0.5, 3.0]], requires_grad=True)
    result = mt.mode(x, 1)
    assert type(result).__name__ == "ModeResult" and result._fields == ("values", "indices")
    result.values.sum().backward()
    assert x.grad.tolist() == [[0.0, 0.0, 1.0], [0.0, 1.0, 0.0]]


def test_mode_of_a_scalar_is_itself_at_index_zero():
    values, indices = mt.mode(T(5.0))
    assert (values.item(), indices.item()) == (5.0, 0)


def test_mode_over_an_empty_dim_names_the_dim():
    with pytest.raises(IndexError, match="reduction dim 1 to have non-zero size"):
        mt.mode(mt.zeros(2, 0), 1)


# -- histc ----------------------------------------------------------------------------------------
@requires_torch
@pytest.mark.parametrize("bins, lo, hi", [(100, 0, 0), (7, -1.0, 0.5), (3, 0.1, 0.1)])
def test_histc_matches_pytorch(bins, lo, hi):
    ours = mt.histc(T(FLOATS), bins, lo, hi)
    theirs = torch.histc(torch.tensor(FLOATS), bins, lo, hi)
    assert ours.dtype is mt.float32
    assert ours.tolist() == theirs.tolist()


def test_histc_ignores_values_outside_the_range_and_nans_and_counts_max_in_the_last_bin():
    out = T([-1.0, 0.0, 1.0, 2.0, 3.0, NAN, 4.0]).histc(bins=3, min=0, max=3)
    assert out.tolist() == [1.0, 1.0, 2.0]


def test_histc_widens_a_range_of_one_value_by_one_each_way():
    assert mt.histc(T([2.0, 2.0]), bins=4).tolist() == [0.0, 0.0, 2.0, 0.0]


def test_histc_refuses_a_min_above_max_naming_both():
    with pytest.raises(RuntimeError, match="max must be larger than min, got min 3 and max 1"):
        mt.histc(T([1.0]), bins=2, min=3, max=1)


def test_histc_refuses_an_infinite_data_range():
    with pytest.raises(RuntimeError, match=r"range of \[1, inf\] is not finite"):
        mt.histc(T([1.0, math.inf]), bins=2)


def test_histc_refuses_non_positive_bins():
    with pytest.raises(RuntimeError, match="bins must be > 0, but got 0"):
        mt.histc(T([1.0]), bins=0)


def test_histc_refuses_integer_input():
    with pytest.raises(NotImplementedError, match="int64"):
        mt.histc(T([1, 2]), bins=2)


# -- histogram ------------------------------------------------------------------------------------
def test_histogram_matches_numpy():
    hist, edges = mt.histogram(T(FLOATS.astype(np.float64)), 9)
    np_hist, np_edges = np.histogram(FLOATS.astype(np.float64), 9)
    np.testing.assert_allclose(edges.numpy(), np_edges, rtol=1e-15)
    assert hist.tolist() == np_hist.tolist()


@requires_torch
def test_histogram_with_range_weights_and_density_matches_pytorch():
    weight = RNG.random(200).astype(np.float32)
    ours = mt.histogram(T(FLOATS), 6, range=(-1.5, 2.0), weight=T(weight), density=True)
    theirs = torch.histogram(torch.tensor(FLOATS), 6, range=(-1.5, 2.0),
                             weight=torch.tensor(weight), density=True)
    np.testing.assert_allclose(ours.hist.numpy(), theirs.hist.numpy(), rtol=1e-6)
    np.testing.assert_allclose(ours.bin_edges.numpy(), theirs.bin_edges.numpy(), rtol=1e-6)


@requires_torch
def test_histogram_with_a_tensor_of_edges_matches_pytorch():
    edges = np.array([-3.0, -0.5, 0.0, 0.25, 1.0], dtype=np.float32)
    ours = T(FLOATS).histogram(T(edges))
    theirs = torch.histogram(torch.tensor(FLOATS), torch.tensor(edges))
    assert ours.hist.tolist() == theirs.hist.tolist()
    assert ours.bin_edges.tolist() == edges.tolist()


def test_histogram_widens_a_range_of_one_value_by_a_half_each_way():
    hist, edges = mt.histogram(T([2.0, 2.0]), 2)
    assert (hist.tolist(), edges.tolist()) == ([0.0, 2.0], [1.5, 2.0, 2.5])


def test_histogram_refuses_weights_of_another_shape_naming_both():
    with pytest.raises(RuntimeError, match=r"input with shape \[3\] and weight with shape \[2\]"):
        mt.histogram(T([1.0, 2.0, 3.0]), 2, weight=T([1.0, 1.0]))


def test_histogram_refuses_a_min_above_max():
    with pytest.raises(RuntimeError, match="min should not exceed max, but got min 3 max 1"):
        mt.histogram(T([1.0]), 2, range=(3.0, 1.0))


def test_histogram_refuses_edges_of_another_dtype():
    with pytest.raises(RuntimeError, match="input with dtype float32 and bins with dtype "
                                           "float64"):
        mt.histogram(T([1.0]), T([0.0, 1.0], dtype=mt.float64))


# -- unique_consecutive ---------------------------------------------------------------------------
@requires_torch
def test_unique_consecutive_matches_pytorch():
    data = [1, 1, 2, 2, 3, 1, 1, 2]
    ours = mt.unique_consecutive(T(data), return_inverse=True, return_counts=True)
    theirs = torch.unique_consecutive(torch.tensor(data), return_inverse=True,
                                      return_counts=True)
    assert [t.tolist() for t in ours] == [t.tolist() for t in theirs]


@requires_torch
@pytest.mark.parametrize("dim", [0, 1])
def test_unique_consecutive_along_a_dim_matches_pytorch(dim):
    data = [[1, 1, 2], [1, 1, 2], [3, 1, 2]]
    ours = T(data).unique_consecutive(return_inverse=True, return_counts=True, dim=dim)
    theirs = torch.tensor(data).unique_consecutive(return_inverse=True, return_counts=True,
                                                   dim=dim)
    assert [t.tolist() for t in ours] == [t.tolist() for t in theirs]


def test_unique_consecutive_of_a_transposed_tensor_collapses_its_rows():
    x = T([[1, 1, 3], [2, 2, 2]]).t()  # rows (1, 2), (1, 2), (3, 2)
    out, counts = mt.unique_consecutive(x, return_counts=True, dim=0)
    assert (out.tolist(), counts.tolist()) == ([[1, 2], [3, 2]], [2, 1])


def test_unique_consecutive_keeps_the_inverse_in_the_input_shape():
    out, inverse = mt.unique_consecutive(T([[5, 5], [6, 5]]), return_inverse=True)
    assert (out.tolist(), inverse.tolist()) == ([5, 6, 5], [[0, 0], [1, 2]])


def test_unique_consecutive_keeps_every_nan():
    out = mt.unique_consecutive(T([NAN, NAN, 1.0, 1.0]))
    np.testing.assert_array_equal(out.numpy(), np.array([NAN, NAN, 1.0], dtype=np.float32))


# -- logical_and / logical_or take tensors only ---------------------------------------------------
@pytest.mark.parametrize("name", ["logical_and", "logical_or"])
def test_logical_ops_refuse_a_number_as_other(name):
    with pytest.raises(TypeError, match=f"{name}\\(\\): argument 'other' must be Tensor, "
                                        f"not float"):
        getattr(mt, name)(T([True, False]), 1.0)


@pytest.mark.parametrize("name", ["logical_and_", "logical_or_"])
def test_in_place_logical_ops_refuse_a_number(name):
    with pytest.raises(TypeError, match="argument 'other' must be Tensor, not bool"):
        getattr(T([True, False]), name)(True)


def test_bool_operators_still_take_numbers():
    x = T([True, False])
    assert ((x & True).tolist(), (x | False).tolist()) == ([True, False], [True, False])
