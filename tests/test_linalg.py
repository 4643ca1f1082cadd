"""mt.linalg's factorisations: solve, inv, det, slogdet (LU with partial pivoting), cholesky,
cholesky_ex, solve_triangular, cholesky_solve, and the top-level names and Tensor methods.
Values against NumPy, gradients against PyTorch (float64, a random projection of the output)
and finite differences, batched and broadcast inputs, and PyTorch's error messages."""

import re

import numpy as np
import pytest
from torch_reference import check_same, leaf_pair, requires_torch, torch

import microtorch_core as mt
from microtorch_core.autograd import gradcheck

RNG = np.random.default_rng(2024)


def general(*shape):
    """Random square matrices, comfortably invertible, that need row swaps to factor."""
    a = RNG.standard_normal(shape)
    return a + 2 * np.sign(RNG.standard_normal(shape[:-1]))[..., None] * np.eye(shape[-1])[
        RNG.permutation(shape[-1])]


def spd(*shape):
    """Random symmetric positive-definite matrices."""
    a = RNG.standard_normal(shape)
    return a @ np.swapaxes(a, -1, -2) + shape[-1] * np.eye(shape[-1])


def lower(*shape):
    """Random lower-triangular matrices with a diagonal away from 0."""
    return np.tril(RNG.standard_normal(shape)) + 3 * np.eye(shape[-1])


def T(x, requires_grad=False):  # noqa: N802
    return mt.tensor(np.asarray(x, dtype=np.float64), requires_grad=requires_grad)


def close(ours, expected, rtol=1e-10, atol=1e-12):
    np.testing.assert_allclose(ours.detach().numpy(), expected, rtol=rtol, atol=atol)


# -- values against NumPy ------------------------------------------------------------------------
@pytest.mark.parametrize(("shape_a", "shape_b"), [
    ((4, 4), (4, 2)), ((4, 4), (4,)), ((3, 4, 4), (3, 4)), ((3, 4, 4), (3, 4, 1)),
    ((2, 1, 3, 3), (4, 3, 2)), ((3, 3), (5, 3, 2)), ((1, 1), (1, 1)),
])
def test_solve_matches_numpy_with_vector_and_broadcast_right_hand_sides(shape_a, shape_b):
    a, b = general(*shape_a), RNG.standard_normal(shape_b)
    vector = len(shape_b) == 1 or shape_b == shape_a[:-1]
    expected = np.linalg.solve(a, b[..., None])[..., 0] if vector else np.linalg.solve(a, b)
    close(mt.linalg.solve(T(a), T(b)), expected)


def test_solve_with_left_false_solves_x_a_equals_b():
    a, b = general(3, 4, 4), RNG.standard_normal((3, 2, 4))
    x = mt.linalg.solve(T(a), T(b), left=False).numpy()
    np.testing.assert_allclose(x @ a, b, atol=1e-12)


def test_solve_pivots_past_a_zero_leading_entry():
    a = np.array([[0.0, 2.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 3.0]])
    close(mt.linalg.solve(T(a), T([1.0, 2.0, 3.0])), np.linalg.solve(a, [1.0, 2.0, 3.0]))


def test_solve_keeps_float32():
    a, b = general(4, 4).astype(np.float32), RNG.standard_normal(4).astype(np.float32)
    x = mt.linalg.solve(mt.tensor(a), mt.tensor(b))
    assert x.dtype is mt.float32
    np.testing.assert_allclose(x.numpy(), np.linalg.solve(a, b), rtol=1e-4, atol=1e-5)


def test_inv_matches_numpy_batched():
    a = general(2, 3, 5, 5)
    close(mt.linalg.inv(T(a)), np.linalg.inv(a))


@pytest.mark.parametrize("shape", [(1, 1), (3, 3), (6, 6), (4, 2, 3, 3)])
def test_det_and_slogdet_match_numpy(shape):
    a = general(*shape)
    close(mt.linalg.det(T(a)), np.linalg.det(a))
    sign, logabsdet = mt.linalg.slogdet(T(a))
    expected_sign, expected_log = np.linalg.slogdet(a)
    close(sign, expected_sign)
    close(logabsdet, expected_log)


