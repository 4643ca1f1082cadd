"""addmm/addmv/baddbmm/addbmm/addr/mv/vdot/addcmul/addcdiv (ops/linalg/blas.py) and index_add/
index_copy/index_fill/masked_select/take/take_along_dim/scatter_reduce (ops/composite/index_ops.py):
values against NumPy, values and gradients against PyTorch when installed, gradients against
finite differences (float64), in-place forms, and error messages."""

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


A, B, V = _randn((2, 3)), _randn((3, 4), 1), _randn(4, 2)
B1, B2 = _randn((5, 2, 3), 3), _randn((5, 3, 4), 4)
X = np.arange(12.0).reshape(3, 4)


# -- values against NumPy -----------------------------------------------------------------------
NUMPY_CASES = {
    "addmm": (lambda: mt.addmm(mt.tensor(V), mt.tensor(A), mt.tensor(B), beta=0.5, alpha=2),
              0.5 * V + 2 * A @ B),
    "addmv": (lambda: mt.addmv(mt.tensor(V[:2]), mt.tensor(A), mt.tensor(B[:, 0])),
              V[:2] + A @ B[:, 0]),
    "mv": (lambda: mt.tensor(A).mv(mt.tensor(B[:, 1])), A @ B[:, 1]),
    "baddbmm": (lambda: mt.baddbmm(mt.tensor(V), mt.tensor(B1), mt.tensor(B2), beta=-1),
                -V + B1 @ B2),
    "addbmm": (lambda: mt.tensor(V).addbmm(mt.tensor(B1), mt.tensor(B2), alpha=3),
               V + 3 * (B1 @ B2).sum(0)),
    "addr": (lambda: mt.addr(mt.tensor(A), mt.tensor(V[:2]), mt.tensor(V[1:])),
             A + np.outer(V[:2], V[1:])),
    "vdot": (lambda: mt.vdot(mt.tensor(V), mt.tensor(B[0])), np.vdot(V, B[0])),
    "addcmul": (lambda: mt.addcmul(mt.tensor(V), mt.tensor(A[:, :1]), mt.tensor(V), value=-2),
                V - 2 * A[:, :1] * V),
    "addcdiv": (lambda: mt.tensor(V).addcdiv(mt.tensor(A[:, :1]), mt.tensor(V), value=0.5),
                V + 0.5 * A[:, :1] / V),
    "index_add": (lambda: mt.tensor(X).index_add(0, mt.tensor([0, 2, 0]), mt.ones(3, 4,
                                                 dtype=mt.float64), alpha=2),
                  X + np.array([[4.0] * 4, [0.0] * 4, [2.0] * 4])),
    "index_copy": (lambda: mt.tensor(X).index_copy(1, mt.tensor([3, 0]), mt.tensor(-X[:, :2])),
                   np.stack([-X[:, 1], X[:, 1], X[:, 2], -X[:, 0]], 1)),
    "index_fill": (lambda: mt.index_fill(mt.tensor(X), -1, mt.tensor([1, 2]), 7.0),
                   np.where(np.isin(np.arange(4), [1, 2]), 7.0, X)),
    "masked_select": (lambda: mt.masked_select(mt.tensor(X), mt.tensor(X[0] % 3 == 0)),
                      X[np.broadcast_to(X[0] % 3 == 0, X.shape)]),
    "take": (lambda: mt.take(mt.tensor(X), mt.tensor([[0, -1], [5, 2]])),
             X.reshape(-1)[[[0, -1], [5, 2]]]),
    "take_along_dim": (lambda: mt.take_along_dim(mt.tensor(X), mt.tensor([[3], [0], [1]]), 1),
                       np.take_along_axis(X, np.array([[3], [0], [1]]), 1)),
    "take_along_dim_broadcast": (lambda: mt.tensor(X).take_along_dim(mt.tensor([[0], [2]]), 0),
                                 X[[0, 2]]),
    "take_along_dim_flat": (lambda: mt.take_along_dim(mt.tensor(X), mt.tensor([11, 0])),
                            np.take_along_axis(X.reshape(-1), np.array([11, 0]), None)),
}


@pytest.mark.parametrize("name", NUMPY_CASES)
def test_values_match_numpy(name):
    ours, expected = NUMPY_CASES[name]
    assert_close(ours(), expected)


