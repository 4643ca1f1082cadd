"""Reading ``torch.save`` files without running code, as ``torch.load(weights_only=True)`` does.

A ``torch.save`` file (PyTorch 1.6 and later) is a zip archive::

    <archive>/data.pkl      the object, pickled. A tensor is the call
                            torch._utils._rebuild_tensor_v2(storage, storage_offset, size,
                            stride, requires_grad, backward_hooks); a storage is the persistent
                            id ("storage", torch.FloatStorage, key, location, numel)
    <archive>/data/<key>    each storage's bytes, in the byte order of <archive>/byteorder
    <archive>/version ...   (not needed to read it)

Unpickling normally imports and calls whatever a pickle names: a file from a stranger could run
any code. Here ``find_class`` answers only the few names ``weights_only=True`` allows (the
tensor rebuild functions, storage types, dtypes, ``OrderedDict``, ``torch.Size``,
``torch.device``...), each with a small function or record of ours; any other name is refused
with a ``CheckpointError`` that names it, and nothing is imported. The unpickled tree then holds
only Python containers, numbers, strings and those records, and a second pass (``_Builder``)
turns the records into tensors: each storage is read once from the archive into memory
allocated for it, and each tensor is a view of its storage (offset, size, stride checked to lie
inside it), so tensors that shared a storage in PyTorch share one here.
"""

from __future__ import annotations

import pickle
import struct
import zipfile
import zlib
from collections import Counter, OrderedDict
from typing import IO, Any

from .. import dtypes
from ..device import as_device, device
from ..tensor import Tensor, contiguous_strides
from .errors import CheckpointError, WeightsOnlyError
from .tensor_io import LITTLE_ENDIAN_HOST, Reader, target_device

#: PyTorch dtype names (as ``torch.<name>`` and ``torch.<Name>Storage``) MicroTorch has.
_OURS = {"float32": "float32", "float": "float32", "float64": "float64", "double": "float64",
         "int64": "int64", "long": "int64", "int32": "int32", "int": "int32", "bool": "bool",
         "complex64": "complex64", "cfloat": "complex64", "complex128": "complex128",
         "cdouble": "complex128"}
_STORAGES = {"FloatStorage": "float32", "DoubleStorage": "float64", "LongStorage": "int64",
             "IntStorage": "int32", "BoolStorage": "bool", "HalfStorage": "float16",
             "BFloat16Storage": "bfloat16", "ByteStorage": "uint8", "CharStorage": "int8",
             "ShortStorage": "int16", "ComplexFloatStorage": "complex64",
             "ComplexDoubleStorage": "complex128"}
_THEIRS = ("float16", "half", "bfloat16", "uint8", "int8", "int16", "short", "uint16",
           "uint32", "uint64", "float8_e4m3fn", "float8_e5m2")
_TEXT_ENCODINGS = ("latin1", "latin-1", "utf-8", "utf8", "ascii")
#: A zip entry's local header: signature, 5 uint16, CRC and 2 sizes, name and extra lengths.
_LOCAL_HEADER = struct.Struct("<4s5H3L2H")


# -- records: what the unpickler builds instead of PyTorch objects ---------------------------
class _Record:
    """Base of the records. No ``__dict__``, and the pickle BUILD opcode (``__setstate__``) is
    refused: a crafted pickle must not be able to set attributes on what it builds."""

    __slots__ = ()

    def __setstate__(self, state: Any) -> None:
        raise CheckpointError(f"the pickle sets the state of a {type(self).__name__.strip('_')}"
                              ", which torch.save never does")


class _DType(_Record):
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name


class _StorageType(_Record):
    __slots__ = ("dtype",)

    def __init__(self, dtype: str) -> None:
        self.dtype = dtype


