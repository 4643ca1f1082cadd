"""``python -m microtorch_core``: what is installed, what works, and why not.

Prints versions, every installed backend with whether it can run here (and why not), plugins
that failed to load, a quick self-test of each available backend (a few ops against NumPy and
a tiny backward pass), and allocator statistics. Exits with 1 when a backend fails its
self-test or a plugin is broken, so CI can run it as a smoke test.

A broken plugin must not take the doctor down with it. Exceptions, ``sys.exit()`` included,
are caught by the registry. A plugin whose import hangs, or that ends the interpreter
(``os._exit``, a crash in C code), is found first in a child process that loads the plugins
under a time limit; the doctor then skips it and reports it. Each self-test runs in a thread
under the same time limit, so a kernel that never returns is reported too.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import queue
import signal
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Callable
from importlib import metadata

import numpy as np
import pluggy

from .hookspecs import ENTRY_POINT_GROUP
from .registry import AUTOLOAD_ENV, BLOCK_ENV, BackendRegistry, PluginWarning, registry

DEFAULT_TIMEOUT_S = 30.0


# -- the self-test -----------------------------------------------------------------------------
def _checks(device: str) -> list[tuple[str, Callable[[], None]]]:
    """Small checks of one device against NumPy; each raises on a wrong answer."""
    import microtorch_core as mt

    a_np = np.arange(6, dtype=np.float32).reshape(2, 3) - 2.5
    b_np = np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4)

    def t(x: np.ndarray):
        return mt.tensor(x, device=device)

    def close(got, want) -> None:
        got = np.asarray(got.detach() if hasattr(got, "detach") else got)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)

    def round_trip() -> None:
        for x in (a_np, a_np.astype(np.int64), a_np > 0):
            assert np.array_equal(np.asarray(t(x)), x), f"{x.dtype} values changed"

    def backward() -> None:
        x = mt.tensor(a_np, device=device, requires_grad=True)
        w = mt.tensor(b_np, device=device, requires_grad=True)
        ((x @ w).tanh().sum() + (x * x).sum()).backward()
        g = 1 - np.tanh(a_np @ b_np) ** 2
        close(x.grad, g @ b_np.T + 2 * a_np)
        close(w.grad, a_np.T @ g)

    def random() -> None:
        from .random import philox_words, uniform_from_words

        state = mt.get_rng_state()
        mt.manual_seed(42)
        close(mt.rand(8, device=device), uniform_from_words(philox_words(8, 42, 0), np.float32))
        mt.set_rng_state(state)

    return [
        ("host round trip", round_trip),
        ("add (broadcast)", lambda: close(t(a_np) + t(b_np[0, :3]), a_np + b_np[0, :3])),
        ("mul and exp", lambda: close((t(a_np) * 0.5).exp(), np.exp(a_np * 0.5))),
        ("compare and where", lambda: close(mt.where(t(a_np) > 0, t(a_np), 0.0),
                                         np.maximum(a_np, 0))),
        ("reductions", lambda: close(
            mt.stack([t(a_np).sum(1), t(a_np).amax(1), t(a_np).argmax(1).float()]),
            np.stack([a_np.sum(1), a_np.max(1), a_np.argmax(1)]))),
        ("matmul", lambda: close(t(a_np) @ t(b_np), a_np @ b_np)),
        ("strided copy", lambda: close(t(b_np).T.contiguous(), b_np.T)),
        ("cast", lambda: close(t(a_np).long(), a_np.astype(np.int64))),
        ("gather", lambda: close(t(a_np).gather(1, t(np.array([[2], [0]]))), a_np[[0, 1], [2, 0]]
                                 .reshape(2, 1))),
        ("random (Philox)", random),
        ("backward", backward),
    ]


def self_test(device: str, progress: list[str] | None = None) -> tuple[list[str], list[str]]:
    """Run the checks on ``device``. Returns one line per failed check (empty: all passed)
    and the checks skipped because they need an op the backend declares unsupported.
    ``progress``, when given, gets the name of each check as it starts."""
    progress = [] if progress is None else progress
    progress.append("starting the backend")
    try:
        checks = _checks(device)
        unsupported = type(registry.get_backend(device)).unsupported_ops
    except KeyboardInterrupt:
        raise
    except BaseException as exc:
        return [f"backend: {type(exc).__name__}: {exc}"], []
    failures, skipped = [], []
    for name, check in checks:
        progress.append(name)
        try:
            check()
        except NotImplementedError as exc:
            lacking = [op for op in unsupported if f"op '{op}' is not implemented" in str(exc)]
            if lacking:
                skipped.append(f"{name} (needs {lacking[0]})")
            else:
                failures.append(f"{name}: NotImplementedError: {exc}")
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # the doctor reports every kind of failure, sys.exit too
            first_line = (str(exc).strip().splitlines() or [""])[0]
            failures.append(f"{name}: {type(exc).__name__}: {first_line}")
    return failures, skipped


def self_test_with_limit(device: str, timeout: float) -> tuple[list[str], list[str]]:
    """:func:`self_test` in a thread that may take ``timeout`` seconds: a kernel that never
    returns is reported as a failure instead of hanging the doctor. (The thread cannot be
    stopped; it is a daemon thread, abandoned when the doctor exits.)"""
    progress: list[str] = []
    result: list[tuple[list[str], list[str]]] = []
    worker = threading.Thread(target=lambda: result.append(self_test(device, progress)),
                              name=f"microtorch-self-test-{device}", daemon=True)
    worker.start()
    worker.join(timeout)
    if not result:
        return [f"did not finish within {timeout:g} s (hung in {progress[-1]!r})"], []
    return result[0]


# -- plugins that hang or end the process ------------------------------------------------------
_CHILD = "from microtorch_core.doctor import _load_plugins_child; _load_plugins_child()"


def _load_plugins_child() -> None:
    """In a child process: load each plugin, saying on stdout when each starts and ends, so
    that the parent can tell which one hangs or ends the process. argv[1]: the plugins to
    skip, as JSON [[distribution, entry point], ...]."""
    skip = [tuple(key) for key in json.loads(sys.argv[1])]
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # what a plugin prints goes to stderr, not into the protocol
    scratch = BackendRegistry()
    warnings.simplefilter("ignore", PluginWarning)  # the parent reports them
    for ep, dist in scratch._entry_points():
        if (dist, ep.name) in skip:
            continue
        protocol.write(json.dumps(["start", dist, ep.name]) + "\n")
        scratch._load_entry_point(ep, dist)
        protocol.write(json.dumps(["done", dist, ep.name]) + "\n")


def _run_child(skip: list[tuple[str, str]], timeout: float) -> tuple[tuple[str, str], str] | None:
    """Load the plugins in a child process; the first one that hangs for ``timeout`` seconds
    or ends the process, and why, or None when the child loaded them all."""
    child = subprocess.Popen([sys.executable, "-c", _CHILD, json.dumps(skip)],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        assert child.stdout is not None
        for line in child.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    current: tuple[str, str] | None = None
    # the child's own start (importing MicroTorch) gets a time limit too
    deadline = time.monotonic() + max(timeout, 10.0)
    while True:
        try:
            line = lines.get(timeout=max(deadline - time.monotonic(), 0.0))
        except queue.Empty:
            child.kill()
            child.wait()
            if current is None:
                return None  # the child hung outside any plugin: nothing to blame
            return current, (f"loading did not finish within {timeout:g} s (its import or its "
                             f"microtorch_register_backends hook hangs)")
        if line is None:
            code = child.wait()
            if current is None:
                return None
            how = (f"killed by signal {signal.Signals(-code).name}" if code < 0
                   else f"exit code {code}")
            return current, f"loading it ended the Python process ({how})"
        if line.startswith("["):
            event, dist, name = json.loads(line)
            current = (dist, name) if event == "start" else None
            deadline = time.monotonic() + timeout


def find_plugins_that_hang(timeout: float) -> dict[tuple[str, str], str]:
    """(distribution, entry point) -> why, for each plugin that hangs for ``timeout`` seconds
    or ends the process while loading, found in child processes (one more per culprit)."""
    found: dict[tuple[str, str], str] = {}
    while True:
        culprit = _run_child(list(found), timeout)
        if culprit is None or culprit[0] in found:
            return found
        found[culprit[0]] = culprit[1]


# -- the report ------------------------------------------------------------------------------
def _version(dist: str, fallback: str = "not installed") -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return fallback


def _size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(n) < 1024 or unit == "GiB":
            return f"{n} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def main(argv: list[str] | None = None) -> int:
    """Print the report; return the exit code (0: every available backend passed)."""
    parser = argparse.ArgumentParser(prog="python -m microtorch_core", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S, metavar="SECONDS",
                        help="time a plugin may take to load, and a backend to pass its "
                             f"self-test (default {DEFAULT_TIMEOUT_S:g})")
    args = parser.parse_args(argv)
    from . import __version__

    print("MicroTorch doctor\n\nversions")
    print(f"  python           {platform.python_version()} ({platform.platform()})")
    print(f"  microtorch-core  {_version('microtorch-core', __version__)}")
    print(f"  numpy            {np.__version__}")
    print(f"  pluggy           {pluggy.__version__}")
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist = ep.dist
        label = f"{dist.name} {dist.version}" if dist is not None else ep.value
        print(f"  {label:<30} entry point {ep.name!r} -> {ep.value}")

    for (dist, name), reason in find_plugins_that_hang(args.timeout).items():
        registry.skip_entry_point(dist, name, reason)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PluginWarning)  # printed below, once
        backends = registry.list_backends()
    print("\nbackends")
    for info in backends:
        state = "available" if info.available else f"unavailable: {info.reason}"
        print(f"  {info.name:<10} {state}  (from {info.source})")
    if not backends:
        print(f"  none installed (pip install microtorch-cpu; {AUTOLOAD_ENV} and {BLOCK_ENV} "
              "turn entry points off)")

    print("\nbroken plugins")
    for broken in registry.broken:
        print(f"  {broken}")
    if not registry.broken:
        print("  none")

    print("\nself-test")
    failed = 0
    for info in backends:
        if not info.available:
            print(f"  {info.name:<10} skipped (unavailable)")
            continue
        start = time.perf_counter()
        failures, skipped = self_test_with_limit(info.name, args.timeout)
        ms = (time.perf_counter() - start) * 1e3
        print(f"  {info.name:<10} {'FAIL' if failures else 'PASS'} ({ms:.0f} ms)")
        for line in failures:
            print(f"    {line}")
        if skipped:
            print(f"    skipped, declared unsupported: {', '.join(skipped)}")
        failed += bool(failures)

    print("\nallocator statistics (after the self-test)")
    for info in backends:
        if info.instance is not None:
            s = info.instance.allocator.stats()
            print(f"  {info.name:<10} allocated {_size(s.allocated_bytes)}, peak "
                  f"{_size(s.peak_allocated_bytes)}, reserved {_size(s.reserved_bytes)}, "
                  f"{s.num_allocs} allocations, {s.num_frees} frees, "
                  f"{s.num_cache_hits} cache hits")
    return 1 if failed or registry.broken else 0
