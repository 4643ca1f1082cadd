"""sum, prod, amax, amin over dims, argmax/argmin over one dim: ``kernels/reduce.cu``.

A reduction becomes M outputs x N reduced elements (see ``layout.reduction_spaces``). Python
then picks the kernel shape (see reduce.cu for the two strategies) and, when there are too few
outputs to keep the GPU busy, splits each output's N elements over several blocks and adds a
second, small launch that combines the partial results.
"""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

from .compiler import check_dtype
from .launch import BLOCK, THREADS, DeviceArray, Launcher, device_ptr, is_dense
from .layout import (
    LAYOUT_FORMAT,
    MAX_DIMS,
    cdiv,
    collapse,
    contiguous_strides,
    numel,
    pack_layout,
    reduction_spaces,
)

REDUCE_FORMAT = "PPqqqq" + LAYOUT_FORMAT + "i" + LAYOUT_FORMAT + "i"
ARG_FORMAT = "PPqqq" + LAYOUT_FORMAT + "i"
ROW_CHUNK = 4096  # fewest elements worth a block of its own when splitting a row
GRID_CAP = 1 << 20  # grid-stride kernels cover the rest
MAX_SPLITS = 65535  # gridDim.y limit


class ReduceOps(Launcher):
    """Reduction primitives of the CUDA backend."""

    def _reduce(self, op: str, out: Any, x: Any, dims: tuple[int, ...]) -> None:
        dtype = x.dtype.name
        check_dtype(op, dtype)
        n_reduced = numel([x.shape[d] for d in dims])
        if numel(out.shape) == 0:
            return
        if n_reduced == 0:  # the identity (the core rejects empty amax/amin)
            self.fill(out, _identity(op, x.dtype))  # type: ignore[attr-defined]
            return
        plan = _reduce_plan(op, x.shape, x._strides, out._strides, dims, self.max_blocks)
        if plan is None:
            # Too many dims that do not collapse: copy x with the reduced dims last, after
            # which both spaces collapse (out, from the core, is dense in practice).
            order = tuple(d for d in range(len(x.shape)) if d not in dims) + dims
            x = self._contiguous(x, order)
            out = DeviceArray(tuple(out.shape[d] for d in order),
                              tuple(out._strides[d] for d in order), out._offset, out._storage,
                              out.dtype)
            dims = tuple(range(len(order) - len(dims), len(order)))
            plan = _reduce_plan(op, x.shape, x._strides, out._strides, dims, self.max_blocks)
            if plan is None:
                raise NotImplementedError(
                    f"cuda backend: {op} into an output with more than {MAX_DIMS} dims that "
                    f"cannot be merged (shape {out.shape}, strides {out._strides})")
        if plan.partial_shape is None:
            self._launch_reduce(dtype, plan.first, out, x)
            return
        partial = self._empty(plan.partial_shape, x.dtype)
        self._launch_reduce(dtype, plan.first, partial, x)
        self._launch_reduce(dtype, plan.second, out, partial)

    def _launch_reduce(self, dtype: str, launch: _Launch, out: Any, x: Any) -> None:
        func = self.kernels.function("reduce", dtype, launch.kernel, REDUCE_FORMAT)
        func.prepared_call(launch.grid, BLOCK, device_ptr(out), device_ptr(x), *launch.args)

    def _arg_reduce(self, op: str, out: Any, x: Any, dim: int) -> None:
        dtype = x.dtype.name
        check_dtype(op, dtype)
        m, n = numel(out.shape), x.shape[dim]
        if m == 0:
            return
        if n == 0:
            raise ValueError(f"{op} of an empty dimension (dim {dim} of shape {x.shape})")
        out_strides = list(out._strides)
        if len(out_strides) == len(x.shape) - 1:  # out without the reduced dim: same layout
            out_strides.insert(dim, 0)
        kept = [d for d in range(len(x.shape)) if d != dim]
        outer_shape, outer_strides = collapse(
            [x.shape[d] for d in kept], [[out_strides[d] for d in kept],
                                         [x._strides[d] for d in kept]])
        if len(outer_shape) > MAX_DIMS:
            if is_dense(x):
                raise NotImplementedError(
                    f"cuda backend: {op} into an output with more than {MAX_DIMS} dims that "
                    f"cannot be merged (shape {out.shape}, strides {out._strides})")
            # A dense x collapses the kept dims on each side of `dim` to one dim each.
            return self._arg_reduce(op, out, self._contiguous(x), dim)
        stride = x._strides[dim]
        use_cols = _prefer_cols(m, n, outer_strides[1], (stride,))
        blocks = min(cdiv(m, THREADS) if use_cols else m, GRID_CAP)
        kernel = f"{op}_{'cols' if use_cols else 'rows'}"
        func = self.kernels.function("reduce", dtype, kernel, ARG_FORMAT)
        func.prepared_call((blocks, 1), BLOCK, device_ptr(out), device_ptr(x), m, n, stride,
                           *pack_layout(outer_shape, outer_strides), len(outer_shape))

    def sum(self, out: Any, x: Any, dims: tuple[int, ...]) -> None:
        """``out = sum of x over dims`` (keepdim shape)."""
        self._reduce("sum", out, x, dims)

    def prod(self, out: Any, x: Any, dims: tuple[int, ...]) -> None:
        """``out = product of x over dims``."""
        self._reduce("prod", out, x, dims)

    def amax(self, out: Any, x: Any, dims: tuple[int, ...]) -> None:
        """``out = max of x over dims`` (NaN propagates)."""
        self._reduce("amax", out, x, dims)

    def amin(self, out: Any, x: Any, dims: tuple[int, ...]) -> None:
        """``out = min of x over dims`` (NaN propagates)."""
        self._reduce("amin", out, x, dims)

    def argmax(self, out: Any, x: Any, dim: int) -> None:
        """``out`` (int64) = index of the first maximum of ``x`` along ``dim``."""
        self._arg_reduce("argmax", out, x, dim)

    def argmin(self, out: Any, x: Any, dim: int) -> None:
        """``out`` (int64) = index of the first minimum of ``x`` along ``dim``."""
        self._arg_reduce("argmin", out, x, dim)


