"""Conformance: views (metadata only, sharing storage), contiguous copies, basic and advanced
indexing, index assignment, gather/scatter, and joining/splitting, against NumPy."""

from __future__ import annotations

import numpy as np
import pytest

import microtorch_core as mt
from microtorch_core.testing import assert_close, random_array
from microtorch_core.testing.layouts import LAYOUTS, make_layout

DTYPES = ["float32", "float64", "int64", "int32", "bool"]


def _arange(shape, device, dtype="float32"):
    x = np.arange(int(np.prod(shape))).reshape(shape).astype(dtype)
    return mt.tensor(x, device=device), x


# -- views -----------------------------------------------------------------------------------
def test_views_share_storage_and_change_only_metadata(device):
    t, x = _arange((2, 3, 4), device)
    views = {
        "reshape": (t.reshape(6, 4), x.reshape(6, 4)),
        "view": (t.view(2, 12), x.reshape(2, 12)),
        "permute": (t.permute(2, 0, 1), x.transpose(2, 0, 1)),
        "transpose": (t.transpose(0, 2), x.swapaxes(0, 2)),
        "T": (t.T, x.T),
        "mT": (t.mT, x.swapaxes(-1, -2)),
        "unsqueeze": (t.unsqueeze(1), x[:, None]),
        "squeeze": (t.unsqueeze(0).squeeze(0), x),
        "flatten": (t.flatten(1), x.reshape(2, 12)),
        "expand": (t[:, :1].expand(2, 5, 4), np.broadcast_to(x[:, :1], (2, 5, 4))),
        "slice": (t[1:, ::2, 1::2], x[1:, ::2, 1::2]),
        "narrow": (t.narrow(2, 1, 2), x[:, :, 1:3]),
        "movedim": (t.movedim(0, 2), np.moveaxis(x, 0, 2)),
        "unflatten": (t.unflatten(2, (2, 2)), x.reshape(2, 3, 2, 2)),
        "t": (t[0].t(), x[0].T),
        "broadcast_to": (t[:1].broadcast_to((3, 3, 4)), np.broadcast_to(x[:1], (3, 3, 4))),
        "expand_as": (t[:, :1, :1].expand_as(t), np.broadcast_to(x[:, :1, :1], x.shape)),
    }
    for name, (view, expected) in views.items():
        assert view.untyped_storage() is t.untyped_storage(), name
        assert_close(view, expected, msg=name)
        assert_close(view.contiguous(), expected, msg=name)
        assert view.contiguous().is_contiguous(), name


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_contiguous_copies_every_layout_and_dtype(device, layout, dtype):
    t, x = make_layout(random_array((3, 5), dtype), layout, device)
    c = t.contiguous()
    assert c.is_contiguous() and c.stride() == (5, 1)
    assert_close(c, x)
    assert_close(t.clone(), x)


def test_reshape_of_non_contiguous_copies(device):
    t, x = _arange((3, 4), device)
    r = t.T.reshape(12)
    assert r.untyped_storage() is not t.untyped_storage()
    assert_close(r, x.T.reshape(12))


def test_writes_through_a_view_reach_the_base(device):
    t, x = _arange((3, 4), device)
    t.T[1:, 0].fill_(-1)
    x.T[1:, 0] = -1
    assert_close(t, x)


def test_0d_and_zero_size_views(device):
    s = mt.tensor(3.0, device=device)
    assert s.reshape(1, 1).shape == (1, 1) and s.unsqueeze(0).shape == (1,)
    e = mt.zeros(0, 4, device=device)
    assert e.reshape(2, 0, 2).shape == (2, 0, 2)
    assert e.T.contiguous().shape == (4, 0)
    assert e[:, ::2].shape == (0, 2)


def test_view_of_a_0d_tensor_as_ones_shares_its_storage(device):
    s = mt.tensor(3.0, device=device)
    for shape in [(1,), (1, 1), (-1,)]:
        v = s.view(*shape)
        assert v.shape == (1,) * len(shape) and v._storage is s._storage
    assert s.view_as(mt.ones(1, 1, 1, device=device)).tolist() == [[[3.0]]]


def test_unbind_of_a_zero_size_tensor_gives_empty_pieces(device):
    # the pieces' offsets lie past the empty storage; reading them reads nothing
    pieces = mt.zeros(3, 0, 2, device=device).unbind(0)
    assert len(pieces) == 3
    for p in pieces:
        assert p.shape == (0, 2) and p.cpu().numpy().shape == (0, 2) and p.tolist() == []


# -- basic indexing ------------------------------------------------------------------------------
@pytest.mark.parametrize("key", [
    1, -1, (0, 2), (slice(None), 1), (slice(1, None, 2),), (Ellipsis, 0), (None, 1),
    (slice(None, None, 3), None, slice(1, 3)), (Ellipsis, slice(None, None, 2), None),
    (1, -2, 3), (slice(5, 10),),
])
def test_basic_indexing(device, key):
    t, x = _arange((3, 4, 5), device)
    assert_close(t[key], x[key])
    assert t[key].untyped_storage() is t.untyped_storage()


