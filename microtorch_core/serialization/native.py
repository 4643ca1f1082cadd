"""MicroTorch's checkpoint format: JSON for the structure, raw bytes for the tensors, no pickle.

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

Saving writes the header, then streams each tensor's bytes from its memory; loading reads the
header, checks every entry of it (a valid CRC does not make a header honest: it may have been
crafted), allocates each tensor and reads its bytes into it, and compares the CRC at the end,
before anything is returned.
"""

from __future__ import annotations

import json
import math
import struct
from collections import OrderedDict
from dataclasses import dataclass
from typing import IO, Any

import numpy as np

from .. import dtypes
from ..device import device
from ..dtypes import DType
from ..tensor import Tensor
from .errors import CheckpointError
from .tensor_io import LITTLE_ENDIAN_HOST, Reader, Writer, allocate, write_tensor

MAGIC = b"MTCKPT"
VERSION = 1
_ALIGN = 64
_PREFIX = struct.Struct("<6sHQ")  # magic, version, header length
_CRC = struct.Struct("<I")


# -- save ------------------------------------------------------------------------------------
def _refuse(obj: Any, path: str) -> TypeError:
    where = path or "the top level"
    if callable(getattr(obj, "state_dict", None)):  # a Module, an optimizer, a scheduler
        return TypeError(f"save: cannot store a {type(obj).__name__} object at {where}; save "
                         "its state_dict() instead (mt.save(model.state_dict(), path)) and, "
                         "after mt.load, build the object again and call its "
                         "load_state_dict()")
    return TypeError(f"save: cannot store an object of type {type(obj).__name__} at {where}; "
                     "a checkpoint holds tensors, dicts, lists, tuples, str, int, float, bool "
                     "and None (no pickle)")


class Plan:
    """What ``save`` will write: the encoded structure and the tensor table. Built before the
    file is opened, so an object that cannot be stored creates no file."""

    def __init__(self, obj: Any) -> None:
        self.entries: list[dict[str, Any]] = []
        self.tensors: list[Tensor] = []
        self.size = 0
        self._seen: dict[int, int] = {}  # id(tensor) -> entry: a tensor saved twice is one
        self.object = self._encode(obj, "")

    def _tensor(self, t: Tensor) -> int:
        if id(t) in self._seen:
            return self._seen[id(t)]
        from ..nn.parameter import Parameter

        nbytes = t.numel() * t.dtype.itemsize
        self.size += -self.size % _ALIGN
        self.entries.append({"dtype": t.dtype.name, "shape": list(t.shape),
                             "device": str(t.device), "offset": self.size, "nbytes": nbytes,
                             "requires_grad": t.requires_grad,
                             "parameter": isinstance(t, Parameter)})
        self.tensors.append(t)
        self.size += nbytes
        self._seen[id(t)] = len(self.entries) - 1
        return self._seen[id(t)]

    def _encode(self, obj: Any, path: str) -> Any:
        if obj is None or isinstance(obj, (bool, int, str)):
            return obj
        if isinstance(obj, float):
            return obj if math.isfinite(obj) else {"float": repr(obj)}
        if isinstance(obj, np.generic) and not isinstance(obj, np.object_):
            return self._encode(obj.item(), path)
        if isinstance(obj, Tensor):
            return {"tensor": self._tensor(obj)}
        if isinstance(obj, list):
            return [self._encode(v, f"{path}[{i}]") for i, v in enumerate(obj)]
        if isinstance(obj, tuple):
            return {"tuple": [self._encode(v, f"{path}[{i}]") for i, v in enumerate(obj)]}
        if isinstance(obj, dict):
            items = [[self._encode(k, f"{path} key {k!r}"), self._encode(v, f"{path}[{k!r}]")]
                     for k, v in obj.items()]
            return {"dict": items, "ordered": True} if isinstance(obj, OrderedDict) \
                else {"dict": items}
        raise _refuse(obj, path)

    def write(self, out: IO[bytes]) -> None:
        """Write the checkpoint to the binary file ``out``, streaming the tensor bytes."""
        header = json.dumps({"object": self.object, "tensors": self.entries,
                             "data_nbytes": self.size}, separators=(",", ":")).encode()
        writer = Writer(out)
        writer.write(_PREFIX.pack(MAGIC, VERSION, len(header)))
        writer.write(header)
        end = 0
        for entry, t in zip(self.entries, self.tensors):
            writer.write(bytes(entry["offset"] - end))  # alignment padding
            write_tensor(writer, t)
            end = entry["offset"] + entry["nbytes"]
        writer.write(bytes(self.size - end))
        out.write(_CRC.pack(writer.crc))


