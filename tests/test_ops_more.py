"""flip/roll/repeat/tile/repeat_interleave, tril/triu/diagonal/diag/diag_embed/trace,
cumsum/cumprod/logcumsumexp, isclose/allclose/equal/clamp_min/clamp_max, norms, meshgrid,
tensordot, logspace and tril/triu_indices: values against NumPy, values and gradients against
PyTorch when installed, gradients against finite differences (float64), and error messages."""

import math

import numpy as np
import pytest
from torch_reference import check_same, requires_torch, torch

import microtorch_core as mt
from microtorch_core.autograd.gradcheck import gradcheck
from microtorch_core.testing import assert_close


def _randn(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def _leaf(data):
    return mt.tensor(np.asarray(data, dtype=np.float64), requires_grad=True)


X = np.arange(24.0).reshape(2, 3, 4)


# -- values against NumPy ---------------------------------------------------------------------
NUMPY_CASES = {
    "flip": (lambda t: t.flip(0, 2), lambda a: np.flip(a, (0, 2))),
    "flip_keyword_dims": (lambda t: mt.flip(t, dims=[-1]), lambda a: np.flip(a, -1)),
    "fliplr": (mt.fliplr, np.fliplr),
    "flipud": (mt.flipud, np.flipud),
    "roll_flattened": (lambda t: mt.roll(t, 5), lambda a: np.roll(a, 5)),
    "roll_dims": (lambda t: t.roll((1, -6), (0, 2)), lambda a: np.roll(a, (1, -6), (0, 2))),
    "repeat": (lambda t: t.repeat(2, 1, 1, 3), lambda a: np.tile(a, (2, 1, 1, 3))),
    "tile": (lambda t: mt.tile(t, (2,)), lambda a: np.tile(a, 2)),
    "repeat_interleave_flat": (lambda t: mt.repeat_interleave(t, 2), lambda a: np.repeat(a, 2)),
    "repeat_interleave_dim": (lambda t: t.repeat_interleave(3, dim=1),
                              lambda a: np.repeat(a, 3, 1)),
    "repeat_interleave_counts": (lambda t: t.repeat_interleave(mt.tensor([0, 2, 1]), 1),
                                 lambda a: np.repeat(a, [0, 2, 1], 1)),
    "tril": (lambda t: t.tril(), np.tril),
    "triu_above": (lambda t: mt.triu(t, 1), lambda a: np.triu(a, 1)),
    "tril_below": (lambda t: mt.tril(t, -1), lambda a: np.tril(a, -1)),
    "diagonal": (lambda t: t.diagonal(), lambda a: np.diagonal(a)),
    "diagonal_offset_dims": (lambda t: t.diagonal(1, 2, 0), lambda a: np.diagonal(a, 1, 2, 0)),
    "diagonal_past_the_edge": (lambda t: t.diagonal(9, 1, 2), lambda a: np.diagonal(a, 9, 1, 2)),
    "diag_of_matrix": (lambda t: mt.diag(t[0], -1), lambda a: np.diag(a[0], -1)),
    "diag_of_vector": (lambda t: t[0, 0].diag(2), lambda a: np.diag(a[0, 0], 2)),
    "diag_embed": (mt.diag_embed, lambda a: np.stack([[np.diag(r) for r in m] for m in a])),
    "trace": (lambda t: t[1].trace(), lambda a: np.trace(a[1])),
    "cumsum": (lambda t: t.cumsum(2), lambda a: np.cumsum(a, 2)),
    "cumsum_first_dim": (lambda t: mt.cumsum(t, 0), lambda a: np.cumsum(a, 0)),
    "cumprod": (lambda t: (t / 10).cumprod(-1), lambda a: np.cumprod(a / 10, -1)),
    "logcumsumexp": (lambda t: t.logcumsumexp(1), lambda a: np.logaddexp.accumulate(a, 1)),
    "clamp_min": (lambda t: t.clamp_min(5), lambda a: np.maximum(a, 5)),
    "clamp_max": (lambda t: mt.clamp_max(t, 5), lambda a: np.minimum(a, 5)),
    "vector_norm": (lambda t: mt.linalg.vector_norm(t), np.linalg.norm),
    "vector_norm_ord_dim": (lambda t: mt.linalg.vector_norm(t, 3, (0, 2), keepdim=True),
                            lambda a: np.sum(np.abs(a) ** 3, (0, 2), keepdims=True) ** (1 / 3)),
    "norm_inf": (lambda t: t.norm(math.inf, 1), lambda a: np.abs(a).max(1)),
    "norm_zero_counts_nonzeros": (lambda t: mt.norm(t, 0), lambda a: np.float64(23)),
    "tensordot": (lambda t: mt.tensordot(t, t, ([0, 1], [0, 1])),
                  lambda a: np.tensordot(a, a, ([0, 1], [0, 1]))),
}


@pytest.mark.parametrize("name", NUMPY_CASES)
def test_values_match_numpy(name):
    ours, ref = NUMPY_CASES[name]
    assert_close(ours(mt.tensor(X)), ref(X))


def test_scans_of_integers_and_bools_are_int64_as_in_pytorch():
    x = np.array([[1, 2, 3], [4, 5, 6]], dtype=np.int32)
    assert_close(mt.tensor(x).cumsum(1), np.cumsum(x, 1).astype(np.int64))
    assert_close(mt.tensor(x).cumprod(0), np.cumprod(x, 0).astype(np.int64))
    assert_close(mt.tensor([True, False, True]).cumsum(0), np.array([1, 1, 2]))


def test_cumsum_with_dtype_converts_first():
    assert_close(mt.tensor([1, 2, 3]).cumsum(0, dtype=mt.float64), np.array([1.0, 3.0, 6.0]))


def test_long_cumsum_stays_accurate():
    x = _randn(100_000, seed=1)
    assert_close(mt.tensor(x).cumsum(0), np.cumsum(x), rtol=1e-9, atol=1e-9)


def test_logcumsumexp_does_not_underflow_small_terms():
    out = mt.logcumsumexp(mt.tensor([-1000.0, 0.0, -2000.0]), 0)
    assert_close(out, np.array([-1000.0, 0.0, 0.0], dtype=np.float32))


def test_triangles_keep_the_dtype_of_bool_and_integer_input():
    assert_close(mt.tril(mt.ones(2, 2, dtype=mt.bool)), np.tril(np.ones((2, 2), bool)))
    assert_close(mt.triu(mt.ones(2, 3, dtype=mt.int32)), np.triu(np.ones((2, 3), np.int32)))


def test_trace_of_integers_is_int64():
    assert_close(mt.arange(9).reshape(3, 3).int().trace(), np.int64(12))


def test_meshgrid_ij_and_xy_indexing():
    a, b = np.arange(3), np.arange(4)
    for indexing in ("ij", "xy"):
        grids = mt.meshgrid(mt.tensor(a), mt.tensor(b), indexing=indexing)
        for ours, ref in zip(grids, np.meshgrid(a, b, indexing=indexing)):
            assert_close(ours, ref)


def test_logspace_matches_numpy():
    assert_close(mt.logspace(-1, 2, 7, dtype=mt.float64), np.logspace(-1, 2, 7))
    assert_close(mt.logspace(0, 3, 4, base=2), np.logspace(0, 3, 4, base=2, dtype=np.float32))


def test_tril_and_triu_indices_match_numpy():
    assert_close(mt.tril_indices(4, 3, -1), np.stack(np.tril_indices(4, -1, 3)))
    assert_close(mt.triu_indices(3, 5, 1), np.stack(np.triu_indices(3, 1, 5)))
    assert mt.tril_indices(0, 3).shape == (2, 0)


# -- views, copies and edge cases -------------------------------------------------------------
def test_diagonal_is_a_view_sharing_storage():
    x = mt.arange(12.0).reshape(3, 4)
    d = x.diagonal(1)
    assert d.untyped_storage() is x.untyped_storage()
    assert (d.stride(), d.storage_offset()) == ((5,), 1)
    d.fill_(-1.0)
    assert x[0, 1].item() == x[1, 2].item() == x[2, 3].item() == -1.0


@pytest.mark.parametrize("make", [lambda x: x.repeat(1, 1), lambda x: mt.tile(x, ()),
                                  lambda x: x.repeat_interleave(1, 0), lambda x: x.flip(()),
                                  lambda x: x.roll(3, 1), lambda x: mt.diag(x)],
                         ids=["repeat", "tile", "repeat_interleave", "flip", "roll", "diag"])
def test_results_that_look_unchanged_are_still_copies(make):
    x = mt.arange(9.0).reshape(3, 3)
    assert make(x).untyped_storage() is not x.untyped_storage()


def test_0d_and_empty_inputs():
    s = mt.tensor(3.0)
    assert s.flip((0,)).item() == s.roll(1).item() == s.cumsum(0).item() == 3.0
    assert mt.repeat_interleave(s, 3).tolist() == [3.0, 3.0, 3.0]
    e = mt.zeros(0, 3)
    assert e.cumsum(0).shape == e.roll(1, 0).shape == e.flip(0).shape == (0, 3)
    assert e.diagonal().shape == (0,) and mt.diag(mt.zeros(0)).shape == (0, 0)


def test_repeat_interleave_of_counts_alone_repeats_indices():
    assert mt.repeat_interleave(mt.tensor([2, 0, 1])).tolist() == [0, 0, 2]


def test_isclose_handles_infinities_and_nans():
    a = mt.tensor([math.inf, 1.0, math.nan, -math.inf])
    b = mt.tensor([math.inf, math.inf, math.nan, -math.inf])
    assert mt.isclose(a, b).tolist() == [True, False, False, True]
    assert a.isclose(b, equal_nan=True).tolist() == [True, False, True, True]


def test_isclose_uses_rtol_of_the_second_argument_and_broadcasts():
    a, b = mt.tensor([[100.0], [1.0]]), mt.tensor([101.0])
    assert mt.isclose(a, b, rtol=0.01, atol=0.0).tolist() == [[True], [False]]


def test_allclose_and_equal_return_python_bools():
    x = mt.tensor([1.0, 2.0])
    assert mt.allclose(x, x + 1e-9) is True and x.allclose(x + 1) is False
    assert mt.equal(x, mt.tensor([1, 2])) is True  # promoted, as torch.equal
    assert mt.equal(x, x[:1]) is False and x.equal(mt.tensor([[1.0, 2.0]])) is False
    assert mt.equal(mt.tensor([math.nan]), mt.tensor([math.nan])) is False


# -- gradients against finite differences ---------------------------------------------------------
GRADCHECKS = {
    "flip": (lambda x: x.flip(0, 2), (2, 3, 4)),
    "roll": (lambda x: x.roll((1, 2), (0, 2)), (2, 3, 4)),
    "roll_flattened": (lambda x: x.roll(-4), (2, 3)),
    "repeat": (lambda x: x.repeat(2, 1, 2), (3, 2)),
    "tile": (lambda x: x.tile(2), (2, 2)),
    "repeat_interleave": (lambda x: x.repeat_interleave(2, 1), (2, 3)),
    "repeat_interleave_counts": (lambda x: x.repeat_interleave(mt.tensor([2, 0, 3]), 0), (3, 2)),
    "tril": (lambda x: x.tril(1), (3, 4)),
    "triu": (lambda x: x.triu(-1), (2, 3, 3)),
    "diagonal": (lambda x: x.diagonal(-1, 2, 0), (3, 2, 4)),
    "diag_of_vector": (lambda x: mt.diag(x, -1), (3,)),
    "diag_of_matrix": (lambda x: mt.diag(x, 1), (3, 3)),
    "diag_embed": (lambda x: mt.diag_embed(x, 1, 0, 2), (2, 3)),
    "trace": (lambda x: x.trace(), (3, 3)),
    "cumsum": (lambda x: x.cumsum(1), (3, 5)),
    "cumprod": (lambda x: x.cumprod(1), (3, 5)),
    "logcumsumexp": (lambda x: x.logcumsumexp(0), (7,)),
    "vector_norm": (lambda x: mt.linalg.vector_norm(x, dim=1), (3, 4)),
    "vector_norm_ord_3": (lambda x: mt.linalg.vector_norm(x, 3), (3, 4)),
    "norm_1": (lambda x: x.norm(1, 0), (3, 4)),
    "norm_inf": (lambda x: x.norm(math.inf), (3, 4)),
    "meshgrid": (lambda x: mt.meshgrid(x, x[:2], indexing="xy"), (3,)),
    "tensordot": (lambda x: mt.tensordot(x, x, ([0], [1])), (3, 3)),
}


@pytest.mark.parametrize("name", GRADCHECKS)
def test_gradient_matches_finite_differences(name):
    fn, shape = GRADCHECKS[name]
    assert gradcheck(fn, [_leaf(_randn(shape))])


@pytest.mark.parametrize("data", [[2.0, 0.0, 3.0, 0.0, 1.5], [0.0, 2.0, 3.0], [2.0, 0.7, 0.0]],
                         ids=["two_zeros", "leading_zero", "trailing_zero"])
def test_cumprod_gradient_is_right_at_zeros(data):
    assert gradcheck(lambda x: x.cumprod(0), [_leaf(data)])


def test_cumprod_second_derivative_matches_finite_differences():
    def grad_of_sum(x):
        (g,) = mt.autograd.grad(x.cumprod(0).sum(), [x], create_graph=True)
        return g

    assert gradcheck(grad_of_sum, [_leaf([1.5, -0.5, 2.0, 0.7])])


@pytest.mark.parametrize("ord_", [2, 3])
def test_norm_gradient_at_the_zero_vector_is_zero(ord_):
    x = mt.zeros(3, dtype=mt.float64, requires_grad=True)
    mt.linalg.vector_norm(x, ord_).backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]


