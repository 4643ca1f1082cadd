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
offset and byte count). Tensors are saved bit for bit; views are saved as separate copies
(storage sharing between different tensors is not kept).

Version 2 (written only when the object needs it, so version 1 readers still read state
dicts) adds the values modules and scripts hold:

- ``{"ndarray": i}``: a NumPy array of numbers or bools, entry ``i`` of ``"tensors"`` marked
  ``"ndarray": true`` with a NumPy dtype name (``NDARRAY_DTYPES``); loaded as an ndarray.
- ``{"set": [...]}``, ``{"frozenset": [...]}``, ``{"dtype": "float32"}``,
  ``{"device": "cuda:0"}``.
- ``{"global": [module, qualname]}``: a top-level class or function, by name.
- ``{"module": k, "class": [module, qualname], "state": [[attribute, value], ...]}``: a whole
  ``nn.Module``, the ``k``-th defined; ``{"module": k}`` alone is the same module again (tied
  sub-modules, a module that refers to itself).

Loading builds only containers, scalars, tensors and arrays, unless the caller allows
modules and globals (``modules.py``: ``weights_only=False`` or an allowlist), so a checkpoint
from a stranger loaded with the defaults is data, never code.

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
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

import numpy as np

from .. import dtypes
from ..device import device
from ..dtypes import DType
from ..nn.module import Module
from ..nn.parameter import Parameter
from ..tensor import Tensor
from . import modules
from .errors import CheckpointError
from .tensor_io import LITTLE_ENDIAN_HOST, Reader, Writer, allocate, read_into_host, write_tensor

MAGIC = b"MTCKPT"
VERSION = 2
_ALIGN = 64
_PREFIX = struct.Struct("<6sHQ")  # magic, version, header length
_CRC = struct.Struct("<I")


# -- save ------------------------------------------------------------------------------------
#: NumPy dtypes an ``"ndarray"`` entry may have: numbers and bools, never objects.
NDARRAY_DTYPES = ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
                  "uint64", "float16", "float32", "float64", "complex64", "complex128")


#: A module's tables of what is reached as an attribute (``model.rnn``, ``model.weight``).
_MODULE_TABLES = ("_parameters", "_buffers", "_modules")


def _refuse(obj: Any, path: str) -> TypeError:
    where = path or "the top level"
    if callable(getattr(obj, "state_dict", None)):  # an optimizer, a scheduler
        return TypeError(f"save: cannot store a {type(obj).__name__} object at {where}; save "
                         "its state_dict() instead (mt.save(opt.state_dict(), path)) and, "
                         "after mt.load, build the object again and call its "
                         "load_state_dict()")
    return TypeError(f"save: cannot store an object of type {type(obj).__name__} at {where}; "
                     "a checkpoint holds tensors, NumPy arrays of numbers, modules, dicts, "
                     "lists, tuples, sets, str, int, float, bool, None, dtypes, devices and "
                     "top-level classes and functions (by name), never code (no pickle)")


def _host_array(a: np.ndarray, path: str) -> np.ndarray:
    """``a`` C-ordered and little-endian (a copy only when it is not already)."""
    if a.dtype.name not in NDARRAY_DTYPES or a.dtype.kind not in "biufc":
        raise TypeError(f"save: cannot store a NumPy array of dtype {a.dtype} at "
                        f"{path or 'the top level'}; a checkpoint holds arrays of "
                        f"{', '.join(NDARRAY_DTYPES)} (object arrays would need pickle)")
    return np.ascontiguousarray(a, a.dtype.newbyteorder("<"))


