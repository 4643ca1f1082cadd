"""Batched matmul: ``kernels/matmul.cu``.

The kernel wants each matrix row-major with a dense last dim (any leading dimension, any batch
strides, including 0 for broadcast batches). Other layouts (a transposed operand, as in most
backward passes) are first copied dense: one extra pass over the operand, small next to the
O(m n k) work of the product.
"""

from __future__ import annotations

from typing import Any

from .compiler import check_dtype
from .launch import Launcher, device_ptr
from .layout import LAYOUT_FORMAT, cdiv, collapsed_layout, numel, pack_layout

TILE_M = TILE_N = 128  # BM, BN in matmul.cu
SMALL_TILE = 64  # BM, BN for 16-byte elements (complex128), whose accumulators are larger
MATMUL_BLOCK = (256, 1, 1)
MATMUL_FORMAT = "PPPqqqqqqq" + LAYOUT_FORMAT + "i"
GRID_LIMIT = 65535  # gridDim.y and gridDim.z; the kernel grid-strides past it


def _rows_dense(t: Any) -> bool:
    """Last dim dense (or of size 1, where its stride is never used)."""
    return t.shape[-1] == 1 or t._strides[-1] == 1


class MatmulOps(Launcher):
    """Matrix product of the CUDA backend."""

    def matmul(self, out: Any, a: Any, b: Any) -> None:
        """Batched ``out[..., m, n] = sum_k a[..., m, k] * b[..., k, n]``."""
        check_dtype("matmul", out.dtype.name)
        m, k, n = a.shape[-2], a.shape[-1], b.shape[-1]
        batch_shape = tuple(out.shape[:-2])
        batch = numel(batch_shape)
        if m == 0 or n == 0 or batch == 0:
            return
        if not _rows_dense(a):
            a = self._contiguous(a)
        if not _rows_dense(b):
            b = self._contiguous(b)
        target = out if _rows_dense(out) else self._empty(tuple(out.shape), out.dtype)
        nb = len(batch_shape)
        _, _, layout_args = collapsed_layout(
            batch_shape, (target._strides[:nb], a._strides[:nb], b._strides[:nb]))
        if layout_args is None:  # many odd batch dims: make everything dense
            a, b = self._contiguous(a), self._contiguous(b)
            if target is out:
                target = self._empty(tuple(out.shape), out.dtype)
            layout_args = (*pack_layout((batch,), [(m * n,), (m * k,), (k * n,)]), 1)
        tile_m, tile_n = (SMALL_TILE, SMALL_TILE) if out.dtype.itemsize == 16 else (TILE_M, TILE_N)
        grid = (cdiv(n, tile_n), min(cdiv(m, tile_m), GRID_LIMIT), min(batch, GRID_LIMIT))
        func = self.kernels.function("matmul", out.dtype.name, "matmul_tiled", MATMUL_FORMAT)
        func.prepared_call(grid, MATMUL_BLOCK, device_ptr(target), device_ptr(a), device_ptr(b),
                           m, n, k, a._strides[-2], b._strides[-2], target._strides[-2], batch,
                           *layout_args)
        if target is not out:
            self.copy(out, target)  # type: ignore[attr-defined]
