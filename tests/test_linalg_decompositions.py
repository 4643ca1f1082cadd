"""The decompositions of mt.linalg: svd, svdvals, qr, eigh, eigvalsh, eig, eigvals, and what they
give: pinv, matrix_rank, lstsq, the matrix norms 'nuc'/2/-2 and cond; the older torch.svd,
torch.qr, torch.pinverse and the Tensor methods.

Every value test runs twice (the ``path`` fixture): with the CPU backend's LAPACK kernels and
with them taken out of the kernel table, which runs the core's composites (Jacobi rotations,
Householder reflections), as on a backend without the kernels. Values are compared with NumPy
(singular and eigenvectors up to sign), gradients with finite differences in float64 on
functions of the outputs that do not depend on those signs, and with PyTorch."""

import math
import re

import numpy as np
import pytest
from torch_reference import requires_torch, torch

import microtorch_core as mt
from microtorch_core.autograd import gradcheck

RNG = np.random.default_rng(13)
KERNELS = ("svd", "qr", "eigh")


@pytest.fixture(params=["kernel", "composite"])
def path(request, monkeypatch):
    """'kernel': the CPU backend's LAPACK kernels; 'composite': the core's own algorithms."""
    if request.param == "composite":
        table = mt.zeros(1)._kernels
        for name in KERNELS:
            monkeypatch.setattr(table, name, None)
    return request.param


def T(x, requires_grad=False):  # noqa: N802
    return mt.tensor(np.asarray(x, dtype=np.float64), requires_grad=requires_grad)


def sym(*shape):
    a = RNG.standard_normal(shape)
    return a + np.swapaxes(a, -1, -2)


def close(ours, expected, rtol=1e-10, atol=1e-11):
    np.testing.assert_allclose(ours.detach().numpy(), expected, rtol=rtol, atol=atol)


def assert_orthonormal_columns(q, atol=1e-12):
    q = q.detach().numpy()
    gram = np.swapaxes(q, -1, -2) @ q
    np.testing.assert_allclose(gram, np.broadcast_to(np.eye(q.shape[-1]), gram.shape), atol=atol)


def same_up_to_sign(ours, expected, atol=1e-10):
    """Columns of ``ours`` equal those of ``expected`` times +-1."""
    ours = ours.detach().numpy()
    signs = np.sign(np.sum(ours * expected, axis=-2, keepdims=True))
    np.testing.assert_allclose(ours * signs, expected, atol=atol)


# -- svd -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (4, 4), (2, 6, 3), (1, 1), (1, 4)])
@pytest.mark.parametrize("full_matrices", [True, False])
def test_svd_reconstructs_with_orthonormal_vectors_and_numpy_values(path, shape,
                                                                     full_matrices):
    a = RNG.standard_normal(shape)
    u, s, vh = mt.linalg.svd(T(a), full_matrices=full_matrices)
    k = min(shape[-2:])
    expected_u, expected_s, expected_vh = np.linalg.svd(a, full_matrices=full_matrices)
    assert (u.shape, s.shape, vh.shape) == (expected_u.shape, expected_s.shape,
                                            expected_vh.shape)
    close(s, expected_s)
    close((u[..., :k] * s.unsqueeze(-2)) @ vh[..., :k, :], a)
    assert_orthonormal_columns(u)
    assert_orthonormal_columns(vh.mT)


def test_svd_vectors_are_numpys_up_to_sign(path):
    a = RNG.standard_normal((2, 5, 4))
    u, _, vh = mt.linalg.svd(T(a), full_matrices=False)
    expected_u, _, expected_vh = np.linalg.svd(a, full_matrices=False)
    same_up_to_sign(u, expected_u)
    same_up_to_sign(vh.mT, np.swapaxes(expected_vh, -1, -2))


def test_svd_of_a_rank_deficient_matrix_completes_the_singular_vectors(path):
    a = np.outer([1.0, 2.0, 0.0, -1.0], [3.0, 0.0, 1.0])  # rank 1: two zero singular values
    u, s, vh = mt.linalg.svd(T(a))
    close(s, [math.sqrt(60), 0, 0], atol=1e-12)
    assert_orthonormal_columns(u)
    close(u[:, :1] * s[:1] @ vh[:1], a)


