"""``save`` and ``load``: checkpoints in a format that never runs code when read (no pickle).

A checkpoint is one file; every integer in it is little-endian::

    offset 0        b"MTCKPT" + format version (uint16)                       8 bytes
    offset 8        H = length of the header                                  uint64
    offset 16       header: UTF-8 JSON (the object's structure, tensor table)  H bytes
    offset 16 + H   tensor bytes, each tensor C-ordered, 64-byte aligned      D bytes
    last 4 bytes    CRC-32 of everything before                               uint32

The header's ``"object"`` describes nested dicts (``{"dict": [[key, value], ...]}``, key
types and order kept), tuples (``{"tuple": [...]}``), lists, str/int/float/bool/None and
tensors (``{"tensor": i}``: entry ``i`` of ``"tensors"``, which gives dtype, shape, device,
offset and byte count). Loading only ever builds those types, so a checkpoint from a stranger
is data, never code. Tensors are saved bit for bit; views are saved as separate copies
(storage sharing between different tensors is not kept).

Writes are atomic: the file is written to a temporary file in the same directory, flushed to
disk and renamed over the target, so a crash leaves either the old file or the new one.
"""

from __future__ import annotations

import json
import math
import os
import struct
import tempfile
import zlib
from collections import OrderedDict
from typing import IO, Any

import numpy as np

from . import dtypes
from .device import DeviceLike, as_device
from .tensor import Tensor

__all__ = ["save", "load", "CheckpointError"]

MAGIC = b"MTCKPT"
VERSION = 1
_ALIGN = 64
_PREFIX = struct.Struct("<6sHQ")  # magic, version, header length

PathLike = str | os.PathLike


class CheckpointError(RuntimeError):
    """The file is not a MicroTorch checkpoint, or it is truncated or corrupted."""


# -- save ------------------------------------------------------------------------------------
class _Writer:
    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []
        self.chunks: list[bytes] = []
        self.size = 0
        self.seen: dict[int, int] = {}  # id(tensor) -> entry: a tensor saved twice is one entry

    def tensor(self, t: Tensor) -> int:
        if id(t) in self.seen:
            return self.seen[id(t)]
        from .nn.parameter import Parameter

        host = t.detach()._to_host()
        data = np.ascontiguousarray(host, dtype=host.dtype.newbyteorder("<")).tobytes()
        pad = -self.size % _ALIGN
        self.chunks.append(b"\0" * pad + data)
        self.size += pad
        self.entries.append({"dtype": t.dtype.name, "shape": list(t.shape),
                             "device": str(t.device), "offset": self.size,
                             "nbytes": len(data), "requires_grad": t.requires_grad,
                             "parameter": isinstance(t, Parameter)})
        self.size += len(data)
        self.seen[id(t)] = len(self.entries) - 1
        return self.seen[id(t)]

    def encode(self, obj: Any, path: str) -> Any:
        if obj is None or isinstance(obj, (bool, int, str)):
            return obj
        if isinstance(obj, float):
            return obj if math.isfinite(obj) else {"float": repr(obj)}
        if isinstance(obj, np.generic) and not isinstance(obj, np.object_):
            return self.encode(obj.item(), path)
        if isinstance(obj, Tensor):
            return {"tensor": self.tensor(obj)}
        if isinstance(obj, list):
            return [self.encode(v, f"{path}[{i}]") for i, v in enumerate(obj)]
        if isinstance(obj, tuple):
            return {"tuple": [self.encode(v, f"{path}[{i}]") for i, v in enumerate(obj)]}
        if isinstance(obj, dict):
            items = [[self.encode(k, f"{path} key {k!r}"), self.encode(v, f"{path}[{k!r}]")]
                     for k, v in obj.items()]
            return {"dict": items, "ordered": True} if isinstance(obj, OrderedDict) \
                else {"dict": items}
        raise TypeError(f"save: cannot store an object of type {type(obj).__name__} at "
                        f"{path or 'the top level'}; a checkpoint holds tensors, dicts, lists, "
                        "tuples, str, int, float, bool and None (no pickle)")


def _serialize(obj: Any) -> bytes:
    writer = _Writer()
    encoded = writer.encode(obj, "")
    header = json.dumps({"object": encoded, "tensors": writer.entries,
                         "data_nbytes": writer.size}, separators=(",", ":")).encode()
    body = _PREFIX.pack(MAGIC, VERSION, len(header)) + header + b"".join(writer.chunks)
    return body + struct.pack("<I", zlib.crc32(body))


def save(obj: Any, f: PathLike | IO[bytes]) -> None:
    """Write ``obj`` (a tensor, a state dict, an optimizer state dict, nested containers of
    those) to the path or binary file ``f``. A path is written atomically.

    >>> save({"model": model.state_dict(), "optim": opt.state_dict(), "epoch": 3}, "ck.mt")
    """
    blob = _serialize(obj)
    if hasattr(f, "write"):
        f.write(blob)  # type: ignore[union-attr]
        return
    path = os.fspath(f)  # type: ignore[arg-type]
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(path)}.",
                               suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(blob)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


# -- load ------------------------------------------------------------------------------------
def _read(f: PathLike | IO[bytes]) -> tuple[bytes, str]:
    if hasattr(f, "read"):
        return f.read(), getattr(f, "name", "<file object>")  # type: ignore[union-attr]
    path = os.fspath(f)  # type: ignore[arg-type]
    if not os.path.exists(path):
        raise FileNotFoundError(f"no checkpoint file at {path!r}")
    with open(path, "rb") as file:
        return file.read(), path


