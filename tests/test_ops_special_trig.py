"""atan/atan2/asin/acos/tan/asinh/acosh/atanh (ops/special/trig.py): values against NumPy on dense
grids in float64 and float32, IEEE special values (signed zeros, infinities, domain errors),
gradients against finite differences (float64) and against PyTorch when installed, aliases and
in-place forms."""

import math
import warnings

import numpy as np
import pytest
from torch_reference import requires_torch, torch

import microtorch_core as mt
from microtorch_core.autograd.gradcheck import gradcheck
from microtorch_core.testing import check_against_torch

T = mt.tensor
WIDE = np.concatenate([np.linspace(-4, 4, 801), np.geomspace(1e-300, 1e300, 600),
                       -np.geomspace(1e-300, 1e300, 600), [0.66, 0.6600001, 2.414213562373095]])
UNIT = np.concatenate([np.linspace(-1, 1, 801), 1 - np.geomspace(1e-16, 0.5, 200),
                       -1 + np.geomspace(1e-16, 0.5, 200), np.geomspace(1e-300, 1e-3, 100)])
ABOVE_ONE = 1 + np.concatenate([np.geomspace(1e-16, 1e300, 800), np.linspace(0, 5, 101)])
NEAR_POLES = np.concatenate([np.linspace(-10, 10, 801), math.pi / 2 + np.geomspace(1e-15, 1e-2, 50),
                             math.pi / 2 - np.geomspace(1e-15, 1e-2, 50)])
RTOL = {np.float64: 1e-15, np.float32: 1e-6}  # measured: 3.5e-16 and 2.3e-7 against mpmath

