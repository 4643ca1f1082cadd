"""Conformance: elementwise ops (unary, binary, comparisons, where, composites, in-place)
against NumPy, across dtypes, broadcasting, memory layouts, 0-d and zero-size tensors."""

from __future__ import annotations

import math

import numpy as np
import pytest

import microtorch_core as mt
from microtorch_core.testing import assert_close, random_array
from microtorch_core.testing.layouts import LAYOUTS, make_layout
from pytest_microtorch import op_params

FLOATS = ("float32", "float64")
INTS = ("int64", "int32")
_erf = np.vectorize(math.erf, otypes=[np.float64])

# op -> (NumPy reference, input range, dtypes); float functions also accept integers
UNARY = {
    "neg": (np.negative, (-3, 3), FLOATS + INTS),
    "abs": (np.abs, (-3, 3), FLOATS + INTS),
    "sign": (np.sign, (-3, 3), FLOATS + INTS),
    "exp": (np.exp, (-3, 3), FLOATS + INTS),
    "log": (np.log, (0.1, 5), FLOATS + INTS),
    "sqrt": (np.sqrt, (0, 5), FLOATS + INTS),
    "sin": (np.sin, (-4, 4), FLOATS + INTS),
    "cos": (np.cos, (-4, 4), FLOATS + INTS),
    "tanh": (np.tanh, (-4, 4), FLOATS + INTS),
    "sigmoid": (lambda x: 1 / (1 + np.exp(-x)), (-6, 6), FLOATS + INTS),
    "erf": (_erf, (-2, 2), FLOATS + INTS),
}
FLOAT_ONLY = {"exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "erf"}
BINARY = {
    "add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.true_divide,
    "pow": np.power, "maximum": np.maximum, "minimum": np.minimum,
}
COMPARE = {"eq": np.equal, "ne": np.not_equal, "lt": np.less, "le": np.less_equal,
           "gt": np.greater, "ge": np.greater_equal}


def _unary_reference(op: str, x: np.ndarray) -> np.ndarray:
    if op in FLOAT_ONLY and x.dtype.kind != "f":
        x = x.astype(np.float32)  # integers become the default float dtype, as in PyTorch
    with np.errstate(all="ignore"):
        return np.asarray(UNARY[op][0](x)).astype(x.dtype)


def _binary_inputs(op: str, shape_a, shape_b, dtype: str) -> tuple[np.ndarray, np.ndarray]:
    if op == "pow":  # keep powers finite and integer exponents non-negative
        low, high = (0.5, 2.0) if dtype in FLOATS else (-3, 3)
        return (random_array(shape_a, dtype, low, high, seed=1),
                random_array(shape_b, dtype, 0 if dtype in INTS else -2, 3, seed=2))
    a = random_array(shape_a, dtype, -5, 5, seed=1)
    b = random_array(shape_b, dtype, -5, 5, seed=2)
    if op == "div":
        b = np.where(b == 0, 3, b).astype(dtype)
    return a, b


def _binary_reference(op: str, a, b, dtype) -> np.ndarray:
    with np.errstate(all="ignore"):
        out = BINARY[op](a, b)
    return np.asarray(out).astype(np.float32 if op == "div" and dtype in INTS else dtype)


# -- unary ---------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", FLOATS + INTS)
@pytest.mark.parametrize("op", op_params(*sorted(UNARY)))
def test_unary_matches_numpy(device, op, dtype):
    low, high = UNARY[op][1]
    x = random_array((3, 4), dtype, low, high)
    out = getattr(mt, op)(mt.tensor(x, device=device))
    assert_close(out, _unary_reference(op, x))


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("op", op_params("neg", "exp", "sigmoid", "abs"))
def test_unary_on_strided_input(device, op, layout):
    x, values = make_layout(random_array((4, 3), "float32"), layout, device)
    assert_close(getattr(mt, op)(x), _unary_reference(op, values))


@pytest.mark.parametrize("op", op_params(*sorted(UNARY)))
def test_unary_on_0d_and_zero_size(device, op):
    scalar = mt.tensor(0.5, device=device)
    assert_close(getattr(mt, op)(scalar), _unary_reference(op, np.array(0.5, np.float32)))
    empty = mt.zeros(0, 3, device=device)
    assert getattr(mt, op)(empty).shape == (0, 3)


def test_sign_of_bool_and_abs_keep_dtype(device):
    b = np.array([True, False])
    assert_close(mt.tensor(b, device=device).sign(), b)
    i = np.array([-3, 0, 2], np.int32)
    assert_close(mt.tensor(i, device=device).abs(), np.abs(i))


def test_special_values(device):
    x = np.array([0.0, -1.0, np.inf, -np.inf, np.nan], np.float32)
    t = mt.tensor(x, device=device)
    with np.errstate(all="ignore"):
        assert_close(t.log(), np.log(x))
        assert_close(t.sqrt(), np.sqrt(x))
        assert_close(t.exp(), np.exp(x))
    assert_close(mt.tensor([-100.0, 100.0], device=device).sigmoid(), np.float32([0.0, 1.0]))


# -- binary --------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", FLOATS + INTS)
@pytest.mark.parametrize("op", op_params(*sorted(BINARY)))
def test_binary_matches_numpy(device, op, dtype):
    a, b = _binary_inputs(op, (3, 4), (3, 4), dtype)
    out = getattr(mt, op)(mt.tensor(a, device=device), mt.tensor(b, device=device))
    assert_close(out, _binary_reference(op, a, b, dtype), rtol=1e-5)


@pytest.mark.parametrize("op", op_params("add", "mul", "maximum", "minimum"))
def test_binary_on_bool(device, op):
    a, b = np.array([True, True, False, False]), np.array([True, False, True, False])
    out = getattr(mt, op)(mt.tensor(a, device=device), mt.tensor(b, device=device))
    assert_close(out, BINARY[op](a, b).astype(bool))


@pytest.mark.ops("pow")
@pytest.mark.parametrize("dtype", INTS)
def test_integer_pow_with_negative_exponents_truncates(device, dtype):
    # as PyTorch: the truncated 1 / a^|b|, so 0 unless the base is 1 or -1
    a = mt.tensor([2, 1, -1, -1, 3, 0], device=device, dtype=getattr(mt, dtype))
    b = mt.tensor([-2, -5, -3, -2, 2, 0], device=device, dtype=getattr(mt, dtype))
    assert_close(a ** b, np.array([0, 1, -1, 1, 9, 1], dtype))
    assert_close(2 ** b, np.array([0, 0, 0, 0, 4, 1], dtype))


@pytest.mark.parametrize("shapes", [((3, 1), (1, 4)), ((2, 3, 4), (4,)), ((5, 1, 3), (1, 2, 1)),
                                    ((), (2, 3)), ((0, 3), (1, 3)), ((2, 1), (2, 0))])
@pytest.mark.parametrize("op", op_params(*sorted(BINARY)))
def test_binary_broadcasts(device, op, shapes):
    a, b = _binary_inputs(op, *shapes, "float32")
    out = getattr(mt, op)(mt.tensor(a, device=device), mt.tensor(b, device=device))
    assert_close(out, _binary_reference(op, a, b, "float32"), rtol=1e-5)


@pytest.mark.parametrize("layout_b", LAYOUTS)
@pytest.mark.parametrize("layout_a", LAYOUTS)
def test_binary_on_strided_inputs(device, layout_a, layout_b):
    a, a_np = make_layout(random_array((4, 6), "float32", seed=1), layout_a, device)
    b, b_np = make_layout(random_array((4, 6), "float32", seed=2), layout_b, device)
    assert_close(a * b - a, a_np * b_np - a_np)


@pytest.mark.parametrize(("dtype_a", "dtype_b", "expected"), [
    ("int32", "int64", "int64"), ("int64", "float32", "float32"),
    ("float32", "float64", "float64"), ("bool", "int32", "int32"),
    ("int32", "float64", "float64"), ("bool", "float32", "float32"),
])
def test_type_promotion_between_tensors(device, dtype_a, dtype_b, expected):
    a, b = random_array((5,), dtype_a, 1, 4, seed=1), random_array((5,), dtype_b, 1, 4, seed=2)
    out = mt.tensor(a, device=device) * mt.tensor(b, device=device)
    assert_close(out, a.astype(expected) * b.astype(expected))


@pytest.mark.parametrize(("dtype", "scalar", "expected"), [
    ("int32", 2, "int32"), ("int64", 2.5, "float32"), ("float64", 3, "float64"),
    ("bool", 2, "int64"), ("float32", True, "float32"), ("int32", True, "int32"),
])
def test_type_promotion_with_python_scalars(device, dtype, scalar, expected):
    x = random_array((4,), dtype, 1, 4)
    t = mt.tensor(x, device=device)
    assert_close(t + scalar, x.astype(expected) + np.array(scalar).astype(expected))
    assert_close(scalar * t, np.array(scalar).astype(expected) * x.astype(expected))


def test_zero_dim_tensor_does_not_promote_dimensioned_one(device):
    a = mt.tensor(np.float32([1, 2]), device=device)
    b = mt.tensor(np.array(3.0), device=device)  # 0-d float64
    assert (a * b).dtype is mt.float32
    assert (mt.tensor([1, 2], device=device) * b).dtype is mt.float64  # higher category


def test_reflected_scalar_ops(device):
    x = np.float32([1.0, 2.0, 4.0])
    t = mt.tensor(x, device=device)
    assert_close(2 / t, np.float32(2) / x)
    assert_close(2 ** t, np.float32(2) ** x)
    assert_close(t ** 2, x ** 2)
    assert_close(-t + 1, 1 - x)


def test_maximum_and_minimum_propagate_nan(device):
    a = mt.tensor([1.0, float("nan"), 3.0], device=device)
    b = mt.tensor([2.0, 0.0, float("nan")], device=device)
    assert_close(mt.maximum(a, b), np.float32([2.0, np.nan, np.nan]))
    assert_close(mt.minimum(a, b), np.float32([1.0, np.nan, np.nan]))


def test_large_tensor_add(device):
    n = (1 << 20) + 3
    a = random_array((n,), "float32", seed=1)
    b = random_array((n,), "float32", seed=2)
    assert_close(mt.tensor(a, device=device) + mt.tensor(b, device=device), a + b)


# -- comparisons and where -----------------------------------------------------------------
@pytest.mark.parametrize("dtype", FLOATS + INTS + ("bool",))
@pytest.mark.parametrize("op", op_params(*sorted(COMPARE)))
def test_comparisons(device, op, dtype):
    a, b = random_array((3, 4), dtype, -2, 2, seed=1), random_array((1, 4), dtype, -2, 2, seed=2)
    ta, tb = mt.tensor(a, device=device), mt.tensor(b, device=device)
    assert_close(getattr(mt, op)(ta, tb), COMPARE[op](a, b))
    assert_close(getattr(mt, op)(ta, 1), COMPARE[op](a, 1))


def test_comparisons_with_nan(device):
    a = mt.tensor([float("nan"), 1.0], device=device)
    assert_close(a == a, np.array([False, True]))
    assert_close(a != a, np.array([True, False]))
    assert_close(a < 2, np.array([False, True]))


def test_comparison_of_int_tensor_with_float_scalar(device):
    t = mt.tensor([1, 2, 3], device=device)
    assert_close(t > 1.5, np.array([False, True, True]))


@pytest.mark.ops("where")
@pytest.mark.parametrize("dtype", FLOATS + INTS + ("bool",))
def test_where_matches_numpy(device, dtype):
    cond = random_array((3, 1), "bool", seed=3)
    a, b = random_array((3, 4), dtype, seed=1), random_array((4,), dtype, seed=2)
    out = mt.where(mt.tensor(cond, device=device), mt.tensor(a, device=device),
                   mt.tensor(b, device=device))
    assert_close(out, np.where(cond, a, b))


def test_where_with_scalars_promotes(device):
    cond = np.array([True, False, True])
    c = mt.tensor(cond, device=device)
    x = mt.tensor([1, 2, 3], device=device, dtype=mt.int32)
    assert_close(mt.where(c, x, 0), np.where(cond, [1, 2, 3], 0).astype(np.int32))
    assert_close(mt.where(c, x, 0.5), np.where(cond, [1, 2, 3], 0.5).astype(np.float32))
    assert_close(mt.where(c, 1.0, 0), np.where(cond, 1, 0).astype(np.float32))


# -- composites ----------------------------------------------------------------------------
@pytest.mark.ops("erf")
def test_erf_of_a_large_tensor_over_every_range_matches_math_erf(device):
    # large enough for a vectorised kernel; the ranges of Cephes-style approximations meet at
    # |x| = 1 and 8, erfc underflows past 27
    x = np.concatenate([np.linspace(-30, 30, 4001), [0.0, -0.0, 1.0, -1.0, 8.0, np.inf, -np.inf,
                                                     np.nan, 1e-300, -3e-9]])
    assert_close(mt.tensor(x, device=device).erf(), _erf(x), rtol=1e-15, atol=0)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_log1p_and_expm1_keep_the_digits_of_tiny_and_extreme_arguments(device, dtype):
    x = np.array([1e-12, -3e-9, 2e-5, -0.3, 0.7, 5.0, -1.0, -2.0, 0.0, 40.0, np.inf, -np.inf,
                  np.nan], dtype)
    t = mt.tensor(x, device=device)
    rtol = 1e-6 if dtype == "float32" else 1e-14
    with np.errstate(all="ignore"):
        assert_close(t.log1p(), np.log1p(x), rtol=rtol, atol=0)
        assert_close(t.expm1(), np.expm1(x), rtol=rtol, atol=0)


def test_composite_elementwise_ops(device):
    x = random_array((3, 4), "float64", 0.2, 3)
    t = mt.tensor(x, device=device)
    assert_close(t.relu(), x)
    assert_close((t - 1).relu(), np.maximum(x - 1, 0))
    assert_close(t.square(), x * x)
    assert_close(t.rsqrt(), 1 / np.sqrt(x))
    assert_close(t.reciprocal(), 1 / x)
    assert_close(t.log1p(), np.log1p(x), rtol=1e-14)
    assert_close(t.expm1(), np.expm1(x), rtol=1e-14)
    assert_close(t.clamp(0.5, 2.0), np.clip(x, 0.5, 2.0))
    assert_close(t.clamp(min=1.0), np.maximum(x, 1.0))
    assert_close(t.clamp(max=1.0), np.minimum(x, 1.0))
    assert_close(t.lerp(t * 3, 0.25), x + 0.25 * (3 * x - x))


def test_isnan_isinf_isfinite(device):
    x = np.float32([1.0, np.nan, np.inf, -np.inf, 0.0])
    t = mt.tensor(x, device=device)
    assert_close(t.isnan(), np.isnan(x))
    assert_close(t.isinf(), np.isinf(x))
    assert_close(t.isfinite(), np.isfinite(x))


def test_logical_ops(device):
    a = np.array([True, True, False, False])
    b = np.array([1, 0, 2, 0])
    ta, tb = mt.tensor(a, device=device), mt.tensor(b, device=device)
    assert_close(mt.logical_and(ta, tb), np.logical_and(a, b))
    assert_close(mt.logical_or(ta, tb), np.logical_or(a, b))
    assert_close(mt.logical_not(tb), np.logical_not(b))
    assert_close(~ta, ~a)
    assert_close(ta & (tb > 0), a & (b > 0))


def test_masked_fill(device):
    x = random_array((2, 3), "float32")
    mask = np.array([True, False, True])
    out = mt.tensor(x, device=device).masked_fill(mt.tensor(mask, device=device), -1.0)
    assert_close(out, np.where(mask, np.float32(-1), x))


# -- in place ------------------------------------------------------------------------------
@pytest.mark.parametrize("op", ["add_", "sub_", "mul_", "div_", "pow_"])
def test_inplace_binary_with_tensor_and_scalar(device, op):
    x = random_array((3, 4), "float32", 0.5, 2, seed=1)
    y = random_array((4,), "float32", 0.5, 2, seed=2)
    ref = {"add_": np.add, "sub_": np.subtract, "mul_": np.multiply, "div_": np.divide,
           "pow_": np.power}[op]
    t = mt.tensor(x, device=device)
    same = getattr(t, op)(mt.tensor(y, device=device))
    assert same is t
    assert_close(t, ref(x, y), rtol=1e-5)
    getattr(t, op)(2)
    assert_close(t, ref(ref(x, y), np.float32(2)), rtol=1e-5)


def test_augmented_assignment_keeps_identity_and_dtype(device):
    t = mt.tensor([1, 2, 3], device=device, dtype=mt.int32)
    alias = t
    t += 2
    t *= 3
    t -= 1
    assert alias is t
    assert_close(t, np.int32([8, 11, 14]))


def test_inplace_through_strided_views_writes_the_base(device):
    x = np.arange(12, dtype=np.float32).reshape(3, 4)
    t = mt.tensor(x, device=device)
    t.T.add_(1)  # every element, through a transposed view
    t[:, ::2].mul_(10)  # a stepped view
    t[1].zero_()
    t[2, 1:3].fill_(-1)
    expected = x + 1
    expected[:, ::2] *= 10
    expected[1] = 0
    expected[2, 1:3] = -1
    assert_close(t, expected)


def test_copy_broadcasts_and_casts(device):
    t = mt.zeros(2, 3, device=device)
    t.copy_(mt.tensor([1, 2, 3], device=device))
    assert_close(t, np.float32([[1, 2, 3], [1, 2, 3]]))
    dst = mt.zeros(3, 2, device=device, dtype=mt.int64)
    dst.T.copy_(mt.tensor([[1.9, -1.9, 0.5], [2.0, 3.0, 4.0]], device=device))
    assert_close(dst, np.int64([[1, 2], [-1, 3], [0, 4]]))  # toward zero, as C casts


def test_floor_in_place(device):
    x = np.float64([-1.5, -1.0, 0.2, 2.7, 3.0])
    assert_close(mt.tensor(x, device=device).floor_(), np.floor(x))


def test_clamp_with_tensor_bounds_promotes_like_pytorch(device):
    t = mt.tensor([0, 2, 5], device=device)
    out = t.clamp(mt.tensor([0.5], device=device), mt.tensor([2.5], device=device))
    assert out.dtype is mt.float32
    assert_close(out, np.float32([0.5, 2.0, 2.5]))


def test_bitwise_xor_and_or_of_bool_tensors(device):
    a = np.array([True, True, False, False])
    b = np.array([True, False, True, False])
    ta, tb = mt.tensor(a, device=device), mt.tensor(b, device=device)
    assert_close(ta ^ tb, a ^ b)
    assert_close(ta | tb, a | b)
    assert_close(True & tb, True & b)


def test_floor_divide_rounds_toward_minus_infinity_like_python(device):
    a, b = np.array([7, -7, 7, -7, 0]), np.array([2, 2, -2, -2, 3])
    ta, tb = mt.tensor(a, device=device), mt.tensor(b, device=device)
    assert (ta // tb).dtype is mt.int64
    assert_close(ta // tb, a // b)
    assert_close(ta.float() // 2, a.astype(np.float32) // 2)


def test_remainder_takes_the_sign_of_the_divisor_like_python(device):
    a = np.array([7.5, -7.5, 7.5, -7.5])
    b = np.array([2.0, 2.0, -2.0, -2.0])
    ta, tb = mt.tensor(a, device=device), mt.tensor(b, device=device)
    assert_close(ta % tb, np.remainder(a, b))
    assert_close(mt.tensor([5, -6], device=device) % 4, np.array([1, 2]))
    assert_close(7 % mt.tensor([2, 3], device=device), np.array([1, 1]))


def test_floor_keeps_nan_infinities_and_huge_values(device):
    a = np.array([-1.5, 2.0, 3.7, np.nan, np.inf, -np.inf, 3e30])
    assert_close(mt.floor(mt.tensor(a, device=device)), np.floor(a))


@pytest.mark.parametrize("dtype", ["int64", "float64"])
def test_div_rounding_modes_match_numpy(device, dtype):
    a_np = np.array([7, -7, 7, -7, 9, 0], dtype)
    b_np = np.array([2, 2, -2, -2, 3, 5], dtype)
    a, b = mt.tensor(a_np, device=device), mt.tensor(b_np, device=device)
    true_dtype = "float64" if dtype == "float64" else "float32"  # ints divide to the default
    assert_close(mt.div(a, b), (a_np / b_np).astype(true_dtype))
    assert_close(mt.div(a, b, rounding_mode="floor"), np.floor_divide(a_np, b_np))
    assert_close(a.div(b, rounding_mode="trunc"), np.trunc(a_np / b_np).astype(dtype))
    with pytest.raises(RuntimeError, match="found 'round'"):
        mt.div(a, b, rounding_mode="round")


def test_floor_divide_of_infinity_is_nan(device):
    out = mt.tensor([math.inf, -math.inf], device=device) // 3
    assert np.isnan(out.cpu().numpy()).all()


def test_integer_floor_divide_by_zero_raises(device):
    with pytest.raises(ZeroDivisionError, match="integer division by zero"):
        mt.tensor([1, 2], device=device) // 0


def test_remainder_gradient_is_one_for_the_dividend(device):
    x = mt.tensor([5.5, -3.2], dtype=mt.float64, device=device, requires_grad=True)
    (x % 2).sum().backward()
    assert_close(x.grad, np.ones(2))


def test_square_of_bool_is_int64(device):
    out = mt.tensor([True, False], device=device).square()
    assert out.dtype is mt.int64
    assert_close(out, np.array([1, 0]))


def test_float_of_a_multi_element_tensor_is_a_value_error(device):
    with pytest.raises(ValueError, match=r"only one element tensors.*\(2,\)"):
        float(mt.ones(2, device=device))
