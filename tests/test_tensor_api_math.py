"""The elementwise ops, in-place forms, integer ops, linear algebra, statistics and view
scatters added with the PyTorch-API catch-up (ops/composite/pointwise.py, float_parts.py,
integer.py, inplace_more.py, linalg_more.py, quantiles.py, scatter_views.py): values against
PyTorch and NumPy, gradients against finite differences, and PyTorch's errors."""

import math

import numpy as np
import pytest
from torch_reference import randn, requires_torch, torch

import microtorch_core as mt
from microtorch_core.autograd.gradcheck import gradcheck
from microtorch_core.testing import assert_close

INF, NAN = math.inf, math.nan
A = randn((3, 4), 0)
B = randn((3, 4), 1)
T = mt.tensor


def _leaf(data):
    return mt.tensor(np.asarray(data, dtype=np.float64), requires_grad=True)


# -- values against PyTorch -----------------------------------------------------------------------
TORCH_CASES = {
    "logaddexp": ("logaddexp", [[1.0, -INF, INF, INF, NAN, 1000.0, -3.0]],
                  [[2.0, -INF, INF, -INF, 1.0, 1000.0, 40.0]]),
    "logaddexp2": ("logaddexp2", [[1.0, -INF, INF, 1000.0, -3.0]],
                   [[2.0, -INF, -INF, 1000.0, 40.0]]),
    "fmax": ("fmax", [[NAN, 1.0, NAN, -0.5]], [[2.0, NAN, NAN, -0.5]]),
    "fmin": ("fmin", [[NAN, 1.0, NAN, 3.0]], [[2.0, NAN, NAN, -1.0]]),
    "fmod": ("fmod", [[-3.0, 3.0, -3.0, 5.5, INF, 1.0, -0.0]],
             [[2.0, -2.0, 0.0, 1.5, 2.0, INF, 1.0]]),
    "float_power": ("float_power", [[2.0, 0.5, 3.0]], [[3.0, -1.0, 0.5]]),
    "deg2rad": ("deg2rad", [[180.0, -90.0, 1.0]]),
    "rad2deg": ("rad2deg", [[math.pi, -1.0, 0.0]]),
    "isposinf": ("isposinf", [[INF, -INF, NAN, 1.0]]),
    "isneginf": ("isneginf", [[INF, -INF, NAN, 1.0]]),
    "isreal": ("isreal", [[NAN, 1.0]]),
    "sgn": ("sgn", [[-2.0, 0.0, 3.0]]),
    "negative": ("negative", [[-2.0, 0.0, 3.0]]),
    "absolute": ("absolute", [[-2.0, 0.0, 3.0]]),
    "ldexp": ("ldexp", [[1.0, -3.0, 0.75]], ("int", [3, -2, 10])),
}


def _operand(spec, lib):
    if isinstance(spec, tuple):
        return lib.tensor(spec[1], dtype=lib.int64)
    return lib.tensor(np.asarray(spec[0], dtype=np.float64))


@requires_torch
@pytest.mark.parametrize("name", TORCH_CASES)
def test_values_match_pytorch(name):
    fn, *specs = TORCH_CASES[name]
    ours = getattr(mt, fn)(*(_operand(s, mt) for s in specs))
    theirs = getattr(torch, fn)(*(_operand(s, torch) for s in specs))
    assert ours.dtype.name == str(theirs.dtype).removeprefix("torch.")
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-13, equal_nan=True)


def test_logaddexp_does_not_overflow_and_handles_equal_infinities():
    out = mt.logaddexp(T([1000.0, -INF, INF]), T([1000.0, -INF, INF]))
    assert_close(out, np.array([1000.0 + math.log(2), -INF, INF], dtype=np.float32))


@pytest.mark.parametrize("fn", [mt.logaddexp, mt.logaddexp2])
def test_logaddexp_refuses_integers_and_python_numbers(fn):
    with pytest.raises(NotImplementedError, match="int64"):
        fn(T([1, 2]), T([1, 2]))
    with pytest.raises(TypeError, match=r"'other' \(position 2\) must be Tensor, not float"):
        fn(T([1.0]), 2.0)


