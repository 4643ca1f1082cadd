"""trunc/fix/ceil/round/frac/signbit/copysign/heaviside/sinh/cosh/log2/log10/exp2/logit/
xlogy/hypot/nan_to_num (ops/composite/pointwise.py), unique/bincount/searchsorted/bucketize
(ops/composite/searching.py), cdist and cross: values against NumPy, values and gradients against
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


T = mt.tensor
HALVES = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 2.4999, -0.4, 7.0, 1e20, -1e17])
SPECIAL = np.array([np.nan, np.inf, -np.inf])
U = np.random.default_rng(3).uniform(-4, 4, 50)


# -- values against NumPy -----------------------------------------------------------------------
ELEMENTWISE = {  # name: (ours, NumPy's), each checked on float32 and float64 inputs
    "trunc": (mt.trunc, np.trunc),
    "fix": (mt.fix, np.fix),
    "ceil": (mt.ceil, np.ceil),
    "round": (mt.round, np.round),
    "frac": (mt.frac, lambda a: a - np.trunc(a)),
    "signbit": (mt.signbit, np.signbit),
    "sinh": (mt.sinh, np.sinh),
    "cosh": (mt.cosh, np.cosh),
    "log2": (lambda t: mt.log2(t.abs()), lambda a: np.log2(np.abs(a))),
    "log10": (lambda t: mt.log10(t.abs()), lambda a: np.log10(np.abs(a))),
    "exp2": (mt.exp2, np.exp2),
    "logit": (lambda t: mt.logit(t.sigmoid()), lambda a: a),
    "nan_to_num": (lambda t: mt.nan_to_num(t, 1.0, 2.0, -2.0),
                   lambda a: np.nan_to_num(a, nan=1.0, posinf=2.0, neginf=-2.0)),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ELEMENTWISE)
def test_elementwise_values_match_numpy(name, dtype):
    ours, ref = ELEMENTWISE[name]
    data = U if name in ("sinh", "cosh", "exp2", "logit") else np.concatenate([HALVES, U])
    if name in ("trunc", "ceil", "round", "signbit", "nan_to_num", "exp2"):
        data = np.concatenate([data, SPECIAL])
    with np.errstate(all="ignore"):
        expected = ref(data.astype(dtype))
    assert_close(ours(T(data.astype(dtype))), expected, rtol=1e-5 if dtype == np.float32 else 0,
                 atol=1e-5 if dtype == np.float32 else 1e-12)


def test_round_ties_go_to_the_even_neighbour():
    assert mt.round(T(HALVES[:6])).tolist() == [-2.0, -2.0, -0.0, 0.0, 2.0, 2.0]


def test_round_to_decimals():
    assert_close(mt.round(T([1.2345, 1234.5, -0.125]), decimals=2),
                 np.round(np.array([1.2345, 1234.5, -0.125], np.float32), 2))
    assert_close(T([1250.0, 1351.0]).round(decimals=-2), np.array([1200.0, 1400.0], np.float32))


def test_rounding_of_integers_returns_a_copy():
    x = T([1, -2])
    for fn in (mt.trunc, mt.ceil, mt.round):
        out = fn(x)
        assert out.tolist() == [1, -2] and out.untyped_storage() is not x.untyped_storage()


def test_log10_and_log2_are_exact_at_exact_powers():
    assert mt.log10(T([1000.0, 1e-5, 1.0])).tolist() == [3.0, -5.0, 0.0]
    assert mt.log2(T([8, 1024, 1])).tolist() == [3.0, 10.0, 0.0]


def test_copysign_takes_the_sign_of_zeros_and_scalars():
    assert mt.copysign(T([1.0, -2.0, 3.0]), T([-0.0, 0.0, -1.0])).tolist() == [-1.0, 2.0, -3.0]
    assert mt.copysign(T([1, -2]), -1).tolist() == [-1.0, -2.0]


def test_heaviside_steps_at_zero_to_the_given_value():
    out = mt.heaviside(T([-1.0, 0.0, 2.0, math.nan]), T([0.5]))
    assert out.tolist() == [0.0, 0.5, 1.0, 0.0]


def test_sinh_and_cosh_stay_finite_until_the_result_overflows():
    x = T([88.7, 89.0, 89.5], dtype=mt.float32)  # e**89 overflows float32, cosh(89) does not
    with np.errstate(over="ignore"):
        expected = np.cosh(np.array([88.7, 89.0, 89.5], np.float32))
    assert_close(mt.cosh(x), expected, rtol=1e-6)


def test_xlogy_is_zero_where_x_is_zero_unless_y_is_nan():
    out = mt.xlogy(T([0.0, 0.0, 1.0, 2.0, 0.0]), T([0.0, math.nan, 0.0, 3.0, -1.0]))
    assert_close(out, np.array([0.0, np.nan, -np.inf, 2 * np.log(3.0), 0.0], np.float32))
    assert_close(mt.xlogy(2, T([1.0, math.e])), np.array([0.0, 2.0], np.float32))


def test_hypot_does_not_overflow_in_the_squares():
    out = mt.hypot(T([1e200, 3.0, math.inf], dtype=mt.float64),
                   T([1e200, 4.0, math.nan], dtype=mt.float64))
    assert_close(out, np.hypot([1e200, 3.0, np.inf], [1e200, 4.0, np.nan]))


def test_nan_to_num_defaults_to_the_dtype_limits():
    out = mt.nan_to_num(T([math.nan, math.inf, -math.inf], dtype=mt.float64))
    assert out.tolist() == [0.0, np.finfo(np.float64).max, np.finfo(np.float64).min]


def test_unique_sorts_counts_and_inverts():
    x = np.array([[3, 1, 3], [2, 1, 7]])
    values, inverse, counts = mt.unique(T(x), return_inverse=True, return_counts=True)
    ref = np.unique(x, return_inverse=True, return_counts=True)
    assert_close(values, ref[0]) and assert_close(counts, ref[2])
    assert_close(inverse, ref[1].reshape(x.shape))


@pytest.mark.parametrize("dim", [0, 1])
def test_unique_along_a_dim_matches_numpy(dim):
    x = np.array([[3, 1, 3, 1], [2, 1, 2, 0], [3, 1, 3, 1]])
    values, inverse, counts = T(x).unique(dim=dim, return_inverse=True, return_counts=True)
    ref = np.unique(x, axis=dim, return_inverse=True, return_counts=True)
    assert_close(values, ref[0])
    assert_close(inverse, ref[1].reshape(-1)) and assert_close(counts, ref[2])


def test_unique_keeps_every_nan_and_handles_0d_and_empty():
    assert_close(mt.unique(T([3.0, math.nan, 1.0, math.nan])),
                 np.array([1.0, 3.0, np.nan, np.nan], np.float32))
    values, inverse = mt.unique(T(4), return_inverse=True)
    assert values.tolist() == [4] and inverse.shape == ()
    assert mt.unique(mt.zeros(0)).shape == (0,)


def test_bincount_counts_and_sums_weights():
    x = np.array([0, 1, 1, 3, 1])
    assert_close(mt.bincount(T(x)), np.bincount(x))
    assert_close(mt.bincount(T(x), minlength=7), np.bincount(x, minlength=7))
    assert_close(T(x).bincount(T([1, 2, 3, 4, 5])), np.bincount(x, [1, 2, 3, 4, 5]))
    assert mt.bincount(T(x), T(np.ones(5, np.float32))).dtype is mt.float32
    assert mt.bincount(T(np.zeros(0, np.int64)), minlength=2).tolist() == [0, 0]


@pytest.mark.parametrize("side", ["left", "right"])
def test_searchsorted_matches_numpy(side):
    seq, values = np.array([1.0, 3.0, 3.0, 5.0, np.nan]), np.array([[0.0, 3.0], [4.0, np.nan]])
    out = mt.searchsorted(T(seq), T(values), side=side)
    assert_close(out, np.searchsorted(seq, values, side))
    rows = np.array([[1, 3, 5, 7], [2, 4, 6, 8]])
    out = mt.searchsorted(T(rows), T([[3, 9], [4, 0]]), right=side == "right")
    assert_close(out, np.stack([np.searchsorted(r, v, side) for r, v in zip(rows, [[3, 9],
                                                                                    [4, 0]])]))


def test_searchsorted_with_sorter_scalar_and_int32():
    order = T([1, 3, 2, 0])
    assert mt.searchsorted(T([7, 1, 5, 3]), T([3, 6]), sorter=order).tolist() == [1, 3]
    assert mt.searchsorted(T([1, 3, 5]), 4).tolist() == 2
    assert mt.searchsorted(T([1, 3]), T([2]), out_int32=True).dtype is mt.int32


def test_bucketize_matches_numpy_digitize():
    bounds, x = np.array([1.0, 3.0, 5.0]), np.array([[0.0, 3.0], [4.0, 9.0]])
    assert_close(mt.bucketize(T(x), T(bounds)), np.digitize(x, bounds, right=True))
    assert_close(mt.bucketize(T(x), T(bounds), right=True), np.digitize(x, bounds))


@pytest.mark.parametrize("p", [0.0, 1.0, 2.0, 3.5, math.inf])
def test_cdist_matches_pairwise_norms(p):
    a, b = _randn((2, 4, 3), 1), _randn((5, 3), 2)
    diffs = a[:, :, None, :] - b[None, None, :, :]
    expected = (np.count_nonzero(diffs, -1).astype(np.float64) if p == 0 else
                np.abs(diffs).max(-1) if p == math.inf else (np.abs(diffs) ** p).sum(-1) **
                (1 / p))
    assert_close(mt.cdist(T(a), T(b), p), expected)


def test_cdist_by_matmul_for_many_rows():
    a = _randn((30, 4), 1)
    expected = np.sqrt(((a[:, None] - a[None]) ** 2).sum(-1))
    assert_close(mt.cdist(T(a), T(a)), expected, atol=1e-6)


def test_cross_matches_numpy():
    a, b = _randn((4, 3), 1), _randn((4, 3), 2)
    assert_close(mt.linalg.cross(T(a), T(b)), np.cross(a, b))
    assert_close(T(a.T).cross(T(b.T)), np.cross(a, b).T)  # the first dim of size 3
    assert_close(mt.cross(T(a), T(b[:1]), dim=1), np.cross(a, b[:1]))


# -- in-place forms ------------------------------------------------------------------------------
def test_in_place_forms():
    x = T([1.25, -2.5])
    assert x.round_() is x and x.tolist() == [1.0, -2.0]
    y = T([0.5, 2.0])
    y.log2_()
    assert y.tolist() == [-1.0, 1.0]
    with pytest.raises(RuntimeError, match="sinh_: result type float32 can't be cast to the "
                                           "desired output type int64"):
        T([1, 2]).sinh_()


# -- gradients against finite differences ---------------------------------------------------------
GRADCHECKS = {
    "frac": (mt.frac, [(6,)]),
    "copysign": (lambda a, b: mt.copysign(a, b), [(6,), (6,)]),
    "sinh": (mt.sinh, [(8,)]),
    "cosh": (mt.cosh, [(8,)]),
    "sinh_large": (lambda x: mt.sinh(x * 10), [(4,)]),
    "log2": (lambda x: mt.log2(x.abs() + 0.5), [(5,)]),
    "log10": (lambda x: mt.log10(x.abs() + 0.5), [(5,)]),
    "exp2": (mt.exp2, [(5,)]),
    "logit": (lambda x: mt.logit(x.sigmoid()), [(5,)]),
    "logit_eps": (lambda x: mt.logit(x.sigmoid(), 0.2), [(6,)]),
    "xlogy": (lambda x, y: mt.xlogy(x, y.abs() + 0.1), [(2, 3), (3,)]),
    "hypot": (mt.hypot, [(2, 3), (3,)]),
    "nan_to_num": (lambda x: mt.nan_to_num(x), [(5,)]),
    "cdist": (lambda a, b: mt.cdist(a, b), [(3, 2), (4, 2)]),
    "cdist_p1": (lambda a, b: mt.cdist(a, b, 1.0), [(3, 2), (4, 2)]),
    "cdist_mm": (lambda a, b: mt.cdist(a, b, compute_mode="use_mm_for_euclid_dist"),
                 [(3, 2), (4, 2)]),
    "cross": (lambda a, b: mt.linalg.cross(a, b), [(2, 3), (1, 3)]),
}


@pytest.mark.parametrize("name", GRADCHECKS)
def test_gradient_matches_finite_differences(name):
    fn, shapes = GRADCHECKS[name]
    assert gradcheck(fn, [_leaf(_randn(s, seed=i)) for i, s in enumerate(shapes)])


def test_signbit_records_no_graph():
    # (rounding records one, with a zero gradient as PyTorch's: test_tensor_api_math.py)
    assert not mt.signbit(_leaf([1.5, -2.5])).requires_grad


# -- values and gradients against PyTorch ----------------------------------------------------------
TORCH_CASES = {  # f(library, x) for x of shape (3, 4)
    "frac": lambda L, x: L.frac(x * 3),
    "copysign": lambda L, x: L.copysign(x, x[0]),
    "sinh": lambda L, x: L.sinh(x * 4),
    "cosh": lambda L, x: L.cosh(x * 4),
    "log2": lambda L, x: L.log2(x.abs()),
    "log10": lambda L, x: L.log10(x.abs()),
    "exp2": lambda L, x: L.exp2(x),
    "logit": lambda L, x: L.logit(x.sigmoid()),
    "logit_eps": lambda L, x: L.logit(x, eps=0.25),
    "xlogy": lambda L, x: L.xlogy(x, x[0].abs()),
    "xlogy_with_zeros": lambda L, x: L.xlogy(L.where(x > 0, x, 0.0), x.T[0, :, None].abs()),
    "hypot": lambda L, x: L.hypot(x, x[0]),
    "nan_to_num": lambda L, x: L.nan_to_num(L.log(x), posinf=1.0),
    "cdist": lambda L, x: L.cdist(x.reshape(2, 2, 3), x[:2, :3]),
    "cdist_p3": lambda L, x: L.cdist(x.reshape(2, 2, 3), x[:2, :3], p=3),
    "cdist_mm": lambda L, x: L.cdist(x.reshape(4, 3).repeat(7, 1), x[:2, :3]),
    "cross": lambda L, x: L.linalg.cross(x[:, :3], x[:, 1:]),
}


@requires_torch
@pytest.mark.parametrize("name", TORCH_CASES)
def test_value_and_gradient_match_pytorch(name):
    data = _randn((3, 4), seed=7)
    x, tx = _leaf(data), torch.tensor(data, requires_grad=True)
    check_same(TORCH_CASES[name](mt, x), TORCH_CASES[name](torch, tx), [(x, tx)])


@requires_torch
def test_rounding_matches_pytorch():
    data = np.concatenate([HALVES, U, SPECIAL])
    for name in ("trunc", "ceil", "round", "frac", "signbit"):
        for dtype in (torch.float32, torch.float64):
            ours = getattr(mt, name)(T(data, dtype=getattr(mt, str(dtype)[6:])))
            theirs = getattr(torch, name)(torch.tensor(data, dtype=dtype))
            assert_close(ours, theirs.numpy(), rtol=0, atol=0, msg=f"{name} {dtype}")
    for decimals in (-2, 1, 3):
        assert_close(mt.round(T(U.astype(np.float32)), decimals=decimals),
                     torch.round(torch.tensor(U, dtype=torch.float32), decimals=decimals).numpy())


@requires_torch
def test_searching_matches_pytorch():
    x = np.random.default_rng(4).integers(0, 6, 20)
    for ours, theirs in zip(mt.unique(T(x), return_inverse=True, return_counts=True),
                            torch.unique(torch.tensor(x), return_inverse=True,
                                         return_counts=True)):
        assert ours.tolist() == theirs.tolist()
    assert mt.bincount(T(x), minlength=9).tolist() == torch.bincount(torch.tensor(x),
                                                                     minlength=9).tolist()
    bounds = np.array([0.5, 2.0, 2.0, 4.0])
    for right in (False, True):
        assert mt.bucketize(T(x), T(bounds), right=right).tolist() == torch.bucketize(
            torch.tensor(x), torch.tensor(bounds), right=right).tolist()


# -- errors ----------------------------------------------------------------------------------------
M = mt.ones(2, 3)
ERRORS = {
    "round_decimals_of_integers": (lambda: mt.round(T([1]), decimals=1), RuntimeError,
                                   "decimals is only supported for floating point tensors, "
                                   "got int64"),
    "frac_of_integers": (lambda: mt.frac(T([1])), RuntimeError,
                         "expected a floating point tensor, got int64"),
    "copysign_scalar_first": (lambda: mt.copysign(2, M), TypeError,
                              "the first argument must be a Tensor, got int"),
    "heaviside_dtypes": (lambda: mt.heaviside(M, T([1])), RuntimeError,
                         "must have the same dtype, got float32 and int64"),
    "hypot_integers": (lambda: mt.hypot(T([3]), T([4])), RuntimeError,
                       "expected floating point tensors, got int64 and int64"),
    "xlogy_two_scalars": (lambda: mt.xlogy(1.0, 2.0), TypeError,
                          "expected at least one Tensor, got float and float"),
    "bincount_negative": (lambda: mt.bincount(T([0, -1])), RuntimeError,
                          "non-negative integral inputs, got the value -1"),
    "bincount_float": (lambda: mt.bincount(T([0.0])), RuntimeError,
                       "got a 1-D float32 tensor"),
    "bincount_weights_length": (lambda: mt.bincount(T([0, 1]), T([1.0])), RuntimeError,
                                r"same length as input, got shape \(1,\) for an input of shape "
                                r"\(2,\)"),
    "bincount_minlength": (lambda: mt.bincount(T([0]), minlength=-1), RuntimeError,
                           "minlength should be >= 0, got -1"),
    "searchsorted_side": (lambda: mt.searchsorted(T([1]), T([1]), side="middle"),
                          RuntimeError, "side can only be 'left' or 'right' but got 'middle'"),
    "searchsorted_opposites": (lambda: mt.searchsorted(T([1]), T([1]), side="left",
                                                       right=True),
                               RuntimeError, "side and right can't be set to opposites"),
    "searchsorted_shapes": (lambda: mt.searchsorted(mt.ones(2, 4), mt.ones(3)), RuntimeError,
                            r"boundaries tensor \[2, 4\] and input value tensor \[3\]"),
    "searchsorted_0d": (lambda: mt.searchsorted(T(1.0), T([1.0])), RuntimeError,
                        "should have positive dimension, but got 0 dimension"),
    "searchsorted_sorter_range": (lambda: mt.searchsorted(T([1, 2]), T([1]),
                                                          sorter=T([0, 2])), IndexError,
                                  "index 2 is out of bounds for dimension 0 with size 2"),
    "bucketize_2d": (lambda: mt.bucketize(T([1]), M), RuntimeError,
                     r"boundaries tensor must be 1 dimension, but got dim\(2\)"),
    "cdist_1d": (lambda: mt.cdist(mt.ones(3), M), RuntimeError,
                 "cdist only supports at least 2D tensors, X1 got: 1D"),
    "cdist_columns": (lambda: mt.cdist(M, mt.ones(2, 4)), RuntimeError,
                      "X1 and X2 must have the same number of columns. X1: 3 X2: 4"),
    "cdist_integers": (lambda: mt.cdist(M.long(), M.long()), RuntimeError,
                       "floating-point dtypes, X1 got: int64"),
    "cdist_negative_p": (lambda: mt.cdist(M, M, -1), RuntimeError,
                         "non-negative p values, got p=-1"),
    "cdist_mode": (lambda: mt.cdist(M, M, compute_mode="fast"), ValueError,
                   "fast is not a valid value for compute_mode"),
    "cross_length": (lambda: mt.linalg.cross(M, M, dim=0), RuntimeError,
                     "inputs dimension 0 must have length 3. Got 2 and 2"),
    "cross_no_size_3": (lambda: mt.cross(mt.ones(2, 2), mt.ones(2, 2)), RuntimeError,
                        r"no dimension of size 3 in input of shape \(2, 2\)"),
    "cross_dtypes": (lambda: mt.linalg.cross(M, M.double()), RuntimeError,
                     "same dtype, got float32 and float64"),
}


@pytest.mark.parametrize("name", ERRORS)
def test_bad_arguments_raise_clear_errors(name):
    fn, exc, message = ERRORS[name]
    with pytest.raises(exc, match=message):
        fn()
