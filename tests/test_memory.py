"""Public allocator statistics: ``mt.memory_allocated`` and friends."""

import gc

import numpy as np
from microtorch_cpu.allocator import CACHE_MIN_BYTES

import microtorch_core as mt


def test_memory_allocated_counts_a_new_tensor_and_its_release():
    gc.collect()
    before = mt.memory_allocated("cpu")
    x = mt.empty(1000, dtype=mt.float64)
    assert mt.memory_allocated("cpu") == before + 8000
    del x
    gc.collect()
    assert mt.memory_allocated("cpu") == before


def test_peak_is_kept_until_reset():
    mt.reset_peak_memory_stats("cpu")
    base = mt.memory_allocated("cpu")
    x = mt.empty(2048, dtype=mt.float32)
    del x
    assert mt.max_memory_allocated("cpu") >= base + 8192
    mt.reset_peak_memory_stats("cpu")
    assert mt.max_memory_allocated("cpu") == mt.memory_allocated("cpu")


def test_memory_stats_lists_counts():
    stats = mt.memory_stats("cpu")
    before = stats["num_allocs"]
    mt.ones(3)
    assert mt.memory_stats("cpu")["num_allocs"] > before
    assert {"allocated_bytes", "peak_allocated_bytes", "reserved_bytes"} <= set(stats)


def test_a_freed_large_cpu_tensor_gives_its_memory_to_the_next_one():
    numel = CACHE_MIN_BYTES // 4
    first = mt.empty(numel)
    address = first.data_ptr()
    del first
    hits = mt.memory_stats("cpu")["num_cache_hits"]
    second = mt.empty(numel)
    assert second.data_ptr() == address
    assert mt.memory_stats("cpu")["num_cache_hits"] == hits + 1


def test_cached_cpu_memory_is_reserved_until_empty_cache():
    mt.empty_cache("cpu")
    x = mt.empty(CACHE_MIN_BYTES // 4)
    del x
    assert mt.memory_reserved("cpu") >= mt.memory_allocated("cpu") + CACHE_MIN_BYTES
    mt.empty_cache("cpu")
    assert mt.memory_reserved("cpu") == mt.memory_allocated("cpu")


def test_memory_a_user_array_still_views_is_not_handed_out_again():
    x = mt.full((CACHE_MIN_BYTES // 4,), 3.0)
    kept = x.numpy()  # shares x's memory and outlives it
    del x
    y = mt.full((CACHE_MIN_BYTES // 4,), 1.0)
    assert y.data_ptr() != kept.ctypes.data
    assert np.all(kept == 3.0)


def test_small_cpu_tensors_are_not_cached():
    mt.empty_cache("cpu")
    x = mt.empty(16)
    del x
    assert mt.memory_reserved("cpu") == mt.memory_allocated("cpu")
