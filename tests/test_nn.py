"""nn: modules, functional layers and losses, against PyTorch when installed (else NumPy)."""

import math

import numpy as np
import pytest
from torch_reference import requires_torch, torch

import microtorch_core as mt
from microtorch_core import nn
from microtorch_core.nn import functional as F


def _np(t):
    return t.detach().numpy()


def _logits_and_targets(n=6, c=4, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, c)).astype(np.float32), rng.integers(0, c, n)


# -- Linear ------------------------------------------------------------------------------------
def test_linear_forward_is_x_times_weight_transposed_plus_bias():
    layer = nn.Linear(5, 3)
    x = mt.randn(4, 5)
    expected = _np(x) @ _np(layer.weight).T + _np(layer.bias)
    np.testing.assert_allclose(_np(layer(x)), expected, rtol=1e-6, atol=1e-6)


@requires_torch
def test_linear_output_and_gradients_match_torch():
    layer, ref = nn.Linear(5, 3), torch.nn.Linear(5, 3)
    with torch.no_grad():
        ref.weight.copy_(torch.tensor(_np(layer.weight)))
        ref.bias.copy_(torch.tensor(_np(layer.bias)))
    x = np.random.default_rng(1).standard_normal((4, 5)).astype(np.float32)
    (layer(mt.tensor(x)).tanh().sum()).backward()
    (ref(torch.tensor(x)).tanh().sum()).backward()
    np.testing.assert_allclose(_np(layer.weight.grad), ref.weight.grad.numpy(), rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_allclose(_np(layer.bias.grad), ref.bias.grad.numpy(), rtol=1e-5,
                               atol=1e-6)


def test_linear_over_rows_is_one_graph_node():
    layer = nn.Linear(5, 3)
    out = layer(mt.randn(4, 5))
    assert out.grad_fn.name() == "LinearBackward0"
    assert [edge[0].name() for edge in out.grad_fn.next_functions[1:]] == \
        ["AccumulateGrad", "AccumulateGrad"]


def test_linear_of_a_3d_input_has_finite_difference_gradients():
    rng = np.random.default_rng(2)
    x, w, b = (mt.tensor(rng.standard_normal(s), requires_grad=True)
               for s in ((2, 3, 4), (5, 4), (5,)))
    assert mt.autograd.gradcheck(F.linear, (x, w, b))


def test_linear_default_init_is_uniform_within_one_over_sqrt_fan_in():
    layer = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    w = _np(layer.weight)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound
    assert np.isclose(w.std(), bound / math.sqrt(3), rtol=0.02)  # std of U(-b, b)
    assert np.abs(_np(layer.bias)).max() <= bound


def test_linear_init_is_reproducible_with_manual_seed():
    mt.manual_seed(7)
    a = nn.Linear(3, 2)
    mt.manual_seed(7)
    b = nn.Linear(3, 2)
    np.testing.assert_array_equal(_np(a.weight), _np(b.weight))


def test_linear_without_bias_registers_none():
    layer = nn.Linear(3, 2, bias=False)
    assert layer.bias is None and [n for n, _ in layer.named_parameters()] == ["weight"]


# -- activations and dropout -------------------------------------------------------------------
@requires_torch
@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_value_and_gradient_match_torch(approximate):
    x = np.linspace(-4, 4, 17).astype(np.float64)
    a = mt.tensor(x, requires_grad=True)
    b = torch.tensor(x, requires_grad=True)
    ya = nn.GELU(approximate)(a)
    yb = torch.nn.GELU(approximate)(b)
    ya.sum().backward()
    yb.sum().backward()
    np.testing.assert_allclose(_np(ya), yb.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(_np(a.grad), b.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("module, fn", [(nn.ReLU(), lambda x: np.maximum(x, 0)),
                                        (nn.Sigmoid(), lambda x: 1 / (1 + np.exp(-x))),
                                        (nn.Tanh(), np.tanh)])
def test_activation_modules_match_numpy(module, fn):
    x = np.linspace(-3, 3, 13).astype(np.float32)
    np.testing.assert_allclose(_np(module(mt.tensor(x))), fn(x), rtol=1e-6, atol=1e-7)


def test_dropout_is_identity_in_eval_mode():
    x = mt.randn(50)
    np.testing.assert_array_equal(_np(nn.Dropout(0.5).eval()(x)), _np(x))


def test_dropout_zeroes_about_p_and_scales_the_rest_in_training():
    out = _np(nn.Dropout(0.25)(mt.ones(20000)))
    assert set(np.unique(out).tolist()) <= {0.0, np.float32(1 / 0.75)}
    assert abs((out == 0).mean() - 0.25) < 0.02


def test_flatten_keeps_batch_dimension():
    assert nn.Flatten()(mt.zeros(2, 3, 4)).shape == (2, 12)


# -- losses ------------------------------------------------------------------------------------
def test_cross_entropy_matches_numpy_log_softmax_formula():
    logits, y = _logits_and_targets()
    logp = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    expected = -logp[np.arange(len(y)), y].mean()
    got = F.cross_entropy(mt.tensor(logits), mt.tensor(y)).item()
    assert np.isclose(got, expected, rtol=1e-6)


@requires_torch
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ignore", [False, True])
def test_cross_entropy_loss_and_gradient_match_torch(reduction, label_smoothing, weighted,
                                                    ignore):
    logits, y = _logits_and_targets()
    if ignore:
        y[[1, 4]] = -100
    w = np.array([0.5, 2.0, 1.0, 3.0], np.float32) if weighted else None
    kw = dict(reduction=reduction, label_smoothing=label_smoothing)
    a = mt.tensor(logits, requires_grad=True)
    b = torch.tensor(logits, requires_grad=True)
    la = nn.CrossEntropyLoss(mt.tensor(w) if weighted else None, **kw)(a, mt.tensor(y))
    lb = torch.nn.CrossEntropyLoss(torch.tensor(w) if weighted else None, **kw)(
        b, torch.tensor(y))
    (la * la).sum().backward()
    (lb * lb).sum().backward()
    np.testing.assert_allclose(_np(la), lb.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(_np(a.grad), b.grad.numpy(), rtol=1e-4, atol=1e-6)


@requires_torch
def test_cross_entropy_with_class_probabilities_matches_torch():
    logits, _ = _logits_and_targets()
    probs = np.random.default_rng(3).dirichlet(np.ones(4), 6).astype(np.float32)
    got = F.cross_entropy(mt.tensor(logits), mt.tensor(probs), label_smoothing=0.1)
    ref = torch.nn.functional.cross_entropy(torch.tensor(logits), torch.tensor(probs),
                                            label_smoothing=0.1)
    assert np.isclose(got.item(), ref.item(), rtol=1e-6)


@requires_torch
def test_cross_entropy_on_n_c_d_input_matches_torch():
    x = np.random.default_rng(4).standard_normal((2, 3, 5)).astype(np.float32)
    y = np.random.default_rng(5).integers(0, 3, (2, 5))
    got = F.cross_entropy(mt.tensor(x), mt.tensor(y), reduction="none")
    ref = torch.nn.functional.cross_entropy(torch.tensor(x), torch.tensor(y), reduction="none")
    np.testing.assert_allclose(_np(got), ref.numpy(), rtol=1e-6, atol=1e-6)


def test_cross_entropy_names_an_out_of_range_target():
    with pytest.raises(IndexError, match="Target 4 is out of bounds"):
        F.cross_entropy(mt.zeros(2, 4), mt.tensor([0, 4]))


def test_cross_entropy_rejects_float_class_indices_of_wrong_shape():
    with pytest.raises(ValueError, match="Expected target of shape"):
        F.cross_entropy(mt.zeros(2, 4), mt.tensor([0.0, 1.0]))


def test_mse_loss_matches_numpy():
    a, b = np.float32([1, 2, 3]), np.float32([1.5, 2, 5])
    assert np.isclose(nn.MSELoss()(mt.tensor(a), mt.tensor(b)).item(), ((a - b) ** 2).mean())
    assert np.isclose(F.mse_loss(mt.tensor(a), mt.tensor(b), "sum").item(), 4.25)


# -- Module mechanics --------------------------------------------------------------------------
def _mlp():
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Dropout(0.1), nn.Linear(8, 3))


def test_named_parameters_use_dotted_names_in_registration_order():
    assert [n for n, _ in _mlp().named_parameters()] == ["0.weight", "0.bias", "3.weight",
                                                         "3.bias"]


@requires_torch
def test_repr_matches_torch():
    mine = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.GELU("tanh"), nn.Dropout(0.1),
                         nn.Flatten(), nn.Sequential(nn.Linear(8, 3, bias=False), nn.Tanh()))
    ref = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.GELU("tanh"),
                              torch.nn.Dropout(0.1), torch.nn.Flatten(),
                              torch.nn.Sequential(torch.nn.Linear(8, 3, bias=False),
                                                  torch.nn.Tanh()))
    assert repr(mine) == repr(ref)


def test_state_dict_round_trip_reproduces_outputs():
    src, dst = _mlp().eval(), _mlp().eval()
    dst.load_state_dict(src.state_dict())
    x = mt.randn(2, 4)
    np.testing.assert_array_equal(_np(src(x)), _np(dst(x)))


def test_load_state_dict_lists_missing_and_unexpected_keys():
    sd = _mlp().state_dict()
    del sd["3.bias"]
    sd["extra.weight"] = mt.zeros(1)
    with pytest.raises(RuntimeError, match=r'Missing key\(s\) in state_dict: "3.bias"'
                       r'.*\n.*Unexpected key\(s\) in state_dict: "extra.weight"'):
        _mlp().load_state_dict(sd)


def test_load_state_dict_reports_shape_mismatch_even_when_not_strict():
    sd = _mlp().state_dict()
    sd["0.weight"] = mt.zeros(8, 5)
    with pytest.raises(RuntimeError, match=r"size mismatch for 0.weight: copying a param "
                       r"with shape \(8, 5\) from checkpoint, the shape in current model "
                       r"is \(8, 4\)"):
        _mlp().load_state_dict(sd, strict=False)


def test_load_state_dict_non_strict_returns_the_key_differences():
    sd = _mlp().state_dict()
    del sd["0.bias"]
    result = _mlp().load_state_dict(sd, strict=False)
    assert result.missing_keys == ["0.bias"] and result.unexpected_keys == []


def test_train_and_eval_reach_every_submodule():
    model = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Dropout()))
    model.eval()
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())