# -- the header, checked ---------------------------------------------------------------------
@dataclass
class _Entry:
    dtype: DType
    shape: tuple[int, ...]
    device: str
    offset: int
    nbytes: int
    requires_grad: bool
    parameter: bool


class _Header:
    """Checks a parsed header, raising ``CheckpointError`` naming the first problem."""

    def __init__(self, name: str) -> None:
        self.name = name

    def corrupt(self, problem: str) -> CheckpointError:
        return CheckpointError(f"{self.name} is corrupted: {problem}")

    def count(self, value: Any, owner: str, noun: str) -> int:
        """A size or offset: an integer, never negative."""
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.corrupt(f"{owner} has {noun} {value!r:.80}, not an integer")
        if value < 0:
            raise self.corrupt(f"{owner} has a negative {noun} {value}")
        return value

    def parse(self, raw: bytes) -> tuple[Any, list[_Entry], int]:
        try:
            header = json.loads(raw.decode("utf-8"))
        except RecursionError:
            raise self.corrupt("its header is nested too deeply") from None
        except ValueError as err:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
            raise self.corrupt(f"its header is not valid JSON ({err})") from None
        if not isinstance(header, dict):
            raise self.corrupt(f"its header is a {type(header).__name__}, not a JSON object")
        for key in ("object", "tensors", "data_nbytes"):
            if key not in header:
                raise self.corrupt(f"its header has no {key!r} entry")
        data_nbytes = self.count(header["data_nbytes"], "its header", "data size")
        table = header["tensors"]
        if not isinstance(table, list):
            raise self.corrupt(f"its tensor table is a {type(table).__name__}, not a list")
        entries = [self.entry(i, e, data_nbytes) for i, e in enumerate(table)]
        return header["object"], entries, data_nbytes

    def entry(self, i: int, e: Any, data_nbytes: int) -> _Entry:
        if not isinstance(e, dict):
            raise self.corrupt(f"tensor {i} is described by {e!r:.80}, not a JSON object")
        missing = {"dtype", "shape", "device", "offset", "nbytes", "requires_grad"} - set(e)
        if missing:
            raise self.corrupt(f"tensor {i} has no {sorted(missing)} in its description")
        name = e["dtype"]
        try:
            dtype = dtypes.from_name(name) if isinstance(name, str) else None
        except TypeError:
            dtype = None
        if dtype is None:
            known = ", ".join(d.name for d in dtypes.ALL_DTYPES)
            raise self.corrupt(f"tensor {i} has dtype {name!r:.80}, which MicroTorch does not "
                               f"have ({known})")
        shape = e["shape"]
        if not isinstance(shape, list) or not all(
                isinstance(s, int) and not isinstance(s, bool) for s in shape):
            raise self.corrupt(f"tensor {i} has shape {shape!r:.80}, not a list of integers")
        if any(s < 0 for s in shape):
            raise self.corrupt(f"tensor {i} has a negative size in shape {shape}")
        offset = self.count(e["offset"], f"tensor {i}", "offset")
        nbytes = self.count(e["nbytes"], f"tensor {i}", "byte count")
        if nbytes != math.prod(shape) * dtype.itemsize:
            raise self.corrupt(f"tensor {i} ({name} {shape}) does not fit its {nbytes} bytes "
                               f"({math.prod(shape) * dtype.itemsize} needed)")
        if offset + nbytes > data_nbytes:
            raise self.corrupt(f"tensor {i} ({nbytes} bytes at offset {offset}) does not fit "
                               f"the {data_nbytes} bytes of tensor data")
        dev = e["device"]
        try:
            device(dev)
        except (TypeError, ValueError) as err:
            raise self.corrupt(f"tensor {i} has device {dev!r:.80}: {err}") from None
        flags = {}
        for field in ("requires_grad", "parameter"):
            flags[field] = e.get(field, False)
            if not isinstance(flags[field], bool):
                raise self.corrupt(f"tensor {i} has {field} {flags[field]!r:.80}, not a bool")
        if flags["requires_grad"] and not dtype.is_floating_point:
            raise self.corrupt(f"tensor {i} requires grad but has dtype {name}")
        return _Entry(dtype, tuple(shape), dev, offset, nbytes, flags["requires_grad"],
                      flags["parameter"])


