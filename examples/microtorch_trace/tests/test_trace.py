"""The trace backend records every kernel call on the "trace" device and computes what the
CPU computes. The conformance suite itself runs with
``pytest --pyargs microtorch_core.testing --backend trace`` (see the last test)."""

from __future__ import annotations

import re
import subprocess
import sys

import microtorch_core as mt
import numpy as np
import pytest
from microtorch_core.registry import registry

import microtorch_trace
from microtorch_trace import TraceBackend


def test_a_kernel_call_is_recorded_with_shapes_dtypes_and_bytes():
    a = mt.ones(2, 3, device="trace")
    b = mt.ones(3, device="trace", dtype=mt.float64)
    with microtorch_trace.tracing() as events:
        a + b
    copy, add = events  # a is cast to float64 first, then added
    assert copy.op == "copy" and copy.dtypes == ("float64", "float32")
    assert add.op == "add"
    assert add.shapes == ((2, 3), (2, 3), (2, 3))  # b arrives broadcast (stride 0)
    assert add.dtypes == ("float64",) * 3
    assert add.nbytes == 3 * 6 * 8


def test_scalars_and_dims_are_recorded_as_params():
    x = mt.ones(2, 3, device="trace")
    with microtorch_trace.tracing() as events:
        (x * 2.5).sum(1)
    assert [(e.op, e.params) for e in events] == [("mul", (2.5,)), ("sum", ((1,),))]


def test_the_trace_shows_how_composites_are_built():
    x = mt.ones(2, 3, device="trace", requires_grad=True)
    with microtorch_trace.tracing() as events:
        x.softmax(-1).sum().backward()
    ops = [e.op for e in events]
    # softmax = exp(x - max) / sum; a row of -inf first gets its max replaced (abs, eq, where)
    assert ops[:7] == ["amax", "abs", "eq", "where", "sub", "exp", "sum"]
    assert "div" in ops and len(ops) > 8  # and the backward pass, kernel by kernel


def test_host_transfers_are_recorded():
    with microtorch_trace.tracing() as events:
        t = mt.tensor([1.0, 2.0], device="trace")
        t.tolist()
    assert [(e.op, e.nbytes) for e in events] == [("host_to_device", 8),
                                                  ("device_to_host", 8)]


def test_values_match_the_cpu():
    x_np = np.arange(12, dtype=np.float32).reshape(3, 4)
    x, cpu = mt.tensor(x_np, device="trace"), mt.tensor(x_np)
    assert np.array_equal((x.T @ x).softmax(0).cpu().numpy(), (cpu.T @ cpu).softmax(0).numpy())


def test_get_clear_and_summary():
    microtorch_trace.clear_trace()
    mt.zeros(4, device="trace").exp()
    assert [e.op for e in microtorch_trace.get_trace()] == ["fill", "exp"]
    table = microtorch_trace.summary()
    assert table.splitlines()[0].split() == ["op", "calls", "bytes", "time", "(us)"]
    assert {line.split()[0] for line in table.splitlines()[1:]} == {"fill", "exp"}
    assert "exp" in str(microtorch_trace.get_trace()[-1])


def test_the_trace_is_bounded():
    backend = TraceBackend(max_events=3)
    t = mt.zeros(2, device="trace")
    for _ in range(5):
        backend.neg(t, t)
    assert len(backend.events) == 3


def test_unavailable_without_its_inner_backend(monkeypatch):
    monkeypatch.setattr(TraceBackend, "inner_device", "nosuchdevice")
    reason = TraceBackend.availability().reason
    assert "runs kernels on 'nosuchdevice', which is not installed" in reason


def test_registered_through_its_entry_point():
    info = registry.backend_info("trace")
    assert info.available and "microtorch-trace" in info.source


def test_passes_the_conformance_suite():
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--pyargs",
         "microtorch_core.testing", "--backend", "trace"],
        capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-3000:]
    assert " passed" in result.stdout and not re.search(r"\d+ failed", result.stdout)


@pytest.fixture(autouse=True)
def _fresh_trace():
    microtorch_trace.clear_trace()
    yield
