"""Host-side index arithmetic: collapsing dims and packing the kernels' ``Layout``.

Pure Python, no GPU: ``tests/test_cuda_layout.py`` checks it against NumPy.

A strided kernel computes, for each linear element, one offset per operand by dividing the
index by the shape's sizes. Fewer dims mean fewer (slow, 64-bit) divisions, so before launch
we *collapse* the iteration space: size-1 dims are dropped, and neighbouring dims merge when
they are laid out back to back in every operand. A contiguous tensor collapses to one dim,
which is what the fast path tests for; a transposed matrix stays 2-D.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Iterator, Sequence

#: Must match MT_MAX_DIMS and MT_MAX_OPERANDS in kernels/common.cuh.
MAX_DIMS = 8
MAX_OPERANDS = 4
#: PyCUDA/struct format of one packed Layout: 8 sizes plus 4 x 8 strides, all int64.
LAYOUT_FORMAT = "q" * (MAX_DIMS + MAX_OPERANDS * MAX_DIMS)

Shape = tuple[int, ...]
Strides = tuple[int, ...]


def contiguous_strides(shape: Sequence[int]) -> Strides:
    """Row-major strides, in elements, of a dense tensor of ``shape``."""
    strides = []
    step = 1
    for size in reversed(shape):
        strides.append(step)
        step *= max(size, 1)
    return tuple(reversed(strides))


@functools.lru_cache(maxsize=1024)
def dense_strides(shape: tuple[int, ...]) -> Strides:
    """:func:`contiguous_strides`, memoised: the elementwise fast path asks on every op."""
    return contiguous_strides(shape)


def collapse(shape: Sequence[int], strides: Sequence[Sequence[int]]) -> tuple[Shape, list[Strides]]:
    """Drop size-1 dims and merge dims that are adjacent in memory in every operand.

    Dims ``d`` and ``d + 1`` merge when ``strides[d] == strides[d + 1] * shape[d + 1]`` for
    each operand: stepping the outer dim once then lands exactly where the inner one would
    have continued. The element order (row-major over ``shape``) is unchanged.

    >>> collapse((2, 3, 4), [(12, 4, 1), (0, 0, 1)])
    ((6, 4), [(4, 1), (0, 1)])
    """
    out_shape: list[int] = []
    out_strides: list[list[int]] = [[] for _ in strides]
    for d, size in enumerate(shape):
        if size == 1:
            continue  # its stride never matters
        pairs = zip(out_strides, strides, strict=True)
        if out_shape and all(o[-1] == s[d] * size for o, s in pairs):
            out_shape[-1] *= size
            for o, s in zip(out_strides, strides, strict=True):
                o[-1] = s[d]
        else:
            out_shape.append(size)
            for o, s in zip(out_strides, strides, strict=True):
                o.append(s[d])
    return tuple(out_shape), [tuple(o) for o in out_strides]


def pack_layout(shape: Sequence[int], strides: Sequence[Sequence[int]]) -> list[int]:
    """The 40 int64 kernel arguments of a ``Layout``: dims right-aligned, shape padded with 1
    and strides with 0; operand slots beyond ``len(strides)`` are zero."""
    ndim = len(shape)
    if ndim > MAX_DIMS or len(strides) > MAX_OPERANDS:
        raise ValueError(f"a Layout holds at most {MAX_DIMS} dims and {MAX_OPERANDS} operands, "
                         f"got {ndim} dims and {len(strides)} operands")
    pad = MAX_DIMS - ndim
    args = [1] * pad + list(shape)
    for k in range(MAX_OPERANDS):
        args += [0] * pad + (list(strides[k]) if k < len(strides) else [0] * ndim)
    return args


@functools.lru_cache(maxsize=4096)
def collapsed_layout(shape: Shape, strides: tuple[Strides, ...]
                     ) -> tuple[Shape, list[Strides], tuple[int, ...] | None]:
    """:func:`collapse`, plus the kernel arguments of the collapsed Layout (its packed fields
    and its number of dims), or None when more than MAX_DIMS dims remain.

    Memoised: a training loop launches the same layouts over and over, and collapsing and
    packing cost a few microseconds of host time per launch. Callers must not mutate the
    returned strides.
    """
    shape, collapsed = collapse(shape, strides)
    if len(shape) > MAX_DIMS:
        return shape, collapsed, None
    return shape, collapsed, (*pack_layout(shape, collapsed), len(shape))


def split_leading(shape: Shape, strides: list[Strides]
                  ) -> Iterator[tuple[list[int], Shape, list[Strides]]]:
    """Cut an iteration space with more than MAX_DIMS dims into ones the kernels take.

    Yields ``(element offsets per operand, shape, strides)`` for each index of the leading
    dims: the host loops over them and launches once per index. Rare (it needs more than 8
    dims that do not collapse), so simplicity beats speed here.
    """
    if len(shape) <= MAX_DIMS:
        yield [0] * len(strides), shape, strides
        return
    lead = len(shape) - MAX_DIMS
    tail_strides = [s[lead:] for s in strides]
    for idx in itertools.product(*(range(n) for n in shape[:lead])):
        offsets = [sum(i * st for i, st in zip(idx, s[:lead], strict=True)) for s in strides]
        yield offsets, shape[lead:], tail_strides


def reduction_spaces(shape: Sequence[int], x_strides: Sequence[int],
                     out_strides: Sequence[int], dims: Sequence[int]
                     ) -> tuple[Shape, list[Strides], Shape, Strides]:
    """Split a reduction into an *outer* space (the kept dims, operands out and x) and an
    *inner* one (the reduced dims, operand x), each collapsed.

    Taking the reduced dims out and handling them in their own loop is the "permute the
    reduced dims innermost" step, done with stride arithmetic instead of a copy.
    """
    reduced = set(dims)
    kept = [d for d in range(len(shape)) if d not in reduced]
    outer_shape, outer_strides = collapse(
        [shape[d] for d in kept], [[out_strides[d] for d in kept], [x_strides[d] for d in kept]]
    )
    inner_shape, (inner_strides,) = collapse(
        [shape[d] for d in dims], [[x_strides[d] for d in dims]]
    )
    return outer_shape, outer_strides, inner_shape, inner_strides


def numel(shape: Sequence[int]) -> int:
    return math.prod(shape)


def cdiv(a: int, b: int) -> int:
    return -(-a // b)
