"""bessel_j0/j1/y0/y1, spherical_bessel_j0 (ops/special/bessel_j.py), modified_bessel_k0/k1 and
their scaled forms (bessel_k.py), modified_bessel_i0/i1 and airy_ai (airy.py): values against
SciPy in float64 and float32, PyTorch's special values, gradients by finite differences."""

import math

import numpy as np
import pytest
from scipy_reference import requires_scipy, scipy_special

import microtorch_core as mt
from microtorch_core.autograd.gradcheck import gradcheck

T = mt.tensor
S = mt.special
GRID = np.concatenate([np.linspace(-30, 30, 1201), np.geomspace(1e-8, 200, 300), [5.0, 2.0]])
POSITIVE = GRID[GRID > 0]

# name -> (SciPy's function, the grid, the absolute tolerance): the oscillating functions are
# ill-conditioned next to their zeros, where SciPy rounds the phase (x - pi/4, zeta + pi/4) and
# these do not, so the two differ by a few rounding errors of the phase there
FUNCTIONS = {
    "bessel_j0": (lambda x: scipy_special.j0(x), GRID, 3e-15),
    "bessel_j1": (lambda x: scipy_special.j1(x), GRID, 3e-15),
    "bessel_y0": (lambda x: scipy_special.y0(x), POSITIVE, 3e-15),
    "bessel_y1": (lambda x: scipy_special.y1(x), POSITIVE, 3e-15),
    "spherical_bessel_j0": (lambda x: scipy_special.spherical_jn(0, x), GRID, 3e-15),
    "modified_bessel_k0": (lambda x: scipy_special.k0(x), POSITIVE, 0.0),
    "modified_bessel_k1": (lambda x: scipy_special.k1(x), POSITIVE, 0.0),
    "scaled_modified_bessel_k0": (lambda x: scipy_special.k0e(x), POSITIVE, 0.0),
    "scaled_modified_bessel_k1": (lambda x: scipy_special.k1e(x), POSITIVE, 0.0),
    "modified_bessel_i0": (lambda x: scipy_special.i0(x), GRID, 0.0),
    "modified_bessel_i1": (lambda x: scipy_special.i1(x), GRID, 0.0),
    "airy_ai": (lambda x: scipy_special.airy(x)[0], np.linspace(-20, 20, 2001), 1.2e-14),
}


@requires_scipy
@pytest.mark.parametrize("name", FUNCTIONS)
def test_values_match_scipy_in_float64(name):
    reference, x, atol = FUNCTIONS[name]
    out = getattr(S, name)(T(x, dtype=mt.float64)).numpy()
    # measured against mpmath: below 2e-14 relative away from the zeros (Y0 next to its zero
    # at 3.96 the most)
    np.testing.assert_allclose(out, reference(x), rtol=3e-14, atol=atol)


@requires_scipy
@pytest.mark.parametrize("name", ["bessel_j0", "bessel_y1", "modified_bessel_k1", "airy_ai"])
def test_float32_is_float64_rounded(name):
    reference, x, _ = FUNCTIONS[name]
    out = getattr(S, name)(T(x.astype(np.float32))).numpy()
    assert out.dtype == np.float32
    expected = reference(x.astype(np.float32).astype(np.float64))
    np.testing.assert_allclose(out, expected.astype(np.float32), rtol=1.2e-7, atol=1e-37)


def test_integer_and_bool_inputs_give_the_default_float_dtype():
    assert S.bessel_j0(T([1, 2])).dtype is mt.float32
    assert S.airy_ai(T([True])).dtype is mt.float32


def test_special_values_follow_pytorch():
    x = T([0.0, -1.0, math.inf, -math.inf, math.nan], dtype=mt.float64)
    nan, inf = math.nan, math.inf
    np.testing.assert_array_equal(S.bessel_y0(x).numpy(), [-inf, nan, nan, nan, nan])
    np.testing.assert_array_equal(S.bessel_y1(x).numpy(), [-inf, nan, nan, nan, nan])
    np.testing.assert_array_equal(S.modified_bessel_k0(x).numpy(), [inf, nan, 0, nan, nan])
    np.testing.assert_array_equal(S.scaled_modified_bessel_k1(x).numpy(), [inf, nan, 0, nan, nan])
    np.testing.assert_array_equal(S.spherical_bessel_j0(x).numpy()[[0, 2, 3]], [1, 0, 0])
    np.testing.assert_array_equal(S.airy_ai(x).numpy()[2:], [nan, nan, nan])
    assert S.bessel_j1(T([-0.0, 0.0])).tolist() == [0.0, 0.0]


def test_airy_ai_underflows_gradually_where_exp_would_overflow():
    out = S.airy_ai(T([100.0, 104.0, 110.0], dtype=mt.float64)).numpy()
    assert 0 < out[0] and 0 < out[1] < 1e-300 and out[2] == 0


@pytest.mark.parametrize("name, points", [
    ("bessel_j0", [-7.0, -1.0, 0.3, 2.0, 6.0, 30.0]),
    ("bessel_j1", [-7.0, 0.0, 0.3, 2.0, 6.0, 30.0]),
    ("bessel_y0", [0.3, 2.0, 6.0, 30.0]),
    ("bessel_y1", [0.3, 2.0, 6.0, 30.0]),
    ("modified_bessel_k0", [0.3, 2.0, 6.0]),
    ("modified_bessel_k1", [0.3, 1.9, 2.1, 6.0]),
    ("scaled_modified_bessel_k0", [0.3, 2.0, 6.0, 30.0]),
    ("scaled_modified_bessel_k1", [0.3, 2.0, 6.0, 30.0]),
    ("spherical_bessel_j0", [-3.0, -0.4, 0.0, 0.49, 0.51, 2.0]),
])
def test_gradients_match_finite_differences_to_second_order(name, points):
    f = getattr(S, name)
    x = T(points, dtype=mt.float64, requires_grad=True)
    assert gradcheck(f, (x,))
    assert gradcheck(lambda t: mt.autograd.grad(f(t).sum(), t, create_graph=True)[0], (x,))


def test_airy_ai_has_no_gradient_as_in_pytorch():
    assert not S.airy_ai(T([1.0], requires_grad=True)).requires_grad


def test_a_non_tensor_argument_is_refused():
    with pytest.raises(TypeError, match="bessel_j0.*must be Tensor, not float"):
        S.bessel_j0(1.0)
