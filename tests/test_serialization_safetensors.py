"""safetensors files: ``load`` reads them (made by hand and by the ``safetensors`` package), and
``save`` writes them for a flat dict of tensors, which the package reads back."""

import io
import json
import struct

import numpy as np
import pytest

import microtorch_core as mt
from microtorch_core.serialization import CheckpointError

ARRAYS = {"weight": np.arange(12, dtype=np.float32).reshape(3, 4) / 7,
          "steps": np.array([3, -1], np.int64), "mask": np.array([True, False, True]),
          "index": np.array([[7]], np.int32), "scalar": np.array(2.5, np.float64),
          "empty": np.zeros((0, 2), np.float32)}
CODES = {"float32": "F32", "float64": "F64", "int64": "I64", "int32": "I32", "bool": "BOOL"}


def _by_hand(arrays, pad=b"", order=None):
    """A safetensors file built from the format's description alone."""
    header, chunks, end = {}, [], 0
    for key in order or arrays:
        a = arrays[key]
        data = a.astype(a.dtype.newbyteorder("<")).tobytes()
        header[key] = {"dtype": CODES[a.dtype.name], "shape": list(a.shape),
                       "data_offsets": [end, end + len(data)]}
        chunks.append(data)
        end += len(data)
    header["__metadata__"] = {"format": "np"}
    text = json.dumps(header).encode() + pad
    return struct.pack("<Q", len(text)) + text + b"".join(chunks)


def _check(loaded, arrays):
    assert list(loaded) == list(arrays)
    for key, a in arrays.items():
        assert loaded[key].dtype.name == a.dtype.name and loaded[key].shape == a.shape
        assert loaded[key].numpy().tobytes() == a.tobytes()


def test_a_hand_made_file_loads(tmp_path):
    path = tmp_path / "m.safetensors"
    path.write_bytes(_by_hand(ARRAYS, pad=b"   "))
    _check(mt.load(path), ARRAYS)


def test_the_file_is_recognised_by_its_bytes_not_its_name(tmp_path):
    path = tmp_path / "weights.bin"
    path.write_bytes(_by_hand(ARRAYS))
    _check(mt.load(path), ARRAYS)


def test_save_writes_the_format_as_described(tmp_path):
    path = tmp_path / "m.safetensors"
    mt.save({k: mt.tensor(a) for k, a in ARRAYS.items()}, path)
    raw = path.read_bytes()
    (n,) = struct.unpack_from("<Q", raw)
    header = json.loads(raw[8:8 + n])
    assert (8 + n) % 8 == 0  # the data starts 8-byte aligned
    for key, a in ARRAYS.items():
        begin, end = header[key]["data_offsets"]
        assert header[key]["dtype"] == CODES[a.dtype.name]
        assert header[key]["shape"] == list(a.shape)
        assert raw[8 + n + begin:8 + n + end] == a.tobytes()


def test_format_argument_and_file_objects(tmp_path):
    buf = io.BytesIO()
    mt.save({"w": mt.arange(3)}, buf, format="safetensors")
    buf.seek(0)
    assert mt.load(buf)["w"].tolist() == [0, 1, 2]
    mt.save({"w": mt.arange(3)}, tmp_path / "x.st", format="safetensors")
    assert mt.load(tmp_path / "x.st")["w"].tolist() == [0, 1, 2]


def test_files_of_the_safetensors_package_load(tmp_path):
    st = pytest.importorskip("safetensors.numpy")
    path = tmp_path / "m.safetensors"
    st.save_file(ARRAYS, str(path), metadata={"format": "np"})
    loaded = mt.load(path)
    _check({k: loaded[k] for k in ARRAYS}, ARRAYS)


def test_the_safetensors_package_reads_what_save_writes(tmp_path):
    st = pytest.importorskip("safetensors.numpy")
    path = tmp_path / "m.safetensors"
    mt.save({k: mt.tensor(a) for k, a in ARRAYS.items()}, path)
    back = st.load_file(str(path))
    for key, a in ARRAYS.items():
        assert back[key].dtype == a.dtype and np.array_equal(back[key], a)


def test_torch_safetensors_files_load(tmp_path):
    torch = pytest.importorskip("torch")
    st = pytest.importorskip("safetensors.torch")
    sd = torch.nn.Linear(3, 2).state_dict()
    st.save_file(sd, str(tmp_path / "m.safetensors"))
    loaded = mt.load(tmp_path / "m.safetensors")
    for key, t in sd.items():
        assert np.array_equal(loaded[key].numpy(), t.numpy())


@pytest.mark.parametrize("obj, error, message", [
    ([mt.ones(2)], TypeError, "flat dict of str to tensor, got a list"),
    ({1: mt.ones(2)}, TypeError, "keys are strings, got 1"),
    ({"w": {"nested": mt.ones(2)}}, TypeError, "'w' is a dict"),
    ({"w": 3}, TypeError, "'w' is a int"),
    ({"__metadata__": mt.ones(1)}, ValueError, "__metadata__"),
], ids=["list", "int-key", "nested", "number", "metadata-key"])
def test_save_refuses_what_the_format_cannot_hold(tmp_path, obj, error, message):
    with pytest.raises(error, match=message):
        mt.save(obj, tmp_path / "m.safetensors")
    assert list(tmp_path.iterdir()) == []


def _crafted(tmp_path, edit):
    raw = _by_hand({"a": np.arange(4, dtype=np.float32), "b": np.ones(2, np.int64)})
    (n,) = struct.unpack_from("<Q", raw)
    header = json.loads(raw[8:8 + n])
    edit(header)
    text = json.dumps(header).encode()
    path = tmp_path / "c.safetensors"
    path.write_bytes(struct.pack("<Q", len(text)) + text + raw[8 + n:])
    return path


@pytest.mark.parametrize("edit, message", [
    (lambda h: h["a"].update(dtype="F16"), "'a' has dtype F16, which MicroTorch does not have"),
    (lambda h: h["a"].update(shape=[-4]), r"shape \[-4\]"),
    (lambda h: h["a"].update(data_offsets=[-16, 0]), r"data_offsets \[-16, 0\]"),
    (lambda h: h["b"].update(data_offsets=[8, 24]), "'b' .*overlaps 'a'"),
    (lambda h: h["b"].update(data_offsets=[16, 48], shape=[4]), "truncated"),
    (lambda h: h["a"].update(shape=[5]), "does not fit"),
    (lambda h: h.update(c=[1]), "'c' is described by"),
], ids=["f16", "negative-shape", "negative-offset", "overlap", "beyond", "size", "entry"])
def test_crafted_headers_are_refused_naming_the_problem(tmp_path, edit, message):
    with pytest.raises(CheckpointError, match=message):
        mt.load(_crafted(tmp_path, edit))


def test_a_truncated_file_is_reported(tmp_path):
    path = tmp_path / "m.safetensors"
    raw = _by_hand(ARRAYS)
    path.write_bytes(raw[:-5])
    with pytest.raises(CheckpointError, match="is truncated"):
        mt.load(path)