def test_svd_keeps_float32(path):
    a = RNG.standard_normal((6, 4)).astype(np.float32)
    u, s, vh = mt.linalg.svd(mt.tensor(a), full_matrices=False)
    assert u.dtype is s.dtype is vh.dtype is mt.float32
    np.testing.assert_allclose(s.numpy(), np.linalg.svd(a, compute_uv=False), rtol=1e-5)


def test_svdvals_are_the_singular_values(path):
    a = RNG.standard_normal((3, 4, 6))
    close(mt.linalg.svdvals(T(a)), np.linalg.svd(a, compute_uv=False))


def test_torch_svd_returns_v_and_the_reduced_vectors_by_default(path):
    a = RNG.standard_normal((5, 3))
    u, s, v = mt.svd(T(a))
    assert (u.shape, v.shape) == ((5, 3), (3, 3))
    close(u * s @ v.mT, a)
    assert mt.svd(T(a), some=False).U.shape == (5, 5)
    assert T(a).svd().V.shape == (3, 3)


def test_torch_svd_without_uv_gives_zero_filled_u_and_v(path):
    u, s, v = mt.svd(T(RNG.standard_normal((2, 5, 3))), compute_uv=False)
    assert u.shape == (2, 5, 5) and v.shape == (2, 3, 3)
    assert not u.numpy().any() and not v.numpy().any() and s.shape == (2, 3)


def test_svd_of_empty_matrices_has_identity_vectors_for_the_nonempty_side(path):
    u, s, vh = mt.linalg.svd(mt.zeros(0, 3))
    assert u.shape == (0, 0) and s.shape == (0,)
    close(vh, np.eye(3))
    assert [t.shape for t in mt.linalg.svd(mt.zeros(2, 0, 3), full_matrices=False)] == [
        (2, 0, 0), (2, 0), (2, 0, 3)]


def test_svd_of_a_non_finite_matrix_raises_linalg_error(path):
    with pytest.raises(mt.linalg.LinAlgError, match="non-finite values"):
        mt.linalg.svd(T([[1.0, math.nan], [0.0, 1.0]]))


# -- qr ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (4, 4), (2, 4, 3), (1, 1)])
@pytest.mark.parametrize("mode", ["reduced", "complete"])
def test_qr_matches_numpy_including_signs(path, shape, mode):
    a = RNG.standard_normal(shape)
    q, r = mt.linalg.qr(T(a), mode=mode)
    expected_q, expected_r = np.linalg.qr(a, mode=mode)  # LAPACK's signs: Householder's
    close(q, expected_q)
    close(r, expected_r)


def test_qr_mode_r_gives_r_and_an_empty_q(path):
    a = RNG.standard_normal((5, 3))
    q, r = mt.linalg.qr(T(a), mode="r")
    assert q.shape == (0,)
    close(r, np.linalg.qr(a, mode="r"))


def test_qr_of_a_matrix_with_a_zero_column_keeps_q_orthonormal(path):
    a = np.array([[1.0, 0.0, 2.0], [2.0, 0.0, 1.0], [0.0, 0.0, 1.0]])
    q, r = mt.linalg.qr(T(a))
    assert_orthonormal_columns(q)
    close(q @ r, a)


def test_torch_qr_some_chooses_the_mode(path):
    a = T(RNG.standard_normal((4, 2)))
    assert mt.qr(a).Q.shape == (4, 2) and mt.qr(a, some=False).Q.shape == (4, 4)
    assert a.qr().R.shape == (2, 2)


def test_qr_of_empty_matrices(path):
    q, r = mt.linalg.qr(mt.zeros(0, 3))
    assert q.shape == (0, 0) and r.shape == (0, 3)
    q, r = mt.linalg.qr(mt.zeros(3, 0))
    assert q.shape == (3, 0) and r.shape == (0, 0)


# -- eigh ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(1, 1), (4, 4), (5, 5), (3, 6, 6)])
def test_eigh_matches_numpy(path, shape):
    a = sym(*shape)
    values, vectors = mt.linalg.eigh(T(a))
    expected_values, expected_vectors = np.linalg.eigh(a)
    close(values, expected_values)
    same_up_to_sign(vectors, expected_vectors)


@pytest.mark.parametrize("uplo", ["L", "U"])
def test_eigh_reads_only_the_named_triangle(path, uplo):
    a = sym(4, 4)
    garbage = np.triu(RNG.standard_normal((4, 4)), 1)
    given = a + (garbage if uplo == "L" else garbage.T)  # the other triangle is wrong
    close(mt.linalg.eigvalsh(T(given), UPLO=uplo), np.linalg.eigvalsh(a))
    close(mt.linalg.eigh(T(given), UPLO=uplo).eigenvalues, np.linalg.eigvalsh(a))


