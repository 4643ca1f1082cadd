"""Capture: while a graph is captured, the device's kernel calls are recorded, not run.

Every op ends in one call into its device's kernel table (``x._kernels.add(out, a, b)``,
``dispatch.py``), and every output comes from its allocator (``allocate_tensor``). So a
capture needs no help from the ops: for its duration it replaces the kernels of every kernel
table with recorders, and wraps the allocators:

* a kernel call on the captured device goes to the backend's ``KernelRecorder``
  (``recorder.py``), which turns it into replay calls; nothing runs. A kernel call on any
  other device is an error: a graph holds the work of one device;
* memory allocated during the capture stays with the graph (it counts in the allocator's
  statistics until ``Graph.reset()``), so the replayed kernels find their buffers where the
  capture saw them;
* reading values on the host (``.item()``, ``print``, ``bool(t)``, a boolean mask) is refused
  with an error naming the op: a replay runs kernels only, so such a value would be the one
  of the capture forever;
* ``random_uniform``/``random_normal`` calls become steps that draw fresh counters from their
  generator at every replay, so dropout gets new masks each step;
* a bounds check of an index (``index_range``) becomes a guard (``guards.py``).

The capture also notes every tensor the graph uses that existed before it (parameters, static
inputs, optimizer state): a replay checks that none was freed or given new memory since.
"""

from __future__ import annotations

import sys
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..backend import OPTIONAL_KERNELS, PRIMITIVES, has_host_memory
from ..device import device as _device
from ..random import Generator, default_generator
from ..tensor import Tensor
from .guards import GuardedInt, IndexGuard, ValueGuard
from .recorder import KernelRecorder, ReplayCall

if TYPE_CHECKING:
    from ..dispatch import KernelTable
    from .graph import Graph

#: The capture in progress, or None. One at a time per process: the kernel tables it patches
#: are shared by every thread.
active: Capture | None = None

RANDOM_KERNELS = ("random_uniform", "random_normal")
#: How many leading arguments of a kernel are outputs it writes (1 for all the others).
OUTPUT_ARGS = {"sort": 2, "svd": 3, "qr": 2, "eigh": 2}
_GRAPHS_DIR = str(Path(__file__).parent)
_CORE_DIR = str(Path(__file__).parent.parent)
_NOT_OPS = {"index_range", "<lambda>", "<genexpr>", "<listcomp>"}  # helpers, not the op


class BackendSession:
    """What a capture keeps for one backend it touched: its recorder and the storages
    allocated during the capture."""

    def __init__(self, backend: Any) -> None:
        make = getattr(backend, "graph_recorder", None)
        self.recorder: KernelRecorder = (make() if make is not None else None) or \
            KernelRecorder(backend)
        self.recorder.begin()
        self.allocated: weakref.WeakSet = weakref.WeakSet()
        self.kept: list[Any] = []  # storages the graph keeps alive

    def allocation(self, storage: Any) -> None:
        self.allocated.add(storage)
        if not self.recorder.owns_capture_memory:
            self.kept.append(storage)


class RandomStep:
    """A random kernel call of the graph: it draws fresh counters from its generator at every
    replay (``GeneratorSlot.base``), at the same place in the stream as during the capture."""

    def __init__(self, kernel: Callable[..., None], out: Tensor, slot: GeneratorSlot,
                 relative_offset: int) -> None:
        self.kernel, self.out, self.slot, self.relative_offset = kernel, out, slot, relative_offset

    def __call__(self) -> None:
        slot = self.slot
        self.kernel(self.out, slot.generator.seed, slot.base + self.relative_offset)


class GeneratorSlot:
    """A generator the capture drew from: each replay reserves ``consumed`` counters (as the
    eager step would have) and its random steps use them, from ``base`` on."""

    def __init__(self, generator: Generator) -> None:
        self.generator = generator
        self.start = generator.offset  # where the capture began drawing
        self.consumed = 0
        self.base = 0


