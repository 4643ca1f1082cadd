"""A caching device allocator, in the spirit of PyTorch's CUDA caching allocator.

``cudaMalloc``/``cuMemFree`` are slow (tens of microseconds to milliseconds, and ``cuMemFree``
synchronizes the device), while a training step frees and allocates the same sizes over and
over. So a freed block is not returned to the driver: it is kept in a free list for its size
class and handed out again to the next request of that class.

Size classes. Requests up to 1 MiB are rounded up to a multiple of 512 bytes; larger ones to a
multiple of 2 MiB. A block is reused only for requests of exactly its class: O(1), simple to
follow, and at most 512 bytes (small) or 2 MiB (large) of slack per block. PyTorch goes further
(it carves small blocks out of 2 MiB segments and splits large cached blocks with best-fit
search), which saves memory when sizes vary a lot, at the cost of a much longer allocator.

Out of memory. When the driver refuses an allocation, the cache is emptied (every cached
block is freed) and the allocation retried once; if it fails again we raise
:class:`CUDAOutOfMemoryError` with the numbers a user needs.

Every device call goes through a small *driver* object (``malloc``, ``free``, copies,
``mem_get_info``, ``synchronize``), so this module imports nothing from PyCUDA and the tests
run it against a fake driver, without a GPU. All kernels and copies run on one stream (the
default one), in order, so a block freed by Python can be handed out again immediately:
any kernel still reading it was queued before any kernel that will write it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from microtorch_core.backend import Allocator

SMALL_LIMIT = 1 << 20  # requests up to this size are "small"
SMALL_ROUND = 512
LARGE_ROUND = 2 << 20
MiB = 1 << 20


class DeviceOutOfMemory(Exception):
    """Raised by a driver's ``malloc`` when the device has no memory left."""


class CUDAOutOfMemoryError(MemoryError):
    """The device is out of memory even after the allocator emptied its cache."""


@dataclass(eq=False)  # compared by identity: two blocks are never "equal"
class Block:
    """A device allocation: its address and its size class in bytes; ``pool`` is the graph
    pool it belongs to, if a graph capture allocated it (``graph_pool.py``)."""

    ptr: int
    size: int
    pool: Any = None


def size_class(nbytes: int) -> int:
    """The number of bytes actually reserved for a request of ``nbytes`` (``nbytes > 0``)."""
    step = SMALL_ROUND if nbytes <= SMALL_LIMIT else LARGE_ROUND
    return -(-nbytes // step) * step


class CachingAllocator(Allocator):
    """Device memory with a cache of freed blocks, one free list per size class.

    ``driver`` provides ``malloc(nbytes) -> int`` (raising :class:`DeviceOutOfMemory`),
    ``free(ptr)``, ``memcpy_htod(ptr, array)``, ``memcpy_dtoh(array, ptr)``,
    ``mem_get_info() -> (free, total)`` and ``synchronize()``.
    """

    def __init__(self, device: str, driver: Any) -> None:
        super().__init__(device)
        self._driver = driver
        self._free_blocks: dict[int, list[Block]] = {}  # size class -> cached blocks
        self._reserved = 0  # bytes obtained from the driver and not yet given back
        self._cached = 0  # bytes in the free lists
        #: While a graph is captured, its private pool serves every allocation, so that the
        #: graph's buffers never go to the shared cache (``graph_pool.py``).
        self.capture_pool: Any = None

    # -- allocation -----------------------------------------------------------------------
    def _allocate(self, nbytes: int) -> Block:
        if nbytes == 0:
            return Block(0, 0)  # a valid empty storage; kernels never touch it
        if self.capture_pool is not None:
            return self.capture_pool.allocate(nbytes)
        return self._take_block(nbytes)

    def _take_block(self, nbytes: int) -> Block:
        """A block for ``nbytes``: a cached one of its size class, else a new one."""
        size = size_class(nbytes)
        free_list = self._free_blocks.get(size)
        if free_list:
            self._stats.num_cache_hits += 1
            self._cached -= size
            return free_list.pop()  # LIFO: the most recently freed block is likely in L2
        ptr = self._device_malloc(size, nbytes)
        self._stats.num_device_allocs += 1
        self._reserved += size
        return Block(ptr, size)

    def _device_malloc(self, size: int, nbytes: int) -> int:
        try:
            return self._driver.malloc(size)
        except DeviceOutOfMemory:
            pass
        # Cached blocks of other size classes may be what is missing: give them back, retry.
        self.empty_cache()
        try:
            ptr = self._driver.malloc(size)
        except DeviceOutOfMemory:
            raise CUDAOutOfMemoryError(self._oom_message(nbytes)) from None
        self._stats.num_oom_retries += 1
        return ptr

    def _oom_message(self, nbytes: int) -> str:
        try:
            total = f"{self._driver.mem_get_info()[1] / MiB:.2f} MiB"
        except Exception:  # the driver may be in no state to answer
            total = "unknown"
        return (
            f"CUDA out of memory: tried to allocate {nbytes / MiB:.2f} MiB; allocated "
            f"{self._stats.allocated_bytes / MiB:.2f} MiB, reserved {self._reserved / MiB:.2f} "
            f"MiB, device total {total}. Free tensors you no longer need, or use smaller "
            f"batches."
        )

    def _free(self, handle: Block, nbytes: int) -> None:
        # No driver call here: this also runs from Storage.__del__, possibly at interpreter
        # exit when the CUDA context is already gone.
        if handle.size == 0:
            return
        if handle.pool is not None and handle.pool.keep(handle):
            return  # a graph's buffer: it goes back to the graph's pool, not to the cache
        self._free_blocks.setdefault(handle.size, []).append(handle)
        self._cached += handle.size

    def empty_cache(self) -> None:
        """Return every cached block to the driver (live tensors keep theirs)."""
        if not self._cached:
            return
        self._driver.synchronize()  # no queued kernel may still use a block we give back
        for blocks in self._free_blocks.values():
            for block in blocks:
                self._driver.free(block.ptr)
                self._reserved -= block.size
        self._free_blocks.clear()
        self._cached = 0

    def _cached_bytes(self) -> int:
        # The base class reports reserved = allocated + this. Returning everything reserved
        # beyond the live tensors' bytes (cached blocks plus the rounding slack of live ones)
        # makes that sum exactly the memory the driver has given us, as torch's
        # memory_reserved() reports.
        return self._reserved - self._stats.allocated_bytes

    @property
    def cached_block_bytes(self) -> int:
        """Bytes in the free lists only (what :meth:`empty_cache` would give back)."""
        return self._cached

    # -- copies ---------------------------------------------------------------------------
    def _copy_from_host(self, handle: Block, src: np.ndarray, offset: int) -> None:
        if src.nbytes:
            self._driver.memcpy_htod(handle.ptr + offset, src)

    def _copy_to_host(self, handle: Block, nbytes: int, offset: int) -> np.ndarray:
        out = np.empty(nbytes, dtype=np.uint8)
        if nbytes:
            self._driver.memcpy_dtoh(out, handle.ptr + offset)
        return out
