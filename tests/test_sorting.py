"""sort, argsort, msort, topk, kthvalue, median: values and indices against a stable NumPy /
Python reference and PyTorch (``stable=True``) when installed, across dims, dtypes, ties,
NaNs and strided inputs; gradients against finite differences (float64) and PyTorch; the
composite fallback (the rank method) against the CPU kernel; error messages."""

import math

import numpy as np
import pytest
from torch_reference import check_same, requires_torch, torch

import microtorch_core as mt
from microtorch_core.autograd.gradcheck import gradcheck
from microtorch_core.backend import Backend, missing_primitives
from microtorch_core.dispatch import KernelTable
from microtorch_core.ops.primitive import sort as sorting
from microtorch_core.ops.primitive.sort import sort_composite
from microtorch_core.testing import assert_close
from microtorch_core.testing.layouts import make_layout


def _ties(shape, dtype="float64", seed=0, nans=0.0):
    """Integers from a small range (many ties), as ``dtype``, with a share of NaNs."""
    rng = np.random.default_rng(seed)
    if dtype == "bool":
        return rng.random(shape) < 0.5
    x = rng.integers(-2, 3, size=shape).astype(dtype)
    if nans:
        x[rng.random(shape) < nans] = np.nan
    return x


def _reference_sort(a, axis, descending):
    """Stable sort by Python's ``sorted`` (stable in both directions) with NaN largest."""

    def key(v):
        return (True, 0) if v != v else (False, v)

    def order(row):
        return sorted(range(len(row)), key=lambda i: key(row[i].item()), reverse=descending)

    indices = np.apply_along_axis(order, axis, a).astype(np.int64)
    return np.take_along_axis(a, indices, axis), indices


def _composite_sort(t, dim, descending=False):
    values, indices = t._empty_like(), t._empty_like(dtype=mt.int64)
    sort_composite(values, indices, t, dim, descending)
    return values, indices


# -- sort: values and indices -----------------------------------------------------------------
@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("dim", [0, 1, 2, -1])
def test_sort_is_stable_with_many_ties_and_nans_along_each_dim(dim, descending):
    x = _ties((4, 5, 6), nans=0.15)
    values, indices = mt.sort(mt.tensor(x), dim, descending)
    want_values, want_indices = _reference_sort(x, dim, descending)
    assert_close(values, want_values)
    assert_close(indices, want_indices)


@requires_torch
@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("dim", [0, 1, 2])
def test_sort_matches_torch_stable_sort(dim, descending):
    x = _ties((4, 5, 6), nans=0.15)
    ours = mt.tensor(x).sort(dim, descending)
    theirs = torch.sort(torch.tensor(x), dim=dim, descending=descending, stable=True)
    assert_close(ours.values, theirs.values.numpy())
    assert_close(ours.indices, theirs.indices.numpy())


def test_nan_is_the_largest_value():
    x = mt.tensor([1.0, math.nan, -math.inf, math.nan, math.inf, 0.0])
    assert_close(x.sort().indices, np.int64([2, 5, 0, 4, 1, 3]))
    assert_close(x.sort(descending=True).indices, np.int64([1, 3, 4, 0, 5, 2]))


def test_descending_keeps_equal_elements_in_their_original_order():
    x = mt.tensor([0.0, 2.0, -0.0, 2.0, 0.0])  # -0.0 == 0.0
    assert_close(x.sort(descending=True).indices, np.int64([1, 3, 0, 2, 4]))
    assert_close(x.sort().indices, np.int64([0, 2, 4, 1, 3]))


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("dtype", ["int64", "int32", "bool"])
def test_sort_integer_and_bool_dtypes(dtype, descending):
    x = _ties((3, 7), dtype, seed=1)
    if dtype != "bool":
        x[0, :2] = [np.iinfo(dtype).min, np.iinfo(dtype).max]  # negating would overflow
    values, indices = mt.tensor(x).sort(1, descending)
    want_values, want_indices = _reference_sort(x, 1, descending)
    assert_close(values, want_values)
    assert_close(indices, want_indices)


