"""Type promotion follows PyTorch: tensor-tensor, tensor-scalar and zero-dim rules."""

import itertools

import numpy as np
import pytest

import microtorch_core as mt

DTYPES = [mt.bool, mt.int32, mt.int64, mt.float32, mt.float64]
SCALARS = [True, 3, 2.5]


def _make(dtype, shape=(2,)):
    return mt.ones(*shape, dtype=dtype)


@pytest.mark.parametrize("a,b", [
    (mt.int32, mt.int64), (mt.int64, mt.float32), (mt.bool, mt.int32), (mt.float32, mt.float64),
])
def test_tensor_tensor_promotion_examples(a, b):
    expected = {(mt.int32, mt.int64): mt.int64, (mt.int64, mt.float32): mt.float32,
                (mt.bool, mt.int32): mt.int32, (mt.float32, mt.float64): mt.float64}[(a, b)]
    assert (_make(a) + _make(b)).dtype is expected


def test_python_float_with_int_tensor_gives_default_float():
    assert (mt.tensor([1, 2]) * 2.5).dtype is mt.float32


def test_python_int_keeps_int32_tensor_dtype():
    assert (mt.tensor([1, 2], dtype=mt.int32) + 7).dtype is mt.int32


def test_zero_dim_tensor_does_not_upcast_same_category():
    assert (mt.ones(3) + mt.tensor(1.0, dtype=mt.float64)).dtype is mt.float32


def test_zero_dim_float_tensor_upcasts_int_tensor():
    assert (mt.tensor([1, 2]) + mt.tensor(1.0, dtype=mt.float64)).dtype is mt.float64


def test_integer_division_is_true_division():
    out = mt.tensor([1, 3]) / mt.tensor([2, 2])
    assert out.dtype is mt.float32
    np.testing.assert_allclose(out.numpy(), [0.5, 1.5])


def test_comparison_gives_bool():
    assert (mt.ones(2) > 0).dtype is mt.bool


def test_sum_of_int32_is_int64():
    assert mt.tensor([1, 2], dtype=mt.int32).sum().dtype is mt.int64


def test_inplace_float_into_int_raises():
    x = mt.tensor([1, 2])
    with pytest.raises(RuntimeError, match="can't be cast"):
        x.add_(1.5)


@pytest.mark.parametrize("a,b", list(itertools.product(DTYPES, DTYPES)))
def test_tensor_tensor_promotion_matches_pytorch(a, b):
    torch = pytest.importorskip("torch", reason="PyTorch not installed: oracle unavailable")
    expected = torch.promote_types(getattr(torch, a.name), getattr(torch, b.name))
    assert mt.result_type(_make(a), _make(b)).name == str(expected).split(".")[1]


@pytest.mark.parametrize("dtype,scalar", list(itertools.product(DTYPES, SCALARS)))
def test_tensor_scalar_promotion_matches_pytorch(dtype, scalar):
    torch = pytest.importorskip("torch", reason="PyTorch not installed: oracle unavailable")
    expected = torch.result_type(torch.ones(2, dtype=getattr(torch, dtype.name)), scalar)
    assert mt.result_type(_make(dtype), scalar).name == str(expected).split(".")[1]


@pytest.mark.parametrize("a,b", list(itertools.product(DTYPES, DTYPES)))
def test_zero_dim_promotion_matches_pytorch(a, b):
    torch = pytest.importorskip("torch", reason="PyTorch not installed: oracle unavailable")
    expected = torch.result_type(torch.ones(2, dtype=getattr(torch, a.name)),
                                 torch.ones((), dtype=getattr(torch, b.name)))
    assert mt.result_type(_make(a), _make(b, ())).name == str(expected).split(".")[1]


def test_unknown_dtype_name_raises():
    with pytest.raises(TypeError, match="unknown dtype name 'float16'"):
        mt.zeros(2, dtype="float16")


def test_unsupported_numpy_dtype_raises():
    with pytest.raises(TypeError, match="float16 is not supported"):
        mt.tensor(np.ones(2, dtype=np.float16))
