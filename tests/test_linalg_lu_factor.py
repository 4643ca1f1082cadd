"""The LU factorisation as an op (ops/linalg/lu_factor.py, lu_solve.py): linalg.lu_factor,
lu_factor_ex, linalg.lu, torch.lu, lu_unpack, linalg.lu_solve and torch.lu_solve, against
SciPy's LAPACK (``getrf``/``getrs``), gradients by finite differences (float64), errors."""

import warnings

import numpy as np
import pytest
import scipy.linalg

import microtorch_core as mt
from microtorch_core.autograd.gradcheck import gradcheck

T = mt.tensor
SHAPES = [(4, 4), (3, 5), (5, 3), (2, 3, 3), (1, 4), (4, 1)]


def _random(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_lu_matches_scipy_and_rebuilds_a(shape):
    a = _random(shape)
    p, lower, upper = mt.linalg.lu(T(a))
    for i, matrix in enumerate(a.reshape(-1, *shape[-2:])):
        ref = scipy.linalg.lu(matrix)  # (P, L, U) with A = P L U, as PyTorch
        for ours, theirs in zip((p, lower, upper), ref):
            np.testing.assert_allclose(ours.numpy().reshape(-1, *theirs.shape)[i], theirs,
                                       rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose((p @ lower @ upper).numpy(), a, rtol=1e-13, atol=1e-14)


def test_lu_factor_gives_lapacks_packed_form_and_one_based_pivots():
    a = _random((5, 5))
    lu, pivots = mt.linalg.lu_factor(T(a))
    lu_ref, piv_ref = scipy.linalg.lu_factor(a)  # 0-based pivots
    np.testing.assert_allclose(lu.numpy(), lu_ref, rtol=1e-13, atol=1e-14)
    assert pivots.dtype is mt.int32
    assert pivots.tolist() == (piv_ref + 1).tolist()


def test_lu_unpack_inverts_lu_factor():
    a = T(_random((2, 4, 3)))
    p, lower, upper = mt.lu_unpack(*mt.linalg.lu_factor(a))
    np.testing.assert_allclose((p @ lower @ upper).numpy(), a.numpy(), rtol=1e-13, atol=1e-14)
    p_only = mt.lu_unpack(*mt.linalg.lu_factor(a), unpack_data=False)
    assert p_only.L.shape == (0,) and p_only.U.shape == (0,) and p_only.P.shape == (2, 4, 4)


def test_a_singular_matrix_raises_in_lu_factor_and_reports_in_lu_factor_ex():
    a = T([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])
    with pytest.raises(mt.linalg.LinAlgError, match=r"lu_factor: U\[3,3\] is zero"):
        mt.linalg.lu_factor(a)
    assert mt.linalg.lu_factor_ex(a).info.item() == 3
    with pytest.raises(mt.linalg.LinAlgError, match=r"\(Batch element 1\): U\[3,3\]"):
        mt.linalg.lu_factor_ex(mt.stack([mt.eye(3), a]), check_errors=True)


def test_torch_lu_is_deprecated_and_never_raises():
    a = T([[1.0, 2.0], [2.0, 4.0]])
    with pytest.warns(UserWarning, match="torch.lu is deprecated"):
        lu, pivots, infos = mt.lu(a, get_infos=True)
    assert infos.item() == 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert len(a.lu()) == 2


@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("adjoint", [False, True])
def test_lu_solve_matches_scipy(left, adjoint):
    a, b = _random((4, 4)), _random((4, 3), seed=1)
    lu, pivots = mt.linalg.lu_factor(T(a))
    rhs = b if left else b.T
    x = mt.linalg.lu_solve(lu, pivots, T(rhs), left=left, adjoint=adjoint).numpy()
    # X A = B is A^T X^T = B^T: LAPACK's trans flips where left does not
    trans = int(adjoint) if left else int(not adjoint)
    expected = scipy.linalg.lu_solve(scipy.linalg.lu_factor(a), b, trans=trans)
    np.testing.assert_allclose(x if left else x.T, expected, rtol=1e-12, atol=1e-13)


def test_torch_lu_solve_takes_the_right_hand_side_first_and_broadcasts():
    a, b = _random((2, 3, 3)), _random((3, 2), seed=1)
    lu, pivots = mt.linalg.lu_factor(T(a))
    x = mt.lu_solve(T(b), lu, pivots)
    assert x.shape == (2, 3, 2)
    np.testing.assert_allclose(x.numpy(), np.linalg.solve(a, b), rtol=1e-12)
    np.testing.assert_allclose(T(b).lu_solve(lu, pivots).numpy(), x.numpy())


@pytest.mark.parametrize("shape", [(3, 3), (2, 4), (4, 2)], ids=str)
def test_lu_and_lu_factor_gradients_match_finite_differences(shape):
    a = T(_random(shape) + 2 * np.eye(*shape), requires_grad=True)
    assert gradcheck(lambda t: mt.linalg.lu(t)[1:], (a,))
    assert gradcheck(lambda t: mt.linalg.lu_factor(t).LU, (a,))


@pytest.mark.parametrize("left, adjoint", [(True, False), (False, True)])
def test_lu_solve_gradients_match_finite_differences(left, adjoint):
    lu, pivots = mt.linalg.lu_factor(T(_random((3, 3)) + 2 * np.eye(3)))
    lu = lu.detach().requires_grad_()
    b = T(_random((3, 2) if left else (2, 3), seed=1), requires_grad=True)
    assert gradcheck(lambda f, r: mt.linalg.lu_solve(f, pivots, r, left=left, adjoint=adjoint),
                     (lu, b))


def test_bad_pivots_are_refused():
    lu = T(np.eye(3))
    with pytest.raises(RuntimeError, match="int32"):
        mt.lu_unpack(lu, T([1, 2, 3]))
    with pytest.raises(RuntimeError, match="between 1 and LU.size"):
        mt.lu_unpack(lu, T([4, 2, 3], dtype=mt.int32))
    with pytest.raises(RuntimeError, match="greater or equal to 1"):
        mt.linalg.lu_solve(lu, T([0, 2, 3], dtype=mt.int32), T(np.ones((3, 1))))
    with pytest.raises(RuntimeError, match=r"Incompatible shapes .* \(3x3 and 4x1\)"):
        mt.linalg.lu_solve(lu, T([1, 2, 3], dtype=mt.int32), T(np.ones((4, 1))))