@pytest.mark.parametrize("layout", ["transposed", "stepped", "expanded"])
def test_sort_of_non_contiguous_inputs(layout):
    t, x = make_layout(_ties((6, 8), nans=0.1), layout, "cpu")
    assert not t.is_contiguous()
    for dim in (0, 1):
        values, indices = t.sort(dim, descending=True)
        want_values, want_indices = _reference_sort(x, dim, True)
        assert_close(values, want_values)
        assert_close(indices, want_indices)


def test_stable_false_gives_the_stable_order():
    t = mt.tensor(_ties((50,), seed=3))
    assert_close(t.sort(stable=False).indices, t.sort(stable=True).indices)


def test_sort_of_0d_and_empty_tensors():
    values, indices = mt.tensor(5.0).sort()
    assert values.shape == () and indices.shape == () and indices.item() == 0
    values, indices = mt.zeros(2, 0).sort(1)
    assert values.shape == indices.shape == (2, 0) and indices.dtype is mt.int64


def test_argsort_and_msort():
    x = _ties((5, 4), nans=0.2, seed=2)
    t = mt.tensor(x)
    assert_close(mt.argsort(t), np.argsort(x, -1, kind="stable"))
    assert_close(t.argsort(0, descending=True), _reference_sort(x, 0, True)[1])
    assert_close(mt.msort(t), np.sort(x, 0))
    assert_close(t.msort(), np.sort(x, 0))


# -- topk, kthvalue, median -------------------------------------------------------------------
@pytest.mark.parametrize("largest", [True, False])
def test_topk_of_distinct_values_matches_numpy(largest):
    x = np.random.default_rng(4).permutation(30).reshape(5, 6).astype(np.float32)
    values, indices = mt.tensor(x).topk(3, dim=0, largest=largest)
    order = np.argsort(-x if largest else x, 0)[:3]
    assert_close(indices, order)
    assert_close(values, np.take_along_axis(x, order, 0))


@pytest.mark.parametrize("largest", [True, False])
def test_topk_with_ties_and_nans_gives_the_stable_order(largest):
    x = _ties((4, 9), nans=0.2, seed=5)
    values, indices = mt.topk(mt.tensor(x), 4, largest=largest, sorted=False)
    want_values, want_indices = _reference_sort(x, 1, largest)
    assert_close(values, want_values[:, :4])
    assert_close(indices, want_indices[:, :4])


@requires_torch
@pytest.mark.parametrize("largest", [True, False])
def test_topk_values_match_torch(largest):
    x = _ties((4, 9), nans=0.2, seed=5)
    ours = mt.tensor(x).topk(5, 1, largest)
    theirs = torch.tensor(x).topk(5, 1, largest)
    assert_close(ours.values, theirs.values.numpy())  # indices of ties: PyTorch's are unstable
    assert_close(mt.tensor(x).gather(1, ours.indices), theirs.values.numpy())


def test_topk_of_zero_and_all_elements():
    t = mt.tensor([3.0, 1.0, 2.0])
    assert t.topk(0).values.shape == (0,)
    assert_close(t.topk(3, largest=False).indices, np.int64([1, 2, 0]))


def test_kthvalue_is_the_kth_smallest():
    x = _ties((3, 7), seed=6)
    for k in (1, 4, 7):
        values, indices = mt.tensor(x).kthvalue(k, 1, keepdim=True)
        want_values, want_indices = _reference_sort(x, 1, False)
        assert_close(values, want_values[:, k - 1:k])
        assert_close(indices, want_indices[:, k - 1:k])
    assert mt.kthvalue(mt.tensor(x), 2, 0).values.shape == (7,)


