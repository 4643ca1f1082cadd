"""Everything that talks to the GPU: the availability probe and a thin PyCUDA driver.

The rest of the package uses a *driver* object with a handful of methods (memory, copies,
compiling, device queries). :class:`PyCudaDriver` implements it with PyCUDA;
``microtorch_cuda.emulator.EmulatedDriver`` implements it on the CPU for tests. PyCUDA is
imported only inside these functions, never when the package is imported.
"""

from __future__ import annotations

import atexit
import ctypes
import importlib
import os
import shutil
import struct
from collections.abc import Callable
from typing import Any

import numpy as np
from microtorch_core.backend import Availability

from .allocator import DeviceOutOfMemory

CUDA_SUCCESS = 0
LIBCUDA = "libcuda.so.1"


def probe_availability(import_module: Callable[[str], Any] = importlib.import_module,
                       load_library: Callable[[str], Any] = ctypes.CDLL) -> Availability:
    """Can the CUDA backend run here? Checks, in order: PyCUDA importable, the NVIDIA driver
    library loadable, ``cuInit`` succeeding, at least one GPU visible.

    The driver checks go through ctypes straight to ``libcuda``, so the reason is precise even
    when PyCUDA itself would only fail with a generic import error. The two callables are
    parameters so the tests can simulate each failure.
    """
    try:
        import_module("pycuda")
    except ImportError as exc:
        return Availability(False, f"PyCUDA is not installed ({exc}); install it with "
                                   f"pip install 'microtorch-cuda[gpu]'")
    try:
        libcuda = load_library(LIBCUDA)
    except OSError as exc:
        return Availability(False, f"no NVIDIA driver found ({LIBCUDA} could not be loaded: "
                                   f"{exc})")
    rc = libcuda.cuInit(0)
    if rc != CUDA_SUCCESS:
        return Availability(False, f"the NVIDIA driver failed to initialise (cuInit returned "
                                   f"{_error_name(libcuda, rc)})")
    count = ctypes.c_int(0)
    rc = libcuda.cuDeviceGetCount(ctypes.byref(count))
    if rc != CUDA_SUCCESS or count.value == 0:
        visible = os.environ.get("CUDA_VISIBLE_DEVICES")
        hint = f" (CUDA_VISIBLE_DEVICES={visible!r})" if visible is not None else ""
        return Availability(False, f"no CUDA GPU is visible{hint}")
    try:
        import_module("pycuda.driver")
    except ImportError as exc:
        return Availability(False, f"PyCUDA is installed but cannot load its driver module: "
                                   f"{exc}")
    return Availability(True)


def _error_name(libcuda: Any, rc: int) -> str:
    name = ctypes.c_char_p()
    try:
        if libcuda.cuGetErrorName(rc, ctypes.byref(name)) == CUDA_SUCCESS and name.value:
            return f"{name.value.decode()} ({rc})"
    except Exception:
        pass
    return str(rc)


def find_nvcc() -> str | None:
    """The nvcc PyCUDA compiles with: ``$MICROTORCH_NVCC`` if set, else nvcc from PATH, else
    from the usual CUDA install folders."""
    if os.environ.get("MICROTORCH_NVCC"):
        return os.environ["MICROTORCH_NVCC"]
    found = shutil.which("nvcc")
    if found:
        return found
    for root in (os.environ.get("CUDA_HOME"), os.environ.get("CUDA_PATH"), "/usr/local/cuda"):
        if root and os.path.isfile(os.path.join(root, "bin", "nvcc")):
            return os.path.join(root, "bin", "nvcc")
    return None


