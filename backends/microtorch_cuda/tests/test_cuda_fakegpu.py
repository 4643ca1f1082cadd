"""The CUDA backend through the real PyCUDA, on the fake GPU (``microtorch_cuda.emulator.fakegpu``).

``test_cuda_kernels.py`` runs the kernels with ``EmulatedDriver`` in place of PyCUDA. Here
PyCudaDriver and PyCUDA run unchanged, over a fake ``libcuda.so.1`` and a fake ``nvcc`` that
execute the same kernel sources on the CPU. Each test runs a short script in a new process,
because the fake driver is found through ``LD_LIBRARY_PATH``, which is read at process start.

Needs PyCUDA (``.ci/run`` builds it from source) and g++; skipped, with the reason, without.
The whole conformance suite runs on the fake GPU in ``.ci/run`` too.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from microtorch_cuda.emulator import find_cxx

BENCHMARKS = Path(__file__).resolve().parents[3] / "benchmarks"  # the repository's

pytestmark = [
    pytest.mark.skipif(importlib.util.find_spec("pycuda") is None,
                       reason="PyCUDA is not installed (the fake GPU runs the real PyCUDA)"),
    pytest.mark.skipif(find_cxx() is None, reason="the fake GPU needs g++"),
]


@pytest.fixture(scope="module")
def fake_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    from microtorch_cuda.emulator.fakegpu import build

    env = {**os.environ, **build(tmp_path_factory.mktemp("fakegpu"))}
    env.pop("MICROTORCH_CUDA_EMULATOR", None)
    return env


def run(env: dict[str, str], script: str, **extra_env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(script)],
                          env={**env, **extra_env}, capture_output=True, text=True, timeout=300,
                          cwd=Path(__file__).parent)


def test_fake_gpu_makes_the_cuda_device_available(fake_env):
    result = run(fake_env, """
        import microtorch_core as mt
        print(mt.cuda.is_available(), mt.cuda.device_count(), mt.cuda.get_device_name())
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[-2] == "True 1 MicroTorch fake GPU (CPU emulator)"


