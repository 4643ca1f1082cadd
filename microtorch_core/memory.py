"""Allocator statistics for any device: ``mt.memory_allocated("cpu")`` and friends.

PyTorch offers these per device family (``torch.cuda.memory_allocated``); MicroTorch's
allocators all keep the same statistics (``backend.MemoryStats``), so one set of functions
takes the device as an argument. ``microtorch_core.cuda`` has the CUDA-only spellings too.

>>> x = mt.ones(1024)                       # 4 KiB of float32
>>> mt.memory_allocated("cpu") >= 4096
True

On the CPU, arrays of 256 KiB and more are cut from blocks that the allocator keeps when their
tensor is freed, to hand them to the next tensor of that size (``memory_reserved`` counts them;
``empty_cache`` gives them back).
"""

from __future__ import annotations

from .device import DeviceLike, as_device


def _allocator(device: DeviceLike | None):
    return as_device(device).kernels.allocator


def memory_stats(device: DeviceLike | None = "cpu") -> dict[str, int]:
    """All statistics of the device's allocator (bytes allocated now, peak, reserved, counts)."""
    return _allocator(device).stats().as_dict()


def memory_allocated(device: DeviceLike | None = "cpu") -> int:
    """Bytes held by live tensors' storages on ``device`` now."""
    return _allocator(device).stats().allocated_bytes


def max_memory_allocated(device: DeviceLike | None = "cpu") -> int:
    """The highest ``memory_allocated`` since the last ``reset_peak_memory_stats``."""
    return _allocator(device).stats().peak_allocated_bytes


def memory_reserved(device: DeviceLike | None = "cpu") -> int:
    """Bytes allocated plus those a caching allocator keeps for reuse."""
    return _allocator(device).stats().reserved_bytes


def reset_peak_memory_stats(device: DeviceLike | None = "cpu") -> None:
    """Start measuring the peak again from the bytes allocated now."""
    _allocator(device).reset_peak_stats()


def empty_cache(device: DeviceLike | None = "cpu") -> None:
    """Give the memory the device's allocator keeps for reuse back (to the OS on the CPU, to
    the driver on CUDA); live tensors keep theirs."""
    _allocator(device).empty_cache()