def _scatter_reduce_reference(x, index, src, reduce, include_self):
    """A plain loop over the elements of a 1-D scatter_reduce."""
    groups = {i: ([x[i]] if include_self else []) for i in range(len(x))}
    for i, v in zip(index, src):
        groups[i].append(v)
    fns = {"sum": np.sum, "prod": np.prod, "mean": np.mean, "amax": np.max, "amin": np.min}
    touched = set(index)
    return np.array([fns[reduce](groups[i]) if i in touched else x[i] for i in range(len(x))])


@pytest.mark.parametrize("include_self", [True, False], ids=["with_self", "without_self"])
@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
def test_scatter_reduce_matches_a_loop(reduce, include_self):
    x, src = _randn(5, 5), _randn(9, 6)
    index = np.array([0, 3, 0, 3, 3, 1, 0, 3, 0])
    out = mt.tensor(x).scatter_reduce(0, mt.tensor(index), mt.tensor(src), reduce,
                                      include_self=include_self)
    assert_close(out, _scatter_reduce_reference(x, index, src, reduce, include_self))


def test_scatter_reduce_along_an_inner_dim_uses_only_the_index_shaped_corner_of_src():
    x, src = np.zeros((3, 4)), np.arange(15.0).reshape(3, 5)
    index = np.array([[0, 0, 3], [1, 1, 1]])
    out = mt.tensor(x).scatter_reduce(1, mt.tensor(index), mt.tensor(src), "sum")
    assert_close(out, np.array([[1.0, 0, 0, 2], [0, 18, 0, 0], [0, 0, 0, 0]]))


def test_scatter_reduce_mean_of_integers_rounds_down():
    out = mt.tensor([-5, 1, 2]).scatter_reduce(0, mt.tensor([0, 0, 1]), mt.tensor([2, 2, 4]),
                                               "mean")
    assert out.tolist() == [-1, 2, 2] and out.dtype is mt.int64


def test_scatter_reduce_amax_propagates_nan():
    out = mt.tensor([1.0, float("nan"), 3.0]).scatter_reduce(
        0, mt.tensor([0, 0, 1]), mt.tensor([float("nan"), 2.0, 5.0]), "amax")
    assert_close(out, np.array([np.nan, np.nan, 3.0], np.float32))


def test_index_add_accumulates_repeated_indices_and_accepts_int32():
    out = mt.zeros(3).index_add(0, mt.tensor([1, 1, 1], dtype=mt.int32), mt.ones(3))
    assert out.tolist() == [0.0, 3.0, 0.0]


def test_index_fill_truncates_a_float_value_for_integer_tensors():
    out = mt.zeros(2, 2, dtype=mt.int64).index_fill(0, mt.tensor([1]), 2.7)
    assert out.tolist() == [[0, 0], [2, 2]]


def test_masked_select_broadcasts_input_and_mask():
    out = mt.masked_select(mt.arange(3.0), mt.tensor([[True], [False], [True]]))
    assert out.tolist() == [0.0, 1.0, 2.0, 0.0, 1.0, 2.0]


def test_beta_zero_ignores_nan_in_input():
    out = mt.addmm(mt.full((2, 4), float("nan"), dtype=mt.float64), mt.tensor(A), mt.tensor(B),
                   beta=0)
    assert_close(out, A @ B)


def test_integer_blas_ops_stay_integer():
    m = mt.arange(6).reshape(2, 3)
    assert_close(mt.addmm(mt.ones(2, 2, dtype=mt.int64), m, m.T, alpha=2),
                 1 + 2 * np.arange(6).reshape(2, 3) @ np.arange(6).reshape(2, 3).T)


@requires_torch
@pytest.mark.parametrize("name", ["addmm", "addmv", "baddbmm", "addbmm"])
def test_integer_products_read_float_beta_and_alpha_as_integers_as_torch(name):
    shapes = {"addmm": [(2, 4), (2, 3), (3, 4)], "addmv": [(2,), (2, 3), (3,)],
              "baddbmm": [(2, 2, 4), (2, 2, 3), (2, 3, 4)], "addbmm": [(2, 4), (2, 2, 3),
                                                                        (2, 3, 4)]}[name]
    rng = np.random.default_rng(3)
    args = [rng.integers(-5, 5, shape) for shape in shapes]
    for beta, alpha in [(0.6, 2.5), (2, -1.7)]:  # 0.6 -> 0, 2.5 -> 2, -1.7 -> -1
        got = getattr(mt, name)(*map(mt.tensor, args), beta=beta, alpha=alpha)
        want = getattr(torch, name)(*map(torch.tensor, args), beta=beta, alpha=alpha)
        assert got.dtype is mt.int64 and got.tolist() == want.tolist()


