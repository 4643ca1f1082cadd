"""save/load: bit-exact round trips, safe structure-only decoding, atomic writes, and clear
errors for missing, truncated and corrupted files."""

import io
import json
import os
import struct
import zlib
from collections import OrderedDict

import numpy as np
import pytest
from torch_reference import torch

import microtorch_core as mt
from microtorch_core import nn
from microtorch_core.serialization import CheckpointError


def _round_trip(obj, tmp_path):
    path = tmp_path / "ck.mt"
    mt.save(obj, path)
    return mt.load(path)


def _reframe(raw, edit):
    """Rewrite a checkpoint's JSON header with ``edit`` and a fresh checksum (a valid file)."""
    _, _, hlen = struct.unpack_from("<6sHQ", raw)
    header = json.loads(raw[16:16 + hlen])
    edit(header)
    new = json.dumps(header).encode()
    body = raw[:8] + struct.pack("<Q", len(new)) + new + raw[16 + hlen:-4]
    return body + struct.pack("<I", zlib.crc32(body))


SPECIAL = np.array([0.0, -0.0, np.nan, np.inf, -np.inf, 1e-45, 3.4e38], np.float32)


@pytest.mark.parametrize("array", [
    SPECIAL, SPECIAL.astype(np.float64) / 3, np.arange(-5, 7, dtype=np.int64).reshape(3, 4),
    np.array([2 ** 31 - 1, -2 ** 31], np.int32), np.array([True, False, True]),
    np.float32(2.5).reshape(()), np.zeros((0, 3), np.float32),
], ids=["float32", "float64", "int64", "int32", "bool", "0-d", "empty"])
def test_tensor_round_trip_is_bit_exact(array, tmp_path):
    t = mt.tensor(array)
    loaded = _round_trip(t, tmp_path)
    assert loaded.dtype is t.dtype and loaded.shape == t.shape
    assert loaded.numpy().tobytes() == array.tobytes()


def test_non_contiguous_view_is_saved_as_its_values(tmp_path):
    t = mt.arange(12).reshape(3, 4).t()[1:]
    np.testing.assert_array_equal(_round_trip(t, tmp_path).numpy(), t.numpy())


def test_nested_python_structure_round_trips_with_types_and_key_order(tmp_path):
    obj = {"epoch": 3, "lr": 0.1, "nan": float("nan"), "name": "run",
           "betas": (0.9, 0.999), "flags": [True, None], 0: {"step": 2},
           "ordered": OrderedDict([("b", 1), ("a", 2)])}
    loaded = _round_trip(obj, tmp_path)
    assert list(loaded) == list(obj) and loaded[0] == {"step": 2}
    assert loaded["betas"] == (0.9, 0.999) and loaded["flags"] == [True, None]
    assert type(loaded["ordered"]) is OrderedDict and list(loaded["ordered"]) == ["b", "a"]
    assert np.isnan(loaded["nan"])


def test_model_state_dict_round_trip_reproduces_the_model(tmp_path):
    model = nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 2))
    fresh = nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 2))
    fresh.load_state_dict(_round_trip(model.state_dict(), tmp_path))
    x = mt.randn(3, 4)
    assert fresh(x).detach().numpy().tobytes() == model(x).detach().numpy().tobytes()


def test_parameters_and_requires_grad_are_restored(tmp_path):
    p = nn.Parameter(mt.ones(2))
    leaf = mt.zeros(2, requires_grad=True)
    loaded = _round_trip([p, leaf, mt.zeros(1)], tmp_path)
    assert isinstance(loaded[0], nn.Parameter) and loaded[0].requires_grad
    assert loaded[1].requires_grad and not isinstance(loaded[1], nn.Parameter)
    assert not loaded[2].requires_grad


def test_a_tensor_saved_twice_loads_as_one_tensor(tmp_path):
    t = mt.ones(3)
    a, b = _round_trip([t, t], tmp_path)
    assert a is b


def test_file_objects_work_too():
    buf = io.BytesIO()
    mt.save({"x": mt.arange(3)}, buf)
    buf.seek(0)
    assert mt.load(buf)["x"].tolist() == [0, 1, 2]


def test_map_location_moves_tensors_to_the_given_device(tmp_path):
    loaded = _round_trip(mt.ones(2), tmp_path)
    path = tmp_path / "ck.mt"
    assert mt.load(path, map_location="cpu").device == loaded.device == mt.device("cpu")
    assert mt.load(path, map_location={"cpu": "cpu"}).device == mt.device("cpu")