def test_det_sign_follows_the_row_swaps():
    swap = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    cycle = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    assert mt.linalg.det(T(np.stack([swap, cycle]))).tolist() == [-1.0, 1.0]


def test_singular_matrices_have_det_0_and_slogdet_minus_inf():
    a = np.array([[[1.0, 2.0], [2.0, 4.0]], [[0.0, 0.0], [0.0, 0.0]]])
    assert mt.linalg.det(T(a)).tolist() == [0.0, 0.0]
    sign, logabsdet = mt.linalg.slogdet(T(a))
    assert sign.tolist() == [0.0, 0.0] and logabsdet.tolist() == [-np.inf, -np.inf]


def test_empty_matrices_have_det_1_and_an_empty_inverse():
    assert mt.linalg.det(mt.zeros(3, 0, 0)).tolist() == [1.0, 1.0, 1.0]
    assert mt.linalg.inv(mt.zeros(2, 0, 0)).shape == (2, 0, 0)
    assert mt.linalg.cholesky(mt.zeros(0, 0)).shape == (0, 0)


def test_logdet_is_nan_for_a_negative_determinant_and_minus_inf_for_a_singular_one():
    a = np.stack([spd(3, 3), -np.eye(3), np.zeros((3, 3))])
    out = mt.logdet(T(a)).tolist()
    assert out[0] == pytest.approx(np.log(np.linalg.det(a[0])), rel=1e-12)
    assert np.isnan(out[1]) and out[2] == -np.inf


@pytest.mark.parametrize("shape", [(1, 1), (4, 4), (2, 3, 5, 5)])
def test_cholesky_matches_numpy(shape):
    a = spd(*shape)
    close(mt.linalg.cholesky(T(a)), np.linalg.cholesky(a))
    close(mt.linalg.cholesky(T(a), upper=True), np.swapaxes(np.linalg.cholesky(a), -1, -2))


def test_cholesky_reads_only_the_named_triangle():
    a = spd(4, 4)
    garbage_above, garbage_below = a + np.triu(np.full((4, 4), 9.0), 1), a - np.tril(
        np.full((4, 4), 9.0), -1)
    close(mt.linalg.cholesky(T(garbage_above)), np.linalg.cholesky(a))
    close(mt.linalg.cholesky(T(garbage_below), upper=True), np.linalg.cholesky(a).T)


def test_cholesky_ex_reports_the_first_leading_minor_that_is_not_positive_definite():
    bad = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 2.0], [0.0, 2.0, 1.0]])
    good = spd(3, 3)
    result = mt.linalg.cholesky_ex(T(np.stack([good, bad, -np.eye(3)])))
    assert result.info.dtype is mt.int32 and result.info.tolist() == [0, 3, 1]
    close(result.L[0], np.linalg.cholesky(good))


@pytest.mark.parametrize("upper", [False, True])
@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("unitriangular", [False, True])
def test_solve_triangular_matches_a_dense_solve(upper, left, unitriangular):
    a = lower(2, 4, 4) + np.triu(RNG.standard_normal((4, 4)), 1)  # the other triangle: unread
    triangle = np.triu(a) if upper else np.tril(a)
    if unitriangular:
        triangle[..., range(4), range(4)] = 1.0
    b = RNG.standard_normal((3, 1, 4, 2) if left else (3, 1, 2, 4))
    expected = (np.linalg.solve(triangle, b) if left
                else np.swapaxes(np.linalg.solve(np.swapaxes(triangle, -1, -2),
                                                 np.swapaxes(b, -1, -2)), -1, -2))
    out = mt.linalg.solve_triangular(T(a), T(b), upper=upper, left=left,
                                     unitriangular=unitriangular)
    close(out, expected)


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_solve_matches_a_dense_solve(upper):
    factor = lower(2, 3, 3)
    b = RNG.standard_normal((4, 1, 3, 2))
    a = factor @ np.swapaxes(factor, -1, -2)
    given = np.swapaxes(factor, -1, -2) if upper else factor
    close(mt.cholesky_solve(T(b), T(given), upper), np.linalg.solve(a, b))


