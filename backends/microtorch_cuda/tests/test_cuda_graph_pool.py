"""The private memory pool of a captured CUDA graph (``graph_pool.py``), against a fake
driver: no GPU, no PyCUDA."""

from __future__ import annotations

from microtorch_cuda.allocator import CachingAllocator
from microtorch_cuda.graph_pool import GraphPool


class FakeDriver:
    """cudaMalloc handing out increasing addresses (no memory behind them: nothing runs)."""

    def __init__(self) -> None:
        self.next_ptr = 0x10000

    def malloc(self, nbytes: int) -> int:
        ptr, self.next_ptr = self.next_ptr, self.next_ptr + nbytes
        return ptr

    def free(self, ptr: int) -> None:
        pass


def _capturing() -> tuple[CachingAllocator, GraphPool]:
    allocator = CachingAllocator("cuda", FakeDriver())
    pool = GraphPool(allocator)
    allocator.capture_pool = pool
    return allocator, pool


def test_a_block_freed_during_the_capture_serves_a_later_allocation_of_the_capture():
    allocator, pool = _capturing()
    a = allocator.allocate(1000)
    ptr = a.handle.ptr
    del a
    b = allocator.allocate(900)  # same size class
    assert b.handle.ptr == ptr
    assert pool.num_blocks == 1


def test_the_graphs_blocks_never_reach_the_shared_cache_while_it_lives():
    allocator, pool = _capturing()
    a = allocator.allocate(1000)
    ptr = a.handle.ptr
    allocator.capture_pool = None  # the capture is over
    del a
    assert allocator.cached_block_bytes == 0
    eager = allocator.allocate(1000)
    assert eager.handle.ptr != ptr  # an eager tensor must not get the graph's memory


def test_release_gives_the_free_blocks_to_the_shared_cache():
    allocator, pool = _capturing()
    a, b = allocator.allocate(1000), allocator.allocate(3000)
    allocator.capture_pool = None
    kept_ptr = b.handle.ptr
    del a
    pool.release()
    assert allocator.cached_block_bytes == 1024
    del b  # a graph output the user kept: it joins the cache when freed
    assert allocator.cached_block_bytes == 1024 + 3072
    assert allocator.allocate(3000).handle.ptr == kept_ptr


def test_pool_blocks_count_as_reserved_memory():
    allocator, pool = _capturing()
    a = allocator.allocate(4096)
    del a
    stats = allocator.stats()
    assert stats.allocated_bytes == 0 and stats.reserved_bytes == 4096
