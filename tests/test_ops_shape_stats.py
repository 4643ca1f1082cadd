"""atleast_Nd/hstack/vstack/dstack/column_stack/row_stack/broadcast_tensors/block_diag/kron/
cartesian_prod (ops/composite/stacking.py), swapaxes/swapdims/rot90,
var_mean/std_mean/aminmax/nansum/ nanmean/count_nonzero (ops/composite/stats.py),
cummax/cummin/diff/trapezoid (ops/composite/scan.py), and
is_tensor/numel/inference_mode/finfo/iinfo: values against NumPy, values and gradients against
PyTorch when installed, gradients against finite differences, and error messages."""

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
R = _randn((3, 5), 1)
N = np.array([[1.0, np.nan, 3.0], [np.nan, np.nan, 0.0]])
T = mt.tensor


# -- values against NumPy -----------------------------------------------------------------------
NUMPY_CASES = {
    "hstack": (lambda: mt.hstack([T(X[0]), T(X[1])]), np.hstack([X[0], X[1]])),
    "hstack_vectors_and_scalars": (lambda: mt.hstack([T(2.0), T(R[0])]), np.hstack([2.0, R[0]])),
    "vstack": (lambda: mt.vstack([T(R[0]), T(R)]), np.vstack([R[0], R])),
    "row_stack": (lambda: mt.row_stack((T(R[0]), T(R[1]))), np.vstack([R[0], R[1]])),
    "dstack": (lambda: mt.dstack([T(R), T(-R)]), np.dstack([R, -R])),
    "column_stack": (lambda: mt.column_stack([T(R[0]), T(R.T)]), np.column_stack([R[0], R.T])),
    "swapaxes": (lambda: T(X).swapaxes(0, 2), np.swapaxes(X, 0, 2)),
    "swapdims": (lambda: mt.swapdims(T(X), -1, 1), np.swapaxes(X, -1, 1)),
    "rot90": (lambda: mt.rot90(T(R)), np.rot90(R)),
    "rot90_negative_k": (lambda: T(X).rot90(-1, (2, 0)), np.rot90(X, -1, (2, 0))),
    "rot90_twice": (lambda: mt.rot90(T(R), 2), np.rot90(R, 2)),
    "rot90_four_times": (lambda: mt.rot90(T(R), 4), R),
    "block_diag": (lambda: mt.block_diag(T(R[:2, :2]), T(3.0), T(R[0, :3])),
                   np.array([[R[0, 0], R[0, 1], 0, 0, 0, 0], [R[1, 0], R[1, 1], 0, 0, 0, 0],
                             [0, 0, 3.0, 0, 0, 0], [0, 0, 0, R[0, 0], R[0, 1], R[0, 2]]])),
    "kron": (lambda: mt.kron(T(R[:2, :2]), T(X[0])), np.kron(R[:2, :2], X[0])),
    "kron_different_ranks": (lambda: T(X).kron(T(R[0])), np.kron(X, R[0])),
    "cartesian_prod": (lambda: mt.cartesian_prod(T([1, 2]), T([3, 4, 5]), T([6])),
                       np.array([[a, b, c] for a in (1, 2) for b in (3, 4, 5) for c in (6,)])),
    "nansum": (lambda: mt.nansum(T(N), 1), np.nansum(N, 1)),
    "nansum_all": (lambda: T(N).nansum(), np.nansum(N)),
    "nanmean": (lambda: mt.nanmean(T(N), 0, keepdim=True), np.array([[1.0, np.nan, 1.5]])),
    "count_nonzero": (lambda: mt.count_nonzero(T(N)), np.int64(5)),
    "count_nonzero_dims": (lambda: T(X).count_nonzero((0, 2)), np.count_nonzero(X, (0, 2))),
    "diff": (lambda: mt.diff(T(X)), np.diff(X)),
    "diff_twice_along_0": (lambda: T(R).diff(2, 0), np.diff(R, 2, 0)),
    "diff_prepend_append": (lambda: mt.diff(T(R), dim=1, prepend=T(R[:, :2]), append=T(R)),
                            np.diff(R, axis=1, prepend=R[:, :2], append=R)),
    "diff_past_the_length": (lambda: mt.diff(T(R), 9), np.diff(R, 9)),
    "diff_zero_times_leaves_out_prepend_append": (  # as PyTorch too
        lambda: mt.diff(T(R), 0, 1, prepend=T(R[:, :2]), append=T(R)),
        np.diff(R, 0, axis=1, prepend=R[:, :2], append=R)),
    "diff_of_bools": (lambda: mt.diff(T([True, True, False])), np.array([False, True])),
    "trapezoid": (lambda: mt.trapezoid(T(R)), np.trapezoid(R)),
    "trapezoid_dx": (lambda: mt.trapezoid(T(R), dx=0.5, dim=0), np.trapezoid(R, dx=0.5, axis=0)),
    "trapezoid_x": (lambda: mt.trapezoid(T(R), T(X[0, 0, :3] ** 2), dim=0),
                    np.trapezoid(R, X[0, 0, :3] ** 2, axis=0)),
    "trapezoid_x_like_y": (lambda: mt.trapezoid(T(R), T(R.cumsum(1))),
                           np.trapezoid(R, R.cumsum(1))),
}


