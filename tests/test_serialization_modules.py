"""save/load of whole modules (``save(model)``, built again only with ``weights_only=False``
or allowlisted classes, as PyTorch's torch.load) and of NumPy arrays, without pickle."""

import io
import json
import pickle
import struct
import sys
import warnings
import zlib
from collections import OrderedDict

import numpy as np
import pytest

import microtorch_core as mt
from microtorch_core import nn
from microtorch_core.serialization import (
    CheckpointError,
    WeightsOnlyError,
    add_safe_globals,
    clear_safe_globals,
    get_safe_globals,
    safe_globals,
)


class Net(nn.Module):
    """A model with what modules hold: parameters, a buffer, sub-modules and plain values."""

    def __init__(self) -> None:
        super().__init__()
        self.encoder = nn.Embedding(7, 4)
        self.rnn = nn.GRU(4, 5)
        self.decoder = nn.Linear(5, 7)
        self.register_buffer("scale", mt.tensor([0.5, 2.0]))
        self.frozen = nn.Parameter(mt.ones(3), requires_grad=False)
        self.config = {"layers": 1, "name": "net", "lr": 0.1, "tied": False, "extra": None,
                       "sizes": [4, 5], "shape": (2, 3), "tags": {"a", "b"},
                       "kinds": frozenset({1, 2}), "order": OrderedDict(b=1, a=2),
                       "nan": float("nan")}
        self.dtype_used = mt.float32
        self.where = mt.device("cpu")

    def forward(self, x: mt.Tensor) -> mt.Tensor:
        out, _ = self.rnn(self.encoder(x))
        return self.decoder(out) * self.scale[1]