class Plan:
    """What ``save`` will write: the encoded structure and the tensor table. Built before the
    file is opened, so an object that cannot be stored creates no file."""

    def __init__(self, obj: Any) -> None:
        self.entries: list[dict[str, Any]] = []
        self.tensors: list[Tensor | np.ndarray] = []
        self.size = 0
        self.version = 1  # 2 once the object needs an entry that version 1 readers lack
        self.modules: list[Module] = []  # the outermost modules saved, for save's warning
        self._depth = 0  # how many modules enclose what is being encoded
        self._seen: dict[int, int] = {}  # id(tensor or array) -> entry: saved twice is one
        self._module_ids: dict[int, int] = {}  # id(module) -> its number in the object
        self.object = self._encode(obj, "")

    def _add(self, key: int, data: Tensor | np.ndarray, entry: dict[str, Any]) -> int:
        nbytes = entry["nbytes"]
        self.size += -self.size % _ALIGN
        self.entries.append({**entry, "offset": self.size})
        self.tensors.append(data)
        self.size += nbytes
        self._seen[key] = len(self.entries) - 1
        return self._seen[key]

    def _tensor(self, t: Tensor) -> int:
        if id(t) in self._seen:
            return self._seen[id(t)]
        return self._add(id(t), t, {
            "dtype": t.dtype.name, "shape": list(t.shape), "device": str(t.device),
            "nbytes": t.numel() * t.dtype.itemsize, "requires_grad": t.requires_grad,
            "parameter": isinstance(t, Parameter)})

    def _ndarray(self, a: np.ndarray, path: str) -> int:
        if id(a) in self._seen:
            return self._seen[id(a)]
        self.version = 2
        host = _host_array(a, path)
        return self._add(id(a), host, {
            "ndarray": True, "dtype": a.dtype.name, "shape": list(a.shape), "device": "cpu",
            "nbytes": host.nbytes, "requires_grad": False})

    def _module(self, m: Module, path: str) -> dict[str, Any]:
        if id(m) in self._module_ids:  # a module held in two places (or by itself) stays one
            return {"module": self._module_ids[id(m)]}
        self.version = 2
        k = self._module_ids[id(m)] = len(self._module_ids)
        if not self._depth:
            self.modules.append(m)
        cls = type(m)
        ref = modules.global_name(cls)
        if ref is None:
            raise TypeError(f"save: cannot store the {cls.__qualname__} module at "
                            f"{path or 'the top level'}: its class cannot be found again by "
                            f"importing {cls.__module__!r} (a class defined inside a function?)"
                            "; save its state_dict() instead")
        state = modules.module_state(m, path)
        self._depth += 1
        items = []
        for name, value in state.items():
            where = f"{path}.{name}" if path else name
            if name in _MODULE_TABLES and isinstance(value, dict):
                # Name what they hold as the user reaches it: model.rnn, not
                # model._modules['rnn'].
                at = f"{path}." if path else ""
                items.append([name, self._dict(value, where, lambda k, at=at: f"{at}{k}")])
            else:
                items.append([name, self._encode(value, where)])
        self._depth -= 1
        return {"module": k, "class": ref, "state": items}

    def _encode(self, obj: Any, path: str) -> Any:
        if obj is None or isinstance(obj, (bool, int, str)):
            return obj
        if isinstance(obj, float):
            return obj if math.isfinite(obj) else {"float": repr(obj)}
        if isinstance(obj, np.generic) and not isinstance(obj, np.object_):
            return self._encode(obj.item(), path)
        if isinstance(obj, Tensor):
            return {"tensor": self._tensor(obj)}
        if isinstance(obj, np.ndarray):
            return {"ndarray": self._ndarray(obj, path)}
        if isinstance(obj, Module):
            return self._module(obj, path)
        if isinstance(obj, list):
            return [self._encode(v, f"{path}[{i}]") for i, v in enumerate(obj)]
        if isinstance(obj, tuple):
            return {"tuple": [self._encode(v, f"{path}[{i}]") for i, v in enumerate(obj)]}
        if isinstance(obj, dict):
            return self._dict(obj, path, lambda k: f"{path}[{k!r}]")
        return self._encode_v2(obj, path)

    def _dict(self, obj: dict, path: str, value_path: Callable[[Any], str]) -> dict[str, Any]:
        items = [[self._encode(k, f"{path} key {k!r}"), self._encode(v, value_path(k))]
                 for k, v in obj.items()]
        return {"dict": items, "ordered": True} if isinstance(obj, OrderedDict) \
            else {"dict": items}

    def _encode_v2(self, obj: Any, path: str) -> Any:
        """The values that only version 2 of the format holds (what modules' attributes
        hold besides tensors and containers)."""
        if isinstance(obj, (set, frozenset)):
            kind = "set" if isinstance(obj, set) else "frozenset"
            node = {kind: [self._encode(v, f"{path} item {v!r}") for v in obj]}
        elif isinstance(obj, DType):
            node = {"dtype": obj.name}
        elif isinstance(obj, device):
            node = {"device": str(obj)}
        elif (ref := modules.global_name(obj)) is not None:
            node = {"global": ref}
        else:
            raise _refuse(obj, path)
        self.version = 2
        return node

    def write(self, out: IO[bytes]) -> None:
        """Write the checkpoint to the binary file ``out``, streaming the tensor bytes."""
        header = json.dumps({"object": self.object, "tensors": self.entries,
                             "data_nbytes": self.size}, separators=(",", ":")).encode()
        writer = Writer(out)
        writer.write(_PREFIX.pack(MAGIC, self.version, len(header)))
        writer.write(header)
        end = 0
        for entry, t in zip(self.entries, self.tensors):
            writer.write(bytes(entry["offset"] - end))  # alignment padding
            if isinstance(t, np.ndarray):
                writer.write(memoryview(t.reshape(-1).view(np.uint8)))
            else:
                write_tensor(writer, t)
            end = entry["offset"] + entry["nbytes"]
        writer.write(bytes(self.size - end))
        out.write(_CRC.pack(writer.crc))


