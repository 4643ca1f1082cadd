"""Public allocator statistics: ``mt.memory_allocated`` and friends."""

import gc

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