def _saved(obj, path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        mt.save(obj, path)
    return path


def _reframe(raw, edit):
    """Rewrite a checkpoint's JSON header with ``edit`` and a fresh checksum."""
    _, version, hlen = struct.unpack_from("<6sHQ", raw)
    header = json.loads(raw[16:16 + hlen])
    edit(header)
    new = json.dumps(header).encode()
    body = raw[:8] + struct.pack("<Q", len(new)) + new + raw[16 + hlen:-4]
    return body + struct.pack("<I", zlib.crc32(body))


# -- whole modules -----------------------------------------------------------------------------
def test_a_whole_module_loads_with_weights_only_false_and_computes_the_same(tmp_path):
    mt.manual_seed(0)
    model = Net().eval()
    x = mt.tensor([[1, 2, 3], [4, 5, 6]])
    expected = model(x).detach().numpy()
    loaded = mt.load(_saved(model, tmp_path / "m.mt"), weights_only=False)
    assert type(loaded) is Net
    assert np.array_equal(loaded(x).detach().numpy(), expected)


def test_a_loaded_module_has_the_same_state_dict(tmp_path):
    model = Net()
    loaded = mt.load(_saved({"model": model}, tmp_path / "m.mt"), weights_only=False)["model"]
    want, got = model.state_dict(), loaded.state_dict()
    assert list(got) == list(want)
    for key in want:
        assert got[key].dtype == want[key].dtype
        assert np.array_equal(got[key].numpy(), want[key].numpy()), key


def test_plain_attributes_come_back_with_their_types(tmp_path):
    model = Net()
    loaded = mt.load(_saved(model, tmp_path / "m.mt"), weights_only=False)
    config = dict(loaded.config)
    assert np.isnan(config.pop("nan"))
    want = dict(model.config)
    del want["nan"]
    assert config == want
    assert type(loaded.config["order"]) is OrderedDict
    assert list(loaded.config["order"]) == ["b", "a"]
    assert type(loaded.config["kinds"]) is frozenset and type(loaded.config["tags"]) is set
    assert loaded.dtype_used is mt.float32 and loaded.where == mt.device("cpu")


def test_loaded_parameters_are_parameters_with_requires_grad_kept(tmp_path):
    loaded = mt.load(_saved(Net(), tmp_path / "m.mt"), weights_only=False)
    assert isinstance(loaded.decoder.weight, nn.Parameter)
    assert loaded.decoder.weight.requires_grad
    assert isinstance(loaded.frozen, nn.Parameter) and not loaded.frozen.requires_grad
    assert not isinstance(loaded.scale, nn.Parameter)
    assert [n for n, _ in loaded.named_parameters()] == [n for n, _ in Net().named_parameters()]


def test_tied_weights_and_shared_submodules_stay_one_object(tmp_path):
    model = nn.Module()
    model.encoder = nn.Embedding(5, 3)
    model.decoder = nn.Linear(3, 5)
    model.decoder.weight = model.encoder.weight
    model.twice = nn.ModuleList([model.decoder, model.decoder])
    loaded = mt.load(_saved(model, tmp_path / "m.mt"), weights_only=False)
    assert loaded.decoder.weight is loaded.encoder.weight
    assert loaded.twice[0] is loaded.twice[1] is loaded.decoder
    assert len(list(loaded.parameters())) == len(list(model.parameters())) == 2


def test_the_training_flag_of_each_submodule_is_kept(tmp_path):
    model = Net()
    model.rnn.eval()
    loaded = mt.load(_saved(model, tmp_path / "m.mt"), weights_only=False)
    assert loaded.training and loaded.decoder.training and not loaded.rnn.training


def test_a_loaded_module_trains(tmp_path):
    loaded = mt.load(_saved(nn.Linear(3, 1), tmp_path / "m.mt"), weights_only=False)
    before = loaded.weight.detach().numpy().copy()
    opt = mt.optim.SGD(loaded.parameters(), lr=0.1)
    loaded(mt.ones(2, 3)).sum().backward()
    opt.step()
    assert np.allclose(loaded.weight.detach().numpy(), before - 0.1 * 2.0)


def test_map_location_applies_to_a_modules_tensors(tmp_path, second_device):
    model = nn.Linear(2, 2).to(second_device)
    path = _saved(model, tmp_path / "m.mt")
    assert mt.load(path, weights_only=False).weight.device == second_device
    moved = mt.load(path, map_location="cpu", weights_only=False)
    assert moved.weight.device == moved.bias.device == mt.device("cpu")


@pytest.fixture
def second_device():
    """A second device type, backed by the CPU kernels, registered in-process."""
    from microtorch_cpu import CPUBackend

    mt.register_backend("second", CPUBackend)
    yield mt.device("second")
    mt.registry.unregister("second")


@pytest.mark.parametrize("weights_only", [None, True])
def test_a_weights_only_load_refuses_a_module_naming_its_class(tmp_path, weights_only):
    path = _saved({"model": Net()}, tmp_path / "m.mt")
    with pytest.raises(pickle.UnpicklingError,
                       match=rf"{Net.__module__}\.Net.*weights_only=False.*trusted source"):
        mt.load(path, weights_only=weights_only)


def test_a_weights_only_refusal_is_also_a_checkpoint_error(tmp_path):
    path = _saved(nn.Linear(1, 1), tmp_path / "m.mt")
    with pytest.raises(CheckpointError, match=r"microtorch_core\.nn\.linear\.Linear"):
        mt.load(path)
    assert issubclass(WeightsOnlyError, pickle.UnpicklingError)


def test_safe_globals_allow_a_weights_only_load_of_the_listed_classes(tmp_path):
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    path = _saved(model, tmp_path / "m.mt")
    with safe_globals([nn.Sequential, nn.Linear]):
        with pytest.raises(WeightsOnlyError, match=r"microtorch_core\.nn\.activation\.ReLU"):
            mt.load(path)
    with safe_globals([nn.Sequential, nn.Linear, nn.ReLU]):
        loaded = mt.load(path)
    assert type(loaded[1]) is nn.ReLU
    assert np.array_equal(loaded[0].weight.detach().numpy(), model[0].weight.detach().numpy())
    with pytest.raises(WeightsOnlyError):  # the allowlist ends with the block
        mt.load(path)


def test_add_safe_globals_lasts_until_cleared():
    clear_safe_globals()
    add_safe_globals([nn.Linear, (nn.ReLU, "my.Relu")])
    try:
        assert get_safe_globals() == [nn.Linear, nn.ReLU]
    finally:
        clear_safe_globals()
    assert get_safe_globals() == []


def test_saving_a_module_warns_once_to_save_its_state_dict(tmp_path):
    with pytest.warns(UserWarning) as record:
        mt.save({"a": Net(), "b": nn.Linear(1, 1)}, tmp_path / "m.mt")
    assert len(record) == 1
    message = str(record[0].message)
    assert "whole module" in message and "weights_only=False" in message
    assert "state_dict()" in message and f"{Net.__module__}.Net" in message
    assert record[0].filename == __file__  # points at the caller's save


def test_a_function_attribute_is_refused_with_its_path_and_no_file_is_made(tmp_path):
    model = Net()
    model.rnn.score = lambda x: x
    with pytest.raises(TypeError, match=r"type function at \['model'\]\.rnn\.score"):
        mt.save({"model": model}, tmp_path / "m.mt")
    assert list(tmp_path.iterdir()) == []


def test_a_hook_is_refused_naming_its_table(tmp_path):
    model = nn.Linear(2, 2)
    model.register_forward_hook(lambda m, args, out: out)
    with pytest.raises(TypeError, match=r"function at _forward_hooks\[\d+\]"):
        mt.save(model, tmp_path / "m.mt")


def test_an_open_file_attribute_is_refused(tmp_path):
    model = nn.Linear(2, 2)
    with open(tmp_path / "log.txt", "w") as log:
        model.log = log
        with pytest.raises(TypeError, match=r"TextIOWrapper at log"):
            mt.save(model, tmp_path / "m.mt")
    assert not (tmp_path / "m.mt").exists()


def test_a_top_level_function_is_saved_by_name(tmp_path):
    layer = nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0).eval()
    x = mt.randn(3, 2, 4)
    path = _saved(layer, tmp_path / "m.mt")
    loaded = mt.load(path, weights_only=False)
    assert loaded.activation is nn.functional.relu
    assert np.allclose(loaded(x).detach().numpy(), layer(x).detach().numpy())


