"""microtorch-trace: a MicroTorch device, ``"trace"``, that runs every kernel on the CPU
backend and records each call with its op, shapes, dtypes and bytes.

>>> import microtorch_core as mt, microtorch_trace
>>> x = mt.ones(2, 3, device="trace")
>>> with microtorch_trace.tracing() as events:
...     y = (x * 2).sum(1)
>>> [e.op for e in events]
['mul', 'sum']
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from .backend import TraceAllocator, TraceBackend, TraceEvent

__all__ = ["TraceAllocator", "TraceBackend", "TraceEvent", "clear_trace", "get_trace",
           "summary", "tracer", "tracing"]


def tracer() -> TraceBackend:
    """The trace device's backend (created on first use)."""
    from microtorch_core.registry import registry

    backend = registry.get_backend("trace")
    assert isinstance(backend, TraceBackend)
    return backend


def get_trace() -> list[TraceEvent]:
    """Every event recorded so far (the most recent 100,000)."""
    return list(tracer().events)


def clear_trace() -> None:
    """Forget the recorded events."""
    tracer().clear()


@contextmanager
def tracing() -> Iterator[list[TraceEvent]]:
    """Collect the events of a block into a list."""
    with tracer().recording() as events:
        yield events


def summary(events: Iterable[TraceEvent] | None = None) -> str:
    """A table of calls, bytes and time per op, most time first."""
    totals: dict[str, list[float]] = defaultdict(lambda: [0, 0, 0.0])
    for e in get_trace() if events is None else events:
        row = totals[e.op]
        row[0] += 1
        row[1] += e.nbytes
        row[2] += e.seconds
    lines = [f"{'op':<16}{'calls':>8}{'bytes':>14}{'time (us)':>12}"]
    for op, (calls, nbytes, seconds) in sorted(totals.items(), key=lambda kv: -kv[1][2]):
        lines.append(f"{op:<16}{calls:>8}{nbytes:>14}{seconds * 1e6:>12.1f}")
    return "\n".join(lines)