def test_indexing_a_strided_view(device):
    t, x = make_layout(random_array((4, 6), "float64"), "transposed", device)
    assert_close(t[1:, ::2], x[1:, ::2])
    assert_close(t[-1], x[-1])


# -- advanced indexing ---------------------------------------------------------------------------
@pytest.mark.parametrize("key", [
    [0, 2], [[0, 1], [2, 2]], ([0, 2], [1, 3]), (slice(None), [3, 0, 3]),
    (Ellipsis, [1, -1]), ([2, 0], slice(1, 3), [4, 4]), (1, [0, 3]), ([-1, 0],),
])
def test_integer_array_indexing(device, key):
    t, x = _arange((3, 4, 5), device)
    if isinstance(key, list):
        assert_close(t[key], x[np.array(key)])
    else:
        assert_close(t[key], x[tuple(np.array(k) if isinstance(k, list) else k for k in key)])


def test_indexing_with_integer_and_bool_tensors(device):
    t, x = _arange((4, 3), device)
    idx = np.array([3, 1, 1])
    assert_close(t[mt.tensor(idx, device=device)], x[idx])
    assert_close(t[mt.tensor(idx.astype(np.int32), device=device)], x[idx])
    mask = x[:, 0] > 4
    assert_close(t[mt.tensor(mask, device=device)], x[mask])
    mask2 = (x % 2) == 0
    assert_close(t[mt.tensor(mask2, device=device)], x[mask2])


@pytest.mark.parametrize("dtype", DTYPES)
def test_index_assignment(device, dtype):
    t, x = _arange((4, 5), device, dtype)
    value = np.array(1).astype(dtype)
    t[1] = value.item()
    x[1] = value
    t[:, ::2] = mt.tensor(x[0, ::2], device=device)
    x[:, ::2] = x[0, ::2]
    t[[0, 3], [4, 1]] = 0
    x[[0, 3], [4, 1]] = 0
    mask = x > x.mean()
    t[mt.tensor(mask, device=device)] = 1
    x[mask] = 1
    assert_close(t, x)


def test_index_assignment_through_a_transposed_view(device):
    t, x = _arange((3, 4), device)
    t.T[[1, 3]] = mt.tensor([-1.0, -2.0, -3.0], device=device)
    x.T[[1, 3]] = [-1.0, -2.0, -3.0]
    assert_close(t, x)


# -- gather, scatter, index_select ---------------------------------------------------------------
@pytest.mark.ops("gather")
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_gather(device, dim):
    t, x = _arange((3, 4), device)
    idx = random_array((2, 4) if dim == 0 else (3, 2), "int64", 0, x.shape[dim] - 1)
    assert_close(t.gather(dim, mt.tensor(idx, device=device)),
                 np.take_along_axis(x, idx, axis=dim))


@pytest.mark.ops("gather")
def test_gather_from_strided_input(device):
    t, x = make_layout(random_array((4, 5), "float32"), "stepped", device)
    idx = np.array([[0, 3], [4, 4], [1, 0], [2, 2]])
    assert_close(t.gather(1, mt.tensor(idx, device=device)), np.take_along_axis(x, idx, 1))


@pytest.mark.ops("scatter_add")
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32"])
def test_scatter_add_accumulates_repeated_indices(device, dtype):
    x = np.zeros((3, 4), dtype)
    idx = np.array([[0, 1, 0, 2], [2, 2, 2, 0]])
    src = np.arange(8).reshape(2, 4).astype(dtype)
    out = mt.tensor(x, device=device).scatter_add(0, mt.tensor(idx, device=device),
                                                   mt.tensor(src, device=device))
    expected = x.copy()
    np.add.at(expected, (idx, np.arange(4)[None, :]), src)
    assert_close(out, expected)


@pytest.mark.ops("scatter")
def test_scatter_writes_values_and_scalars(device):
    idx = np.array([[1, 0, 2]])
    out = mt.zeros(3, 3, device=device).scatter(0, mt.tensor(idx, device=device),
                                                  mt.tensor([[5.0, 6.0, 7.0]], device=device))
    expected = np.zeros((3, 3), np.float32)
    expected[idx[0], np.arange(3)] = [5, 6, 7]
    assert_close(out, expected)
    out = mt.zeros(2, 3, device=device).scatter(1, mt.tensor([[2], [0]], device=device), 9.0)
    assert_close(out, np.float32([[0, 0, 9], [9, 0, 0]]))


