"""The rest of ``torch.nn.Module``'s API, against PyTorch: dotted-path accessors
(get_parameter, get_buffer, set_submodule), state-dict hooks and their order, load-state-dict
hooks editing the incompatible keys, extra state (also through ``save``/``load``),
``load_state_dict(assign=True)``, and type / to_empty / half / share_memory / compile /
register_backward_hook."""

import io
import warnings

import numpy as np
import pytest
from torch_reference import requires_torch, torch

import microtorch_core as mt
from microtorch_core import nn


def _tree(lib):
    """Sequential(Linear(2, 3), Sequential(BatchNorm1d(3))) built with ``lib.nn``."""
    return lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.Sequential(lib.nn.BatchNorm1d(3)))


def _plain_tree(lib):
    """Sequential(Linear(2, 3), Sequential(LayerNorm(3))): every module at version 1 in both
    libraries (PyTorch's BatchNorm is at version 2)."""
    return lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.Sequential(lib.nn.LayerNorm(3)))


def _both(fn):
    """``fn(lib)`` for MicroTorch and for PyTorch."""
    return fn(mt), fn(torch)


class Counter(nn.Module):
    """A module whose state is a Python dict, kept through get/set_extra_state."""

    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(mt.ones(1))
        self.seen = {"steps": 0, "vocab": ["a", "b"]}

    def get_extra_state(self):
        return self.seen

    def set_extra_state(self, state):
        self.seen = state


# -- get_parameter / get_buffer / set_submodule --------------------------------------------------
def test_get_parameter_follows_a_dotted_path():
    model = _tree(mt)
    assert model.get_parameter("1.0.weight") is model[1][0].weight


def test_get_buffer_follows_a_dotted_path():
    model = _tree(mt)
    assert model.get_buffer("1.0.running_mean") is model[1][0].running_mean


def test_get_buffer_returns_none_for_a_buffer_registered_as_none():
    m = nn.Linear(2, 2)
    m.register_buffer("mask", None)
    assert m.get_buffer("mask") is None


@requires_torch
@pytest.mark.parametrize("method, target", [
    ("get_submodule", "1.5"), ("get_submodule", "0.weight"), ("get_parameter", "1.0.nope"),
    ("get_parameter", "1.0.running_mean"), ("get_parameter", "1.0.training"),
    ("get_buffer", "0.weight"), ("get_buffer", "2.running_mean"), ("get_buffer", "1.0.nope"),
])
def test_dotted_path_errors_start_with_torchs_message_and_name_the_path(method, target):
    messages = []
    for model in _both(_tree):
        with pytest.raises(AttributeError) as info:
            getattr(model, method)(target)
        messages.append(str(info.value))
    ours, theirs = messages
    assert ours.startswith(theirs + " (") and f"{method}({target!r})" in ours


def test_dotted_path_error_says_where_the_walk_stopped_and_what_is_there():
    with pytest.raises(AttributeError, match=r"Sequential \(1\) has no submodule '5'; it has "
                                             r"\['0'\]"):
        _tree(mt).get_parameter("1.5.weight")


def test_get_parameter_of_a_buffer_says_it_is_a_buffer():
    with pytest.raises(AttributeError, match=r"'1.0.running_mean' is a buffer"):
        _tree(mt).get_parameter("1.0.running_mean")


def test_set_submodule_replaces_a_nested_module():
    model, new = _tree(mt), nn.LayerNorm(3)
    model.set_submodule("1.0", new)
    assert model[1][0] is new and "1.0.running_mean" not in model.state_dict()


@requires_torch
def test_set_submodule_adds_a_child_to_an_existing_parent_unless_strict():
    for lib, model in zip((mt, torch), _both(_tree)):
        model.set_submodule("1.act", lib.nn.ReLU())
        assert [name for name, _ in model[1].named_children()] == ["0", "act"]
    errors = []
    for lib, model in zip((mt, torch), _both(_tree)):
        with pytest.raises(AttributeError) as info:
            model.set_submodule("1.act", lib.nn.ReLU(), strict=True)
        errors.append(str(info.value))
    assert errors[0].startswith(errors[1])