# -- the top-level names and Tensor methods ------------------------------------------------------
def test_top_level_aliases_and_tensor_methods():
    a, b = T(spd(3, 3)), T(RNG.standard_normal((3, 2)))
    factor = mt.linalg.cholesky(a)
    assert mt.inverse(a).tolist() == a.inverse().tolist() == mt.linalg.inv(a).tolist()
    assert mt.det(a).item() == a.det().item() == mt.linalg.det(a).item()
    assert a.logdet().item() == mt.linalg.slogdet(a).logabsdet.item() == a.slogdet()[1].item()
    assert mt.cholesky(a).tolist() == a.cholesky().tolist() == factor.tolist()
    assert a.cholesky(True).tolist() == factor.mT.tolist()
    close(b.cholesky_solve(factor), np.linalg.solve(a.numpy(), b.numpy()))


# -- gradients against PyTorch -------------------------------------------------------------------
@requires_torch
@pytest.mark.parametrize(("shape_a", "shape_b"), [((4, 4), (4, 2)), ((4, 4), (4,)),
                                                  ((3, 4, 4), (3, 4)), ((2, 1, 3, 3), (4, 3, 2))])
def test_solve_gradients_match_torch(shape_a, shape_b):
    (a, ta), (b, tb) = leaf_pair(general(*shape_a)), leaf_pair(RNG.standard_normal(shape_b))
    check_same(mt.linalg.solve(a, b), torch.linalg.solve(ta, tb), [(a, ta), (b, tb)])


@requires_torch
def test_solve_left_false_gradients_match_torch():
    (a, ta), (b, tb) = leaf_pair(general(2, 3, 3)), leaf_pair(RNG.standard_normal((2, 4, 3)))
    check_same(mt.linalg.solve(a, b, left=False), torch.linalg.solve(ta, tb, left=False),
               [(a, ta), (b, tb)])


@requires_torch
@pytest.mark.parametrize("name", ["inv", "det"])
def test_inv_and_det_gradients_match_torch(name):
    a, ta = leaf_pair(general(2, 4, 4))
    check_same(getattr(mt.linalg, name)(a), getattr(torch.linalg, name)(ta), [(a, ta)])


@requires_torch
def test_slogdet_and_logdet_gradients_match_torch():
    a, ta = leaf_pair(general(3, 4, 4))
    check_same(mt.linalg.slogdet(a).logabsdet, torch.linalg.slogdet(ta).logabsdet, [(a, ta)])
    b, tb = leaf_pair(spd(2, 3, 3))
    check_same(mt.logdet(b), torch.logdet(tb), [(b, tb)])


def test_slogdet_sign_is_differentiable_with_no_gradient():
    a = T(general(3, 3), requires_grad=True)
    sign, _ = mt.linalg.slogdet(a)
    assert sign.requires_grad  # as PyTorch's: piecewise constant, so its gradient is None
    sign.backward()
    assert a.grad is None


@requires_torch
def test_det_gradient_at_a_singular_matrix_is_zero_as_in_torch():
    a, ta = leaf_pair([[1.0, 2.0], [2.0, 4.0]])
    check_same(mt.linalg.det(a), torch.linalg.det(ta), [(a, ta)])


@requires_torch
@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_gradient_is_torchs_symmetric_one(upper):
    a, ta = leaf_pair(spd(2, 4, 4))
    check_same(mt.linalg.cholesky(a, upper=upper), torch.linalg.cholesky(ta, upper=upper),
               [(a, ta)])
    np.testing.assert_allclose(a.grad.numpy(), np.swapaxes(a.grad.numpy(), -1, -2), atol=1e-12)


