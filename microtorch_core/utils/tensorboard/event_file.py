"""TensorBoard's event file format, written by hand: what ``SummaryWriter`` puts on disk.

An event file is a sequence of TFRecords, each one serialized ``Event`` protobuf::

    uint64 length | uint32 masked_crc32c(length) | data | uint32 masked_crc32c(data)

(all little-endian). The first event holds ``file_version = "brain.Event:2"``; each later one a
wall time, a step and a ``Summary`` with one ``Value(tag, simple_value)`` per scalar. Only
these few protobuf fields are needed, so they are encoded here directly (field number and
wire type in a key byte, then a varint, a fixed 8/4-byte number or a length-prefixed blob)
instead of depending on the protobuf and tensorboard packages.
"""

from __future__ import annotations

import struct
from typing import BinaryIO

# -- CRC-32C (Castagnoli), the checksum TFRecord uses ---------------------------------------
_CRC32C_POLY = 0x82F63B78  # reversed polynomial 0x1EDC6F41


def _crc32c_table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ _CRC32C_POLY if crc & 1 else crc >> 1
        table.append(crc)
    return table


_TABLE = _crc32c_table()


def crc32c(data: bytes) -> int:
    """CRC-32C of ``data`` (``crc32c(b"123456789") == 0xE3069283``)."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc = _TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc32c(data: bytes) -> int:
    """TFRecord's masked CRC: rotated and offset, so a CRC stored inside checksummed data
    does not checksum to a fixed value."""
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def tfrecord(data: bytes) -> bytes:
    """``data`` framed as one TFRecord."""
    length = struct.pack("<Q", len(data))
    return (length + struct.pack("<I", masked_crc32c(length)) + data
            + struct.pack("<I", masked_crc32c(data)))


# -- the few protobuf fields an Event needs --------------------------------------------------
_VARINT, _FIXED64, _BYTES, _FIXED32 = 0, 1, 2, 5  # protobuf wire types


def _varint(n: int) -> bytes:
    n &= 0xFFFFFFFFFFFFFFFF  # negative int64 values are sent as their two's complement
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _key(field: int, wire_type: int) -> bytes:
    return _varint(field << 3 | wire_type)


def _blob(field: int, payload: bytes) -> bytes:
    return _key(field, _BYTES) + _varint(len(payload)) + payload


def scalar_summary(tag: str, value: float) -> bytes:
    """``Summary { value { tag: tag  simple_value: value } }`` (simple_value is a float32)."""
    value_msg = _blob(1, tag.encode()) + _key(2, _FIXED32) + struct.pack("<f", value)
    return _blob(1, value_msg)


def event(wall_time: float, step: int | None = None, summary: bytes | None = None,
          file_version: str | None = None) -> bytes:
    """An ``Event``: wall_time (field 1, double), step (2, int64), file_version (3, string),
    summary (5, message)."""
    out = _key(1, _FIXED64) + struct.pack("<d", wall_time)
    if step:  # 0 is protobuf's default, and is left out as the reference writer does
        out += _key(2, _VARINT) + _varint(step)
    if file_version is not None:
        out += _blob(3, file_version.encode())
    if summary is not None:
        out += _blob(5, summary)
    return out


class EventFileWriter:
    """Appends framed events to one ``events.out.tfevents...`` file."""

    def __init__(self, path: str, wall_time: float) -> None:
        self.path = path
        self._file: BinaryIO = open(path, "wb")  # noqa: SIM115 - closed by close()
        self.write(event(wall_time, file_version="brain.Event:2"))

    def write(self, serialized_event: bytes) -> None:
        self._file.write(tfrecord(serialized_event))

    def flush(self) -> None:
        self._file.flush()

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()
