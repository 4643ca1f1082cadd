"""Householder reflectors in LAPACK's compact form (ops/linalg/householder.py): geqrf against
NumPy's ``qr(mode="raw")`` (LAPACK's ``geqrf`` itself), householder_product/orgqr and ormqr
against the Q NumPy forms, gradients by finite differences."""

import numpy as np
import pytest

import microtorch_core as mt
from microtorch_core.autograd.gradcheck import gradcheck

T = mt.tensor


def _random(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


@pytest.mark.parametrize("shape", [(5, 5), (5, 3), (3, 5), (4, 1), (5, 0)], ids=str)
def test_geqrf_matches_lapack(shape):
    a = _random(shape)
    out, tau = mt.geqrf(T(a))
    raw, tau_ref = np.linalg.qr(a, mode="raw")  # LAPACK's output, stored transposed
    np.testing.assert_allclose(out.numpy(), raw.T, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(tau.numpy(), tau_ref, rtol=1e-13, atol=1e-14)


def test_householder_product_forms_q():
    a = _random((2, 6, 4))
    q = mt.linalg.householder_product(*mt.geqrf(T(a)))
    np.testing.assert_allclose(q.numpy(), np.linalg.qr(a)[0], rtol=1e-13, atol=1e-14)
    np.testing.assert_array_equal(mt.orgqr(*mt.geqrf(T(a))).numpy(), q.numpy())


@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("transpose", [False, True])
def test_ormqr_multiplies_by_q_without_forming_it(left, transpose):
    a, c = _random((5, 3)), _random((5, 2), seed=1)
    c = c if left else c.T
    q = np.linalg.qr(a, mode="complete")[0]
    q = q.T if transpose else q
    expected = q @ c if left else c @ q
    out = mt.ormqr(*mt.geqrf(T(a)), T(c), left=left, transpose=transpose)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12, atol=1e-13)


def test_gradients_match_finite_differences():
    reflectors, tau = mt.geqrf(T(_random((4, 3))))
    a = reflectors.detach().requires_grad_()
    tau = tau.detach().requires_grad_()
    c = T(_random((4, 2), seed=1), requires_grad=True)
    assert gradcheck(mt.linalg.householder_product, (a, tau))
    assert gradcheck(lambda x, t, y: mt.ormqr(x, t, y, transpose=True), (a, tau, c))


def test_geqrf_has_no_gradient_as_in_pytorch():
    a, _ = mt.geqrf(T(_random((3, 3)), requires_grad=True))
    with pytest.raises(RuntimeError, match="derivative for 'geqrf' is not implemented"):
        a.sum().backward()


def test_shape_errors():
    with pytest.raises(RuntimeError, match=r"input.shape\[-2\] must be greater than or equal"):
        mt.linalg.householder_product(mt.zeros(2, 3), mt.zeros(2))
    with pytest.raises(RuntimeError, match=r"tau.shape\[-1\] must be equal to min"):
        mt.ormqr(mt.zeros(5, 0), mt.zeros(5), mt.zeros(5, 5))
    with pytest.raises(RuntimeError, match="input must have at least 2 dimensions"):
        mt.ormqr(mt.zeros(()), mt.zeros(()), mt.zeros(()))
