"""``python -m microtorch_core``: what is installed, what works, and why not.

Prints versions, every installed backend with whether it can run here (and why not), plugins
that failed to load, a quick self-test of each available backend (a few ops against NumPy and
a tiny backward pass), and allocator statistics. Exits with 1 when a backend fails its
self-test or a plugin is broken, so CI can run it as a smoke test.
"""

from __future__ import annotations

import argparse
import platform
import time
import warnings
from collections.abc import Callable
from importlib import metadata

import numpy as np
import pluggy

from .hookspecs import ENTRY_POINT_GROUP
from .registry import AUTOLOAD_ENV, BLOCK_ENV, PluginWarning, registry


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


def self_test(device: str) -> tuple[list[str], list[str]]:
    """Run the checks on ``device``. Returns one line per failed check (empty: all passed)
    and the checks skipped because they need an op the backend declares unsupported."""
    try:
        checks = _checks(device)
        unsupported = type(registry.get_backend(device)).unsupported_ops
    except Exception as exc:
        return [f"backend: {type(exc).__name__}: {exc}"], []
    failures, skipped = [], []
    for name, check in checks:
        try:
            check()
        except NotImplementedError as exc:
            lacking = [op for op in unsupported if f"op '{op}' is not implemented" in str(exc)]
            if lacking:
                skipped.append(f"{name} (needs {lacking[0]})")
            else:
                failures.append(f"{name}: NotImplementedError: {exc}")
        except Exception as exc:  # the doctor reports every kind of failure
            first_line = (str(exc).strip().splitlines() or [""])[0]
            failures.append(f"{name}: {type(exc).__name__}: {first_line}")
    return failures, skipped


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
    argparse.ArgumentParser(prog="python -m microtorch_core", description=__doc__).parse_args(
        argv)
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
        failures, skipped = self_test(info.name)
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
