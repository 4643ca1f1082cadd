"""Parametrizations (``nn.utils.parametrize``, ``nn.utils.parametrizations.weight_norm``) and
the legacy hook-based ``weight_norm`` and ``spectral_norm`` (``nn.utils.weight_norm``), against
PyTorch with copied weights."""

import copy
import warnings

import numpy as np
import pytest
from torch_reference import requires_torch, torch

import microtorch_core as mt
from microtorch_core import nn
from microtorch_core.nn.utils import parametrize
from microtorch_core.nn.utils.parametrizations import weight_norm
from microtorch_core.nn.utils.weight_norm import (
    remove_spectral_norm,
    remove_weight_norm,
    spectral_norm,
)
from microtorch_core.nn.utils.weight_norm import weight_norm as legacy_weight_norm

RNG = np.random.default_rng(11)


class Symmetric(nn.Module):
    """X -> its upper triangle mirrored; right_inverse keeps the upper triangle."""

    def forward(self, X):
        return X.triu() + X.triu(1).transpose(-1, -2)

    def right_inverse(self, A):
        return A.triu()


class Double(nn.Module):
    def forward(self, X):
        return X * 2.0

    def right_inverse(self, A):
        return A / 2.0


class NoInverse(nn.Module):
    def forward(self, X):
        return X * 3.0


class FirstRow(nn.Module):
    def forward(self, X):
        return X[0]


def _torch_module(cls):
    """PyTorch's version of a test parametrization (same forward and right_inverse)."""
    methods = {name: getattr(cls, name) for name in ("forward", "right_inverse")
               if name in cls.__dict__}
    return type(f"Torch{cls.__name__}", (torch.nn.Module,), methods)()


def _linear_pair(n_in=3, n_out=3):
    ours = nn.Linear(n_in, n_out).double()
    ref = torch.nn.Linear(n_in, n_out).double()
    ref.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    return ours, ref


def _conv_pair(cls_name="Conv2d"):
    ours = getattr(nn, cls_name)(2, 3, 3).double()
    ref = getattr(torch.nn, cls_name)(2, 3, 3).double()
    ref.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    return ours, ref


def _check_forward_and_grads(ours, ref, x, rtol=1e-12):
    """Outputs agree, and so do the gradients of every parameter, by name."""
    out, ref_out = ours(mt.tensor(x)), ref(torch.tensor(x))
    np.testing.assert_allclose(out.detach().numpy(), ref_out.detach().numpy(), rtol=rtol,
                               atol=1e-13)
    for p in ours.parameters():
        p.grad = None
    ref.zero_grad()
    out.sum().backward()
    ref_out.sum().backward()
    ref_params = dict(ref.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), ref_params[name].grad.numpy(), rtol=rtol,
                                   atol=1e-12, err_msg=name)


# -- parametrize ----------------------------------------------------------------------------
@requires_torch
def test_parametrized_weight_values_and_gradients_match_torch():
    ours, ref = _linear_pair()
    parametrize.register_parametrization(ours, "weight", Symmetric())
    torch.nn.utils.parametrize.register_parametrization(ref, "weight", _torch_module(Symmetric))
    _check_forward_and_grads(ours, ref, RNG.standard_normal((4, 3)))


@requires_torch
def test_parametrized_state_dict_keys_match_torch():
    ours, ref = _linear_pair()
    parametrize.register_parametrization(ours, "weight", Symmetric())
    torch.nn.utils.parametrize.register_parametrization(ref, "weight", _torch_module(Symmetric))
    assert list(ours.state_dict()) == list(ref.state_dict()) == [
        "bias", "parametrizations.weight.original"]


@requires_torch
def test_chained_parametrizations_apply_in_registration_order_as_torch():
    ours, ref = _linear_pair()
    for cls in (Symmetric, Double):
        parametrize.register_parametrization(ours, "weight", cls())
        torch.nn.utils.parametrize.register_parametrization(ref, "weight", _torch_module(cls))
    np.testing.assert_allclose(ours.parametrizations.weight.original.detach().numpy(),
                               ref.parametrizations.weight.original.detach().numpy())
    _check_forward_and_grads(ours, ref, RNG.standard_normal((4, 3)))


def test_original_is_the_parameter_that_was_registered():
    layer = nn.Linear(3, 3)
    weight = layer.weight
    parametrize.register_parametrization(layer, "weight", Double())
    assert layer.parametrizations.weight.original is weight


