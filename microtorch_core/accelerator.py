"""``accelerator``: the device-agnostic way to ask for "the GPU", as ``torch.accelerator``.

Scripts written for PyTorch 2.6+ pick their device with ``accelerator.is_available()`` and
``accelerator.current_accelerator()`` instead of naming CUDA. In PyTorch the accelerator is
the one its build targets (CUDA, MPS, XPU...), and the CPU is never one. MicroTorch's is the
CUDA backend, found through the backend registry: ``current_accelerator()`` names it when it
is installed, and ``is_available()`` says whether it can run here. MicroTorch's CUDA backend
uses one GPU, device 0.

>>> import microtorch_core as mt
>>> device = mt.accelerator.current_accelerator() if mt.accelerator.is_available() else "cpu"
"""

from __future__ import annotations

from typing import Any

from . import cuda
from .backends.cuda import is_built
from .device import device as _device

_ACCELERATOR = "cuda"  # the device type of MicroTorch's accelerator backend

DeviceLike = Any  # None, an index, "cuda", "cuda:0" or a device


def current_accelerator(check_available: bool = False) -> _device | None:
    """The accelerator's device type (``device("cuda")``) when its backend is installed,
    else None; with ``check_available=True``, None also when it cannot run here."""
    if not is_built():
        return None
    if check_available and not cuda.is_available():
        return None
    return _device(_ACCELERATOR)


def is_available() -> bool:
    """True when the accelerator's backend is installed and can run here."""
    return current_accelerator(check_available=True) is not None


def device_count() -> int:
    """How many accelerator devices are usable here: 0 without one."""
    return cuda.device_count() if is_available() else 0


def _require() -> None:
    if not is_available():
        why = cuda.unavailable_reason()
        raise RuntimeError("Cannot access accelerator device when none is available"
                           + (f" ({_ACCELERATOR}: {why})" if why else ""))


def _index(device: DeviceLike) -> int:
    if device is None:
        return current_device_index()
    if isinstance(device, int) and not isinstance(device, bool):
        index = device
    else:
        dev = _device(device)
        if dev.type != _ACCELERATOR:
            raise ValueError(f"{dev} is not the current accelerator ({_ACCELERATOR})")
        index = dev.index or 0
    if index != 0:
        raise ValueError(f"accelerator device index {index} does not exist: MicroTorch's "
                         f"{_ACCELERATOR} backend uses device 0 only")
    return index


def current_device_index() -> int:
    """The index of the current accelerator device: always 0 (one GPU)."""
    _require()
    return 0


current_device_idx = current_device_index  # PyTorch's older name


def set_device_index(device: DeviceLike, /) -> None:
    """Make ``device`` current; only device 0 exists here, so this checks it is 0."""
    _require()
    _index(device)


set_device_idx = set_device_index  # PyTorch's older name


class device_index:  # noqa: N801 - PyTorch's spelling
    """Context manager making ``device`` (an index, or None for "leave it") current inside
    the block; with one device, it checks the index."""

    def __init__(self, device: int | None, /) -> None:
        self.idx = device

    def __enter__(self) -> None:
        if self.idx is not None:
            set_device_index(self.idx)

    def __exit__(self, *exc: object) -> None:
        pass


def synchronize(device: DeviceLike = None, /) -> None:
    """Wait until every kernel queued on the accelerator has finished."""
    _require()
    _index(device)
    cuda.synchronize()


def memory_stats(device: DeviceLike = None, /) -> dict[str, int]:
    """The accelerator's caching-allocator counters (bytes and counts)."""
    _require()
    return cuda.memory_stats(_index(device))


def memory_allocated(device: DeviceLike = None, /) -> int:
    """Bytes held by live tensors on the accelerator now."""
    _require()
    return cuda.memory_allocated(_index(device))


def max_memory_allocated(device: DeviceLike = None, /) -> int:
    """Peak of :func:`memory_allocated` since the start or the last reset."""
    _require()
    return cuda.max_memory_allocated(_index(device))


def memory_reserved(device: DeviceLike = None, /) -> int:
    """Bytes the accelerator's caching allocator holds: live tensors plus its cache."""
    _require()
    return cuda.memory_reserved(_index(device))


def reset_peak_memory_stats(device: DeviceLike = None, /) -> None:
    """Restart :func:`max_memory_allocated` from the bytes allocated now."""
    _require()
    cuda.reset_peak_memory_stats(_index(device))


def empty_cache() -> None:
    """Give the caching allocator's unused blocks back to the driver (nothing to do when
    the accelerator has not been used)."""
    cuda.empty_cache()
