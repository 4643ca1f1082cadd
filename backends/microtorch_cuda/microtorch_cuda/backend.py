"""``CUDABackend``: MicroTorch's primitives on an NVIDIA GPU.

The class is assembled from one mixin per kernel family, each in its own file next to its
``kernels/*.cu`` source:

==========================  =====================  ==========================================
mixin                       kernels                primitives
==========================  =====================  ==========================================
``ops_elementwise``         ``elementwise.cu``     fill, copy, where, unary, binary, compare
``ops_reduce``              ``reduce.cu``          sum, prod, amax, amin, argmax, argmin
``ops_matmul``              ``matmul.cu``          matmul
``ops_index``               ``index.cu``           gather, scatter, scatter_add
``ops_random``              ``random.cu``          random_uniform, random_normal
``ops_sort``                ``sort.cu``            sort (an optional kernel of the spec)
==========================  =====================  ==========================================

Each family is compiled for float32, float64, int64, int32 and bool where its ops define them;
complex64 and complex128 tensors reach only the kernels of ``complex_ops`` (``compiler.OPS``
says which kernel takes which dtype).

Importing this module imports neither PyCUDA nor anything that touches the GPU; the registry
creates the backend (and so the CUDA context) on first use of ``device("cuda")``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from microtorch_core.backend import Availability, Backend

from .allocator import CachingAllocator
from .compiler import COMPLEX_OPS, FAMILIES, KernelCache, all_sources
from .launch import device_ptr, is_dense
from .ops_elementwise import ElementwiseOps
from .ops_index import IndexOps
from .ops_matmul import MatmulOps
from .ops_random import RandomOps
from .ops_reduce import ReduceOps
from .ops_sort import SortOps

BLOCKS_PER_SM = 32  # grid cap for grid-stride kernels: 4 waves of 8 resident 256-thread blocks


class CUDABackend(ElementwiseOps, ReduceOps, MatmulOps, IndexOps, RandomOps, SortOps,
                  Backend):
    """The ``cuda`` device: kernels compiled with PyCUDA, memory from a caching allocator.

    ``driver`` is for tests: ``CUDABackend(driver=EmulatedDriver())`` runs the same code and
    kernel sources on the CPU. Without it, device 0 is opened through PyCUDA.
    """

    name: ClassVar[str] = "cuda"
    #: Kernels compiled for complex64 and complex128 as well (from compiler.OPS).
    complex_ops: ClassVar[frozenset[str]] = COMPLEX_OPS

    def __init__(self, driver: Any = None) -> None:
        if driver is None:
            availability = self.availability()
            if not availability.ok:
                raise RuntimeError(f"device 'cuda' is unavailable: {availability.reason}")
            from .driver import PyCudaDriver

            driver = PyCudaDriver(0)
        self.driver = driver
        self.allocator = CachingAllocator(self.name, driver)
        self.kernels = KernelCache(driver.compile)
        self._contig_kernels: dict[tuple[str, str, int, int], Any] = {}  # ops_elementwise
        self.max_blocks = driver.multiprocessor_count * BLOCKS_PER_SM

    @classmethod
    def availability(cls) -> Availability:
        """Whether PyCUDA, the NVIDIA driver and a GPU are all here (probed on each call)."""
        from .driver import probe_availability

        return probe_availability()

    def device_count(self) -> int:
        """Number of visible GPUs (this backend uses device 0)."""
        return self.driver.device_count()

    def device_name(self, index: int = 0) -> str:
        """The GPU's name, e.g. ``"NVIDIA H100 80GB HBM3"``."""
        return self.driver.device_name(index)

    def synchronize(self) -> None:
        """Wait for every queued kernel and copy (kernel launches return immediately)."""
        self.driver.synchronize()

    def graph_recorder(self) -> Any:
        """Graph capture records packed launches and uses a private pool (``graphs.py``)."""
        from .graphs import CUDARecorder

        return CUDARecorder(self)

    def precompile(self, workers: int | None = None) -> None:
        """Compile and load every kernel family for every dtype now, compiling in parallel.

        Without it each (family, dtype) module compiles on first use, one at a time, a few
        seconds each. ``python -m microtorch_cuda compile`` calls this.
        """
        self.driver.precompile([source for _, _, source in all_sources()], workers)
        for family, dtypes in FAMILIES.items():
            for dtype in dtypes:
                self.kernels.module(family, dtype)  # from the disk cache now

    def cuda_array_interface(self, t: Any) -> dict:
        """``__cuda_array_interface__`` (version 3) of a tensor on this device, so that CuPy,
        Numba or PyTorch can use its memory without a copy.

        All our work goes to the legacy default stream, which synchronizes with the other
        blocking streams of the process, hence ``stream: None`` (no extra sync needed).
        """
        itemsize = t.dtype.itemsize
        return {
            "version": 3,
            "shape": tuple(t.shape),
            "typestr": t.dtype.np.str,
            "data": (device_ptr(t) if t._storage.nbytes else 0, False),
            "strides": None if is_dense(t) else tuple(s * itemsize for s in t._strides),
            "descr": [("", t.dtype.np.str)],
            "stream": None,
        }