@pytest.mark.parametrize("name", NUMPY_CASES)
def test_values_match_numpy(name):
    ours, expected = NUMPY_CASES[name]
    assert_close(ours(), expected)


def test_atleast_nd_shapes_match_numpy():
    for n, (ours, ref) in enumerate([(mt.atleast_1d, np.atleast_1d),
                                     (mt.atleast_2d, np.atleast_2d),
                                     (mt.atleast_3d, np.atleast_3d)], 1):
        for shape in [(), (3,), (2, 3), (2, 3, 4), (1, 2, 3, 4)]:
            assert ours(mt.zeros(*shape)).shape == ref(np.zeros(shape)).shape, (n, shape)


def test_atleast_nd_gives_views_one_in_one_out_several_in_a_tuple():
    x = mt.arange(3.0)
    assert mt.atleast_1d(x) is x
    a, b = mt.atleast_2d(x, mt.tensor(1.0))
    assert a.untyped_storage() is x.untyped_storage() and (a.shape, b.shape) == ((1, 3), (1, 1))
    assert isinstance(mt.atleast_3d([x]), tuple)


def test_broadcast_tensors_gives_expanded_views():
    a, b = mt.broadcast_tensors(mt.zeros(2, 1), mt.arange(3.0))
    assert a.shape == b.shape == (2, 3) and b.stride() == (0, 1)


def test_block_diag_promotes_dtypes_and_of_nothing_is_1_by_0():
    out = mt.block_diag(mt.tensor([[1, 2]]), mt.tensor([3.0]))
    assert out.dtype is mt.float32 and out.tolist() == [[1.0, 2.0, 0.0], [0.0, 0.0, 3.0]]
    assert mt.block_diag().shape == (1, 0)


def test_cartesian_prod_of_one_tensor_is_that_tensor():
    x = mt.tensor([1, 2])
    assert mt.cartesian_prod(x) is x


def test_var_mean_and_std_mean_match_var_std_and_mean():
    x = T(X)
    v, m = mt.var_mean(x, (0, 2), keepdim=True)
    assert_close(v, X.var((0, 2), ddof=1, keepdims=True))
    assert_close(m, X.mean((0, 2), keepdims=True))
    s, m = mt.std_mean(x, 1, correction=0)
    assert_close(s, X.std(1)) and assert_close(m, X.mean(1))
    v, m = mt.var_mean(x, 1, False)  # PyTorch's positional unbiased
    assert_close(v, X.var(1))


def test_aminmax_returns_named_min_and_max():
    result = mt.aminmax(T(X), dim=1, keepdim=True)
    assert_close(result.min, X.min(1, keepdims=True))
    assert_close(result.max, X.max(1, keepdims=True))
    lo, hi = T(X).aminmax()
    assert (lo.item(), hi.item()) == (0.0, 23.0)


def test_nansum_of_integers_is_the_sum():
    assert mt.nansum(mt.tensor([[1, 2], [3, 4]], dtype=mt.int32), 0).tolist() == [4, 6]


@pytest.mark.parametrize("largest", [True, False], ids=["cummax", "cummin"])
def test_cummax_and_cummin_match_a_running_loop(largest):
    x = np.random.default_rng(2).integers(0, 4, (3, 11)).astype(np.float64)  # many ties
    result = (mt.cummax if largest else mt.cummin)(T(x), 1)
    better = np.greater_equal if largest else np.less_equal
    values, indices = x.copy(), np.zeros(x.shape, np.int64)
    for j in range(1, x.shape[1]):  # the latest position wins a tie, as in PyTorch
        keep = ~better(x[:, j], values[:, j - 1])
        values[:, j] = np.where(keep, values[:, j - 1], x[:, j])
        indices[:, j] = np.where(keep, indices[:, j - 1], j)
    assert_close(result.values, values)
    assert_close(result.indices, indices)