@requires_torch
@pytest.mark.parametrize("beta, alpha", [(1, 1), (0, 1), (1, 0), (3, 2)])
def test_addr_of_bools_is_logical_as_torch(beta, alpha):
    data = ([[True, False], [False, False]], [True, False], [True, True])
    got = mt.addr(*map(mt.tensor, data), beta=beta, alpha=alpha)
    want = torch.addr(*map(torch.tensor, data), beta=beta, alpha=alpha)
    assert got.dtype is mt.bool and got.tolist() == want.tolist()


def test_addcmul_promotes_over_all_three_operands():
    out = mt.addcmul(mt.ones(2, dtype=mt.int64), mt.ones(2), mt.ones(2, dtype=mt.float64))
    assert out.dtype is mt.float64 and out.tolist() == [2.0, 2.0]


def test_zero_dim_self_works_as_one_slot():
    assert mt.zeros(()).index_add(0, mt.tensor([0]), mt.tensor(2.0)).tolist() == 2.0
    assert mt.tensor(5.0).scatter_reduce(0, mt.tensor(0), mt.tensor(7.0), "amax").item() == 7.0


# -- in-place forms ------------------------------------------------------------------------------
def test_in_place_forms_write_into_self():
    x = mt.tensor(X)
    same = x.index_add_(1, mt.tensor([0]), mt.ones(3, 1, dtype=mt.float64))
    assert same is x and x[:, 0].tolist() == [1.0, 5.0, 9.0]
    y = mt.zeros(2, 4, dtype=mt.float64)
    y.addmm_(mt.tensor(A), mt.tensor(B))
    assert_close(y, A @ B)
    z = mt.ones(3)
    z.addcdiv_(mt.tensor([1.0, 2.0, 3.0]), mt.tensor([2.0, 2.0, 2.0]), value=-1)
    assert z.tolist() == [0.5, 0.0, -0.5]


def test_in_place_result_must_keep_the_shape_of_self():
    with pytest.raises(RuntimeError, match=r"addmm_: output with shape \[4\] doesn't match "
                                           r"the broadcast shape \[2, 4\]"):
        mt.zeros(4).addmm_(mt.ones(2, 3), mt.ones(3, 4))


def test_in_place_records_a_source_that_requires_grad():
    source = _leaf(np.ones((1, 4)))
    x = mt.zeros(3, 4, dtype=mt.float64)
    x.index_add_(0, mt.tensor([2]), source * 3)
    x.sum().backward()
    assert source.grad.tolist() == [[3.0] * 4]


# -- gradients against finite differences --------------------------------------------------------
IDX = mt.tensor([2, 0, 2])
GRADCHECKS = {
    "addmm": (lambda i, a, b: mt.addmm(i, a, b, beta=0.5, alpha=-2), [(4,), (2, 3), (3, 4)]),
    "addmv": (lambda i, a, v: mt.addmv(i, a, v, beta=2), [(1,), (2, 3), (3,)]),
    "baddbmm": (lambda i, a, b: mt.baddbmm(i, a, b, alpha=0.5), [(2, 1), (3, 2, 2), (3, 2, 1)]),
    "addbmm": (lambda i, a, b: mt.addbmm(i, a, b), [(2, 2), (3, 2, 4), (3, 4, 2)]),
    "addr": (lambda i, a, b: mt.addr(i, a, b, beta=3), [(2, 3), (2,), (3,)]),
    "vdot": (mt.vdot, [(4,), (4,)]),
    "addcmul": (lambda i, a, b: mt.addcmul(i, a, b, value=0.5), [(3,), (2, 1), (3,)]),
    "addcdiv": (lambda i, a, b: mt.addcdiv(i, a, b + 3, value=2), [(3,), (2, 1), (3,)]),
    "index_add": (lambda x, s: x.index_add(1, IDX, s, alpha=2), [(2, 3), (2, 3)]),
    "index_copy": (lambda x, s: x.index_copy(0, mt.tensor([2, 0]), s), [(3, 2), (2, 2)]),
    "index_fill_value": (lambda x, v: x.index_fill(1, IDX, v.sum()), [(2, 3), (1,)]),
    "masked_select": (lambda x: mt.masked_select(x, mt.tensor([True, False, True])), [(2, 3)]),
    "take": (lambda x: mt.take(x, mt.tensor([[5, -1], [0, 0]])), [(2, 3)]),
    "take_along_dim": (lambda x: x.take_along_dim(mt.tensor([[0, 2]]), 1), [(3, 3)]),
}