@pytest.mark.ops("scatter_add", "scatter")
def test_scatter_reads_only_the_corner_of_a_larger_src_as_pytorch(device):
    idx = mt.tensor([[0, 1], [2, 3]], device=device)
    src_np = np.arange(15, dtype=np.float64).reshape(3, 5)
    expected = np.zeros((3, 5))
    expected[[0, 0, 1, 1], [0, 1, 2, 3]] = src_np[:2, :2].ravel()
    src = mt.tensor(src_np, device=device, requires_grad=True)
    out = mt.zeros(3, 5, dtype=mt.float64, device=device).scatter_add(1, idx, src)
    assert_close(out, expected)
    assert_close(mt.zeros(3, 5, dtype=mt.float64, device=device).scatter(1, idx, src), expected)
    out.sum().backward()  # only the corner that was read gets a gradient
    assert_close(src.grad, np.pad(np.ones((2, 2)), ((0, 1), (0, 3))))


def test_index_select(device):
    t, x = _arange((3, 4), device)
    idx = np.array([3, 0, 3])
    assert_close(t.index_select(1, mt.tensor(idx, device=device)), x[:, idx])
    assert_close(t.index_select(0, mt.tensor([2], device=device)), x[[2]])


def test_nonzero(device):
    x = np.array([[0, 1, 0], [2, 0, 3]])
    t = mt.tensor(x, device=device)
    assert_close(t.nonzero(), np.stack(np.nonzero(x), axis=1))
    rows, cols = t.nonzero(as_tuple=True)
    assert_close(rows, np.nonzero(x)[0])
    assert_close(cols, np.nonzero(x)[1])


@pytest.mark.parametrize("value, count", [(0.0, 0), (2.5, 1)])
def test_nonzero_of_a_0d_tensor_has_no_coordinates(device, value, count):
    # PyTorch's shapes: (count, 0) indices, or as a tuple the positions of a 1-element vector
    t = mt.tensor(value, device=device)
    assert t.nonzero().shape == (count, 0) and t.nonzero().dtype is mt.int64
    (positions,) = t.nonzero(as_tuple=True)
    assert positions.tolist() == [0] * count and positions.dtype is mt.int64


# -- joining and splitting -------------------------------------------------------------------
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cat_and_stack(device, dim):
    a, b = random_array((2, 3), "float32", seed=1), random_array((2, 3), "float32", seed=2)
    ta, tb = mt.tensor(a, device=device), mt.tensor(b, device=device)
    assert_close(mt.cat([ta, tb.T.contiguous().T], dim), np.concatenate([a, b], dim))
    assert_close(mt.stack([ta, tb], dim), np.stack([a, b], dim))


def test_cat_promotes_dtypes_and_skips_empty_tensors(device):
    a = mt.tensor([1, 2], device=device, dtype=mt.int32)
    b = mt.tensor([0.5], device=device, dtype=mt.float64)
    assert_close(mt.cat([a, mt.zeros(0, device=device, dtype=mt.int32), b]),
                 np.float64([1, 2, 0.5]))


def test_split_and_chunk_are_views(device):
    t, x = _arange((7, 2), device)
    parts = t.split(3)
    assert [p.shape[0] for p in parts] == [3, 3, 1]
    for part, ref in zip(parts, np.split(x, [3, 6])):
        assert_close(part, ref)
        assert part.untyped_storage() is t.untyped_storage()
    sizes = t.split([2, 5])
    assert_close(sizes[1], x[2:])
    assert [c.shape[0] for c in t.chunk(3)] == [3, 3, 1]


def test_advanced_assignment_after_a_slice_writes_where_indexing_reads(device):
    # the value's dims follow the indexed result's layout even when shapes coincide
    t, x = _arange((2, 3, 4), device)
    value = np.arange(16, dtype=np.float32).reshape(2, 2, 4) + 100
    t[:, [0, 2]] = mt.tensor(value, device=device)
    x[:, [0, 2]] = value
    assert_close(t, x)


def test_bool_scalar_index_adds_a_dim(device):
    t, x = _arange((2, 3), device)
    assert_close(t[True], x[True])
    assert t[False].shape == (0, 2, 3)
    assert_close(t[0, mt.tensor(True, device=device)], x[0, True])
    assert_close(t[mt.tensor(1.0, device=device) > 0], x[None])
    t[True] = 5.0
    assert_close(t, np.full((2, 3), 5.0, np.float32))


def test_empty_list_index_selects_nothing(device):
    t, _ = _arange((2, 3), device)
    assert t[[]].shape == (0, 3)
    t[[]] = 1.0
    assert_close(t, np.arange(6, dtype=np.float32).reshape(2, 3))


def test_cat_accepts_a_1d_empty_tensor_next_to_any_shape(device):
    t, x = _arange((2, 3), device)
    assert_close(mt.cat([mt.tensor([], device=device), t]), x)  # the accumulator idiom
    assert_close(mt.cat([t, mt.zeros(0, device=device)], 1), x)


def test_cat_of_0d_tensors_is_a_clear_error(device):
    with pytest.raises(RuntimeError, match="zero-dimensional tensor"):
        mt.cat([mt.tensor(1.0, device=device)])
