"""MicroTorch's CUDA backend: primitive kernels as CUDA C compiled with PyCUDA.

Importing this package touches no GPU and does not import PyCUDA; the backend is created by
the core registry on first use of ``device("cuda")``. ``CUDABackend.availability()`` says
whether it can run here and, if not, why.
"""

from .backend import CUDABackend

__all__ = ["CUDABackend"]
