"""``SummaryWriter``: log scalars for TensorBoard, as ``torch.utils.tensorboard``'s.

>>> writer = SummaryWriter(log_dir="runs/exp1")
>>> for step in range(100):
...     writer.add_scalar("Loss/train", loss.item(), step)
>>> writer.close()            # then: tensorboard --logdir runs
"""

from __future__ import annotations

import itertools
import numbers
import os
import socket
import time
from datetime import datetime
from typing import Any

from .event_file import EventFileWriter, event, scalar_summary

_file_counter = itertools.count()  # tells apart files one process opens in the same second


def _as_float(tag: str, value: Any) -> float:
    """A Python number, a NumPy scalar or a one-element tensor, as a float."""
    if isinstance(value, numbers.Real):
        return float(value)
    if hasattr(value, "numel") and hasattr(value, "item"):  # a tensor
        if value.numel() != 1:
            raise ValueError(f"add_scalar({tag!r}): scalar_value must be a single number, "
                             f"got a tensor of shape {tuple(value.shape)}")
        return float(value.detach().item())
    if hasattr(value, "item") and getattr(value, "size", 1) == 1:  # a NumPy scalar or array
        return float(value.item())
    raise TypeError(f"add_scalar({tag!r}): scalar_value must be a number or a one-element "
                    f"tensor, got {type(value).__name__}")


class SummaryWriter:
    """Write scalar summaries to an event file in ``log_dir`` for TensorBoard.

    ``log_dir`` defaults to ``runs/<date>_<host><comment>``, as PyTorch's. Events are
    buffered and reach the disk at :meth:`flush`, :meth:`close`, every ``max_queue`` events
    or after ``flush_secs`` seconds.
    """

    def __init__(self, log_dir: str | None = None, comment: str = "",
                 purge_step: int | None = None, max_queue: int = 10, flush_secs: int = 120,
                 filename_suffix: str = "") -> None:
        if purge_step is not None:
            raise NotImplementedError("SummaryWriter(purge_step=...) is not supported: it "
                                      "needs TensorBoard's session-log events")
        if log_dir is None:
            stamp = datetime.now().strftime("%b%d_%H-%M-%S")
            log_dir = os.path.join("runs", f"{stamp}_{socket.gethostname()}{comment}")
        self.log_dir = log_dir
        self.max_queue, self.flush_secs = max_queue, flush_secs
        self.filename_suffix = filename_suffix
        self._writers: dict[str, EventFileWriter] = {}
        self._pending = 0
        self._last_flush = time.time()
        self._writer(log_dir)  # the file exists from the start, as PyTorch's

    def _writer(self, directory: str) -> EventFileWriter:
        writer = self._writers.get(directory)
        if writer is None:
            os.makedirs(directory, exist_ok=True)
            now = time.time()
            name = (f"events.out.tfevents.{int(now):010d}.{socket.gethostname()}."
                    f"{os.getpid()}.{next(_file_counter)}{self.filename_suffix}")
            writer = self._writers[directory] = EventFileWriter(os.path.join(directory, name),
                                                                now)
        return writer

    def get_logdir(self) -> str:
        """The directory the event file is written to."""
        return self.log_dir

    def add_scalar(self, tag: str, scalar_value: Any, global_step: int | None = None,
                   walltime: float | None = None, new_style: bool = False,
                   double_precision: bool = False) -> None:
        """Log ``scalar_value`` (a number or a one-element tensor) under ``tag`` at step
        ``global_step``; TensorBoard plots one curve per tag, grouped by the part of the
        tag before "/" (``"Loss/train"``, ``"Loss/test"``)."""
        if new_style or double_precision:
            raise NotImplementedError("add_scalar(new_style=True / double_precision=True) is "
                                      "not supported: only the classic float32 scalar "
                                      "summary is written")
        self._add(self.log_dir, tag, _as_float(tag, scalar_value), global_step, walltime)

    def add_scalars(self, main_tag: str, tag_scalar_dict: dict[str, Any],
                    global_step: int | None = None, walltime: float | None = None) -> None:
        """Several scalars on one chart: each ``tag`` of ``tag_scalar_dict`` goes to its own
        event file in ``log_dir/<main_tag>_<tag>``, under the tag ``main_tag``."""
        walltime = time.time() if walltime is None else walltime
        for tag, value in tag_scalar_dict.items():
            directory = os.path.join(self.log_dir, f"{main_tag.replace('/', '_')}_{tag}")
            self._add(directory, main_tag, _as_float(tag, value), global_step, walltime)

    def _add(self, directory: str, tag: str, value: float, step: int | None,
             walltime: float | None) -> None:
        wall = time.time() if walltime is None else walltime
        self._writer(directory).write(event(wall, step, scalar_summary(tag, value)))
        self._pending += 1
        if self._pending >= self.max_queue or time.time() - self._last_flush >= self.flush_secs:
            self.flush()

    def flush(self) -> None:
        """Write every buffered event to disk."""
        for writer in self._writers.values():
            writer.flush()
        self._pending, self._last_flush = 0, time.time()

    def close(self) -> None:
        """Flush and close the event files."""
        for writer in self._writers.values():
            writer.flush()
            writer.close()

    def __enter__(self) -> SummaryWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
