"""``EmulatedCUDABackend``: the CUDA backend on the CPU emulator, as a device of its own."""

from __future__ import annotations

from typing import ClassVar

from microtorch_core.backend import Availability

from ..backend import CUDABackend
from . import EmulatedDriver, find_cxx


class EmulatedCUDABackend(CUDABackend):
    """Device type ``cudaemu``: every CUDA kernel, run by ``runtime.h`` on CPU threads."""

    name: ClassVar[str] = "cudaemu"

    def __init__(self) -> None:
        super().__init__(driver=EmulatedDriver())

    @classmethod
    def availability(cls) -> Availability:
        if find_cxx() is None:
            return Availability(False, "the CUDA emulator needs a C++20 compiler (g++)")
        return Availability(True)
