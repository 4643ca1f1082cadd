"""``Graph``: a captured sequence of kernel calls, replayed without dispatch; ``graph(g)``.

The names and the usage are PyTorch's CUDA graphs (``torch.cuda.CUDAGraph``,
``torch.cuda.graph``), for every device::

    g = Graph()
    optimizer.zero_grad(set_to_none=True)
    with graph(g):                      # records, runs nothing
        static_loss = loss_fn(model(static_x), static_y)
        static_loss.backward()
        optimizer.step()
    for x, y in batches:
        static_x.copy_(x); static_y.copy_(y)
        g.replay()                      # the step, on the new data; static_loss is refreshed
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from ..device import DeviceLike
from ..random import Generator
from . import capture as _capture
from .capture import Capture


class Graph:
    """A graph of kernel calls captured on one device, replayed by :meth:`replay`.

    Capture runs nothing: it records what every op would launch, so the outputs made during
    the capture (``static_loss`` above) hold their values only after a replay. The memory of
    everything the capture allocated stays with the graph, at fixed addresses, until
    :meth:`reset`; tensors the graph uses that existed before it (parameters, static inputs,
    optimizer state) must keep their memory too, which every replay checks.
    """

    def __init__(self) -> None:
        self._generators: list[Generator] = []
        self._capture: Capture | None = None
        self._clear()

    def _clear(self) -> None:
        self._run: Callable[[], None] | None = None
        self._num_calls = 0
        self._device_type: str | None = None
        self._recorder: Any = None
        self._kept: list[Any] = []
        self._storages: list[weakref.ref] = []  # with a callback: see _watch
        self._freed: str | None = None  # what the first freed outside storage was used for
        self._tensors: tuple[tuple[Any, Any, tuple, tuple, int, str], ...] = ()
        self._checks: tuple[Callable[[], None], ...] = ()
        self._slots: tuple[Any, ...] = ()

    # -- capture -------------------------------------------------------------------------
    def register_generator_state(self, generator: Generator) -> None:
        """Let the graph draw from ``generator`` (the default generator is always tracked):
        each replay then takes fresh numbers from it, as the eager step would."""
        if not isinstance(generator, Generator):
            raise TypeError(f"register_generator_state expects a Generator, got "
                            f"{type(generator).__name__}")
        self._generators.append(generator)

    def capture_begin(self, device: DeviceLike | None = None) -> None:
        """Start recording. ``device``: the device whose work is captured; by default the
        device of the first kernel that runs."""
        if self._run is not None:
            raise RuntimeError("this graph is already captured: call g.reset() before "
                               "capturing it again")
        if self._capture is not None:
            raise RuntimeError("capture_begin called twice without capture_end")
        capture = Capture(self, device, tuple(self._generators))
        capture.start()
        self._capture = capture

    def capture_end(self) -> None:
        """Stop recording; the graph can be replayed from now on."""
        capture = self._capture
        if capture is None:
            raise RuntimeError("capture_end called without capture_begin")
        self._capture = None
        try:
            capture.finish()
            self._take(capture)
        finally:
            capture.close()

    def _take(self, capture: Capture) -> None:
        """Keep what a finished capture made: the replay function and its checks."""
        session = capture.session()
        self._device_type = capture.device_type
        self._num_calls = len(capture.calls)
        if session is None:  # nothing ran on any device: an empty graph
            self._run = _nothing
            return
        self._recorder = session.recorder
        self._kept = session.kept
        self._run = session.recorder.compile(capture.calls)
        for storage_ref, use in capture.external_storages.values():
            self._watch(storage_ref(), use)
        self._tensors = tuple(entry for entry in capture.external_tensors.values()
                              if entry[0]() is not None)  # views made inside ops are gone
        self._checks = (*capture.hoisted_guards, *capture.value_guards)
        self._slots = tuple(slot for slot in capture.slots if slot.consumed)

    def _abort(self) -> None:
        capture, self._capture = self._capture, None
        if capture is not None:
            capture.abort()
            capture.close()

    # -- replay ----------------------------------------------------------------------------
    def replay(self) -> None:
        """Run the captured kernels once more, on whatever the graph's tensors hold now."""
        run = self._run
        if run is None:
            raise RuntimeError("Graph.replay: this graph has not been captured (or was reset)"
                               "; capture it with `with graphs.graph(g): ...` first")
        if _capture.active is not None:
            raise RuntimeError("Graph.replay while a graph is being captured: the replayed "
                               "kernels would run now and not be recorded")
        self._check_memory()
        for check in self._checks:
            check()
        for slot in self._slots:
            slot.base = slot.generator.next_offset(slot.consumed)
        run()

    def _check_memory(self) -> None:
        """Every tensor the graph uses from outside must still have its captured memory."""
        if self._freed is not None:
            raise RuntimeError(
                f"Graph.replay: the memory of a tensor the graph uses ({self._freed}) was "
                f"freed after the capture (the tensor was deleted, or resized or given new "
                f"memory with .data = ...). Keep the static inputs, parameters and optimizer "
                f"state alive while the graph is used and copy new values into them in place "
                f"(t.copy_(...)), or capture again.")
        for ref, storage, shape, strides, offset, use in self._tensors:
            t = ref()
            if t is not None and (t._storage is not storage() or t.shape != shape or
                                  t._strides != strides or t._offset != offset):
                raise RuntimeError(
                    f"Graph.replay: a tensor the graph uses ({use}) was resized or given new "
                    f"memory after the capture (shape {tuple(shape)} then, {tuple(t.shape)} "
                    f"now): the graph still reads and writes its old memory. Copy new values "
                    f"into it in place (t.copy_(...)) instead, or capture again.")

    def _watch(self, storage: Any, use: str) -> None:
        """Note in ``_freed`` when ``storage`` is freed: a weak reference's callback, so that
        a replay checks one attribute instead of every storage (~0.2 us each)."""
        if storage is None:
            self._freed = use
            return

        watched = self._storages  # a new list after reset: older callbacks then do nothing
        graph_ref = weakref.ref(self)  # the callback must not keep the graph alive

        def freed(_: weakref.ref) -> None:
            graph = graph_ref()
            if graph is not None and graph._storages is watched and graph._freed is None:
                graph._freed = use

        watched.append(weakref.ref(storage, freed))

    def reset(self) -> None:
        """Forget the captured work and give back the memory the graph kept."""
        self._abort()
        recorder = self._recorder
        self._clear()
        if recorder is not None:
            recorder.release()

    def __del__(self) -> None:
        try:
            self.reset()
        except Exception:  # at interpreter exit the modules may already be gone
            pass

    # -- introspection ---------------------------------------------------------------------
    @property
    def device_type(self) -> str | None:
        """The captured device's type (None before a capture, or for an empty graph)."""
        return self._device_type

    @property
    def num_calls(self) -> int:
        """How many calls a replay makes (kernels, random draws, inline checks)."""
        return self._num_calls

    def __repr__(self) -> str:
        if self._run is None:
            return "Graph(not captured)"
        return f"Graph(device={self._device_type!r}, calls={self._num_calls})"


def _nothing() -> None:
    pass


@contextmanager
def graph(g: Graph, device: DeviceLike | None = None) -> Iterator[Graph]:
    """Capture the work done inside the ``with`` block into ``g`` (``torch.cuda.graph``).

    ``device``: the device whose work is captured; by default the device of the first kernel
    that runs. If the block raises, the capture is abandoned and ``g`` stays empty.
    """
    g.capture_begin(device)
    try:
        yield g
    except BaseException:
        g._abort()
        raise
    g.capture_end()


def is_capturing() -> bool:
    """Whether a graph is being captured now (``torch.cuda.is_current_stream_capturing``)."""
    return _capture.active is not None


def guard_values(owner: str, mapping: dict[str, Any], keys: tuple[str, ...], hint: str) -> None:
    """During a capture, make every replay check that ``mapping[key]`` (a Python number baked
    into the captured kernels, such as an optimizer's ``lr``) has not changed; outside a
    capture, nothing. Values that are tensors need no guard: replays read them."""
    from .guards import ValueGuard

    capture = _capture.active
    if capture is None:
        return
    for key in keys:
        if key in mapping and not hasattr(mapping[key], "_storage"):
            capture.value_guards.append(ValueGuard(owner, mapping, key, hint))
