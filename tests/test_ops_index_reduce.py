"""index_reduce: slices of source reduced into the slices of x an index vector names, against
PyTorch (values, dtypes, errors) and finite differences."""

from __future__ import annotations

import numpy as np
import pytest

import microtorch_core as mt
from microtorch_core.testing import assert_close, check_against_torch, check_gradients, random_array

REDUCTIONS = ("prod", "mean", "amax", "amin")
pytestmark = pytest.mark.filterwarnings("ignore:index_reduce\\(\\) is in beta")


@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", REDUCTIONS)
def test_index_reduce_matches_pytorch_with_gradients(reduce, include_self):
    torch = pytest.importorskip("torch")
    index = [0, 2, 0, 3, 2]
    check_against_torch(
        lambda x, s: mt.index_reduce(x, 1, mt.tensor(index), s, reduce,
                                     include_self=include_self),
        (3, 4), (3, 5),
        torch_fn=lambda x, s: torch.index_reduce(x, 1, torch.tensor(index), s, reduce,
                                                 include_self=include_self))


@pytest.mark.parametrize("reduce", REDUCTIONS)
def test_index_reduce_gradcheck(reduce):
    index = mt.tensor([1, 0, 1])
    # distinct values: amax/amin have no ties, where the gradient is a convention
    x = np.arange(8.0).reshape(2, 4) / 7
    s = np.arange(12.0).reshape(3, 4) / 5 - 1
    check_gradients(lambda a, b: mt.index_reduce(a, 0, index, b, reduce), x, s)


def test_index_reduce_mean_of_integers_rounds_down():
    torch = pytest.importorskip("torch")
    x, index, src = [-5, 3, 4], [0, 0, 1], [-1, 1, 0]
    got = mt.tensor(x).index_reduce(0, mt.tensor(index), mt.tensor(src), "mean")
    want = torch.tensor(x).index_reduce(0, torch.tensor(index), torch.tensor(src), "mean")
    assert_close(got, want.numpy())


def test_index_reduce_in_place_and_int32_index():
    x = mt.tensor([5, 7, 9])
    out = x.index_reduce_(0, mt.tensor([0, 0, 1], dtype=mt.int32), mt.tensor([2, 3, -4]),
                          "amin", include_self=False)
    assert out is x
    assert x.tolist() == [2, -4, 9]


def test_index_reduce_of_0d_tensors():
    out = mt.tensor(5.0).index_reduce(0, mt.tensor([0]), mt.tensor(2.0), "prod")
    assert out.shape == () and out.item() == 10.0


def test_index_reduce_leaves_unnamed_slices_alone():
    x = random_array((4, 2), np.float32)
    out = mt.index_reduce(mt.tensor(x), 0, mt.tensor([1]), mt.ones(1, 2), "amax")
    assert_close(out[[0, 2, 3]], x[[0, 2, 3]])


def test_index_reduce_errors():
    x = mt.tensor([5, 7, 9])
    with pytest.raises(RuntimeError, match="one of prod, mean, amax or amin but got sum"):
        x.index_reduce(0, mt.tensor([0]), mt.tensor([1]), "sum")
    with pytest.raises(IndexError, match="index 3 is out of bounds"):
        x.index_reduce(0, mt.tensor([3]), mt.tensor([1]), "prod")
    with pytest.raises(RuntimeError, match=r"Number of indices \(2\) should be equal"):
        x.index_reduce(0, mt.tensor([0, 1]), mt.tensor([1, 2, 3]), "prod")
    with pytest.raises(RuntimeError, match="must have the same scalar type"):
        x.index_reduce(0, mt.tensor([0]), mt.tensor([1.0]), "prod")
    with pytest.raises(RuntimeError, match="Expected dtype int32/int64 for index"):
        x.index_reduce(0, mt.tensor([0.0]), mt.tensor([1]), "prod")
    with pytest.raises(RuntimeError, match="source tensor shape must match self tensor shape"):
        mt.tensor(5.0).index_reduce(0, mt.tensor([0]), mt.tensor([2.0]), "prod")
    with pytest.raises(NotImplementedError, match="not implemented for bool"):
        mt.tensor([True]).index_reduce(0, mt.tensor([0]), mt.tensor([False]), "prod")
