"""Run the CUDA backend on the CPU: a driver that compiles the kernel sources with g++.

``CUDABackend(driver=EmulatedDriver())`` is the real backend (same Python, same CUDA C
sources) with the GPU replaced by ``runtime.h``: one OS thread per CUDA thread, blocks one at
a time. The test suite uses it to check every kernel against NumPy on machines without a GPU.
It is a test tool and far too slow for anything else.

It also checks what a GPU would not report clearly:

* the argument format string of every launch against the kernel's real parameter list;
* writes past the end of an allocation (guard bytes around every buffer);
* grid-stride loops: grids are capped at ``max_grid`` blocks per dimension, so kernels must
  loop to cover everything, as they must on a GPU for large tensors.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import re
import shutil
import struct
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import Any

import numpy as np

from ..allocator import DeviceOutOfMemory

RUNTIME_H = Path(__file__).with_name("runtime.h")
CXX_FLAGS = ["-std=c++20", "-O1", "-w", "-shared", "-fPIC", "-pthread"]
GUARD = 256  # guard bytes before and after each allocation (also keeps 256-byte alignment)
GUARD_BYTE = 0xA5
CACHE_DIR = Path(tempfile.gettempdir(), "microtorch-cuda-emulator")  # built kernel libraries
_KERNEL_RE = re.compile(r"MT_EMU_KERNEL\s+void\s+(\w+)\s*\(")


def find_cxx() -> str | None:
    """A C++20 compiler for the emulator (g++ or clang++), or None."""
    return os.environ.get("CXX") or shutil.which("g++") or shutil.which("clang++")


def library_digest(source: str) -> str:
    """Cache key of the library built from ``source`` (the runtime and flags count too)."""
    key = hashlib.sha256((source + RUNTIME_H.read_text() + " ".join(CXX_FLAGS)).encode())
    return key.hexdigest()[:24]


def build_library(source: str, cache_dir: Path, cxx: str) -> Path:
    """Compile CUDA ``source`` against ``runtime.h`` into a shared library in ``cache_dir``
    (reused when it is already there) and return its path.

    The library has one ``extern "C"`` entry point per kernel, ``mtemu_launch_<kernel>(grid,
    block, args, size)``, taking the parameters packed as PyCUDA packs them. A first
    preprocessor pass marks the ``__global__`` functions so their names can be listed.
    """
    library = cache_dir / f"{library_digest(source)}.so"
    if library.exists():
        return library
    cache_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp, "kernels.cpp")
        src.write_text(source)
        include = ["-include", str(RUNTIME_H)]
        scan = subprocess.run(
            [cxx, "-std=c++20", "-E", "-P", "-DMT_EMU_SCAN", *include, str(src)],
            capture_output=True, text=True, check=True,
        )
        names = _KERNEL_RE.findall(scan.stdout)
        launchers = "".join(
            f'\nextern "C" long long mtemu_launch_{n}(const unsigned int* g, '
            f"const unsigned int* b, const char* a, long long size) "
            f"{{ return emu::launch({n}, g, b, a, size); }}"
            for n in names
        )
        src.write_text(source + "\n" + launchers + "\n")
        out = Path(tmp, "module.so")
        result = subprocess.run([cxx, *CXX_FLAGS, *include, str(src), "-o", str(out)],
                                capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"emulator compile failed:\n{result.stderr[-4000:]}")
        # Copy next to the target, then rename: atomic, so parallel builds cannot clash.
        tag = f"{os.getpid()}.{threading.get_ident()}"
        staged = library.with_name(f"{library.name}.{tag}.tmp")
        shutil.copyfile(out, staged)
        os.replace(staged, library)
    return library


class EmulatedFunction:
    """Mimics a PyCUDA ``Function``: ``prepare(fmt)``, then ``prepared_call(grid, block, ...)``."""

    def __init__(self, driver: EmulatedDriver, name: str, launcher: Any) -> None:
        self._driver, self.name, self._launcher = driver, name, launcher
        self._format = ""

    def prepare(self, arg_format: str) -> EmulatedFunction:
        self._format = arg_format
        return self

    def prepared_call(self, grid: tuple[int, ...], block: tuple[int, ...], *args: Any) -> None:
        # struct's native mode aligns each field as a C compiler would, like PyCUDA's packer.
        self.launch_packed(grid, block, struct.pack(self._format, *args))

    def packed(self, grid: tuple[int, ...], block: tuple[int, ...], *args: Any
               ) -> tuple[Any, tuple[Any, ...]]:
        """``(launch, launch_args)`` of a ``prepared_call``, packed now (graph replay)."""
        return self.launch_packed, (grid, block, struct.pack(self._format, *args))

    def launch_packed(self, grid: tuple[int, ...], block: tuple[int, ...], buf: bytes) -> None:
        """Launch with the parameters already packed."""
        grid3 = (tuple(grid) + (1, 1, 1))[:3]
        block3 = (tuple(block) + (1, 1, 1))[:3]
        if min(grid3) < 1 or min(block3) < 1 or np.prod(block3) > 1024:
            raise ValueError(f"kernel {self.name}: invalid launch grid={grid} block={block}")
        capped = [min(g, cap) for g, cap in zip(grid3, self._driver.max_grid, strict=True)]
        expected = self._launcher((ctypes.c_uint * 3)(*capped), (ctypes.c_uint * 3)(*block3),
                                  buf, len(buf))
        if expected != len(buf):
            raise TypeError(f"kernel {self.name}: format {self._format!r} packs {len(buf)} "
                            f"bytes but the kernel's parameters take {expected}")
        self._driver.check_guards(self.name)


class EmulatedModule:
    """Mimics a PyCUDA ``SourceModule``: ``get_function(name)``."""

    def __init__(self, driver: EmulatedDriver, library: ctypes.CDLL) -> None:
        self._driver, self._library = driver, library

    def get_function(self, name: str) -> EmulatedFunction:
        try:
            launcher = getattr(self._library, f"mtemu_launch_{name}")
        except AttributeError:
            raise LookupError(f"no kernel named {name!r} in this module") from None
        launcher.argtypes = [ctypes.POINTER(ctypes.c_uint), ctypes.POINTER(ctypes.c_uint),
                             ctypes.c_char_p, ctypes.c_longlong]
        launcher.restype = ctypes.c_longlong
        return EmulatedFunction(self._driver, name, launcher)


class EmulatedDriver:
    """The driver interface of :class:`~microtorch_cuda.driver.PyCudaDriver`, on the CPU."""

    multiprocessor_count = 2
    compute_capability = (0, 0)

    def __init__(self, max_grid: tuple[int, int, int] = (3, 2, 2),
                 total_memory: int = 1 << 30, cache_dir: str | None = None) -> None:
        cxx = find_cxx()
        if cxx is None:
            raise RuntimeError("the CUDA emulator needs a C++20 compiler (g++ or clang++)")
        self._cxx = cxx
        self.max_grid = max_grid
        self.total_memory = total_memory
        self._buffers: dict[int, np.ndarray] = {}  # ptr -> backing array (guards included)
        self._used = 0
        self._cache_dir = Path(cache_dir) if cache_dir else CACHE_DIR
        self._modules: dict[str, EmulatedModule] = {}
        self._lock = threading.Lock()

    # -- memory: host buffers with guard bytes around them ------------------------------
    def malloc(self, nbytes: int) -> int:
        if self._used + nbytes > self.total_memory:
            raise DeviceOutOfMemory(f"out of memory (emulated device of {self.total_memory} B)")
        backing = np.full(nbytes + 3 * GUARD, GUARD_BYTE, dtype=np.uint8)
        start = -backing.ctypes.data % GUARD + GUARD  # aligned, with a full guard before
        ptr = backing.ctypes.data + start
        self._buffers[ptr] = backing[start - GUARD:start + nbytes + GUARD]
        self._used += nbytes
        return ptr

    def free(self, ptr: int) -> None:
        self._used -= self._buffers.pop(ptr).size - 2 * GUARD

    def check_guards(self, kernel: str) -> None:
        for ptr, buf in self._buffers.items():
            if (buf[:GUARD] != GUARD_BYTE).any() or (buf[-GUARD:] != GUARD_BYTE).any():
                raise RuntimeError(f"kernel {kernel} wrote outside the allocation at {ptr:#x}")

    def memcpy_htod(self, ptr: int, src: np.ndarray) -> None:
        src = np.ascontiguousarray(src)
        ctypes.memmove(ptr, src.ctypes.data, src.nbytes)

    def memcpy_dtoh(self, dst: np.ndarray, ptr: int) -> None:
        ctypes.memmove(dst.ctypes.data, ptr, dst.nbytes)

    def memcpy_dtod(self, dst: int, src: int, nbytes: int) -> None:
        ctypes.memmove(dst, src, nbytes)

    def mem_get_info(self) -> tuple[int, int]:
        return self.total_memory - self._used, self.total_memory

    # -- execution ------------------------------------------------------------------------
    def compile(self, source: str) -> EmulatedModule:
        """Compile ``source`` (cached in memory and on disk by its hash)."""
        digest = library_digest(source)
        with self._lock:
            module = self._modules.get(digest)
        if module is not None:
            return module
        library = build_library(source, self._cache_dir, self._cxx)
        module = EmulatedModule(self, ctypes.CDLL(str(library)))
        with self._lock:
            self._modules[digest] = module
        return module

    def precompile(self, sources: list[str], workers: int | None = None) -> None:
        """Build the libraries of ``sources`` into the disk cache, several g++ at a time."""
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(workers or os.cpu_count() or 4) as pool:
            list(pool.map(lambda src: build_library(src, self._cache_dir, self._cxx), sources))

    def synchronize(self) -> None:
        """Kernels run synchronously on the CPU: nothing to wait for."""

    def device_count(self) -> int:
        return 1

    def device_name(self, index: int = 0) -> str:
        return "MicroTorch CUDA emulator (CPU threads)"