def test_eigh_of_a_matrix_with_repeated_eigenvalues_has_orthonormal_vectors(path):
    values, vectors = mt.linalg.eigh(T(np.diag([2.0, 2.0, -1.0]) + 0.0))
    close(values, [-1.0, 2.0, 2.0])
    assert_orthonormal_columns(vectors)


def test_eigh_of_empty_matrices(path):
    values, vectors = mt.linalg.eigh(mt.zeros(2, 0, 0))
    assert values.shape == (2, 0) and vectors.shape == (2, 0, 0)


# -- pinv, matrix_rank, lstsq --------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (2, 4, 4)])
def test_pinv_matches_numpy(path, shape):
    a = RNG.standard_normal(shape)
    close(mt.linalg.pinv(T(a)), np.linalg.pinv(a))
    close(mt.pinverse(T(a)), np.linalg.pinv(a, rcond=1e-15))


def test_pinv_cuts_singular_values_below_the_tolerance(path):
    a = np.diag([4.0, 1.0, 1e-3])
    close(mt.linalg.pinv(T(a), atol=0.01), np.diag([0.25, 1.0, 0.0]))
    close(mt.linalg.pinv(T(a), rtol=0.5), np.diag([0.25, 0.0, 0.0]))
    close(mt.linalg.pinv(T(a), 0.5), np.diag([0.25, 0.0, 0.0]))  # rcond, positional


def test_pinv_hermitian_uses_the_eigenvalues(path):
    a = sym(4, 4)
    close(mt.linalg.pinv(T(a), hermitian=True), np.linalg.pinv(a, hermitian=True))


def test_matrix_rank_matches_numpy(path):
    a = RNG.standard_normal((3, 6, 2)) @ RNG.standard_normal((3, 2, 5))  # rank 2
    assert mt.linalg.matrix_rank(T(a)).tolist() == [2, 2, 2]
    assert mt.linalg.matrix_rank(T(np.diag([1.0, 0.1, 0.0])), tol=0.5).item() == 1
    b = sym(4, 4)
    assert mt.linalg.matrix_rank(T(b), hermitian=True).item() == np.linalg.matrix_rank(b)
    assert mt.linalg.matrix_rank(mt.zeros(0, 3)).dtype is mt.int64


@pytest.mark.parametrize(("shape_a", "shape_b"), [
    ((6, 3), (6, 2)), ((6, 3), (6,)), ((3, 5), (3, 2)), ((2, 5, 3), (1, 5, 4)),
])
def test_lstsq_solution_matches_numpy(path, shape_a, shape_b):
    a, b = RNG.standard_normal(shape_a), RNG.standard_normal(shape_b)
    solution = mt.linalg.lstsq(T(a), T(b)).solution
    expected = np.linalg.pinv(a) @ (b[..., None] if len(shape_b) == 1 else b)
    close(solution, expected[..., 0] if len(shape_b) == 1 else expected)


def test_lstsq_gelsd_gives_residuals_rank_and_singular_values(path):
    a, b = RNG.standard_normal((6, 3)), RNG.standard_normal((6, 2))
    solution, residuals, rank, s = mt.linalg.lstsq(T(a), T(b), driver="gelsd")
    expected, expected_residuals, expected_rank, expected_s = np.linalg.lstsq(a, b, rcond=None)
    close(solution, expected)
    close(residuals, expected_residuals)
    assert rank.item() == expected_rank and rank.dtype is mt.int64
    close(s, expected_s)


