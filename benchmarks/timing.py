"""Timing helpers shared by the benchmark scripts: MicroTorch, NumPy and PyTorch run
interleaved in one process, the best of several rounds kept, and reported as ratios.

Call :func:`pin_threads` before NumPy or PyTorch is imported: both read the thread counts of
their BLAS and OpenMP pools once, when they load.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

Case = Callable[[], object] | None

#: Set in a run on the fake GPU: PyCUDA and the driver code run, the kernels do not, so what
#: is timed is the host's work.
SKIP_KERNELS_ENV = "MICROTORCH_FAKE_CUDA_SKIP_KERNELS"


def pin_threads(n: int) -> None:
    """The same thread count for OpenMP, OpenBLAS and MKL (set before they are loaded)."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(n)


def start(doc: str, repeat: int = 7) -> tuple[argparse.Namespace, Any, Any, Any]:
    """The common start of a benchmark script: parse ``--threads`` and ``--repeat``, pin the
    threads, import NumPy, MicroTorch and PyTorch (None when it is not installed), and print
    their versions. Returns ``(args, numpy, microtorch_core, torch)``."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=repeat)
    args = parser.parse_args()
    pin_threads(args.threads)

    import numpy as np

    import microtorch_core as mt

    try:
        import torch

        torch.set_num_threads(args.threads)
    except ImportError:
        torch = None
    print(f"threads={args.threads}  best of {args.repeat}  numpy {np.__version__}  "
          f"torch {torch.__version__ if torch else 'not installed'}  microtorch {mt.__version__}")
    return args, np, mt, torch


def per_call(fn: Callable[[], object], number: int | None = None, budget: float = 0.2) -> float:
    """Seconds per call of one timed loop of ``number`` calls; without ``number``, as many
    calls as fit in about ``budget`` seconds (at least one)."""
    if number is None:
        start = time.perf_counter()
        fn()
        number = max(1, int(budget / max(time.perf_counter() - start, 1e-7)))
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) / number


def interleaved(cases: dict[str, Case], number: int | None = None, repeat: int = 7
                ) -> dict[str, float | None]:
    """The best seconds per call of each case over ``repeat`` rounds, the cases taking turns
    in each round (so a slow spell of the machine hits all of them); None for a case that is
    None (a library that is not installed)."""
    best: dict[str, float | None] = {k: (None if v is None else float("inf"))
                                     for k, v in cases.items()}
    for fn in cases.values():
        if fn is not None:
            fn()  # warm up
    for _ in range(repeat):
        for name, fn in cases.items():
            if fn is not None:
                best[name] = min(best[name], per_call(fn, number))
    return best


def fmt(seconds: float | None) -> str:
    if seconds is None:
        return "     n/a"
    if seconds < 1e-3:
        return f"{seconds * 1e6:8.2f} us"
    return f"{seconds * 1e3:8.3f} ms"


def report(title: str, times: dict[str, float | None], ours: tuple[str, ...] = ("microtorch",),
           peers: tuple[str, ...] = ("numpy", "torch"), width: int = 34) -> None:
    """One line: each case's time, then each of ``ours`` over each of ``peers``."""
    parts = [f"{title:<{width}}"] + [f"{k} {fmt(v)}" for k, v in times.items()]
    for mine in ours:
        for peer in peers:
            if times.get(mine) and times.get(peer):
                parts.append(f"{mine}/{peer} {times[mine] / times[peer]:5.2f}x")
    print("  ".join(parts))


def on_fake_gpu() -> bool:
    """Whether this is the run that :func:`rerun_on_fake_gpu` started."""
    return bool(os.environ.get(SKIP_KERNELS_ENV))


def rerun_on_fake_gpu(script: str, what: str) -> int:
    """Run ``script`` again with this run's arguments on the fake GPU, kernels skipped, and
    return its exit status; without PyCUDA (the fake GPU runs the real one), say that
    ``what`` is skipped and return 0."""
    if importlib.util.find_spec("pycuda") is None:
        print(f"{what}: skipped, PyCUDA is not installed (the fake GPU runs the real PyCUDA; "
              ".ci/build-pycuda-wheel.sh builds it)")
        return 0
    command = [sys.executable, "-m", "microtorch_cuda.emulator.fakegpu", "--",
               sys.executable, os.path.abspath(script), *sys.argv[1:]]
    return subprocess.run(command, env={**os.environ, SKIP_KERNELS_ENV: "1"}).returncode