@requires_torch
def test_set_submodule_refuses_to_replace_a_parameter():
    errors = []
    for lib, model in zip((mt, torch), _both(_tree)):
        with pytest.raises(AttributeError) as info:
            model.set_submodule("0.weight", lib.nn.ReLU())
        errors.append(str(info.value))
    assert errors[0].startswith(errors[1])  # "`weight` is not an nn.Module"


@requires_torch
@pytest.mark.parametrize("target, module", [("", "relu"), ("0", 3)])
def test_set_submodule_requires_a_target_and_a_module_with_torchs_errors(target, module):
    errors = []
    for lib, model in zip((mt, torch), _both(_tree)):
        with pytest.raises(ValueError) as info:
            model.set_submodule(target, lib.nn.ReLU() if module == "relu" else module)
        errors.append(str(info.value))
    assert errors[0] == errors[1]


# -- state dict hooks ----------------------------------------------------------------------------
def _record_state_dict_hooks(model, log):
    for name, sub in model.named_modules():
        sub.register_state_dict_pre_hook(
            lambda m, prefix, keep_vars, n=name: log.append(("pre", n, prefix, keep_vars)))
        sub.register_state_dict_post_hook(
            lambda m, sd, prefix, meta, n=name: log.append(("post", n, prefix, len(sd), meta)))


@requires_torch
def test_state_dict_hooks_run_in_torchs_order_with_torchs_arguments():
    logs = []
    for model in _both(_plain_tree):
        log = []
        _record_state_dict_hooks(model, log)
        model.state_dict(keep_vars=True)
        logs.append(log)
    assert logs[0] == logs[1]  # pre: parent first; post: children first, sd filled so far


def test_state_dict_post_hook_edits_the_state_dict_in_place():
    def drop_counter(module, sd, prefix, local_metadata):
        del sd[prefix + "0.num_batches_tracked"]

    model = _tree(mt)
    model[1].register_state_dict_post_hook(drop_counter)
    assert "1.0.num_batches_tracked" not in model.state_dict()


def test_state_dict_post_hook_returning_a_value_is_an_error():
    model = nn.Linear(2, 2)
    model.register_state_dict_post_hook(lambda m, sd, prefix, meta: {})
    with pytest.raises(RuntimeError, match="state_dict post-hook must return None"):
        model.state_dict()


def test_state_dict_pre_hook_is_removed_by_its_handle():
    calls = []
    model = nn.Linear(2, 2)
    handle = model.register_state_dict_pre_hook(lambda m, prefix, keep_vars: calls.append(1))
    model.state_dict()
    handle.remove()
    model.state_dict()
    assert calls == [1]


@requires_torch
def test_state_dict_records_each_modules_version_like_torch():
    ours, theirs = _both(lambda lib: _plain_tree(lib).state_dict())
    assert dict(ours._metadata) == dict(theirs._metadata)


@requires_torch
def test_shared_submodule_is_saved_under_each_of_its_names_like_torch():
    def shared(lib):
        layer = lib.nn.Linear(2, 2)
        return list(lib.nn.Sequential(layer, lib.nn.Tanh(), layer).state_dict())

    ours, theirs = _both(shared)
    assert ours == theirs == ["0.weight", "0.bias", "2.weight", "2.bias"]


# -- load_state_dict hooks -----------------------------------------------------------------------
def _record_load_hooks(model, log):
    for name, sub in model.named_modules():
        sub.register_load_state_dict_pre_hook(
            lambda m, sd, prefix, meta, strict, missing, unexpected, errors, n=name:
            log.append(("pre", n, prefix, sorted(sd), strict, list(missing))))
        sub.register_load_state_dict_post_hook(
            lambda m, keys, n=name: log.append(("post", n, list(keys.missing_keys),
                                                list(keys.unexpected_keys))))