@requires_torch
def test_median_along_a_dim_matches_torch():
    x = np.random.default_rng(7).permutation(40).reshape(5, 8).astype(np.float64)
    for dim, keepdim in ((0, False), (1, True)):
        ours = mt.tensor(x).median(dim, keepdim)
        theirs = torch.tensor(x).median(dim, keepdim)
        assert_close(ours.values, theirs.values.numpy())
        assert_close(ours.indices, theirs.indices.numpy())


def test_median_is_the_lower_median():
    assert mt.tensor([4.0, 1.0, 3.0, 2.0]).median().item() == 2.0
    assert mt.tensor([5, 1, 3]).median().item() == 3
    values, indices = mt.tensor([[4.0, 1.0, 3.0, 2.0]]).median(1)
    assert_close(values, np.float32([2.0]))
    assert_close(indices, np.int64([3]))


def test_median_with_a_nan_is_the_first_nan():
    x = mt.tensor([[1.0, math.nan, 2.0, math.nan], [3.0, 1.0, 2.0, 0.0]])
    values, indices = x.median(1)
    assert_close(values, np.float32([np.nan, 1.0]))
    assert_close(indices, np.int64([1, 1]))  # as PyTorch: the first NaN's index
    assert math.isnan(x.median().item())


def test_median_of_an_empty_floating_tensor_is_nan():
    assert math.isnan(mt.zeros(0).median().item())


# -- gradients -------------------------------------------------------------------------------
GRADIENT_CASES = {  # distinct values: finite differences jump at ties
    "sort": lambda t: t.sort(1).values,
    "sort_descending_dim0": lambda t: t.sort(0, descending=True).values,
    "topk": lambda t: t.topk(2, 1).values,
    "topk_smallest": lambda t: t.topk(2, 0, largest=False).values,
    "kthvalue": lambda t: t.kthvalue(2, 1).values,
    "median_dim": lambda t: t.median(0).values,
    "median": lambda t: t.median(),
    "msort": lambda t: t.msort(),
}


@pytest.mark.parametrize("name", GRADIENT_CASES)
def test_gradient_matches_finite_differences(name):
    x = np.random.default_rng(8).permutation(12).reshape(3, 4) / 4.0
    assert gradcheck(GRADIENT_CASES[name], (mt.tensor(x, requires_grad=True),))


@requires_torch
@pytest.mark.parametrize("name", GRADIENT_CASES)
def test_values_and_gradient_match_torch(name):
    x = np.random.default_rng(9).permutation(12).reshape(3, 4) / 4.0
    ours, theirs = mt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    check_same(GRADIENT_CASES[name](ours), GRADIENT_CASES[name](theirs), [(ours, theirs)])


@requires_torch
def test_median_gradient_is_shared_by_ties_as_in_torch():
    x = [1.0, 2.0, 2.0, 3.0, math.nan, math.nan]
    for data in (x[:4], x):
        ours, theirs = mt.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
        ours.median().backward()
        theirs.median().backward()
        assert_close(ours.grad, theirs.grad.numpy())


@requires_torch
def test_second_derivative_through_sort_matches_torch():
    x = np.random.default_rng(13).permutation(6).reshape(2, 3) / 3.0
    grads = []
    for lib in (mt, torch):
        t = lib.tensor(x, requires_grad=True)
        w = lib.tensor(np.arange(6.0).reshape(2, 3))
        (g,) = lib.autograd.grad((t.sort(1, descending=True).values ** 3 * w).sum(), t,
                                 create_graph=True)
        g.sum().backward()
        grads.append(t.grad.detach().numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12)


def test_gradient_flows_to_the_sorted_positions_only():
    t = mt.tensor([3.0, 1.0, 2.0], requires_grad=True)
    (t.topk(2).values * mt.tensor([10.0, 1.0])).sum().backward()
    assert_close(t.grad, np.float32([10.0, 0.0, 1.0]))


def test_indices_are_not_differentiable():
    values, indices = mt.randn(4, requires_grad=True).sort()
    assert values.requires_grad and not indices.requires_grad and indices.dtype is mt.int64


