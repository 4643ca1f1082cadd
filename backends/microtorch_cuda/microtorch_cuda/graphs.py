"""Graph capture on CUDA: a kernel call becomes the launches it makes, arguments packed.

An op on this backend costs host time three ways: the core's dispatch, the backend's Python
(choosing a kernel variant, computing the grid, collapsing the layout, packing the arguments),
and the driver's launch. A captured graph keeps its memory at fixed addresses, so all of that
but the launch itself can be done once: during the capture, :class:`CUDARecorder` runs each
kernel method with the launcher swapped for one that packs the arguments and keeps
``(launch, packed arguments)`` instead of launching; a replay then makes only the driver
calls, in order.

PyTorch goes one step further with the driver's graph API (``cuStreamBeginCapture``,
``cuGraphLaunch``: one call for the whole graph). PyCUDA does not expose it (PyCUDA 2026.1
links none of the ``cuGraph*`` functions), so the replay makes one ``cuLaunchKernel`` per
launch, about 0.3 us of host time each.

Temporary buffers (a reduction's partial sums, a contiguous copy for matmul) come from the
graph's private pool (``graph_pool.py``), so their addresses stay the graph's after the op
that used them has freed them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from microtorch_core.graphs import KernelRecorder
from microtorch_core.graphs.capture import caller_op, host_read_message
from microtorch_core.graphs.recorder import ReplayCall

from .graph_pool import GraphPool


class CUDARecorder(KernelRecorder):
    """Records the launches and device copies of each kernel call, packed for replay."""

    owns_capture_memory = True  # the graph pool keeps the memory; see graph_pool.py

    def __init__(self, backend: Any) -> None:
        super().__init__(backend)
        self.pool = GraphPool(backend.allocator)
        self.launches: list[ReplayCall] = []  # where the current kernel call's launches go
        self._kernels = _RecordingKernels(backend.kernels, self)
        self._contig_kernels: dict[Any, Any] = {}  # ops_elementwise's cache, of recorders
        self._driver = _RecordingDriver(backend.driver, self)

    def begin(self) -> None:
        allocator = self.backend.allocator
        if allocator.capture_pool is not None:
            raise RuntimeError("the CUDA allocator is already serving a graph capture")
        allocator.capture_pool = self.pool

    def record(self, name: str, kernel: Callable[..., None], args: tuple[Any, ...]
               ) -> list[ReplayCall]:
        backend = self.backend
        saved = backend.kernels, backend._contig_kernels, backend.driver
        backend.kernels, backend._contig_kernels = self._kernels, self._contig_kernels
        backend.driver = self._driver
        self.launches = []
        try:
            kernel(*args)  # the backend's Python runs; its launches land in self.launches
        finally:
            backend.kernels, backend._contig_kernels, backend.driver = saved
        return self.launches

    def end(self) -> None:
        allocator = self.backend.allocator
        if allocator.capture_pool is self.pool:
            allocator.capture_pool = None

    def release(self) -> None:
        self.pool.release()


class _RecordingFunction:
    """A prepared kernel whose ``prepared_call`` records the packed launch."""

    __slots__ = ("_function", "_recorder")

    def __init__(self, function: Any, recorder: CUDARecorder) -> None:
        self._function, self._recorder = function, recorder

    def prepared_call(self, grid: tuple[int, ...], block: tuple[int, ...], *args: Any) -> None:
        self._recorder.launches.append(self._function.packed(grid, block, *args))


class _RecordingKernels:
    """The backend's ``KernelCache`` during a recorded kernel call: the same prepared
    kernels, wrapped in :class:`_RecordingFunction`."""

    def __init__(self, kernels: Any, recorder: CUDARecorder) -> None:
        self._kernels, self._recorder = kernels, recorder
        self._wrapped: dict[int, _RecordingFunction] = {}

    def function(self, family: str, dtype_name: str, kernel: str, arg_format: str
                 ) -> _RecordingFunction:
        function = self._kernels.function(family, dtype_name, kernel, arg_format)
        wrapped = self._wrapped.get(id(function))
        if wrapped is None:
            wrapped = self._wrapped[id(function)] = _RecordingFunction(function, self._recorder)
        return wrapped

    def __getattr__(self, name: str) -> Any:
        return getattr(self._kernels, name)


class _RecordingDriver:
    """The backend's driver during a recorded kernel call: device copies are recorded,
    reads to the host refused, the rest passed through."""

    def __init__(self, driver: Any, recorder: CUDARecorder) -> None:
        self._driver, self._recorder = driver, recorder

    def memcpy_dtod(self, dst: int, src: int, nbytes: int) -> None:
        self._recorder.launches.append((self._driver.memcpy_dtod, (dst, src, nbytes)))

    def memcpy_htod(self, ptr: int, src: np.ndarray) -> None:
        # host data a kernel uploads: the replay uploads the same bytes again
        self._recorder.launches.append((self._driver.memcpy_htod, (ptr, np.array(src))))

    def memcpy_dtoh(self, dst: np.ndarray, ptr: int) -> None:
        raise RuntimeError(host_read_message(caller_op(), f"{dst.nbytes} bytes"))

    def synchronize(self) -> None:
        pass  # nothing was launched

    def __getattr__(self, name: str) -> Any:
        return getattr(self._driver, name)