# -- values and gradients against PyTorch -------------------------------------------------------
TORCH_CASES = {
    "flip": lambda L, x: L.flip(x, (0, 2)),
    "roll": lambda L, x: L.roll(x, (2, -1), (1, 0)),
    "repeat": lambda L, x: x.repeat(1, 2, 1, 2),
    "tile": lambda L, x: L.tile(x, (2, 1)),
    "repeat_interleave": lambda L, x: L.repeat_interleave(x, L.tensor([1, 0, 2]), 1),
    "tril": lambda L, x: L.tril(x, -1),
    "triu": lambda L, x: L.triu(x, 2),
    "diagonal": lambda L, x: L.diagonal(x, 1, -1, 0),
    "diag_embed": lambda L, x: L.diag_embed(x, -1, 1, 0),
    "diag": lambda L, x: L.diag(x[1], 1),
    "trace": lambda L, x: L.trace(x[0]),
    "cumsum": lambda L, x: L.cumsum(x, 1),
    "cumprod": lambda L, x: L.cumprod(x, -1),
    "logcumsumexp": lambda L, x: L.logcumsumexp(x, 2),
    "norm": lambda L, x: L.norm(x, 2.5, (0, 2), True),
    "vector_norm_neg_inf": lambda L, x: L.linalg.vector_norm(x, -math.inf, 1),
    "tensordot": lambda L, x: L.tensordot(x, x, ([1, 2], [1, 2])),
    "clamp_min": lambda L, x: L.clamp_min(x, 0.1),
}


