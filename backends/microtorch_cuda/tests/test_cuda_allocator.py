"""The CUDA caching allocator's logic, against a fake driver: no GPU, no PyCUDA.

The allocator reaches the device only through a driver object, so a fake with a fixed
capacity stands in for cudaMalloc/cudaFree here and these tests run in CI.
"""

from __future__ import annotations

import gc

import numpy as np
import pytest

from microtorch_cuda.allocator import (
    LARGE_ROUND,
    SMALL_LIMIT,
    CachingAllocator,
    CUDAOutOfMemoryError,
    DeviceOutOfMemory,
    size_class,
)

MiB = 1 << 20


class FakeDriver:
    """cudaMalloc with a capacity, and host bytearrays standing in for device memory."""

    def __init__(self, capacity: int = 16 * MiB) -> None:
        self.capacity = capacity
        self.memory: dict[int, bytearray] = {}
        self.next_ptr = 0x10000
        self.mallocs = self.frees = self.syncs = 0

    def malloc(self, nbytes: int) -> int:
        self.mallocs += 1
        if sum(map(len, self.memory.values())) + nbytes > self.capacity:
            raise DeviceOutOfMemory("out of memory")
        ptr, self.next_ptr = self.next_ptr, self.next_ptr + nbytes
        self.memory[ptr] = bytearray(nbytes)
        return ptr

    def free(self, ptr: int) -> None:
        self.frees += 1
        del self.memory[ptr]

    def _find(self, ptr: int) -> tuple[bytearray, int]:
        for base, mem in self.memory.items():
            if base <= ptr < base + len(mem):
                return mem, ptr - base
        raise AssertionError(f"{ptr:#x} is not allocated")

    def memcpy_htod(self, ptr: int, src: np.ndarray) -> None:
        mem, start = self._find(ptr)
        mem[start:start + src.nbytes] = src.tobytes()

    def memcpy_dtoh(self, dst: np.ndarray, ptr: int) -> None:
        mem, start = self._find(ptr)
        dst[...] = np.frombuffer(bytes(mem[start:start + dst.nbytes]), dtype=dst.dtype)

    def mem_get_info(self) -> tuple[int, int]:
        return self.capacity - sum(map(len, self.memory.values())), self.capacity

    def synchronize(self) -> None:
        self.syncs += 1


@pytest.fixture
def driver() -> FakeDriver:
    return FakeDriver()


@pytest.fixture
def alloc(driver: FakeDriver) -> CachingAllocator:
    return CachingAllocator("cuda", driver)


@pytest.mark.parametrize("nbytes,expected", [
    (1, 512), (512, 512), (513, 1024), (SMALL_LIMIT, SMALL_LIMIT),
    (SMALL_LIMIT + 1, LARGE_ROUND), (3 * MiB, 4 * MiB), (4 * MiB, 4 * MiB),
])
def test_size_classes_round_small_to_512_bytes_and_large_to_2_mib(nbytes, expected):
    assert size_class(nbytes) == expected


def test_freed_block_is_reused_for_the_same_size_class(alloc, driver):
    a = alloc.allocate(1000)
    ptr = a.handle.ptr
    del a
    b = alloc.allocate(1024)  # 1000 and 1024 share the 1024-byte class
    assert b.handle.ptr == ptr
    stats = alloc.stats()
    assert (stats.num_device_allocs, stats.num_cache_hits, driver.mallocs) == (1, 1, 1)


def test_other_size_class_is_a_new_device_allocation(alloc, driver):
    a = alloc.allocate(1000)
    del a
    b = alloc.allocate(5000)
    assert alloc.stats().num_cache_hits == 0 and driver.mallocs == 2
    del b


def test_most_recently_freed_block_is_reused_first(alloc):
    a, b = alloc.allocate(100), alloc.allocate(100)
    b_ptr = b.handle.ptr
    del a, b  # a freed first, then b
    assert alloc.allocate(100).handle.ptr == b_ptr


def test_zero_byte_storage_needs_no_device_memory(alloc, driver):
    s = alloc.allocate(0)
    assert s.nbytes == 0 and driver.mallocs == 0
    del s
    assert alloc.stats().reserved_bytes == 0


def test_stats_count_requested_bytes_and_reserved_device_bytes(alloc):
    a = alloc.allocate(1000)
    b = alloc.allocate(3 * MiB)
    stats = alloc.stats()
    assert stats.allocated_bytes == 1000 + 3 * MiB
    assert stats.reserved_bytes == 1024 + 4 * MiB  # what the driver gave, rounding included
    assert stats.peak_allocated_bytes == 1000 + 3 * MiB
    del b
    stats = alloc.stats()
    assert stats.allocated_bytes == 1000 and stats.reserved_bytes == 1024 + 4 * MiB
    assert alloc.cached_block_bytes == 4 * MiB
    alloc.reset_peak_stats()
    assert alloc.stats().peak_allocated_bytes == 1000
    del a


def test_empty_cache_returns_cached_blocks_but_not_live_ones(alloc, driver):
    live = alloc.allocate(2048)
    dead = alloc.allocate(4096)
    del dead
    alloc.empty_cache()
    assert driver.frees == 1 and driver.syncs == 1  # synchronized before freeing
    assert alloc.stats().reserved_bytes == 2048 and alloc.cached_block_bytes == 0
    assert live.handle.ptr in driver.memory


def test_out_of_memory_empties_the_cache_and_retries_once(driver):
    alloc = CachingAllocator("cuda", FakeDriver(capacity=8 * MiB))
    cached = [alloc.allocate(2 * MiB) for _ in range(4)]  # the whole device
    del cached  # all four 2 MiB blocks now sit in the cache
    big = alloc.allocate(6 * MiB)  # another size class: only fits once the cache is freed
    stats = alloc.stats()
    assert stats.num_oom_retries == 1 and stats.reserved_bytes == 6 * MiB
    del big


def test_out_of_memory_after_retry_raises_a_clear_memory_error():
    alloc = CachingAllocator("cuda", FakeDriver(capacity=4 * MiB))
    keep = alloc.allocate(3 * MiB)  # reserves 4 MiB: the whole device
    with pytest.raises(CUDAOutOfMemoryError) as info:
        alloc.allocate(1536 * 1024)
    assert isinstance(info.value, MemoryError)
    assert str(info.value).startswith(
        "CUDA out of memory: tried to allocate 1.50 MiB; allocated 3.00 MiB, reserved "
        "4.00 MiB, device total 4.00 MiB")
    assert alloc.stats().num_oom_retries == 0
    del keep


def test_garbage_collected_storage_goes_back_to_the_cache(alloc):
    s = alloc.allocate(700)
    del s
    gc.collect()
    assert alloc.stats().allocated_bytes == 0 and alloc.stats().num_frees == 1
    assert alloc.cached_block_bytes == 1024


def test_copies_round_trip_through_device_memory(alloc):
    data = np.arange(10, dtype=np.float32)
    s = alloc.allocate(data.nbytes)
    alloc.copy_from_host(s, data.view(np.uint8))
    back = alloc.copy_to_host(s, 16, offset=8)  # elements 2..5
    np.testing.assert_array_equal(back.view(np.float32), data[2:6])
