"""The CUDA backend as a plugin: import without side effects, availability with its reason,
registration, and ``microtorch_core.cuda`` with and without a usable backend.

The "usable backend" here is the CUDA backend on the CPU emulator, registered in-process as
device ``cuda``; on a machine with a GPU the real one is checked by test_cuda_kernels.py.
"""

from __future__ import annotations

import ctypes
import subprocess
import sys
from pathlib import Path

import microtorch_core as mt
import numpy as np
import pytest
from microtorch_core.backend import missing_primitives
from microtorch_core.registry import BackendRegistry, registry

import microtorch_cuda.plugin
from microtorch_cuda import CUDABackend
from microtorch_cuda.driver import probe_availability
from microtorch_cuda.emulator import find_cxx

REPOSITORY = Path(__file__).resolve().parents[3]  # backends/microtorch_cuda/tests/..
BENCH = REPOSITORY / "benchmarks" / "bench_cuda.py"


# -- import and availability -------------------------------------------------------------------
def test_importing_the_package_and_plugin_touches_no_gpu():
    code = ("import sys, microtorch_cuda, microtorch_cuda.plugin; "
            "bad = [m for m in sys.modules if m.startswith('pycuda')]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_backend_class_implements_every_primitive():
    assert missing_primitives(CUDABackend) == []


def fake_import(missing: str | None = None):
    def import_module(name: str):
        if name == missing:
            raise ImportError(f"No module named {name!r}")
        return object()

    return import_module


class FakeLibcuda:
    """ctypes-like libcuda whose calls return the codes a test asks for."""

    ERROR_NAME = ctypes.c_char_p(b"CUDA_ERROR_NO_DEVICE")

    def __init__(self, init_rc: int = 0, count: int = 1) -> None:
        self.init_rc, self.count = init_rc, count

    def cuInit(self, flags):  # noqa: N802 - the driver API's name
        return self.init_rc

    def cuDeviceGetCount(self, ref):  # noqa: N802
        ref._obj.value = self.count
        return 0

    def cuGetErrorName(self, rc, ref):  # noqa: N802
        ref._obj.value = self.ERROR_NAME.value
        return 0


def test_availability_says_pycuda_is_not_installed():
    result = probe_availability(import_module=fake_import("pycuda"))
    assert not result.ok and result.reason.startswith("PyCUDA is not installed")


def test_availability_says_the_driver_is_missing():
    def no_library(name):
        raise OSError(f"{name}: cannot open shared object file")

    result = probe_availability(import_module=fake_import(), load_library=no_library)
    assert not result.ok
    assert result.reason.startswith("no NVIDIA driver found (libcuda.so.1 could not be loaded")


def test_availability_says_cuinit_failed_with_the_error_name():
    result = probe_availability(import_module=fake_import(),
                                load_library=lambda name: FakeLibcuda(init_rc=100))
    assert not result.ok
    assert "cuInit returned CUDA_ERROR_NO_DEVICE (100)" in result.reason


def test_availability_says_no_gpu_is_visible(monkeypatch):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    result = probe_availability(import_module=fake_import(),
                                load_library=lambda name: FakeLibcuda(count=0))
    assert not result.ok and result.reason == "no CUDA GPU is visible (CUDA_VISIBLE_DEVICES='')"


def test_availability_is_ok_with_pycuda_a_driver_and_a_gpu():
    assert probe_availability(import_module=fake_import(),
                              load_library=lambda name: FakeLibcuda()).ok


def test_this_machine_gets_a_reason_or_a_working_backend():
    availability = CUDABackend.availability()
    if availability.ok:
        pytest.skip("a GPU is available here: test_cuda_kernels.py exercises it")
    assert availability.reason
    with pytest.raises(RuntimeError, match="device 'cuda' is unavailable"):
        CUDABackend()


def test_status_command_prints_the_reason_when_cuda_cannot_run():
    availability = CUDABackend.availability()
    if availability.ok:
        pytest.skip("a GPU is available here")
    result = subprocess.run([sys.executable, "-m", "microtorch_cuda"], capture_output=True,
                            text=True)
    assert result.returncode == 1
    assert result.stdout.strip() == f"cuda: unavailable: {availability.reason}"


def test_plugin_registers_cuda_and_the_emulator_only_on_request(monkeypatch):
    monkeypatch.delenv("MICROTORCH_CUDA_EMULATOR", raising=False)
    reg = BackendRegistry()
    reg._loaded = True  # no entry points: just this plugin
    reg.register_plugin(microtorch_cuda.plugin)
    assert reg.backend_info("cuda") is not None and reg.backend_info("cudaemu") is None
    monkeypatch.setenv("MICROTORCH_CUDA_EMULATOR", "1")
    reg = BackendRegistry()
    reg._loaded = True
    reg.register_plugin(microtorch_cuda.plugin)
    assert reg.backend_info("cudaemu") is not None and not reg.broken


# -- microtorch_core.cuda ----------------------------------------------------------------------
@pytest.fixture
def no_cuda(monkeypatch):
    """The global registry, with whatever cuda backend it has made unusable."""
    monkeypatch.setattr(registry, "backend_info", lambda name: None)


def test_cuda_module_without_a_backend_reports_zero_and_clear_errors(no_cuda):
    assert mt.cuda.is_available() is False and mt.cuda.device_count() == 0
    assert mt.cuda.memory_allocated() == 0 and mt.cuda.memory_reserved() == 0
    assert mt.cuda.max_memory_allocated() == 0 and mt.cuda.memory_stats() == {}
    mt.cuda.empty_cache()
    mt.cuda.reset_peak_memory_stats()
    with pytest.raises(RuntimeError, match="no CUDA backend is installed"):
        mt.cuda.get_device_name()
    with pytest.raises(RuntimeError, match="no CUDA backend is installed"):
        mt.cuda.synchronize()


def test_cuda_module_with_an_unavailable_backend_names_the_reason():
    info = registry.backend_info("cuda")
    if info is None or info.available:
        pytest.skip("needs the microtorch-cuda plugin installed on a machine without a GPU")
    assert mt.cuda.is_available() is False and mt.cuda.device_count() == 0
    assert mt.cuda.unavailable_reason() == info.reason
    with pytest.raises(RuntimeError, match="device 'cuda' is unavailable"):
        mt.cuda.synchronize()


@pytest.fixture
def emulated_cuda():
    """Device ``cuda`` served by the CUDA backend on the CPU emulator, for this test only."""
    if find_cxx() is None:
        pytest.skip("the CUDA emulator needs a C++20 compiler (g++)")
    from microtorch_cuda.emulator.backend import EmulatedCUDABackend

    cls = type("EmulatedAsCuda", (EmulatedCUDABackend,), {"name": "cuda"})
    registry.list_backends()  # load the entry points first, so ours is not shadowed later
    registry.register_backend("cuda", cls, override=True)
    yield
    registry.reload()  # back to what the entry points provide


def test_cuda_module_reports_the_allocator_of_a_running_backend(emulated_cuda):
    assert mt.cuda.is_available() and mt.cuda.device_count() == 1
    assert "emulator" in mt.cuda.get_device_name("cuda:0")
    x = mt.rand(1000, device="cuda")
    y = (x * 2).cpu()
    np.testing.assert_allclose(y.numpy(), x.cpu().numpy() * 2)
    mt.cuda.synchronize()
    assert mt.cuda.memory_allocated() >= 4000
    assert mt.cuda.memory_reserved() >= mt.cuda.memory_allocated()
    peak = mt.cuda.max_memory_allocated()
    del x, y
    assert mt.cuda.max_memory_allocated() == peak
    mt.cuda.reset_peak_memory_stats()
    assert mt.cuda.max_memory_allocated() == mt.cuda.memory_allocated()
    mt.cuda.empty_cache()
    assert mt.cuda.memory_reserved() >= mt.cuda.memory_allocated()
    assert mt.cuda.memory_stats()["num_allocs"] >= 2
    with pytest.raises(ValueError, match="device 0 only"):
        mt.cuda.memory_allocated(1)


def test_cuda_tensors_expose_cuda_array_interface(emulated_cuda):
    t = mt.zeros((3, 4), device="cuda")
    interface = t.__cuda_array_interface__
    assert interface["shape"] == (3, 4) and interface["typestr"] == "<f4"
    assert interface["version"] == 3 and interface["strides"] is None
    assert t.t().__cuda_array_interface__["strides"] == (4, 16)


def test_benchmark_script_runs(emulated_cuda, capsys):
    """benchmarks/bench_cuda.py with tiny sizes: its API use is right before a GPU run."""
    import runpy

    bench = runpy.run_path(str(BENCH))
    assert bench["main"](["--small"]) == 0
    out = capsys.readouterr().out
    assert "add, 4096 float32" in out and "matmul 64^3" in out and "allocator:" in out


def test_benchmark_script_skips_cleanly_without_cuda(no_cuda, capsys):
    import runpy

    bench = runpy.run_path(str(BENCH))
    assert bench["main"]([]) == 0
    assert "skipped, CUDA is unavailable" in capsys.readouterr().out
