"""i0/i0e/i1/i1e (ops/special/bessel.py), sinc/entr/xlog1py (ops/special/elementary.py) and the
``mt.special`` namespace: values against SciPy and NumPy in float64 and float32, special values,
gradients against finite differences (float64) and against PyTorch when installed."""

import math
import warnings

import numpy as np
import pytest
from scipy_reference import requires_scipy, scipy_special
from torch_reference import requires_torch, torch

import microtorch_core as mt
from microtorch_core.autograd.gradcheck import gradcheck
from microtorch_core.testing import check_against_torch

T = mt.tensor
BESSEL_GRID = np.concatenate([np.linspace(-30, 30, 1201), np.geomspace(1e-300, 700, 500),
                              -np.geomspace(1e-300, 700, 500), [8.0, -8.0]])
BESSEL = {"i0": mt.i0, "i0e": mt.special.i0e, "i1": mt.special.i1, "i1e": mt.special.i1e}


@requires_scipy
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("name", BESSEL)
def test_bessel_values_match_scipy(name, dtype):
    x = BESSEL_GRID.astype(dtype)
    out = BESSEL[name](T(x)).numpy()
    assert out.dtype == dtype
    with np.errstate(over="ignore"):
        expected = getattr(scipy_special, name)(x.astype(np.float64)).astype(dtype)
    # measured against mpmath: 1.7e-15 (float64); float32 is computed in float64 and rounded
    rtol = 4e-15 if dtype == np.float64 else 1e-7
    np.testing.assert_allclose(out, expected, rtol=rtol, atol=np.finfo(dtype).tiny)


def test_i0_stays_finite_past_the_overflow_of_exp():
    x = T([712.0, 713.9], dtype=mt.float64)  # e^x overflows from 709.8, I0(x) from 713.98
    log_i0 = np.log(mt.i0(x).numpy())
    np.testing.assert_allclose(log_i0, np.log(mt.special.i0e(x).numpy()) + x.numpy(), rtol=1e-15)
    assert mt.i0(T([714.0, -714.0], dtype=mt.float64)).tolist() == [math.inf, math.inf]


def test_bessel_special_values():
    x = T([0.0, math.inf, -math.inf, math.nan], dtype=mt.float64)
    inf, nan = math.inf, math.nan
    np.testing.assert_array_equal(mt.i0(x).numpy(), [1, inf, inf, nan])
    np.testing.assert_array_equal(mt.special.i0e(x).numpy(), [1, 0, 0, nan])
    np.testing.assert_array_equal(mt.special.i1(x).numpy(), [0, inf, -inf, nan])
    np.testing.assert_array_equal(mt.special.i1e(x).numpy(), [0, 0, 0, nan])


def test_sinc_matches_numpy_to_numpys_accuracy():
    # NumPy's sin(pi * x) carries the rounding error of pi * x: ~1e-16 absolute, which is large
    # relative to sinc next to the integers; ours is exact there (see the test below)
    x = np.concatenate([np.linspace(-20, 20, 4001), np.geomspace(1e-300, 1, 200)])
    for dtype, rtol, atol in ((np.float64, 1e-15, 2e-16), (np.float32, 1e-6, 1e-7)):
        xd = x.astype(dtype)
        expected = np.sinc(xd.astype(np.float64)).astype(dtype)
        np.testing.assert_allclose(mt.sinc(T(xd)).numpy(), expected, rtol=rtol, atol=atol)


def test_sinc_is_exactly_zero_at_the_integers_and_accurate_far_out():
    n = np.array([1.0, -2.0, 7.0, 1e15, 2.0 ** 60])
    assert mt.sinc(T(n, dtype=mt.float64)).tolist() == [0.0] * 5
    assert mt.sinc(T([0.0, -0.0])).tolist() == [1.0, 1.0]
    half = np.array([1e6 + 0.5, 1e12 + 0.5, -(3e9 + 0.5)])  # sin(pi x) = +-1 exactly
    signs = np.array([1.0, 1.0, -1.0])
    np.testing.assert_allclose(mt.sinc(T(half)).numpy(), signs / (math.pi * half), rtol=1e-15)
    assert math.isnan(mt.sinc(T([math.inf])).item())


@requires_scipy
def test_entr_and_xlog1py_match_scipy():
    x = np.concatenate([np.geomspace(1e-300, 1e300, 300), np.linspace(0, 4, 81), [-1.0, np.inf,
                                                                                  np.nan]])
    np.testing.assert_allclose(mt.special.entr(T(x)).numpy(), scipy_special.entr(x),
                               rtol=1e-15)
    a = np.array([0.0, 0.0, 0.0, 2.0, -1.5, 3.0, 1e-300])
    b = np.array([-1.0, 0.0, np.nan, 1e-17, 3.0, -0.5, 1e300])
    np.testing.assert_allclose(mt.special.xlog1py(T(a), T(b)).numpy(),
                               scipy_special.xlog1py(a, b), rtol=1e-15)
    assert mt.special.xlog1py(2, T([math.e - 1])).tolist() == [pytest.approx(2.0, rel=1e-6)]


def test_special_values_compute_without_numpy_warnings():
    values = np.array([0.0, -0.0, 1.0, -1.0, 0.5, 8.0, 720.0, -720.0, 1e300, -1e300, np.inf,
                       -np.inf, np.nan])
    functions = list(BESSEL.values()) + [mt.sinc, mt.special.entr]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for fn in functions:
            x = T(values, requires_grad=True)
            fn(x).backward(mt.ones_like(x))


