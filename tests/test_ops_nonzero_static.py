"""nonzero_static: argwhere cut or padded to a fixed number of rows, as PyTorch's."""

from __future__ import annotations

import pytest

import microtorch_core as mt
from microtorch_core.testing import assert_close

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("values", [[[0, 1, 0], [2, 0, 3]], 5.0, 0.0, [0.0, 0.0]])
@pytest.mark.parametrize("size", [0, 2, 5])
def test_nonzero_static_matches_pytorch(values, size):
    got = mt.nonzero_static(mt.tensor(values), size=size, fill_value=-7)
    want = torch.nonzero_static(torch.tensor(values), size=size, fill_value=-7)
    assert tuple(got.shape) == tuple(want.shape) and got.dtype is mt.int64
    assert_close(got, want.numpy())


def test_nonzero_static_refuses_a_negative_size():
    with pytest.raises(RuntimeError, match="non-negative"):
        mt.tensor([1]).nonzero_static(size=-1)