def test_loading_a_tensor_from_an_absent_device_suggests_map_location(tmp_path):
    path = tmp_path / "ck.mt"
    mt.save(mt.ones(2), path)
    raw = _reframe(path.read_bytes(), lambda h: h["tensors"][0].update(device="nodev:0"))
    path.write_bytes(raw)
    with pytest.raises(RuntimeError, match="map_location='cpu'"):
        mt.load(path)
    assert mt.load(path, map_location={"nodev": "cpu"}).tolist() == [1.0, 1.0]


def test_unsupported_objects_are_refused_naming_where_they_are(tmp_path):
    with pytest.raises(TypeError, match=r"object of type set at \['opt'\]\[0\]"):
        mt.save({"opt": [{1, 2}]}, tmp_path / "ck.mt")


# -- atomic writes ---------------------------------------------------------------------------
def test_failed_save_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "ck.mt"
    mt.save({"v": 1}, path)
    before = path.read_bytes()

    def crash(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        mt.save({"v": 2}, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["ck.mt"]


# -- damaged files ---------------------------------------------------------------------------
def test_missing_file_is_a_file_not_found_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no checkpoint file at"):
        mt.load(tmp_path / "nope.mt")


@pytest.mark.parametrize("keep", [0.99, 0.5, 0.05])
def test_truncated_file_is_reported_as_truncated(tmp_path, keep):
    path = tmp_path / "ck.mt"
    mt.save({"w": mt.randn(100)}, path)
    raw = path.read_bytes()
    path.write_bytes(raw[:int(len(raw) * keep)])
    with pytest.raises(CheckpointError, match="truncated"):
        mt.load(path)


def test_flipped_bit_in_tensor_data_fails_the_checksum(tmp_path):
    path = tmp_path / "ck.mt"
    mt.save({"w": mt.randn(100)}, path)
    raw = bytearray(path.read_bytes())
    raw[-50] ^= 0x01
    path.write_bytes(bytes(raw))
    with pytest.raises(CheckpointError, match="corrupted: checksum mismatch"):
        mt.load(path)


def test_damaged_header_is_reported_as_corrupted(tmp_path):
    path = tmp_path / "ck.mt"
    mt.save({"w": mt.randn(4)}, path)
    raw = bytearray(path.read_bytes())
    raw[20] = ord("}")
    path.write_bytes(bytes(raw))
    with pytest.raises(CheckpointError, match="corrupted"):
        mt.load(path)


def test_inconsistent_tensor_table_is_reported_even_with_a_valid_checksum(tmp_path):
    path = tmp_path / "ck.mt"
    mt.save(mt.randn(4), path)
    path.write_bytes(_reframe(path.read_bytes(),
                              lambda h: h["tensors"][0].update(shape=[400])))
    with pytest.raises(CheckpointError, match="does not fit"):
        mt.load(path)


@pytest.mark.skipif(torch is None, reason="PyTorch is not installed: needed to write a "
                    "PyTorch checkpoint")
def test_a_pytorch_pickle_checkpoint_is_refused_not_unpickled(tmp_path):
    path = tmp_path / "torch.pt"
    torch.save({"w": torch.ones(2)}, path)
    with pytest.raises(CheckpointError, match="not a MicroTorch checkpoint.*PyTorch"):
        mt.load(path)


def test_empty_file_is_not_a_checkpoint(tmp_path):
    path = tmp_path / "empty.mt"
    path.write_bytes(b"")
    with pytest.raises(CheckpointError, match="empty"):
        mt.load(path)


@pytest.fixture
def second_device():
    """A second device type, backed by the CPU kernels, registered in-process."""
    from microtorch_cpu import CPUBackend

    mt.register_backend("second", CPUBackend)
    yield mt.device("second")
    mt.registry.unregister("second")


def test_tensors_come_back_on_their_saved_device_unless_mapped(tmp_path, second_device):
    path = tmp_path / "ck.mt"
    mt.save({"w": mt.arange(3, device=second_device)}, path)
    assert mt.load(path)["w"].device == second_device
    assert mt.load(path, map_location="cpu")["w"].device == mt.device("cpu")
    assert mt.load(path, map_location={"second": "cpu"})["w"].tolist() == [0, 1, 2]
