"""Conformance: the bitwise kernels (``&``, ``|``, ``^``, ``~``, ``<<``, ``>>``) on integer and
bool tensors against NumPy and Python's own integers, across layouts, broadcasting, Python
scalars, in-place forms and PyTorch's rules for shift counts outside ``[0, bits)``."""

from __future__ import annotations

import numpy as np
import pytest

import microtorch_core as mt
from microtorch_core.testing import assert_close, random_array
from microtorch_core.testing.layouts import LAYOUTS, make_layout
from pytest_microtorch import op_params

LOGICAL = {"bitwise_and": np.bitwise_and, "bitwise_or": np.bitwise_or,
           "bitwise_xor": np.bitwise_xor}
SHIFTS = ("bitwise_left_shift", "bitwise_right_shift")
BITS = {"int32": 32, "int64": 64}
# values whose high bits matter: a composite through float64 would round these
WIDE = {"int32": [0, 1, -1, 2**31 - 1, -2**31, 0x55555555, -0x2AAAAAAB, 12345],
        "int64": [0, 1, -1, 2**63 - 1, -2**63, 0x5555555555555555, -(2**53) - 1, 2**53 + 1]}


def _wrap(value: int, bits: int) -> int:
    """A Python integer as two's complement in ``bits`` bits."""
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value


def _shift_reference(op: str, a: np.ndarray, b: np.ndarray, bits: int) -> list[int]:
    """PyTorch's shifts, from Python's unbounded integers: a count outside [0, bits) gives 0
    for << and the sign for >>; << keeps the low ``bits`` bits."""
    out = []
    for x, n in zip(a.ravel().tolist(), b.ravel().tolist()):
        if op == "bitwise_left_shift":
            out.append(0 if not 0 <= n < bits else _wrap(x << n, bits))
        else:
            out.append(x >> (n if 0 <= n < bits else bits - 1))
    return out


# -- and, or, xor, not -----------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ("int64", "int32", "bool"))
@pytest.mark.parametrize("op", op_params(*LOGICAL))
def test_bitwise_logical_ops_match_numpy(device, op, dtype):
    a = random_array((3, 5), dtype, -40, 40, seed=1)
    b = random_array((3, 5), dtype, -40, 40, seed=2)
    out = getattr(mt, op)(mt.tensor(a, device=device), mt.tensor(b, device=device))
    assert_close(out, LOGICAL[op](a, b))


@pytest.mark.parametrize("dtype", ("int64", "int32"))
@pytest.mark.parametrize("op", op_params(*LOGICAL))
def test_bitwise_logical_ops_are_exact_in_every_bit(device, op, dtype):
    a = np.array(WIDE[dtype], dtype)
    b = np.roll(a, 3)
    out = getattr(mt, op)(mt.tensor(a, device=device), mt.tensor(b, device=device))
    assert_close(out, LOGICAL[op](a, b))


@pytest.mark.ops("bitwise_not")
@pytest.mark.parametrize("dtype", ("int64", "int32", "bool"))
def test_bitwise_not_flips_every_bit(device, dtype):
    a = np.array([True, False, True]) if dtype == "bool" else np.array(WIDE[dtype], dtype)
    assert_close(~mt.tensor(a, device=device), np.invert(a))
    assert_close(mt.bitwise_not(mt.tensor(a, device=device)), np.invert(a))


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("op", op_params("bitwise_and", "bitwise_xor", "bitwise_not"))
def test_bitwise_ops_on_strided_inputs(device, op, layout):
    x, values = make_layout(random_array((4, 3), "int64", -100, 100), layout, device)
    other = random_array((4, 3), "int64", -100, 100, seed=5)
    if op == "bitwise_not":
        assert_close(mt.bitwise_not(x), np.invert(values))
    else:
        assert_close(getattr(mt, op)(x, mt.tensor(other, device=device)),
                     LOGICAL[op](values, other))


@pytest.mark.parametrize("op", op_params(*LOGICAL))
def test_bitwise_ops_broadcast_and_take_python_scalars_on_either_side(device, op):
    a = random_array((3, 1), "int32", -20, 20, seed=3)
    b = random_array((1, 4), "int32", -20, 20, seed=4)
    ta, tb = mt.tensor(a, device=device), mt.tensor(b, device=device)
    assert_close(getattr(mt, op)(ta, tb), LOGICAL[op](a, b))
    assert_close(getattr(mt, op)(ta, 6), LOGICAL[op](a, np.int32(6)))
    assert_close(getattr(mt, op)(6, tb), LOGICAL[op](np.int32(6), b))