def _check(raw: bytes, name: str) -> tuple[dict[str, Any], int]:
    """Validate the framing and checksum; return the header and where the tensor bytes
    start."""
    if not raw:
        raise CheckpointError(f"{name} is empty (0 bytes): not a MicroTorch checkpoint")
    if len(raw) < _PREFIX.size or raw[:6] != MAGIC:
        hint = ""
        if raw[:2] == b"PK" or raw[:1] == b"\x80":
            hint = " (it looks like a PyTorch zip/pickle file, which MicroTorch never loads)"
        raise CheckpointError(f"{name} is not a MicroTorch checkpoint: it does not start with "
                              f"{MAGIC!r}{hint}")
    _, version, hlen = _PREFIX.unpack_from(raw)
    if version > VERSION:
        raise CheckpointError(f"{name} has checkpoint format version {version}; this MicroTorch "
                              f"reads up to version {VERSION}")
    end_of_header = _PREFIX.size + hlen
    if end_of_header + 4 > len(raw):
        raise CheckpointError(f"{name} is truncated or corrupted: its header says {hlen} bytes "
                              f"but the file has only {len(raw)} bytes in all")
    try:
        header = json.loads(raw[_PREFIX.size:end_of_header].decode())
        expected = end_of_header + int(header["data_nbytes"]) + 4
    except (ValueError, KeyError, TypeError):
        header, expected = None, None
    if expected is not None and len(raw) < expected:
        raise CheckpointError(f"{name} is truncated: {len(raw)} bytes, expected {expected} "
                              "(was the copy or download interrupted?)")
    (stored,) = struct.unpack_from("<I", raw, len(raw) - 4)
    actual = zlib.crc32(memoryview(raw)[:-4])
    if expected is not None and len(raw) > expected:
        raise CheckpointError(f"{name} is corrupted: {len(raw) - expected} unexpected bytes "
                              f"after the end of the checkpoint")
    if header is None or stored != actual:
        raise CheckpointError(f"{name} is corrupted: checksum mismatch (CRC-32 stored "
                              f"{stored:#010x}, computed {actual:#010x})")
    return header, end_of_header


def _target_device(saved: str, map_location: Any) -> DeviceLike:
    if map_location is None:
        return saved
    if isinstance(map_location, dict):
        kind = saved.split(":")[0]
        return map_location.get(saved, map_location.get(kind, saved))
    return map_location


class _Reader:
    def __init__(self, raw: bytes, entries: list[dict], data_start: int, name: str,
                 map_location: Any) -> None:
        self.raw, self.entries, self.name, self.map_location = raw, entries, name, map_location
        self.data_start, self.data_end = data_start, len(raw) - 4
        self.cache: dict[int, Tensor] = {}

    def tensor(self, i: int) -> Tensor:
        if i in self.cache:
            return self.cache[i]
        e = self.entries[i]
        dtype = dtypes.from_name(e["dtype"])
        shape = tuple(int(s) for s in e["shape"])
        numel = math.prod(shape)
        start = self.data_start + int(e["offset"])
        if e["nbytes"] != numel * dtype.itemsize or start + e["nbytes"] > self.data_end:
            raise CheckpointError(f"{self.name} is corrupted: tensor {i} ({e['dtype']} "
                                  f"{list(shape)}) does not fit its {e['nbytes']} bytes")
        arr = np.frombuffer(self.raw, dtype=np.dtype(dtype.np).newbyteorder("<"), count=numel,
                            offset=start).reshape(shape)
        dev = _target_device(e["device"], self.map_location)
        try:
            t = Tensor._from_numpy(arr, as_device(dev), dtype)
        except RuntimeError as err:
            raise RuntimeError(f"{err}. {self.name} holds tensors saved on {e['device']!r}; "
                               "pass map_location='cpu' to load them elsewhere") from err
        if e.get("parameter"):
            from .nn.parameter import Parameter

            t = Parameter(t, requires_grad=bool(e["requires_grad"]))
        elif e["requires_grad"]:
            t.requires_grad_(True)
        self.cache[i] = t
        return t

    def decode(self, obj: Any) -> Any:
        if isinstance(obj, list):
            return [self.decode(v) for v in obj]
        if not isinstance(obj, dict):
            return obj
        if "tensor" in obj:
            return self.tensor(int(obj["tensor"]))
        if "tuple" in obj:
            return tuple(self.decode(v) for v in obj["tuple"])
        if "dict" in obj:
            pairs = ((self.decode(k), self.decode(v)) for k, v in obj["dict"])
            return OrderedDict(pairs) if obj.get("ordered") else dict(pairs)
        if "float" in obj:
            return float(obj["float"])
        raise CheckpointError(f"{self.name} is corrupted: unknown entry {obj!r} in its header")


def load(f: PathLike | IO[bytes], map_location: DeviceLike | dict[str, str] | None = None
         ) -> Any:
    """Read an object written by ``save``. ``map_location`` puts the tensors on another
    device: a device (``"cpu"``) for all of them, or a dict such as ``{"cuda": "cpu"}``.

    >>> model.load_state_dict(load("ck.mt", map_location="cpu")["model"])
    """
    raw, name = _read(f)
    header, data_start = _check(raw, name)
    reader = _Reader(raw, header["tensors"], data_start, name, map_location)
    return reader.decode(header["object"])
