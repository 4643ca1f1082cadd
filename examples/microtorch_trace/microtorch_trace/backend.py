"""``TraceBackend``: the device ``"trace"`` runs every kernel on another backend (the CPU by
default) and records the call: op name, shapes, dtypes, bytes touched and time taken.

How the delegation works: a kernel reads a tensor's memory through ``t._storage.handle``,
which is whatever the allocator returned. :class:`TraceAllocator` asks the inner backend's
allocator for that handle, so the inner kernels can work on trace tensors as if they were
their own: a traced kernel is "record, then call the inner kernel with the same arguments".
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from microtorch_core.backend import PRIMITIVES, Allocator, Availability, Backend, Tensor
from microtorch_core.registry import registry


@dataclass(frozen=True)
class TraceEvent:
    """One kernel call (or host transfer) on the trace device."""

    op: str
    shapes: tuple[tuple[int, ...], ...]  # of the tensor arguments, ``out`` first
    dtypes: tuple[str, ...]
    nbytes: int  # the tensor arguments' element bytes: what the kernel reads and writes
    params: tuple[Any, ...]  # the other arguments: scalars, dims, seeds
    seconds: float

    def __str__(self) -> str:
        tensors = ", ".join(f"{dtype}{list(shape)}" for shape, dtype in
                            zip(self.shapes, self.dtypes))
        params = f" {self.params}" if self.params else ""
        return f"{self.op:<14} {tensors}{params}  {self.nbytes} B  {self.seconds * 1e6:.1f} us"


class TraceAllocator(Allocator):
    """Memory from the inner backend's allocator; host transfers are recorded as events."""

    def __init__(self, inner: Allocator, record: Callable[[TraceEvent], None]) -> None:
        super().__init__("trace")
        self.inner = inner
        self._record = record

    def _allocate(self, nbytes: int) -> Any:
        return self.inner._allocate(nbytes)

    def _free(self, handle: Any, nbytes: int) -> None:
        self.inner._free(handle, nbytes)

    def _copy_from_host(self, handle: Any, src: np.ndarray, offset: int) -> None:
        start = time.perf_counter()
        self.inner._copy_from_host(handle, src, offset)
        self._record(_transfer("host_to_device", src.nbytes, time.perf_counter() - start))

    def _copy_to_host(self, handle: Any, nbytes: int, offset: int) -> np.ndarray:
        start = time.perf_counter()
        out = self.inner._copy_to_host(handle, nbytes, offset)
        self._record(_transfer("device_to_host", nbytes, time.perf_counter() - start))
        return out

    def _cached_bytes(self) -> int:
        return self.inner._cached_bytes()

    def empty_cache(self) -> None:
        self.inner.empty_cache()


class TraceBackend(Backend):
    """Every primitive runs on ``inner_device`` and is appended to ``events``.

    No optional kernels (``softmax``...) are defined, so the trace shows how the core builds
    composites from primitives.
    """

    name = "trace"
    inner_device: ClassVar[str] = "cpu"

    def __init__(self, max_events: int = 100_000) -> None:
        self.inner = registry.get_backend(self.inner_device)
        self.complex_ops = self.inner.complex_ops  # the inner kernels run them
        #: The most recent events (older ones are dropped beyond ``max_events``).
        self.events: deque[TraceEvent] = deque(maxlen=max_events)
        self._listeners: list[list[TraceEvent]] = []
        self.allocator = TraceAllocator(self.inner.allocator, self._record)

    @classmethod
    def availability(cls) -> Availability:
        info = registry.backend_info(cls.inner_device)
        if info is None:
            return Availability(False, f"it runs kernels on {cls.inner_device!r}, which is not "
                                       f"installed (pip install microtorch-{cls.inner_device})")
        if not info.available:
            return Availability(False, f"its inner backend {cls.inner_device!r} is unavailable: "
                                       f"{info.reason}")
        return Availability(True)

    def device_name(self, index: int = 0) -> str:
        return f"trace of {self.inner_device} ({self.inner.device_name(index)})"

    def synchronize(self) -> None:
        self.inner.synchronize()

    # -- reading the trace ------------------------------------------------------------------
    @contextmanager
    def recording(self) -> Iterator[list[TraceEvent]]:
        """Collect the events of a block: ``with backend.recording() as events: ...``."""
        events: list[TraceEvent] = []
        self._listeners.append(events)
        try:
            yield events
        finally:
            self._listeners.remove(events)

    def clear(self) -> None:
        """Forget the recorded events."""
        self.events.clear()

    def _record(self, event: TraceEvent) -> None:
        self.events.append(event)
        for events in self._listeners:
            events.append(event)


def _transfer(op: str, nbytes: int, seconds: float) -> TraceEvent:
    return TraceEvent(op, ((nbytes,),), ("uint8",), nbytes, (), seconds)


def _traced(op: str) -> Callable[..., None]:
    """The kernel ``op``: run it on the inner backend, then record it."""

    def kernel(self: TraceBackend, *args: Any) -> None:
        start = time.perf_counter()
        getattr(self.inner, op)(*args)
        seconds = time.perf_counter() - start
        tensors = [a for a in args if isinstance(a, Tensor)]
        self._record(TraceEvent(
            op, tuple(t.shape for t in tensors), tuple(t.dtype.name for t in tensors),
            sum(t.numel() * t.dtype.itemsize for t in tensors),
            tuple(a for a in args if not isinstance(a, Tensor)), seconds))

    kernel.__name__ = op
    kernel.__doc__ = f"Run ``{op}`` on the inner backend and record the call."
    return kernel


# One traced kernel per primitive of the spec: the registry checks they are all here.
for _op in PRIMITIVES:
    setattr(TraceBackend, _op, _traced(_op))
