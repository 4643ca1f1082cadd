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


# (name, call): result dtypes of reductions and layers on integer/bool inputs
RESULT_DTYPES = {
    "sum_dtype_int32": lambda m: m.tensor([[7, 8]], dtype=m.int32).sum(-1, dtype=m.int32),
    "prod_dtype_int32": lambda m: m.tensor([[7, 8]], dtype=m.int32).prod(1, dtype=m.int32),
    "prod_dtype_bool": lambda m: m.tensor([[True, False], [True, True]]).prod(1, dtype=m.bool),
    "sum_to_size_of_0d_int32": lambda m: m.tensor(6, dtype=m.int32).sum_to_size(()),
    "sum_to_size_of_0d_bool": lambda m: m.tensor(True).sum_to_size(()),
    "sum_to_size_keeps_int32": lambda m: m.tensor([[6, 1]], dtype=m.int32).sum_to_size((1, 2)),
    "logsumexp_of_bool": lambda m: m.logsumexp(m.tensor([True, False]), 0),
    "logsumexp_of_int64": lambda m: m.logsumexp(m.tensor([1, 2]), 0),
    "hardtanh_of_int64": lambda m: m.nn.functional.hardtanh(m.tensor([-3, 0, 2]), -1.5, 2.5),
    "hardtanh_of_int32": lambda m: m.nn.functional.hardtanh(m.tensor([-3, 0, 2],
                                                                     dtype=m.int32), -0.5, 0.5),
    "softsign_of_int32": lambda m: m.nn.functional.softsign(m.tensor([-3, 0, 2],
                                                                     dtype=m.int32)),
    "bilinear_of_int32": lambda m: m.nn.functional.bilinear(
        m.tensor([[-2, 1, -1]], dtype=m.int32), m.tensor([[-2, 1, 1, 1]], dtype=m.int32),
        m.arange(24, dtype=m.int32).reshape(2, 3, 4), m.tensor([1, -1], dtype=m.int32)),
}


@pytest.mark.parametrize("call", RESULT_DTYPES.values(), ids=RESULT_DTYPES.keys())
def test_result_dtype_and_values_match_pytorch(call):
    torch = pytest.importorskip("torch", reason="PyTorch not installed: oracle unavailable")
    got, want = call(mt), call(torch)
    assert got.dtype.name == str(want.dtype).split(".")[1]
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)


def test_hardtanh_refuses_bool_as_pytorch():
    with pytest.raises(RuntimeError, match="Bool inputs not supported for hardtanh"):
        mt.nn.functional.hardtanh(mt.tensor([True, False]))


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


@pytest.mark.parametrize("make", [
    lambda m: m.zeros(2, dtype=m.float16), lambda m: m.tensor([1.0], dtype=m.bfloat16),
    lambda m: m.ones(2).to(m.half), lambda m: m.ones(2).to("cpu", m.bfloat16),
    lambda m: m.nn.Linear(2, 2).to(m.float16),
], ids=["zeros", "tensor", "to", "to_device_dtype", "module_to"])
def test_float16_and_bfloat16_are_named_but_making_a_tensor_of_them_says_not_supported(make):
    # nanoGPT's train.py builds {'float32': torch.float32, 'bfloat16': ..., 'float16': ...}
    names = {"float32": mt.float32, "bfloat16": mt.bfloat16, "float16": mt.float16}
    assert [repr(d) for d in names.values()] == [
        "microtorch.float32", "microtorch.bfloat16", "microtorch.float16"]
    with pytest.raises(NotImplementedError, match=r"dtype (float16|bfloat16) is not supported "
                                                  r"yet: MicroTorch's tensors are float32"):
        make(mt)


def test_autocast_with_float16_names_the_missing_dtype_and_runs_when_disabled():
    with pytest.raises(RuntimeError, match="no float16 or bfloat16 dtype yet"):
        with mt.autocast(device_type="cpu", dtype=mt.bfloat16):
            pass
    with mt.autocast(device_type="cpu", dtype=mt.float16, enabled=False):
        assert (mt.ones(2) * 2).dtype is mt.float32