def test_fmod_takes_the_sign_of_the_dividend_where_remainder_takes_the_divisors():
    a, b = T([-7.0, 7.0, -7.0]), T([3.0, -3.0, -3.0])
    assert mt.fmod(a, b).tolist() == [-1.0, 1.0, -1.0]
    assert mt.remainder(a, b).tolist() == [2.0, -2.0, -1.0]
    assert mt.fmod(T([-7, 7]), 3).tolist() == [-1, 1] and mt.fmod(T([5]), 1.5).tolist() == [0.5]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fmod_is_exact_for_any_quotient_as_numpy(dtype):
    rng = np.random.default_rng(3)
    a = (rng.standard_normal(300) * 10.0 ** rng.integers(-30, 30, 300)).astype(dtype)
    b = (rng.standard_normal(300) * 10.0 ** rng.integers(-30, 30, 300)).astype(dtype)
    big = 1e300 if dtype is np.float64 else 1e30
    a[:3], b[:3] = [big, big, -big], [3.0, 1e-30, 7.0]
    out = mt.fmod(mt.tensor(a), mt.tensor(b)).numpy()
    assert np.array_equal(out, np.fmod(a, b))


def test_fmod_of_integers_by_zero_raises():
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        mt.fmod(T([1]), 0)


def test_frexp_splits_exactly_as_numpy_including_subnormals():
    x = np.array([0.0, 1.0, 8.0, -0.3, 1e-310, 5e-324, 1e300, 3.0, INF, NAN])
    mantissa, exponent = mt.frexp(mt.tensor(x))
    ref_m, ref_e = np.frexp(x)
    assert np.array_equal(mantissa.numpy(), ref_m, equal_nan=True)
    assert exponent.dtype is mt.int32 and np.array_equal(exponent.numpy(), ref_e)


def test_frexp_refuses_integers():
    with pytest.raises(RuntimeError, match="only supports floating-point dtypes"):
        mt.frexp(T([1]))


@requires_torch
def test_frexp_mantissa_gradient_is_grad_over_two_to_the_exponent_as_torch():
    data = [0.3, -5.0, 1e-310, 7.5e3, 0.0]  # a subnormal: 3 * 2**1029 overflows to inf
    x = mt.tensor(data, dtype=mt.float64, requires_grad=True)
    tx = torch.tensor(data, dtype=torch.float64, requires_grad=True)
    mantissa, exponent = mt.frexp(x)
    assert not exponent.requires_grad
    (mantissa * T([1.0, 2.0, 3.0, 4.0, 5.0])).sum().backward()
    (torch.frexp(tx).mantissa * torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0])).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())


ROUNDING = {
    "floor": lambda m, a, b: m.floor(a), "ceil": lambda m, a, b: m.ceil(a),
    "trunc": lambda m, a, b: m.trunc(a), "round": lambda m, a, b: m.round(a),
    "round_decimals": lambda m, a, b: m.round(a, decimals=2),
    "div_trunc": lambda m, a, b: m.div(a, b, rounding_mode="trunc"),
    "div_floor": lambda m, a, b: m.div(a, b, rounding_mode="floor"),
}


@requires_torch
@pytest.mark.parametrize("name", ROUNDING)
def test_rounded_outputs_are_differentiable_with_zero_gradient_as_torch(name):
    a_data, b_data = [[1.5, -2.25, 7.0]], [[2.0], [-0.5]]  # b broadcasts against a
    a, b = mt.tensor(a_data, requires_grad=True), mt.tensor(b_data, requires_grad=True)
    ta = torch.tensor(a_data, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(b_data, dtype=torch.float64, requires_grad=True)
    out, ref = ROUNDING[name](mt, a, b), ROUNDING[name](torch, ta, tb)
    assert out.requires_grad and out.grad_fn is not None
    np.testing.assert_array_equal(out.detach().numpy(), ref.detach().numpy())
    out.sum().backward()
    ref.sum().backward()
    for ours, theirs in ((a, ta), (b, tb)):
        if theirs.grad is None:
            assert ours.grad is None
        else:
            assert ours.grad.shape == tuple(theirs.grad.shape)
            np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())


def test_rounding_integers_records_no_graph():
    assert not mt.floor(T([1, 2])).requires_grad
    assert not mt.div(T([3, 4]), 2, rounding_mode="floor").requires_grad