# -- the composite fallback (the rank method), run on the CPU ---------------------------------
@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32", "bool"])
def test_composite_matches_the_cpu_kernel(dtype, descending):
    t = mt.tensor(_ties((3, 4, 6), dtype, seed=10, nans=0.2 if "float" in dtype else 0))
    for dim in range(3):
        values, indices = _composite_sort(t, dim, descending)
        expected = t.sort(dim, descending)
        assert_close(values, expected.values)
        assert_close(indices, expected.indices)


def test_composite_ranks_in_groups_and_writes_strided_outputs(monkeypatch):
    monkeypatch.setattr(sorting, "_COMPOSITE_CHUNK", 50)  # 2 rows of 5 x 5 per group
    x = _ties((7, 5), nans=0.2, seed=11)
    t = mt.tensor(np.ascontiguousarray(x.T)).T
    values = mt.zeros(5, 7).T  # a transposed destination
    indices = mt.zeros(5, 7, dtype=mt.int64).T
    sort_composite(values, indices, t, 1, True)
    want_values, want_indices = _reference_sort(x, 1, True)
    assert_close(values, want_values.astype(np.float32))
    assert_close(indices, want_indices)


def test_sort_uses_the_composite_when_the_backend_has_no_kernel(monkeypatch):
    t = mt.tensor(np.random.default_rng(12).permutation(6).astype(np.float64),
                  requires_grad=True)
    monkeypatch.setattr(t._kernels, "sort", None)
    values, indices = t.sort(descending=True)
    assert_close(indices, np.argsort(-t.detach().numpy()))
    (values * mt.arange(6.0, dtype=mt.float64)).sum().backward()
    assert_close(t.grad, np.argsort(indices.numpy()).astype(np.float64))


def test_a_backend_without_the_sort_kernel_is_complete_and_its_table_has_none():
    from microtorch_cpu.backend import CPUBackend

    class NoSort(CPUBackend):
        sort = Backend.sort  # the spec's default: "not provided"

    assert missing_primitives(NoSort) == []
    assert KernelTable(NoSort(), "nosort").sort is None
    assert KernelTable(CPUBackend(), "cpu").sort is not None
    with pytest.raises(NotImplementedError, match="no optional kernel 'sort'"):
        NoSort().sort(None, None, None, 0, False)


# -- errors ----------------------------------------------------------------------------------
def test_composite_refuses_a_dim_too_long_for_all_pairs():
    t = mt.zeros(sorting.COMPOSITE_MAX_SIZE + 1)
    with pytest.raises(RuntimeError, match=r"4097 elements.*x\.cpu\(\)\.sort"):
        _composite_sort(t, 0)


@pytest.mark.parametrize("k", [-1, 4])
def test_topk_k_out_of_range_names_k_and_the_size(k):
    with pytest.raises(RuntimeError, match=rf"k={k} is out of range for dimension 0 of size 3"):
        mt.topk(mt.zeros(3, 2), k, dim=0)


@pytest.mark.parametrize("k", [0, 3])
def test_kthvalue_k_out_of_range_names_k_and_the_size(k):
    with pytest.raises(RuntimeError, match=rf"k={k} is out of range .* size 2 "
                                           r"\(expected 1 <= k <= 2\)"):
        mt.zeros(2).kthvalue(k)


def test_median_over_an_empty_dim_and_of_an_empty_integer_tensor():
    with pytest.raises(IndexError, match=r"dimension 0 of size 0 \(input shape \(0, 3\)\)"):
        mt.zeros(0, 3).median(0)
    with pytest.raises(RuntimeError, match="empty int64 tensor"):
        mt.zeros(0, dtype=mt.int64).median()


def test_sort_dim_out_of_range():
    with pytest.raises(IndexError, match="Dimension out of range"):
        mt.zeros(2, 3).sort(2)