@requires_torch
@pytest.mark.parametrize("upper", [False, True])
@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("unitriangular", [False, True])
def test_solve_triangular_gradients_match_torch(upper, left, unitriangular):
    a_data = lower(2, 4, 4) + np.triu(RNG.standard_normal((4, 4)), 1)
    (a, ta), (b, tb) = leaf_pair(a_data), leaf_pair(
        RNG.standard_normal((3, 1, 4, 2) if left else (3, 1, 2, 4)))
    kwargs = {"upper": upper, "left": left, "unitriangular": unitriangular}
    check_same(mt.linalg.solve_triangular(a, b, **kwargs),
               torch.linalg.solve_triangular(ta, tb, **kwargs), [(a, ta), (b, tb)])


@requires_torch
@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_solve_gradients_match_torch(upper):
    factor = lower(2, 3, 3)
    (f, tf), (b, tb) = leaf_pair(factor.swapaxes(-1, -2) if upper else factor), leaf_pair(
        RNG.standard_normal((3, 2)))
    check_same(mt.cholesky_solve(b, f, upper), torch.cholesky_solve(tb, tf, upper),
               [(f, tf), (b, tb)])


@requires_torch
def test_second_derivatives_of_inv_and_solve_match_torch():
    (a, ta), (b, tb) = leaf_pair(general(3, 3)), leaf_pair(RNG.standard_normal(3))
    (ga,) = mt.autograd.grad((mt.linalg.inv(a) ** 2).sum() + mt.linalg.solve(a, b).sum(), [a],
                             create_graph=True)
    (tga,) = torch.autograd.grad((torch.linalg.inv(ta) ** 2).sum()
                                 + torch.linalg.solve(ta, tb).sum(), [ta], create_graph=True)
    check_same(ga, tga, [(a, ta), (b, tb)])


# -- gradients by finite differences -------------------------------------------------------------
def test_solve_inv_det_slogdet_gradients_match_finite_differences():
    a, b = T(general(2, 3, 3), requires_grad=True), T(RNG.standard_normal((3, 2)), True)
    assert gradcheck(lambda a, b: mt.linalg.solve(a, b), [a, b])
    assert gradcheck(mt.linalg.inv, [a])
    assert gradcheck(mt.linalg.det, [a])
    assert gradcheck(lambda a: mt.linalg.slogdet(a).logabsdet, [a])


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_gradient_matches_finite_differences_on_symmetrised_inputs(upper):
    # as PyTorch's gradcheck of cholesky: the function of (A + A^T) / 2, as the gradient
    # is symmetric while the factorisation reads one triangle
    a = T(spd(2, 3, 3), requires_grad=True)
    assert gradcheck(lambda a: mt.linalg.cholesky(0.5 * (a + a.mT), upper=upper), [a])


def test_triangular_solves_gradients_match_finite_differences():
    a, b = T(lower(3, 3), requires_grad=True), T(RNG.standard_normal((2, 3, 2)), True)
    assert gradcheck(lambda a, b: mt.linalg.solve_triangular(a, b, upper=False), [a, b])
    assert gradcheck(lambda a, b: mt.linalg.solve_triangular(
        a.mT, b.mT, upper=True, left=False, unitriangular=True), [a, b])
    assert gradcheck(lambda a, b: mt.cholesky_solve(b, a.tril()), [a, b])


# -- errors --------------------------------------------------------------------------------------
def test_cholesky_names_the_leading_minor_that_failed():
    message = ("linalg.cholesky: The factorization could not be completed because the input is "
               "not positive-definite (the leading minor of order 2 is not positive-definite).")
    with pytest.raises(mt.linalg.LinAlgError, match=re.escape(message)):
        mt.linalg.cholesky(T([[1.0, 2.0], [2.0, 1.0]]))
    with pytest.raises(RuntimeError, match=re.escape("linalg.cholesky: (Batch element 1): The "
                                                     "factorization could not be completed")):
        mt.linalg.cholesky(T([np.eye(2), [[1.0, 2.0], [2.0, 1.0]]]))
    with pytest.raises(mt.linalg.LinAlgError, match=r"^cholesky: .* order 1 is not"):
        T(-np.eye(2)).cholesky()