# -- the header, checked ---------------------------------------------------------------------
@dataclass
class _Entry:
    dtype: DType | np.dtype  # a NumPy dtype for an ndarray entry
    shape: tuple[int, ...]
    device: str
    offset: int
    nbytes: int
    requires_grad: bool
    parameter: bool
    ndarray: bool


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
        flags = {}
        for field in ("requires_grad", "parameter", "ndarray"):
            flags[field] = e.get(field, False)
            if not isinstance(flags[field], bool):
                raise self.corrupt(f"tensor {i} has {field} {flags[field]!r:.80}, not a bool")
        name = e["dtype"]
        dtype = self.dtype(i, name, flags["ndarray"])
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
        if flags["requires_grad"] and (flags["ndarray"] or not dtype.is_inexact):
            raise self.corrupt(f"tensor {i} requires grad but has dtype {name}")
        if flags["parameter"] and flags["ndarray"]:
            raise self.corrupt(f"entry {i} is marked both as an ndarray and as a Parameter")
        return _Entry(dtype, tuple(shape), dev, offset, nbytes, flags["requires_grad"],
                      flags["parameter"], flags["ndarray"])

    def dtype(self, i: int, name: Any, ndarray: bool) -> DType | np.dtype:
        """The MicroTorch dtype of tensor ``i``, or the NumPy dtype of an ndarray entry."""
        if ndarray:
            if name not in NDARRAY_DTYPES:
                raise self.corrupt(f"array {i} has dtype {name!r:.80}; an ndarray entry holds "
                                   f"one of {', '.join(NDARRAY_DTYPES)}")
            return np.dtype(name)
        try:
            dtype = dtypes.from_name(name) if isinstance(name, str) else None
        except TypeError:
            dtype = None
        if dtype is None:
            known = ", ".join(d.name for d in dtypes.ALL_DTYPES + dtypes.COMPLEX_DTYPES)
            raise self.corrupt(f"tensor {i} has dtype {name!r:.80}, which MicroTorch does not "
                               f"have ({known})")
        return dtype


# -- load ------------------------------------------------------------------------------------
def read(stream: IO[bytes], name: str, size: int | None, map_location: Any,
         weights_only: bool = True) -> Any:
    """Read a checkpoint from ``stream`` (positioned at its start; ``size`` is the number of
    bytes from there to the end, None if unknown). A whole module in it is built only when
    ``weights_only`` is false or its class is allowlisted (``modules.py``)."""
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
        return _Decoder(tensors, checker, weights_only).decode(obj)
    except RecursionError:
        raise checker.corrupt("its object is nested too deeply") from None


def _read_tensors(reader: Reader, entries: list[_Entry], data_nbytes: int, name: str,
                  map_location: Any) -> list[Tensor | np.ndarray]:
    """Allocate each tensor (or NumPy array) and read its bytes into it, in file order."""
    tensors: list[Tensor | np.ndarray] = [None] * len(entries)  # type: ignore[list-item]
    end = 0
    for i in sorted(range(len(entries)), key=lambda i: entries[i].offset):
        e = entries[i]
        if e.offset < end:
            raise CheckpointError(f"{name} is corrupted: tensor {i} (at offset {e.offset}) "
                                  f"overlaps the tensor before it (which ends at {end})")
        reader.skip(e.offset - end, "the padding between tensors")
        end = e.offset + e.nbytes
        if e.ndarray:  # host memory, no device: map_location does not apply
            array = np.empty(e.shape, e.dtype)
            read_into_host(reader, array.reshape(-1).view(np.uint8), e.dtype.itemsize,
                           swap=not LITTLE_ENDIAN_HOST, what=f"array {i}")
            tensors[i] = array
            continue
        t = allocate(e.shape, e.dtype, e.device, map_location, name)
        reader.into_storage(t._storage, t._kernels.allocator, e.nbytes, e.dtype.itemsize,
                            swap=not LITTLE_ENDIAN_HOST, what=f"tensor {i}")
        if e.parameter:
            t = Parameter(t, requires_grad=e.requires_grad)
        elif e.requires_grad:
            t.requires_grad_(True)
        tensors[i] = t
    reader.skip(data_nbytes - end, "the padding after the last tensor")
    return tensors


