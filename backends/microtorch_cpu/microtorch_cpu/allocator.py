"""Host memory for CPU tensors: each storage is a NumPy array, large ones cut from cached blocks.

Small arrays are NumPy's own (``np.empty``), freed when their last reference goes. Arrays of
``CACHE_MIN_BYTES`` and more are views of blocks that the allocator keeps for reuse when their
storage is freed, as PyTorch's CUDA allocator keeps device memory. The C allocator maps such
sizes fresh from the OS (or trims them off its heap) and the OS faults every page in again on
first use: about 700 page faults, a quarter of the time of a 3x3 convolution's forward and
backward on a (32, 16, 8, 8) batch, which a reused block does not take.
"""

from __future__ import annotations

import math
import sys
import threading

import numpy as np

from microtorch_core.backend import Allocator, Storage

#: Arrays from this size up are cut from cached blocks; smaller ones are NumPy's, whose
#: allocator mostly reuses its heap for them without page faults, at less than the cache's
#: cost (about 1.3 us more per tensor: a batch norm of 128 KiB tensors was 7% slower).
CACHE_MIN_BYTES = 256 << 10
#: Blocks are reused for requests of the same size class: whole pages of 4 KiB.
PAGE = 4096
#: At most this many bytes are kept in the cache; a block freed beyond it goes back to the OS.
CACHE_MAX_BYTES = 1 << 30


def _bytes(handle: np.ndarray) -> np.ndarray:
    """A storage's memory as a flat byte array (a view)."""
    return handle if handle.dtype == np.uint8 and handle.ndim == 1 else \
        handle.reshape(-1).view(np.uint8)


def _references(block: np.ndarray) -> int:
    return sys.getrefcount(block)


def _references_alone() -> int:
    block = np.empty(0)
    return _references(block)


#: What ``_references`` counts for a block held only by the caller's local variable (measured,
#: as the count differs between Python versions): a cached block with more is still viewed by
#: an array a user kept (``t.numpy()``).
_ALONE = _references_alone()


class BlockStorage(Storage):
    """A storage cut from one of the allocator's cached blocks, which goes back to the cache
    when the storage is freed. (Small storages, most of them, are plain ``Storage``s: they
    pay for no such call.)"""

    __slots__ = ("block",)

    def __del__(self) -> None:
        allocator = self.allocator
        super().__del__()  # out of the statistics
        if allocator is not None:
            allocator._give_back(self.block)


class CPUAllocator(Allocator):
    """Allocates NumPy arrays. Arrays of ``CACHE_MIN_BYTES`` and more come from a cache of
    blocks, one free list per size class, as the CUDA allocator's: ``reserved_bytes`` counts
    the cached blocks too, and ``empty_cache()`` gives them back.

    A tensor's memory is a typed array of its own shape and dtype (``allocate_tensor``), which
    the kernels compute on directly (the tensor's ``_native`` view); other storages are byte
    arrays. Either way the storage is a C-contiguous block of host memory.

    A freed block may still be viewed by a NumPy array a user kept (``t.numpy()`` shares the
    tensor's memory). Such a block is not handed out again: every view of it refers to it,
    so its reference count says whether anything still does.
    """

    # An array's memory goes with its last reference, or a cached block back to the cache
    # (``BlockStorage``): ``_free`` is never called.
    releases_memory = False

    def __init__(self) -> None:
        super().__init__("cpu")
        self._blocks: dict[int, list[np.ndarray]] = {}  # size class -> free blocks
        self._cached = 0  # bytes in self._blocks
        # reentrant: a storage freed by the garbage collector while this thread holds the
        # lock (in _block) gives its block back under the same lock
        self._lock = threading.RLock()

    def allocate_tensor(self, shape: tuple[int, ...], dtype) -> tuple[Storage, np.ndarray]:
        nbytes = math.prod(shape) * dtype.itemsize
        if nbytes < CACHE_MIN_BYTES:
            array = np.empty(shape, dtype.np)
            return Storage(array, nbytes, self), array
        block = self._block(nbytes)
        array = np.ndarray(shape, dtype.np, block)  # a view whose base is the block
        return self._cached_storage(array, nbytes, block), array

    def allocate(self, nbytes: int) -> Storage:
        if nbytes < CACHE_MIN_BYTES:  # negative sizes too: the base class names the error
            return super().allocate(nbytes)
        block = self._block(nbytes)
        return self._cached_storage(block[:nbytes], nbytes, block)

    def _allocate(self, nbytes: int) -> np.ndarray:
        return np.empty(nbytes, dtype=np.uint8)

    def _block(self, nbytes: int) -> np.ndarray:
        """A free block of ``nbytes``' size class: a cached one, else a new one."""
        size = -(-nbytes // PAGE) * PAGE
        with self._lock:
            blocks = self._blocks.get(size)
            while blocks:
                block = blocks.pop()
                self._cached -= size
                if _references(block) == _ALONE:
                    self._stats.num_cache_hits += 1
                    return block
                # still viewed by a user's array: NumPy frees it with that array
        self._stats.num_device_allocs += 1
        return np.empty(size, dtype=np.uint8)

    def _cached_storage(self, handle: np.ndarray, nbytes: int, block: np.ndarray) -> Storage:
        storage = BlockStorage(handle, nbytes, self)
        storage.block = block
        return storage

    def _give_back(self, block: np.ndarray) -> None:
        with self._lock:
            if self._cached + block.nbytes <= CACHE_MAX_BYTES:
                self._blocks.setdefault(block.nbytes, []).append(block)
                self._cached += block.nbytes

    def _free(self, handle: np.ndarray, nbytes: int) -> None:
        pass  # never called (releases_memory is False)

    def empty_cache(self) -> None:
        with self._lock:
            self._blocks.clear()
            self._cached = 0

    def _cached_bytes(self) -> int:
        return self._cached

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
