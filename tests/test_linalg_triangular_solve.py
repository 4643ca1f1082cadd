"""triangular_solve (ops/linalg/triangular_solve.py) and cholesky_inverse
(cholesky_inverse.py): values against SciPy and NumPy, broadcasting, the cloned coefficient,
gradients by finite differences, errors."""

import numpy as np
import pytest
import scipy.linalg

import microtorch_core as mt
from microtorch_core.autograd.gradcheck import gradcheck

T = mt.tensor


@pytest.mark.parametrize("upper", [True, False])
@pytest.mark.parametrize("transpose", [False, True])
def test_triangular_solve_matches_scipy(upper, transpose):
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((4, 4)) + 4 * np.eye(4), rng.standard_normal((4, 2))
    x, clone = mt.triangular_solve(T(b), T(a), upper, transpose)
    expected = scipy.linalg.solve_triangular(a, b, lower=not upper, trans=int(transpose))
    np.testing.assert_allclose(x.numpy(), expected, rtol=1e-13, atol=1e-14)
    np.testing.assert_array_equal(clone.numpy(), a)  # all of A, not only its triangle


def test_triangular_solve_broadcasts_and_copies_a_to_the_batch_shape():
    a = T(np.triu(np.random.default_rng(1).standard_normal((3, 3))) + 3 * np.eye(3))
    result = T(np.ones((2, 3, 1))).triangular_solve(a, unitriangular=True)
    assert result.solution.shape == (2, 3, 1) and result.cloned_coefficient.shape == (2, 3, 3)
    with pytest.raises(RuntimeError, match="Expected b to have at least 2 dimensions"):
        mt.triangular_solve(mt.ones(3), a)


def test_triangular_solve_gradients_match_finite_differences():
    rng = np.random.default_rng(2)
    a = T(rng.standard_normal((3, 3)) + 3 * np.eye(3), requires_grad=True)
    b = T(rng.standard_normal((3, 2)), requires_grad=True)
    assert gradcheck(lambda x, y: mt.triangular_solve(y, x, False, True), (a, b))


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_inverse_inverts_a_from_its_factor(upper):
    m = np.random.default_rng(3).standard_normal((2, 4, 4))
    a = m @ m.transpose(0, 2, 1) + 4 * np.eye(4)
    factor = mt.linalg.cholesky(T(a), upper=upper)
    out = mt.cholesky_inverse(factor, upper)
    np.testing.assert_allclose(out.numpy(), np.linalg.inv(a), rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(factor.cholesky_inverse(upper).numpy(), out.numpy())


def test_cholesky_inverse_gradient_matches_finite_differences():
    # PyTorch's gradient is the derivative in every entry of the factor, which the op reads
    # only a triangle of: finite differences see it through tril/triu (as PyTorch's own
    # gradcheck of the op, gradcheck_wrapper_triangular_input)
    factor = T(np.random.default_rng(4).standard_normal((3, 3)) + 3 * np.eye(3),
               requires_grad=True)
    assert gradcheck(lambda t: mt.cholesky_inverse(mt.tril(t)), (factor,))
    assert gradcheck(lambda t: mt.cholesky_inverse(mt.triu(t), True), (factor,))
    with pytest.raises(RuntimeError, match="square matrices, but they are 2 by 3"):
        mt.cholesky_inverse(mt.zeros(2, 3))
