"""autograd.functional (vjp, jvp, jacobian, hessian, vhp, hvp): values and return structures
against torch.autograd.functional when installed, against closed forms (NumPy) always."""

import numpy as np
import pytest
from torch_reference import requires_torch, torch

import microtorch_core as mt
from microtorch_core.autograd import functional as AF

if torch is not None:
    import torch.autograd.functional as TAF


def _data(*shapes, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s) for s in shapes]


def _assert_same(ours, theirs):
    """Same nesting of tuples, same shapes, same values."""
    if isinstance(theirs, tuple):
        assert isinstance(ours, tuple) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            _assert_same(a, b)
        return
    assert isinstance(ours, mt.Tensor), type(ours)
    assert ours.shape == tuple(theirs.shape)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-10,
                               atol=1e-12)


def _both(arrays, requires_grad=False):
    """The same float64 data as MicroTorch and PyTorch tensors (a tuple or, for one array
    given bare, a single tensor)."""
    if isinstance(arrays, np.ndarray):
        return (mt.tensor(arrays, requires_grad=requires_grad),
                torch.tensor(arrays, requires_grad=requires_grad))
    pairs = [_both(a, requires_grad) for a in arrays]
    return tuple(p[0] for p in pairs), tuple(p[1] for p in pairs)


# Functions written once, run on either library's tensors.
def scalar_of_one(x):
    return (x.sin() * x).sum()


def scalar_of_two(x, w):
    return ((w @ x).exp() * x.sum()).sum()


def vector_of_one(x):
    return x.exp() * x[0]


def pair_of_two(x, w):
    return (w @ x).tanh(), x * 2


X, W, VX, VW, VO = _data((3,), (2, 3), (3,), (2, 3), (2,))


# -- against PyTorch ---------------------------------------------------------------------------
@requires_torch
@pytest.mark.parametrize("fn,inputs", [(vector_of_one, X), (pair_of_two, (X, W)),
                                       (scalar_of_one, X), (scalar_of_two, (X, W))],
                         ids=["single", "tuple", "scalar-single", "scalar-tuple"])
def test_jacobian_matches_torch(fn, inputs):
    ours, theirs = _both(inputs)
    _assert_same(AF.jacobian(fn, ours), TAF.jacobian(fn, theirs))


@requires_torch
@pytest.mark.parametrize("fn,inputs", [(scalar_of_one, X), (scalar_of_two, (X, W))],
                         ids=["single", "tuple"])
def test_hessian_matches_torch(fn, inputs):
    ours, theirs = _both(inputs)
    _assert_same(AF.hessian(fn, ours), TAF.hessian(fn, theirs))


@requires_torch
@pytest.mark.parametrize("fn,inputs,v", [(vector_of_one, X, VX), (pair_of_two, (X, W), (VO, VX)),
                                         (scalar_of_one, X, None)],
                         ids=["single", "tuple", "v-omitted"])
def test_vjp_matches_torch(fn, inputs, v):
    ours, theirs = _both(inputs)
    v_ours, v_theirs = _both(v) if v is not None else (None, None)
    _assert_same(AF.vjp(fn, ours, v_ours), TAF.vjp(fn, theirs, v_theirs))


@requires_torch
@pytest.mark.parametrize("fn,inputs,v", [(vector_of_one, X, VX), (pair_of_two, (X, W), (VX, VW))],
                         ids=["single", "tuple"])
def test_jvp_matches_torch(fn, inputs, v):
    ours, theirs = _both(inputs)
    v_ours, v_theirs = _both(v)
    _assert_same(AF.jvp(fn, ours, v_ours), TAF.jvp(fn, theirs, v_theirs))


@requires_torch
@pytest.mark.parametrize("name", ["vhp", "hvp"])
@pytest.mark.parametrize("fn,inputs,v", [(scalar_of_one, X, VX), (scalar_of_two, (X, W), (VX, VW))],
                         ids=["single", "tuple"])
def test_hessian_vector_products_match_torch(name, fn, inputs, v):
    ours, theirs = _both(inputs)
    v_ours, v_theirs = _both(v)
    _assert_same(getattr(AF, name)(fn, ours, v_ours), getattr(TAF, name)(fn, theirs, v_theirs))


@requires_torch
@pytest.mark.parametrize("name,fn,v", [
    ("vjp", vector_of_one, VX), ("jvp", vector_of_one, VX), ("vhp", scalar_of_one, VX),
    ("hvp", scalar_of_one, VX), ("jacobian", vector_of_one, None),
    ("hessian", scalar_of_one, None)])
def test_create_graph_lets_gradients_reach_the_inputs_as_in_torch(name, fn, v):
    x, tx = _both(X, requires_grad=True)
    extra = {} if v is None else {"v": mt.tensor(v)}
    textra = {} if v is None else {"v": torch.tensor(v)}
    ours = getattr(AF, name)(fn, x, create_graph=True, **extra)
    theirs = getattr(TAF, name)(fn, tx, create_graph=True, **textra)
    ours, theirs = (ours[1], theirs[1]) if isinstance(ours, tuple) else (ours, theirs)
    assert ours.requires_grad
    (ours * mt.tensor(np.arange(ours.numel()).reshape(ours.shape) + 1.0)).sum().backward()
    (theirs * (torch.arange(theirs.numel()).reshape(theirs.shape) + 1.0)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-12)


# -- against closed forms ----------------------------------------------------------------------
def test_jacobian_of_elementwise_square_is_diagonal():
    x = mt.tensor(X)
    np.testing.assert_allclose(AF.jacobian(lambda t: t ** 2, x).numpy(), np.diag(2 * X),
                               rtol=1e-12)


