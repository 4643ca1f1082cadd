"""Python ints beyond the 64-bit range, and numbers outside an integer dtype's range, raise as
PyTorch (NumPy would wrap them, hold them as objects or make uint64 tensors)."""

import pytest

import microtorch_core as mt

torch = pytest.importorskip("torch")

CREATIONS = {
    "int_2_63": lambda m: m.tensor([2**63]),
    "int_0d_2_64": lambda m: m.tensor(2**64),
    "int_below_int64": lambda m: m.tensor([-2**63 - 1]),
    "int_nested": lambda m: m.tensor([[1, 2**63]]),
    "int_huge": lambda m: m.tensor([2**1100]),
    "int64_dtype": lambda m: m.tensor([2**63], dtype=m.int64),
    "int32_dtype": lambda m: m.tensor([2**31], dtype=m.int32),
    "int32_dtype_low": lambda m: m.tensor([-2**31 - 1], dtype=m.int32),
    "float_to_int64": lambda m: m.tensor([1e20], dtype=m.int64),
    "float_to_int32": lambda m: m.tensor([3e9], dtype=m.int32),
    "huge_int_to_float64": lambda m: m.tensor([2**1100], dtype=m.float64),
}


def _outcome(make, lib):
    try:
        t = make(lib)
    except Exception as e:  # noqa: BLE001 - the exception is what is compared
        return type(e), str(e)
    return str(t.dtype).split(".")[-1], t.tolist()


@pytest.mark.parametrize("make", CREATIONS.values(), ids=CREATIONS.keys())
def test_tensor_of_numbers_out_of_range_raises_as_pytorch(make):
    assert _outcome(make, mt) == _outcome(make, torch)


@pytest.mark.parametrize("make", [
    lambda m: m.tensor([2**70, 1.5]), lambda m: m.tensor([2**70], dtype=m.float32),
    lambda m: m.tensor([2**63], dtype=m.float64), lambda m: m.tensor([2**63 - 1]),
    lambda m: m.tensor([-2**31, 2**31 - 1], dtype=m.int32),
], ids=["among_floats", "float32", "float64", "int64_max", "int32_ends"])
def test_tensor_of_big_ints_that_fit_the_dtype_matches_pytorch(make):
    assert _outcome(make, mt) == _outcome(make, torch)


@pytest.mark.parametrize("make", [
    lambda m: m.tensor([1]) + 2**70, lambda m: m.tensor([1.0]) + 2**70,
    lambda m: m.tensor([1.0]) * 2**64, lambda m: m.tensor([1]) == 2**70,
    lambda m: m.where(m.tensor([True]), m.tensor([1.0]), 2**70),
], ids=["int_add", "float_add", "float_mul", "eq", "where"])
def test_arithmetic_with_an_int_beyond_64_bits_raises_overflow_error(make):
    with pytest.raises(OverflowError, match="int too big to convert"):
        make(torch)
    with pytest.raises(OverflowError, match="int too big to convert"):
        make(mt)
