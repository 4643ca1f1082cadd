"""MicroTorch vs NumPy vs PyTorch on the CPU, in one run, reported as ratios.

    python benchmarks/bench_cpu.py [--threads 1] [--repeat 7]

Each case runs interleaved (MicroTorch, NumPy, PyTorch, MicroTorch, ...) and keeps the best of
``--repeat`` rounds, each round timing a loop of many calls. Thread counts are pinned to the
same number for NumPy's BLAS and PyTorch before either is imported. PyTorch is optional: its
columns say "n/a" when it is not installed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable

from timing import interleaved, report, start


def import_time(code: str) -> float | None:
    """Best wall time of a fresh interpreter running ``code`` (import plus first op), with
    bytecode caching on, as an installed package runs (``pip install`` compiles it); a first,
    untimed run writes the caches (PYTHONDONTWRITEBYTECODE would recompile every module on
    every run, about 0.3 s more for MicroTorch)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    best = None
    for attempt in range(4):
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, env=env)
        elapsed = time.perf_counter() - start
        if proc.returncode != 0:
            return None
        if attempt:  # the first run only fills the bytecode caches
            best = elapsed if best is None else min(best, elapsed)
    return best


def main() -> None:
    args, np, mt, torch = start(__doc__, repeat=7)

    # 1. add of two 16-element float32 tensors
    a_np, b_np = np.random.rand(16).astype(np.float32), np.random.rand(16).astype(np.float32)
    a, b = mt.tensor(a_np), mt.tensor(b_np)
    ta, tb = (torch.tensor(a_np), torch.tensor(b_np)) if torch else (None, None)
    report("add 16 float32", interleaved({
        "microtorch": lambda: a + b, "numpy": lambda: a_np + b_np,
        "torch": (lambda: ta + tb) if torch else None}, 20000, args.repeat))

    ag, bg = mt.tensor(a_np, requires_grad=True), mt.tensor(b_np, requires_grad=True)
    tag = torch.tensor(a_np, requires_grad=True) if torch else None
    tbg = torch.tensor(b_np, requires_grad=True) if torch else None
    report("add 16 float32, requires_grad", interleaved({
        "microtorch": lambda: ag + bg, "numpy": lambda: a_np + b_np,
        "torch": (lambda: tag + tbg) if torch else None}, 20000, args.repeat))

    # tensor op Python number, and the in-place update of an optimizer step (p += -lr * g)
    report("mul 16 float32 by a Python float", interleaved({
        "microtorch": lambda: a * 0.5, "numpy": lambda: a_np * 0.5,
        "torch": (lambda: ta * 0.5) if torch else None}, 20000, args.repeat))

    p_np = np.random.rand(64, 128).astype(np.float32)
    g_np = np.random.rand(64, 128).astype(np.float32)
    p, g = mt.tensor(p_np), mt.tensor(g_np)
    tp, tg = (torch.tensor(p_np), torch.tensor(g_np)) if torch else (None, None)
    report("add_(g, alpha=-lr) 64x128 float32", interleaved({
        "microtorch": lambda: p.add_(g, alpha=-1e-9),
        "numpy": lambda: np.add(p_np, g_np * -1e-9, out=p_np),
        "torch": (lambda: tp.add_(tg, alpha=-1e-9)) if torch else None}, 5000, args.repeat))

    # 2. 512x512 float32 matmul
    m_np = np.random.rand(512, 512).astype(np.float32)
    n_np = np.random.rand(512, 512).astype(np.float32)
    m, n = mt.tensor(m_np), mt.tensor(n_np)
    tm, tn = (torch.tensor(m_np), torch.tensor(n_np)) if torch else (None, None)
    report("matmul 512x512 float32", interleaved({
        "microtorch": lambda: m @ n, "numpy": lambda: m_np @ n_np,
        "torch": (lambda: tm @ tn) if torch else None}, 20, args.repeat))

    # 3. one SGD step of a 64-128-10 MLP on a batch of 64 (cross-entropy loss)
    report("MLP 64-128-10 SGD step (batch 64)", interleaved({
        "microtorch": _mlp_step(mt, None), "numpy": None,
        "torch": _mlp_step(torch, None) if torch else None}, 200, args.repeat))

    # 4. a fresh interpreter: import plus first op
    report("import + first op", {
        "microtorch": import_time("import microtorch_core as mt; mt.ones(2) + 1"),
        "numpy": import_time("import numpy as np; np.ones(2) + 1"),
        "torch": import_time("import torch; torch.ones(2) + 1") if torch else None})


def _mlp_step(lib, _unused) -> Callable[[], object]:
    """A training step written once for both MicroTorch and PyTorch (same API)."""
    lib.manual_seed(0)
    x = lib.randn(64, 64)
    y = lib.randint(0, 10, (64,))
    w1 = (lib.randn(64, 128) * 0.1).requires_grad_()
    b1 = lib.zeros(128, requires_grad=True)
    w2 = (lib.randn(128, 10) * 0.1).requires_grad_()
    b2 = lib.zeros(10, requires_grad=True)
    opt = lib.optim.SGD([w1, b1, w2, b2], lr=0.1, momentum=0.9)

    def step():
        opt.zero_grad()
        h = (x @ w1 + b1).relu()
        logp = (h @ w2 + b2).log_softmax(-1)
        loss = -logp.gather(1, y.unsqueeze(1)).mean()
        loss.backward()
        opt.step()
        return loss

    return step


if __name__ == "__main__":
    main()
