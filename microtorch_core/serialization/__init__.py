"""``save`` and ``load``: checkpoints that never run code when they are read.

``load`` reads three formats, told apart by their first bytes, not by the file's name:

==================  ======================  ============================================
format              starts with             module
==================  ======================  ============================================
MicroTorch's own    ``b"MTCKPT"``           ``native.py``: JSON structure + raw tensors
``torch.save``      ``b"PK\\x03\\x04"`` (zip)  ``torch_zip.py``: read as ``weights_only=True``
safetensors         length, then ``b"{"``   ``safetensors.py``: a flat dict of tensors
==================  ======================  ============================================

``save`` writes MicroTorch's format, or safetensors for a path ending in ``.safetensors`` (or
``format="safetensors"``). Tensor bytes are streamed between the file and the tensors' memory
(``tensor_io.py``), and a path is written atomically (``atomic.py``).

``save(model)`` stores a whole module as data (its class by name and its attributes), with a
warning that saving its ``state_dict()`` is the portable way; as PyTorch's ``torch.load``,
``load`` builds it again only with ``weights_only=False`` or for allowlisted classes
(``modules.py``). NumPy arrays of numbers are stored as data and load by default.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

from ..device import DeviceLike
from . import modules, native, safetensors, torch_zip
from .atomic import atomic_write
from .errors import CheckpointError, WeightsOnlyError
from .modules import add_safe_globals, clear_safe_globals, get_safe_globals, safe_globals

__all__ = ["save", "load", "CheckpointError", "WeightsOnlyError", "add_safe_globals",
           "clear_safe_globals", "get_safe_globals", "safe_globals"]

PathLike = str | os.PathLike
FORMATS = ("microtorch", "safetensors")
_LEGACY_TORCH = b"\x80\x02\x8a\x0a" + (0x1950A86A20F9469CFC6C).to_bytes(10, "little")


def save(obj: Any, f: PathLike | IO[bytes], format: str | None = None) -> None:  # noqa: A002
    """Write ``obj`` (a tensor, a state dict, an optimizer state dict, nested containers of
    those) to the path or binary file ``f``. A path is written atomically.

    ``format`` is ``"microtorch"`` (the default) or ``"safetensors"`` (the default for a path
    ending in ``.safetensors``), which holds a flat dict of str to tensor.

    >>> save({"model": model.state_dict(), "optim": opt.state_dict(), "epoch": 3}, "ck.mt")
    >>> save(model.state_dict(), "model.safetensors")
    """
    if format is None:
        is_path = not hasattr(f, "write")
        format = "safetensors" if is_path and str(os.fspath(f)).endswith(".safetensors") \
            else "microtorch"
    if format not in FORMATS:
        raise ValueError(f"save: unknown format {format!r}; expected one of {FORMATS}")
    plan = native.Plan(obj) if format == "microtorch" else safetensors.Plan(obj)
    if getattr(plan, "modules", None):
        modules.warn_saved(plan.modules)
    if hasattr(f, "write"):
        plan.write(f)  # type: ignore[arg-type]
    else:
        atomic_write(os.fspath(f), plan.write)  # type: ignore[arg-type]


@contextmanager
def _opened(f: PathLike | IO[bytes]) -> Iterator[tuple[IO[bytes], str, int | None]]:
    """The binary stream, its name for messages, and its size from the current position
    (None when unknown: a pipe, a device)."""
    if hasattr(f, "read"):
        stream, name = f, str(getattr(f, "name", "<file object>"))
        yield stream, name, _remaining(stream)  # type: ignore[arg-type]
        return
    path = os.fspath(f)  # type: ignore[arg-type]
    if not os.path.exists(path):
        raise FileNotFoundError(f"no checkpoint file at {path!r}")
    with open(path, "rb") as stream:
        yield stream, str(path), _remaining(stream)


def _remaining(stream: IO[bytes]) -> int | None:
    try:
        info = os.fstat(stream.fileno())
    except (AttributeError, OSError, ValueError):
        info = None  # io.BytesIO and friends have no file descriptor
    if info is not None:
        return info.st_size - stream.tell() if stat.S_ISREG(info.st_mode) else None
    if getattr(stream, "seekable", lambda: False)():
        start = stream.tell()
        end = stream.seek(0, os.SEEK_END)
        stream.seek(start)
        return end - start
    return None


class _Replay:
    """A stream whose first bytes were already read from a stream that cannot seek back."""

    def __init__(self, head: bytes, stream: IO[bytes]) -> None:
        self.head, self.stream = head, stream

    def read(self, size: int = -1) -> bytes:
        if not self.head:
            return self.stream.read(size)
        data, self.head = (self.head, b"") if size < 0 or size >= len(self.head) \
            else (self.head[:size], self.head[size:])
        return data if size < 0 or len(data) == size else data + self.stream.read(size - len(data))

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        data = self.read(len(view))
        view[:len(data)] = data
        return len(data)


def _format(head: bytes, name: str) -> str:
    if not head:
        raise CheckpointError(f"{name} is empty (0 bytes): not a checkpoint")
    if head.startswith(native.MAGIC):
        return "microtorch"
    if head.startswith(b"PK\x03\x04"):
        return "torch"
    if safetensors.looks_like(head):
        return "safetensors"
    if head.startswith(_LEGACY_TORCH):
        raise CheckpointError(f"{name} is a PyTorch checkpoint in the legacy format (torch.save "
                              "before PyTorch 1.6, or _use_new_zipfile_serialization=False), "
                              "which MicroTorch does not read: load it with torch.load and "
                              "save it again with torch.save (the zip format) or safetensors")
    hint = ""
    if head[:1] == b"\x80":
        hint = " (it looks like a pickle, which MicroTorch never unpickles: that can run code)"
    raise CheckpointError(f"{name} is not a MicroTorch checkpoint, a torch.save file or a "
                          f"safetensors file: it starts with {head[:8]!r}{hint}")


def load(f: PathLike | IO[bytes], map_location: DeviceLike | dict[str, str] | None = None,
         pickle_module: Any = None, *, weights_only: bool | None = None,
         mmap: bool | None = None) -> Any:
    """Read a checkpoint written by ``save``, by ``torch.save`` (its tensors, state dicts,
    optimizer states and containers, as ``torch.load(weights_only=True)`` reads them) or in
    the safetensors format. Nothing in the file is ever unpickled or run.

    ``map_location`` puts the tensors on another device: a device (``"cpu"``) for all of
    them, or a dict such as ``{"cuda": "cpu"}``.

    ``weights_only`` (default True, as in PyTorch): a whole module saved by ``save(model)``
    is refused with ``WeightsOnlyError``, a ``pickle.UnpicklingError``, unless its classes are
    allowlisted (``add_safe_globals``, ``safe_globals``). With ``weights_only=False`` its
    class's module is imported and the module built from its saved attributes (see
    ``modules.py``): only for a file you trust. A ``torch.save`` zip file is always read
    weights-only (MicroTorch never runs pickle), so ``weights_only=False`` does not make it
    load a whole PyTorch module: load that in PyTorch and save its ``state_dict()``.

    ``pickle_module`` must stay None and ``mmap`` None or False: MicroTorch reads every
    tensor into memory and never unpickles.

    >>> model.load_state_dict(load("ck.mt", map_location="cpu")["model"])
    >>> model.load_state_dict(load("pytorch_model.bin"))
    >>> model = load("whole_model.mt", weights_only=False)  # a file you trust
    """
    if pickle_module is not None:
        raise TypeError(f"load: pickle_module={pickle_module!r:.60}, but MicroTorch never "
                        "unpickles: leave pickle_module as None")
    if weights_only is None:
        weights_only = True
    if not isinstance(weights_only, bool):
        raise TypeError(f"load: weights_only must be True, False or None, got {weights_only!r}")
    if mmap:
        if hasattr(f, "read"):
            raise ValueError("load: f must be a file path in order to use the mmap argument")
        raise NotImplementedError("load: mmap=True is not supported: MicroTorch reads each "
                                  "tensor's bytes into memory allocated for it (pass "
                                  "mmap=False or leave it out)")
    with _opened(f) as (stream, name, size):
        seekable = getattr(stream, "seekable", lambda: False)()
        start = stream.tell() if seekable else 0
        head = stream.read(16)
        if seekable:
            stream.seek(start)
        else:
            stream = _Replay(head, stream)  # type: ignore[assignment]
        kind = _format(head, name)
        if kind == "microtorch":
            return native.read(stream, name, size, map_location, weights_only)
        if kind == "safetensors":
            return safetensors.read(stream, name, size, map_location)
        return torch_zip.read(stream, name, map_location, weights_only)
