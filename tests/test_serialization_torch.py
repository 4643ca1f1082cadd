"""``load`` reads files written by ``torch.save`` as ``torch.load(weights_only=True)`` does:
tensors, parameters, state dicts, optimizer states and containers of them, and never runs or
imports anything a file names."""

import io
import pickle
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

import microtorch_core as mt
from microtorch_core import nn
from microtorch_core.serialization import CheckpointError

torch = pytest.importorskip("torch")


def _same(ours, theirs):
    assert ours.shape == tuple(theirs.shape)
    assert ours.dtype.name == str(theirs.dtype).removeprefix("torch.")
    assert ours.detach().numpy().tobytes() == theirs.detach().contiguous().numpy().tobytes()


def _torch_file(tmp_path, obj, name="ck.pt"):
    path = tmp_path / name
    torch.save(obj, path)
    return path


def test_a_state_dict_loads_with_its_keys_values_dtypes_and_metadata(tmp_path):
    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3))
    model.train()(torch.randn(5, 4))  # moves the running statistics and the int64 counter
    sd = model.state_dict()
    loaded = mt.load(_torch_file(tmp_path, sd))
    assert type(loaded) is OrderedDict and list(loaded) == list(sd)
    for key in sd:
        _same(loaded[key], sd[key])
    assert loaded["1.num_batches_tracked"].dtype is mt.int64
    assert loaded._metadata == sd._metadata


def test_a_torch_model_state_dict_drives_the_same_microtorch_model(tmp_path):
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.ReLU(), torch.nn.Linear(5, 2))
    ours = nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 2))
    ours.load_state_dict(mt.load(_torch_file(tmp_path, theirs.state_dict())))
    x = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    np.testing.assert_allclose(ours(mt.tensor(x)).detach().numpy(),
                               theirs(torch.tensor(x)).detach().numpy(), rtol=1e-6, atol=1e-6)


def test_an_optimizer_state_loads_with_its_nested_structure(tmp_path):
    model = torch.nn.Linear(2, 3)
    opt = torch.optim.Adam(model.parameters(), lr=0.01, betas=(0.8, 0.9))
    for p in model.parameters():  # Adam's state after a step (a first step imports ~4 s)
        opt.state[p] = {"step": torch.tensor(1.0), "exp_avg": torch.randn_like(p),
                        "exp_avg_sq": torch.rand_like(p)}
    sd = opt.state_dict()
    loaded = mt.load(_torch_file(tmp_path, sd))
    assert loaded["param_groups"] == sd["param_groups"]  # floats, tuples, lists, None, bools
    assert sorted(loaded["state"]) == [0, 1]
    for i in (0, 1):
        assert sorted(loaded["state"][i]) == sorted(sd["state"][i])
        for key, value in sd["state"][i].items():
            _same(loaded["state"][i][key], value)


def test_views_share_one_storage_as_in_pytorch(tmp_path):
    base = torch.arange(12.0).reshape(3, 4)
    loaded = mt.load(_torch_file(tmp_path, {"base": base, "t": base.t(), "s": base[1:, 2:]}))
    _same(loaded["t"], base.t())
    _same(loaded["s"], base[1:, 2:])
    loaded["base"].add_(100.0)
    assert loaded["s"].tolist() == (base[1:, 2:] + 100).tolist()


def test_parameters_and_requires_grad_are_kept(tmp_path):
    p = torch.nn.Parameter(torch.ones(2))
    frozen = torch.nn.Parameter(torch.zeros(2), requires_grad=False)
    leaf = torch.ones(3, requires_grad=True)
    loaded = mt.load(_torch_file(tmp_path, [p, frozen, leaf, p]))
    assert isinstance(loaded[0], nn.Parameter) and loaded[0].requires_grad
    assert isinstance(loaded[1], nn.Parameter) and not loaded[1].requires_grad
    assert loaded[2].requires_grad and not isinstance(loaded[2], nn.Parameter)
    assert loaded[3] is loaded[0]


def test_every_shared_dtype_and_python_containers_round_trip(tmp_path):
    tensors = {name: torch.tensor([1, 0, 3]).to(getattr(torch, name))
               for name in ("bool", "int32", "int64", "float32", "float64", "complex64",
                            "complex128")}
    obj = {"t": tensors, "list": [1, 2.5, None, "s", b"\x00\xff", float("inf")],
           "tuple": (1, (2, 3)), "set": {1, 2}, 7: complex(1, 2), "empty": torch.zeros(0, 3),
           "scalar": torch.tensor(2.5, dtype=torch.float64), "size": torch.Size([2, 3])}
    loaded = mt.load(_torch_file(tmp_path, obj))
    for name, t in tensors.items():
        _same(loaded["t"][name], t)
    assert loaded["list"][:5] == obj["list"][:5] and loaded["list"][5] == float("inf")
    assert loaded["tuple"] == (1, (2, 3)) and loaded["set"] == {1, 2}
    assert loaded[7] == complex(1, 2) and loaded["size"] == (2, 3)
    _same(loaded["empty"], obj["empty"])
    _same(loaded["scalar"], obj["scalar"])