# -- load ------------------------------------------------------------------------------------
def read(stream: IO[bytes], name: str, size: int | None, map_location: Any) -> Any:
    """Read a checkpoint from ``stream`` (positioned at its start; ``size`` is the number of
    bytes from there to the end, None if unknown)."""
    reader = Reader(stream, name)
    _, version, hlen = _PREFIX.unpack(reader.read(_PREFIX.size, "the file's prefix"))
    if version > VERSION:
        raise CheckpointError(f"{name} has checkpoint format version {version}; this MicroTorch "
                              f"reads up to version {VERSION}")
    if size is not None and _PREFIX.size + hlen + _CRC.size > size:
        raise CheckpointError(f"{name} is truncated or corrupted: its header says {hlen} bytes "
                              f"but the file has only {size} bytes in all")
    checker = _Header(name)
    obj, entries, data_nbytes = checker.parse(reader.read(hlen, "the header"))
    expected = _PREFIX.size + hlen + data_nbytes + _CRC.size
    if size is not None and size < expected:
        raise CheckpointError(f"{name} is truncated: {size} bytes, expected {expected} (was "
                              "the copy or download interrupted?)")
    if size is not None and size > expected:
        raise checker.corrupt(f"{size - expected} unexpected bytes after the end of the "
                              "checkpoint")
    tensors = _read_tensors(reader, entries, data_nbytes, name, map_location)
    computed = reader.crc
    (stored,) = _CRC.unpack(reader.read(_CRC.size, "the checksum"))
    if size is None and stream.read(1):
        raise checker.corrupt("unexpected bytes after the end of the checkpoint")
    if stored != computed:
        raise checker.corrupt(f"checksum mismatch (CRC-32 stored {stored:#010x}, computed "
                              f"{computed:#010x})")
    try:
        return _decode(obj, tensors, checker)
    except RecursionError:
        raise checker.corrupt("its object is nested too deeply") from None


def _read_tensors(reader: Reader, entries: list[_Entry], data_nbytes: int, name: str,
                  map_location: Any) -> list[Tensor]:
    """Allocate each tensor and read its bytes into it, in file order."""
    tensors: list[Tensor] = [None] * len(entries)  # type: ignore[list-item]
    end = 0
    for i in sorted(range(len(entries)), key=lambda i: entries[i].offset):
        e = entries[i]
        if e.offset < end:
            raise CheckpointError(f"{name} is corrupted: tensor {i} (at offset {e.offset}) "
                                  f"overlaps the tensor before it (which ends at {end})")
        reader.skip(e.offset - end, "the padding between tensors")
        t = allocate(e.shape, e.dtype, e.device, map_location, name)
        reader.into_storage(t._storage, t._kernels.allocator, e.nbytes, e.dtype.itemsize,
                            swap=not LITTLE_ENDIAN_HOST, what=f"tensor {i}")
        if e.parameter:
            from ..nn.parameter import Parameter

            t = Parameter(t, requires_grad=e.requires_grad)
        elif e.requires_grad:
            t.requires_grad_(True)
        tensors[i] = t
        end = e.offset + e.nbytes
    reader.skip(data_nbytes - end, "the padding after the last tensor")
    return tensors


def _decode(node: Any, tensors: list[Tensor], checker: _Header) -> Any:
    """Build the saved object from its JSON description: only containers, scalars and the
    tensors already read."""
    if node is None or isinstance(node, (bool, int, float, str)):
        return node
    if isinstance(node, list):
        return [_decode(v, tensors, checker) for v in node]
    if isinstance(node, dict):
        keys = set(node)
        if keys == {"tensor"}:
            i = node["tensor"]
            if not isinstance(i, int) or isinstance(i, bool) or not 0 <= i < len(tensors):
                raise checker.corrupt(f"its object refers to tensor {i!r:.80}, but it holds "
                                      f"{len(tensors)} tensors")
            return tensors[i]
        if keys == {"tuple"} and isinstance(node["tuple"], list):
            return tuple(_decode(v, tensors, checker) for v in node["tuple"])
        if "dict" in keys and keys <= {"dict", "ordered"} and isinstance(node["dict"], list) \
                and isinstance(node.get("ordered", False), bool):
            return _decode_dict(node, tensors, checker)
        if keys == {"float"} and isinstance(node["float"], str):
            try:
                return float(node["float"])
            except ValueError:
                raise checker.corrupt(f"its object has float {node['float']!r:.80}") from None
    raise checker.corrupt(f"unknown entry {node!r:.100} in its header")


def _decode_dict(node: dict, tensors: list[Tensor], checker: _Header) -> dict:
    out: dict = OrderedDict() if node.get("ordered") else {}
    for pair in node["dict"]:
        if not isinstance(pair, list) or len(pair) != 2:
            raise checker.corrupt(f"its object has dict entry {pair!r:.80}, not a "
                                  "[key, value] pair")
        key = _decode(pair[0], tensors, checker)
        try:
            hash(key)
        except TypeError:
            raise checker.corrupt(f"its object has dict key {key!r:.80}, which is not "
                                  "hashable") from None
        out[key] = _decode(pair[1], tensors, checker)
    return out
