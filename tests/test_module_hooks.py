"""Module hooks: forward pre-hooks, forward hooks and full backward (pre-)hooks, their order,
removal and return values; backward hooks see the same grad_input/grad_output as PyTorch's
(and as the closed form for a Linear layer). Also get_submodule."""

import numpy as np
import pytest
from torch_reference import requires_torch, torch

import microtorch_core as mt
from microtorch_core import nn


class AddScale(nn.Module):
    """forward(x, y, scale=1.0) = (x + y) * scale: positional and keyword arguments."""

    def forward(self, x, y, scale=1.0):
        return (x + y) * scale


def _linear(seed=0):
    """A float64 Linear(4, 3) with known weights, and its weights as NumPy arrays."""
    rng = np.random.default_rng(seed)
    w, b = rng.standard_normal((3, 4)), rng.standard_normal(3)
    layer = nn.Linear(4, 3).double()
    layer.load_state_dict({"weight": mt.tensor(w), "bias": mt.tensor(b)})
    return layer, w, b


# -- forward pre-hooks and forward hooks -------------------------------------------------------
def test_forward_pre_hook_sees_the_positional_arguments():
    seen = []
    m = AddScale()
    m.register_forward_pre_hook(lambda mod, args: seen.append((mod, args)))
    x, y = mt.tensor([1.0]), mt.tensor([2.0])
    m(x, y, scale=3.0)
    assert seen == [(m, (x, y))]


def test_forward_pre_hook_may_replace_the_arguments():
    m = AddScale()
    m.register_forward_pre_hook(lambda mod, args: (args[0], args[1] * 10))
    assert m(mt.tensor([1.0]), mt.tensor([2.0])).tolist() == [21.0]


def test_forward_pre_hook_returning_a_single_value_is_wrapped_in_a_tuple():
    m = nn.Identity()
    m.register_forward_pre_hook(lambda mod, args: args[0] + 1)
    assert m(mt.tensor([1.0])).tolist() == [2.0]


def test_forward_pre_hook_with_kwargs_may_replace_args_and_kwargs():
    m = AddScale()
    m.register_forward_pre_hook(lambda mod, args, kwargs: (args, {"scale": 5.0}),
                                with_kwargs=True)
    assert m(mt.tensor([1.0]), mt.tensor([2.0]), scale=2.0).tolist() == [15.0]


def test_forward_pre_hook_with_kwargs_must_return_args_and_kwargs():
    m = AddScale()
    m.register_forward_pre_hook(lambda mod, args, kwargs: args, with_kwargs=True)
    with pytest.raises(RuntimeError, match=r"must return None or a tuple of \(new_args, "
                                           r"new_kwargs\)"):
        m(mt.tensor([1.0]), mt.tensor([2.0]), scale=2.0)


def test_forward_hook_sees_arguments_and_output():
    seen = []
    m = AddScale()
    m.register_forward_hook(lambda mod, args, out: seen.append((len(args), out.tolist())))
    m(mt.tensor([1.0]), mt.tensor([2.0]))
    assert seen == [(2, [3.0])]


def test_forward_hook_may_replace_the_output():
    m = AddScale()
    m.register_forward_hook(lambda mod, args, out: out * 100)
    assert m(mt.tensor([1.0]), mt.tensor([2.0])).tolist() == [300.0]


def test_forward_hook_with_kwargs_sees_the_keyword_arguments():
    seen = []
    m = AddScale()
    m.register_forward_hook(lambda mod, args, kwargs, out: seen.append(kwargs),
                            with_kwargs=True)
    m(mt.tensor([1.0]), mt.tensor([2.0]), scale=4.0)
    assert seen == [{"scale": 4.0}]


def test_hooks_run_in_registration_order_and_prepend_puts_a_hook_first():
    calls = []
    m = nn.Identity()
    for name in ("a", "b"):
        m.register_forward_pre_hook(lambda mod, args, name=name: calls.append("pre-" + name))
        m.register_forward_hook(lambda mod, args, out, name=name: calls.append("fwd-" + name))
    m.register_forward_pre_hook(lambda mod, args: calls.append("pre-first"), prepend=True)
    m.register_forward_hook(lambda mod, args, out: calls.append("fwd-first"), prepend=True)
    m(mt.tensor([1.0]))
    assert calls == ["pre-first", "pre-a", "pre-b", "fwd-first", "fwd-a", "fwd-b"]


