"""Conformance: the special functions (inverse trig and hyperbolic, the gamma, error-function
and Bessel families, sinc) give the known values and derivatives on every backend. They are
composites of the elementwise kernels (arithmetic, comparisons, ``where``, exp, log, sqrt,
sin, cos, erf), so a backend whose kernels are accurate to a few ulps passes them. A handful of
values each: the CUDA backend also runs these on its slow CPU emulator."""

from __future__ import annotations

import math

import numpy as np
import pytest

import microtorch_core as mt
from microtorch_core.testing import assert_close

EULER = 0.5772156649015329
RTOL = 1e-13  # a few ulps of float64 kernels, accumulated


def _t(values, device):
    return mt.tensor(np.asarray(values, dtype=np.float64), device=device)


def _check(out, expected):
    assert_close(out, np.asarray(expected, dtype=np.float64), rtol=RTOL, atol=1e-300)


@pytest.mark.ops("where", "div", "sqrt", "sin", "cos")
def test_inverse_trig_and_tan_match_math(device):
    x = [-0.9, -0.3, 0.0, 0.5, 0.99]
    for name in ("atan", "asin", "acos", "tan"):
        _check(getattr(mt, name)(_t(x, device)), [getattr(math, name)(v) for v in x])
    y, z = [1.0, -2.0, 0.0, -0.5], [-1.0, 3.0, -1.0, -0.0]
    _check(mt.atan2(_t(y, device), _t(z, device)), [math.atan2(a, b) for a, b in zip(y, z)])


@pytest.mark.ops("where", "log", "sqrt")
def test_inverse_hyperbolics_match_math(device):
    x = [-1e10, -0.3, 1e-9, 0.5, 3.0]
    _check(mt.asinh(_t(x, device)), [math.asinh(v) for v in x])
    _check(mt.atanh(_t(x[1:4], device)), [math.atanh(v) for v in x[1:4]])
    _check(mt.acosh(_t([1.0, 1.5, 1e12], device)), [math.acosh(v) for v in (1.0, 1.5, 1e12)])


@pytest.mark.ops("where", "log", "sin", "cos")
def test_lgamma_and_digamma_match_known_values(device):
    x = [-2.5, 0.5, 1.0, 2.2, 30.0]
    _check(mt.lgamma(_t(x, device)), [math.lgamma(v) for v in x])
    half = -EULER - 2 * math.log(2)  # psi(1/2); psi(-1/2) = psi(1/2) + 2
    _check(mt.digamma(_t([1.0, 0.5, -0.5], device)), [-EULER, half, half + 2])
    _check(mt.polygamma(1, _t([1.0, 0.5], device)), [math.pi ** 2 / 6, math.pi ** 2 / 2])


@pytest.mark.ops("where", "exp", "erf")
def test_error_functions_match_math(device):
    x = [-2.0, 0.0, 0.5, 3.0, 10.0]
    _check(mt.erfc(_t(x, device)), [math.erfc(v) for v in x])
    _check(mt.special.ndtr(_t(x, device)), [math.erfc(-v / math.sqrt(2)) / 2 for v in x])
    _check(mt.special.erfcx(_t([0.5, 3.0], device)),
           [math.exp(v * v) * math.erfc(v) for v in (0.5, 3.0)])


@pytest.mark.ops("where", "exp", "log", "erf")
def test_inverse_error_functions_invert_erf_and_ndtr(device):
    y = [-0.9, 0.0, 0.5]
    out = mt.erfinv(_t(y, device))
    _check(out, [-1.1630871536766743, 0.0, 0.4769362762044699])
    _check(mt.special.ndtri(_t([0.025, 0.5, 0.975], device)),
           [-1.959963984540054, 0.0, 1.959963984540054])


@pytest.mark.ops("where", "exp", "sqrt", "sin")
def test_bessel_and_sinc_match_known_values(device):
    _check(mt.i0(_t([0.0, 1.0, -10.0], device)), [1.0, 1.2660658777520082, 2815.716628466254])
    _check(mt.special.i1(_t([1.0, -10.0], device)), [0.5651591039924851, -2670.988303701255])
    _check(mt.special.i0e(_t([10.0], device)), [2815.716628466254 * math.exp(-10)])
    x = [0.0, 0.5, 2.0, -3.25]
    _check(mt.sinc(_t(x, device)),
           [1.0, 2 / math.pi, 0.0, math.sin(math.pi * -3.25) / (math.pi * -3.25)])


@pytest.mark.ops("where", "exp", "log", "erf")
def test_gradients_are_the_known_derivatives(device):
    x = mt.tensor([0.5, 2.0], dtype=mt.float64, device=device, requires_grad=True)
    (mt.atan(x) + mt.lgamma(x) + mt.erfc(x) + mt.sinc(x)).sum().backward()
    expected = [1 / (1 + v * v) + psi - 2 / math.sqrt(math.pi) * math.exp(-v * v) + dsinc
                for v, psi, dsinc in zip((0.5, 2.0), (-EULER - 2 * math.log(2), 1 - EULER),
                                         (-4 / math.pi, 0.5))]
    _check(x.grad, expected)
