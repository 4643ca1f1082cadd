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

import microtorch_core as mt
from microtorch_core import nn
from microtorch_core.serialization import CheckpointError


def _round_trip(obj, tmp_path):
    path = tmp_path / "ck.mt"
    mt.save(obj, path)
    return mt.load(path)


def _reframe(raw, edit, text=lambda s: s):
    """Rewrite a checkpoint's JSON header with ``edit`` (then ``text`` on its JSON text) and a
    fresh checksum (a valid file)."""
    _, _, hlen = struct.unpack_from("<6sHQ", raw)
    header = json.loads(raw[16:16 + hlen])
    edit(header)
    new = text(json.dumps(header)).encode()
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
    with pytest.raises(TypeError, match=r"object of type object at \['opt'\]\[0\]"):
        mt.save({"opt": [object()]}, tmp_path / "ck.mt")


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


# -- crafted headers: a valid checksum does not make a header trustworthy -------------------
def _saved(tmp_path, obj=None):
    path = tmp_path / "ck.mt"
    mt.save({"w": mt.arange(4.0), "b": (mt.ones(2, dtype=mt.int64), [1, "x"])}
            if obj is None else obj, path)
    return path


def _set_entry(field, value, index=0):
    return lambda h: h["tensors"][index].update({field: value})


@pytest.mark.parametrize("edit, message", [
    (_set_entry("shape", [-1, -4]), r"negative size in shape \[-1, -4\]"),
    (_set_entry("shape", [2, -2]), r"negative size in shape \[2, -2\]"),
    (_set_entry("offset", -64), "negative offset -64"),
    (_set_entry("nbytes", -16), "negative byte count -16"),
    (lambda h: h.update(data_nbytes=-8), "negative data size -8"),
], ids=["shape-1,-4", "shape2,-2", "offset", "nbytes", "data_nbytes"])
def test_negative_sizes_and_offsets_are_refused(tmp_path, edit, message):
    path = _saved(tmp_path)
    path.write_bytes(_reframe(path.read_bytes(), edit))
    with pytest.raises(CheckpointError, match=message):
        mt.load(path)


@pytest.mark.parametrize("edit, message", [
    (lambda h: h["object"]["dict"][0].__setitem__(1, {"tensor": 7}),
     "tensor 7, but it holds 2 tensors"),
    (_set_entry("shape", "abc"), "shape 'abc'"),
    (_set_entry("dtype", "float16"), "dtype 'float16'"),
    (_set_entry("dtype", ["float32"]), r"dtype \['float32'\]"),
    (_set_entry("device", 3), "device 3"),
    (_set_entry("requires_grad", "yes"), "requires_grad 'yes'"),
    (lambda h: h["object"]["dict"][0].__setitem__(0, [1]), "key .*not hashable"),
    (lambda h: h["object"]["dict"].append([1]), r"dict entry \[1\]"),
    (lambda h: h.update(object={"float": "one"}), "float 'one'"),
    (lambda h: h.update(tensors={"0": 1}), "tensor table"),
    (lambda h: h.pop("object"), "'object'"),
], ids=["index", "shape-type", "dtype-unknown", "dtype-type", "device", "requires_grad",
        "unhashable-key", "dict-pair", "float", "table-type", "no-object"])
def test_malformed_headers_raise_checkpoint_error_naming_the_problem(tmp_path, edit, message):
    path = _saved(tmp_path)
    path.write_bytes(_reframe(path.read_bytes(), edit))
    with pytest.raises(CheckpointError, match=message):
        mt.load(path)


def test_a_deeply_nested_header_is_refused_not_a_recursion_error(tmp_path):
    path = _saved(tmp_path)
    deep = "[" * 100_000 + "]" * 100_000
    path.write_bytes(_reframe(path.read_bytes(), lambda h: h.update(object="DEEP"),
                              lambda s: s.replace('"DEEP"', deep)))
    with pytest.raises(CheckpointError, match="nested too deeply"):
        mt.load(path)


def _mutations(rng, header):
    """Yield random edits of a header's JSON values (type swaps, signs, huge numbers, deletions)."""
    odd = [-1, -2 ** 63, 2 ** 64, 0, 1.5, float("nan"), "x", "float64", None, True, [], {},
           [-1], {"tensor": 0}, {"dict": [[1]]}, {"tuple": 3}, "cpu:9", "nodev"]
    containers = []

    def walk(node):
        if isinstance(node, (dict, list)):
            containers.append(node)
            for child in (node.values() if isinstance(node, dict) else node):
                walk(child)

    walk(header)
    node = containers[rng.integers(len(containers))]
    keys = list(node) if isinstance(node, dict) else list(range(len(node)))
    if not keys:
        return
    key = keys[rng.integers(len(keys))]
    if rng.random() < 0.15:
        del node[key]
    else:
        node[key] = odd[rng.integers(len(odd))]


def _fuzz_edit(seed):
    rng = np.random.default_rng(seed)

    def edit(header):
        for _ in range(int(rng.integers(1, 4))):
            _mutations(rng, header)

    return edit


