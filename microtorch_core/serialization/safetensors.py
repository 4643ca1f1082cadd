"""The safetensors format (Hugging Face's): a flat dict of named tensors, and nothing that runs.

::

    8 bytes     N, the header's length (little-endian uint64)
    N bytes     JSON: {"<name>": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin,
                end]}, ..., "__metadata__": {"<str>": "<str>"}}, padded with spaces
    the rest    the tensors' bytes, C-ordered and little-endian; offsets count from here

The format is simple enough to read and write here, streaming like MicroTorch's own (no copy of
a tensor on either side), without the ``safetensors`` package; the tests check that the package
reads what this writes and the other way round. MicroTorch has the dtypes BOOL, I32, I64, F32
and F64; a file with others (F16, BF16, ...) is refused, naming the tensor.
"""

from __future__ import annotations

import json
import math
import struct
from collections.abc import Mapping
from typing import IO, Any

from .. import dtypes
from ..tensor import Tensor
from .errors import CheckpointError
from .tensor_io import LITTLE_ENDIAN_HOST, Reader, Writer, allocate, write_tensor

_DTYPES = {"BOOL": dtypes.bool_, "I32": dtypes.int32, "I64": dtypes.int64,
           "F32": dtypes.float32, "F64": dtypes.float64}
_CODES = {dtype: code for code, dtype in _DTYPES.items()}
#: Other dtypes of the format, which MicroTorch lacks.
_OTHERS = ("U8", "I8", "U16", "I16", "U32", "U64", "F16", "BF16", "F8_E4M3", "F8_E5M2",
           "F8_E8M0", "F4", "F6_E2M3", "F6_E3M2", "C64", "C128")
#: The safetensors package refuses headers over 100 MB; so does this reader.
MAX_HEADER = 100_000_000
_LENGTH = struct.Struct("<Q")


def looks_like(head: bytes) -> bool:
    """Whether a file's first bytes are a safetensors header's start."""
    return len(head) > 8 and head[8:9] == b"{" and _LENGTH.unpack(head[:8])[0] <= MAX_HEADER


class Plan:
    """A flat dict of tensors to write; anything else is refused before a file is opened."""

    def __init__(self, obj: Any) -> None:
        if not isinstance(obj, Mapping):
            raise TypeError(f"save: the safetensors format holds a flat dict of str to tensor, "
                            f"got a {type(obj).__name__}; save other objects in MicroTorch's "
                            "format (format='microtorch')")
        header: dict[str, Any] = {}
        self.tensors: list[Tensor] = []
        end = 0
        for key, value in obj.items():
            if not isinstance(key, str):
                raise TypeError(f"save: safetensors keys are strings, got {key!r} "
                                f"({type(key).__name__})")
            if key == "__metadata__":
                raise ValueError("save: '__metadata__' is the safetensors format's own key; "
                                 "rename that entry")
            if not isinstance(value, Tensor):
                raise TypeError(f"save: the safetensors format holds only tensors, but "
                                f"{key!r} is a {type(value).__name__}")
            nbytes = value.numel() * value.dtype.itemsize
            header[key] = {"dtype": _CODES[value.dtype], "shape": list(value.shape),
                           "data_offsets": [end, end + nbytes]}
            self.tensors.append(value)
            end += nbytes
        text = json.dumps(header, separators=(",", ":")).encode()
        self.header = text + b" " * (-len(text) % 8)  # keeps the data 8-byte aligned

    def write(self, out: IO[bytes]) -> None:
        """Write the file to the binary file ``out``, streaming the tensor bytes."""
        writer = Writer(out, checksum=False)  # the format has no checksum
        writer.write(_LENGTH.pack(len(self.header)))
        writer.write(self.header)
        for t in self.tensors:
            write_tensor(writer, t)