def test_a_weights_only_load_refuses_an_unlisted_function(tmp_path):
    path = _saved({"act": nn.functional.relu}, tmp_path / "f.mt")
    with pytest.raises(WeightsOnlyError, match=r"functional_activation\.relu"):
        mt.load(path)
    with safe_globals([nn.functional.relu]):
        assert mt.load(path)["act"] is nn.functional.relu


def test_a_module_whose_class_is_gone_is_a_clear_error(tmp_path, monkeypatch):
    path = _saved(Net(), tmp_path / "m.mt")
    where = Net.__module__
    monkeypatch.delattr(sys.modules[where], "Net")
    with pytest.raises(CheckpointError, match=rf"{where}\.Net.*has no 'Net'"):
        mt.load(path, weights_only=False)


def test_a_module_whose_module_cannot_be_imported_is_a_clear_error(tmp_path):
    path = _saved(nn.Linear(1, 1), tmp_path / "m.mt")
    path.write_bytes(_reframe(path.read_bytes(),
                              lambda h: h["object"].update({"class": ["no_such_mod", "X"]})))
    with pytest.raises(CheckpointError, match=r"no_such_mod\.X.*'no_such_mod' cannot be "):
        mt.load(path, weights_only=False)


def test_a_class_that_is_not_a_module_is_never_built(tmp_path):
    path = _saved(nn.Linear(1, 1), tmp_path / "m.mt")
    path.write_bytes(_reframe(path.read_bytes(),
                              lambda h: h["object"].update({"class": ["os", "_wrap_close"]})))
    with pytest.raises(CheckpointError, match=r"os\._wrap_close, which is not a "
                                              r"microtorch_core\.nn\.Module subclass"):
        mt.load(path, weights_only=False)


def test_a_state_dict_file_stays_format_version_1(tmp_path):
    # Readers from before modules and arrays were added read it as before.
    raw = _saved(nn.Linear(2, 2).state_dict(), tmp_path / "s.mt").read_bytes()
    assert struct.unpack_from("<6sH", raw) == (b"MTCKPT", 1)
    raw = _saved(nn.Linear(2, 2), tmp_path / "m.mt").read_bytes()
    assert struct.unpack_from("<6sH", raw) == (b"MTCKPT", 2)


