"""gather, scatter, scatter_add along one dim: ``kernels/index.cu``.

Each kernel walks the elements of ``index``. The Layout gives the three tensors' strides over
index's shape, with the indexed tensor's stride along ``dim`` replaced by 0: the kernel adds
``index value * dim stride`` itself. That one trick turns "index along dim" into ordinary
strided iteration.
"""

from __future__ import annotations

from typing import Any

from .compiler import check_dtype
from .launch import BLOCK, Launcher, device_ptr
from .layout import LAYOUT_FORMAT, collapse, numel, pack_layout, split_leading

INDEX_FORMAT = "PPPqqq" + LAYOUT_FORMAT + "i"


class IndexOps(Launcher):
    """Indexing primitives of the CUDA backend."""

    def _launch_index(self, kernel: str, dense: Any, indexed: Any, index: Any, dim: int) -> None:
        """``dense`` has index's shape (out of gather, src of scatter); ``indexed`` is the
        tensor addressed through ``index`` along ``dim`` (x of gather, out of scatter)."""
        n = numel(index.shape)
        if n == 0:
            return
        if index.dtype.name != "int64":
            raise TypeError(f"cuda backend: {kernel} index must be int64, got {index.dtype.name}")
        dim %= len(index.shape)
        indexed_strides = list(indexed._strides)
        dim_stride, dim_size = indexed_strides[dim], indexed.shape[dim]
        indexed_strides[dim] = 0
        shape, strides = collapse(index.shape, [dense._strides, index._strides,
                                                tuple(indexed_strides)])
        func = self.kernels.function("index", dense.dtype.name, kernel, INDEX_FORMAT)
        operands = (dense, index, indexed)
        for offsets, sub_shape, sub_strides in split_leading(shape, strides):
            ptrs = [device_ptr(t) + o * t.dtype.itemsize
                    for t, o in zip(operands, offsets, strict=True)]
            sub_n = numel(sub_shape)
            # index.cu kernels take the tensor they write first: gather writes the dense
            # side, scatter the indexed one.
            first, second = (ptrs[0], ptrs[2]) if kernel == "gather" else (ptrs[2], ptrs[0])
            func.prepared_call(self._grid(sub_n), BLOCK, first, second, ptrs[1], sub_n,
                               dim_stride, dim_size, *pack_layout(sub_shape, sub_strides),
                               len(sub_shape))

    def gather(self, out: Any, x: Any, dim: int, index: Any) -> None:
        """``out[i][j][k] = x[i][index[i][j][k]][k]`` for ``dim == 1`` (likewise others)."""
        check_dtype("gather", x.dtype.name)
        self._launch_index("gather", out, x, index, dim)

    def scatter(self, out: Any, dim: int, index: Any, src: Any) -> None:
        """In place: ``out[i][index[i][j][k]][k] = src[i][j][k]`` (for ``dim == 1``)."""
        check_dtype("scatter", out.dtype.name)
        self._launch_index("scatter", src, out, index, dim)

    def scatter_add(self, out: Any, dim: int, index: Any, src: Any) -> None:
        """In place: ``out[i][index[i][j][k]][k] += src[i][j][k]``; repeats accumulate
        (atomicAdd, so the order of float additions, and the last bits, may vary)."""
        check_dtype("scatter_add", out.dtype.name)
        self._launch_index("scatter_add", src, out, index, dim)
