"""What every op module shares: device pointers, temporaries, grid sizes, kernel lookup.

The op modules (``ops_*.py``) are mixins of :class:`~microtorch_cuda.backend.CUDABackend`;
:class:`Launcher` is their common base and documents the attributes the backend sets up.
"""

from __future__ import annotations

from typing import Any

from microtorch_core.backend import Allocator, Storage

from .compiler import KernelCache
from .layout import cdiv, contiguous_strides, numel

THREADS = 256  # threads per block for every kernel but matmul's (also 256, fixed in the .cu)
BLOCK = (THREADS, 1, 1)


class DeviceArray:
    """The fields of a Tensor that kernels read, for the backend's own temporaries and
    re-strided views (a permuted copy, a partial-result buffer, a contiguous matmul operand).
    """

    __slots__ = ("shape", "_strides", "_offset", "_storage", "dtype")

    def __init__(self, shape: tuple[int, ...], strides: tuple[int, ...], offset: int,
                 storage: Storage, dtype: Any) -> None:
        self.shape, self._strides, self._offset = tuple(shape), tuple(strides), offset
        self._storage, self.dtype = storage, dtype


def device_ptr(t: Any) -> int:
    """Address of ``t``'s first element: the storage's block plus the view's offset."""
    return t._storage.handle.ptr + t._offset * t.dtype.itemsize


def is_dense(t: Any) -> bool:
    """Row-major contiguous (size-1 dims may have any stride)."""
    return all(n == 1 or s == c
               for n, s, c in zip(t.shape, t._strides, contiguous_strides(t.shape), strict=True))


class Launcher:
    """Base of the op mixins. The backend's ``__init__`` sets these attributes."""

    driver: Any  # PyCudaDriver or EmulatedDriver
    allocator: Allocator
    kernels: KernelCache
    #: Largest useful grid for grid-stride kernels: enough blocks to fill every SM several
    #: times over; more would only add scheduling work.
    max_blocks: int

    def _grid(self, n: int, per_thread: int = 1) -> tuple[int, int]:
        """A 1-D grid covering ``n`` items at ``per_thread`` items per thread, capped."""
        return (max(1, min(cdiv(n, THREADS * per_thread), self.max_blocks)), 1)

    def _empty(self, shape: tuple[int, ...], dtype: Any) -> DeviceArray:
        """A new contiguous temporary (memory comes from the caching allocator)."""
        storage = self.allocator.allocate(numel(shape) * dtype.itemsize)
        return DeviceArray(shape, contiguous_strides(shape), 0, storage, dtype)

    def _contiguous(self, t: Any, order: tuple[int, ...] | None = None) -> DeviceArray:
        """A dense copy of ``t``, with its dims permuted to ``order`` first if given."""
        order = order or tuple(range(len(t.shape)))
        view = DeviceArray(tuple(t.shape[d] for d in order), tuple(t._strides[d] for d in order),
                           t._offset, t._storage, t.dtype)
        copy = self._empty(view.shape, t.dtype)
        self.copy(copy, view)  # type: ignore[attr-defined]  (ops_elementwise)
        return copy