def test_float_power_computes_in_float64():
    out = T([2]).float_power(3)
    assert out.dtype is mt.float64 and out.item() == 8.0


def test_float_power_in_place_needs_a_float64_tensor():
    with pytest.raises(RuntimeError, match="has dtype float32 but the operation's result "
                                           "requires dtype float64"):
        T([2.0]).float_power_(2)
    assert T([2.0], dtype=mt.float64).float_power_(0.5).tolist() == [math.sqrt(2)]


def test_positive_returns_the_tensor_and_refuses_bool():
    x = T([1, -2])
    assert mt.positive(x) is x
    with pytest.raises(RuntimeError, match="`\\+` operator, on a bool tensor"):
        T([True]).positive()


def test_logical_xor_matches_numpy_and_wants_a_tensor():
    out = mt.logical_xor(T([1.0, 0.0, 2.0]), T([1, 1, 0]))
    assert out.dtype is mt.bool and out.tolist() == [False, True, True]
    with pytest.raises(TypeError, match=r"'other' \(position 2\) must be Tensor, not int"):
        T([1.0]).logical_xor(2)


def test_isposinf_and_isneginf_of_integers_are_false():
    assert T([1, 2]).isposinf().tolist() == [False, False]
    assert T([True]).isneginf().tolist() == [False]


# -- gcd and lcm ----------------------------------------------------------------------------------
def test_gcd_and_lcm_match_numpy():
    rng = np.random.default_rng(0)
    a, b = rng.integers(-10 ** 6, 10 ** 6, 200), rng.integers(-10 ** 6, 10 ** 6, 200)
    a[:4], b[:4] = [0, 0, 7, 2 ** 40], [0, 5, 0, 3 * 2 ** 20]
    assert np.array_equal(mt.gcd(T(a), T(b)).numpy(), np.gcd(a, b))
    small_a, small_b = a % 1000, b % 1000
    assert np.array_equal(T(small_a).lcm(T(small_b)).numpy(), np.lcm(small_a, small_b))


def test_gcd_broadcasts_and_keeps_int32():
    out = mt.gcd(T([[12], [9]], dtype=mt.int32), T([8, 6, 3], dtype=mt.int32))
    assert out.dtype is mt.int32 and out.tolist() == [[4, 6, 3], [1, 3, 3]]


def test_gcd_refuses_floats_and_python_numbers():
    with pytest.raises(RuntimeError, match="not implemented for float32"):
        mt.gcd(T([1.0]), T([2.0]))
    with pytest.raises(TypeError, match="'other' must be Tensor, not int"):
        mt.gcd(T([1]), 2)


# -- in-place forms -------------------------------------------------------------------------------
@pytest.mark.parametrize("name, reference", [
    ("eq_", np.equal), ("ne_", np.not_equal), ("lt_", np.less), ("le_", np.less_equal),
    ("gt_", np.greater), ("ge_", np.greater_equal), ("greater_equal_", np.greater_equal)])
def test_inplace_comparisons_write_the_tensors_dtype(name, reference):
    x = T([1.5, -2.0, 0.0])
    out = getattr(x, name)(T([1.5, 0.0, 0.0]))
    assert out is x and x.dtype is mt.float32
    expected = reference(np.array([1.5, -2.0, 0.0]), np.array([1.5, 0.0, 0.0]))
    assert x.tolist() == expected.astype(np.float32).tolist()


def test_inplace_comparison_refuses_a_larger_broadcast_shape():
    with pytest.raises(RuntimeError, match=r"eq_: output with shape \[2\] doesn't match the "
                                           r"broadcast shape \[2, 2\]"):
        T([1, 2]).eq_(mt.ones(2, 2))


def test_inplace_comparison_of_a_graph_tensor_gives_a_zero_gradient():
    a = _leaf([1.0, 2.0])
    y = a * 1
    y.lt_(1.5)
    assert y.tolist() == [1.0, 0.0]
    (y * 3).sum().backward()
    assert a.grad.tolist() == [0.0, 0.0]


