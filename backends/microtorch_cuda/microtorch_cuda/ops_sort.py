"""sort along one dim (the spec's optional kernel): ``kernels/sort.cu``.

A bitonic network on (key, original index) pairs: stable in both directions, NaN largest,
O(n log^2 n) work per row. The input is viewed as rows of ``n`` elements along ``dim``, the
rows walked through a Layout over the other dims (collapsed, as for argmax), so any dim and
any strides work without a copy. Rows whose padded length fits ``SHARED_MAX`` are sorted by
one block each in shared memory; longer rows go through a padded temporary in global memory:
one launch per stage whose pairs are more than a tile of ``SHARED_MAX`` apart, and one launch
for each run of stages that stay inside tiles (2 log2(P / SHARED_MAX) + 1 such launches in
all, where one launch per stage would be log2(P) (log2(P) + 1) / 2: 91 for P = 8192).
"""

from __future__ import annotations

from typing import Any

from microtorch_core.backend import dtypes

from .compiler import check_dtype
from .launch import THREADS, Launcher, device_ptr
from .layout import LAYOUT_FORMAT, collapse, numel, pack_layout, split_leading

#: Longest padded row sorted in shared memory; must match MT_SORT_SHARED in sort.cu.
SHARED_MAX = 2048
ROWS_FORMAT = "PPPqqqqqqi" + LAYOUT_FORMAT + "i"
LOAD_FORMAT = "PPPqqqq" + LAYOUT_FORMAT + "i"
STEP_FORMAT = "PPqqqqqi"
TILES_FORMAT = "PPqqqqqi"
STORE_FORMAT = "PPPPqqqqq" + LAYOUT_FORMAT + "i"
GRID_CAP = 1 << 20  # blocks of sort_rows_shared; it grid-strides over the remaining rows


class SortOps(Launcher):
    """The optional ``sort`` kernel of the CUDA backend."""

    def sort(self, values_out: Any, indices_out: Any, x: Any, dim: int,
             descending: bool) -> None:
        """Stable sort of ``x`` along ``dim`` (NaN largest): ``values_out`` gets the values,
        ``indices_out`` (int64) their positions in ``x``. All three share ``x``'s shape and
        may have any strides."""
        dtype = x.dtype.name
        check_dtype("sort", dtype)
        if values_out.dtype is not x.dtype or indices_out.dtype is not dtypes.int64:
            raise TypeError(
                f"cuda backend: sort writes values of x's dtype ({dtype}) and int64 indices, "
                f"got {values_out.dtype.name} and {indices_out.dtype.name}")
        if numel(x.shape) == 0:
            return
        n = x.shape[dim]
        padded = 1 << (n - 1).bit_length()  # the network sorts power-of-two rows
        operands = (values_out, indices_out, x)
        kept = [d for d in range(len(x.shape)) if d != dim]
        shape, strides = collapse([x.shape[d] for d in kept],
                                  [[t._strides[d] for d in kept] for t in operands])
        along = tuple(t._strides[dim] for t in operands)  # (values, indices, x) along dim
        for offsets, sub_shape, sub_strides in split_leading(shape, strides):
            ptrs = tuple(device_ptr(t) + o * t.dtype.itemsize
                         for t, o in zip(operands, offsets, strict=True))
            rows = numel(sub_shape)
            layout = (*pack_layout(sub_shape, sub_strides), len(sub_shape))
            if padded <= SHARED_MAX:
                self._sort_shared(dtype, ptrs, rows, n, padded, along, descending, layout)
            else:
                self._sort_global(x.dtype, ptrs, rows, n, padded, along, descending, layout)

    def _sort_shared(self, dtype: str, ptrs: tuple[int, ...], rows: int, n: int, padded: int,
                     along: tuple[int, ...], descending: bool, layout: tuple[int, ...]) -> None:
        """One block per row; short rows get a smaller block (each thread owns >= 1 pair)."""
        threads = min(THREADS, max(32, padded // 2))
        func = self.kernels.function("sort", dtype, "sort_rows_shared", ROWS_FORMAT)
        func.prepared_call((min(rows, GRID_CAP), 1), (threads, 1, 1), *ptrs, rows, n, padded,
                           *along, int(descending), *layout)

    def _sort_global(self, dtype: Any, ptrs: tuple[int, ...], rows: int, n: int, padded: int,
                     along: tuple[int, ...], descending: bool, layout: tuple[int, ...]) -> None:
        """Load into a dense rows x padded temporary, run the network, store. Launches on
        one stream run in order, so each launch is a barrier between the stages it splits."""
        name = dtype.name
        keys = self._empty((rows, padded), dtype)
        idx = self._empty((rows, padded), dtypes.int64)
        keys_ptr, idx_ptr = device_ptr(keys), device_ptr(idx)
        values_ptr, indices_ptr, x_ptr = ptrs
        block = (THREADS, 1, 1)
        load = self.kernels.function("sort", name, "sort_global_load", LOAD_FORMAT)
        load.prepared_call(self._grid(rows * padded), block, keys_ptr, idx_ptr, x_ptr, rows, n,
                           padded, along[2], *layout)
        step = self.kernels.function("sort", name, "sort_global_step", STEP_FORMAT)
        tiles = self.kernels.function("sort", name, "sort_global_tiles", TILES_FORMAT)
        grid = self._grid(rows * padded // 2)
        tile_grid = (min(rows * padded // SHARED_MAX, GRID_CAP), 1)
        # every stage with k <= SHARED_MAX stays inside a tile: one launch leaves bitonic tiles
        tiles.prepared_call(tile_grid, block, keys_ptr, idx_ptr, rows, n, padded, 2, SHARED_MAX,
                            int(descending))
        k = 2 * SHARED_MAX
        while k <= padded:
            j = k // 2
            while j >= SHARED_MAX:  # pairs in different tiles: one launch per stage
                step.prepared_call(grid, block, keys_ptr, idx_ptr, rows, n, padded, k, j,
                                   int(descending))
                j //= 2
            tiles.prepared_call(tile_grid, block, keys_ptr, idx_ptr, rows, n, padded, k, k,
                                int(descending))  # the rest of this k, inside the tiles
            k *= 2
        store = self.kernels.function("sort", name, "sort_global_store", STORE_FORMAT)
        store.prepared_call(self._grid(rows * n), block, values_ptr, indices_ptr, keys_ptr,
                            idx_ptr, rows, n, padded, along[0], along[1], *layout)
