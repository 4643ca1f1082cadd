"""MicroTorch's CPU backend: NumPy kernels behind the backend spec.

Installing this distribution is enough: ``microtorch_core`` finds it through the
``microtorch.backends`` entry point (see ``plugin.py``).
"""

from .allocator import CPUAllocator
from .backend import CPUBackend

__all__ = ["CPUBackend", "CPUAllocator"]