@requires_torch
def test_hooks_of_a_sequential_and_its_layers_run_in_torch_order():
    def record(model, calls):
        for name, mod in model.named_modules():
            mod.register_forward_pre_hook(lambda m, a, name=name: calls.append(f"pre:{name}"))
            mod.register_forward_hook(lambda m, a, o, name=name: calls.append(f"fwd:{name}"))
            mod.register_full_backward_hook(
                lambda m, gi, go, name=name: calls.append(f"bwd:{name}"))

    ours, theirs = [], []
    model = nn.Sequential(nn.Linear(2, 2), nn.Tanh(), nn.Linear(2, 1))
    ref = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Tanh(), torch.nn.Linear(2, 1))
    record(model, ours)
    record(ref, theirs)
    model(mt.ones(3, 2, requires_grad=True)).sum().backward()
    ref(torch.ones(3, 2, requires_grad=True)).sum().backward()
    assert ours == theirs


def test_handle_remove_unregisters_the_hook_and_may_be_called_twice():
    calls = []
    m = nn.Identity()
    handle = m.register_forward_hook(lambda mod, args, out: calls.append(1))
    m(mt.tensor([1.0]))
    handle.remove()
    handle.remove()
    m(mt.tensor([1.0]))
    assert calls == [1]
    assert not m._forward_hooks


def test_handle_remove_clears_the_flag_tables_too():
    m = nn.Identity()
    handle = m.register_forward_hook(lambda mod, args, kwargs, out: None, with_kwargs=True,
                                     always_call=True)
    handle.remove()
    assert not m._forward_hooks_with_kwargs and not m._forward_hooks_always_called


def test_handle_as_context_manager_removes_the_hook_on_exit():
    calls = []
    m = nn.Identity()
    with m.register_forward_pre_hook(lambda mod, args: calls.append(1)):
        m(mt.tensor([1.0]))
    m(mt.tensor([1.0]))
    assert calls == [1]


def test_always_call_hook_runs_when_forward_raises_and_the_error_propagates():
    class Broken(nn.Module):
        def forward(self, x):
            raise ValueError("broken forward")

    calls = []
    m = Broken()
    m.register_forward_hook(lambda mod, args, out: calls.append(("always", out)),
                            always_call=True)
    m.register_forward_hook(lambda mod, args, out: calls.append("normal"))
    with pytest.raises(ValueError, match="broken forward"):
        m(mt.tensor([1.0]))
    assert calls == [("always", None)]


def test_always_call_hook_that_raises_after_a_failed_forward_is_reported_as_a_warning():
    class Broken(nn.Module):
        def forward(self, x):
            raise ValueError("broken forward")

    def bad_hook(mod, args, out):
        raise KeyError("hook failed too")

    m = Broken()
    m.register_forward_hook(bad_hook, always_call=True)
    with pytest.warns(UserWarning, match="hook failed too"):
        with pytest.raises(ValueError, match="broken forward"):
            m(mt.tensor([1.0]))


# -- backward hooks ----------------------------------------------------------------------------
def test_backward_hook_of_linear_gets_the_input_and_output_gradients():
    layer, w, _ = _linear()
    seen = []
    layer.register_full_backward_hook(lambda mod, gi, go: seen.append((mod, gi, go)))
    x = mt.tensor(np.ones((2, 4)), requires_grad=True)
    upstream = np.arange(6.0).reshape(2, 3)
    (layer(x) * mt.tensor(upstream)).sum().backward()
    ((mod, grad_input, grad_output),) = seen
    assert mod is layer and len(grad_input) == 1 and len(grad_output) == 1
    np.testing.assert_allclose(grad_output[0].numpy(), upstream)
    np.testing.assert_allclose(grad_input[0].numpy(), upstream @ w)
    np.testing.assert_allclose(x.grad.numpy(), upstream @ w)


def test_backward_hook_may_replace_grad_input():
    layer, _, _ = _linear()
    layer.register_full_backward_hook(lambda mod, gi, go: (gi[0] * 0 + 7,))
    x = mt.tensor(np.ones((2, 4)), requires_grad=True)
    layer(x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.full((2, 4), 7.0))


