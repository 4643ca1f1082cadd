"""Host-side cost of small ops on the CUDA backend, measured without a GPU.

    python benchmarks/bench_cuda_host.py           # the measurement
    python benchmarks/bench_cuda_host.py --quick   # few calls: checks the script runs

A small op on a GPU is bound by the host: Python dispatch, the allocator, packing the kernel's
arguments, and the driver's launch call. That part can be measured on the fake GPU
(``microtorch_cuda.emulator.fakegpu``) with ``MICROTORCH_FAKE_CUDA_SKIP_KERNELS=1``: PyCUDA
and our driver code run unchanged, launches are checked, but no kernel runs. The script
re-runs itself that way. It needs PyCUDA (see docs/cuda-backend.md, "The fake GPU").

It prints, per op, microseconds per call on the fake GPU, on our CPU backend and on
PyTorch's CPU (when installed), with ratios, plus PyCUDA's own ``prepared_call`` against the
backend's ``_Kernel.prepared_call`` for the same launch. NVIDIA's real ``cuLaunchKernel``
adds a few microseconds per launch on top of these numbers; they are a floor, not a GPU
measurement.
"""

from __future__ import annotations

import sys
import timeit

from timing import on_fake_gpu, rerun_on_fake_gpu

CALLS = 50 if "--quick" in sys.argv else 5000  # calls per timed run


def per_call(fn) -> float:
    """Microseconds per call: best of 5 runs of CALLS calls, after a warm-up."""
    for _ in range(100):
        fn()
    return min(timeit.repeat(fn, number=CALLS, repeat=5)) / CALLS * 1e6


def cases(mt, device: str):
    """name -> zero-argument callable running the op on ``device``."""
    a, b = mt.rand(16, device=device), mt.rand(16, device=device)
    m = mt.rand(16, 16, device=device)
    w = mt.rand(16, 16, device=device, requires_grad=True)
    return {
        "add, 16 float32": lambda: a + b,
        "mul by a Python float": lambda: a * 2.0,
        "relu": lambda: a.relu(),
        "sum": lambda: a.sum(),
        "matmul 16x16": lambda: m @ m,
        "forward + backward of (m @ w).sum()": lambda: (m @ w).sum().backward(),
    }


def torch_cases(torch):
    a, b, m = torch.rand(16), torch.rand(16), torch.rand(16, 16)
    w = torch.rand(16, 16, requires_grad=True)
    return [lambda: a + b, lambda: a * 2.0, lambda: a.relu(), lambda: a.sum(), lambda: m @ m,
            lambda: (m @ w).sum().backward()]


def launch_paths(mt) -> None:
    """The same launch through PyCUDA's prepared_call and through our _Kernel."""
    from microtorch_core.registry import registry

    backend = registry.get_backend("cuda")
    a = mt.rand(16, device="cuda")
    kernel = backend.kernels.function("elementwise", "float32", "add_contig", "PPPffq")
    ptr = a._storage.handle.ptr
    args = ((1, 1), (256, 1, 1), ptr, ptr, ptr, 0.0, 0.0, 16)
    pycuda_function = kernel.function
    pycuda_function.prepare("PPPffq")
    theirs = per_call(lambda: pycuda_function.prepared_call(*args))
    ours = per_call(lambda: kernel.prepared_call(*args))
    print(f"{'one launch: PyCUDA Function.prepared_call':<44} {theirs:8.2f} us")
    print(f"{'one launch: our _Kernel.prepared_call':<44} {ours:8.2f} us   "
          f"ratio {ours / theirs:5.2f} (ours / PyCUDA's)")


def measure() -> int:
    import microtorch_core as mt

    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:
        torch = None
    print(f"host cost per op, fake GPU with kernels skipped ({mt.cuda.get_device_name()})")
    print(f"{'op':<44} {'cuda':>8} {'cpu':>8} {'torch cpu':>10}   cuda/cpu  cuda/torch")
    cuda, cpu = cases(mt, "cuda"), cases(mt, "cpu")
    ref = torch_cases(torch) if torch is not None else [None] * len(cuda)
    for (name, fn), cpu_fn, torch_fn in zip(cuda.items(), cpu.values(), ref, strict=True):
        t_cuda, t_cpu = per_call(fn), per_call(cpu_fn)
        t_torch = per_call(torch_fn) if torch_fn is not None else float("nan")
        print(f"{name:<44} {t_cuda:8.2f} {t_cpu:8.2f} {t_torch:10.2f}   "
              f"{t_cuda / t_cpu:8.2f}  {t_cuda / t_torch:10.2f}")
    launch_paths(mt)
    return 0


def main() -> int:
    if on_fake_gpu():
        return measure()
    return rerun_on_fake_gpu(__file__, "bench_cuda_host")


if __name__ == "__main__":
    sys.exit(main())
