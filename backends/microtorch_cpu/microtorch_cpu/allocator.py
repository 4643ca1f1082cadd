"""Host memory for CPU tensors: each storage is a NumPy array."""

from __future__ import annotations

import numpy as np

from microtorch_core.backend import Allocator, Storage


def _bytes(handle: np.ndarray) -> np.ndarray:
    """A storage's memory as a flat byte array (a view)."""
    return handle if handle.dtype == np.uint8 and handle.ndim == 1 else \
        handle.reshape(-1).view(np.uint8)


class CPUAllocator(Allocator):
    """Allocates NumPy arrays; NumPy frees them when the last view goes. There is no cache,
    so ``reserved_bytes == allocated_bytes``.

    A tensor's memory is a typed array of its own shape and dtype (``allocate_tensor``), which
    the kernels compute on directly (the tensor's ``_native`` view); other storages are byte
    arrays. Either way the storage is a C-contiguous block of host memory.
    """

    def __init__(self) -> None:
        super().__init__("cpu")

    def _allocate(self, nbytes: int) -> np.ndarray:
        return np.empty(nbytes, dtype=np.uint8)

    releases_memory = False  # an array's memory goes back when its last reference does

    def allocate_tensor(self, shape: tuple[int, ...], dtype) -> tuple[Storage, np.ndarray]:
        array = np.empty(shape, dtype.np)
        return Storage(array, array.nbytes, self), array

    def _free(self, handle: np.ndarray, nbytes: int) -> None:
        pass  # never called (releases_memory is False)

    def _copy_from_host(self, handle: np.ndarray, src: np.ndarray, offset: int) -> None:
        _bytes(handle)[offset:offset + src.nbytes] = src.reshape(-1).view(np.uint8)

    def _copy_to_host(self, handle: np.ndarray, nbytes: int, offset: int) -> np.ndarray:
        return _bytes(handle)[offset:offset + nbytes].copy()

    def wrap_host(self, array: np.ndarray) -> Storage | None:
        """Share a C-contiguous, writeable array's memory (``from_numpy``); None to copy."""
        if not (array.flags.c_contiguous and array.flags.writeable):
            return None
        # allocator=None: the memory belongs to the array, not to us, so no stats and no free
        return Storage(array.reshape(-1).view(np.uint8), array.nbytes, None)
