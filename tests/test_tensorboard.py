"""``utils.tensorboard.SummaryWriter``: scalars written in TensorBoard's event format
(TFRecords of Event protobufs), checked by decoding the files here and, where the
``tensorboard`` package is installed, by TensorBoard's own reader."""

import struct

import numpy as np
import pytest

import microtorch_core as mt
from microtorch_core.utils.tensorboard import SummaryWriter
from microtorch_core.utils.tensorboard.event_file import crc32c, masked_crc32c


@pytest.mark.parametrize("data, expected", [(b"123456789", 0xE3069283),
                                            (bytes(32), 0x8A9136AA),  # RFC 3720, B.4
                                            (bytes(range(32)), 0x46DD794E)])
def test_crc32c_matches_the_published_check_values(data, expected):
    assert crc32c(data) == expected


def _fields(buf):
    """Decode one protobuf message into {field: [values]} (varint, fixed64/32, bytes)."""
    out, i = {}, 0
    while i < len(buf):
        key, i = _read_varint(buf, i)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _read_varint(buf, i)
        elif wire == 1:
            value, i = buf[i:i + 8], i + 8
        elif wire == 5:
            value, i = buf[i:i + 4], i + 4
        else:
            n, i = _read_varint(buf, i)
            value, i = buf[i:i + n], i + n
        out.setdefault(field, []).append(value)
    return out


def _read_varint(buf, i):
    shift = value = 0
    while True:
        byte = buf[i]
        value |= (byte & 0x7F) << shift
        shift, i = shift + 7, i + 1
        if not byte & 0x80:
            return value, i


def _events(path):
    """(step, tag, value) of every scalar event in one event file, checking its framing."""
    raw, i, found = path.read_bytes(), 0, []
    while i < len(raw):
        (n,) = struct.unpack_from("<Q", raw, i)
        assert struct.unpack_from("<I", raw, i + 8)[0] == masked_crc32c(raw[i:i + 8])
        data = raw[i + 12:i + 12 + n]
        assert struct.unpack_from("<I", raw, i + 12 + n)[0] == masked_crc32c(data)
        i += 16 + n
        ev = _fields(data)
        if 3 in ev:
            assert ev[3] == [b"brain.Event:2"] and not found  # the first event
            found.append("version")
            continue
        value = _fields(_fields(ev[5][0])[1][0])
        found.append((ev.get(2, [0])[0], value[1][0].decode(),
                      struct.unpack("<f", value[2][0])[0]))
    return found


def _event_file(directory):
    (path,) = directory.glob("events.out.tfevents.*")
    return path


def test_add_scalar_writes_framed_scalar_events_in_order(tmp_path):
    with SummaryWriter(log_dir=str(tmp_path)) as writer:
        writer.add_scalar("Loss/train", 1.5, 3)
        writer.add_scalar("Loss/train", mt.tensor(2.25), 4)
        writer.add_scalar("lr", np.float64(0.5))
    assert _events(_event_file(tmp_path)) == ["version", (3, "Loss/train", 1.5),
                                              (4, "Loss/train", 2.25), (0, "lr", 0.5)]


def test_flush_puts_the_events_on_disk_before_close(tmp_path):
    writer = SummaryWriter(log_dir=str(tmp_path))
    writer.add_scalar("Loss/test", 0.75, 500)
    writer.flush()
    assert _events(_event_file(tmp_path))[-1] == (500, "Loss/test", 0.75)
    writer.close()


def test_add_scalars_writes_one_run_per_tag(tmp_path):
    with SummaryWriter(log_dir=str(tmp_path)) as writer:
        writer.add_scalars("loss", {"train": 1.0, "val": 2.0}, 7)
    assert _events(_event_file(tmp_path / "loss_train"))[1:] == [(7, "loss", 1.0)]
    assert _events(_event_file(tmp_path / "loss_val"))[1:] == [(7, "loss", 2.0)]


def test_default_log_dir_is_under_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    writer = SummaryWriter(comment="_lr0.1")
    writer.close()
    assert writer.get_logdir().startswith("runs") and writer.get_logdir().endswith("_lr0.1")
    _event_file(tmp_path / writer.get_logdir())


def test_a_tensor_of_several_values_is_refused(tmp_path):
    with SummaryWriter(log_dir=str(tmp_path)) as writer:
        with pytest.raises(ValueError, match=r"single number, got a tensor of shape \(2,\)"):
            writer.add_scalar("x", mt.tensor([1.0, 2.0]))


def test_tensorboard_reads_the_file(tmp_path):
    accumulator = pytest.importorskip(
        "tensorboard.backend.event_processing.event_accumulator")
    with SummaryWriter(log_dir=str(tmp_path)) as writer:
        for step, loss in enumerate([3.0, 2.5, 2.0]):
            writer.add_scalar("Loss/train", loss, step)
    reader = accumulator.EventAccumulator(str(tmp_path))
    reader.Reload()
    assert [(e.step, e.value) for e in reader.Scalars("Loss/train")] == [(0, 3.0), (1, 2.5),
                                                                       (2, 2.0)]