def test_lstsq_of_a_rank_deficient_matrix_is_the_minimum_norm_solution(path):
    a = np.array([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
    b = np.array([1.0, 2.0, 2.0])
    out = mt.linalg.lstsq(T(a), T(b), driver="gelsd")
    close(out.solution, np.linalg.lstsq(a, b, rcond=None)[0])
    assert out.rank.item() == 1 and out.residuals.shape == (0,)  # not full rank: none


@requires_torch
@pytest.mark.parametrize("driver", [None, "gels", "gelsy", "gelsd", "gelss"])
def test_lstsq_fills_the_outputs_each_driver_fills_in_pytorch(driver):
    a, b = RNG.standard_normal((2, 5, 3)), RNG.standard_normal((2, 5, 2))
    ours = mt.linalg.lstsq(T(a), T(b), driver=driver)
    theirs = torch.linalg.lstsq(torch.tensor(a), torch.tensor(b), driver=driver)
    for mine, expected in zip(ours, theirs):
        assert mine.shape == tuple(expected.shape)
        np.testing.assert_allclose(mine.numpy(), expected.numpy(), atol=1e-10)


# -- norms and cond ------------------------------------------------------------------------------
@pytest.mark.parametrize("ord", ["nuc", 2, -2])
def test_matrix_norms_from_singular_values_match_numpy(path, ord):
    a = RNG.standard_normal((2, 4, 3))
    close(mt.linalg.matrix_norm(T(a), ord), np.linalg.norm(a, ord, axis=(-2, -1)))
    close(mt.linalg.norm(T(a[0]), ord), np.linalg.norm(a[0], ord))
    close(mt.linalg.matrix_norm(T(a), ord, dim=(0, 2), keepdim=True),
          np.linalg.norm(a, ord, axis=(0, 2), keepdims=True))


def test_torch_norm_nuc_is_the_nuclear_norm(path):
    a = RNG.standard_normal((4, 3))
    close(T(a).norm("nuc"), np.linalg.norm(a, "nuc"))


@pytest.mark.parametrize("p", [None, 2, -2, "fro", "nuc", 1, -1, math.inf, -math.inf])
def test_cond_matches_numpy(path, p):
    a = RNG.standard_normal((2, 4, 4))
    close(mt.linalg.cond(T(a), p), np.linalg.cond(a, p), rtol=1e-9)


def test_cond_of_a_singular_matrix_is_inf(path):
    a = T([[1.0, 2.0], [2.0, 4.0]])
    assert mt.linalg.cond(a, 1).item() == math.inf
    assert mt.linalg.cond(a).item() > 1e15


@requires_torch
@pytest.mark.parametrize("shape", [(0, 3), (3, 0), (0, 0), (2, 0, 3)])
@pytest.mark.parametrize("ord", ["fro", "nuc", 2, -2, 1, -1, math.inf, -math.inf])
def test_norms_of_empty_matrices_are_pytorchs(shape, ord):
    try:
        expected = torch.linalg.matrix_norm(torch.zeros(shape, dtype=torch.float64), ord)
    except (RuntimeError, IndexError) as error:  # a smallest value over nothing
        with pytest.raises(type(error), match=re_escape(str(error))):
            mt.linalg.matrix_norm(mt.zeros(*shape, dtype=mt.float64), ord)
        return
    close(mt.linalg.matrix_norm(mt.zeros(*shape, dtype=mt.float64), ord), expected.numpy())


def re_escape(text):
    import re

    return re.escape(text)


def test_negative_vector_norm_of_an_empty_tensor_raises():
    with pytest.raises(RuntimeError, match="cannot compute the -1 norm on an empty tensor"):
        mt.linalg.vector_norm(mt.zeros(0), -1)


# -- gradients: finite differences ---------------------------------------------------------------
def grad_input(*shape):
    return T(RNG.standard_normal(shape), requires_grad=True)


@pytest.mark.parametrize("shape", [(4, 3), (3, 4), (3, 3)])
def test_svd_gradient_of_sign_free_functions_matches_finite_differences(shape):
    a = grad_input(*shape)
    gradcheck(lambda x: mt.linalg.svdvals(x), (a,))
    gradcheck(lambda x: mt.linalg.svd(x, full_matrices=False).U.abs(), (a,))
    gradcheck(lambda x: mt.linalg.svd(x, full_matrices=False).Vh.abs(), (a,))
    # U S Vh is A itself: every term of the formula, summed, must give the identity
    gradcheck(lambda x: (lambda u, s, vh: (u * s.unsqueeze(-2)) @ vh)(
        *mt.linalg.svd(x, full_matrices=False)), (a,))


def test_svd_gradient_with_full_matrices_uses_the_first_k_vectors():
    gradcheck(lambda x: mt.linalg.svd(x).U[:, :2].abs(), (grad_input(4, 2),))


def test_eigh_gradient_of_sign_free_functions_matches_finite_differences():
    x = grad_input(2, 4, 4)

    def symmetric(f):
        return lambda t: f((t + t.mT) / 2)

    gradcheck(symmetric(lambda s: mt.linalg.eigvalsh(s)), (x,))
    gradcheck(symmetric(lambda s: mt.linalg.eigh(s).eigenvectors.abs()), (x,))


@pytest.mark.parametrize("shape", [(4, 3), (3, 3), (3, 5)])
def test_qr_gradient_matches_finite_differences(shape):
    gradcheck(lambda x: mt.linalg.qr(x), (grad_input(*shape),))


def test_pinv_lstsq_norm_and_cond_gradients_match_finite_differences():
    a, b = grad_input(5, 3), grad_input(5, 2)
    gradcheck(lambda x: mt.linalg.pinv(x), (a,))
    gradcheck(lambda x, y: mt.linalg.lstsq(x, y).solution, (a, b))
    gradcheck(lambda x: mt.linalg.matrix_norm(x, "nuc"), (a,))
    gradcheck(lambda x: mt.linalg.cond(x), (a,))


def test_gradients_are_the_same_after_the_composite_forward(path):
    # the backward formulas do not depend on which forward ran: small cases for the composite
    a = grad_input(3, 2)
    gradcheck(lambda x: mt.linalg.svd(x, full_matrices=False).U.abs(), (a,))
    gradcheck(lambda x: mt.linalg.qr(x), (a,))
    gradcheck(lambda x: mt.linalg.eigh((x + x.mT) / 2).eigenvectors.abs(), (grad_input(3, 3),))


def test_qr_is_not_differentiable_without_q_or_with_an_undetermined_q():
    a = grad_input(4, 3)
    with pytest.raises(RuntimeError, match="not computed when mode='r'"):
        mt.linalg.qr(a, mode="r").R.sum().backward()
    with pytest.raises(RuntimeError, match="mode='complete' and nrows > ncols"):
        mt.linalg.qr(a, mode="complete").Q.sum().backward()


# -- gradients: PyTorch --------------------------------------------------------------------------
def pair(data):
    return T(data, requires_grad=True), torch.tensor(data, requires_grad=True)


def same_gradient(ours, theirs, leaves, atol=1e-9):
    """The gradients of the same random projection of the outputs (lists of tensors) agree."""
    ours_total = theirs_total = 0
    for mine, expected in zip(ours, theirs):
        w = RNG.standard_normal(tuple(expected.shape))
        ours_total = ours_total + (mine * T(w)).sum()
        theirs_total = theirs_total + (expected * torch.tensor(w)).sum()
    ours_total.backward()
    theirs_total.backward()
    for mine, expected in leaves:
        np.testing.assert_allclose(mine.grad.numpy(), expected.grad.numpy(), atol=atol)


@requires_torch
@pytest.mark.parametrize("shape", [(5, 3), (3, 5)])
def test_svd_gradient_matches_pytorch(shape):
    a, ta = pair(RNG.standard_normal(shape))
    u, s, vh = mt.linalg.svd(a, full_matrices=False)
    tu, ts, tvh = torch.linalg.svd(ta, full_matrices=False)
    # U U^T and Vh^T Vh do not depend on the signs; S weighs the vectors differently
    same_gradient([u @ (s.unsqueeze(-1) * u.mT), vh.mT @ vh, s],
                  [tu @ (ts.unsqueeze(-1) * tu.mT), tvh.mT @ tvh, ts], [(a, ta)])


@requires_torch
def test_eigh_gradient_matches_pytorch():
    a, ta = pair(sym(3, 4, 4))
    values, vectors = mt.linalg.eigh(a)
    tvalues, tvectors = torch.linalg.eigh(ta)
    same_gradient([values, vectors.abs()], [tvalues, tvectors.abs()], [(a, ta)])


@requires_torch
@pytest.mark.parametrize("shape", [(5, 3), (3, 5)])
def test_qr_gradient_matches_pytorch(shape):
    a, ta = pair(RNG.standard_normal(shape))
    q, r = mt.linalg.qr(a)
    tq, tr = torch.linalg.qr(ta)
    same_gradient([q, r], [tq, tr], [(a, ta)])


@requires_torch
def test_pinv_and_lstsq_gradients_match_pytorch():
    a, ta = pair(RNG.standard_normal((3, 5)))
    same_gradient([mt.linalg.pinv(a)], [torch.linalg.pinv(ta)], [(a, ta)])
    b, tb = pair(RNG.standard_normal((6, 3)))
    c, tc = pair(RNG.standard_normal((6, 2)))
    same_gradient([mt.linalg.lstsq(b, c).solution], [torch.linalg.lstsq(tb, tc).solution],
                  [(b, tb), (c, tc)])


# -- outputs that are differentiable with a zero gradient, as in PyTorch -------------------------
def test_matrix_power_zero_has_a_zero_gradient():
    a = grad_input(3, 3)
    out = mt.linalg.matrix_power(a, 0)
    close(out, np.eye(3))
    out.sum().backward()
    assert not a.grad.numpy().any()


def test_norm_ord_zero_is_differentiable_with_no_gradient():
    a = T([1.0, 0.0, -2.0], requires_grad=True)
    out = mt.linalg.vector_norm(a, 0)
    assert out.item() == 2 and out.requires_grad
    out.backward()
    assert a.grad is None  # PyTorch's gradient is undefined too


# -- errors --------------------------------------------------------------------------------------
@pytest.mark.parametrize(("call", "error", "message"), [
    (lambda: mt.linalg.svd(mt.ones(3)), RuntimeError, "must have at least 2 dimensions"),
    (lambda: mt.linalg.svd(mt.ones(2, 2, dtype=mt.int64)), RuntimeError,
     "Expected a floating point or complex tensor as input. Got int64"),
    (lambda: mt.linalg.svd(mt.ones(2, 2), driver="gesvd"), RuntimeError,
     "only supported on CUDA inputs"),
    (lambda: mt.linalg.qr(mt.ones(2, 2), mode="full"), RuntimeError,
     "qr received unrecognized mode 'full'"),
    (lambda: mt.linalg.eigh(mt.ones(2, 3)), RuntimeError,
     "A must be batches of square matrices, but they are 2 by 3 matrices"),
    (lambda: mt.linalg.eigh(mt.ones(2, 2, dtype=mt.int64)), NotImplementedError, "int64"),
    (lambda: mt.linalg.eigvalsh(mt.ones(2, 2), UPLO="X"), RuntimeError,
     "Expected UPLO argument to be 'L' or 'U', but got X"),
    (lambda: mt.linalg.pinv(mt.ones(3)), RuntimeError, "expected a tensor with 2 or more"),
    (lambda: mt.linalg.matrix_rank(mt.ones(3)), RuntimeError, "at least 2 dimensions"),
    (lambda: mt.linalg.lstsq(mt.ones(3, 2), mt.ones(4, 2)), RuntimeError,
     r"input.size\(-2\) should match other.size\(-2\)"),
    (lambda: mt.linalg.lstsq(mt.ones(3, 2), mt.ones(3, 2), driver="lu"), RuntimeError,
     "`driver` should be one of"),
    (lambda: mt.linalg.lstsq(mt.ones(3, 2), mt.ones(3, 2, dtype=mt.float64)), RuntimeError,
     "same dtype"),
    (lambda: mt.linalg.cond(mt.ones(3, 2), 1), RuntimeError,
     "square matrices, but they are 3 by 2"),
    (lambda: mt.linalg.cond(mt.ones(3, 3), "max"), RuntimeError, "invalid norm type: max"),
])
def test_bad_arguments_raise_pytorchs_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


# -- eig, eigvals (general matrices, complex results) ---------------------------------------------
def general(*shape, complex_=False):
    a = RNG.standard_normal(shape)
    return a + 1j * RNG.standard_normal(shape) if complex_ else a


def general_pair(*shape, complex_=False):
    """A random (real or complex) float64 matrix as a MicroTorch and a torch leaf."""
    data = general(*shape, complex_=complex_)
    return mt.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)


@pytest.mark.parametrize("complex_", [False, True])
def test_eig_matches_numpy_with_geevs_normalisation(complex_):
    a = general(3, 4, 4, complex_=complex_)
    values, vectors = mt.linalg.eig(mt.tensor(a))
    expected_values, expected_vectors = np.linalg.eig(a)
    assert values.dtype == vectors.dtype == mt.complex128
    np.testing.assert_allclose(values.numpy(), expected_values, atol=1e-12)
    np.testing.assert_allclose(vectors.numpy(), expected_vectors, atol=1e-12)
    np.testing.assert_allclose(mt.linalg.eigvals(mt.tensor(a)).numpy(), expected_values,
                               atol=1e-12)


def test_eig_vectors_have_unit_norm_and_satisfy_a_v_equals_v_diag_l():
    a = general(5, 5)
    values, vectors = mt.linalg.eig(mt.tensor(a))
    v = vectors.numpy()
    np.testing.assert_allclose(a @ v, v * values.numpy()[None, :], atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(v, axis=0), np.ones(5), atol=1e-12)


@pytest.mark.parametrize(("dtype", "expected"), [
    (mt.float32, mt.complex64), (mt.float64, mt.complex128),
    (mt.complex64, mt.complex64), (mt.complex128, mt.complex128)])
def test_eig_returns_the_complex_dtype_of_the_input(dtype, expected):
    a = mt.tensor(general(3, 3)).to(dtype)
    assert mt.linalg.eigvals(a).dtype == expected
    assert all(t.dtype == expected for t in mt.linalg.eig(a))


def test_eig_of_empty_matrices():
    values, vectors = mt.linalg.eig(mt.zeros(2, 0, 0))
    assert values.shape == (2, 0) and vectors.shape == (2, 0, 0)
    assert values.dtype == mt.complex64


@requires_torch
@pytest.mark.parametrize("complex_", [False, True])
def test_eig_gradient_of_phase_free_functions_matches_pytorch(complex_):
    a, ta = general_pair(3, 4, 4, complex_=complex_)
    values, vectors = mt.linalg.eig(a)
    tvalues, tvectors = torch.linalg.eig(ta)
    # |V_ij| does not depend on the columns' phases
    same_gradient([values.real, values.imag, vectors.abs()],
                  [tvalues.real, tvalues.imag, tvectors.abs()], [(a, ta)])


@requires_torch
@pytest.mark.parametrize("complex_", [False, True])
def test_eigvals_gradient_matches_pytorch(complex_):
    a, ta = general_pair(2, 4, 4, complex_=complex_)
    same_gradient([mt.linalg.eigvals(a).real, mt.linalg.eigvals(a).imag],
                  [torch.linalg.eigvals(ta).real, torch.linalg.eigvals(ta).imag], [(a, ta)])


def test_eig_refuses_a_loss_that_depends_on_the_eigenvectors_phase():
    # complex eigenvalues, so complex eigenvectors whose phase the real part sees
    a = T([[0.0, -1.0, 0.3], [1.0, 0.0, 0.2], [0.1, 0.4, 2.0]], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"specified up to multiplication by e\^\{i phi\}"):
        mt.linalg.eig(a).eigenvectors.real.sum().backward()


def test_eig_without_the_backends_kernel_names_the_op_and_backend(monkeypatch):
    monkeypatch.setattr(mt.zeros(1)._kernels, "eig", None)
    with pytest.raises(NotImplementedError, match="linalg.eig: backend 'cpu' has no 'eig'"):
        mt.linalg.eig(mt.ones(2, 2))


@pytest.mark.parametrize("name", ["eig", "eigvals"])
@pytest.mark.parametrize(("a", "error", "message"), [
    (mt.ones(3), RuntimeError, "must have at least 2 dimensions"),
    (mt.ones(2, 3), RuntimeError, "square matrices, but they are 2 by 3 matrices"),
    (mt.ones(2, 2, dtype=mt.int64), RuntimeError,
     "Expected a floating point or complex tensor as input. Got int64"),
    (mt.tensor([[float("nan"), 1.0], [1.0, 1.0]]), RuntimeError,
     "input tensor should not contain infs or NaNs"),
])
def test_eig_and_eigvals_raise_pytorchs_errors(name, a, error, message):
    with pytest.raises(error, match=message):
        getattr(mt.linalg, name)(a)


# -- fixes from the op_db run (issue 13) ---------------------------------------------------------
def test_cholesky_of_an_empty_batch():
    a = mt.zeros(0, 3, 3, requires_grad=True)
    lower = mt.linalg.cholesky(a, upper=True)
    assert lower.shape == (0, 3, 3)
    lower.sum().backward()
    assert a.grad.shape == (0, 3, 3)


@pytest.mark.parametrize("weights", ["fweights", "aweights"])
def test_cov_refuses_negative_weights(weights):
    w = mt.tensor([1, -1, 2]) if weights == "fweights" else mt.tensor([1.0, -0.5, 2.0])
    with pytest.raises(RuntimeError, match=f"{weights} cannot be negative"):
        mt.cov(mt.ones(2, 3), **{weights: w})


# -- randomized low-rank factorisations ---------------------------------------------------------
def _low_rank(shape, rank, seed):
    """A float64 matrix (or batch) of the given rank: (..., m, rank) @ (..., rank, n)."""
    *batch, m, n = shape
    rng = np.random.default_rng(seed)
    return rng.standard_normal((*batch, m, rank)) @ rng.standard_normal((*batch, rank, n))


@pytest.mark.parametrize("shape", [(12, 7), (5, 9), (2, 8, 6)], ids=str)
def test_svd_lowrank_reconstructs_a_low_rank_matrix(path, shape):
    a = _low_rank(shape, 3, 1)
    u, s, v = mt.svd_lowrank(mt.tensor(a), q=3)
    assert u.shape == (*shape[:-1], 3) and s.shape == (*shape[:-2], 3)
    assert v.shape == (*shape[:-2], shape[-1], 3)
    np.testing.assert_allclose(((u * s.unsqueeze(-2)) @ v.mT).numpy(), a, atol=1e-10)
    np.testing.assert_allclose(s.numpy(), np.linalg.svd(a, compute_uv=False)[..., :3],
                               rtol=1e-10)
    eye = np.broadcast_to(np.eye(3), (*shape[:-2], 3, 3))
    np.testing.assert_allclose((u.mT @ u).numpy(), eye, atol=1e-12)
    np.testing.assert_allclose((v.mT @ v).numpy(), eye, atol=1e-12)


def test_svd_lowrank_factors_a_minus_its_mean_without_forming_it():
    a = _low_rank((10, 8), 2, 2)
    mean = np.random.default_rng(3).standard_normal((1, 8))
    u, s, v = mt.svd_lowrank(mt.tensor(a + mean), q=2, M=mt.tensor(mean))
    np.testing.assert_allclose(((u * s) @ v.mT).numpy(), a, atol=1e-10)


def test_pca_lowrank_finds_the_principal_directions():
    data = _low_rank((30, 6), 2, 4) + 5.0  # offset: centring must remove it
    u, s, v = mt.pca_lowrank(mt.tensor(data), q=2)
    centred = data - data.mean(0)
    _, s_ref, vh_ref = np.linalg.svd(centred)
    np.testing.assert_allclose(s.numpy(), s_ref[:2], rtol=1e-10)
    # the same subspace: the projectors V V^T agree (each direction is defined up to sign)
    np.testing.assert_allclose((v @ v.mT).numpy(), vh_ref[:2].T @ vh_ref[:2], atol=1e-10)
    # uncentred, the offset adds a third direction: rank 3
    _, s_raw, _ = mt.pca_lowrank(mt.tensor(data), q=3, center=False)
    np.testing.assert_allclose(s_raw.numpy(), np.linalg.svd(data, compute_uv=False)[:3],
                               rtol=1e-10)


def test_svd_lowrank_gradient_by_finite_differences():
    # a fixed seed makes the random basis, and so the function, deterministic
    left = mt.tensor(RNG.standard_normal((6, 2)), requires_grad=True)
    right = mt.tensor(RNG.standard_normal((5, 2)), requires_grad=True)

    def factors(left, right):
        mt.manual_seed(0)
        u, s, v = mt.svd_lowrank(left @ right.mT, q=2)
        return u @ v.mT, s  # independent of the vectors' signs

    assert gradcheck(factors, (left, right))


@requires_torch
def test_pca_lowrank_gradient_of_the_singular_values_matches_torch():
    data = _low_rank((9, 5), 2, 5)
    a, ta = mt.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    mt.pca_lowrank(a, q=2)[1].sum().backward()
    torch.pca_lowrank(ta, q=2)[1].sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), atol=1e-9)


@pytest.mark.parametrize("kwargs, message", [
    (dict(q=7), "q(=7) must be non-negative integer and not greater than min(m, n)=5"),
    (dict(q=-1), "q(=-1) must be non-negative integer"),
    (dict(niter=-1), "niter(=-1) must be non-negative integer"),
])
def test_pca_lowrank_rejects_bad_q_and_niter_as_torch(kwargs, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        mt.pca_lowrank(mt.zeros(6, 5), **kwargs)


def test_svd_lowrank_refuses_an_integer_or_vector_input():
    with pytest.raises(RuntimeError, match="Expected a floating point"):
        mt.svd_lowrank(mt.zeros(4, 3, dtype=mt.int64), q=2)
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        mt.svd_lowrank(mt.zeros(4), q=2)