def test_buffers_are_in_state_dict_unless_non_persistent():
    m = nn.Linear(2, 2)
    m.register_buffer("running", mt.zeros(2))
    m.register_buffer("scratch", mt.zeros(2), persistent=False)
    assert list(m.state_dict()) == ["weight", "bias", "running"]
    assert [n for n, _ in m.named_buffers()] == ["running", "scratch"]


def test_to_converts_in_place_keeping_parameter_objects():
    m = _mlp()
    params = list(m.parameters())
    m.to(mt.float64)
    assert all(p is q and p.dtype is mt.float64 for p, q in zip(m.parameters(), params))
    assert isinstance(params[0], nn.Parameter)


def test_zero_grad_clears_gradients():
    m = _mlp()
    m(mt.randn(3, 4)).sum().backward()
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())


def test_assigning_a_plain_tensor_to_a_parameter_name_is_an_error():
    with pytest.raises(TypeError, match="cannot assign 'Tensor' as parameter 'weight'"):
        nn.Linear(2, 2).weight = mt.zeros(2, 2)


def test_shared_parameter_is_listed_once():
    a = nn.Linear(2, 2)
    m = nn.Sequential(a, nn.ReLU(), a)
    assert len(list(m.parameters())) == 2


def test_sequential_indexing_slicing_and_len():
    m = _mlp()
    assert isinstance(m[0], nn.Linear) and isinstance(m[-1], nn.Linear)
    assert len(m) == 4 and len(m[1:]) == 3


def test_custom_module_registers_attributes():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 2)
            self.scale = nn.Parameter(mt.ones(1))

        def forward(self, x):
            return self.fc(x) * self.scale

    net = Net()
    assert [n for n, _ in net.named_parameters()] == ["scale", "fc.weight", "fc.bias"]
    assert net(mt.randn(4, 3)).shape == (4, 2)


@pytest.fixture
def second_device():
    """A second device type, backed by the CPU kernels, registered in-process."""
    from microtorch_cpu import CPUBackend

    mt.register_backend("second", CPUBackend)
    yield mt.device("second")
    mt.registry.unregister("second")


def test_to_device_moves_parameters_buffers_and_grads_and_back(second_device):
    m = nn.Linear(3, 2)
    m.register_buffer("count", mt.zeros(1, dtype=mt.int64))
    m(mt.randn(4, 3)).sum().backward()
    m.to(second_device)
    assert {t.device for t in (m.weight, m.bias, m.weight.grad, m.count)} == {second_device}
    assert m.count.dtype is mt.int64  # .to(device) leaves integer buffers' dtype alone
    assert m(mt.randn(4, 3, device=second_device)).device == second_device
    assert m.cpu().weight.device == mt.device("cpu")