@pytest.mark.ops("bitwise_and", "bitwise_or", "bitwise_xor")
def test_bitwise_operators_are_the_functions(device):
    a, b = np.array([12, -7, 0], np.int64), np.array([10, 3, -1], np.int64)
    ta, tb = mt.tensor(a, device=device), mt.tensor(b, device=device)
    assert_close(ta & tb, a & b)
    assert_close(ta | 5, a | 5)
    assert_close(5 ^ tb, 5 ^ b)
    assert_close(ta.bitwise_or(tb), a | b)


@pytest.mark.ops("bitwise_and", "bitwise_or", "bitwise_xor")
def test_bitwise_ops_promote_like_pytorch(device):
    i32 = mt.tensor([6, 5], device=device, dtype=mt.int32)
    i64 = mt.tensor([3, 3], device=device)
    mask = mt.tensor([True, False], device=device)
    assert (i32 & i64).dtype is mt.int64
    assert (i32 | 1).dtype is mt.int32  # a Python int does not widen an int32 tensor
    assert (mask ^ True).dtype is mt.bool
    assert_close(mask & 1, np.array([1, 0], np.int64))  # bool tensor with an int: int64
    assert_close(mask | i32, np.array([7, 5], np.int32))


# -- shifts ----------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ("int64", "int32"))
@pytest.mark.parametrize("op", op_params(*SHIFTS))
def test_shifts_wrap_and_define_every_count_like_pytorch(device, op, dtype):
    bits = BITS[dtype]
    # every count from -3 to bits + 3 against every wide value: past the sign bit, exactly
    # the width, beyond it, and negative
    counts = np.arange(-3, bits + 4)
    a = np.repeat(np.array(WIDE[dtype], dtype), len(counts))
    b = np.tile(counts, len(WIDE[dtype])).astype(dtype)
    out = getattr(mt, op)(mt.tensor(a, device=device), mt.tensor(b, device=device))
    assert_close(out, np.array(_shift_reference(op, a, b, bits), dtype))


@pytest.mark.parametrize("op", op_params(*SHIFTS))
def test_shifts_take_python_scalars_on_either_side(device, op):
    a = np.array([1, -8, 5, 2**20], np.int32)
    counts = np.array([0, 1, 31, 32], np.int32)
    ta, tc = mt.tensor(a, device=device), mt.tensor(counts, device=device)
    assert_close(getattr(mt, op)(ta, 3), np.array(_shift_reference(op, a, np.full(4, 3), 32),
                                                  np.int32))
    assert_close(getattr(mt, op)(-3, tc),
                 np.array(_shift_reference(op, np.full(4, -3), counts, 32), np.int32))


@pytest.mark.ops(*SHIFTS)
def test_shift_operators_are_the_functions(device):
    a = np.array([3, -12, 1 << 40], np.int64)
    t = mt.tensor(a, device=device)
    assert_close(t << 2, a << 2)
    assert_close(t >> 2, a >> 2)
    assert_close(1 << mt.tensor([0, 5, 62], device=device), np.array([1, 32, 1 << 62]))
    assert_close(t.bitwise_right_shift(1), a >> 1)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.ops(*SHIFTS)
def test_shifts_on_strided_inputs(device, layout):
    x, values = make_layout(random_array((4, 3), "int32", -1000, 1000), layout, device)
    counts = random_array((4, 3), "int32", -2, 34, seed=9)
    for op in SHIFTS:
        out = getattr(mt, op)(x, mt.tensor(counts, device=device))
        assert_close(out, np.array(_shift_reference(op, values, counts, 32),
                                   np.int32).reshape(4, 3))


@pytest.mark.ops(*SHIFTS)
def test_shift_of_a_bool_tensor_by_an_int_promotes_to_int64(device):
    mask = mt.tensor([True, False], device=device)
    assert_close(mask << 3, np.array([8, 0], np.int64))