class Capture:
    """One capture in progress: patches the kernel tables and allocators, collects replay
    calls, and hands the result to its :class:`~microtorch_core.graphs.Graph`."""

    def __init__(self, graph: Graph, device: Any = None,
                 generators: tuple[Generator, ...] = ()) -> None:
        self.graph = graph
        self.thread = threading.get_ident()
        self.backend: Any = None  # the captured device's backend: given, or the first kernel's
        self.device_type: str | None = None
        if device is not None:
            table = _device(device).kernels
            self.backend, self.device_type = table.backend, table.device_type
        self.sessions: dict[int, tuple[Any, BackendSession]] = {}
        self.calls: list[ReplayCall] = []
        self.written: weakref.WeakSet = weakref.WeakSet()  # storages a recorded kernel writes
        self.external_storages: dict[int, tuple[weakref.ref, str]] = {}
        self.external_tensors: dict[int, tuple[weakref.ref, Any, tuple, tuple, int, str]] = {}
        self.hoisted_guards: list[IndexGuard] = []
        self.value_guards: list[ValueGuard] = []
        self.slots = [GeneratorSlot(g) for g in dict.fromkeys((default_generator, *generators))]
        self._patches: list[tuple[Any, str, Any, bool, Any]] = []
        self._tables: list[KernelTable] = []

    # -- start and stop ----------------------------------------------------------------
    def start(self) -> None:
        global active
        if active is not None:
            raise RuntimeError("a graph is already being captured: captures cannot be nested "
                               "and one runs at a time")
        self._tables = _kernel_tables()
        backends = {}
        for table in self._tables:
            backends[id(table.backend)] = table.backend
            for name in PRIMITIVES + OPTIONAL_KERNELS:
                kernel = getattr(table, name, None)
                if kernel is not None:
                    self._patch(table, name, self._recording_kernel(table, name, kernel))
        for backend in backends.values():
            self._patch_memory(backend)
        self._apply()
        active = self

    def finish(self) -> None:
        """End the capture: undo the patches and settle the generators and the sessions."""
        self._stop()
        fresh = [t for t in _kernel_tables() if all(t is not s for s in self._tables)]
        if fresh:
            self.abort()
            raise RuntimeError(f"device '{fresh[0].device_type}' was used for the first time "
                               f"during the capture, so its kernels were not recorded: use "
                               f"every device once before capturing (a warm-up step does)")
        for slot in self.slots:
            slot.consumed = slot.generator.offset - slot.start
            slot.generator.offset = slot.start  # a capture records draws; replays make them
        for backend, session in self.sessions.values():
            session.recorder.end()
            if backend is not self.backend:
                session.recorder.release()

    def abort(self) -> None:
        """Undo everything after a failed capture."""
        self._stop()
        for slot in self.slots:
            slot.generator.offset = slot.start
        for _, session in self.sessions.values():
            session.recorder.end()
            session.recorder.release()
        self.sessions.clear()
        self.calls.clear()

    def close(self) -> None:
        """Drop what the capture collected (its patches refer back to it, so it may live on in
        a reference cycle until the garbage collector runs; the tensors must not)."""
        self.calls, self.sessions, self._patches, self._tables = [], {}, [], []
        self.external_storages, self.external_tensors = {}, {}
        self.hoisted_guards, self.value_guards = [], []

    def _stop(self) -> None:
        global active
        if active is self:
            active = None
            self._undo()

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Run real kernels and host reads for a moment (a guard reading an index's range)."""
        global active
        active = None
        self._undo()
        try:
            yield
        finally:
            self._apply()
            active = self

    def session(self) -> BackendSession | None:
        """The captured backend's session (None when the capture touched no device)."""
        entry = self.sessions.get(id(self.backend))
        return entry[1] if entry is not None else None

    # -- what the patched kernel tables and allocators call -----------------------------
    def kernel_call(self, table: KernelTable, name: str, kernel: Callable[..., None],
                    args: tuple[Any, ...]) -> None:
        self._check_thread(f"kernel '{name}'")
        backend = table.backend
        if self.backend is None:
            self.backend, self.device_type = backend, table.device_type
        elif backend is not self.backend:
            raise RuntimeError(
                f"kernel '{name}' ran on device '{table.device_type}' while capturing a graph "
                f"of device '{self.device_type}': a graph records the work of one device. Move "
                f"the tensors to '{self.device_type}', or do this outside the capture.")
        session = self._session(backend)
        step = len(self.calls)
        for arg in args:
            if isinstance(arg, Tensor) and arg._storage not in session.allocated:
                self._note_external(arg, f"kernel '{name}' (replay call {step})")
        if name in RANDOM_KERNELS:
            out, seed, offset = args
            slot = self._slot_of(seed, offset, out.numel())
            self.calls.append((RandomStep(kernel, out, slot, offset - slot.start), ()))
        else:
            self.calls.extend(session.recorder.record(name, kernel, args))
        for out in args[:OUTPUT_ARGS.get(name, 1)]:
            if isinstance(out, Tensor):
                self.written.add(out._storage)

    def index_range(self, index: Tensor, range_of: Callable[[Tensor], tuple[int, int]]
                    ) -> tuple[GuardedInt, GuardedInt]:
        """``index_range(index)`` during the capture: a guard that every replay checks again.
        An index computed inside the graph has no values yet; its check is assumed to pass
        (bounds 0, 0) and runs at its place in each replay, after the kernels computing it."""
        guard = IndexGuard(caller_op(), index, range_of)
        storage = index._storage
        session = self.sessions.get(id(index._kernels.backend))
        computed_here = storage in self.written or (
            session is not None and storage in session[1].allocated)
        if computed_here:
            guard.step = len(self.calls)
            self.calls.append((guard, ()))
            return guard.bounds(0, 0)
        self._note_external(index, f"a bounds check in {guard.op}")
        with self.paused():
            lo, hi = range_of(index)
        self.hoisted_guards.append(guard)
        return guard.bounds(lo, hi)

    def _slot_of(self, seed: int, offset: int, n: int) -> GeneratorSlot:
        for slot in self.slots:
            g = slot.generator
            if g.seed == seed and slot.start <= offset and offset + n <= g.offset:
                return slot
        raise RuntimeError(
            f"random numbers were drawn during the capture from a generator the graph does "
            f"not track (seed {seed}, offset {offset}): register it before capturing, with "
            f"g.register_generator_state(generator), so that each replay draws new numbers")

    def _note_external(self, t: Tensor, use: str) -> None:
        """Remember a tensor from before the capture (and the tensor it views, often a
        parameter seen through ``.t()``): a replay checks that it kept its memory."""
        storage = t._storage
        key = id(storage)
        if key not in self.external_storages:
            self.external_storages[key] = (weakref.ref(storage), use)
        for tensor in (t, t._base):
            if tensor is None:
                continue
            entry = self.external_tensors.get(id(tensor))
            if entry is None or entry[0]() is not tensor:
                self.external_tensors[id(tensor)] = (
                    weakref.ref(tensor), weakref.ref(tensor._storage), tensor.shape,
                    tensor._strides, tensor._offset, use)

    def _session(self, backend: Any) -> BackendSession:
        entry = self.sessions.get(id(backend))
        if entry is None:
            entry = self.sessions[id(backend)] = (backend, BackendSession(backend))
        return entry[1]

    def _check_thread(self, what: str) -> None:
        if threading.get_ident() != self.thread:
            raise RuntimeError(f"{what} ran on another thread while a graph was being "
                               f"captured: the capture would record it. Capture with no other "
                               f"thread running ops.")

    def _refuses_reads(self, backend: Any) -> bool:
        return threading.get_ident() == self.thread and (
            self.backend is None or backend is self.backend)

    # -- patching ------------------------------------------------------------------------
    def _recording_kernel(self, table: KernelTable, name: str, kernel: Callable[..., None]
                          ) -> Callable[..., None]:
        def kernel_during_capture(*args: Any) -> None:
            self.kernel_call(table, name, kernel, args)

        kernel_during_capture.__name__ = f"{name}_during_capture"
        return kernel_during_capture

    def _patch_memory(self, backend: Any) -> None:
        allocator = backend.allocator
        allocate_tensor, allocate = allocator.allocate_tensor, allocator.allocate
        copy_to_host, copy_from_host = allocator.copy_to_host, allocator.copy_from_host

        def allocate_tensor_during_capture(shape: tuple[int, ...], dtype: Any) -> Any:
            session = self._session(backend)
            storage, native = session.recorder.allocate_tensor(allocate_tensor, shape, dtype)
            session.allocation(storage)
            return storage, native

        def allocate_during_capture(nbytes: int) -> Any:
            session = self._session(backend)
            storage = allocate(nbytes)
            session.allocation(storage)
            return storage

        def copy_to_host_during_capture(storage: Any, nbytes: int, offset: int = 0) -> Any:
            if self._refuses_reads(backend):
                raise RuntimeError(host_read_message(caller_op(), f"{nbytes} bytes"))
            return copy_to_host(storage, nbytes, offset)

        def copy_from_host_during_capture(storage: Any, src: Any, offset: int = 0) -> None:
            session = self._session(backend)
            if storage not in session.allocated and self._refuses_reads(backend):
                raise RuntimeError(
                    f"{caller_op()}: copying host data into a tensor that existed before the "
                    f"capture cannot be captured (a replay would not copy it again). Copy "
                    f"new inputs into the static tensors before g.replay(), outside the "
                    f"capture.")
            copy_from_host(storage, src, offset)
            # made from host data now: a constant of the graph, which must keep its memory
            if session.recorder.owns_capture_memory:
                session.kept.append(storage)

        self._patch(allocator, "allocate_tensor", allocate_tensor_during_capture)
        self._patch(allocator, "allocate", allocate_during_capture)
        self._patch(allocator, "copy_to_host", copy_to_host_during_capture)
        self._patch(allocator, "copy_from_host", copy_from_host_during_capture)
        if has_host_memory(backend):
            view = backend.numpy_view

            def numpy_view_during_capture(t: Tensor) -> Any:
                if self._refuses_reads(backend):
                    raise RuntimeError(host_read_message(caller_op(), "a host view"))
                return view(t)

            self._patch(backend, "numpy_view", numpy_view_during_capture)

    def _patch(self, obj: Any, name: str, replacement: Any) -> None:
        own = name in getattr(obj, "__dict__", {})
        self._patches.append((obj, name, replacement, own, getattr(obj, name)))

    def _apply(self) -> None:
        for obj, name, replacement, _, _ in self._patches:
            setattr(obj, name, replacement)

    def _undo(self) -> None:
        for obj, name, _, own, original in reversed(self._patches):
            if own:
                setattr(obj, name, original)
            else:
                delattr(obj, name)  # the class's method shows through again


def _kernel_tables() -> list[KernelTable]:
    """Every kernel table in use (devices create theirs on first use)."""
    tables: list[KernelTable] = []
    for dev in list(_device._interned.values()):
        if dev._kernels is None:
            continue
        for table in (dev._kernels, dev._kernels.other):  # the real and the complex one
            if all(table is not t for t in tables):
                tables.append(table)
    return tables


def host_read_message(op: str, what: str) -> str:
    return (f"{op} reads tensor values on the host ({what}) while a graph is being "
            f"captured. A replay runs the recorded kernels only, so the value read now would "
            f"stay the capture's forever (data-dependent control flow, shapes, .item(), "
            f"print, boolean masks cannot be captured). Read the graph's outputs after "
            f"g.replay() instead, outside the capture.")


def caller_op() -> str:
    """The op that led here: the innermost public function of MicroTorch on the call stack
    outside this package (``item``, ``nll_loss``, ``__bool__``), for error messages."""
    frame = sys._getframe(1)
    last = "an op"
    while frame is not None:
        path, name = frame.f_code.co_filename, frame.f_code.co_name
        if not path.startswith(_CORE_DIR):
            return last
        if not path.startswith(_GRAPHS_DIR) and (not name.startswith("_") or (
                name.startswith("__") and name.endswith("__"))) and name not in _NOT_OPS:
            return f"{name}()"
        frame = frame.f_back
    return last
