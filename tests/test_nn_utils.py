"""Gradient clipping and flat parameter vectors (``nn.utils``), against NumPy and against
``torch.nn.utils`` when installed."""

import math

import numpy as np
import pytest
from torch_reference import requires_torch, torch

import microtorch_core as mt
from microtorch_core.nn.utils import (
    clip_grad_norm_,
    clip_grad_value_,
    parameters_to_vector,
    vector_to_parameters,
)

RNG = np.random.default_rng(2)
GRADS = [RNG.standard_normal((3, 4)).astype(np.float32),
         RNG.standard_normal(5).astype(np.float32)]


def _with_grads(lib, grads=GRADS, device=None):
    """Parameters (zeros) whose .grad are the given arrays."""
    params = []
    for g in grads:
        p = lib.zeros(g.shape, requires_grad=True, device=device)
        p.grad = lib.tensor(g, device=device)
        params.append(p)
    return params


def _grads(params):
    return [p.grad.cpu().numpy() for p in params]


# -- clip_grad_norm_ ---------------------------------------------------------------------------
@requires_torch
@pytest.mark.parametrize("norm_type", [2.0, 1, 3, 0.5, math.inf, "inf", -math.inf, 0])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    ours, theirs = _with_grads(mt), _with_grads(torch)
    total = clip_grad_norm_(ours, max_norm, norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    np.testing.assert_allclose(total.item(), expected.item(), rtol=1e-6)
    for mine, ref in zip(_grads(ours), _grads(theirs)):
        np.testing.assert_allclose(mine, ref, rtol=1e-6, atol=1e-7)


def test_clip_grad_norm_returns_the_norm_before_clipping_and_scales_to_max_norm():
    params = _with_grads(mt)
    flat = np.concatenate([g.ravel() for g in GRADS])
    total = clip_grad_norm_(params, max_norm=1.0)
    assert total.shape == ()
    np.testing.assert_allclose(total.item(), np.linalg.norm(flat), rtol=1e-6)
    coef = 1.0 / (np.linalg.norm(flat) + 1e-6)
    for mine, g in zip(_grads(params), GRADS):
        np.testing.assert_allclose(mine, g * coef, rtol=1e-6)


def test_clip_grad_norm_inf_is_the_largest_magnitude():
    params = _with_grads(mt)
    total = clip_grad_norm_(params, max_norm=0.1, norm_type=math.inf)
    assert total.item() == max(np.abs(g).max() for g in GRADS)
    assert max(np.abs(g).max() for g in _grads(params)) == pytest.approx(0.1, rel=1e-5)


def test_clip_grad_norm_never_scales_gradients_up():
    params = _with_grads(mt)
    clip_grad_norm_(params, max_norm=1e6)
    for mine, g in zip(_grads(params), GRADS):
        np.testing.assert_array_equal(mine, g)


def test_clip_grad_norm_skips_parameters_without_a_gradient():
    params = _with_grads(mt) + [mt.zeros(2, requires_grad=True)]
    total = clip_grad_norm_(params, max_norm=1.0)
    flat = np.concatenate([g.ravel() for g in GRADS])
    np.testing.assert_allclose(total.item(), np.linalg.norm(flat), rtol=1e-6)
    assert params[-1].grad is None


def test_clip_grad_norm_accepts_a_single_tensor_and_a_generator():
    (p,) = _with_grads(mt, [np.array([3.0, 4.0], dtype=np.float32)])
    assert clip_grad_norm_(p, max_norm=1.0).item() == pytest.approx(5.0)
    total = clip_grad_norm_((q for q in [p]), max_norm=1.0)
    assert total.item() == pytest.approx(1.0, rel=1e-5)


def test_clip_grad_norm_without_gradients_returns_zero():
    assert clip_grad_norm_([mt.zeros(2, requires_grad=True)], max_norm=1.0).item() == 0.0


def test_clip_grad_norm_records_no_graph():
    params = _with_grads(mt)
    params[0].grad.requires_grad_()
    total = clip_grad_norm_(params, max_norm=1.0)
    assert not total.requires_grad


def test_clip_grad_norm_error_if_nonfinite_names_the_norm():
    params = _with_grads(mt, [np.array([1.0, np.inf], dtype=np.float32)])
    with pytest.raises(RuntimeError, match=r"order 2.0 .* non-finite \(inf\)"):
        clip_grad_norm_(params, max_norm=1.0, error_if_nonfinite=True)


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_clip_grad_norm_with_a_nonfinite_norm_scales_anyway_by_default():
    params = _with_grads(mt, [np.array([1.0, np.inf], dtype=np.float32)])
    assert math.isinf(clip_grad_norm_(params, max_norm=1.0).item())
    np.testing.assert_array_equal(_grads(params)[0], [0.0, np.nan])  # 1 * 0, inf * 0


def test_clip_grad_norm_works_on_every_backend(device):
    params = _with_grads(mt, device=device)
    total = clip_grad_norm_(params, max_norm=0.5)
    assert total.device == params[0].device
    flat = np.concatenate([g.ravel() for g in _grads(params)])
    np.testing.assert_allclose(np.linalg.norm(flat), 0.5, rtol=1e-5)


@pytest.mark.parametrize("kwargs, message", [
    (dict(max_norm=-1.0), "max_norm must be non-negative, got -1.0"),
    (dict(max_norm=1.0, norm_type="fro"), "norm_type must be a number or 'inf', got 'fro'"),
])
def test_clip_grad_norm_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        clip_grad_norm_(_with_grads(mt), **kwargs)


# -- clip_grad_value_ --------------------------------------------------------------------------
def test_clip_grad_value_clamps_each_gradient_into_the_range():
    params = _with_grads(mt)
    assert clip_grad_value_(params, clip_value=0.5) is None
    for mine, g in zip(_grads(params), GRADS):
        np.testing.assert_array_equal(mine, np.clip(g, -0.5, 0.5))


@requires_torch
def test_clip_grad_value_matches_torch():
    ours, theirs = _with_grads(mt), _with_grads(torch)
    clip_grad_value_(ours, 0.3)
    torch.nn.utils.clip_grad_value_(theirs, 0.3)
    for mine, ref in zip(_grads(ours), _grads(theirs)):
        np.testing.assert_array_equal(mine, ref)


def test_clip_grad_value_rejects_a_negative_value():
    with pytest.raises(ValueError, match="clip_value must be non-negative, got -0.5"):
        clip_grad_value_(_with_grads(mt), clip_value=-0.5)


# -- parameters_to_vector / vector_to_parameters -----------------------------------------------
def test_parameters_to_vector_flattens_in_order():
    a, b = mt.tensor([[1.0, 2.0], [3.0, 4.0]]), mt.tensor([5.0])
    assert parameters_to_vector([a, b]).tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]