@pytest.mark.parametrize("name", GRADCHECKS)
def test_gradient_matches_finite_differences(name):
    fn, shapes = GRADCHECKS[name]
    assert gradcheck(fn, [_leaf(_randn(s, seed=i)) for i, s in enumerate(shapes)])


@pytest.mark.parametrize("include_self", [True, False], ids=["with_self", "without_self"])
@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
def test_scatter_reduce_gradient_matches_finite_differences(reduce, include_self):
    index = mt.tensor([[0, 2, 0, 0], [1, 1, 1, 0]])
    assert gradcheck(lambda x, s: x.scatter_reduce(1, index, s, reduce,
                                                   include_self=include_self),
                     [_leaf(_randn((2, 3), 1)), _leaf(_randn((2, 5), 2))])


def test_scatter_reduce_prod_gradient_is_right_at_zeros():
    x, src = _leaf([1.0, 2.0]), _leaf([0.0, 3.0, 0.0, 0.0])
    out = x.scatter_reduce(0, mt.tensor([0, 0, 1, 1]), src, "prod")
    out.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0] and src.grad.tolist() == [3.0, 0.0, 0.0, 0.0]


def test_scatter_reduce_amax_splits_the_gradient_evenly_among_ties():
    x, src = _leaf([5.0, 1.0]), _leaf([5.0, 5.0, 3.0])
    x.scatter_reduce(0, mt.tensor([0, 0, 1]), src, "amax").sum().backward()
    assert_close(x.grad, np.array([1 / 3, 0.0]))
    assert_close(src.grad, np.array([1 / 3, 1 / 3, 1.0]))


# -- values and gradients against PyTorch ----------------------------------------------------------
TORCH_CASES = {  # f(library, x) for x of shape (3, 4)
    "addmm": lambda L, x: L.addmm(x[0, :3], x[:, :3].T, x[:, 1:], beta=-1, alpha=0.5),
    "addmv": lambda L, x: L.addmv(x[:, 0], x, x[0], alpha=2),
    "baddbmm": lambda L, x: L.baddbmm(x[:1, :1], x.reshape(2, 3, 2), x.reshape(2, 2, 3)),
    "addbmm": lambda L, x: L.addbmm(x[:2, :2], x.reshape(3, 2, 2), x.reshape(3, 2, 2)),
    "addr": lambda L, x: L.addr(x[:3, :3], x[:, 0], x[0, :3], beta=2),
    "mv": lambda L, x: L.mv(x, x[1]),
    "vdot": lambda L, x: L.vdot(x[0], x[2]),
    "addcmul": lambda L, x: L.addcmul(x, x[0], x[:, :1], value=3),
    "addcdiv": lambda L, x: L.addcdiv(x, x[0], x[:, :1] + 4, value=-0.5),
    "index_add": lambda L, x: x.index_add(0, L.tensor([2, 2]), x[:2] * 2, alpha=0.5),
    "index_copy": lambda L, x: x.index_copy(1, L.tensor([3, 1]), x[:, :2] ** 2),
    "index_fill": lambda L, x: x.index_fill(0, L.tensor([0, 2]), x[1, 1]),
    "masked_select": lambda L, x: L.masked_select(x, x[0] > 0),
    "take": lambda L, x: L.take(x, L.tensor([[11, 0], [-3, 0]])),
    "take_along_dim": lambda L, x: L.take_along_dim(x, x.argsort(1), 1),
    # (PyTorch's backward fails when src is larger than index: the cases keep them equal)
    "scatter_reduce_sum": lambda L, x: x[0].scatter_reduce(0, L.tensor([3, 0, 3]), x[1, :3],
                                                          "sum"),
    "scatter_reduce_prod": lambda L, x: x.scatter_reduce(1, L.tensor([[0, 0], [2, 1]]),
                                                         x[1:, :2], "prod", include_self=False),
    "scatter_reduce_mean": lambda L, x: x.scatter_reduce(0, L.tensor([[1, 1, 0, 1]]), x[2:],
                                                         "mean"),
    "scatter_reduce_amax": lambda L, x: x.scatter_reduce(1, L.tensor([[1, 1, 1]] * 3),
                                                         x[:, 1:] * 2, "amax"),
    "scatter_reduce_amin": lambda L, x: x.scatter_reduce(0, L.tensor([[2, 0, 2, 2]]), 3 * x[:1],
                                                         "amin", include_self=False),
}