# -- gradients ------------------------------------------------------------------------------------
GRADIENTS = {  # name: (function, points)
    "i0": (mt.i0, [-9.0, -1.5, 0.0, 0.7, 4.0, 20.0]),
    "i0e": (mt.special.i0e, [-9.0, -1.5, 0.3, 0.7, 4.0, 20.0]),
    "i1": (mt.special.i1, [-9.0, -1.5, 0.0, 0.7, 4.0, 20.0]),
    "i1e": (mt.special.i1e, [-9.0, -1.5, 0.3, 0.7, 4.0, 20.0]),
    "sinc": (mt.sinc, [-3.7, -1.0, -0.2, 0.0, 1e-3, 0.25, 0.26, 2.5, 40.3]),
    "entr": (mt.special.entr, [1e-3, 0.2, 1.0, 7.5]),
}


@pytest.mark.parametrize("name", GRADIENTS)
def test_gradient_matches_finite_differences(name):
    fn, points = GRADIENTS[name]
    assert gradcheck(fn, (T(points, dtype=mt.float64, requires_grad=True),))


def test_xlog1py_gradient_matches_finite_differences():
    x = T([0.5, -2.0, 3.0], dtype=mt.float64, requires_grad=True)
    y = T([0.3, 1e-3, -0.4], dtype=mt.float64, requires_grad=True)
    assert gradcheck(mt.special.xlog1py, (x, y))


SECOND_ORDER = {  # name: (function, points): backward is written in Tensor ops, so it has one
    "sinc": (mt.sinc, [0.1, 0.3, 1.7, -2.0, 40.3]),
    "i1e": (mt.special.i1e, [-3.0, 0.4, 9.0]),
    "atan": (mt.atan, [-2.0, 0.3, 5.0]),
    "acosh": (mt.acosh, [1.3, 4.0]),
    "digamma": (mt.digamma, [-1.4, 0.3, 6.0]),
    "erfinv": (mt.erfinv, [-0.6, 0.2, 0.95]),
    "ndtri": (mt.special.ndtri, [0.01, 0.4, 0.9]),
    "erfcx": (mt.special.erfcx, [-1.0, 0.5, 60.0]),
}


@pytest.mark.parametrize("name", SECOND_ORDER)
def test_second_derivative_matches_finite_differences(name):
    fn, points = SECOND_ORDER[name]

    def derivative(t):
        (g,) = mt.autograd.grad(fn(t).sum(), t, create_graph=True)
        return g

    assert gradcheck(derivative, (T(points, dtype=mt.float64, requires_grad=True),))


def test_sinc_gradient_is_accurate_near_zero():
    x = T([1e-8, -1e-4, 0.1], dtype=mt.float64, requires_grad=True)
    mt.sinc(x).sum().backward()
    u = math.pi * x.detach().numpy()  # d/dx sin(u)/u = pi sum_k (-1)^k 2k u^(2k-1) / (2k+1)!
    expected = math.pi * sum((-1) ** k * 2 * k * u ** (2 * k - 1) / math.factorial(2 * k + 1)
                             for k in range(1, 12))
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-14)


@requires_torch
@pytest.mark.parametrize("name", GRADIENTS)
def test_values_and_gradients_match_pytorch(name):
    fn, points = GRADIENTS[name]
    theirs = getattr(torch, name, None) or getattr(torch.special, name)
    if name == "sinc":  # PyTorch's sin(pi x) / (pi x) is off by ~1e-16 at the integers
        points = [p for p in points if p != round(p) or p == 0]
    extra = {"entr": [0.0, -1.0]}.get(name, [])
    # PyTorch's sinc gradient (cos(pi x) - sinc(x)) / x cancels near 0 (ours sums a series)
    rtol = 1e-10 if name == "sinc" else 1e-13
    check_against_torch(fn, np.array(points + extra), torch_fn=theirs, rtol=rtol, atol=0)


@requires_torch
def test_xlog1py_values_and_gradients_match_pytorch():
    x = np.array([0.0, 0.0, -1.0, 2.0, 0.5])
    y = np.array([-1.0, 0.0, -1.0, 1.5, 0.25])
    check_against_torch(mt.special.xlog1py, x, y, torch_fn=torch.special.xlog1py, rtol=1e-14,
                        atol=0)


# -- the mt.special namespace ---------------------------------------------------------------------
def test_special_aliases_name_the_same_functions():
    special = mt.special
    assert special.gammaln is mt.lgamma and special.psi is mt.digamma
    assert special.digamma is mt.digamma and special.multigammaln is mt.mvlgamma
    assert special.expit is mt.sigmoid and special.erfinv is mt.erfinv
    assert special.log1p is mt.log1p and special.expm1 is mt.expm1 and special.exp2 is mt.exp2
    assert special.logsumexp is mt.logsumexp and special.softmax is mt.softmax
    assert special.log_softmax is mt.log_softmax and special.logit is mt.logit
    assert special.i0 is mt.i0 and special.sinc is mt.sinc and special.round is mt.round


@requires_torch
def test_special_namespace_covers_pytorchs_names_for_what_we_have():
    ours = set(mt.special.__all__)
    assert all(hasattr(torch.special, name) for name in ours)
    assert {"entr", "erfcx", "i0e", "i1", "i1e", "log_ndtr", "ndtr", "ndtri", "xlog1py",
            "zeta"} <= ours


def test_top_level_names_follow_pytorch():
    for name in ("lgamma", "digamma", "polygamma", "mvlgamma", "erfc", "erfinv", "i0", "sinc"):
        assert getattr(mt, name) is getattr(mt.ops, name)
    for name in ("ndtr", "erfcx", "entr", "xlog1py", "i1"):  # only under torch.special
        assert not hasattr(mt, name)


def test_inplace_log1p_expm1_and_sinc():
    x = T([0.25, -0.5])
    for name in ("log1p", "expm1", "sinc", "i0", "erf"):
        y = x.clone()
        assert getattr(y, name + "_")() is y and y.tolist() == getattr(mt, name)(x).tolist()
