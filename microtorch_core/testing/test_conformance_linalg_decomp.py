"""Conformance: the factorisations of ``mt.linalg`` (``solve``, ``inv``, ``det``,
``slogdet``, ``cholesky``) against NumPy on a 3x3 matrix that needs a row swap and on batches,
and the gradient of ``solve``. They are composites of matmul, argmax, gather, comparisons and
indexed copies, so this checks those primitives working together.

The decompositions ``svd``, ``qr`` and ``eigh`` are optional kernels: on a backend that has
them this checks the kernels, on one that does not (CUDA) the core's composites (Jacobi
rotations, Householder reflections) on its primitives; ``tests/test_linalg_decompositions.py``
runs the composites on the CPU too. Kept small: it also runs on the CUDA emulator."""

from __future__ import annotations

import numpy as np
import pytest

import microtorch_core as mt
from microtorch_core.testing import assert_close, random_array

pytestmark = pytest.mark.ops("matmul", "gather", "argmax")

# the largest entry of the first column is in row 1: the factorisation must swap rows
A = np.array([[0.0, 2.0, 1.0], [3.0, 1.0, -1.0], [1.0, -2.0, 4.0]])
RHS = np.array([[1.0, 0.5], [-2.0, 1.0], [0.5, 3.0]])


def test_solve_inv_det_of_a_3x3_matrix(device):
    a = mt.tensor(A, device=device)
    assert_close(mt.linalg.solve(a, mt.tensor(RHS, device=device)), np.linalg.solve(A, RHS))
    assert_close(mt.linalg.solve(a, mt.tensor(RHS[:, 0], device=device)),
                 np.linalg.solve(A, RHS[:, 0]))
    assert_close(mt.linalg.inv(a), np.linalg.inv(A))
    assert_close(mt.linalg.det(a), np.asarray(np.linalg.det(A)))


def test_batched_solve_and_slogdet_in_float32(device):
    batch = random_array((4, 3, 3), "float32", seed=1) + np.float32(3) * np.eye(3, dtype="f4")
    rhs = random_array((4, 3, 2), "float32", seed=2)
    a = mt.tensor(batch, device=device)
    assert_close(mt.linalg.solve(a, mt.tensor(rhs, device=device)), np.linalg.solve(batch, rhs),
                 rtol=1e-5, atol=1e-5)
    sign, logabsdet = mt.linalg.slogdet(a)
    expected_sign, expected_log = np.linalg.slogdet(batch)
    assert_close(sign, expected_sign)
    assert_close(logabsdet, expected_log, rtol=1e-5, atol=1e-5)


def test_cholesky_of_a_batch(device):
    factor = np.tril(random_array((2, 3, 3), "float64", seed=3)) + 3 * np.eye(3)
    spd = factor @ factor.swapaxes(-1, -2)
    lower = mt.linalg.cholesky(mt.tensor(spd, device=device))
    assert_close(lower, np.linalg.cholesky(spd))
    assert_close(mt.linalg.solve_triangular(lower, mt.tensor(RHS, device=device), upper=False),
                 np.linalg.solve(np.linalg.cholesky(spd), RHS))


def test_singular_and_indefinite_matrices_raise(device):
    with pytest.raises(mt.linalg.LinAlgError, match="leading minor of order 2"):
        mt.linalg.cholesky(mt.tensor([[1.0, 2.0], [2.0, 1.0]], device=device))
    with pytest.raises(mt.linalg.LinAlgError, match="singular"):
        mt.linalg.inv(mt.tensor([[1.0, 2.0], [2.0, 4.0]], device=device))


def test_solve_gradient(device):
    a = mt.tensor(A, device=device, requires_grad=True)
    b = mt.tensor(RHS, device=device, requires_grad=True)
    weights = random_array((3, 2), "float64", seed=4)
    (mt.linalg.solve(a, b) * mt.tensor(weights, device=device)).sum().backward()
    # X = A^-1 B: dB = A^-T W, dA = -dB X^T
    grad_b = np.linalg.solve(A.T, weights)
    assert_close(b.grad, grad_b)
    assert_close(a.grad, -grad_b @ np.linalg.solve(A, RHS).T)


# -- svd, qr, eigh -------------------------------------------------------------------------------
TALL = random_array((3, 2), "float64", seed=5)
SYMMETRIC = A + A.T


def _orthonormal_columns(q) -> None:
    q = q.numpy()
    assert_close(mt.tensor(q.T @ q), np.eye(q.shape[1]), atol=1e-12)


def test_svd_values_vectors_and_reconstruction(device):
    u, s, vh = mt.linalg.svd(mt.tensor(TALL, device=device))  # full: U is completed to 3x3
    assert_close(s.cpu(), np.linalg.svd(TALL, compute_uv=False))
    assert_close((u[:, :2] * s @ vh).cpu(), TALL)
    _orthonormal_columns(u.cpu())
    _orthonormal_columns(vh.cpu().mT)


def test_qr_matches_numpy_with_lapacks_signs(device):
    q, r = mt.linalg.qr(mt.tensor(TALL, device=device), mode="complete")
    expected_q, expected_r = np.linalg.qr(TALL, mode="complete")
    assert_close(q.cpu(), expected_q)
    assert_close(r.cpu(), expected_r)


def test_eigh_values_and_vectors(device):
    values, vectors = mt.linalg.eigh(mt.tensor(SYMMETRIC, device=device))
    assert_close(values.cpu(), np.linalg.eigvalsh(SYMMETRIC))
    assert_close((vectors * values @ vectors.mT).cpu(), SYMMETRIC)


def test_lstsq_and_pinv(device):
    a = mt.tensor(TALL, device=device)
    assert_close(mt.linalg.pinv(a).cpu(), np.linalg.pinv(TALL))
    rhs = RHS[:, :1]
    assert_close(mt.linalg.lstsq(a, mt.tensor(rhs, device=device)).solution.cpu(),
                 np.linalg.lstsq(TALL, rhs, rcond=None)[0])


def test_decomposition_gradients(device):
    # one backward each (finite differences would rerun the iterative forward too often)
    a = mt.tensor(TALL, device=device, requires_grad=True)
    mt.linalg.svdvals(a).sum().backward()
    u, _, vh = np.linalg.svd(TALL, full_matrices=False)
    assert_close(a.grad.cpu(), u @ vh)  # d(sum S)/dA = U Vh, whatever the signs
    b = mt.tensor(SYMMETRIC, device=device, requires_grad=True)
    weights = np.array([1.0, 2.0, 3.0])
    (mt.linalg.eigvalsh(b) * mt.tensor(weights, device=device)).sum().backward()
    _, v = np.linalg.eigh(SYMMETRIC)
    assert_close(b.grad.cpu(), (v * weights) @ v.T)  # V diag(w) V^T
