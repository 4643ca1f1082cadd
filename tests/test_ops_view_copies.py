"""The ``*_copy`` forms of the views, ``split_with_sizes`` and the ``unsafe_`` splits, and
``as_strided_scatter``: values against PyTorch, own storage, gradients by finite differences."""

from __future__ import annotations

import numpy as np
import pytest

import microtorch_core as mt
from microtorch_core.testing import assert_close

torch = pytest.importorskip("torch")

X = np.arange(24.0).reshape(2, 3, 4)

COPIES = [
    ("expand_copy", lambda m, x: m.expand_copy(x[:, :1], (2, 3, 4))),
    ("view_copy", lambda m, x: m.view_copy(x.transpose(0, 2), (-1, 6))),
    ("permute_copy", lambda m, x: m.permute_copy(x, (2, 0, 1))),
    ("transpose_copy", lambda m, x: m.transpose_copy(x, 0, 2)),
    ("t_copy", lambda m, x: m.t_copy(x[0])),
    ("squeeze_copy", lambda m, x: m.squeeze_copy(x[:1], 0)),
    ("unsqueeze_copy", lambda m, x: m.unsqueeze_copy(x, -1)),
    ("diagonal_copy", lambda m, x: m.diagonal_copy(x, 1, 1, 2)),
    ("alias_copy", lambda m, x: m.alias_copy(x)),
    ("detach_copy", lambda m, x: m.detach_copy(x)),
    ("as_strided_copy", lambda m, x: m.as_strided_copy(x, (3, 3), (1, 2), 1)),
    ("narrow_copy", lambda m, x: m.narrow_copy(x, 2, 1, 2)),
    ("select_copy", lambda m, x: m.select_copy(x, 1, -1)),
    ("slice_copy", lambda m, x: m.slice_copy(x, 2, 1, None, 2)),
    ("unfold_copy", lambda m, x: m.unfold_copy(x, 2, 2, 1)),
]


@pytest.mark.parametrize("name,fn", COPIES, ids=[c[0] for c in COPIES])
def test_copy_matches_pytorch_and_owns_its_storage(name, fn):
    x = mt.tensor(X)
    out = fn(mt, x)
    assert_close(out, fn(torch, torch.tensor(X)).numpy())
    assert out.is_contiguous()
    out.fill_(-1.0)  # a view would write through to x
    assert_close(x, X)


@pytest.mark.parametrize("name", ["unbind_copy", "split_copy", "split_with_sizes_copy"])
def test_copies_of_splits_match_pytorch(name):
    args = {"unbind_copy": (1,), "split_copy": (3, 2), "split_with_sizes_copy": ([1, 3], 2)}
    got = getattr(mt, name)(mt.tensor(X), *args[name])
    want = getattr(torch, name)(torch.tensor(X), *args[name])
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert_close(g, w.numpy())
        assert g.is_contiguous()


def test_copy_gradient_is_the_views():
    x = mt.tensor(X[0], requires_grad=True)
    assert mt.autograd.gradcheck(lambda t: mt.permute_copy(t, (1, 0)) * 2.0, (x,))
    assert mt.autograd.gradcheck(lambda t: mt.unfold_copy(t, 1, 2, 1), (x,))


def test_split_with_sizes_and_unsafe_splits_match_pytorch():
    t = torch.tensor(X)
    for got, want in [
        (mt.split_with_sizes(mt.tensor(X), [2, 0, 2], 2), t.split_with_sizes([2, 0, 2], 2)),
        (mt.tensor(X).unsafe_split(2, 1), t.unsafe_split(2, 1)),
        (mt.unsafe_chunk(mt.tensor(X), 3, -1), torch.unsafe_chunk(t, 3, -1)),
    ]:
        assert [tuple(g.shape) for g in got] == [tuple(w.shape) for w in want]
        for g, w in zip(got, want):
            assert_close(g, w.numpy())


def test_split_with_sizes_refuses_sizes_that_do_not_add_up():
    with pytest.raises(RuntimeError, match="sum exactly to 4"):
        mt.split_with_sizes(mt.tensor(X), [1, 2], 2)
    with pytest.raises(RuntimeError, match="non-negative"):
        mt.split_with_sizes(mt.tensor(X), [5, -1], 2)


def test_as_strided_scatter_matches_pytorch():
    src = np.array([[10.0, 20.0], [30.0, 40.0]])
    got = mt.as_strided_scatter(mt.tensor(X[0]), mt.tensor(src), (2, 2), (1, 4), 1)
    want = torch.as_strided_scatter(torch.tensor(X[0]), torch.tensor(src), (2, 2), (1, 4), 1)
    assert_close(got, want.numpy())


def test_as_strided_scatter_gradient_is_the_true_derivative():
    # PyTorch's gradient for the input is wrong (its own gradcheck fails): this one is checked
    # against finite differences
    x = mt.tensor(X[0], requires_grad=True)
    src = mt.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=mt.float64, requires_grad=True)
    assert mt.autograd.gradcheck(lambda a, b: mt.as_strided_scatter(a, b, (2, 2), (1, 4), 1),
                                 (x, src))


def test_as_strided_scatter_refuses_a_layout_outside_the_input():
    with pytest.raises(RuntimeError, match="out of bounds"):
        mt.as_strided_scatter(mt.zeros(4, 4), mt.zeros(2, 2), (2, 2), (200, 200))
