"""linalg.matrix_exp (ops/linalg/matrix_exp.py): values against mpmath, SciPy and exact cases,
each matrix of a batch scaled on its own, float32, special inputs, gradients by finite
differences to second order."""

import math

import numpy as np
import pytest
import scipy.linalg

import microtorch_core as mt
from microtorch_core.autograd.gradcheck import gradcheck

T = mt.tensor
mpmath = pytest.importorskip("mpmath")  # installed with SymPy, which PyTorch needs


@pytest.mark.parametrize("scale", [1e-3, 0.2, 1.0, 5.0, 40.0])
def test_values_match_mpmath(scale):
    a = np.random.default_rng(0).standard_normal((3, 5, 5)) * scale / np.sqrt(5)
    mpmath.mp.dps = 40
    expected = np.array([np.array(mpmath.expm(mpmath.matrix(m.tolist())).tolist(), dtype=float)
                         for m in a])
    # within 8e-15 of the norm (SciPy's expm: 6e-12 at scale 40)
    out = mt.linalg.matrix_exp(T(a)).numpy()
    for ours, exact in zip(out, expected):
        assert np.abs(ours - exact).max() <= 2e-14 * np.abs(exact).max()


def test_each_matrix_of_a_batch_takes_its_own_squarings():
    # a rotation generator: exp(t J) = [[cos t, sin t], [-sin t, cos t]]
    t = np.array([1e-4, 0.5, 3.0, 100.0])
    a = np.zeros((4, 2, 2))
    a[:, 0, 1], a[:, 1, 0] = t, -t
    out = mt.matrix_exp(T(a)).numpy()
    np.testing.assert_allclose(out[:, 0, 0], np.cos(t), atol=1e-14 * t.max())
    np.testing.assert_allclose(out[:, 0, 1], np.sin(t), atol=1e-14 * t.max())


def test_float32_is_float64_rounded_and_method_and_alias_agree():
    a = np.random.default_rng(1).standard_normal((4, 4)).astype(np.float32)
    out = T(a).matrix_exp()
    assert out.dtype is mt.float32
    np.testing.assert_allclose(out.numpy(), scipy.linalg.expm(a.astype(np.float64)),
                               rtol=3e-7, atol=1e-7)
    np.testing.assert_array_equal(mt.matrix_exp(T(a)).numpy(), out.numpy())


def test_empty_non_finite_and_bad_inputs():
    assert mt.linalg.matrix_exp(mt.zeros(0, 0)).shape == (0, 0)
    assert np.isnan(mt.linalg.matrix_exp(T([[math.nan, 1.0], [0.0, 1.0]])).numpy()).all()
    with pytest.raises(RuntimeError, match="square matrices, but they are 2 by 3"):
        mt.linalg.matrix_exp(mt.zeros(2, 3))
    with pytest.raises(RuntimeError, match="floating point"):
        mt.linalg.matrix_exp(T([[1]]))


def test_gradient_matches_finite_differences_to_second_order():
    x = T(np.random.default_rng(2).standard_normal((2, 3, 3)), requires_grad=True)
    assert gradcheck(mt.linalg.matrix_exp, (x,))
    y = T(np.random.default_rng(3).standard_normal((2, 2)), requires_grad=True)
    assert gradcheck(lambda t: mt.autograd.grad((mt.linalg.matrix_exp(t) ** 2).sum(), t,
                                                create_graph=True)[0], (y,))