@requires_torch
@pytest.mark.parametrize("name", TORCH_CASES)
def test_value_and_gradient_match_pytorch(name):
    data = _randn((2, 3, 4), seed=3)
    x, tx = _leaf(data), torch.tensor(data, requires_grad=True)
    check_same(TORCH_CASES[name](mt, x), TORCH_CASES[name](torch, tx), [(x, tx)])


@requires_torch
def test_cumprod_gradient_with_zeros_matches_pytorch():
    data = np.array([[2.0, 0.0, 3.0, 0.0, 1.5], [0.0, 1.0, 2.0, 3.0, 4.0]])
    x, tx = _leaf(data), torch.tensor(data, requires_grad=True)
    check_same(x.cumprod(1), tx.cumprod(1), [(x, tx)])


@requires_torch
@pytest.mark.parametrize("ord_", [0.5, -1.0, 1.5])
def test_norm_gradient_at_a_zero_entry_matches_pytorch(ord_):
    data = np.array([0.0, -3.0, 3.0])
    x, tx = _leaf(data), torch.tensor(data, requires_grad=True)
    check_same(mt.linalg.vector_norm(x, ord_), torch.linalg.vector_norm(tx, ord_), [(x, tx)])


@requires_torch
@pytest.mark.parametrize("data", [[[1.0, 1.0 + 1e-6], [math.inf, math.nan]],
                                  [[0.0, 1e-9], [-math.inf, 2.0]]], ids=["near", "tiny"])
