"""Conformance: reductions (sum, prod, amax, amin, argmax, argmin and the composites built on
them) against NumPy, over dims, with keepdim, across dtypes and layouts, 0-d and empty."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import microtorch_core as mt
from microtorch_core.testing import assert_close, random_array
from microtorch_core.testing.layouts import LAYOUTS, make_layout
from pytest_microtorch import op_params

DIMS = [None, 0, -1, (0, 2), (2, 0, 1)]
REDUCE = {"sum": np.sum, "prod": np.prod, "amax": np.max, "amin": np.min}


def _axis(dim):
    return tuple(dim) if isinstance(dim, tuple) else dim


def _result_dtype(op: str, dtype: str) -> str:
    return "int64" if op in ("sum", "prod") and dtype in ("int32", "int64", "bool") else dtype


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", DIMS)
@pytest.mark.parametrize("op", op_params(*REDUCE))
def test_reduction_over_dims(device, op, dim, keepdim):
    x = random_array((2, 3, 4), "float64", 0.5, 1.5)
    t = mt.tensor(x, device=device)
    out = getattr(mt, op)(t, dim, keepdim) if dim is not None else getattr(mt, op)(t)
    expected = REDUCE[op](x, axis=_axis(dim), keepdims=keepdim and dim is not None)
    assert_close(out, np.asarray(expected))


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32", "bool"])
@pytest.mark.parametrize("op", op_params(*REDUCE))
def test_reduction_dtypes(device, op, dtype):
    x = random_array((3, 5), dtype, -3, 3)
    out = getattr(mt, op)(mt.tensor(x, device=device), 1)
    expected = REDUCE[op](x.astype(_result_dtype(op, dtype)), axis=1)
    assert_close(out, expected, rtol=1e-5)


@pytest.mark.parametrize("dtype", ["float32", "int32", "bool"])
@pytest.mark.parametrize("op", op_params(*REDUCE))
def test_reduction_over_the_batch_and_spatial_dims(device, op, dtype):
    # a batch norm's statistics: the outer and the inner dims of (N, C, H, W), kept C between
    x = random_array((4, 3, 2, 5), dtype, -2, 2)
    out = getattr(mt, op)(mt.tensor(x, device=device), (0, 2, 3), True)
    expected = REDUCE[op](x.astype(_result_dtype(op, dtype)), axis=(0, 2, 3), keepdims=True)
    assert_close(out, expected, rtol=1e-5)


@pytest.mark.parametrize("length", [2, 16, 128, 129])
def test_float32_sum_over_a_short_last_dim_is_rounded_as_numpy_rounds(device, length):
    # rows of attention scores or layer-norm features: within float32 rounding of the sum
    x = random_array((64, 8, length), "float32", -1, 1)
    x[0, 0, :2] = [np.inf, 1.0]
    out = mt.sum(mt.tensor(x, device=device), -1)
    assert_close(out, x.astype(np.float64).sum(-1).astype(np.float32), rtol=2e-6, atol=2e-6)


@pytest.mark.parametrize("dims", [(0,), (0, 1)])
def test_float32_sum_over_the_leading_dims_is_within_rounding(device, dims):
    # a bias gradient: the sum over every row of a batch, here of up to 4096 rows; adding
    # them one after another in float32 (NumPy's axis-0 sum) is off by about 1e-4
    x = random_array((64, 64, 32), "float32", -1, 1)
    out = mt.sum(mt.tensor(x, device=device), dims)
    assert_close(out, x.astype(np.float64).sum(dims).astype(np.float32), rtol=1e-5, atol=1e-3)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("op", op_params(*REDUCE))
def test_reduction_on_strided_input(device, op, layout):
    t, x = make_layout(random_array((4, 6), "float32", 0.5, 1.5), layout, device)
    assert_close(getattr(mt, op)(t, 0), REDUCE[op](x, axis=0), rtol=1e-5)
    assert_close(getattr(mt, op)(t, (0, 1)), np.asarray(REDUCE[op](x)), rtol=1e-5)


@pytest.mark.parametrize("op", op_params("argmax", "argmin"))
def test_arg_reductions(device, op):
    x = random_array((3, 4, 5), "float32")
    t = mt.tensor(x, device=device)
    ref = getattr(np, op)
    assert_close(getattr(t, op)(), np.asarray(ref(x)))
    for dim in (0, 1, -1):
        assert_close(getattr(t, op)(dim), ref(x, axis=dim))
        assert_close(getattr(t, op)(dim, keepdim=True), ref(x, axis=dim, keepdims=True))
    t_view, x_view = make_layout(x[0], "transposed", device)
    assert_close(getattr(t_view, op)(0), ref(x_view, axis=0))


@pytest.mark.parametrize("op", op_params("argmax", "argmin"))
@pytest.mark.parametrize("dtype", ["int64", "int32", "bool", "float64"])
def test_arg_reductions_pick_the_first_tie(device, op, dtype):
    x = np.array([[1, 3, 3, 0, 0], [2, 2, 2, 2, 2]]).astype(dtype)
    assert_close(getattr(mt.tensor(x, device=device), op)(1), getattr(np, op)(x, axis=1))


def test_max_and_min_with_dim_return_values_and_indices(device):
    x = random_array((3, 4), "float32")
    t = mt.tensor(x, device=device)
    values, indices = t.max(1)
    assert_close(values, x.max(1))
    assert_close(indices, x.argmax(1))
    values, indices = mt.min(t, 0, keepdim=True)
    assert_close(values, x.min(0, keepdims=True))
    assert_close(indices, x.argmin(0, keepdims=True))
    assert_close(t.max(), np.asarray(x.max()))


def test_amax_propagates_nan(device):
    t = mt.tensor([[1.0, float("nan")], [3.0, 2.0]], device=device)
    assert_close(t.amax(1), np.float32([np.nan, 3.0]))
    assert_close(t.amin(1), np.float32([np.nan, 2.0]))


@pytest.mark.parametrize("dim", [None, 1, (0, 1)])
def test_mean_var_std(device, dim):
    x = random_array((4, 5, 2), "float64")
    t = mt.tensor(x, device=device)
    axis = _axis(dim)
    assert_close(t.mean(dim), np.asarray(x.mean(axis=axis)))
    assert_close(t.var(dim), np.asarray(x.var(axis=axis, ddof=1)))
    assert_close(t.std(dim), np.asarray(x.std(axis=axis, ddof=1)))
    assert_close(t.var(dim, correction=0), np.asarray(x.var(axis=axis)))
    assert_close(t.mean(dim, keepdim=True) if dim is not None else t.mean(),
                 np.asarray(x.mean(axis=axis, keepdims=dim is not None)))


def test_mean_of_integers_needs_a_dtype(device):
    t = mt.tensor([1, 2, 4], device=device)
    with pytest.raises(RuntimeError, match="floating point"):
        t.mean()
    assert_close(t.mean(dtype=mt.float64), np.float64(7 / 3))


@pytest.mark.parametrize("dim", [0, -1, (0, 1)])
def test_logsumexp(device, dim):
    x = random_array((3, 4), "float64", -50, 50)
    t = mt.tensor(x, device=device)
    m = x.max(axis=dim, keepdims=True)
    expected = np.log(np.exp(x - m).sum(axis=dim, keepdims=True)) + m
    assert_close(t.logsumexp(dim, keepdim=True), expected)
    assert_close(t.logsumexp(dim), expected.squeeze(axis=dim))


def test_logsumexp_of_minus_infinity(device):
    t = mt.tensor([[-np.inf, -np.inf], [0.0, -np.inf]], device=device)
    assert_close(t.logsumexp(1), np.float32([-np.inf, 0.0]))


def _softmax(x: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_and_log_softmax(device, dim):
    x = random_array((3, 4, 2), "float64", -30, 30)
    t = mt.tensor(x, device=device)
    assert_close(t.softmax(dim), _softmax(x, dim))
    assert_close(t.log_softmax(dim), np.log(_softmax(x, dim)), atol=1e-6)
    assert_close(t.transpose(0, 2).softmax(dim), _softmax(x.transpose(2, 1, 0), dim))


def test_softmax_of_an_all_minus_infinity_row_is_nan_without_warnings(device):
    t = mt.tensor([[-np.inf, -np.inf], [0.0, -np.inf]], device=device)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert_close(t.softmax(1), np.float32([[np.nan, np.nan], [1.0, 0.0]]))


def test_softmax_of_large_values_is_finite(device):
    t = mt.tensor([1000.0, 1000.0, -1000.0], device=device)
    assert_close(t.softmax(0), np.float32([0.5, 0.5, 0.0]))


def test_all_and_any(device):
    x = np.array([[True, False, True], [True, True, True]])
    t = mt.tensor(x, device=device)
    assert_close(t.all(), np.asarray(x.all()))
    assert_close(t.any(1), x.any(1))
    assert_close(mt.tensor([0, 2], device=device).all(), np.asarray(False))
    assert_close(mt.tensor([0.0, 0.5], device=device).any(), np.asarray(True))


# -- 0-d, empty and large --------------------------------------------------------------------
def test_reductions_of_0d_tensors(device):
    t = mt.tensor(2.5, device=device)
    for op in ("sum", "prod", "amax", "amin", "mean"):
        assert_close(getattr(t, op)(), np.float32(2.5), msg=op)
    assert_close(t.argmax(), np.asarray(0))
    assert_close(t.sum(0), np.float32(2.5))


def test_reductions_over_zero_size_dims_give_identities(device):
    t = mt.zeros(2, 0, device=device)
    assert_close(t.sum(1), np.float32([0.0, 0.0]))
    assert_close(t.prod(1), np.float32([1.0, 1.0]))
    assert_close(t.sum(0), np.zeros((0,), np.float32))
    assert_close(t.sum(), np.float32(0.0))
    assert np.isnan(t.mean().item())
    assert_close(t.all(), np.asarray(True))
    assert_close(t.any(), np.asarray(False))
    assert_close(t.all(1), np.array([True, True]))
    assert_close(t.any(1, keepdim=True), np.zeros((2, 1), bool))
    assert_close(t.any(0), np.zeros((0,), bool))


@pytest.mark.parametrize("op", ["amax", "amin", "argmax", "argmin", "max"])
def test_extreme_of_empty_dim_raises(device, op):
    with pytest.raises(IndexError, match="zero-size"):
        getattr(mt.zeros(2, 0, device=device), op)(1)


def test_large_reductions(device):
    x = random_array(((1 << 20) + 3,), "float32", 0, 1)
    t = mt.tensor(x, device=device)
    assert_close(t.sum(), np.float32(x.astype(np.float64).sum()), rtol=1e-5)
    assert_close(t.amax(), np.asarray(x.max()))
    assert_close(t.argmin(), np.asarray(x.argmin()))
    rows = t[: 1 << 20].reshape(1024, 1024)
    assert_close(rows.sum(1), x[: 1 << 20].reshape(1024, 1024).sum(1), rtol=1e-5)