def _entries(header: Any, name: str, data_nbytes: int | None) -> list[tuple[str, Any, tuple,
                                                                             int, int]]:
    def corrupt(problem: str) -> CheckpointError:
        return CheckpointError(f"{name} is not a valid safetensors file: {problem}")

    if not isinstance(header, dict):
        raise corrupt(f"its header is a {type(header).__name__}, not a JSON object")
    entries = []
    for key, info in header.items():
        if key == "__metadata__":
            if not isinstance(info, dict) or not all(isinstance(v, str) for v in info.values()):
                raise corrupt(f"its __metadata__ is {info!r:.80}, not a dict of str to str")
            continue
        if not isinstance(info, dict) or set(info) != {"dtype", "shape", "data_offsets"}:
            raise corrupt(f"tensor {key!r} is described by {info!r:.100}, not by dtype, shape "
                          "and data_offsets")
        code, shape, offsets = info["dtype"], info["shape"], info["data_offsets"]
        if code in _OTHERS:
            raise CheckpointError(f"{name}: tensor {key!r} has dtype {code}, which MicroTorch "
                                  f"does not have (it reads {', '.join(_DTYPES)})")
        if code not in _DTYPES:
            raise corrupt(f"tensor {key!r} has dtype {code!r:.40}")
        if not isinstance(shape, list) or not all(
                isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in shape):
            raise corrupt(f"tensor {key!r} has shape {shape!r:.80}, not a list of sizes >= 0")
        if not (isinstance(offsets, list) and len(offsets) == 2 and all(
                isinstance(o, int) and not isinstance(o, bool) for o in offsets)
                and 0 <= offsets[0] <= offsets[1]):
            raise corrupt(f"tensor {key!r} has data_offsets {offsets!r:.80}, not [begin, end] "
                          "with 0 <= begin <= end")
        dtype = _DTYPES[code]
        begin, end = offsets
        if end - begin != math.prod(shape) * dtype.itemsize:
            raise corrupt(f"tensor {key!r} ({code} {shape}) does not fit its {end - begin} "
                          f"bytes ({math.prod(shape) * dtype.itemsize} needed)")
        if data_nbytes is not None and end > data_nbytes:
            raise CheckpointError(f"{name} is truncated: tensor {key!r} ends at byte {end} of "
                                  f"the data, which has {data_nbytes} bytes")
        entries.append((key, dtype, tuple(shape), begin, end))
    previous, before = 0, None
    for key, _, _, begin, end in sorted(entries, key=lambda e: (e[3], e[4])):
        if begin < previous:
            raise corrupt(f"tensor {key!r} (bytes {begin} to {end}) overlaps {before!r}")
        previous, before = end, key
    return entries


def read(stream: IO[bytes], name: str, size: int | None, map_location: Any) -> dict[str, Tensor]:
    """Read a safetensors file from ``stream`` (``size`` bytes from its start, None if
    unknown) into a dict of CPU tensors (or where ``map_location`` puts them), in the order of
    its header."""
    reader = Reader(stream, name, checksum=False)  # the format has no checksum
    (hlen,) = _LENGTH.unpack(reader.read(_LENGTH.size, "the header length"))
    if size is not None and _LENGTH.size + hlen > size:
        raise CheckpointError(f"{name} is truncated: its header says {hlen} bytes but the file "
                              f"has only {size} bytes in all")
    try:
        header = json.loads(reader.read(hlen, "the header").decode("utf-8"))
    except RecursionError:
        raise CheckpointError(f"{name} is not a valid safetensors file: its header is nested "
                              "too deeply") from None
    except ValueError as err:
        raise CheckpointError(f"{name} is not a valid safetensors file: its header is not "
                              f"valid JSON ({err})") from None
    data_nbytes = None if size is None else size - _LENGTH.size - hlen
    entries = _entries(header, name, data_nbytes)
    loaded: dict[str, Tensor] = {}
    position = 0
    for key, dtype, shape, begin, end in sorted(entries, key=lambda e: (e[3], e[4])):
        reader.skip(begin - position, "the bytes between tensors")
        t = allocate(shape, dtype, "cpu", map_location, name)
        reader.into_storage(t._storage, t._kernels.allocator, end - begin, dtype.itemsize,
                            swap=not LITTLE_ENDIAN_HOST, what=f"tensor {key!r}")
        loaded[key] = t
        position = end
    return {key: loaded[key] for key, *_ in entries}
