"""Tensor bytes between a file and a device's memory, streamed: no copy of a whole tensor.

Every format here stores a tensor's elements C-ordered and little-endian. Writing hands the
file the tensor's own memory; reading allocates the tensor first and reads the file into it.
The general path works on any device, one chunk at a time through the allocator's host copies
(``copy_to_host`` / ``copy_from_host``); the fast path, for memory that is already on the host,
gives ``write`` and ``readinto`` a view of the storage itself. A 256 MiB tensor then costs
about +0 MiB of peak memory to save and +256 MiB (the tensor) to load
(``benchmarks/bench_checkpoint.py``).

``Writer`` and ``Reader`` wrap the file to keep a running CRC-32 and to turn a short read into
a ``CheckpointError`` that says the file is truncated.
"""

from __future__ import annotations

import sys
import zlib
from typing import IO, Any

import numpy as np

from ..backend import Allocator, Storage
from ..device import as_device
from ..dtypes import DType
from ..tensor import Tensor
from .errors import CheckpointError

#: Bytes per write or read: bounds the scratch memory of the general path (a multiple of
#: every item size, so a chunk never splits an element).
CHUNK = 8 << 20
LITTLE_ENDIAN_HOST = sys.byteorder == "little"


def host_bytes(storage: Storage) -> np.ndarray | None:
    """The storage's memory as a writable NumPy byte array when it is host memory (the CPU
    allocator's storages are NumPy arrays, as ``Tensor.data_ptr`` knows); None otherwise."""
    handle = storage.handle
    if (isinstance(handle, np.ndarray) and handle.flags.c_contiguous
            and handle.flags.writeable):
        return handle.reshape(-1).view(np.uint8)  # a typed tensor's own array, or bytes
    return None


class Writer:
    """A binary file that keeps the CRC-32 of what is written to it when ``checksum`` is
    true."""

    def __init__(self, out: IO[bytes], checksum: bool = True) -> None:
        self.out, self.crc, self.checksum = out, 0, checksum

    def write(self, data: Any) -> None:
        if self.checksum:
            self.crc = zlib.crc32(data, self.crc)
        self.out.write(data)


class Reader:
    """A binary file read exactly: a short read is a truncated file. Keeps the CRC-32 of what
    it read when ``checksum`` is true."""

    def __init__(self, stream: IO[bytes], name: str, checksum: bool = True) -> None:
        self.stream, self.name, self.crc, self.count = stream, name, 0, 0
        self.checksum = checksum
        self._readinto = getattr(stream, "readinto", None)

    def readinto(self, view: memoryview, what: str) -> None:
        """Fill ``view`` (a byte view) from the file."""
        filled = 0
        while filled < len(view):
            if self._readinto is not None:
                n = self._readinto(view[filled:])
            else:  # a file object with read() only
                data = self.stream.read(len(view) - filled)
                n = len(data)
                view[filled:filled + n] = data
            if not n:
                raise CheckpointError(f"{self.name} is truncated: it ends at byte "
                                      f"{self.count + filled}, in {what} (was the copy or "
                                      "download interrupted?)")
            filled += n
        if self.checksum:
            self.crc = zlib.crc32(view, self.crc)
        self.count += filled

    def read(self, nbytes: int, what: str) -> bytes:
        """``nbytes`` bytes; the buffer grows with what arrives, so a length field that lies
        costs no memory beyond the file."""
        parts = []
        left = nbytes
        while left:
            step = min(left, CHUNK)
            buffer = bytearray(step)
            self.readinto(memoryview(buffer), what)
            parts.append(buffer)
            left -= step
        return b"".join(parts)

    def skip(self, nbytes: int, what: str) -> None:
        """Read and checksum ``nbytes`` bytes (padding between tensors)."""
        scratch = memoryview(bytearray(min(nbytes, CHUNK)))
        left = nbytes
        while left:
            step = min(left, CHUNK)
            self.readinto(scratch[:step], what)
            left -= step

    def into_storage(self, storage: Storage, allocator: Allocator, nbytes: int,
                     itemsize: int, swap: bool, what: str) -> None:
        """Read ``nbytes`` bytes into ``storage`` from its start; ``swap`` reverses the bytes
        of each ``itemsize``-byte element (a file of the other byte order)."""
        host = host_bytes(storage)
        if host is not None:
            read_into_host(self, host[:nbytes], itemsize, swap, what)
            return
        scratch = np.empty(min(nbytes, CHUNK), np.uint8)
        for start in range(0, nbytes, CHUNK):
            chunk = scratch[:min(CHUNK, nbytes - start)]
            self.readinto(memoryview(chunk), what)
            if swap:
                chunk = chunk.view(f"u{itemsize}").byteswap().view(np.uint8)
            allocator.copy_from_host(storage, chunk, start)


def read_into_host(reader: Reader, host: np.ndarray, itemsize: int, swap: bool,
                   what: str) -> None:
    """Fill the host byte array ``host`` from the file (the fast path: the file's bytes land
    in the tensor's or array's memory, with no scratch buffer)."""
    view = memoryview(host)
    for start in range(0, len(host), CHUNK):
        reader.readinto(view[start:start + CHUNK], what)
    if swap and itemsize > 1:
        host.view(f"u{itemsize}").byteswap(inplace=True)


def write_tensor(writer: Writer, t: Tensor) -> None:
    """Write ``t``'s elements, C-ordered and little-endian (a non-contiguous tensor is made
    contiguous first)."""
    t = t.detach()
    if not t.is_contiguous():
        t = t.contiguous()
    itemsize = t.dtype.itemsize
    nbytes, start = t.numel() * itemsize, t._offset * itemsize
    host = host_bytes(t._storage)
    if host is not None and LITTLE_ENDIAN_HOST:
        view = memoryview(host)[start:start + nbytes]  # the fast path: the tensor's own bytes
        for pos in range(0, nbytes, CHUNK):
            writer.write(view[pos:pos + CHUNK])
        return
    allocator = t._kernels.allocator
    for pos in range(0, nbytes, CHUNK):
        chunk = allocator.copy_to_host(t._storage, min(CHUNK, nbytes - pos), start + pos)
        if not LITTLE_ENDIAN_HOST:
            chunk = chunk.view(f"u{itemsize}").byteswap().view(np.uint8)
        writer.write(chunk)


def target_device(saved: str, map_location: Any) -> Any:
    """Where a tensor saved on ``saved`` goes: ``map_location`` is None (where it was), a
    device for every tensor, or a dict from saved device (or device type) to device."""
    if map_location is None:
        return saved
    if isinstance(map_location, dict):
        kind = saved.split(":")[0]
        return map_location.get(saved, map_location.get(kind, saved))
    return map_location


def allocate(shape: tuple[int, ...], dtype: DType, saved: str, map_location: Any,
             name: str) -> Tensor:
    """An uninitialised tensor for one saved on device ``saved``, placed by ``map_location``."""
    try:
        return Tensor._empty(shape, dtype, as_device(target_device(saved, map_location)))
    except (RuntimeError, ValueError, TypeError) as err:
        raise CheckpointError(f"{name} holds tensors saved on {saved!r}, which cannot be "
                              f"loaded here: {err}. Pass map_location='cpu' to load them on "
                              "another device") from err