def test_ops_through_pycuda_match_numpy(fake_env):
    result = run(fake_env, """
        import numpy as np
        import microtorch_core as mt
        x = np.random.default_rng(0).standard_normal((37, 19)).astype(np.float32)
        w = np.random.default_rng(1).standard_normal((19, 7)).astype(np.float32)
        a, b = mt.tensor(x, device="cuda"), mt.tensor(w, device="cuda")
        out = (a @ b).relu().sum(dim=0) + a.t().exp().amax()
        expected = np.maximum(x @ w, 0).sum(axis=0) + np.exp(x.T).max()
        np.testing.assert_allclose(out.cpu().numpy(), expected, rtol=1e-5)
        print("ok", out.device)
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("ok cuda:0")


def test_backward_through_pycuda_matches_cpu(fake_env):
    result = run(fake_env, """
        import numpy as np
        import microtorch_core as mt
        x = np.random.default_rng(2).standard_normal((8, 5))
        grads = []
        for device in ("cpu", "cuda"):
            a = mt.tensor(x, device=device, requires_grad=True)
            (a.tanh() * a).sum().backward()
            grads.append(a.grad.cpu().numpy())
        np.testing.assert_allclose(grads[1], grads[0], rtol=1e-12)
        print("ok")
    """)
    assert result.returncode == 0, result.stderr


def test_pycuda_out_of_memory_empties_the_cache_then_retries(fake_env):
    # 8 MiB device: a cached 4 MiB block must be returned to the driver for a 6 MiB request.
    result = run(fake_env, """
        import microtorch_core as mt
        a = mt.empty(1 << 20, device="cuda")          # 4 MiB
        del a                                          # cached, still reserved
        b = mt.empty(6 * (1 << 18), device="cuda")    # 6 MiB: needs the cache emptied
        print(mt.cuda.memory_stats()["num_oom_retries"])
    """, MICROTORCH_FAKE_CUDA_MEMORY=str(8 << 20))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[-2] == "1"


def test_pycuda_out_of_memory_error_names_the_sizes(fake_env):
    result = run(fake_env, """
        import microtorch_core as mt
        try:
            mt.empty(1 << 22, device="cuda")   # 16 MiB on an 8 MiB device
        except MemoryError as exc:
            print(type(exc).__name__, exc)
    """, MICROTORCH_FAKE_CUDA_MEMORY=str(8 << 20))
    assert result.returncode == 0, result.stderr
    assert "CUDAOutOfMemoryError CUDA out of memory: tried to allocate 16.00 MiB" in result.stdout
    assert "device total 8.00 MiB" in result.stdout


def test_process_exit_releases_the_context_without_pycuda_warnings(fake_env):
    result = run(fake_env, """
        import microtorch_core as mt
        (mt.ones(3, device="cuda") * 2).sum().item()
    """)
    assert result.returncode == 0, result.stderr
    assert "PyCUDA" not in result.stderr and "fake libcuda" not in result.stderr, result.stderr


def test_gpu_benchmark_script_runs_on_the_fake_gpu(fake_env):
    script = BENCHMARKS / "bench_cuda.py"
    result = subprocess.run([sys.executable, str(script), "--small"], env=fake_env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "GPU: MicroTorch fake GPU (CPU emulator)" in result.stdout
    assert "matmul 64^3 float32" in result.stdout and "add, 16 float32" in result.stdout


def test_host_cost_benchmark_runs_and_compares_launch_paths():
    script = BENCHMARKS / "bench_cuda_host.py"
    result = subprocess.run([sys.executable, str(script), "--quick"], capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "forward + backward of (m @ w).sum()" in result.stdout
    assert "ratio" in result.stdout.splitlines()[-1]  # ours / PyCUDA's prepared_call


def test_compile_command_builds_every_kernel_module(fake_env):
    result = subprocess.run([sys.executable, "-m", "microtorch_cuda", "compile"], env=fake_env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert "cuda: available: MicroTorch fake GPU (CPU emulator) (sm_90" in result.stdout
    assert "compiled and loaded every kernel module" in result.stdout


def test_a_captured_step_replays_through_pycuda_bitwise_as_eager_steps(fake_env):
    # microtorch_core/testing/test_conformance_graphs.py checks 20 steps of three training
    # loops on the fake GPU in CI (the conformance suite with --backend cuda)
    result = run(fake_env, """
        import numpy as np
        import microtorch_core as mt
        from microtorch_core import graphs
        xs = [np.random.default_rng(i).standard_normal((5, 4)).astype(np.float32)
              for i in range(4)]
        weights = []
        for graphed in (False, True):
            mt.manual_seed(0)
            w = mt.randn(4, 3, device="cuda", requires_grad=True)
            x = mt.zeros(5, 4, device="cuda")
            opt = mt.optim.SGD([w], lr=0.1, momentum=0.9)
            def step():
                opt.zero_grad(set_to_none=True)
                loss = (mt.nn.functional.dropout(x @ w, 0.2).tanh() ** 2).mean()
                loss.backward()
                opt.step()
            g = graphs.Graph()
            for i, batch in enumerate(xs):
                x.copy_(mt.tensor(batch, device="cuda"))
                if graphed and i == 1:
                    with mt.cuda.graph(g):
                        step()
                if graphed and i >= 1:
                    g.replay()
                else:
                    step()
            weights.append(w.detach().cpu().numpy())
        np.testing.assert_array_equal(weights[0], weights[1])
        print("ok", g)
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().startswith("ok Graph(device='cuda'")


def test_graphs_benchmark_measures_the_host_cost_of_a_replayed_launch():
    script = BENCHMARKS / "bench_graphs.py"
    result = subprocess.run([sys.executable, str(script), "--quick", "--repeat", "1"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert "us per launch" in result.stdout and "replay / microtorch eager" in result.stdout
