"""Checkpoints: peak memory and time of save and load, MicroTorch beside PyTorch, and SIGKILLs
during a save.

    python benchmarks/bench_checkpoint.py [--mib 256] [--runs 3] [--kills 20] [--dir /tmp]

Memory: each save or load runs in a fresh interpreter, which reports the growth of its peak
resident memory across the call (``VmHWM`` of ``/proc/self/status``; ``ru_maxrss`` where there
is no ``/proc``: on Linux a child's ``ru_maxrss`` starts at its parent's peak, so it would hide
the growth). The tensor (``--mib`` of float32 ones) is made before the first reading, so a save
that streams costs about 0 and a load about the tensor itself. Each row keeps the best of
``--runs``. Ratios are MicroTorch over PyTorch (``torch.save`` / ``torch.load(weights_only=True)``)
in the same run. MicroTorch's save also fsyncs the file (durability, as an atomic write
needs); PyTorch's does not, so the times differ by that too.

Kills: a writer process saves a ``--mib`` tensor of one value over a checkpoint and is killed
with SIGKILL after a random delay up to the duration of one save; after each kill the
checkpoint must load as the old values or the new ones, never a mix or garbage. Then one more
save must remove the temporaries the killed writers left.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_CHILD = r"""
import os, resource, sys, time

def peak_mib():
    # VmHWM: this process's own peak. ru_maxrss is no good in a child: Linux starts it at the
    # parent's peak (the memory of the process that forked it).
    if os.path.exists("/proc/self/status"):
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1 << 20 if sys.platform == "darwin" else 1024)

lib, op, path, numel = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
if lib == "torch":
    import torch
    save, load = torch.save, lambda p: torch.load(p, weights_only=True)
    make = lambda: {"w": torch.ones(numel)}
else:
    import microtorch_core as mt
    save, load, make = mt.save, mt.load, lambda: {"w": mt.ones(numel)}
obj = make() if op == "save" else None
# import everything the call uses before the first reading
if op == "load":
    load(sys.argv[5])
else:
    save(load(sys.argv[5]), path + ".warm")
before = peak_mib()
start = time.perf_counter()
result = save(obj, path) if op == "save" else load(path)
seconds = time.perf_counter() - start
print(peak_mib() - before, seconds)
"""


def measure(lib: str, op: str, path: Path, numel: int, small: Path) -> tuple[float, float]:
    """(peak memory growth in MiB, seconds) of one save or load in a fresh interpreter."""
    proc = subprocess.run([sys.executable, "-c", _CHILD, lib, op, str(path), str(numel),
                           str(small)], capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{lib} {op} failed:\n{proc.stderr}")
    mib, seconds = proc.stdout.split()
    return float(mib), float(seconds)


def memory(args: argparse.Namespace, directory: Path) -> None:
    import torch

    import microtorch_core as mt

    numel = args.mib * (1 << 20) // 4
    files = {"microtorch": directory / "ck.mt", "torch": directory / "ck.pt",
             "safetensors": directory / "ck.safetensors"}
    small = {suffix: directory / f"small{suffix}" for suffix in (".mt", ".pt", ".safetensors")}
    mt.save({"w": mt.ones(4)}, small[".mt"])
    mt.save({"w": mt.ones(4)}, small[".safetensors"])
    torch.save({"w": torch.ones(4)}, small[".pt"])
    rows = [("save", "microtorch", files["microtorch"]), ("save", "torch", files["torch"]),
            ("save", "microtorch", files["safetensors"]),
            ("load", "microtorch", files["microtorch"]), ("load", "torch", files["torch"]),
            ("load", "microtorch", files["torch"]), ("load", "microtorch", files["safetensors"])]
    print(f"peak memory growth and time, one {args.mib} MiB float32 tensor "
          f"(fresh interpreter each, best of {args.runs})")
    results = {}
    for op, lib, path in rows:
        runs = [measure(lib, op, path, numel, small[path.suffix]) for _ in range(args.runs)]
        mib, seconds = min(r[0] for r in runs), min(r[1] for r in runs)
        results[op, lib, path.suffix] = mib, seconds
        print(f"  {op} {lib:<10} {path.name:<16} +{mib:7.1f} MiB  {seconds * 1e3:7.1f} ms")
    for op in ("save", "load"):
        ours, theirs = results[op, "microtorch", ".mt"], results[op, "torch", ".pt"]
        print(f"  {op}: MicroTorch / PyTorch = {_ratio(ours[0], theirs[0])} memory, "
              f"{ours[1] / theirs[1]:.2f}x time")


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b >= 1 else f"+{a:.0f} vs +{b:.0f} MiB"


_WRITER = r"""
import sys
import microtorch_core as mt
path, value, numel = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
t = mt.full((numel,), value)
print("ready", flush=True)
mt.save({"w": t, "value": value}, path)
"""


def kills(args: argparse.Namespace, directory: Path) -> None:
    import numpy as np

    import microtorch_core as mt

    numel = args.mib * (1 << 20) // 4
    path = directory / "killed.mt"
    start = time.perf_counter()
    mt.save({"w": mt.zeros(numel), "value": 0.0}, path)
    one_save = time.perf_counter() - start
    rng = np.random.default_rng(0)
    written, survived, mid_write, temporaries = {0.0}, 0, 0, set()
    for i in range(1, args.kills + 1):
        child = subprocess.Popen([sys.executable, "-c", _WRITER, str(path), str(float(i)),
                                  str(numel)], stdout=subprocess.PIPE, text=True)
        child.stdout.readline()
        time.sleep(float(rng.uniform(0, one_save)))
        child.send_signal(signal.SIGKILL)
        child.wait()
        written.add(float(i))
        left = set(_temporaries(directory)) - temporaries
        mid_write += bool(left)
        temporaries |= left
        loaded = mt.load(path)
        values = loaded["w"].numpy()
        survived += loaded["value"] in written and bool(np.all(values == loaded["value"]))
    mt.save({"w": mt.zeros(4), "value": 0.0}, path)
    print(f"SIGKILL during save ({args.mib} MiB, one save {one_save * 1e3:.0f} ms): "
          f"{survived} of {args.kills} kills survived (the file loaded as the old or the new "
          f"values); {mid_write} kills left a temporary file, "
          f"{len(_temporaries(directory))} remain after the next save")


def _temporaries(directory: Path) -> list[str]:
    return [f for f in os.listdir(directory) if f.startswith(".killed.mt.mtckpt-tmp-")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=256)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--dir", default=None, help="where the files go (default: a temp dir)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        memory(args, Path(tmp))
        if args.kills:
            kills(args, Path(tmp))


if __name__ == "__main__":
    main()