# -- in place --------------------------------------------------------------------------------
@pytest.mark.ops("bitwise_and", "bitwise_or", "bitwise_xor", *SHIFTS)
def test_inplace_bitwise_operators_write_into_the_tensor(device):
    a = np.array([12, -7, 5, 1 << 30], np.int32)
    t = mt.tensor(a, device=device)
    same = t
    t &= 0x0F
    t |= mt.tensor([16, 0, 0, 0], device=device, dtype=mt.int32)
    t ^= 3
    t <<= 2
    t >>= 1
    assert t is same
    assert_close(t, ((((a & 0x0F) | np.array([16, 0, 0, 0], np.int32)) ^ 3) << 2) >> 1)


@pytest.mark.ops("bitwise_not")
def test_bitwise_not_in_place_through_a_view(device):
    base = mt.tensor([[1, 2], [3, 4]], device=device)
    base.T[0].bitwise_not_()  # the first column, a strided view
    assert_close(base, np.array([[~1, 2], [~3, 4]], np.int64))


@pytest.mark.ops(*SHIFTS)
def test_inplace_shift_computes_in_the_promoted_dtype(device):
    # as PyTorch: int32 <<= an int64 count computes in int64, so 2**32 + 1 is a count of
    # more than 64 (giving 0), not a count of 1 after truncation to int32
    t = mt.tensor([1, 3], device=device, dtype=mt.int32)
    t <<= mt.tensor([2**32 + 1, 1], device=device)
    assert t.dtype is mt.int32
    assert_close(t, np.array([0, 6], np.int32))


@pytest.mark.ops("bitwise_and")
def test_inplace_bitwise_into_bool_refuses_an_integer_result(device):
    mask = mt.tensor([True, False], device=device)
    with pytest.raises(RuntimeError, match="result type int64 can't be cast to the desired "
                                           "output type bool"):
        mask &= mt.tensor([1, 2], device=device)


# -- 0-d, empty, errors ----------------------------------------------------------------------
@pytest.mark.ops("bitwise_xor", "bitwise_left_shift")
def test_bitwise_ops_on_0d_and_zero_size(device):
    assert_close(mt.tensor(6, device=device) ^ 3, np.array(5, np.int64))
    empty = mt.zeros(0, 3, device=device, dtype=mt.int32)
    assert (empty << 1).shape == (0, 3)


@pytest.mark.parametrize("op", ("bitwise_and", "bitwise_or", "bitwise_xor", *SHIFTS))
def test_bitwise_ops_refuse_floating_point(device, op):
    x = mt.ones(2, device=device)
    with pytest.raises(NotImplementedError, match=f'"{op}" is not implemented for float32'):
        getattr(mt, op)(x, x)
    with pytest.raises(NotImplementedError, match="float32"):  # promoted: int & 1.5 is float
        getattr(mt, op)(mt.tensor([1, 2], device=device), 1.5)


def test_invert_refuses_floating_point(device):
    with pytest.raises(NotImplementedError, match='"bitwise_not" is not implemented for '
                                                  'float64'):
        _ = ~mt.ones(2, device=device, dtype=mt.float64)


@pytest.mark.parametrize("op", SHIFTS)
def test_shifts_refuse_bool_tensors(device, op):
    mask = mt.tensor([True, False], device=device)
    with pytest.raises(NotImplementedError, match=f'"{op}" is not implemented for bool'):
        getattr(mt, op)(mask, mask)


def test_bitwise_ops_need_a_tensor_operand(device):
    with pytest.raises(TypeError, match="at least one Tensor"):
        mt.bitwise_and(1, 3)


# -- against PyTorch -------------------------------------------------------------------------
@pytest.mark.ops("bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", *SHIFTS)
def test_bitwise_ops_match_pytorch(device):
    torch = pytest.importorskip("torch")
    a = np.array(WIDE["int64"] * 3, np.int64)
    counts = np.arange(-4, len(a) - 4, dtype=np.int64) * 3  # -12 .. 57, some past 64
    for op in ("bitwise_and", "bitwise_or", "bitwise_xor", *SHIFTS):
        got = getattr(mt, op)(mt.tensor(a, device=device), mt.tensor(counts, device=device))
        want = getattr(torch, op)(torch.from_numpy(a), torch.from_numpy(counts))
        assert_close(got, want.numpy(), msg=op)
    assert_close(~mt.tensor(a, device=device), (~torch.from_numpy(a)).numpy())