def test_registration_stores_right_inverse_of_the_weight_so_the_value_is_kept():
    layer = nn.Linear(3, 3).double()
    before = layer.weight.detach().numpy().copy()
    parametrize.register_parametrization(layer, "weight", Double())
    np.testing.assert_allclose(layer.parametrizations.weight.original.detach().numpy(),
                               before / 2)
    np.testing.assert_allclose(layer.weight.detach().numpy(), before)


def test_parametrized_module_gets_a_subclass_of_its_own():
    layer, other = nn.Linear(3, 3), nn.Linear(3, 3)
    parametrize.register_parametrization(layer, "weight", Double())
    assert type(layer).__name__ == "ParametrizedLinear"
    assert isinstance(layer, nn.Linear)
    assert parametrize.type_before_parametrizations(layer) is nn.Linear
    assert type(other) is nn.Linear and isinstance(other.weight, nn.Parameter)


def test_is_parametrized_reports_the_module_and_the_name():
    layer = nn.Linear(3, 3)
    assert not parametrize.is_parametrized(layer)
    parametrize.register_parametrization(layer, "weight", Double())
    assert parametrize.is_parametrized(layer)
    assert parametrize.is_parametrized(layer, "weight")
    assert not parametrize.is_parametrized(layer, "bias")


def test_assigning_the_parametrized_tensor_stores_its_right_inverse():
    layer = nn.Linear(2, 2).double()
    parametrize.register_parametrization(layer, "weight", Double())
    layer.weight = mt.tensor([[2.0, 4.0], [6.0, 8.0]], dtype=mt.float64)
    assert layer.parametrizations.weight.original.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert layer.weight.tolist() == [[2.0, 4.0], [6.0, 8.0]]


def test_assigning_without_right_inverse_raises_naming_the_parametrization():
    layer = nn.Linear(2, 2)
    parametrize.register_parametrization(layer, "weight", NoInverse())
    with pytest.raises(RuntimeError, match="parametrization NoInverse does not implement "
                                           "right_inverse"):
        layer.weight = mt.zeros(2, 2)


def test_weight_is_recomputed_from_original_at_each_access():
    layer = nn.Linear(2, 2).double()
    parametrize.register_parametrization(layer, "weight", NoInverse())
    with mt.no_grad():
        layer.parametrizations.weight.original.fill_(1.0)
    assert layer.weight.tolist() == [[3.0, 3.0], [3.0, 3.0]]


def test_a_shape_changing_parametrization_is_refused_unless_unsafe():
    with pytest.raises(ValueError, match=r"unparametrized shape: \(2, 3\)\n"
                                         r"parametrized shape: \(3,\)"):
        parametrize.register_parametrization(nn.Linear(3, 2), "weight", FirstRow())


def test_unsafe_allows_a_parametrization_that_changes_the_shape():
    layer = nn.Linear(3, 2)
    parametrize.register_parametrization(layer, "weight", FirstRow(), unsafe=True)
    assert layer.weight.shape == (3,)


def test_registering_on_a_missing_name_names_the_available_ones():
    with pytest.raises(ValueError, match=r"with name 'kernel'; it has parameters "
                                         r"\['weight', 'bias'\] and buffers \[\]"):
        parametrize.register_parametrization(nn.Linear(2, 2), "kernel", Double())


def test_a_buffer_can_be_parametrized_and_stays_a_buffer():
    bn = nn.BatchNorm1d(3).double()
    parametrize.register_parametrization(bn, "running_var", Double())
    assert "parametrizations.running_var.original" in dict(bn.named_buffers())
    np.testing.assert_allclose(bn.running_var.numpy(), np.ones(3))
    parametrize.remove_parametrizations(bn, "running_var")
    assert "running_var" in bn._buffers


def test_remove_parametrizations_leaves_a_plain_parameter_with_the_parametrized_value():
    layer = nn.Linear(3, 3).double()
    weight = layer.weight
    parametrize.register_parametrization(layer, "weight", Symmetric())
    value = layer.weight.detach().numpy().copy()
    parametrize.remove_parametrizations(layer, "weight")
    assert type(layer) is nn.Linear
    assert layer.weight is weight  # the optimizer's parameter is still the module's
    np.testing.assert_allclose(layer.weight.detach().numpy(), value)
    assert list(layer.state_dict()) == ["bias", "weight"]


def test_remove_parametrizations_without_leaving_parametrized_restores_original():
    layer = nn.Linear(2, 2).double()
    parametrize.register_parametrization(layer, "weight", Double())
    original = layer.parametrizations.weight.original.detach().numpy().copy()
    parametrize.remove_parametrizations(layer, "weight", leave_parametrized=False)
    np.testing.assert_allclose(layer.weight.detach().numpy(), original)


