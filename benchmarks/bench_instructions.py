"""Instructions per call of MicroTorch and PyTorch, counted by valgrind's callgrind.

    python benchmarks/bench_instructions.py [--calls 1000] [--steps 30]

Wall-clock timings of a few microseconds move by 20% or more on a shared machine; the number
of instructions a call executes does not, so this is the measure to compare a change of the
per-op path with (run it before and after). Each case runs in a fresh interpreter under
callgrind, which counts only inside the timed loop (the loop runs through ``eval`` and
callgrind collects inside ``builtin_eval``), less an empty loop. Needs valgrind; PyTorch is
optional (its column says "n/a").
"""

from __future__ import annotations

import argparse
import functools
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent

SETUP = """
import sys
sys.path.insert(0, {benchmarks!r})
import {lib} as lib
if {lib!r} == "torch":
    lib.set_num_threads(1)
from bench_cpu import _mlp_step
a, b = lib.randn(16), lib.randn(16)
ag, bg = lib.randn(16, requires_grad=True), lib.randn(16, requires_grad=True)
step = _mlp_step(lib, None)
for _ in range(20):
    step()
"""

CASES = (("add 16 float32", "a + b", "calls"),
         ("add 16 float32, requires_grad", "ag + bg", "calls"),
         ("MLP 64-128-10 SGD step (batch 64)", "step()", "steps"))


@functools.cache  # the empty loop of a library and a count is the same for every case
def instructions(lib: str, stmt: str, n: int) -> int | None:
    """Instructions executed by ``n`` runs of ``stmt`` after the setup, or None."""
    loop = f"for _ in range({n}):\n    {stmt}\n"
    code = (SETUP.format(benchmarks=str(BENCHMARKS), lib=lib)
            + f"import gc\ngc.disable()\neval(compile({loop!r}, 'loop', 'exec'))\n")
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write(code)
    env = dict(os.environ, PYTHONHASHSEED="0", OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    try:
        proc = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                               "--collect-atstart=no", "--toggle-collect=builtin_eval*",
                               sys.executable, f.name], capture_output=True, text=True, env=env)
    finally:
        os.unlink(f.name)
    found = re.search(r"Collected : (\d+)", proc.stderr)
    return int(found.group(1)) if proc.returncode == 0 and found else None


def per_call(lib: str, stmt: str, n: int) -> float | None:
    total, empty = instructions(lib, stmt, n), instructions(lib, "pass", n)
    return None if total is None or empty is None else (total - empty) / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000, help="runs of each small op")
    parser.add_argument("--steps", type=int, default=30, help="runs of the MLP step")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("bench_instructions.py needs valgrind (apt install valgrind)")
    try:
        import torch  # noqa: F401
        libs = ("microtorch_core", "torch")
    except ImportError:
        libs = ("microtorch_core",)
    print("instructions per call (callgrind), one thread")
    for name, stmt, count in CASES:
        n = args.calls if count == "calls" else args.steps
        ours, theirs = (per_call(lib, stmt, n) if lib in libs else None
                        for lib in ("microtorch_core", "torch"))
        ratio = f"{ours / theirs:5.2f}x" if ours and theirs else "n/a"
        show = [f"{v:12,.0f}" if v is not None else f"{'n/a':>12}" for v in (ours, theirs)]
        print(f"{name:36s} microtorch {show[0]}  torch {show[1]}  microtorch/torch {ratio}")


if __name__ == "__main__":
    main()