def test_cummax_keeps_nan_once_reached():
    result = mt.cummax(T([1.0, 3.0, math.nan, 5.0, math.nan, 0.0]), 0)
    assert_close(result.values, np.array([1.0, 3.0] + [np.nan] * 4, np.float32))
    assert result.indices.tolist() == [0, 1, 2, 2, 4, 4]


def test_cummax_of_0d_and_empty_tensors():
    assert mt.cummax(T(2.0), 0).indices.tolist() == 0
    assert mt.cummin(mt.zeros(0, 2), 0).values.shape == (0, 2)


def test_trapezoid_of_integers_is_float_and_of_one_sample_zero():
    assert mt.trapezoid(T([1, 2, 4])).dtype is mt.float32
    assert mt.trapezoid(mt.ones(2, 1)).tolist() == [0.0, 0.0]


# -- utilities -------------------------------------------------------------------------------------
def test_is_tensor_and_numel():
    assert mt.is_tensor(mt.zeros(1)) and not mt.is_tensor([1.0])
    assert mt.numel(mt.zeros(2, 3)) == 6 and mt.numel(mt.tensor(1.0)) == 1


def test_inference_mode_turns_grad_off_and_restores_it():
    x = mt.ones(2, requires_grad=True)
    with mt.inference_mode():
        assert not mt.is_grad_enabled() and mt.is_inference_mode_enabled()
        assert not (x * 2).requires_grad
        with mt.inference_mode(False):
            assert mt.is_grad_enabled() and not mt.is_inference_mode_enabled()
    assert mt.is_grad_enabled() and not mt.is_inference_mode_enabled()


def test_inference_mode_decorates_with_or_without_call():
    @mt.inference_mode
    def bare():
        return mt.is_grad_enabled()

    @mt.inference_mode()
    def called():
        return mt.is_inference_mode_enabled()

    assert bare() is False and called() is True and mt.is_grad_enabled()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_finfo_matches_numpy(dtype):
    info, ref = mt.finfo(getattr(mt, dtype)), np.finfo(dtype)
    assert (info.bits, info.eps, info.max, info.min) == (ref.bits, ref.eps, ref.max, ref.min)
    assert info.tiny == info.smallest_normal == ref.smallest_normal
    assert info.resolution == float(str(ref.resolution)) and info.dtype == dtype


def test_finfo_defaults_to_the_default_dtype_and_iinfo_matches_numpy():
    assert mt.finfo().eps == np.finfo(np.float32).eps
    for dtype in ("int32", "int64"):
        info, ref = mt.iinfo(getattr(mt, dtype)), np.iinfo(dtype)
        assert (info.bits, info.max, info.min, info.dtype) == (ref.bits, ref.max, ref.min, dtype)


@requires_torch
def test_finfo_and_iinfo_match_pytorch():
    for ours, theirs in ((mt.float32, torch.float32), (mt.float64, torch.float64)):
        a, b = mt.finfo(ours), torch.finfo(theirs)
        assert (a.bits, a.eps, a.max, a.min, a.tiny, a.resolution) == \
            (b.bits, b.eps, b.max, b.min, b.tiny, b.resolution)
    assert mt.iinfo(mt.int32).max == torch.iinfo(torch.int32).max