def test_remove_parametrizations_of_an_unparametrized_name_raises():
    with pytest.raises(ValueError, match="Linear does not have a parametrization on weight"):
        parametrize.remove_parametrizations(nn.Linear(2, 2), "weight")


def test_cached_computes_each_parametrized_tensor_once():
    calls = []

    class Counting(nn.Module):
        def forward(self, X):
            calls.append(1)
            return X

    layer = nn.Linear(2, 2)
    parametrize.register_parametrization(layer, "weight", Counting())
    calls.clear()
    with parametrize.cached():
        first, second = layer.weight, layer.weight
    assert len(calls) == 1 and first is second
    _ = layer.weight  # outside the block: computed again
    assert len(calls) == 2


def test_parametrization_follows_the_module_train_and_eval_mode():
    layer = nn.Linear(2, 2).eval()
    p = Double()
    parametrize.register_parametrization(layer, "weight", p)
    assert not p.training
    layer.train()
    assert p.training


def test_deepcopy_of_a_parametrized_module_is_independent_of_the_original():
    layer = nn.Linear(2, 2)
    parametrize.register_parametrization(layer, "weight", Double())
    twin = copy.deepcopy(layer)
    parametrize.remove_parametrizations(layer, "weight")
    assert parametrize.is_parametrized(twin, "weight")
    assert twin.weight.shape == (2, 2)  # the property survived on the copy's own class


# -- parametrizations.weight_norm -----------------------------------------------------------
@requires_torch
@pytest.mark.parametrize("dim", [0, 1, None])
def test_weight_norm_values_and_gradients_match_torch(dim):
    ours, ref = _conv_pair()
    weight_norm(ours, dim=dim)
    torch.nn.utils.parametrizations.weight_norm(ref, dim=dim)
    for key, value in ref.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[key].numpy(), value.numpy(), rtol=1e-12,
                                   err_msg=key)
    _check_forward_and_grads(ours, ref, RNG.standard_normal((2, 2, 5, 5)))


@requires_torch
def test_weight_norm_state_dict_keys_match_torch():
    ours, ref = _linear_pair(4, 3)
    weight_norm(ours)
    torch.nn.utils.parametrizations.weight_norm(ref)
    assert list(ours.state_dict()) == list(ref.state_dict()) == [
        "bias", "parametrizations.weight.original0", "parametrizations.weight.original1"]


def test_weight_norm_g_holds_the_row_norms_and_v_the_weight():
    layer = nn.Linear(4, 3).double()
    w = layer.weight.detach().numpy().copy()
    weight_norm(layer)
    g = layer.parametrizations.weight.original0.detach().numpy()
    v = layer.parametrizations.weight.original1.detach().numpy()
    np.testing.assert_allclose(g, np.linalg.norm(w, axis=1, keepdims=True), rtol=1e-12)
    np.testing.assert_allclose(v, w)


def test_removing_weight_norm_restores_a_plain_weight_parameter():
    layer = nn.Linear(4, 3).double()
    weight_norm(layer)
    with mt.no_grad():
        layer.parametrizations.weight.original0.mul_(2.0)
    value = layer.weight.detach().numpy().copy()
    parametrize.remove_parametrizations(layer, "weight")
    assert isinstance(layer.weight, nn.Parameter) and type(layer) is nn.Linear
    np.testing.assert_allclose(layer.weight.detach().numpy(), value)