def test_parameters_to_vector_stays_in_the_graph():
    a = mt.tensor([[1.0, 2.0]], requires_grad=True)
    b = mt.tensor([3.0], requires_grad=True)
    (parameters_to_vector([a, b]) * mt.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert a.grad.tolist() == [[1.0, 2.0]] and b.grad.tolist() == [3.0]


def test_vector_to_parameters_is_the_inverse_and_keeps_shapes():
    a, b = mt.zeros(2, 2, requires_grad=True), mt.zeros(3, requires_grad=True)
    vector_to_parameters(mt.arange(7.0), [a, b])
    assert a.tolist() == [[0.0, 1.0], [2.0, 3.0]] and b.tolist() == [4.0, 5.0, 6.0]
    assert a.requires_grad and parameters_to_vector([a, b]).tolist() == list(range(7))


@requires_torch
def test_vector_round_trip_matches_torch():
    def run(lib):
        params = [lib.tensor(g, requires_grad=True) for g in GRADS]
        vec = lib.nn.utils.parameters_to_vector(params) if lib is torch else \
            parameters_to_vector(params)
        to_params = lib.nn.utils.vector_to_parameters if lib is torch else vector_to_parameters
        to_params(vec * 2, params)
        return [p.detach().numpy() for p in params]

    for mine, ref in zip(run(mt), run(torch)):
        np.testing.assert_array_equal(mine, ref)


@pytest.mark.parametrize("vec, error, message", [
    ([0.0] * 7, TypeError, "expected Tensor, but got: list"),
    (mt.zeros(6), ValueError, r"1-d tensor of 7 elements .* got shape \(6,\)"),
    (mt.zeros(7, 1), ValueError, r"1-d tensor of 7 elements .* got shape \(7, 1\)"),
])
def test_vector_to_parameters_rejects_a_wrong_vector(vec, error, message):
    with pytest.raises(error, match=message):
        vector_to_parameters(vec, [mt.zeros(2, 2), mt.zeros(3)])


def test_parameters_to_vector_rejects_an_empty_list():
    with pytest.raises(ValueError, match="empty list of parameters"):
        parameters_to_vector([])


@pytest.fixture
def second_device():
    """A second device type, backed by the CPU kernels, registered in-process."""
    from microtorch_cpu import CPUBackend

    mt.register_backend("second", CPUBackend)
    yield mt.device("second")
    mt.registry.unregister("second")


def test_parameters_on_two_devices_are_rejected_naming_both(second_device):
    params = [mt.zeros(2), mt.zeros(2, device=second_device)]
    with pytest.raises(TypeError, match="different devices \\(cpu at index 0, second"):
        parameters_to_vector(params)