# -- gradients against finite differences ---------------------------------------------------------
GRADCHECKS = {
    "hstack": (lambda a, b: mt.hstack([a, b]), [(2, 2), (2, 3)]),
    "vstack": (lambda a, b: mt.vstack([a, b]), [(3,), (2, 3)]),
    "dstack": (lambda a, b: mt.dstack([a, b]), [(2, 2), (2, 2, 1)]),
    "column_stack": (lambda a, b: mt.column_stack([a, b]), [(2,), (2, 2)]),
    "broadcast_tensors": (lambda a, b: mt.broadcast_tensors(a, b), [(2, 1), (3,)]),
    "block_diag": (lambda a, b: mt.block_diag(a, b), [(2, 1), (3,)]),
    "kron": (mt.kron, [(2, 2), (3, 1)]),
    "cartesian_prod": (mt.cartesian_prod, [(2,), (3,)]),
    "rot90": (lambda a: a.rot90(3, (1, 2)), [(2, 2, 3)]),
    "var_mean": (lambda a: mt.var_mean(a, 1), [(3, 4)]),
    "std_mean": (lambda a: mt.std_mean(a, (0, 1), keepdim=True), [(3, 4)]),
    "aminmax": (lambda a: mt.aminmax(a, dim=0), [(3, 4)]),
    "nansum": (lambda a: mt.nansum(a, 1), [(2, 3)]),
    "nanmean": (lambda a: mt.nanmean(a, 0), [(2, 3)]),
    "cummax": (lambda a: mt.cummax(a, 1).values, [(2, 5)]),
    "cummin": (lambda a: mt.cummin(a, 0).values, [(5, 2)]),
    "diff": (lambda a, b: mt.diff(a, 2, prepend=b), [(2, 4), (2, 1)]),
    "trapezoid": (lambda y, x: mt.trapezoid(y, x), [(2, 4), (4,)]),
}


@pytest.mark.parametrize("name", GRADCHECKS)
def test_gradient_matches_finite_differences(name):
    fn, shapes = GRADCHECKS[name]
    assert gradcheck(fn, [_leaf(_randn(s, seed=i)) for i, s in enumerate(shapes)])


def test_nansum_and_nanmean_give_nan_a_zero_gradient():
    x = _leaf([1.0, math.nan, 2.0])
    (mt.nansum(x) + mt.nanmean(x)).backward()
    assert x.grad.tolist() == [1.5, 0.0, 1.5]


# -- values and gradients against PyTorch ----------------------------------------------------------
TORCH_CASES = {  # f(library, x) for x of shape (3, 4)
    "hstack": lambda L, x: L.hstack([x, x[:, :1]]),
    "vstack": lambda L, x: L.vstack([x[0], x]),
    "dstack": lambda L, x: L.dstack([x, x]),
    "column_stack": lambda L, x: L.column_stack([x[:, 0], x]),
    "rot90": lambda L, x: L.rot90(x, 1, [0, 1]),
    "block_diag": lambda L, x: L.block_diag(x[:2], x[2, :2], x[0, 0]),
    "kron": lambda L, x: L.kron(x[:2, :2], x),
    "cartesian_prod": lambda L, x: L.cartesian_prod(x[0], x[1, :2]),
    "var_mean": lambda L, x: L.var_mean(x, 1, keepdim=True)[0],
    "var_mean_mean": lambda L, x: L.var_mean(x, 0, correction=0)[1],
    "std_mean": lambda L, x: L.std_mean(x, (0, 1))[0],
    "aminmax_min": lambda L, x: L.aminmax(x, dim=1).min,
    "aminmax_max": lambda L, x: L.aminmax(x).max,
    "cummax": lambda L, x: L.cummax(x, 1).values,
    "cummin": lambda L, x: L.cummin(x, 0).values,
    "diff": lambda L, x: L.diff(x, 1, 0, append=x[:1]),
    "trapezoid": lambda L, x: L.trapezoid(x, x[0]),
    "trapezoid_dx": lambda L, x: L.trapezoid(x, dx=0.25, dim=0),
}


@requires_torch
@pytest.mark.parametrize("name", TORCH_CASES)
def test_value_and_gradient_match_pytorch(name):
    data = _randn((3, 4), seed=6)
    x, tx = _leaf(data), torch.tensor(data, requires_grad=True)
    check_same(TORCH_CASES[name](mt, x), TORCH_CASES[name](torch, tx), [(x, tx)])


@requires_torch
@pytest.mark.parametrize("name", ["cummax", "cummin"])
def test_cummax_indices_match_pytorch_on_ties_and_nan(name):
    data = np.array([[1.0, 3.0, 3.0, 2.0, np.nan, 5.0, np.nan, 0.0], [2, 2, 1, 1, 1, 0, 0, 3]])
    ours, theirs = getattr(mt, name)(mt.tensor(data), 1), getattr(torch, name)(
        torch.tensor(data), 1)
    assert ours.indices.tolist() == theirs.indices.tolist()