def test_backward_pre_hook_may_replace_grad_output():
    layer, _, _ = _linear()
    layer.register_full_backward_pre_hook(lambda mod, go: (go[0] * 2,))
    x = mt.tensor(np.ones((2, 4)))
    layer(x).sum().backward()
    np.testing.assert_allclose(layer.bias.grad.numpy(), np.full(3, 4.0))  # 2 rows x 2


def test_backward_hook_gets_none_for_an_input_without_gradient_and_non_tensor_arguments():
    seen = []
    m = AddScale()
    m.register_full_backward_hook(lambda mod, gi, go: seen.append(gi))
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    m(x, mt.tensor([3.0, 4.0]), 2.0).sum().backward()
    ((grad_x, grad_y, grad_scale),) = seen
    assert grad_x.tolist() == [2.0, 2.0] and grad_y is None and grad_scale is None


def test_backward_hook_runs_once_per_call_of_a_module_used_twice():
    layer = nn.Linear(3, 3).double()
    seen = []
    layer.register_full_backward_hook(lambda mod, gi, go: seen.append(go[0].numpy()))
    x = mt.ones(1, 3, dtype=mt.float64, requires_grad=True)
    (layer(layer(x)) * 5).sum().backward()
    assert len(seen) == 2
    np.testing.assert_array_equal(seen[0], np.full((1, 3), 5.0))  # the outer call first


def test_backward_hook_returning_the_wrong_number_of_gradients_is_an_error():
    layer, _, _ = _linear()
    layer.register_full_backward_hook(lambda mod, gi, go: (gi[0], gi[0]))
    with pytest.raises(RuntimeError, match="invalid number of grad_input, got 2, but "
                                           "expected 1"):
        layer(mt.ones(2, 4, dtype=mt.float64, requires_grad=True)).sum().backward()


def test_backward_hook_is_not_set_up_without_a_graph():
    layer, _, _ = _linear()
    layer.register_full_backward_hook(lambda mod, gi, go: None)
    with mt.no_grad():
        out = layer(mt.ones(2, 4, dtype=mt.float64))
    assert out.grad_fn is None


@requires_torch
@pytest.mark.filterwarnings("ignore:Full backward hook is firing")  # PyTorch's, x-no-grad case
@pytest.mark.parametrize("input_requires_grad", [True, False], ids=["x-grad", "x-no-grad"])
@pytest.mark.parametrize("kind", ["linear", "sequential"])
def test_backward_hook_gets_the_same_gradients_as_torch(kind, input_requires_grad):
    def build(lib):
        if kind == "linear":
            return lib.Linear(4, 3)
        return lib.Sequential(lib.Linear(4, 3), lib.Tanh(), lib.Linear(3, 2))

    ours, ref = build(nn).double(), build(torch.nn).double()
    ours.load_state_dict({k: mt.tensor(v.detach().numpy()) for k, v in ref.state_dict().items()})
    seen = {}

    def recorder(key):
        def hook(mod, grad_input, grad_output):
            seen[key] = [[None if g is None else g.detach().numpy() for g in grads]
                         for grads in (grad_input, grad_output)]
        return hook

    ours.register_full_backward_hook(recorder("ours"))
    ref.register_full_backward_hook(recorder("torch"))
    x = np.random.default_rng(1).standard_normal((5, 4))
    out = ours(mt.tensor(x, requires_grad=input_requires_grad))
    upstream = np.random.default_rng(2).standard_normal(out.shape)
    (out * mt.tensor(upstream)).sum().backward()
    (ref(torch.tensor(x, requires_grad=input_requires_grad)) * torch.tensor(upstream)
     ).sum().backward()
    for ours_grads, torch_grads in zip(seen["ours"], seen["torch"]):
        assert len(ours_grads) == len(torch_grads)
        for a, b in zip(ours_grads, torch_grads):
            assert (a is None) == (b is None)
            if a is not None:
                np.testing.assert_allclose(a, b, rtol=1e-12)


# -- get_submodule -----------------------------------------------------------------------------
def test_get_submodule_follows_a_dotted_path():
    model = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Tanh(), nn.Linear(2, 1)))
    assert model.get_submodule("1.1") is model[1][1]
    assert model.get_submodule("") is model


def test_get_submodule_names_the_missing_part():
    model = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Tanh()))
    with pytest.raises(AttributeError, match=r"Sequential \(1\) has no submodule '3'; it has "
                                             r"\['0'\]"):
        model.get_submodule("1.3")