class PyCudaDriver:
    """Device 0 through PyCUDA: its primary context, memory, copies and compiler.

    We retain and push the device's *primary* context (the one the CUDA runtime, and so
    PyTorch or CuPy, use too) instead of importing ``pycuda.autoinit``, which would create a
    private context at import time. The context is popped at interpreter exit; PyCUDA aborts
    if one is still pushed when it shuts down.
    """

    def __init__(self, device_index: int = 0) -> None:
        import pycuda.driver as cuda

        self._cuda = cuda
        cuda.init()
        self.device = cuda.Device(device_index)
        self.context = self.device.retain_primary_context()
        self.context.push()
        self._allocations: dict[int, Any] = {}  # ptr -> pycuda DeviceAllocation
        attr = cuda.device_attribute
        self.multiprocessor_count = self.device.get_attribute(attr.MULTIPROCESSOR_COUNT)
        self.compute_capability = self.device.compute_capability()
        self._nvcc = find_nvcc() or "nvcc"
        self._closed = False
        atexit.register(self.close)

    # -- memory ---------------------------------------------------------------------------
    def malloc(self, nbytes: int) -> int:
        cuda = self._cuda
        try:
            allocation = cuda.mem_alloc(nbytes)
        except cuda.Error as exc:
            if isinstance(exc, cuda.MemoryError) or "out of memory" in str(exc).lower():
                raise DeviceOutOfMemory(str(exc)) from exc
            raise
        ptr = int(allocation)
        self._allocations[ptr] = allocation
        return ptr

    def free(self, ptr: int) -> None:
        allocation = self._allocations.pop(ptr, None)
        if allocation is not None:
            allocation.free()

    def memcpy_htod(self, ptr: int, src: np.ndarray) -> None:
        self._cuda.memcpy_htod(ptr, src)

    def memcpy_dtoh(self, dst: np.ndarray, ptr: int) -> None:
        self._cuda.memcpy_dtoh(dst, ptr)

    def memcpy_dtod(self, dst: int, src: int, nbytes: int) -> None:
        self._cuda.memcpy_dtod(dst, src, nbytes)

    def mem_get_info(self) -> tuple[int, int]:
        return self._cuda.mem_get_info()

    # -- execution ------------------------------------------------------------------------
    def compile(self, source: str) -> _Module:
        """A module for ``source``: PyCUDA's ``SourceModule`` (cached on disk by PyCUDA, keyed
        by the source), with launches made cheaper by :class:`_Kernel`."""
        from pycuda.compiler import SourceModule

        return _Module(SourceModule(source, no_extern_c=True, nvcc=self._nvcc))

    def precompile(self, sources: list[str], workers: int | None = None) -> None:
        """Compile ``sources`` into PyCUDA's disk cache, several nvcc processes at a time.

        Loading a module needs the CUDA context, which is current on this thread only, so the
        threads only run nvcc (``pycuda.compiler.compile`` with this GPU's arch, the same call
        and options ``SourceModule`` makes); ``compile`` later finds the cubins in the cache.
        """
        from concurrent.futures import ThreadPoolExecutor

        from pycuda.compiler import compile as nvcc_compile

        major, minor = self.compute_capability
        arch = f"sm_{major}{minor}"  # as SourceModule spells it, so the cache keys match
        with ThreadPoolExecutor(workers or os.cpu_count() or 4) as pool:
            list(pool.map(lambda src: nvcc_compile(src, nvcc=self._nvcc, no_extern_c=True,
                                                   arch=arch), sources))

    def synchronize(self) -> None:
        self._cuda.Context.synchronize()

    def device_count(self) -> int:
        return self._cuda.Device.count()

    def device_name(self, index: int = 0) -> str:
        return self._cuda.Device(index).name()

    def close(self) -> None:
        """Free our memory, pop the context and release it (at exit; the backend is unusable
        after).

        The explicit ``detach()`` releases the primary context with
        ``cuDevicePrimaryCtxRelease``. Left to PyCUDA's destructor, the release would go
        through the base class's ``cuCtxDetach``, which is wrong for a primary context.
        """
        if self._closed:
            return
        self._closed = True
        try:
            self.synchronize()
            for allocation in self._allocations.values():
                allocation.free()
            self._allocations.clear()
        finally:
            self.context.pop()
            self.context.detach()


class _Module:
    """A PyCUDA module whose ``get_function`` returns :class:`_Kernel` objects."""

    def __init__(self, module: Any) -> None:
        self.module = module

    def get_function(self, name: str) -> _Kernel:
        return _Kernel(self.module.get_function(name))


class _Kernel:
    """A PyCUDA ``Function`` with a cheaper ``prepared_call``.

    PyCUDA's own ``prepared_call`` spends about 1.7 us of Python per launch: it checks its
    arguments, sets the block shape through the legacy ``cuFuncSetBlockShape`` (a driver call
    that ``cuLaunchKernel`` makes useless, as it takes the block shape itself) and packs the
    arguments with a format string parsed on every call. Here the format is compiled once into
    a ``struct.Struct`` (native alignment, the same bytes as PyCUDA's packer), and the buffer
    goes straight to ``Function._launch_kernel``, the method PyCUDA's ``prepared_call`` ends
    with (``cuLaunchKernel`` with ``CU_LAUNCH_PARAM_BUFFER_POINTER``). Small ops are bound by
    this host cost, so it matters (``benchmarks/bench_cuda_host.py`` measures it).
    """

    __slots__ = ("function", "_pack", "_launch")

    def __init__(self, function: Any) -> None:
        self.function = function
        self._launch = function._launch_kernel

    def prepare(self, arg_format: str) -> _Kernel:
        self._pack = struct.Struct(arg_format).pack
        return self

    def prepared_call(self, grid: tuple[int, ...], block: tuple[int, ...], *args: Any) -> None:
        self._launch(grid, block, self._pack(*args), 0, None)

    def packed(self, grid: tuple[int, ...], block: tuple[int, ...], *args: Any
               ) -> tuple[Callable[..., None], tuple[Any, ...]]:
        """``prepared_call`` with the arguments packed now and the launch left for later:
        ``(launch, launch_args)``, so that ``launch(*launch_args)`` makes it (graph replay,
        ``graphs.py``: the launch is then one driver call, ~0.3 us of host time)."""
        return self._launch, (grid, block, self._pack(*args), 0, None)