@requires_torch
def test_load_state_dict_hooks_run_in_torchs_order_with_torchs_arguments():
    logs = []
    for model in _both(_tree):
        state = dict(model.state_dict())
        del state["0.bias"]
        state["1.0.extra"] = state["0.weight"]
        log = []
        _record_load_hooks(model, log)
        model.load_state_dict(state, strict=False)
        logs.append(log)
    assert logs[0] == logs[1]


def test_load_state_dict_pre_hook_may_rename_keys_of_an_old_layout():
    def rename(module, sd, prefix, *rest):
        if prefix + "w" in sd:
            sd[prefix + "weight"] = sd.pop(prefix + "w")

    src, dst = nn.Linear(2, 2), nn.Linear(2, 2)
    dst.register_load_state_dict_pre_hook(rename)
    dst.load_state_dict({"w": src.weight.detach(), "bias": src.bias.detach()})
    np.testing.assert_array_equal(dst.weight.detach().numpy(), src.weight.detach().numpy())


def test_load_state_dict_post_hook_clearing_missing_keys_avoids_the_strict_error():
    model = _tree(mt)
    model.register_load_state_dict_post_hook(lambda m, keys: keys.missing_keys.clear())
    result = model.load_state_dict({"0.weight": mt.zeros(3, 2)})
    assert result.missing_keys == [] and model[0].weight.sum().item() == 0.0


def test_load_state_dict_post_hook_adding_a_missing_key_makes_strict_loading_fail():
    model = nn.Linear(2, 2)
    model.register_load_state_dict_post_hook(lambda m, keys: keys.missing_keys.append("scale"))
    with pytest.raises(RuntimeError, match=r'Missing key\(s\) in state_dict: "scale"'):
        model.load_state_dict(nn.Linear(2, 2).state_dict())


def test_load_state_dict_post_hook_must_not_return_a_value():
    model = nn.Linear(2, 2)
    model.register_load_state_dict_post_hook(lambda m, keys: keys)
    with pytest.raises(AssertionError, match="not expected to return new values"):
        model.load_state_dict(nn.Linear(2, 2).state_dict())


def test_private_load_pre_hook_is_called_without_the_module():
    seen = []
    model = nn.Linear(2, 2)
    model._register_load_state_dict_pre_hook(lambda sd, prefix, *rest: seen.append(prefix))
    model.load_state_dict(nn.Linear(2, 2).state_dict())
    assert seen == [""]


@requires_torch
def test_load_state_dict_result_prints_like_torchs():
    ours, theirs = _both(lambda lib: lib.nn.Linear(2, 2).load_state_dict(
        lib.nn.Linear(2, 2).state_dict()))
    assert repr(ours) == repr(theirs) == "<All keys matched successfully>"


def test_load_state_dict_rejects_a_non_mapping():
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like, got <class "
                                        "'list'>"):
        nn.Linear(2, 2).load_state_dict([])


@requires_torch
def test_failed_strict_load_still_copies_the_matching_tensors_like_torch():
    for lib in (mt, torch):
        model = lib.nn.Linear(2, 2)
        with pytest.raises(RuntimeError, match="Unexpected key"):
            model.load_state_dict({"weight": lib.zeros(2, 2), "bias": lib.zeros(2),
                                   "extra": lib.zeros(1)})
        assert model.weight.detach().abs().sum().item() == 0.0


def test_load_from_state_dict_override_sees_the_saved_version():
    class Versioned(nn.Linear):
        _version = 2

        def _load_from_state_dict(self, sd, prefix, local_metadata, *rest):
            if local_metadata.get("version", 1) < 2:  # version 1 stored the weight transposed
                sd[prefix + "weight"] = sd[prefix + "weight"].t()
            super()._load_from_state_dict(sd, prefix, local_metadata, *rest)

    old = nn.Linear(3, 2).state_dict()
    old_layout = {"weight": old["weight"].t(), "bias": old["bias"]}
    m = Versioned(3, 2)
    m.load_state_dict(old_layout)  # no metadata: treated as version 1
    np.testing.assert_array_equal(m.weight.detach().numpy(), old["weight"].numpy())
    round_trip = Versioned(3, 2)
    round_trip.load_state_dict(m.state_dict())  # version 2 recorded: loaded as it is
    np.testing.assert_array_equal(round_trip.weight.detach().numpy(), m.weight.detach().numpy())