# -- legacy weight_norm and spectral_norm ---------------------------------------------------
def _legacy_weight_norm(module, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return legacy_weight_norm(module, **kwargs)


@requires_torch
@pytest.mark.parametrize("dim", [0, 1, None])
def test_legacy_weight_norm_values_gradients_and_keys_match_torch(dim):
    ours, ref = _conv_pair()
    _legacy_weight_norm(ours, dim=dim)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        torch.nn.utils.weight_norm(ref, dim=dim)
    assert list(ours.state_dict()) == list(ref.state_dict()) == ["bias", "weight_g",
                                                                  "weight_v"]
    _check_forward_and_grads(ours, ref, RNG.standard_normal((2, 2, 5, 5)))


def test_legacy_weight_norm_warns_that_it_is_deprecated():
    with pytest.warns(FutureWarning, match="parametrizations.weight_norm"):
        legacy_weight_norm(nn.Linear(2, 2))


def test_legacy_weight_norm_twice_on_one_parameter_raises():
    layer = _legacy_weight_norm(nn.Linear(2, 2))
    with pytest.raises(RuntimeError, match="two weight_norm hooks on the same parameter weight"):
        _legacy_weight_norm(layer)


def test_remove_weight_norm_restores_the_weight_parameter_and_removes_the_hook():
    layer = _legacy_weight_norm(nn.Linear(3, 2).double())
    with mt.no_grad():
        layer.weight_g.mul_(3.0)
    layer(mt.zeros(1, 3, dtype=mt.float64))
    value = layer.weight.detach().numpy().copy()
    remove_weight_norm(layer)
    assert list(layer.state_dict()) == ["bias", "weight"] and not layer._forward_pre_hooks
    np.testing.assert_allclose(layer.weight.detach().numpy(), value)


def test_remove_weight_norm_of_an_unnormalised_module_raises():
    with pytest.raises(ValueError, match="weight_norm of 'weight' not found in Linear"):
        remove_weight_norm(nn.Linear(2, 2))


def test_legacy_weight_norm_of_a_missing_parameter_names_the_parameters():
    with pytest.raises(ValueError, match=r"'kernel' of Linear: it is not a parameter of it "
                                         r"\(parameters: \['weight', 'bias'\]\)"):
        _legacy_weight_norm(nn.Linear(2, 2), name="kernel")


@requires_torch
@pytest.mark.parametrize("cls_name", ["Conv2d", "ConvTranspose2d"])
def test_spectral_norm_matches_torch_in_training_and_in_eval(cls_name):
    ours, ref = _conv_pair(cls_name)
    spectral_norm(ours)
    torch.nn.utils.spectral_norm(ref)
    assert list(ours.state_dict()) == list(ref.state_dict()) == [
        "bias", "weight_orig", "weight_u", "weight_v"]
    with torch.no_grad():  # the random start vectors come from different generators
        ref.weight_u.copy_(torch.tensor(ours.weight_u.numpy()))
        ref.weight_v.copy_(torch.tensor(ours.weight_v.numpy()))
    for mode in ("train", "train", "eval"):
        getattr(ours, mode)()
        getattr(ref, mode)()
        _check_forward_and_grads(ours, ref, RNG.standard_normal((2, 2, 5, 5)), rtol=1e-10)
        np.testing.assert_allclose(ours.weight_u.numpy(), ref.weight_u.numpy(), rtol=1e-12)


def test_spectral_norm_divides_by_the_largest_singular_value_after_enough_iterations():
    layer = spectral_norm(nn.Linear(5, 4).double(), n_power_iterations=50)
    layer(mt.zeros(1, 5, dtype=mt.float64))
    w = layer.weight_orig.detach().numpy()
    np.testing.assert_allclose(layer.weight.detach().numpy(),
                               w / np.linalg.svd(w, compute_uv=False)[0], rtol=1e-10)


def test_spectral_norm_in_eval_mode_keeps_u_and_v():
    layer = spectral_norm(nn.Linear(5, 4)).eval()
    u = layer.weight_u.numpy().copy()
    layer(mt.zeros(1, 5))
    np.testing.assert_array_equal(layer.weight_u.numpy(), u)


def test_remove_spectral_norm_restores_a_weight_parameter():
    layer = spectral_norm(nn.Linear(5, 4).double())
    layer(mt.zeros(1, 5, dtype=mt.float64))
    value = layer.weight.detach().numpy().copy()
    remove_spectral_norm(layer)
    assert list(layer.state_dict()) == ["bias", "weight"] and not layer._forward_pre_hooks
    np.testing.assert_allclose(layer.weight.detach().numpy(), value, rtol=1e-12)


def test_spectral_norm_rejects_non_positive_power_iterations():
    with pytest.raises(ValueError, match="got n_power_iterations=0"):
        spectral_norm(nn.Linear(2, 2), n_power_iterations=0)


@requires_torch
def test_assigning_a_parameter_over_a_parametrized_weight_is_refused_as_in_torch():
    ours, ref = nn.Linear(3, 3), torch.nn.Linear(3, 3)
    parametrize.register_parametrization(ours, "weight", Symmetric())
    torch.nn.utils.parametrize.register_parametrization(ref, "weight", _torch_module(Symmetric))
    with pytest.raises(KeyError, match="attribute 'weight' already exists"):
        ref.weight = torch.nn.Parameter(torch.zeros(3, 3))
    with pytest.raises(KeyError, match="attribute 'weight' already exists"):
        ours.weight = nn.Parameter(mt.zeros(3, 3))
