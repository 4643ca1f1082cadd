"""The Transformer example in MicroTorch and in PyTorch, side by side, reported as a ratio.

    python benchmarks/bench_transformer.py [--threads 1] [--runs 3] [--steps 500] [--digits 8]
                                           [--device cpu]

Runs ``examples/train_transformer.py`` and its PyTorch twin
``examples/train_transformer_torch.py`` alternately in fresh interpreters (same batches, model,
optimizer, schedule and number of steps), with the BLAS and PyTorch thread counts pinned to
the same number, and keeps each one's best training time. Needs PyTorch (the peer).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
RESULT = re.compile(r"final loss ([\d.]+)\s+test accuracy ([\d.]+)%.*?train time ([\d.]+) s")


def run(script: str, args: argparse.Namespace) -> tuple[float, float, float]:
    """(final training loss, test accuracy %, training seconds) from one run of a script."""
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(args.threads)
    cmd = [sys.executable, str(EXAMPLES / script), "--steps", str(args.steps),
           "--digits", str(args.digits), "--device", args.device, "--temperature", "0"]
    if script.endswith("_torch.py"):
        cmd += ["--threads", str(args.threads)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    match = RESULT.search(proc.stdout)
    if proc.returncode != 0 or match is None:
        raise SystemExit(f"{script} failed (exit {proc.returncode}):\n{proc.stdout}\n"
                         f"{proc.stderr}")
    return float(match.group(1)), float(match.group(2)), float(match.group(3))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--digits", type=int, default=8)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()

    best: dict[str, tuple[float, float, float]] = {}
    for _ in range(args.runs):
        for name, script in (("microtorch", "train_transformer.py"),
                             ("torch", "train_transformer_torch.py")):
            result = run(script, args)
            if name not in best or result[2] < best[name][2]:
                best[name] = result
    print(f"transformer (sorting {args.digits} digits), {args.steps} steps on {args.device}, "
          f"threads={args.threads}, best of {args.runs}")
    for name, (loss, acc, seconds) in best.items():
        print(f"  {name:<10}  final loss {loss:.4f}  accuracy {acc:.2f}%  train {seconds:.2f} s")
    print(f"  time ratio mt/torch {best['microtorch'][2] / best['torch'][2]:.2f}x")


if __name__ == "__main__":
    main()
