"""linalg.ldl_factor, ldl_factor_ex and ldl_solve (ops/linalg/ldl.py): the factors and pivots
against SciPy's LAPACK ``dsytrf`` itself (Bunch-Kaufman, 1 x 1 and 2 x 2 blocks, a different
choice per matrix of a batch), the solve against NumPy, singular matrices, errors."""

import numpy as np
import pytest
from scipy.linalg import lapack

import microtorch_core as mt

T = mt.tensor


def _symmetric(n, seed, small_diagonal=False):
    a = np.random.default_rng(seed).standard_normal((n, n))
    a = a + a.T
    if small_diagonal:  # Bunch-Kaufman then takes 2 x 2 blocks
        a[np.diag_indices(n)] *= 1e-3
    return a


def _lapack(a):
    """(LD, pivots, info) as PyTorch gives them: dsytrf's lower factor, its upper triangle
    zeroed."""
    ld, ipiv, info = lapack.dsytrf(a, lower=1)
    return np.tril(ld), ipiv, info


@pytest.mark.parametrize("small_diagonal", [False, True], ids=["1x1", "2x2"])
def test_factors_match_lapack_for_each_matrix_of_a_batch(small_diagonal):
    matrices = [_symmetric(6, seed, small_diagonal and seed % 2 == 0) for seed in range(4)]
    ld, pivots, info = mt.linalg.ldl_factor_ex(T(np.stack(matrices)))
    assert pivots.dtype is mt.int32 and info.tolist() == [0, 0, 0, 0]
    for i, a in enumerate(matrices):
        ld_ref, piv_ref, _ = _lapack(a)
        np.testing.assert_allclose(ld.numpy()[i], ld_ref, rtol=1e-12, atol=1e-13)
        assert pivots.numpy()[i].tolist() == piv_ref.tolist()
    if small_diagonal:  # the case exercises 2 x 2 blocks (negative pivots)
        assert (pivots.numpy() < 0).any()


def test_only_the_lower_triangle_is_read():
    a = _symmetric(4, 0)
    upper_garbage = a + np.triu(np.full((4, 4), 7.0), 1)
    np.testing.assert_array_equal(mt.linalg.ldl_factor(T(upper_garbage)).LD.numpy(),
                                  mt.linalg.ldl_factor(T(a)).LD.numpy())


@pytest.mark.parametrize("small_diagonal", [False, True], ids=["1x1", "2x2"])
def test_ldl_solve_matches_numpy_and_broadcasts(small_diagonal):
    a = np.stack([_symmetric(5, seed, small_diagonal) for seed in range(2)])
    b = np.random.default_rng(9).standard_normal((5, 3))
    x = mt.linalg.ldl_solve(*mt.linalg.ldl_factor(T(a)), T(b))
    assert x.shape == (2, 5, 3)
    np.testing.assert_allclose(x.numpy(), np.linalg.solve(a, b), rtol=1e-10, atol=1e-11)


def test_a_singular_d_is_reported_by_info_and_raised_by_ldl_factor():
    a = np.zeros((3, 3))
    a[1:, 1:] = [[2.0, 1.0], [1.0, 3.0]]  # column 0 is zero
    result = mt.linalg.ldl_factor_ex(T(a))
    assert result.info.item() == _lapack(a)[2] == 1
    with pytest.raises(mt.linalg.LinAlgError, match=r"D\[1,1\] is exactly zero"):
        mt.linalg.ldl_factor(T(a))


def test_empty_matrices_and_errors():
    assert mt.linalg.ldl_factor(mt.zeros(0, 2, 2)).LD.shape == (0, 2, 2)
    assert mt.linalg.ldl_solve(mt.zeros(0, 0), T([], dtype=mt.int32), mt.zeros(0, 2)).shape \
        == (0, 2)
    with pytest.raises(RuntimeError, match="square matrices, but they are 2 by 3"):
        mt.linalg.ldl_factor(mt.zeros(2, 3))
    with pytest.raises(RuntimeError, match="pivots must be between 1 and 2"):
        mt.linalg.ldl_solve(mt.eye(2), T([3, 1], dtype=mt.int32), mt.ones(2, 1))