def test_cholesky_ex_raises_only_when_asked():
    not_definite = T([[1.0, 2.0], [2.0, 1.0]])
    assert mt.linalg.cholesky_ex(not_definite).info.item() == 2
    with pytest.raises(mt.linalg.LinAlgError, match="linalg.cholesky_ex: .* order 2"):
        mt.linalg.cholesky_ex(not_definite, check_errors=True)


def test_singular_matrices_raise_pytorchs_messages():
    singular = T([[1.0, 2.0], [2.0, 4.0]])
    with pytest.raises(mt.linalg.LinAlgError, match=re.escape(
            "linalg.solve: The solver failed because the input matrix is singular.")):
        mt.linalg.solve(singular, T([1.0, 1.0]))
    with pytest.raises(mt.linalg.LinAlgError, match=re.escape(
            "linalg.inv: (Batch element 1): The diagonal element 2 is zero, the inversion could "
            "not be completed because the input matrix is singular.")):
        mt.linalg.inv(mt.stack([T(np.eye(2)), singular]))
    assert issubclass(mt.linalg.LinAlgError, RuntimeError)


@pytest.mark.parametrize(("call", "message"), [
    (lambda: mt.linalg.solve(mt.ones(3, 2), mt.ones(3)),
     "linalg.solve: A must be batches of square matrices, but they are 3 by 2 matrices"),
    (lambda: mt.linalg.inv(mt.ones(3)),
     "linalg.inv: The input tensor A must have at least 2 dimensions."),
    (lambda: mt.linalg.det(mt.ones(2, 3)),
     "linalg.det: A must be batches of square matrices, but they are 2 by 3 matrices"),
    (lambda: mt.linalg.cholesky(mt.ones(2, 3)),
     "linalg.cholesky: A must be batches of square matrices, but they are 2 by 3 matrices"),
    (lambda: mt.linalg.solve(mt.eye(3), mt.ones(2, 2)),
     "linalg.solve: Incompatible shapes of A and B for the equation AX = B (3x3 and 2x2)"),
    (lambda: mt.linalg.solve(mt.eye(3), mt.ones(2)),
     "linalg.solve: Incompatible shapes of A and B for the equation AX = B (3x3 and 2x1)"),
    (lambda: mt.linalg.solve_triangular(mt.eye(3), mt.ones(3, 2), upper=False, left=False),
     "linalg.solve_triangular: Incompatible shapes of A and B for the equation XA = B (3x3 and "
     "3x2)"),
    (lambda: mt.linalg.solve_triangular(mt.eye(3), mt.ones(3), upper=True),
     "linalg.solve_triangular: The input tensor B must have at least 2 dimensions."),
    (lambda: mt.linalg.inv(mt.eye(2, dtype=mt.int64)),
     "linalg.inv: Expected a floating point tensor as input. Got int64"),
    (lambda: mt.linalg.solve(mt.eye(2, dtype=mt.float64), mt.ones(2)),
     "linalg.solve: Expected A and B to have the same dtype, but found A of type float64 and B "
     "of type float32 instead"),
    (lambda: mt.cholesky_solve(mt.ones(3, 2), mt.eye(2)),
     "Incompatible matrix sizes for cholesky_solve: each L matrix is 2 by 2 but each B matrix "
     "is 3 by 2"),
])
def test_argument_errors_name_the_problem(call, message):
    with pytest.raises(RuntimeError, match=re.escape(message)):
        call()


def test_batch_dims_that_do_not_broadcast_are_an_error():
    with pytest.raises(RuntimeError, match=r"\(2, 3, 3\).*\(4, 3, 1\)|cannot be broadcast"):
        mt.linalg.solve(mt.eye(3).expand(2, 3, 3), mt.ones(4, 3, 1))
