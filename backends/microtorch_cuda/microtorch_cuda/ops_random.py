"""random_uniform and random_normal from Philox4x32-10: ``kernels/random.cu``.

The core keeps the generator state (seed, offset) and advances the offset; the kernel maps
element i to counter ``offset + i``, so the same seed gives the same numbers as the CPU backend.
"""

from __future__ import annotations

from typing import Any

from .compiler import check_dtype
from .launch import BLOCK, Launcher, device_ptr, is_dense
from .layout import numel

RANDOM_FORMAT = "PqIIQ"  # out, n, key lo, key hi, counter offset
MASK32 = 0xFFFFFFFF
MASK64 = 0xFFFFFFFFFFFFFFFF


class RandomOps(Launcher):
    """Random-number primitives of the CUDA backend."""

    def _random(self, kernel: str, out: Any, seed: int, offset: int) -> None:
        check_dtype(kernel, out.dtype.name)
        n = numel(out.shape)
        if n == 0:
            return
        if not is_dense(out):
            raise ValueError(f"cuda backend: {kernel} needs a contiguous output (the spec's "
                             f"element order), got strides {out._strides}")
        seed &= MASK64
        func = self.kernels.function("random", out.dtype.name, kernel, RANDOM_FORMAT)
        func.prepared_call(self._grid(n), BLOCK, device_ptr(out), n, seed & MASK32, seed >> 32,
                           offset & MASK64)

    def random_uniform(self, out: Any, seed: int, offset: int) -> None:
        """Fill ``out`` with U[0, 1) numbers (Philox4x32-10, as the spec defines)."""
        self._random("random_uniform", out, seed, offset)

    def random_normal(self, out: Any, seed: int, offset: int) -> None:
        """Fill ``out`` with N(0, 1) numbers (Box-Muller on the same Philox words)."""
        self._random("random_normal", out, seed, offset)