def _prefer_cols(m: int, n: int, outer_x_strides: tuple[int, ...],
                 inner_x_strides: tuple[int, ...]) -> bool:
    """Thread-per-output when neighbouring outputs are neighbours in memory and the reduced
    elements are not (a warp then reads consecutive addresses), or when rows are too short to
    give a block of 256 threads anything to do."""
    outputs_adjacent = bool(outer_x_strides) and outer_x_strides[-1] == 1
    inner_adjacent = bool(inner_x_strides) and inner_x_strides[-1] == 1
    if outputs_adjacent and not inner_adjacent and m >= 32:
        return True
    return n < 32 and m >= 1024


def _identity(op: str, dtype: Any) -> bool | int | float:
    value = 0 if op == "sum" else 1
    if dtype.is_floating_point:
        return float(value)
    return bool(value) if dtype.name == "bool" else value


class _Launch(NamedTuple):
    """One launch of a reduce kernel: its name, grid, and the arguments after the pointers
    (m, n, chunk, split stride, outer Layout, inner Layout)."""

    kernel: str
    grid: tuple[int, int]
    args: tuple[int, ...]


class _Plan(NamedTuple):
    """How to run a reduction: one launch, or two with a partial-results buffer between."""

    first: _Launch
    partial_shape: tuple[int, int] | None = None
    second: _Launch | None = None


@functools.lru_cache(maxsize=4096)
def _reduce_plan(op: str, shape: tuple[int, ...], x_strides: tuple[int, ...],
                 out_strides: tuple[int, ...], dims: tuple[int, ...],
                 max_blocks: int) -> _Plan | None:
    """The launches of ``op`` over ``dims`` for these layouts (None when the spaces have too
    many dims to collapse). Pure, so cached: a training loop repeats the same reductions, and
    the index arithmetic below would cost several microseconds per op on the host."""
    outer_shape, outer_strides, inner_shape, inner_strides = reduction_spaces(
        shape, x_strides, out_strides, dims)
    if len(outer_shape) > MAX_DIMS or len(inner_shape) > MAX_DIMS:
        return None
    m, n_reduced = numel(outer_shape), numel(inner_shape)
    use_cols = _prefer_cols(m, n_reduced, outer_strides[1], inner_strides)
    per_block = THREADS if use_cols else 1  # outputs per block
    blocks = min(cdiv(m, per_block), GRID_CAP)
    splits = 1
    granule = THREADS if use_cols else ROW_CHUNK
    target = max_blocks // 4  # enough blocks to fill the GPU
    if blocks < target and n_reduced >= 2 * granule:
        splits = min(cdiv(n_reduced, granule), cdiv(target, blocks), MAX_SPLITS)
    chunk = cdiv(n_reduced, splits)
    splits = cdiv(n_reduced, chunk)  # so that no chunk is empty
    kernel = f"{op}_{'cols' if use_cols else 'rows'}"
    inner_args = (*pack_layout(inner_shape, [inner_strides]), len(inner_shape))
    if splits == 1:
        outer_args = (*pack_layout(outer_shape, outer_strides), len(outer_shape))
        return _Plan(_Launch(kernel, (blocks, 1),
                             (m, n_reduced, n_reduced, 0, *outer_args, *inner_args)))
    # Pass 1: partial[m, s] for chunk s of output m. Pass 2: reduce each row of partial.
    dense = contiguous_strides(outer_shape)
    partial_strides = tuple(s * splits for s in dense)
    outer_args = (*pack_layout(outer_shape, [partial_strides, outer_strides[1]]),
                  len(outer_shape))
    first = _Launch(kernel, (blocks, splits), (m, n_reduced, chunk, 1, *outer_args, *inner_args))
    outer_args = (*pack_layout(outer_shape, [outer_strides[0], partial_strides]),
                  len(outer_shape))
    inner_args = (*pack_layout((splits,), [(1,)]), 1)
    second = _Launch(f"{op}_rows", (min(m, GRID_CAP), 1),
                     (m, splits, splits, 0, *outer_args, *inner_args))
    return _Plan(first, (m, splits), second)
