"""Entry point of the ``microtorch.backends`` group: registers the ``cuda`` device.

Importing this module imports nothing heavy: the backend class is imported inside the hook, and
the GPU is touched only when the registry first creates the backend.

With ``MICROTORCH_CUDA_EMULATOR=1`` it also registers ``cudaemu``: the same backend running its
kernels on the CPU emulator, so that ``pytest --backend cudaemu`` runs the core's conformance
suite against the CUDA kernels on a machine without a GPU (slowly).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from microtorch_core.hookspecs import hookimpl

if TYPE_CHECKING:
    from microtorch_core.registry import BackendRegistry

EMULATOR_ENV = "MICROTORCH_CUDA_EMULATOR"


@hookimpl
def microtorch_register_backends(registry: BackendRegistry) -> None:
    """Provide device type ``cuda`` (and ``cudaemu`` when asked for)."""
    from .backend import CUDABackend

    registry.add("cuda", CUDABackend)
    if os.environ.get(EMULATOR_ENV, "").strip() not in ("", "0"):
        from .emulator.backend import EmulatedCUDABackend

        registry.add("cudaemu", EmulatedCUDABackend)
