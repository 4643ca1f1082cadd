"""erfc/erfcx/erfinv and the normal distribution's ndtr/ndtri/log_ndtr (ops/special/errorfunc.py):
values against SciPy on dense grids in float64 and float32, relative accuracy in the far tails,
round trips of the inverses, special values, gradients against finite differences (float64) and
against PyTorch when installed."""

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
LINE = np.concatenate([np.linspace(-6, 6, 1201), np.linspace(-38, 38, 761),
                       np.geomspace(1e-300, 1e3, 400), -np.geomspace(1e-300, 1e3, 400)])
UNIT = np.concatenate([np.linspace(-1, 1, 2001)[1:-1], np.geomspace(1e-300, 0.1, 300),
                       1 - np.geomspace(1.2e-16, 0.5, 300), -1 + np.geomspace(1.2e-16, 0.5, 300)])
PROBABILITIES = np.concatenate([np.linspace(0, 1, 2001)[1:-1], np.geomspace(1e-300, 0.5, 600),
                                1 - np.geomspace(1.2e-16, 0.5, 300)])

# (ours, SciPy's, inputs, float64 rtol). SciPy's erfc, erfcx and ndtr round x^2 before
# exponentiating, which costs them up to ~2e-13 in the tails (ours are within 1e-15 of mpmath
# there); the inverses agree to a few ulps. Subnormal results (below 1e-300) are not compared.
CASES = {
    "erfc": (mt.erfc, "erfc", LINE[LINE < 26.5], 3e-13),
    "erfcx": (mt.special.erfcx, "erfcx", LINE[LINE > -26.5], 3e-13),
    "ndtr": (mt.special.ndtr, "ndtr", LINE[LINE > -37.5], 3e-13),
    "log_ndtr": (mt.special.log_ndtr, "log_ndtr", LINE, 3e-13),
    "erfinv": (mt.erfinv, "erfinv", UNIT, 2e-15),
    "ndtri": (mt.special.ndtri, "ndtri", PROBABILITIES, 2e-15),
}


@requires_scipy
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("name", CASES)
def test_values_match_scipy_on_a_dense_grid(name, dtype):
    ours, ref, data, rtol = CASES[name]
    x = data[np.abs(data) < np.finfo(dtype).max].astype(dtype)
    out = ours(T(x)).numpy()
    assert out.dtype == dtype
    expected = getattr(scipy_special, ref)(x.astype(np.float64))
    if dtype == np.float32:
        rtol = 1e-6  # measured: 5e-7 at most
        keep = (np.abs(expected) > np.finfo(np.float32).tiny) & (
            np.abs(expected) < np.finfo(np.float32).max)
        out, expected = out[keep], expected[keep].astype(np.float32)
    np.testing.assert_allclose(out, expected, rtol=rtol, atol=1e-300)


def test_erfc_keeps_its_relative_accuracy_in_the_far_tail():
    mpmath = pytest.importorskip("mpmath", reason="mpmath is not installed: it is the "
                                 "high-precision reference for this test")
    x = np.array([5.5, 10.25, 20.0, 26.0, 26.5])
    expected = [float(mpmath.erfc(v)) for v in x]
    np.testing.assert_allclose(mt.erfc(T(x)).numpy(), expected, rtol=2e-15)
    expected = [float(mpmath.ncdf(-v)) for v in x]
    np.testing.assert_allclose(mt.special.ndtr(T(-x)).numpy(), expected, rtol=2e-15)


def test_erfcx_and_log_ndtr_do_not_underflow_far_out():
    x = np.array([1e3, 1e10, 1e100, 1e300])
    u = 0.5 / x / x
    expected = (1 - u + 3 * u * u) / (x * math.sqrt(math.pi))  # the asymptotic series
    np.testing.assert_allclose(mt.special.erfcx(T(x)).numpy(), expected, rtol=1e-15)
    x = np.array([-40.0, -1e5])
    # log ndtr(x) = -x^2/2 - log(-x sqrt(2 pi)) + log(sum_k (-1)^k (2k - 1)!! / x^2k) far out
    series = sum((-1) ** k * math.prod(range(1, 2 * k, 2)) / x ** (2 * k) for k in range(7))
    expected = -x ** 2 / 2 - np.log(-x * math.sqrt(2 * math.pi)) + np.log(series)
    np.testing.assert_allclose(mt.special.log_ndtr(T(x)).numpy(), expected, rtol=1e-15)


@requires_scipy
def test_the_inverses_reach_the_tails_of_the_dtype():
    p = np.array([1e-300, 1e-100, 2.0 ** -60, 1 - 2.0 ** -53])
    np.testing.assert_allclose(mt.special.ndtri(T(p)).numpy(), scipy_special.ndtri(p), rtol=1e-15)
    y = np.array([1 - 2.0 ** -53, -(1 - 2.0 ** -53), 1e-300, 0.75])
    np.testing.assert_allclose(mt.erfinv(T(y)).numpy(), scipy_special.erfinv(y), rtol=1e-15)


