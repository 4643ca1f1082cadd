"""The CUDA backend's host-side index arithmetic (``microtorch_cuda.layout``), checked with
NumPy and no GPU.

``kernel_offsets`` below is a line-by-line Python port of ``layout_offsets`` in
``kernels/common.cuh``: decoding the packed Layout the way the kernel does and comparing with
NumPy's own strided views checks collapse + pack + the kernel's walk together.
"""

from __future__ import annotations

import numpy as np
import pytest

from microtorch_cuda.layout import (
    MAX_DIMS,
    MAX_OPERANDS,
    collapse,
    contiguous_strides,
    pack_layout,
    reduction_spaces,
    split_leading,
)

rng = np.random.default_rng(1)


def kernel_offsets(i: int, packed: list[int], ndim: int, n_operands: int) -> list[int]:
    """What ``layout_offsets<N>(i, layout, ndim, off)`` computes on the GPU."""
    shape = packed[:MAX_DIMS]
    strides = [packed[MAX_DIMS * (k + 1):MAX_DIMS * (k + 2)] for k in range(MAX_OPERANDS)]
    off = [0] * n_operands
    for d in range(MAX_DIMS - 1, -1, -1):
        if d < MAX_DIMS - ndim:
            break
        idx, i = i % shape[d], i // shape[d]
        for k in range(n_operands):
            off[k] += idx * strides[k][d]
    return off


def random_view(shape: tuple[int, ...]) -> np.ndarray:
    """A view of ``shape`` with a random dim order, some broadcast dims and a sliced base."""
    perm = rng.permutation(len(shape))
    base = rng.standard_normal([shape[p] + 1 for p in perm])  # +1: slicing leaves gaps
    v = base[tuple(slice(1, None) for _ in perm)].transpose(np.argsort(perm))
    for d in range(len(shape)):
        if rng.random() < 0.25:  # broadcast this dim: stride 0
            first = v[(slice(None),) * d + (slice(0, 1),)]  # a view, not a copy
            v = np.broadcast_to(first, v.shape)
    return v


def elem_strides(a: np.ndarray) -> tuple[int, ...]:
    return tuple(s // a.itemsize for s in a.strides)


def element_offset(a: np.ndarray) -> int:
    """Offset (in elements) of a view's first element inside its base buffer."""
    base = a
    while base.base is not None:
        base = base.base
    return (a.__array_interface__["data"][0] - base.__array_interface__["data"][0]) // a.itemsize


def test_collapse_merges_a_dense_tensor_into_one_dim():
    assert collapse((2, 3, 4), [contiguous_strides((2, 3, 4))]) == ((24,), [(1,)])


def test_collapse_keeps_transposed_dims_apart_and_drops_size_one():
    assert collapse((3, 1, 4), [(1, 99, 3)]) == ((3, 4), [(1, 3)])


def test_collapse_broadcast_operand_does_not_block_merging():
    assert collapse((2, 3, 4), [(12, 4, 1), (0, 0, 1)]) == ((6, 4), [(4, 1), (0, 1)])
    assert collapse((2, 3), [(3, 1), (0, 0)]) == ((6,), [(1,), (0,)])


def test_collapse_of_all_ones_is_zero_dim():
    assert collapse((1, 1), [(5, 7)]) == ((), [()])


@pytest.mark.parametrize("ndim", [1, 2, 3, 4, 5])
def test_collapsed_packed_layout_addresses_every_element_like_numpy(ndim):
    for _ in range(10):
        shape = tuple(int(n) for n in rng.integers(1, 4, ndim))
        views = [random_view(shape) for _ in range(3)]
        flat = [np.ascontiguousarray(v).reshape(-1) for v in views]  # row-major order
        cshape, cstrides = collapse(shape, [elem_strides(v) for v in views])
        packed = pack_layout(cshape, cstrides)
        assert len(packed) == MAX_DIMS * (1 + MAX_OPERANDS)
        for i in range(int(np.prod(shape))):
            offs = kernel_offsets(i, packed, len(cshape), 3)
            for v, f, off in zip(views, flat, offs, strict=True):
                base = v
                while base.base is not None:
                    base = base.base
                assert base.reshape(-1)[element_offset(v) + off] == f[i]


def test_split_leading_covers_more_than_eight_dims_in_order():
    shape = (2,) * 10
    strides = [tuple(reversed(contiguous_strides(shape)))]  # fully reversed: nothing merges
    cshape, cstrides = collapse(shape, strides)
    assert len(cshape) == 10
    got = []
    for offsets, sub_shape, sub_strides in split_leading(cshape, cstrides):
        assert len(sub_shape) == MAX_DIMS
        packed = pack_layout(sub_shape, sub_strides)
        got += [offsets[0] + kernel_offsets(i, packed, MAX_DIMS, 1)[0]
                for i in range(int(np.prod(sub_shape)))]
    want = np.arange(1024).reshape((2,) * 10).transpose(tuple(reversed(range(10)))).reshape(-1)
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("dims", [(0,), (2,), (0, 2), (1, 3), (0, 1, 2, 3)])
def test_reduction_spaces_visit_each_output_slice(dims):
    x = random_view((3, 2, 4, 2))
    shape = x.shape
    out_shape = tuple(1 if d in dims else n for d, n in enumerate(shape))
    out_strides = contiguous_strides(out_shape)
    outer, (o_out, o_x), inner, i_x = reduction_spaces(shape, elem_strides(x), out_strides, dims)
    base = x
    while base.base is not None:
        base = base.base
    buf, start = base.reshape(-1), element_offset(x)
    result = np.zeros(int(np.prod(out_shape)))
    op = pack_layout(outer, [o_out, o_x])
    ip = pack_layout(inner, [i_x])
    for m in range(int(np.prod(outer))):
        out_off, x_off = kernel_offsets(m, op, len(outer), 2)
        for j in range(int(np.prod(inner))):
            result[out_off] += buf[start + x_off + kernel_offsets(j, ip, len(inner), 1)[0]]
    np.testing.assert_allclose(result.reshape(out_shape), x.sum(axis=dims, keepdims=True))
