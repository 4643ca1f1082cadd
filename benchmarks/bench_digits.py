"""The digits example in MicroTorch and in PyTorch, side by side, reported as a ratio.

    python benchmarks/bench_digits.py [--model mlp|cnn] [--threads 1] [--runs 3] [--epochs 30]
                                      [--device cpu]

Runs ``examples/train_digits.py`` and its PyTorch twin ``examples/train_digits_torch.py``
alternately in fresh interpreters (same split, model, optimizer and epochs), with the BLAS and
PyTorch thread counts pinned to the same number, and keeps each one's best training time.
Needs scikit-learn (the data) and PyTorch (the peer).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
RESULT = re.compile(r"test accuracy ([\d.]+)%\s+train time ([\d.]+) s")


def run(script: str, args: argparse.Namespace) -> tuple[float, float]:
    """(accuracy %, training seconds) from one run of an example script."""
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(args.threads)
    cmd = [sys.executable, str(EXAMPLES / script), "--epochs", str(args.epochs),
           "--device", args.device, "--model", args.model]
    if script.endswith("_torch.py"):
        cmd += ["--threads", str(args.threads)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    match = RESULT.search(proc.stdout)
    if proc.returncode != 0 or match is None:
        raise SystemExit(f"{script} failed (exit {proc.returncode}):\n{proc.stdout}\n"
                         f"{proc.stderr}")
    return float(match.group(1)), float(match.group(2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=["mlp", "cnn"], default="mlp")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()

    best: dict[str, tuple[float, float]] = {}
    for _ in range(args.runs):
        for name, script in (("microtorch", "train_digits.py"),
                             ("torch", "train_digits_torch.py")):
            acc, seconds = run(script, args)
            if name not in best or seconds < best[name][1]:
                best[name] = (acc, seconds)
    (mt_acc, mt_s), (t_acc, t_s) = best["microtorch"], best["torch"]
    print(f"digits {args.model.upper()}, {args.epochs} epochs on {args.device}, "
          f"threads={args.threads}, best of {args.runs}")
    print(f"  microtorch  accuracy {mt_acc:.2f}%  train {mt_s:.2f} s")
    print(f"  torch       accuracy {t_acc:.2f}%  train {t_s:.2f} s")
    print(f"  time ratio mt/torch {mt_s / t_s:.2f}x")


if __name__ == "__main__":
    main()