def test_erf_of_erfinv_and_ndtr_of_ndtri_round_trip():
    y = np.linspace(-0.999, 0.999, 41)
    np.testing.assert_allclose(mt.erf(mt.erfinv(T(y))).numpy(), y, rtol=1e-15, atol=1e-16)
    p = np.geomspace(1e-250, 0.5, 41)
    # relative: ndtr and ndtri are both accurate to a few ulps where p is tiny
    np.testing.assert_allclose(mt.special.ndtr(mt.special.ndtri(T(p))).numpy(), p, rtol=1e-12)


def test_special_values():
    inf, nan = math.inf, math.nan
    x = T([0.0, -0.0, inf, -inf, nan], dtype=mt.float64)
    np.testing.assert_array_equal(mt.erfc(x).numpy(), [1, 1, 0, 2, nan])
    np.testing.assert_array_equal(mt.special.erfcx(x).numpy(), [1, 1, 0, inf, nan])
    np.testing.assert_array_equal(mt.special.ndtr(x).numpy(), [0.5, 0.5, 1, 0, nan])
    np.testing.assert_array_equal(mt.special.log_ndtr(x).numpy(),
                                  [-math.log(2), -math.log(2), 0, -inf, nan])
    y = T([0.0, -0.0, 1.0, -1.0, 1.5, -inf, nan], dtype=mt.float64)
    out = mt.erfinv(y).numpy()
    np.testing.assert_array_equal(out, [0, 0, inf, -inf, nan, nan, nan])
    assert np.signbit(out[1]) and not np.signbit(out[0])
    p = T([0.0, 1.0, 0.5, -0.1, 1.1, nan], dtype=mt.float64)
    np.testing.assert_array_equal(mt.special.ndtri(p).numpy(), [-inf, inf, 0, nan, nan, nan])


def test_special_values_compute_without_numpy_warnings():
    values = np.array([0.0, -0.0, 1.0, -1.0, 0.5, 30.0, -30.0, 1e300, -1e300, np.inf, -np.inf,
                       np.nan])
    functions = [mt.erfc, mt.erfinv] + [getattr(mt.special, n) for n in (
        "erfcx", "ndtr", "ndtri", "log_ndtr")]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for fn in functions:
            x = T(values, requires_grad=True)
            fn(x).backward(mt.ones_like(x))


# -- gradients ------------------------------------------------------------------------------------
GRADIENTS = {  # name: (function, points)
    "erfc": (mt.erfc, [-3.0, -0.5, 0.0, 0.8, 2.5, 6.0]),
    "erfcx": (mt.special.erfcx, [-3.0, -0.5, 0.0, 0.8, 2.5, 9.0, 70.0]),
    "erfinv": (mt.erfinv, [-0.999, -0.6, 0.0, 0.3, 0.9, 0.9999]),
    "ndtr": (mt.special.ndtr, [-7.0, -1.2, 0.0, 0.5, 3.0, 7.0]),
    "ndtri": (mt.special.ndtri, [1e-10, 0.01, 0.3, 0.5, 0.8, 0.999]),
    "log_ndtr": (mt.special.log_ndtr, [-30.0, -3.0, -1.0, 0.0, 2.0, 9.0]),
}


@pytest.mark.parametrize("name", GRADIENTS)
def test_gradient_matches_finite_differences(name):
    fn, points = GRADIENTS[name]
    x = T(points, dtype=mt.float64, requires_grad=True)
    eps = 1e-12 if name == "ndtri" else 1e-6  # ndtri's points start at 1e-10
    assert gradcheck(fn, (x,), eps=eps, rtol=1e-4 if name == "ndtri" else 1e-3)


@requires_torch
@pytest.mark.parametrize("name", GRADIENTS)
def test_values_and_gradients_match_pytorch(name):
    fn, points = GRADIENTS[name]
    theirs = getattr(torch, name, None) or getattr(torch.special, name)
    extra = {"erfinv": [1.0], "ndtri": [0.0]}.get(name, [])  # infinite gradients there
    if name == "ndtr":  # PyTorch's (1 + erf(x / sqrt(2))) / 2 cancels in the left tail
        points = [p for p in points if p > -3]
    # PyTorch's erfcx gradient, 2x erfcx(x) - 2/sqrt(pi), cancels for large x (ours switches
    # to the asymptotic series there); ndtri's is exp(x^2/2) with x^2 rounded and log_ndtr's
    # exp(-(log_ndtr(x) + x^2/2)) cancels for x << 0
    rtol = {"erfcx": 1e-11, "ndtri": 1e-13, "log_ndtr": 1e-12}.get(name, 1e-14)
    check_against_torch(fn, np.array(points + extra), torch_fn=theirs, rtol=rtol, atol=0)


def test_integer_inputs_give_the_default_float_dtype():
    assert mt.erfc(T([0, 1])).dtype is mt.float32
    assert mt.special.ndtr(T([0])).tolist() == [0.5]


def test_inplace_forms():
    x = T([0.1, -0.4])
    y = x.clone()
    assert y.erfinv_() is y and y.tolist() == mt.erfinv(x).tolist()
    z = x.clone()
    assert z.erfc_().tolist() == mt.erfc(x).tolist()
