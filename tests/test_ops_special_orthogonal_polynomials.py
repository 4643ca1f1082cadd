"""The orthogonal polynomials of ``mt.special`` (ops/special/orthogonal_polynomials.py): values
against SciPy's ``eval_*`` (V and W through V_n = U_n - U_(n-1), W_n = U_n + U_(n-1)),
PyTorch's degree conventions, dtype promotion, and no gradient (as in PyTorch)."""

import math

import numpy as np
import pytest
from scipy_reference import requires_scipy, scipy_special
from torch_reference import requires_torch, torch

import microtorch_core as mt

T = mt.tensor
S = mt.special


def _chebyshev_v(n, x):
    return scipy_special.eval_chebyu(n, x) - scipy_special.eval_chebyu(n - 1, x)


def _chebyshev_w(n, x):
    return scipy_special.eval_chebyu(n, x) + scipy_special.eval_chebyu(n - 1, x)


REFERENCES = {
    "chebyshev_polynomial_t": lambda n, x: scipy_special.eval_chebyt(n, x),
    "chebyshev_polynomial_u": lambda n, x: scipy_special.eval_chebyu(n, x),
    "chebyshev_polynomial_v": _chebyshev_v,
    "chebyshev_polynomial_w": _chebyshev_w,
    "shifted_chebyshev_polynomial_t": lambda n, x: scipy_special.eval_sh_chebyt(n, x),
    "shifted_chebyshev_polynomial_u": lambda n, x: scipy_special.eval_sh_chebyu(n, x),
    "shifted_chebyshev_polynomial_v": lambda n, x: _chebyshev_v(n, 2 * x - 1),
    "shifted_chebyshev_polynomial_w": lambda n, x: _chebyshev_w(n, 2 * x - 1),
    "hermite_polynomial_h": lambda n, x: scipy_special.eval_hermite(n, x),
    "hermite_polynomial_he": lambda n, x: scipy_special.eval_hermitenorm(n, x),
    "laguerre_polynomial_l": lambda n, x: scipy_special.eval_laguerre(n, x),
    "legendre_polynomial_p": lambda n, x: scipy_special.eval_legendre(n, x),
}
X = np.concatenate([np.linspace(-1.5, 1.5, 61), [-1.0, 1.0, 0.0, 0.5]])


@requires_scipy
@pytest.mark.parametrize("name", REFERENCES)
def test_values_match_scipy_for_each_elements_own_degree(name):
    degrees = np.arange(0, 60)
    x, n = np.meshgrid(X, degrees)  # every degree, including the closed forms' (n > 32)
    out = getattr(S, name)(T(x), T(n.astype(np.float64))).numpy()
    expected = REFERENCES[name](n, x)
    # the recurrences and closed forms agree with SciPy's to a few rounding errors per degree
    np.testing.assert_allclose(out, expected, rtol=1e-11, atol=1e-11)


@pytest.mark.parametrize("name", REFERENCES)
def test_a_negative_or_non_finite_degree_gives_zero(name):
    n = T([-1.0, -7.0, math.nan, math.inf, -math.inf, 1e30], dtype=mt.float64)
    assert getattr(S, name)(T(0.3, dtype=mt.float64), n).tolist() == [0.0] * 6


def test_the_degree_is_truncated_towards_zero():
    x = T([2.0, 2.0, 2.0], dtype=mt.float64)
    assert S.chebyshev_polynomial_t(x, T([3.9, 3.0, -0.5], dtype=mt.float64)).tolist() == [
        26.0, 26.0, 1.0]


def test_hermite_above_pytorchs_degree_limit_is_nan():
    assert math.isnan(S.hermite_polynomial_h(T([0.5], dtype=mt.float64), 513).item())
    x = T([0.5])  # float32: the limit is 128
    assert S.hermite_polynomial_he(x, 128).item() == math.inf  # past float32's range
    assert math.isnan(S.hermite_polynomial_he(x, 129).item())


def test_exact_values_at_the_ends():
    x = T([1.0, -1.0], dtype=mt.float64)
    assert S.chebyshev_polynomial_u(x, 5).tolist() == [6.0, -6.0]
    assert S.chebyshev_polynomial_v(x, 5).tolist() == [1.0, -11.0]
    assert S.chebyshev_polynomial_w(x, 5).tolist() == [11.0, -1.0]
    assert S.legendre_polynomial_p(x, 7).tolist() == [1.0, -1.0]
    assert S.laguerre_polynomial_l(T([0.0]), 40).tolist() == [1.0]


def test_dtype_promotion_and_python_numbers():
    assert S.legendre_polynomial_p(T([1, 2]), 3).dtype is mt.float32
    assert S.legendre_polynomial_p(T([0.5]), T([3.0], dtype=mt.float64)).dtype is mt.float64
    assert S.hermite_polynomial_h(0.5, T([0, 1, 2])).tolist() == [1.0, 1.0, -1.0]
    with pytest.raises(TypeError, match="at least one Tensor"):
        S.chebyshev_polynomial_t(0.5, 3)


def test_the_degree_broadcasts_against_x():
    out = S.chebyshev_polynomial_t(T([[0.5], [2.0]], dtype=mt.float64), T([0.0, 1.0, 2.0]))
    assert out.shape == (2, 3)
    np.testing.assert_allclose(out.numpy(), [[1.0, 0.5, -0.5], [1.0, 2.0, 7.0]])


def test_a_value_too_large_for_the_dtype_is_infinite():
    out = S.chebyshev_polynomial_t(T([3.0, -3.0]), 200)  # 3^200 / 2 overflows float32
    assert out.tolist() == [math.inf, math.inf]


def test_no_gradient_as_in_pytorch():
    x = T([0.5], requires_grad=True)
    assert not S.chebyshev_polynomial_t(x, 3).requires_grad


@requires_torch
@pytest.mark.parametrize("name", REFERENCES)
def test_float64_matches_pytorch_including_its_conventions(name):
    x = np.concatenate([X, [2.5, -2.5]])
    n = np.array([-2.0, 0.0, 1.0, 2.0, 5.0, 6.7, 9.0, 12.0, 20.0, 31.0])[:, None]
    out = getattr(S, name)(T(x), T(n)).numpy()
    expected = getattr(torch.special, name)(torch.tensor(x), torch.tensor(n)).numpy()
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)