def test_inplace_logical_ops_write_ones_and_zeros():
    assert T([4.0, 0.0]).logical_and_(T([1.0, 1.0])).tolist() == [1.0, 0.0]
    assert T([4, 0]).logical_not_().tolist() == [0, 1]
    assert T([4.0, 0.0]).logical_xor_(T([1, 1])).tolist() == [0.0, 1.0]
    assert T([True, False]).logical_or_(T([0.5, 0.0])).tolist() == [True, False]


def test_inplace_aliases_and_unary_forms():
    x = T([4.0, 2.0])
    assert x.divide_(2).multiply_(3).subtract_(1, alpha=2).tolist() == [4.0, 1.0]
    assert x.true_divide_(2).negative_().tolist() == [-2.0, -0.5]
    assert x.square_().tolist() == [4.0, 0.25] and x.rsqrt_().tolist() == [0.5, 2.0]
    assert x.reciprocal_().tolist() == [2.0, 0.5]
    assert T([5, -7]).floor_divide_(2).tolist() == [2, -4]
    assert T([5, -7]).remainder_(3).tolist() == [2, 2]
    assert T([-7.0]).fmod_(3).tolist() == [-1.0] and T([12, 18]).gcd_(T([8, 4])).tolist() == [4, 2]


def test_inplace_float_results_are_refused_for_integer_tensors():
    with pytest.raises(RuntimeError, match="rsqrt_: result type float32 can't be cast to the "
                                           "desired output type int64"):
        T([4, 2]).rsqrt_()


# -- gradients by finite differences --------------------------------------------------------------
GRAD_CASES = {
    "logaddexp": lambda a, b: mt.logaddexp(a, b),
    "logaddexp2": lambda a, b: mt.logaddexp2(a, b),
    "fmax": lambda a, b: mt.fmax(a, b),
    "fmin": lambda a, b: a.fmin(b),
    "fmod": lambda a, b: mt.fmod(a * 4, b),
    "float_power": lambda a, b: mt.float_power(a.abs() + 0.5, b),
    "inner": lambda a, b: mt.inner(a, b),
    "dist": lambda a, b: mt.dist(a, b, 3),
    "cov": lambda a, b: mt.cov(a * b),
    "corrcoef": lambda a, b: mt.corrcoef(a + b),
    "quantile": lambda a, b: mt.quantile(a, 0.3, dim=1),
    "nanquantile_midpoint": lambda a, b: mt.nanquantile(b, 0.6, 0, interpolation="midpoint"),
    "select_scatter": lambda a, b: mt.select_scatter(a, b[1], 0, 1),
    "slice_scatter": lambda a, b: mt.slice_scatter(a, b[:, 1:3], 1, 1, 3),
    "diagonal_scatter": lambda a, b: mt.diagonal_scatter(a, b[0, :3], 1),
    "diagflat": lambda a, b: mt.diagflat(a[:2], -1),
    "matrix_power": lambda a, b: mt.matrix_power(a[:, :3] + b[:, :3], 3),
    "matrix_power_negative": lambda a, b: mt.linalg.matrix_power(a[:, :3] + 3 * mt.eye(
        3, dtype=mt.float64), -2),
    "matrix_norm_inf": lambda a, b: mt.linalg.matrix_norm(a, math.inf),
    "renorm": lambda a, b: mt.renorm(a, 2, 0, 1.5),
}


@pytest.mark.parametrize("name", GRAD_CASES)
def test_gradients_match_finite_differences(name):
    assert gradcheck(GRAD_CASES[name], (_leaf(A), _leaf(B)))


