"""The ``emulated_cuda`` fixture: device ``cuda`` served by the CUDA backend on its CPU
emulator for one test, so code that asks "is there a GPU?" can be tested both ways on a
machine without one. Skips where the emulator cannot build (no g++) or microtorch-cuda is
not installed."""

import pytest

from microtorch_core.registry import registry


@pytest.fixture
def emulated_cuda():
    emulator = pytest.importorskip("microtorch_cuda.emulator")
    if emulator.find_cxx() is None:
        pytest.skip("the CUDA emulator needs a C++20 compiler (g++)")
    from microtorch_cuda.emulator.backend import EmulatedCUDABackend

    cls = type("EmulatedAsCuda", (EmulatedCUDABackend,), {"name": "cuda"})
    registry.list_backends()  # load the entry points first, so ours is not shadowed later
    registry.register_backend("cuda", cls, override=True)
    yield
    registry.reload()  # back to what the entry points provide


@pytest.fixture
def no_cuda(monkeypatch):
    """No CUDA backend installed, whatever this machine has."""
    monkeypatch.setattr(registry, "backend_info", lambda name: None)