def test_a_whole_torch_module_in_a_torch_save_file_is_refused_even_with_weights_only_false():
    torch = pytest.importorskip("torch")
    buffer = io.BytesIO()
    torch.save(torch.nn.Linear(2, 2), buffer)
    for weights_only in (None, False):
        buffer.seek(0)
        with pytest.raises(pickle.UnpicklingError, match=r"torch\.nn\.modules\.linear\.Linear"):
            mt.load(buffer, weights_only=weights_only)
    buffer.seek(0)
    with pytest.raises(WeightsOnlyError, match="never runs pickle"):
        mt.load(buffer, weights_only=False)


# -- NumPy arrays ------------------------------------------------------------------------------
@pytest.mark.parametrize("array", [
    np.sin(np.arange(12.0)).reshape(3, 4), np.arange(-3, 3, dtype=np.int8),
    np.array([True, False, True]), np.arange(6, dtype=np.uint16).reshape(2, 1, 3),
    np.array([1.5, -2.25], np.float16), np.array([1 + 2j, -3j], np.complex128),
    np.array(7.5, np.float32), np.zeros((0, 3), np.int64)],
    ids=lambda a: f"{a.dtype}{list(a.shape)}")
def test_a_numpy_array_round_trips_with_its_dtype_shape_and_values(tmp_path, array):
    loaded = mt.load(_saved({"data": array}, tmp_path / "a.mt"))["data"]
    assert type(loaded) is np.ndarray
    assert loaded.dtype == array.dtype and loaded.shape == array.shape
    assert np.array_equal(loaded, array)


def test_a_non_contiguous_or_big_endian_array_is_saved_as_its_values(tmp_path):
    base = np.arange(24.0).reshape(4, 6)
    view = base[::2, 1::2].T
    swapped = np.arange(5, dtype=">i4")
    loaded = mt.load(_saved([view, swapped], tmp_path / "a.mt"))
    assert np.array_equal(loaded[0], view) and loaded[0].flags.c_contiguous
    assert np.array_equal(loaded[1], swapped) and loaded[1].dtype == np.dtype("int32")


def test_an_array_saved_twice_loads_as_one_array(tmp_path):
    a = np.ones(3)
    loaded = mt.load(_saved({"x": a, "y": a}, tmp_path / "a.mt"))
    assert loaded["x"] is loaded["y"]


def test_an_object_array_is_refused_naming_where_it_is(tmp_path):
    with pytest.raises(TypeError, match=r"dtype object at \['data'\].*object arrays"):
        mt.save({"data": np.array([1, "a"], dtype=object)}, tmp_path / "a.mt")
    assert not (tmp_path / "a.mt").exists()


def test_an_ndarray_entry_with_a_crafted_dtype_is_refused(tmp_path):
    path = _saved(np.ones(2), tmp_path / "a.mt")
    path.write_bytes(_reframe(path.read_bytes(), lambda h: h["tensors"][0].update(dtype="O")))
    with pytest.raises(CheckpointError, match="array 0 has dtype 'O'"):
        mt.load(path)


# -- load's keywords ---------------------------------------------------------------------------
def test_load_refuses_an_unknown_keyword_as_python_does(tmp_path):
    path = _saved(mt.ones(2), tmp_path / "t.mt")
    with pytest.raises(TypeError, match="unexpected keyword argument 'foo'"):
        mt.load(path, foo=1)


def test_mmap_is_not_supported_and_needs_a_path(tmp_path):
    path = _saved(mt.ones(2), tmp_path / "t.mt")
    assert mt.load(path, mmap=False).tolist() == [1.0, 1.0]
    with pytest.raises(NotImplementedError, match="mmap=True is not supported"):
        mt.load(path, mmap=True)
    with open(path, "rb") as f, pytest.raises(ValueError, match="must be a file path"):
        mt.load(f, mmap=True)


@pytest.mark.parametrize("kwargs, message", [
    ({"weights_only": "yes"}, "weights_only must be True, False or None, got 'yes'"),
    ({"pickle_module": pickle}, "MicroTorch never unpickles")])
def test_load_refuses_bad_weights_only_and_pickle_module(tmp_path, kwargs, message):
    path = _saved(mt.ones(2), tmp_path / "t.mt")
    with pytest.raises(TypeError, match=message):
        mt.load(path, **kwargs)
