"""``microtorch_core.cuda``: ``torch.cuda``'s everyday functions, through the backend registry.

These work whether or not a CUDA backend is installed: the core never imports one by name, it
asks the registry for device type ``"cuda"``. Without a usable backend, ``is_available()`` is
False, ``device_count()`` is 0, the memory functions report 0 (as PyTorch's do before CUDA is
initialised), the seeding functions do nothing (as PyTorch's without a GPU), and the functions
that need a GPU raise a ``RuntimeError`` that says why. ``cuda.amp`` holds the deprecated
spellings of ``microtorch_core.amp``'s ``autocast`` and ``GradScaler``.

>>> import microtorch_core as mt
>>> if mt.cuda.is_available():
...     x = mt.rand(1000, device="cuda")
...     mt.cuda.synchronize()
...     print(mt.cuda.get_device_name(), mt.cuda.memory_allocated())
"""

from __future__ import annotations

from typing import Any

from ..device import device as _device
from . import amp

NOT_INSTALLED = "no CUDA backend is installed (pip install microtorch-cuda)"

DeviceLike = Any  # None, an int index, "cuda", "cuda:0" or a device


def _info() -> Any:
    from ..registry import registry

    return registry.backend_info("cuda")


def _backend() -> Any:
    """The CUDA backend, created on first use; RuntimeError naming the reason otherwise."""
    from ..registry import registry

    if _info() is None:
        raise RuntimeError(f"CUDA is not available: {NOT_INSTALLED}")
    return registry.get_backend("cuda")


def _running_backend() -> Any:
    """The CUDA backend if it has already been created, else None. The memory functions use
    this so that asking "how much memory?" never creates a CUDA context."""
    info = _info()
    return getattr(info, "instance", None) if info is not None else None


def _index(device: DeviceLike) -> int:
    if device is None:
        return 0
    if isinstance(device, int):
        return device
    dev = _device(device)
    if dev.type != "cuda":
        raise ValueError(f"expected a cuda device, got {dev}")
    return dev.index or 0


def _check_device_zero(device: DeviceLike) -> None:
    index = _index(device)
    if index != 0:
        raise ValueError(f"MicroTorch's CUDA backend uses device 0 only, got device {index}")


def is_available() -> bool:
    """True when a CUDA backend is installed and can run here (driver, GPU, PyCUDA)."""
    info = _info()
    return bool(info is not None and info.available)


def unavailable_reason() -> str | None:
    """Why CUDA cannot be used here, or None when it can (MicroTorch addition)."""
    info = _info()
    if info is None:
        return NOT_INSTALLED
    return None if info.available else info.reason


def device_count() -> int:
    """Number of visible GPUs; 0 when CUDA is unavailable."""
    return _backend().device_count() if is_available() else 0


def get_device_name(device: DeviceLike = None) -> str:
    """The GPU's name, e.g. ``"NVIDIA H100 80GB HBM3"``."""
    return _backend().device_name(_index(device))


def synchronize(device: DeviceLike = None) -> None:
    """Wait until every queued kernel and copy has finished (kernels run asynchronously)."""
    _check_device_zero(device)
    _backend().synchronize()


def memory_stats(device: DeviceLike = None) -> dict[str, int]:
    """The caching allocator's counters (bytes and counts); empty before CUDA is used."""
    _check_device_zero(device)
    backend = _running_backend()
    return backend.allocator.stats().as_dict() if backend is not None else {}


def memory_allocated(device: DeviceLike = None) -> int:
    """Bytes held by live tensors now."""
    return memory_stats(device).get("allocated_bytes", 0)


def max_memory_allocated(device: DeviceLike = None) -> int:
    """Peak of :func:`memory_allocated` since the start or the last reset."""
    return memory_stats(device).get("peak_allocated_bytes", 0)


def memory_reserved(device: DeviceLike = None) -> int:
    """Bytes obtained from the driver: live tensors plus the allocator's cache."""
    return memory_stats(device).get("reserved_bytes", 0)


def reset_peak_memory_stats(device: DeviceLike = None) -> None:
    """Restart :func:`max_memory_allocated` from the bytes allocated now."""
    _check_device_zero(device)
    backend = _running_backend()
    if backend is not None:
        backend.allocator.reset_peak_stats()


def empty_cache() -> None:
    """Give the allocator's cached, unused blocks back to the driver (e.g. for another
    process); tensors still alive keep their memory."""
    backend = _running_backend()
    if backend is not None:
        backend.allocator.empty_cache()


def manual_seed(seed: int) -> None:
    """Seed CUDA's random numbers; does nothing when CUDA is unavailable, as in PyTorch.

    MicroTorch has one Philox generator for every device (``microtorch_core/random.py``: the
    same seed gives the same numbers on every backend), so with a usable CUDA backend this
    seeds that shared generator, like ``manual_seed``. Unlike PyTorch, where the CPU and each
    GPU have their own generator, the CPU's random numbers restart from ``seed`` too.
    """
    seed = int(seed)  # a bad seed fails here, GPU or not, as in PyTorch
    if is_available():
        from ..random import manual_seed as seed_generator

        seed_generator(seed)


def manual_seed_all(seed: int) -> None:
    """Seed every GPU's random numbers: :func:`manual_seed` (the backend uses device 0 only)."""
    manual_seed(seed)


def is_bf16_supported(including_emulation: bool = True) -> bool:
    """False: MicroTorch has no bfloat16 dtype yet, on any device."""
    return False


_GRAPH_NAMES = ("CUDAGraph", "graph", "make_graphed_callables", "is_current_stream_capturing")


def __getattr__(name: str) -> Any:
    # CUDA graphs (graphs.py) load on first use: they need the core, which imports this first
    if name in _GRAPH_NAMES:
        from . import graphs

        return getattr(graphs, name)
    raise AttributeError(f"module 'microtorch_core.cuda' has no attribute {name!r}")