def test_isclose_matches_pytorch(data):
    a = np.array(data)
    b = np.array([[1.0, 1.0], [math.inf, math.nan]])
    for kwargs in ({}, {"equal_nan": True}, {"rtol": 0.0, "atol": 0.0}):
        ours = mt.isclose(mt.tensor(a), mt.tensor(b), **kwargs)
        assert ours.tolist() == torch.isclose(torch.tensor(a), torch.tensor(b), **kwargs).tolist()


@requires_torch
def test_creation_matches_pytorch():
    assert_close(mt.logspace(0, 2, 5, dtype=mt.int64), torch.logspace(0, 2, 5,
                                                                      dtype=torch.int64).numpy())
    assert_close(mt.tril_indices(3, 4, 1), torch.tril_indices(3, 4, 1).numpy())
    assert_close(mt.triu_indices(4, 3, -1), torch.triu_indices(4, 3, -1).numpy())


# -- errors ------------------------------------------------------------------------------------
M = mt.arange(6.0).reshape(2, 3)
ERRORS = {
    "flip_repeated_dim": (lambda: M.flip(0, -2), RuntimeError,
                          "dim 0 appears multiple times in the list of dims"),
    "flip_bad_dim": (lambda: M.flip(2), IndexError, r"Dimension out of range .* got 2\)"),
    "fliplr_1d": (lambda: mt.fliplr(mt.arange(3)), RuntimeError, "Input must be >= 2-d"),
    "flipud_0d": (lambda: mt.flipud(mt.tensor(1.0)), RuntimeError, "Input must be >= 1-d"),
    "roll_shifts_without_dims": (lambda: M.roll((1, 2)), RuntimeError,
                                 "shifts and dimensions must align. shifts: 2, dims:0"),
    "roll_misaligned": (lambda: M.roll(1, (0, 1)), RuntimeError,
                        "shifts and dimensions must align. shifts: 1, dims:2"),
    "repeat_too_few_sizes": (lambda: M.repeat(2), RuntimeError,
                             r"repeat dims can not be smaller .* \(repeat dims \[2\], tensor "
                             r"shape \[2, 3\]\)"),
    "repeat_negative": (lambda: M.repeat(1, -1), RuntimeError,
                        r"negative dimension -3: \[2, -3\]"),
    "repeat_interleave_negative": (lambda: M.repeat_interleave(-1), RuntimeError,
                                   "Repeats must be non-negative, got -1"),
    "repeat_interleave_counts_size": (lambda: M.repeat_interleave(mt.tensor([1, 2]), 1),
                                      RuntimeError, r"repeats.size\(0\) = 2 and "
                                                    r"input.size\(1\) = 3"),
    "repeat_interleave_float_counts": (lambda: M.repeat_interleave(mt.tensor([1.0, 2.0]), 0),
                                       RuntimeError, "must be an integer tensor, got float32"),
    "repeat_interleave_negative_counts": (lambda: M.repeat_interleave(mt.tensor([1, -2]), 0),
                                          RuntimeError, "repeats can not be negative"),
    "tril_1d": (lambda: mt.tril(mt.arange(3.0)), RuntimeError,
                r"tril: input tensor must have at least 2 dimensions \(got shape \(3,\)\)"),
    "diagonal_same_dims": (lambda: M.diagonal(0, 1, 1), RuntimeError,
                           "diagonal dimensions cannot be identical 1, 1"),
    "diagonal_of_vector": (lambda: mt.arange(3).diagonal(), IndexError, "Dimension out of range"),
    "diag_3d": (lambda: mt.diag(mt.zeros(2, 2, 2)), RuntimeError,
                r"diag\(\): Supports 1D or 2D tensors. Got 3D"),
    "trace_1d": (lambda: mt.trace(mt.arange(3.0)), RuntimeError,
                 "trace: expected a matrix, but got tensor with dim 1"),
    "cumsum_bad_dim": (lambda: M.cumsum(2), IndexError, "Dimension out of range"),
    "logcumsumexp_of_integers": (lambda: mt.arange(3).logcumsumexp(0), RuntimeError,
                                 "expected a floating point tensor, got int64"),
    "isclose_dtypes": (lambda: mt.isclose(M, M.long()), RuntimeError,
                       "float32 did not match int64"),
    "isclose_negative_rtol": (lambda: mt.isclose(M, M, rtol=-1), RuntimeError,
                              "rtol must be greater than or equal to zero, but got -1"),
    "isclose_scalar": (lambda: mt.isclose(M, 1.0), TypeError, "expected two Tensors, got float"),
    "norm_of_integers": (lambda: mt.norm(mt.arange(3)), RuntimeError,
                         "Expected a floating point or complex tensor as input. Got int64"),
    "norm_inf_of_empty": (lambda: mt.linalg.vector_norm(mt.zeros(0), math.inf), RuntimeError,
                          "cannot compute the inf norm on an empty tensor"),
    "meshgrid_2d": (lambda: mt.meshgrid(M), RuntimeError,
                    r"Expected 0D or 1D tensor .* shape \(2, 3\) at position 0"),
    "meshgrid_indexing": (lambda: mt.meshgrid(M[0], indexing="yx"), RuntimeError,
                          'indexing must be one of "xy" or "ij", but received: yx'),
    "tensordot_sizes": (lambda: mt.tensordot(M, M, 1), RuntimeError,
                        "first has size 3 in dim 1 and second has size 2 in dim 0"),
    "tensordot_too_many_dims": (lambda: mt.tensordot(M, M, 3), RuntimeError,
                                "tensordot expects dims < ndim_a or ndim_b, but got dims=3"),
    "logspace_negative_steps": (lambda: mt.logspace(0, 1, -1), RuntimeError,
                                "number of steps must be non-negative, got -1"),
    "tril_indices_negative_row": (lambda: mt.tril_indices(-1, 2), RuntimeError,
                                  "row must be non-negative, got -1"),
}