def test_a_dtype_microtorch_lacks_is_refused_naming_it_and_where(tmp_path):
    path = _torch_file(tmp_path, {"w": torch.ones(2, dtype=torch.float16)})
    with pytest.raises(CheckpointError, match=r"dtype float16.*\['w'\]"):
        mt.load(path)


def test_a_class_outside_the_allowlist_is_refused_naming_it(tmp_path):
    import datetime

    path = _torch_file(tmp_path, {"when": datetime.date(2024, 1, 1)})
    with pytest.raises(CheckpointError, match="datetime.date"):
        mt.load(path)


def _archive(tmp_path, pickled, extra=()):
    """A zip laid out as torch.save's, holding ``pickled`` as its data.pkl."""
    path = tmp_path / "crafted.pt"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("crafted/data.pkl", pickled)
        z.writestr("crafted/byteorder", "little")
        for name, data in extra:
            z.writestr(f"crafted/{name}", data)
    return path


def test_a_pickle_that_would_run_code_is_refused_and_runs_nothing(tmp_path):
    marker = tmp_path / "ran"
    command = f"touch {marker}".encode()
    pickled = (b"\x80\x02cos\nsystem\nq\x00C" + bytes([len(command)]) + command
               + b"\x85q\x01Rq\x02.")
    with pytest.raises(CheckpointError, match="os.system"):
        mt.load(_archive(tmp_path, pickled))
    assert not marker.exists()


def test_a_view_reaching_past_its_storage_is_refused(tmp_path):
    path = _torch_file(tmp_path, {"w": torch.arange(4.0)})
    with zipfile.ZipFile(path) as z:
        prefix = z.namelist()[0].split("/")[0]
        pickled = z.read(f"{prefix}/data.pkl")
        data = z.read(f"{prefix}/data/0")
    # size (4,) -> (9,): BININT1 4 is the size's only element
    crafted = pickled.replace(b"K\x00K\x04\x85", b"K\x00K\x09\x85")
    assert crafted != pickled
    with pytest.raises(CheckpointError, match="reaches element 8 of a storage of 4"):
        mt.load(_archive(tmp_path, crafted, [("data/0", data)]))


def test_a_flipped_byte_in_a_storage_fails_the_zip_checksum(tmp_path):
    path = _torch_file(tmp_path, {"w": torch.arange(256.0)})
    raw = bytearray(path.read_bytes())
    at = raw.find(np.arange(256, dtype=np.float32).tobytes()[400:416])
    assert at > 0
    raw[at] ^= 0x40
    path.write_bytes(bytes(raw))
    with pytest.raises(CheckpointError, match="CRC"):
        mt.load(path)


@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED],
                         ids=["stored", "deflated"])
def test_a_big_endian_file_is_read_in_its_byte_order(tmp_path, compression):
    values = torch.tensor([1.5, -2.0, 3.25], dtype=torch.float64)
    path = _torch_file(tmp_path, {"w": values})
    with zipfile.ZipFile(path) as z:
        entries = {i.filename: z.read(i) for i in z.infolist()}
    big = tmp_path / "big.pt"
    with zipfile.ZipFile(big, "w", compression=compression) as z:
        for name, data in entries.items():
            if name.endswith("/byteorder"):
                data = b"big"
            elif "/data/" in name:
                data = np.frombuffer(data, "<f8").astype(">f8").tobytes()
            z.writestr(name, data)
    _same(mt.load(big)["w"], values)


def test_legacy_non_zip_files_are_refused_with_the_way_out(tmp_path):
    path = tmp_path / "legacy.pt"
    torch.save({"w": torch.ones(2)}, path, _use_new_zipfile_serialization=False)
    with pytest.raises(CheckpointError, match="legacy format.*torch.save"):
        mt.load(path)


def test_a_plain_pickle_is_refused_not_unpickled(tmp_path):
    path = tmp_path / "obj.pkl"
    path.write_bytes(pickle.dumps({"w": [1.0]}))
    with pytest.raises(CheckpointError, match="pickle"):
        mt.load(path)


def test_file_objects_and_map_location_work(tmp_path):
    buf = io.BytesIO()
    torch.save({"w": torch.arange(3)}, buf)
    buf.seek(0)
    loaded = mt.load(buf, map_location="cpu")
    assert loaded["w"].tolist() == [0, 1, 2] and loaded["w"].device == mt.device("cpu")