def test_jacobian_nests_as_outputs_then_inputs():
    jac = AF.jacobian(pair_of_two, (mt.tensor(X), mt.tensor(W)))
    assert [[j.shape for j in row] for row in jac] == [[(2, 3), (2, 2, 3)], [(3, 3), (3, 2, 3)]]
    np.testing.assert_allclose(jac[1][0].numpy(), 2 * np.eye(3))
    np.testing.assert_array_equal(jac[1][1].numpy(), np.zeros((3, 2, 3)))  # x*2 ignores w


def test_jacobian_of_matrix_product_with_respect_to_the_matrix():
    # d(w @ x)_i / d w_jk = [i == j] x_k
    jac = AF.jacobian(lambda w: w @ mt.tensor(X), mt.tensor(W))
    np.testing.assert_allclose(jac.numpy(), np.einsum("ij,k->ijk", np.eye(2), X), rtol=1e-12)


def test_hessian_of_cubic_sum_is_diagonal_six_x():
    h = AF.hessian(lambda t: (t ** 3).sum(), mt.tensor(X))
    np.testing.assert_allclose(h.numpy(), np.diag(6 * X), rtol=1e-12)


def test_hessian_of_quadratic_form_is_a_plus_a_transpose():
    a = np.arange(9.0).reshape(3, 3)
    h = AF.hessian(lambda t: t @ mt.tensor(a) @ t, mt.tensor(X))
    np.testing.assert_allclose(h.numpy(), a + a.T, rtol=1e-12)


def test_vjp_and_jvp_agree_with_the_explicit_jacobian():
    x, v_in, v_out = mt.tensor(X), mt.tensor(VX), mt.tensor(VX[::-1].copy())
    jac = AF.jacobian(vector_of_one, x).numpy()
    out, vjp = AF.vjp(vector_of_one, x, v_out)
    _, jvp = AF.jvp(vector_of_one, x, v_in)
    np.testing.assert_allclose(out.numpy(), np.exp(X) * X[0], rtol=1e-12)
    np.testing.assert_allclose(vjp.numpy(), v_out.numpy() @ jac, rtol=1e-12)
    np.testing.assert_allclose(jvp.numpy(), jac @ VX, rtol=1e-12)


def test_vhp_and_hvp_agree_with_the_explicit_hessian():
    x, v = mt.tensor(X), mt.tensor(VX)
    h = AF.hessian(scalar_of_one, x).numpy()
    value, vhp = AF.vhp(scalar_of_one, x, v)
    _, hvp = AF.hvp(scalar_of_one, x, v)
    assert value.shape == () and value.item() == pytest.approx(float((np.sin(X) * X).sum()))
    np.testing.assert_allclose(vhp.numpy(), VX @ h, rtol=1e-12)
    np.testing.assert_allclose(hvp.numpy(), h @ VX, rtol=1e-12)


def test_results_are_detached_without_create_graph_and_grad_is_untouched():
    x = mt.tensor(X, requires_grad=True)
    out, vjp = AF.vjp(vector_of_one, x, mt.tensor(VX))
    assert not out.requires_grad and not vjp.requires_grad
    assert not AF.jacobian(vector_of_one, x).requires_grad
    assert x.grad is None


def test_a_function_independent_of_an_input_gets_zeros_or_a_strict_error():
    x, w = mt.tensor(X), mt.tensor(W)
    _, (gx, gw) = AF.vjp(lambda a, b: a.sum(), (x, w))
    np.testing.assert_array_equal(gw.numpy(), np.zeros(W.shape))
    with pytest.raises(RuntimeError, match="independent of input 1"):
        AF.vjp(lambda a, b: a.sum(), (x, w), strict=True)
    with pytest.raises(RuntimeError, match="Output 0 of the user-provided function is "
                                           "independent of input 1"):
        AF.jacobian(lambda a, b: a * 2, (x, w), strict=True)


def test_v_may_be_omitted_only_for_one_element_outputs():
    with pytest.raises(RuntimeError, match=r"v can only be None if the output of the "
                                           r"user-provided function is a single Tensor with "
                                           r"a single element \(got shapes \[\(3,\)\]\)"):
        AF.vjp(vector_of_one, mt.tensor(X))


def test_v_of_the_wrong_shape_is_refused():
    with pytest.raises(RuntimeError, match=r"v has invalid size: should be \(3,\) but got "
                                           r"\(2,\)"):
        AF.jvp(vector_of_one, mt.tensor(X), mt.tensor(VO))
    with pytest.raises(RuntimeError, match="v is a tuple of invalid length: should be 2 but "
                                           "got 1"):
        AF.jvp(pair_of_two, (mt.tensor(X), mt.tensor(W)), (mt.tensor(VX),))


def test_hessian_needs_a_single_element_output():
    with pytest.raises(RuntimeError, match=r"should contain a single element, got shape "
                                           r"\(3,\)"):
        AF.hessian(vector_of_one, mt.tensor(X))


def test_inputs_must_be_tensors():
    with pytest.raises(TypeError, match="inputs given to jacobian must be either a Tensor or "
                                        "a tuple of Tensors but the value at index 1 has type "
                                        "list"):
        AF.jacobian(pair_of_two, (mt.tensor(X), [1.0]))


def test_forward_mode_strategy_is_refused_clearly():
    with pytest.raises(NotImplementedError, match="no forward-mode AD"):
        AF.jacobian(vector_of_one, mt.tensor(X), strategy="forward-mode")