class _Decoder:
    """Builds the saved object from its JSON description: only containers, scalars, dtypes,
    devices, the tensors and arrays already read and, when allowed, modules (``modules.py``)."""

    def __init__(self, tensors: list[Tensor | np.ndarray], checker: _Header,
                 weights_only: bool) -> None:
        self.tensors, self.checker, self.weights_only = tensors, checker, weights_only
        self.modules: list[Module] = []  # in the order the object defines them

    def decode(self, node: Any) -> Any:
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, list):
            return [self.decode(v) for v in node]
        if isinstance(node, dict):
            keys = set(node)
            if keys == {"tensor"} or keys == {"ndarray"}:
                return self.data(node, keys.pop())
            if "module" in keys:
                return self.module(node)
            if keys == {"tuple"} and isinstance(node["tuple"], list):
                return tuple(self.decode(v) for v in node["tuple"])
            if "dict" in keys and keys <= {"dict", "ordered"} and isinstance(node["dict"], list) \
                    and isinstance(node.get("ordered", False), bool):
                return self.mapping(node)
            if len(keys) == 1:
                return self.single(keys.pop(), node)
        raise self.checker.corrupt(f"unknown entry {node!r:.100} in its header")

    def single(self, kind: str, node: dict) -> Any:
        """A one-key entry: a float that JSON lacks, a set, a dtype, a device, a global."""
        value, corrupt = node[kind], self.checker.corrupt
        if kind in ("set", "frozenset") and isinstance(value, list):
            items = [self.decode(v) for v in value]
            try:
                return set(items) if kind == "set" else frozenset(items)
            except TypeError:
                raise corrupt(f"its object has a {kind} of unhashable items") from None
        if kind == "global":
            return modules.resolve(value, self.weights_only, self.checker.name, "a reference to")
        if not isinstance(value, str):
            raise corrupt(f"unknown entry {node!r:.100} in its header")
        try:
            if kind == "float":
                return float(value)
            if kind == "dtype":
                return dtypes.from_name(value)
            if kind == "device":
                return device(value)
        except (TypeError, ValueError) as err:
            raise corrupt(f"its object has {kind} {value!r:.80} ({err})") from None
        raise corrupt(f"unknown entry {node!r:.100} in its header")

    def data(self, node: dict, kind: str) -> Tensor | np.ndarray:
        i = node[kind]
        if not isinstance(i, int) or isinstance(i, bool) or not 0 <= i < len(self.tensors):
            raise self.checker.corrupt(f"its object refers to {kind} {i!r:.80}, but it holds "
                                       f"{len(self.tensors)} tensors and arrays")
        if isinstance(self.tensors[i], np.ndarray) != (kind == "ndarray"):
            raise self.checker.corrupt(f"its object refers to {kind} {i}, which is not one")
        return self.tensors[i]

    def module(self, node: dict) -> Module:
        """A module, built on its first appearance (before its state, so that a module that
        refers to itself, or one held twice, is one object) and referred to after."""
        k, corrupt = node["module"], self.checker.corrupt
        if not isinstance(k, int) or isinstance(k, bool):
            raise corrupt(f"its object has module number {k!r:.80}")
        if set(node) == {"module"}:
            if not 0 <= k < len(self.modules):
                raise corrupt(f"its object refers to module {k} before defining it")
            return self.modules[k]
        if set(node) != {"module", "class", "state"} or k != len(self.modules):
            raise corrupt(f"malformed module entry {node!r:.100}")
        state = node["state"]
        if not isinstance(state, list) or not all(
                isinstance(p, list) and len(p) == 2 and isinstance(p[0], str) for p in state):
            raise corrupt(f"module {k} has state {state!r:.80}, not a list of [name, value]")
        cls = modules.resolve(node["class"], self.weights_only, self.checker.name,
                              "a module of class")
        obj = modules.new_module(cls, ".".join(node["class"]), self.checker.name)
        self.modules.append(obj)
        modules.set_state(obj, {name: self.decode(value) for name, value in state})
        return obj

    def mapping(self, node: dict) -> dict:
        out: dict = OrderedDict() if node.get("ordered") else {}
        for pair in node["dict"]:
            if not isinstance(pair, list) or len(pair) != 2:
                raise self.checker.corrupt(f"its object has dict entry {pair!r:.80}, not a "
                                           "[key, value] pair")
            key = self.decode(pair[0])
            try:
                hash(key)
            except TypeError:
                raise self.checker.corrupt(f"its object has dict key {key!r:.80}, which is not "
                                           "hashable") from None
            out[key] = self.decode(pair[1])
        return out