class _Class(_Record):
    """``torch.Tensor`` or ``torch.nn.parameter.Parameter``, as ``_rebuild_from_type_v2``
    names them."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name


class _Storage(_Record):
    __slots__ = ("key", "dtype", "numel", "location")

    def __init__(self, key: str, dtype: str, numel: int, location: str) -> None:
        self.key, self.dtype, self.numel, self.location = key, dtype, numel, location


class _Tensor(_Record):
    __slots__ = ("storage", "offset", "size", "stride", "requires_grad", "parameter")

    def __init__(self, storage: Any, offset: Any, size: Any, stride: Any, requires_grad: Any,
                 parameter: bool = False) -> None:
        self.storage, self.offset, self.size, self.stride = storage, offset, size, stride
        self.requires_grad, self.parameter = requires_grad, parameter


class _Device(_Record):
    __slots__ = ("spec",)

    def __init__(self, spec: str) -> None:
        self.spec = spec


class _OrderedDict(OrderedDict):
    """``collections.OrderedDict`` as unpickled: BUILD may set ``_metadata`` (a state dict's
    version table) and nothing else."""

    def __setstate__(self, state: Any) -> None:
        if not isinstance(state, dict) or set(state) - {"_metadata"}:
            raise CheckpointError(f"the pickle sets the attributes {state!r:.80} of an "
                                  "OrderedDict; only _metadata is read")
        self.__dict__["_metadata"] = state.get("_metadata")


class _Counter(Counter):
    def __setstate__(self, state: Any) -> None:
        raise CheckpointError("the pickle sets the state of a Counter, which torch.save never "
                              "does")


# -- the functions a pickle may call ---------------------------------------------------------
def _rebuild_tensor(storage: Any, storage_offset: Any, size: Any, stride: Any) -> _Tensor:
    return _Tensor(storage, storage_offset, size, stride, False)


def _rebuild_tensor_v2(storage: Any, storage_offset: Any, size: Any, stride: Any,
                       requires_grad: Any, backward_hooks: Any, metadata: Any = None
                       ) -> _Tensor:
    # backward_hooks are never pickled by torch.save (it warns and drops them); metadata holds
    # flags of tensor subclasses, which a plain tensor does not have.
    if metadata:
        raise CheckpointError(f"a tensor has metadata {metadata!r:.80}, which MicroTorch does "
                              "not read")
    return _Tensor(storage, storage_offset, size, stride, requires_grad)


def _rebuild_tensor_v3(storage: Any, storage_offset: Any, size: Any, stride: Any,
                       requires_grad: Any, backward_hooks: Any, dtype: Any,
                       metadata: Any = None) -> _Tensor:
    # PyTorch uses v3 (an untyped storage plus a dtype) only for the dtypes that have no
    # typed storage (uint16, float8...), none of which MicroTorch has.
    name = dtype.name if isinstance(dtype, _DType) else repr(dtype)[:40]
    raise CheckpointError(f"a tensor of dtype torch.{name}, which MicroTorch does not have")


def _rebuild_parameter(data: Any, requires_grad: Any, backward_hooks: Any,
                       state: Any = None) -> _Tensor:
    # state: Python attributes set on the Parameter, which MicroTorch does not restore
    if not isinstance(data, _Tensor):
        raise CheckpointError(f"a Parameter is built from {type(data).__name__}, not a tensor")
    return _Tensor(data.storage, data.offset, data.size, data.stride, requires_grad, True)


def _rebuild_from_type_v2(func: Any, new_type: Any, args: Any, state: Any) -> _Tensor:
    # A tensor with Python attributes (state, not restored) or of a subclass: only Tensor and
    # Parameter are read.
    if func not in _REBUILDERS or not isinstance(new_type, _Class) \
            or not isinstance(args, tuple):
        raise CheckpointError(f"a tensor of type {getattr(new_type, 'name', new_type)!r:.80} "
                              "is rebuilt by a function MicroTorch does not allow")
    t = func(*args)
    if new_type.name == "Parameter":
        return _rebuild_parameter(t, True, None)
    return t


def _size(sizes: Any = ()) -> tuple:
    return tuple(sizes)


def _device(kind: Any, index: Any = None) -> _Device:
    if not isinstance(kind, str) or not (index is None or isinstance(index, int)):
        raise CheckpointError(f"torch.device({kind!r:.40}, {index!r:.40}) is not a device")
    return _Device(kind if index is None else f"{kind}:{index}")


def _encode(text: Any, encoding: Any = "utf-8") -> bytes:
    # How protocol 2 pickles bytes: _codecs.encode(str, "latin1")
    if not isinstance(text, str) or encoding not in _TEXT_ENCODINGS:
        raise CheckpointError(f"_codecs.encode({text!r:.40}, {encoding!r:.40}) is not bytes "
                              "in a text encoding")
    return text.encode(encoding)


def _bytearray(data: Any = b"", encoding: Any = None) -> bytearray:
    if isinstance(data, str) and encoding in _TEXT_ENCODINGS:
        return bytearray(data.encode(encoding))
    if isinstance(data, (bytes, list)) and encoding is None:
        return bytearray(data)
    raise CheckpointError(f"bytearray({data!r:.40}) is not bytes")


def _complex(real: Any = 0, imag: Any = 0) -> complex:
    if not all(isinstance(x, (int, float)) for x in (real, imag)):
        raise CheckpointError(f"complex({real!r:.40}, {imag!r:.40}) is not a number")
    return complex(real, imag)


_REBUILDERS = (_rebuild_tensor, _rebuild_tensor_v2, _rebuild_tensor_v3)
_GLOBALS: dict[str, Any] = {
    "torch._utils._rebuild_tensor": _rebuild_tensor,
    "torch._utils._rebuild_tensor_v2": _rebuild_tensor_v2,
    "torch._utils._rebuild_tensor_v3": _rebuild_tensor_v3,
    "torch._utils._rebuild_parameter": _rebuild_parameter,
    "torch._utils._rebuild_parameter_with_state": _rebuild_parameter,
    "torch._tensor._rebuild_from_type_v2": _rebuild_from_type_v2,
    "torch.Tensor": _Class("Tensor"),
    "torch.nn.parameter.Parameter": _Class("Parameter"),
    "torch.Size": _size,
    "torch.device": _device,
    "collections.OrderedDict": _OrderedDict,
    "collections.Counter": _Counter,
    "_codecs.encode": _encode,
    "builtins.set": set,
    "builtins.frozenset": frozenset,
    "builtins.bytearray": _bytearray,
    "builtins.complex": _complex,
    "torch.storage.UntypedStorage": _StorageType("untyped"),
    **{f"torch.{name}": _StorageType(dtype) for name, dtype in _STORAGES.items()},
    **{f"torch.{name}": _DType(name) for name in (*_OURS, *_THEIRS)},
}


class _Unpickler(pickle.Unpickler):
    """``pickle.Unpickler`` that resolves globals from ``_GLOBALS`` only and turns persistent
    ids into storage records."""

    def __init__(self, stream: IO[bytes], weights_only: bool = True) -> None:
        super().__init__(stream, encoding="utf-8")
        self.storages: dict[str, _Storage] = {}
        self.weights_only = weights_only

    def find_class(self, module: str, name: str) -> Any:
        # Protocol 2 (torch.save's) spells builtins the Python 2 way.
        module = {"__builtin__": "builtins"}.get(module, module)
        found = _GLOBALS.get(f"{module}.{name}")
        if found is None:
            # weights_only=False cannot help: MicroTorch reads torch.save files weights-only.
            hint = (" MicroTorch never runs pickle, so weights_only=False does not load it "
                    "either: load it with torch.load and save its state_dict()"
                    if not self.weights_only else "")
            raise WeightsOnlyError(f"Weights only load failed: its pickle names "
                                   f"{module}.{name}, which a weights-only load does not "
                                   "allow (it reads tensors, parameters, storages, dtypes, "
                                   "devices, OrderedDict and Python containers). Nothing was "
                                   f"imported or run.{hint}")
        return found

    def persistent_load(self, pid: Any) -> _Storage:
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"):
            raise CheckpointError(f"unknown persistent id {pid!r:.80} in its pickle")
        _, kind, key, location, numel = pid
        if not (isinstance(kind, _StorageType) and isinstance(key, str)
                and isinstance(location, str) and isinstance(numel, int) and numel >= 0):
            raise CheckpointError(f"malformed storage id {pid!r:.120}")
        seen = self.storages.get(key)
        if seen is None:
            seen = self.storages[key] = _Storage(key, kind.dtype, numel, location)
        elif (seen.dtype, seen.numel, seen.location) != (kind.dtype, numel, location):
            raise CheckpointError(f"storage {key!r} is named twice with different types or "
                                  "sizes")
        return seen


# -- the second pass: records to tensors -----------------------------------------------------
class _Builder:
    def __init__(self, archive: zipfile.ZipFile, stream: IO[bytes], prefix: str, name: str,
                 map_location: Any, swap: bool) -> None:
        self.archive, self.stream, self.prefix, self.name = archive, stream, prefix, name
        self.map_location, self.swap = map_location, swap
        self.memo: dict[int, Any] = {}  # id(unpickled object) -> built object
        self.storages: dict[str, Any] = {}  # key -> (Storage, device)

    def fail(self, path: str, problem: str) -> CheckpointError:
        return CheckpointError(f"{self.name}: {problem} (at {path or 'the top level'})")

    def build(self, node: Any, path: str) -> Any:
        if node is None or isinstance(node, (str, bytes, bytearray, int, float, complex)):
            return node
        if id(node) in self.memo:
            return self.memo[id(node)]
        kind = type(node)
        if kind in (dict, _OrderedDict, _Counter):
            out = {dict: dict, _OrderedDict: OrderedDict, _Counter: Counter}[kind]()
            self.memo[id(node)] = out
            for key, value in node.items():
                out[self.build(key, f"{path} key {key!r}")] = self.build(value, f"{path}[{key!r}]")
            metadata = node.__dict__.get("_metadata") if kind is _OrderedDict else None
            if metadata is not None:  # a state dict's versions, read by load_state_dict
                out._metadata = self.build(metadata, f"{path}._metadata")
            return out
        if kind is list:
            out = self.memo[id(node)] = []
            out.extend(self.build(v, f"{path}[{i}]") for i, v in enumerate(node))
            return out
        if kind in (tuple, set, frozenset):
            out = kind(self.build(v, f"{path}[{i}]") for i, v in enumerate(node))
        elif kind is _Tensor:
            out = self.tensor(node, path)
        elif kind is _DType:
            if node.name not in _OURS:
                raise self.fail(path, f"dtype torch.{node.name}, which MicroTorch does not have")
            out = dtypes.from_name(_OURS[node.name])
        elif kind is _Device:
            try:
                out = device(node.spec)
            except (TypeError, ValueError) as err:
                raise self.fail(path, str(err)) from None
        else:
            what = "a storage (torch.save of a bare storage)" if kind is _Storage \
                else f"a {type(node).__name__.strip('_')}"
            raise self.fail(path, f"{what} cannot be loaded")
        self.memo[id(node)] = out
        return out

    def storage(self, record: _Storage, path: str) -> tuple[Any, Any]:
        if record.key in self.storages:
            return self.storages[record.key]
        if record.dtype not in _OURS:
            raise self.fail(path, f"a tensor of dtype {record.dtype}, which MicroTorch does not "
                            f"have (it has {', '.join(sorted(set(_OURS.values())))})")
        dtype = dtypes.from_name(_OURS[record.dtype])
        entry = f"{self.prefix}data/{record.key}"
        try:
            info = self.archive.getinfo(entry)
        except KeyError:
            raise self.fail(path, f"its storage {entry} is missing from the archive") from None
        nbytes = record.numel * dtype.itemsize
        if info.file_size != nbytes:
            raise self.fail(path, f"its storage {entry} has {info.file_size} bytes; "
                            f"{record.numel} {record.dtype} elements need {nbytes}")
        saved = target_device(record.location, self.map_location)
        try:
            dev = as_device(saved)
            allocator = dev.kernels.allocator
        except (RuntimeError, ValueError, TypeError) as err:
            raise CheckpointError(f"{self.name} holds tensors saved on {record.location!r}, "
                                  f"which cannot be loaded here: {err}. Pass "
                                  "map_location='cpu' to load them on another device") from err
        memory = allocator.allocate(nbytes)
        try:
            self.read_entry(info, memory, allocator, dtype.itemsize)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, struct.error) as err:
            raise self.fail(path, f"its storage {entry} cannot be read: {err}") from None
        self.storages[record.key] = memory, dev
        return memory, dev

    def read_entry(self, info: zipfile.ZipInfo, memory: Any, allocator: Any,
                   itemsize: int) -> None:
        """Read an archive entry into ``memory`` and check its CRC-32."""
        what = f"storage {info.filename}"
        if info.compress_type != zipfile.ZIP_STORED:  # torch.save never compresses; others may
            with self.archive.open(info) as stream:  # checks the CRC itself
                Reader(stream, self.name, checksum=False).into_storage(
                    memory, allocator, info.file_size, itemsize, self.swap, what)
            return
        # Stored: the bytes lie as they are after the entry's local header, so they are read
        # straight into the tensor's memory (zipfile's reader would copy them twice).
        stream = self.stream
        stream.seek(info.header_offset)
        local = stream.read(_LOCAL_HEADER.size)
        if len(local) != _LOCAL_HEADER.size or local[:4] != b"PK\x03\x04":
            raise zipfile.BadZipFile(f"no local header for {info.filename}")
        name_length, extra_length = _LOCAL_HEADER.unpack(local)[-2:]
        stream.seek(info.header_offset + _LOCAL_HEADER.size + name_length + extra_length)
        reader = Reader(stream, self.name)  # its CRC covers the bytes as stored, unswapped
        reader.into_storage(memory, allocator, info.file_size, itemsize, self.swap, what)
        if reader.crc != info.CRC:
            raise zipfile.BadZipFile(f"Bad CRC-32 for {info.filename} (stored "
                                     f"{info.CRC:#010x}, computed {reader.crc:#010x})")

    def tensor(self, record: _Tensor, path: str) -> Tensor:
        if not isinstance(record.storage, _Storage):
            raise self.fail(path, f"a tensor's storage is a {type(record.storage).__name__}")
        size, stride, offset = record.size, record.stride, record.offset
        if not (isinstance(size, tuple) and isinstance(stride, tuple)
                and len(size) == len(stride) and all(_count(v) for v in (*size, *stride))
                and _count(offset)):
            raise self.fail(path, f"a tensor has size {size!r:.80}, stride {stride!r:.80} and "
                            f"offset {offset!r:.40}; expected tuples of integers >= 0")
        if not isinstance(record.requires_grad, bool):
            raise self.fail(path, f"a tensor has requires_grad {record.requires_grad!r:.40}")
        numel = record.storage.numel
        last = offset + sum((n - 1) * s for n, s in zip(size, stride))
        if 0 not in size and last >= numel:
            raise self.fail(path, f"a tensor (size {size}, stride {stride}, offset {offset}) "
                            f"reaches element {last} of a storage of {numel}")
        memory, dev = self.storage(record.storage, path)
        dtype = dtypes.from_name(_OURS[record.storage.dtype])
        if record.requires_grad and not dtype.is_inexact:
            raise self.fail(path, f"a {dtype.name} tensor requires grad")
        strides = contiguous_strides(size) if stride == contiguous_strides(size) else stride
        t = Tensor._make(memory, size, strides, offset, dtype, dev, dev.kernels)
        if record.parameter:
            from ..nn.parameter import Parameter

            return Parameter(t, requires_grad=record.requires_grad)
        return t.requires_grad_(True) if record.requires_grad else t


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


# -- the archive -----------------------------------------------------------------------------
def _prefix(archive: zipfile.ZipFile, name: str) -> str:
    names = archive.namelist()
    pickles = [n for n in names if n.endswith("/data.pkl") and n.count("/") == 1]
    if not pickles:
        if any(n.endswith("constants.pkl") for n in names):
            raise CheckpointError(f"{name} is a TorchScript archive (torch.jit.save), which "
                                  "holds code; MicroTorch reads torch.save files only")
        raise CheckpointError(f"{name} is a zip archive without a data.pkl: not a torch.save "
                              "file")
    first = names[0].split("/")[0] + "/"
    return first if f"{first}data.pkl" in pickles else pickles[0][:-len("data.pkl")]


def _byteorder(archive: zipfile.ZipFile, prefix: str, name: str) -> str:
    try:
        info = archive.getinfo(f"{prefix}byteorder")
    except KeyError:
        return "little"  # written by every PyTorch since 1.10; older ones were little-endian
    order = archive.read(info).decode("ascii", "replace") if info.file_size <= 16 else "?"
    if order not in ("little", "big"):
        raise CheckpointError(f"{name} is corrupted: its byteorder entry is {order!r}")
    return order


def read(stream: IO[bytes], name: str, map_location: Any, weights_only: bool = True) -> Any:
    """Read a ``torch.save`` zip archive from the seekable binary ``stream``, always as
    weights-only (``weights_only`` changes only what a refusal says)."""
    if not getattr(stream, "seekable", lambda: False)():
        raise CheckpointError(f"{name} is a torch.save zip archive, which is read from a file "
                              "or a seekable stream (this one cannot seek)")
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as err:
        raise CheckpointError(f"{name} is not a readable zip archive: {err}") from None
    with archive:
        prefix = _prefix(archive, name)
        swap = (_byteorder(archive, prefix, name) == "little") != LITTLE_ENDIAN_HOST
        try:
            with archive.open(f"{prefix}data.pkl") as pickled:
                tree = _Unpickler(pickled, weights_only).load()
        except CheckpointError as err:  # raised by a record or function: add the file's name
            raise type(err)(f"{name}: {err}") from None
        except Exception as err:  # noqa: BLE001 - a crafted pickle can raise anything
            raise CheckpointError(f"{name}: its data.pkl cannot be read: "
                                  f"{type(err).__name__}: {err}") from None
        builder = _Builder(archive, stream, prefix, name, map_location, swap)
        try:
            return builder.build(tree, "")
        except RecursionError:
            raise CheckpointError(f"{name}: its object is nested too deeply") from None
        except TypeError as err:  # an unhashable key or set element
            raise CheckpointError(f"{name}: {err}") from None