def test_fuzzed_headers_only_ever_raise_checkpoint_error(tmp_path):
    path = _saved(tmp_path, {"a": [mt.arange(6.0).reshape(2, 3), (mt.ones(3, dtype=mt.bool),)],
                             "b": OrderedDict(n=mt.arange(2), f=float("inf")), 7: "s"})
    raw = path.read_bytes()
    outcomes = {"loaded": 0, "refused": 0}
    for seed in range(300):
        path.write_bytes(_reframe(raw, _fuzz_edit(seed)))
        try:
            mt.load(path)
            outcomes["loaded"] += 1
        except CheckpointError:
            outcomes["refused"] += 1
    assert outcomes["refused"] > 150  # the mutations do reach the checks


def test_fuzzed_header_bytes_only_ever_raise_checkpoint_error(tmp_path):
    path = _saved(tmp_path)
    raw = path.read_bytes()
    _, _, hlen = struct.unpack_from("<6sHQ", raw)
    for seed in range(200):
        rng = np.random.default_rng(seed)
        header = bytearray(raw[16:16 + hlen])
        for _ in range(int(rng.integers(1, 4))):
            header[rng.integers(hlen)] = int(rng.choice(list(b'{}[]",:-0123456789e .x')))
        body = raw[:8] + struct.pack("<Q", len(header)) + bytes(header) + raw[16 + hlen:-4]
        path.write_bytes(body + struct.pack("<I", zlib.crc32(body)))
        try:
            mt.load(path)
        except CheckpointError:
            pass


# -- reading: the magic first, then only what the header announces -------------------------
class _CountingReader(io.BytesIO):
    def __init__(self, data):
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size=-1):
        data = super().read(size)
        self.bytes_read += len(data)
        return data

    def readinto(self, buffer):
        n = super().readinto(buffer)
        self.bytes_read += n
        return n


def test_a_file_without_the_magic_is_refused_after_reading_its_first_bytes():
    stream = _CountingReader(b"\x17" * (8 << 20))
    with pytest.raises(CheckpointError, match="not a MicroTorch checkpoint"):
        mt.load(stream)
    assert stream.bytes_read <= 64


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_dev_zero_is_refused_without_reading_it():
    with pytest.raises(CheckpointError, match="/dev/zero is not a MicroTorch checkpoint"):
        mt.load("/dev/zero")


def test_a_header_length_beyond_the_file_is_truncation_not_a_huge_read(tmp_path):
    path = _saved(tmp_path)
    raw = bytearray(path.read_bytes())
    raw[8:16] = struct.pack("<Q", 1 << 60)
    path.write_bytes(bytes(raw))
    with pytest.raises(CheckpointError, match="truncated"):
        mt.load(path)


# -- streaming: tensor bytes go straight between the file and the tensor's memory -----------
class _RecordingWriter(io.BytesIO):
    def __init__(self):
        super().__init__()
        self.buffers = []

    def write(self, data):
        self.buffers.append(data)
        return super().write(data)


def test_save_writes_a_cpu_tensor_from_its_own_memory():
    t = mt.arange(1 << 16, dtype=mt.float64)
    out = _RecordingWriter()
    mt.save({"t": t}, out)
    values = t.numpy()
    assert any(isinstance(b, memoryview) and np.shares_memory(np.asarray(b), values)
               for b in out.buffers)
    assert max(len(b) for b in out.buffers) < t.nbytes + 4096  # no whole-file blob


class _RecordingReader(io.BytesIO):
    def __init__(self, data):
        super().__init__(data)
        self.targets = []

    def readinto(self, buffer):
        self.targets.append(np.asarray(memoryview(buffer)))
        return super().readinto(buffer)


def test_load_reads_the_file_into_the_tensor_memory():
    buf = io.BytesIO()
    mt.save({"t": mt.arange(1 << 16, dtype=mt.float64)}, buf)
    stream = _RecordingReader(buf.getvalue())
    loaded = mt.load(stream)["t"]
    assert loaded.tolist() == list(range(1 << 16))
    assert any(np.shares_memory(target, loaded.numpy()) for target in stream.targets)


def test_the_chunked_path_for_device_memory_round_trips(tmp_path, monkeypatch):
    from microtorch_core.serialization import tensor_io

    monkeypatch.setattr(tensor_io, "host_bytes", lambda storage: None)  # as for a GPU
    monkeypatch.setattr(tensor_io, "CHUNK", 96)
    t = mt.arange(1000, dtype=mt.float64).reshape(10, 100).t()  # not contiguous
    assert np.array_equal(_round_trip({"t": t}, tmp_path)["t"].numpy(), t.numpy())


# -- what a checkpoint does not hold --------------------------------------------------------
def test_saving_an_optimizer_says_to_save_its_state_dict(tmp_path):
    # (a whole Module is saved, with a warning: tests/test_serialization_modules.py)
    opt = mt.optim.SGD(nn.Linear(2, 3).parameters(), lr=0.1)
    with pytest.raises(TypeError, match=r"SGD object at \['optim'\]; save its state_dict\(\) "
                                        "instead"):
        mt.save({"optim": opt}, tmp_path / "ck.mt")
    assert not (tmp_path / "ck.mt").exists()