UNARY = {  # name: (ours, NumPy's, inputs)
    "atan": (mt.atan, np.arctan, WIDE),
    "asin": (mt.asin, np.arcsin, UNIT),
    "acos": (mt.acos, np.arccos, UNIT),
    "tan": (mt.tan, np.tan, NEAR_POLES),
    "asinh": (mt.asinh, np.arcsinh, WIDE),
    "acosh": (mt.acosh, np.arccosh, ABOVE_ONE),
    "atanh": (mt.atanh, np.arctanh, UNIT),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("name", UNARY)
def test_values_match_numpy_on_a_dense_grid(name, dtype):
    ours, ref, data = UNARY[name]
    x = data[np.abs(data) < np.finfo(dtype).max].astype(dtype)
    with np.errstate(all="ignore"):
        expected = ref(x.astype(np.float64)).astype(dtype)  # the exact value, rounded
    out = ours(T(x)).numpy()
    assert out.dtype == dtype
    np.testing.assert_allclose(out, expected, rtol=RTOL[dtype], atol=0)


SPECIAL = np.array([0.0, -0.0, 1.0, -1.0, 2.0, -2.0, np.inf, -np.inf, np.nan])


@pytest.mark.parametrize("name", UNARY)
def test_special_values_match_numpy_including_the_sign_of_zero(name):
    ours, ref, _ = UNARY[name]
    with np.errstate(all="ignore"):
        expected = ref(SPECIAL)
    out = ours(T(SPECIAL)).numpy()
    np.testing.assert_allclose(out, expected, rtol=1e-15, atol=0)  # inf and NaN exactly
    assert (np.signbit(out) == np.signbit(expected))[expected == 0].all()


def test_atan2_follows_c99_at_signed_zeros_and_infinities():
    values = np.array([0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan])
    y, x = np.meshgrid(values, values, indexing="ij")
    out = mt.atan2(T(y), T(x)).numpy()
    expected = np.arctan2(y, x)
    np.testing.assert_array_equal(out, expected)
    assert (np.signbit(out) == np.signbit(expected))[expected == 0].all()


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
def test_atan2_matches_numpy_across_magnitudes(dtype):
    rng = np.random.default_rng(0)
    y = (rng.standard_normal(2000) * 10.0 ** rng.uniform(-30, 30, 2000)).astype(dtype)
    x = (rng.standard_normal(2000) * 10.0 ** rng.uniform(-30, 30, 2000)).astype(dtype)
    expected = np.arctan2(y.astype(np.float64), x.astype(np.float64)).astype(dtype)
    np.testing.assert_allclose(mt.atan2(T(y), T(x)).numpy(), expected, rtol=RTOL[dtype])


def test_atan2_broadcasts_and_promotes_integers():
    out = mt.atan2(T([[1], [-1]]), T([1.0, -1.0, 0.0]))
    assert out.shape == (2, 3) and out.dtype is mt.float32
    np.testing.assert_allclose(out.numpy(), np.arctan2([[1], [-1]], [1.0, -1.0, 0.0]), rtol=1e-6)


@requires_torch
def test_atan2_refuses_a_python_number_as_torch_does():
    with pytest.raises(TypeError) as theirs:
        torch.atan2(torch.tensor([3.0]), 4)
    with pytest.raises(TypeError) as ours:
        mt.atan2(T([3.0]), 4)
    assert str(ours.value) == str(theirs.value)


def test_asin_and_acos_keep_their_digits_next_to_one():
    x = 1 - np.array([2.0 ** -52, 1e-12, 1e-6])
    np.testing.assert_allclose(mt.acos(T(x)).numpy(), np.arccos(x), rtol=1e-15)
    np.testing.assert_allclose(mt.asin(T(-x)).numpy(), np.arcsin(-x), rtol=1e-15)


def test_inverse_hyperbolics_stay_accurate_near_zero_and_do_not_overflow_far_out():
    tiny = np.array([1e-300, 1e-20, 1e-8])
    for ours, ref in ((mt.asinh, np.arcsinh), (mt.atanh, np.arctanh)):
        np.testing.assert_allclose(ours(T(tiny)).numpy(), ref(tiny), rtol=1e-15)
    huge = np.array([1e200, 1.7e308])
    np.testing.assert_allclose(mt.asinh(T(huge)).numpy(), np.arcsinh(huge), rtol=1e-15)
    np.testing.assert_allclose(mt.acosh(T(huge)).numpy(), np.arccosh(huge), rtol=1e-15)
    near_one = np.array([1 + 2.0 ** -52, 1 + 1e-10])
    np.testing.assert_allclose(mt.acosh(T(near_one)).numpy(), np.arccosh(near_one), rtol=1e-15)


def test_tan_is_sin_over_cos_next_to_the_pole():
    x = np.nextafter(math.pi / 2, 0)
    assert mt.tan(T([x], dtype=mt.float64)).item() == pytest.approx(math.tan(x), rel=1e-15)


def test_special_values_compute_without_numpy_warnings():
    values = T(np.concatenate([SPECIAL, [1e300, -1e300, 5e-324]]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for ours, _, _ in UNARY.values():
            leaf = values.clone().requires_grad_()
            ours(leaf).backward(mt.ones_like(leaf))
        mt.atan2(values, values.flip(0))


# -- gradients ------------------------------------------------------------------------------------
GRADIENT_POINTS = {  # name: (function, points inside the domain)
    "atan": (mt.atan, [-30.0, -2.5, -0.7, 0.0, 0.3, 1.5, 1e3]),
    "asin": (mt.asin, [-0.99, -0.5, 0.0, 0.2, 0.9]),
    "acos": (mt.acos, [-0.99, -0.5, 0.0, 0.2, 0.9]),
    "tan": (mt.tan, [-1.2, -0.3, 0.0, 0.7, 1.4]),
    "asinh": (mt.asinh, [-50.0, -1.5, 0.0, 0.4, 3.0, 1e4]),
    "acosh": (mt.acosh, [1.01, 1.5, 2.5, 40.0]),
    "atanh": (mt.atanh, [-0.95, -0.4, 0.0, 0.3, 0.7]),
}


@pytest.mark.parametrize("name", GRADIENT_POINTS)
def test_gradient_matches_finite_differences(name):
    fn, points = GRADIENT_POINTS[name]
    assert gradcheck(fn, (T(points, dtype=mt.float64, requires_grad=True),))


def test_atan2_gradient_matches_finite_differences():
    y = T([0.5, -2.0, 3.0, -1e-3], dtype=mt.float64, requires_grad=True)
    x = T([1.0, 0.3, -4.0, -2.0], dtype=mt.float64, requires_grad=True)
    assert gradcheck(mt.atan2, (y, x))


@requires_torch
@pytest.mark.parametrize("name", GRADIENT_POINTS)
def test_values_and_gradients_match_pytorch(name):
    fn, points = GRADIENT_POINTS[name]
    edges = {"asin": [1.0, -1.0], "acos": [1.0, -1.0], "acosh": [1.0], "atanh": [1.0]}
    data = np.array(points + edges.get(name, []))
    check_against_torch(fn, data, torch_fn=getattr(torch, name), rtol=1e-13, atol=0)


@requires_torch
def test_atan2_gradient_is_zero_at_the_origin_as_pytorch():
    y = np.array([0.0, 0.0, 1.0, -2.0])
    x = np.array([0.0, -0.0, 0.0, 3.0])
    check_against_torch(mt.atan2, y, x, torch_fn=torch.atan2, rtol=1e-14, atol=0)


def test_gradient_ignores_the_branch_a_where_discards():
    # atan at 0 computes -1/0 in its (unused) large-argument branch; 1/(1 + x^2) underflows
    x = T([0.0, 1e300], dtype=mt.float64, requires_grad=True)
    mt.atan(x).sum().backward()
    assert x.grad.tolist() == [1.0, 0.0]
    x = T([0.0, 1e300], dtype=mt.float64, requires_grad=True)
    mt.asinh(x).sum().backward()
    assert x.grad.tolist() == [1.0, pytest.approx(1e-300, rel=1e-15)]


# -- names ----------------------------------------------------------------------------------------
def test_numpy_style_aliases_are_the_same_functions():
    assert mt.arctan is mt.atan and mt.arctan2 is mt.atan2 and mt.arcsin is mt.asin
    assert mt.arccos is mt.acos and mt.arcsinh is mt.asinh and mt.arccosh is mt.acosh
    assert mt.arctanh is mt.atanh


@pytest.mark.parametrize("name", ["atan", "asin", "acos", "tan", "asinh", "atanh", "arctan"])
def test_method_and_inplace_forms_agree_with_the_function(name):
    x = T([0.1, -0.5, 0.7])
    expected = getattr(mt, name)(x).tolist()
    assert getattr(x, name)().tolist() == expected
    y = x.clone()
    assert getattr(y, name + "_")() is y and y.tolist() == expected


def test_inplace_atan2_and_acosh():
    y = T([1.0, -1.0])
    y.atan2_(T([1.0, 1.0]))
    np.testing.assert_allclose(y.numpy(), [math.pi / 4, -math.pi / 4], rtol=1e-6)
    z = T([1.0, 2.0]).acosh_()
    np.testing.assert_allclose(z.numpy(), np.arccosh([1.0, 2.0]), rtol=1e-6)


def test_integer_inputs_give_the_default_float_dtype():
    assert mt.atan(T([1, 2])).dtype is mt.float32
    assert mt.acosh(T([1, 2])).tolist() == [0.0, pytest.approx(math.acosh(2), rel=1e-6)]
