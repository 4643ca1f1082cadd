"""``repr(tensor)`` reads like PyTorch's: number format, column widths, elision, extras."""

import warnings

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


def test_values_whose_ratio_overflows_print_without_a_warning():
    # max / min = 1e600 overflows float64; PyTorch prints these in scientific notation, silently
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        text = repr(mt.tensor([1e300, 1e-300], dtype=mt.float64))
    assert text == "tensor([1.0000e+300, 1.0000e-300], dtype=microtorch.float64)"