# -- errors ----------------------------------------------------------------------------------------
M = mt.ones(2, 3)
ERRORS = {
    "hstack_empty": (lambda: mt.hstack([]), RuntimeError, "hstack expects a non-empty"),
    "atleast_not_tensor": (lambda: mt.atleast_2d(M, 3), TypeError,
                           r"atleast_2d\(\): expected Tensors, got int at position 1"),
    "rot90_one_dim": (lambda: M.rot90(1, [0]), RuntimeError,
                      "expected total rotation dims == 2, but got dims = 1"),
    "rot90_same_dims": (lambda: M.rot90(1, [1, -1]), RuntimeError,
                        "rotation dims to be different, but got dim0 = 1 and dim1 = -1"),
    "rot90_vector": (lambda: mt.rot90(mt.ones(3)), RuntimeError,
                     "expected total dims >= 2, but got total dims = 1"),
    "broadcast_tensors": (lambda: mt.broadcast_tensors(M, mt.ones(2)), RuntimeError,
                          r"shapes \(2, 3\) and \(2,\) cannot be broadcast"),
    "block_diag_3d": (lambda: mt.block_diag(M, mt.ones(1, 1, 1)), RuntimeError,
                      "Input tensors must have 2 or fewer dimensions. Input 1 has 3"),
    "cartesian_prod_2d": (lambda: mt.cartesian_prod(M), RuntimeError,
                          r"expected 1-D tensors, but got shape \(2, 3\) at position 0"),
    "var_mean_integers": (lambda: mt.var_mean(mt.arange(3)), RuntimeError,
                          r"var_mean\(\): only floating point dtypes are supported, got int64"),
    "aminmax_empty": (lambda: mt.aminmax(mt.zeros(0)), RuntimeError,
                      r"cannot compute aminmax over an empty dimension .* shape \(0,\)"),
    "aminmax_empty_dim": (lambda: mt.aminmax(mt.zeros(2, 0), dim=1), IndexError,
                          "Expected reduction dim 1 to have non-zero size"),
    "nanmean_integers": (lambda: mt.nanmean(mt.arange(3)), RuntimeError,
                         "expected input to have floating point dtype but got int64"),
    "count_nonzero_repeated_dim": (lambda: mt.count_nonzero(M, (0, -2)), RuntimeError,
                                   "appears multiple times"),
    "diff_0d": (lambda: mt.diff(mt.tensor(1.0)), RuntimeError,
                "diff expects input to be at least one-dimensional"),
    "diff_negative_n": (lambda: mt.diff(M, -1), RuntimeError,
                        "order must be non-negative but got -1"),
    "diff_prepend_scalar": (lambda: mt.diff(M, prepend=1.0), TypeError,
                            "argument 'prepend' must be Tensor, not float"),
    "diff_append_shape": (lambda: mt.diff(M, dim=0, append=mt.ones(1, 2)), RuntimeError,
                          r"input.size\(1\) = 3, but got tensor.size\(1\) = 2"),
    "diff_prepend_dims": (lambda: mt.diff(M, prepend=mt.ones(3)), RuntimeError,
                          r"same dimension as input \(prepend is 1-D, input 2-D\)"),
    "trapezoid_x_length": (lambda: mt.trapezoid(mt.ones(3), mt.ones(2)), RuntimeError,
                           r"one `x` value for each sample point \(x has 2, y has 3"),
    "trapezoid_x_and_dx": (lambda: mt.trapezoid(mt.ones(3), mt.ones(3), dx=1.0), TypeError,
                           "either the sample points x or the spacing dx"),
    "cummax_bad_dim": (lambda: mt.cummax(M, 2), IndexError, "Dimension out of range"),
    "finfo_of_int": (lambda: mt.finfo(mt.int64), TypeError,
                     "requires a floating point dtype, got microtorch.int64"),
    "iinfo_of_float": (lambda: mt.iinfo(mt.float32), TypeError,
                       "requires an integer dtype, got microtorch.float32"),
    "iinfo_of_bool": (lambda: mt.iinfo(mt.bool), TypeError, "does not support microtorch.bool"),
    "numel_of_list": (lambda: mt.numel([1, 2]), TypeError, "must be Tensor, not list"),
}


@pytest.mark.parametrize("name", ERRORS)
def test_bad_arguments_raise_clear_errors(name):
    fn, exc, message = ERRORS[name]
    with pytest.raises(exc, match=message):
        fn()
