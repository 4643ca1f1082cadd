"""``KernelRecorder``: how one backend turns the kernel calls of a capture into replay calls.

During a capture (``capture.py``) every call into the capturing device's kernel table is
handed to that backend's recorder instead of being run. The recorder returns *replay calls*,
``(function, args)`` pairs that ``Graph.replay`` later runs as ``function(*args)``, in order,
with no dispatch in between. This base class is what a backend gets by default: the replay
call is the kernel itself with the captured arguments, which is correct for every backend
(the tensors are kept alive by the graph, so their memory cannot move). A backend overrides
:meth:`record` to replay something cheaper: the CPU backend replays the NumPy call a kernel
makes, on the arrays it makes it on; the CUDA backend replays its launches with their
arguments already packed.

A backend hands out its recorder from ``Backend.graph_recorder()`` (``backend.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

#: A replay call: ``function(*args)``.
ReplayCall = tuple[Callable[..., Any], tuple[Any, ...]]


class KernelRecorder:
    """Records kernel calls of one backend for a graph; the default replays each kernel call
    as it was made.

    The lifecycle: :meth:`begin` when the capture first touches this backend, :meth:`record`
    for each kernel call, :meth:`end` when the capture is over, :meth:`compile` once with all
    the replay calls, and :meth:`release` when the graph is reset (or the capture failed).
    """

    #: True when the backend keeps the memory of the capture's temporaries itself (a private
    #: pool whose blocks stay with the graph), so the graph need not keep every storage
    #: allocated during the capture alive; False: the graph keeps them all (the default).
    owns_capture_memory = False

    def __init__(self, backend: Any) -> None:
        self.backend = backend

    def begin(self) -> None:
        """The capture starts allocating or running kernels on this backend."""

    def allocate_tensor(self, allocate_tensor: Callable[..., Any], shape: tuple[int, ...],
                        dtype: Any) -> tuple[Any, Any]:
        """Memory for a tensor made during the capture: ``(storage, native)`` as
        ``Allocator.allocate_tensor``, which is ``allocate_tensor`` (the allocator's own)."""
        return allocate_tensor(shape, dtype)

    def record(self, name: str, kernel: Callable[..., None], args: tuple[Any, ...]
               ) -> list[ReplayCall]:
        """The replay calls of one kernel call ``kernel(*args)`` (``name`` is its name in the
        kernel table). Must not run the kernel: a capture records, it does not compute."""
        return [(kernel, args)]

    def end(self) -> None:
        """The capture is over: undo whatever :meth:`begin` set up."""

    def compile(self, calls: Sequence[ReplayCall]) -> Callable[[], None]:
        """The function that runs ``calls`` in order: one replay."""
        calls = tuple(calls)

        def run() -> None:
            for function, args in calls:
                function(*args)

        return run

    def release(self) -> None:
        """The graph is reset: give back memory the recorder kept for it."""