@requires_torch
@pytest.mark.parametrize("name", TORCH_CASES)
def test_value_and_gradient_match_pytorch(name):
    data = _randn((3, 4), seed=5)
    x, tx = _leaf(data), torch.tensor(data, requires_grad=True)
    check_same(TORCH_CASES[name](mt, x), TORCH_CASES[name](torch, tx), [(x, tx)])


# -- errors ----------------------------------------------------------------------------------------
M, W = mt.ones(2, 3), mt.ones(3, 4)
ERRORS = {
    "addmm_vector": (lambda: mt.addmm(mt.ones(4), mt.ones(3), W), RuntimeError,
                     r"mat1 must be a matrix, got 1-D tensor of shape \(3,\)"),
    "addmm_shapes": (lambda: mt.addmm(mt.ones(4), M, mt.ones(4, 4)), RuntimeError,
                     r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x4\)"),
    "addmm_input_shape": (lambda: mt.addmm(mt.ones(3, 4), M, W), RuntimeError,
                          r"input of shape \(3, 4\) cannot be broadcast to the result shape "
                          r"\(2, 4\)"),
    "addmm_dtypes": (lambda: mt.addmm(mt.ones(4), M, W.double()), RuntimeError,
                     "must have the same dtype, but got float32, float32 and float64"),
    "addr_float_alpha_for_integers": (
        lambda: mt.addr(mt.ones(4, dtype=mt.int64), mt.ones(3).long(), mt.ones(4).long(),
                        alpha=0.5),
        RuntimeError, r"argument alpha must not be a floating point number \(got alpha=0.5\)"),
    "addr_bool_beta_for_floats": (lambda: mt.addr(mt.ones(4), mt.ones(3), mt.ones(4), beta=True),
                                  RuntimeError, "Boolean beta only supported for Boolean results"),
    "addmv_size": (lambda: mt.addmv(mt.ones(2), M, mt.ones(4)), RuntimeError,
                   r"size mismatch, got input \(2\), mat \(2x3\), vec \(4\)"),
    "mv_matrix_vector": (lambda: mt.mv(M, M), RuntimeError,
                         "expected a 2-D matrix and a 1-D vector, got 2-D and 2-D"),
    "baddbmm_batches": (lambda: mt.baddbmm(mt.ones(1), mt.ones(2, 2, 3), mt.ones(3, 3, 4)),
                        RuntimeError, "same number of batches, got 2 and 3"),
    "addbmm_inner": (lambda: mt.addbmm(mt.ones(1), mt.ones(2, 2, 3), mt.ones(2, 4, 4)),
                     RuntimeError, r"incompatible matrix sizes for bmm \(2x3 and 4x4\)"),
    "addbmm_2d": (lambda: mt.addbmm(mt.ones(1), M, W), RuntimeError,
                  r"batch1 must be a 3-D tensor, got 2-D of shape \(2, 3\)"),
    "addr_2d": (lambda: mt.addr(M, M, mt.ones(3)), RuntimeError,
                "expected 1-D argument vec1, but got 2-D"),
    "vdot_sizes": (lambda: mt.vdot(mt.ones(3), mt.ones(4)), RuntimeError,
                   "inconsistent tensor size, got 3 and 4 elements"),
    "vdot_dtypes": (lambda: mt.vdot(mt.ones(3), mt.ones(3).double()), RuntimeError,
                    "same dtype, but found float32 and float64"),
    "addcdiv_integers": (lambda: mt.addcdiv(M, M.long(), M.long()), RuntimeError,
                         "integer division is not supported"),
    "addcmul_shapes": (lambda: mt.addcmul(M, mt.ones(3), mt.ones(2)), RuntimeError,
                       r"shapes \(3,\) and \(2,\) cannot be broadcast"),
    "index_add_matrix_index": (lambda: M.index_add(0, mt.tensor([[0, 1]]), M), IndexError,
                               r"Index is supposed to be a vector, but got dim: 2 with shape "
                               r"\(1, 2\)"),
    "index_add_float_index": (lambda: M.index_add(0, mt.tensor([0.0]), M[:1]), RuntimeError,
                              "Expected dtype int32/int64 for index but got: float32"),
    "index_add_out_of_range": (lambda: M.index_add(0, mt.tensor([0, 5]), M), IndexError,
                               "index 5 is out of bounds for dimension 0 with size 2"),
    "index_add_source_shape": (lambda: M.index_add(0, mt.tensor([0, 1]), mt.ones(2, 5)),
                               RuntimeError, r"self.shape = \[2, 3\] source.shape = \[2, 5\]"),
    "index_add_count": (lambda: M.index_add(1, mt.tensor([0, 1]), M), RuntimeError,
                        r"Number of indices \(2\) should be equal to source.size\(dim\) \(3\)"),
    "index_add_dtypes": (lambda: M.index_add(0, mt.tensor([0]), M[:1].double()), RuntimeError,
                         r"self \(float32\) and source \(float64\) must have the same"),
    "index_copy_dtypes": (lambda: M.index_copy(0, mt.tensor([0]), M[:1].long()), RuntimeError,
                          r"\(self\) float32 and \(source\) int64"),
    "index_fill_vector_value": (lambda: M.index_fill(0, mt.tensor([0]), mt.ones(2)),
                                RuntimeError, "0-dimensional value tensor, but got tensor "
                                              r"with 1 dimension\(s\)"),
    "masked_select_int_mask": (lambda: mt.masked_select(M, mt.tensor([1, 0, 1])), RuntimeError,
                               "expected a bool mask, got int64"),
    "take_out_of_range": (lambda: mt.take(M, mt.tensor([-7])), IndexError,
                          r"index -7 is out of range for a tensor of 6 elements \(shape "
                          r"\(2, 3\)\)"),
    "take_int32": (lambda: mt.take(M, mt.tensor([0], dtype=mt.int32)), RuntimeError,
                   r"Expected a long \(int64\) tensor for index, but got int32"),
    "take_along_dim_dims": (lambda: mt.take_along_dim(M, mt.tensor([0]), 1), RuntimeError,
                            "got 2 dimensions for input, and 1 dimensions for indices"),
    "take_along_dim_shapes": (lambda: mt.take_along_dim(M, mt.tensor([[0]] * 3), 1),
                              RuntimeError, r"input of shape \(2, 3\) and indices of shape "
                                            r"\(3, 1\) cannot be broadcast"),
    "take_along_dim_range": (lambda: mt.take_along_dim(M, mt.tensor([[3]]), 1), IndexError,
                             "index 3 is out of bounds for dimension 1 with size 3"),
    "scatter_reduce_kind": (lambda: M.scatter_reduce(0, mt.tensor([[0]]), M, "max"),
                            RuntimeError, "must be one of sum, prod, mean, amax, amin, got "
                                          "'max'"),
    "scatter_reduce_dtypes": (lambda: M.scatter_reduce(0, mt.tensor([[0]]), M.double(), "sum"),
                              RuntimeError, "same dtype, but got float32 and float64"),
    "scatter_reduce_shapes": (lambda: M.scatter_reduce(0, mt.tensor([[0, 1, 1, 1]]), M, "sum"),
                              RuntimeError, r"expected index \[1, 4\] to be no larger than "
                                            r"self \[2, 3\] apart from dimension 0"),
    "scatter_reduce_range": (lambda: M.scatter_reduce(0, mt.tensor([[2]]), M, "sum"),
                             IndexError, "index 2 is out of bounds for dimension 0 with "
                                         "size 2"),
}


@pytest.mark.parametrize("name", ERRORS)
def test_bad_arguments_raise_clear_errors(name):
    fn, exc, message = ERRORS[name]
    with pytest.raises(exc, match=message):
        fn()