# -- extra state ---------------------------------------------------------------------------------
@requires_torch
def test_extra_state_is_saved_under_the_extra_state_key_like_torch():
    class TorchCounter(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.scale = torch.nn.Parameter(torch.ones(1))

        def get_extra_state(self):
            return {"steps": 0}

        def set_extra_state(self, state):
            pass

    ours = nn.Sequential(nn.Linear(1, 1), Counter()).state_dict()
    theirs = torch.nn.Sequential(torch.nn.Linear(1, 1), TorchCounter()).state_dict()
    assert list(ours) == list(theirs) == ["0.weight", "0.bias", "1.scale", "1._extra_state"]


def test_extra_state_round_trips_through_save_and_load():
    src = nn.Sequential(Counter())
    src[0].seen = {"steps": 7, "vocab": ["x", "y", "z"]}
    buf = io.BytesIO()
    mt.save(src.state_dict(), buf)
    buf.seek(0)
    dst = nn.Sequential(Counter())
    dst.load_state_dict(mt.load(buf))
    assert dst[0].seen == {"steps": 7, "vocab": ["x", "y", "z"]}


def test_missing_extra_state_is_a_missing_key():
    with pytest.raises(RuntimeError, match=r'Missing key\(s\) in state_dict: "_extra_state"'):
        Counter().load_state_dict({"scale": mt.ones(1)})


def test_extra_state_for_a_module_without_it_is_an_unexpected_key():
    result = nn.Linear(1, 1).load_state_dict(
        {**nn.Linear(1, 1).state_dict(), "_extra_state": 3}, strict=False)
    assert result.unexpected_keys == ["_extra_state"]


# -- load_state_dict(assign=True) ---------------------------------------------------------------
def test_assign_keeps_a_given_parameter_object_with_the_modules_requires_grad():
    model = nn.Linear(2, 2)
    model.weight.requires_grad_(False)
    weight = nn.Parameter(mt.ones(2, 2))
    model.load_state_dict({"weight": weight, "bias": mt.zeros(2)}, assign=True)
    assert model.weight is weight and not weight.requires_grad


def test_assign_wraps_a_tensor_in_a_parameter_sharing_its_storage():
    model, bias = nn.Linear(2, 2), mt.zeros(2)
    model.load_state_dict({"weight": mt.ones(2, 2), "bias": bias}, assign=True)
    bias.add_(5.0)
    assert isinstance(model.bias, nn.Parameter) and model.bias.requires_grad
    assert model.bias.tolist() == [5.0, 5.0]


def test_assign_keeps_the_given_buffer_tensor():
    model = nn.BatchNorm1d(2)
    state = {k: v.clone() for k, v in model.state_dict().items()}
    model.load_state_dict(state, assign=True)
    assert model.running_mean is state["running_mean"]


def test_load_without_assign_copies_into_the_existing_parameters():
    model = nn.Linear(2, 2)
    weight = model.weight
    model.load_state_dict({"weight": mt.ones(2, 2), "bias": mt.zeros(2)})
    assert model.weight is weight and weight.sum().item() == 4.0


@requires_torch
def test_assign_keeps_the_dtype_of_the_state_dicts_tensors_like_torch():
    def load(lib):
        model = lib.nn.Linear(2, 2)
        model.load_state_dict({"weight": lib.ones(2, 2, dtype=lib.float64),
                               "bias": lib.zeros(2, dtype=lib.float64)}, assign=True)
        return model.weight.dtype

    ours, theirs = _both(load)
    assert ours is mt.float64 and theirs is torch.float64


# -- conversions, no-ops and deprecated hooks ----------------------------------------------------
@requires_torch
def test_type_converts_integer_buffers_too_like_torch():
    ours, theirs = _both(lambda lib: _tree(lib).type(lib.float64).state_dict())
    assert [v.dtype.name for v in ours.values()] == ["float64"] * len(ours)
    assert all(v.dtype is torch.float64 for v in theirs.values())


def test_to_empty_gives_new_storage_and_keeps_parameters_shapes_and_dtypes():
    model = nn.Linear(3, 2)
    weight, before = model.weight, model.weight.detach()
    model.to_empty(device="cpu")
    model.weight.detach().fill_(7.0)
    assert model.weight is weight and model.weight.shape == (2, 3)
    assert isinstance(model.weight, nn.Parameter) and before.max().item() != 7.0


def test_to_empty_without_recurse_leaves_the_children_alone():
    model = nn.Sequential(nn.Linear(2, 2))
    model.register_buffer("flag", mt.zeros(1))
    flag, child_weight = model.flag, model[0].weight.detach()
    model.to_empty(device="cpu", recurse=False)
    model[0].weight.detach().fill_(3.0)
    assert model.flag is not flag  # the module's own buffer is new
    assert child_weight.tolist() == [[3.0, 3.0], [3.0, 3.0]]  # the child's: same storage


@pytest.mark.parametrize("method, dtype", [("half", "float16"), ("bfloat16", "bfloat16")])
def test_half_and_bfloat16_name_the_missing_dtype(method, dtype):
    with pytest.raises(TypeError, match=rf"Module.{method}\(\): MicroTorch has no {dtype} dtype"):
        getattr(nn.Linear(2, 2), method)()


def test_share_memory_returns_the_module_unchanged():
    model = nn.Linear(2, 2)
    weight = model.weight
    assert model.share_memory() is model and model.weight is weight


def test_compile_warns_and_leaves_forward_unchanged():
    model, x = nn.Linear(2, 2), mt.randn(3, 2)
    expected = model(x).tolist()
    with pytest.warns(UserWarning, match="MicroTorch has no compiler"):
        assert model.compile() is None
    assert model(x).tolist() == expected


@requires_torch
def test_register_backward_hook_warns_and_runs_as_torchs_full_hook():
    seen = {}
    for lib in (mt, torch):
        x = lib.tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
        model = lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.Tanh()).double()
        model.load_state_dict({"0.weight": lib.tensor([[1.0, -1.0], [0.5, 2.0]]).double(),
                               "0.bias": lib.zeros(2).double()})
        grads = []

        def hook(module, grad_input, grad_output, grads=grads):
            grads.append([g.detach().numpy() for g in grad_input])

        if lib is mt:
            with pytest.warns(FutureWarning, match="register_backward_hook is deprecated"):
                model.register_backward_hook(hook)
        else:
            model.register_full_backward_hook(hook)
        model(x).sum().backward()
        seen[lib.__name__] = grads
    np.testing.assert_allclose(seen["microtorch_core"][0][0], seen["torch"][0][0])


@requires_torch
def test_backward_hook_kinds_cannot_be_mixed_with_torchs_error():
    errors = []
    for lib in (mt, torch):
        model = lib.nn.Linear(2, 2)
        model.register_full_backward_hook(lambda m, gi, go: None)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            with pytest.raises(RuntimeError) as info:
                model.register_backward_hook(lambda m, gi, go: None)
        errors.append(str(info.value))
    assert errors[0] == errors[1]


@requires_torch
def test_module_has_torchs_public_api_except_other_devices():
    skipped = {"ipu", "xpu", "mtia", "dump_patches", "T_destination", "call_super_init"}
    public = {n for n in dir(torch.nn.Module) if not n.startswith("_")} - skipped
    assert sorted(public - set(dir(nn.Module))) == []