# -- linear algebra and statistics against NumPy and PyTorch --------------------------------------
NUMPY_CASES = {
    "inner": (lambda: mt.inner(T(A), T(B)), np.inner(A, B)),
    "inner_scalar": (lambda: mt.inner(T(2.0), T(B)), 2.0 * B),
    "dist": (lambda: T(A).dist(T(B)), np.linalg.norm(A - B)),
    "dist_p1": (lambda: mt.dist(T(A), T(B), 1), np.abs(A - B).sum()),
    "matrix_power": (lambda: mt.matrix_power(T(A[:, :3]), 5), np.linalg.matrix_power(A[:, :3], 5)),
    "matrix_power_zero": (lambda: T(A[:, :3]).matrix_power(0), np.eye(3)),
    "matrix_power_negative": (lambda: mt.linalg.matrix_power(T(A[:, :3]), -3),
                              np.linalg.matrix_power(A[:, :3], -3)),
    "matrix_power_batched": (lambda: mt.matrix_power(T(randn((2, 2, 2), 5)), 3),
                             np.linalg.matrix_power(randn((2, 2, 2), 5), 3)),
    "matrix_norm_fro": (lambda: mt.linalg.matrix_norm(T(A)), np.linalg.norm(A, "fro")),
    "matrix_norm_1": (lambda: mt.linalg.matrix_norm(T(A), 1), np.linalg.norm(A, 1)),
    "matrix_norm_minus_inf": (lambda: mt.linalg.matrix_norm(T(A), -INF), np.linalg.norm(A, -INF)),
    "norm_matrix_ord": (lambda: mt.linalg.norm(T(A), INF), np.linalg.norm(A, INF)),
    "norm_all": (lambda: mt.linalg.norm(T(randn((2, 3, 4), 2))),
                 np.linalg.norm(randn((2, 3, 4), 2).ravel())),
    "norm_vector_dim": (lambda: mt.linalg.norm(T(A), 3, dim=1), np.linalg.norm(A, 3, axis=1)),
    "cov": (lambda: mt.cov(T(A)), np.cov(A)),
    "cov_vector": (lambda: T(A[0]).cov(), np.cov(A[0])),
    "cov_weights": (lambda: mt.cov(T(A), correction=0, fweights=T([1, 2, 1, 3]),
                                   aweights=T(np.array([0.5, 1.0, 2.0, 0.1]))),
                    np.cov(A, ddof=0, fweights=[1, 2, 1, 3], aweights=[0.5, 1.0, 2.0, 0.1])),
    "corrcoef": (lambda: mt.corrcoef(T(A)), np.corrcoef(A)),
    "renorm": (lambda: mt.renorm(T(A), 1, 1, 1.0),
               A * np.minimum(1.0, 1.0 / (np.abs(A).sum(0) + 1e-7))),
    "diagflat": (lambda: T(A[:2, :2]).diagflat(1), np.diagflat(A[:2, :2], 1)),
    "nanmedian": (lambda: mt.nanmedian(T([[1.0, NAN, 3.0, 2.0]])), np.float32(2.0)),
}


@pytest.mark.parametrize("name", NUMPY_CASES)
def test_values_match_numpy(name):
    ours, expected = NUMPY_CASES[name]
    assert_close(ours(), expected)


@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "midpoint", "nearest"])
@pytest.mark.parametrize("fn", ["quantile", "nanquantile"])
def test_quantiles_match_numpy_in_every_interpolation_mode(fn, interpolation):
    x = randn((4, 9), 7)
    x[1, 3] = x[3, :5] = NAN
    q = np.array([0.0, 0.1, 0.5, 0.77, 1.0])
    ours = getattr(mt, fn)(T(x), T(q), dim=1, keepdim=True, interpolation=interpolation)
    expected = getattr(np, fn)(x, q, axis=1, keepdims=True, method=interpolation)
    assert ours.shape == expected.shape
    np.testing.assert_allclose(ours.numpy(), expected, rtol=1e-12, equal_nan=True)


def test_quantile_of_a_scalar_q_over_all_elements():
    assert_close(T(A).quantile(0.25), np.quantile(A, 0.25))
    assert mt.quantile(T(A), 0.5, keepdim=True).shape == (1, 1)


@requires_torch
@pytest.mark.parametrize("q", [0.5, [0.2, 0.9]])
def test_quantile_keepdim_of_a_0d_input_adds_no_dims_as_torch(q):
    x, tx = T(3.0), torch.tensor(3.0)
    qs, tqs = (T(q), torch.tensor(q)) if isinstance(q, list) else (q, q)
    assert mt.quantile(x, qs, dim=0, keepdim=True).shape == \
        tuple(torch.quantile(tx, tqs, dim=0, keepdim=True).shape)
    assert mt.nanquantile(x, qs, keepdim=True).shape == \
        tuple(torch.nanquantile(tx, tqs, keepdim=True).shape)


