"""``repr(tensor)`` reads like PyTorch's: number format, column widths, elision, extras."""

import pytest

import microtorch_core as mt

CASES = [
    "L.tensor([1.0, 2.5])",
    "L.arange(12.).reshape(3, 4)",
    "L.tensor([[1.5, -2.25], [100.0, 3.0]])",
    "L.tensor([123456.7, 1.0])",
    "L.tensor([float('nan'), 1.0, 2.0])",
    "L.tensor([-0.0, 1.0])",
    "L.arange(2000.)",
    "L.arange(60.).reshape(3, 20) * 1.5",
    "L.arange(60).reshape(3, 20)",
    "(L.arange(5.) - 2) * 1e-3",
    "L.tensor([1.0], requires_grad=True) * 2",
]


@pytest.mark.parametrize("expr", CASES)
def test_repr_matches_pytorch(expr):
    torch = pytest.importorskip("torch")
    mine = repr(eval(expr, {"L": mt}))
    assert mine == repr(eval(expr, {"L": torch}))


def test_float_columns_are_padded_to_one_width():
    assert repr(mt.tensor([[1.5, -2.25], [100.0, 3.0]])) == (
        "tensor([[  1.5000,  -2.2500],\n        [100.0000,   3.0000]])")