@pytest.mark.parametrize("name", ERRORS)
def test_bad_arguments_raise_clear_errors(name):
    fn, exc, message = ERRORS[name]
    with pytest.raises(exc, match=message):
        fn()



@requires_torch
def test_tensordot_sums_a_size_1_contracted_dim_against_the_other_as_torch():
    a_data, b_data = _randn((1, 3, 1), 1), _randn((2, 3, 4), 2)  # a's dims 0 and 2 broadcast
    a, b = _leaf(a_data), _leaf(b_data)
    ta = torch.tensor(a_data, requires_grad=True)
    tb = torch.tensor(b_data, requires_grad=True)
    dims = ([0, 1, 2], [2, 1, 0])
    check_same(mt.tensordot(a, b, dims), torch.tensordot(ta, tb, dims), [(a, ta), (b, tb)])


# -- unbind and split: views, with one backward for all the pieces --------------------------
def test_unbind_gives_views_without_the_dim():
    x = mt.arange(6).reshape(2, 3)
    pieces = mt.unbind(x, 1)
    assert [p.tolist() for p in pieces] == [[0, 3], [1, 4], [2, 5]]
    assert all(p._storage is x._storage for p in pieces)


def test_unbind_and_split_gradients_match_finite_differences():
    x = mt.randn(4, 3, dtype=mt.float64, requires_grad=True)
    assert gradcheck(lambda t: sum(((i + 1) * p ** 2).sum()
                                   for i, p in enumerate(t.unbind(1))), (x,))
    assert gradcheck(lambda t: (t.split([1, 3])[1] ** 3).sum(), (x,))


def test_unbind_of_a_0d_tensor_is_an_error():
    with pytest.raises(IndexError, match="a 0-d tensor has no dimension to unbind"):
        mt.unbind(mt.tensor(1.0))
