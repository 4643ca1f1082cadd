"""GPU benchmark of MicroTorch's CUDA backend, with its references measured in the same run.

    python benchmarks/bench_cuda.py            # prints one line per measurement, with ratios
    python benchmarks/bench_cuda.py --small    # tiny sizes: checks the script runs

Measures (targets from issue 4 in brackets):

1. elementwise add of 2**26 float32 against a device-to-device copy of the same bytes,
   as a ratio of achieved bandwidths [>= 0.85];
2. a sum reduction of 2**26 float32, as bandwidth and against the same copy;
3. a 4096 x 4096 x 4096 float32 matmul against ``torch.matmul`` with TF32 off [>= 0.5];
4. small-op latency (add of 16 elements) against PyTorch CUDA [within 2x].

Timings are wall-clock around a synchronize, best of several repeats. Compare numbers only
within one run on one machine. Without a usable GPU it prints why and exits 0.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

import microtorch_core as mt


def best_time(fn: Callable[[], object], sync: Callable[[], None], iters: int,
              repeats: int = 5) -> float:
    """Seconds per call of ``fn``: best of ``repeats`` runs of ``iters`` calls each."""
    fn()
    sync()  # warm up: kernel compilation, allocator cache
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(iters):
            fn()
        sync()
        best = min(best, (time.perf_counter() - start) / iters)
    return best


def report(name: str, value: str, ratio: float | None = None, target: str = "") -> None:
    extra = f"   ratio {ratio:6.3f} {target}" if ratio is not None else ""
    print(f"{name:<44} {value:>22}{extra}")


def torch_cuda():
    """PyTorch with CUDA, or None (its parts of the benchmark are then skipped)."""
    try:
        import torch
    except ImportError:
        return None
    return torch if torch.cuda.is_available() else None


def bench_bandwidth(n: int, backend, torch) -> None:
    """1 and 2: add and sum of n float32 against a device-to-device copy of the same bytes."""
    sync = mt.cuda.synchronize
    nbytes = 4 * n
    a, b = mt.rand(n, device="cuda"), mt.rand(n, device="cuda")
    dst = mt.empty(n, device="cuda")
    src_ptr, dst_ptr = a._storage.handle.ptr, dst._storage.handle.ptr
    t_copy = best_time(lambda: backend.driver.memcpy_dtod(dst_ptr, src_ptr, nbytes), sync, 20)
    copy_bw = 2 * nbytes / t_copy  # a copy reads and writes each byte once
    report(f"device-to-device copy, {nbytes >> 20} MiB", f"{copy_bw / 1e9:8.1f} GB/s")
    t_add = best_time(lambda: a + b, sync, 20)
    add_bw = 3 * nbytes / t_add  # add reads two arrays and writes one
    report(f"add, {n} float32", f"{add_bw / 1e9:8.1f} GB/s", add_bw / copy_bw, "[>= 0.85]")
    t_sum = best_time(lambda: a.sum(), sync, 20)
    sum_bw = nbytes / t_sum
    report(f"sum, {n} float32", f"{sum_bw / 1e9:8.1f} GB/s", sum_bw / copy_bw, "(vs copy)")
    if torch is not None:
        ta = torch.as_tensor(a, device="cuda")  # zero-copy through __cuda_array_interface__
        t_tsum = best_time(lambda: ta.sum(), torch.cuda.synchronize, 20)
        report("  torch.sum, same tensor", f"{nbytes / t_tsum / 1e9:8.1f} GB/s",
               t_tsum / t_sum, "(torch time / ours)")
        print(f"  sums agree? ours {a.sum().item():.6g}, torch {ta.sum().item():.6g}")


def bench_matmul(m: int, torch) -> None:
    """3: an m x m x m float32 matmul (2 m^3 flops) against cuBLAS without TF32."""
    x, y = mt.rand(m, m, device="cuda"), mt.rand(m, m, device="cuda")
    t_mm = best_time(lambda: x @ y, mt.cuda.synchronize, 3, repeats=3)
    flops = 2 * m**3
    report(f"matmul {m}^3 float32", f"{flops / t_mm / 1e12:8.2f} TFLOP/s")
    if torch is not None:
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
        tx, ty = torch.as_tensor(x, device="cuda"), torch.as_tensor(y, device="cuda")
        t_tmm = best_time(lambda: tx @ ty, torch.cuda.synchronize, 3, repeats=3)
        report("  torch.matmul (cuBLAS, TF32 off)", f"{flops / t_tmm / 1e12:8.2f} TFLOP/s",
               t_tmm / t_mm, "[fraction of cuBLAS, >= 0.5]")
        err = (torch.as_tensor(x @ y, device="cuda") - tx @ ty).abs().max().item()
        print(f"  max |ours - torch| = {err:.3g}")


def bench_latency(iters: int, torch) -> None:
    """4: a 16-element add, i.e. Python dispatch plus one kernel launch."""
    s, t = mt.rand(16, device="cuda"), mt.rand(16, device="cuda")
    t_small = best_time(lambda: s + t, mt.cuda.synchronize, iters)
    report("add, 16 float32 (per op)", f"{t_small * 1e6:8.2f} us")
    if torch is not None:
        ts, tt = torch.rand(16, device="cuda"), torch.rand(16, device="cuda")
        t_tsmall = best_time(lambda: ts + tt, torch.cuda.synchronize, iters)
        report("  torch add, 16 float32 (per op)", f"{t_tsmall * 1e6:8.2f} us",
               t_small / t_tsmall, "[ours / torch, <= 2]")


def main(argv: list[str]) -> int:
    if not mt.cuda.is_available():
        print(f"bench_cuda: skipped, CUDA is unavailable: {mt.cuda.unavailable_reason()}")
        return 0
    from microtorch_core.registry import registry

    small = "--small" in argv  # tiny sizes: a smoke test of this script, not a benchmark
    torch = torch_cuda()
    print(f"GPU: {mt.cuda.get_device_name()}; PyTorch CUDA: "
          f"{torch.__version__ if torch else 'not available'}")
    bench_bandwidth(2**12 if small else 2**26, registry.get_backend("cuda"), torch)
    bench_matmul(64 if small else 4096, torch)
    bench_latency(20 if small else 2000, torch)
    stats = mt.cuda.memory_stats()
    print(f"allocator: {stats['num_device_allocs']} device allocations, "
          f"{stats['num_cache_hits']} cache hits, reserved {mt.cuda.memory_reserved() >> 20} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