@requires_torch
@pytest.mark.parametrize("interpolation", ["linear", "lower", "midpoint"])
@pytest.mark.parametrize("fn", ["quantile", "nanquantile"])
def test_quantile_gradient_of_a_tensor_q_matches_torch(fn, interpolation):
    data, q_data = [[-6.25, 0.3, NAN, 4.0], [1.0, -2.0, 0.5, 3.0]], [0.97, 0.3, 0.0]
    x, q = _leaf(data), _leaf(q_data)
    tx = torch.tensor(data, dtype=torch.float64, requires_grad=True)
    tq = torch.tensor(q_data, dtype=torch.float64, requires_grad=True)
    out = getattr(mt, fn)(x, q, dim=1, interpolation=interpolation)
    ref = getattr(torch, fn)(tx, tq, dim=1, interpolation=interpolation)
    out.sum().backward()
    ref.sum().backward()
    if tq.grad is None:  # only linear interpolation differentiates q
        assert q.grad is None
    else:
        np.testing.assert_allclose(q.grad.numpy(), tq.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("call, message", [
    (lambda: mt.quantile(mt.ones(3), 1.5), r"q must be in the range \[0, 1\] but got 1.5"),
    (lambda: mt.quantile(T([1, 2]), 0.5), "input tensor must be either float or double"),
    (lambda: mt.quantile(mt.ones(3), T([0.5], dtype=mt.float64)), "same dtype as the input"),
    (lambda: mt.quantile(mt.ones(3), 0.5, interpolation="foo"), "but got foo"),
    (lambda: mt.quantile(mt.ones(3), mt.ones(2, 2)), "q must be a scalar or 1D tensor"),
    (lambda: mt.nanquantile(mt.ones(0), 0.5), "input tensor must be non-empty"),
])
def test_quantile_errors_as_pytorch(call, message):
    with pytest.raises(RuntimeError, match=message):
        call()


@requires_torch
def test_nanmedian_along_a_dim_matches_pytorch():
    x = randn((3, 6), 4)
    x[0, 1] = x[2, 2] = x[2, 4] = NAN
    ours, theirs = mt.nanmedian(T(x), 1), torch.nanmedian(torch.tensor(x), 1)
    assert_close(ours.values, theirs.values.numpy())
    assert ours.indices.tolist() == theirs.indices.tolist()


@requires_torch
def test_cov_with_too_few_observations_warns_and_gives_nan_as_pytorch():
    with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
        ours = mt.cov(mt.ones(2, 1))
    with pytest.warns(UserWarning):
        theirs = torch.cov(torch.ones(2, 1))
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@requires_torch
def test_cov_with_a_negative_weighted_norm_divides_by_plus_zero_as_pytorch():
    # aweights whose correction makes the norm negative: PyTorch zeroes it to +0, so the
    # positive entries become +inf (-0 made them -inf)
    x, w = [[-1.85, 6.73, -1.45], [0.95, 8.15, -8.35]], [0.932, 0.176, 0.270]
    with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
        ours = mt.cov(T(x), correction=2, aweights=T(w))
    with pytest.warns(UserWarning):
        theirs = torch.cov(torch.tensor(x), correction=2, aweights=torch.tensor(w))
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("call, error, message", [
    (lambda: mt.inner(mt.ones(2, 3), mt.ones(4)), RuntimeError,
     r"last dimension must match on both input tensors but got shapes \[2, 3\] and \[4\]"),
    (lambda: mt.linalg.matrix_power(mt.ones(2, 3), 2), RuntimeError,
     "square matrices, but they are 2 by 3 matrices"),
    (lambda: mt.linalg.matrix_power(mt.ones(2, 2), 2.0), TypeError, "must be int, not float"),
    (lambda: mt.matrix_power(mt.ones(2, 2, dtype=mt.int64), -1), RuntimeError,
     "Expected a floating point"),
    (lambda: mt.linalg.matrix_norm(mt.ones(3)), RuntimeError, "at least 2 dimensions"),
    (lambda: mt.linalg.matrix_norm(mt.ones(3, 3), 3), RuntimeError, "Order 3 not supported"),
    (lambda: mt.linalg.norm(mt.ones(3, 3, 3), 2), RuntimeError, "must be 1D or 2D. Got 3D"),
    (lambda: mt.cov(mt.ones(2, 2, 2)), RuntimeError, "two or fewer dimensions"),
    (lambda: mt.renorm(mt.ones(3), 2, 0, 1), RuntimeError, "at least 2 dimensions, got 1"),
    (lambda: mt.renorm(mt.ones(3, 3), 2, 0, -1), RuntimeError, "maxnorm to be >= 0 but got -1"),
    (lambda: mt.dist(T([1, 2]), T([1, 2])), RuntimeError, "floating point"),
])
def test_linalg_and_statistics_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


# -- view scatters --------------------------------------------------------------------------------
def test_select_and_slice_scatter_write_into_a_copy():
    x = mt.zeros(3, 4)
    out = mt.select_scatter(x, mt.ones(3), 1, -1)
    expected = np.zeros((3, 4))
    expected[:, -1] = 1
    assert_close(out, expected.astype(np.float32))
    assert x.sum().item() == 0
    out = x.slice_scatter(mt.ones(2, 4) * 2, 0, 0, None, 2)
    expected = np.zeros((3, 4))
    expected[::2] = 2
    assert_close(out, expected.astype(np.float32))


def test_diagonal_scatter_casts_src_to_the_inputs_dtype():
    out = mt.zeros(3, 3).diagonal_scatter(T([1.0, 2.0], dtype=mt.float64), -1)
    assert out.dtype is mt.float32 and out.tolist() == [[0, 0, 0], [1, 0, 0], [0, 2, 0]]


@pytest.mark.parametrize("call", [
    lambda: mt.select_scatter(mt.zeros(2, 3), mt.ones(3), 1, 0),
    lambda: mt.slice_scatter(mt.zeros(4, 3), mt.ones(3, 3), 0, 1, None, 2),
    lambda: mt.diagonal_scatter(mt.zeros(3, 3), mt.ones(2)),
])
def test_view_scatters_refuse_a_src_of_another_shape(call):
    with pytest.raises(RuntimeError, match="expected src to have a size equal to the slice of "
                                           "self"):
        call()


# -- NaN bounds of clamp, remainder of huge quotients ---------------------------------------------
CLAMP_NAN_BOUNDS = {  # the input holds a NaN too; PyTorch: NaN where any operand is, gradient 0
    "min_nan": dict(min=NAN), "max_nan": dict(max=NAN), "min_nan_max": dict(min=NAN, max=1.0),
    "min_max_nan": dict(min=0.0, max=NAN), "numbers": dict(min=0.0, max=1.0),
    "tensor_bounds": dict(min=[0.0, NAN, 0.0, 0.0, 0.0, 2.0], max=[1.0, 1.0, NAN, 1.0, 1.0, 1.0]),
}


@requires_torch
@pytest.mark.parametrize("bounds", CLAMP_NAN_BOUNDS.values(), ids=CLAMP_NAN_BOUNDS.keys())
def test_clamp_is_nan_with_zero_gradients_where_the_input_or_a_bound_is_nan(bounds):
    data = [NAN, -1.0, 0.5, 2.0, 0.0, 1.5]
    results = []
    for lib in (mt, torch):
        x = lib.tensor(data, dtype=lib.float64, requires_grad=True)
        kwargs = {k: lib.tensor(v, dtype=lib.float64, requires_grad=True)
                  if isinstance(v, list) else v for k, v in bounds.items()}
        out = lib.clamp(x, **kwargs)
        out.sum().backward()
        grads = [t.grad.tolist() for t in (x, *kwargs.values()) if isinstance(t, lib.Tensor)]
        results.append((out.tolist(), grads))
    np.testing.assert_equal(results[0], results[1])


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(("a", "b"), [(1e20, -11495.8), (-1e20, 11495.8), (1e30, 3.3),
                                      (-7.5, 2.0), (7.5, -2.0), (-1.0, INF), (INF, 2.0)])
def test_remainder_of_huge_quotients_is_exact_as_pytorchs(dtype, a, b):
    # a - floor(a / b) * b gave 0 for 1e20 % -11495.8; PyTorch's fmod-based kernel is exact
    ours, theirs = (lib.remainder(lib.tensor([a], dtype=getattr(lib, dtype)), b).tolist()
                    for lib in (mt, torch))
    np.testing.assert_equal(ours, theirs)  # NaN for an infinite a
