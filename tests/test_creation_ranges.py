"""arange, linspace and logspace as PyTorch computes them: integer dtypes truncate the ends
first, tensor ends are read at their own precision, non-0-d ends are refused."""

from __future__ import annotations

import numpy as np
import pytest

import microtorch_core as mt

torch = pytest.importorskip("torch")


def _same(got: mt.Tensor, want) -> None:
    assert got.dtype.name == str(want.dtype).removeprefix("torch.")
    assert tuple(got.shape) == tuple(want.shape)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, atol=0)


@pytest.mark.parametrize("args", [(0.0, -8.000001, -4.0), (0.1, -7.9, -4.0), (-0.5, 3, 1.5)])
@pytest.mark.parametrize("dtype", ["int64", "int32"])
def test_arange_with_an_integer_dtype_truncates_the_bounds_as_pytorch(args, dtype):
    _same(mt.arange(*args, dtype=getattr(mt, dtype)),
          torch.arange(*args, dtype=getattr(torch, dtype)))


def test_arange_refuses_an_infinite_bound_as_pytorch():
    with pytest.raises(RuntimeError, match="unsupported range: 0 -> inf"):
        mt.arange(0, float("inf"), 2)


@pytest.mark.parametrize("args", [(4.3, -3, 50), (-4.7, 10, 5), (4.7, 10, 1)])
def test_linspace_with_an_integer_dtype_truncates_the_ends_as_pytorch(args):
    _same(mt.linspace(*args, dtype=mt.int64), torch.linspace(*args, dtype=torch.int64))


@pytest.mark.parametrize("args", [(0, 1.2, 2), (1.5, 3, 1), (0.3, 2.7, 5)])
def test_logspace_with_an_integer_dtype_truncates_the_ends_as_pytorch(args):
    _same(mt.logspace(*args, base=2.5, dtype=mt.int32),
          torch.logspace(*args, base=2.5, dtype=torch.int32))


def test_logspace_with_an_integer_dtype_rounds_the_base_to_float32_as_pytorch():
    _same(mt.logspace(0, 40, 5, base=1.1, dtype=mt.int64),
          torch.logspace(0, 40, 5, base=1.1, dtype=torch.int64))


def test_linspace_reads_a_float32_tensor_end_at_float32_precision_in_float64():
    got = mt.linspace(mt.tensor(4.3), -3, 50, dtype=mt.float64)
    _same(got, torch.linspace(torch.tensor(4.3), -3, 50, dtype=torch.float64))


def test_logspace_of_one_step_is_base_to_the_start():
    got = mt.logspace(4.3, mt.tensor(1.2), 1, dtype=mt.float64)
    _same(got, torch.logspace(4.3, torch.tensor(1.2), 1, dtype=torch.float64))


@pytest.mark.parametrize("name", ["linspace", "logspace"])
def test_range_refuses_ends_that_are_not_0d(name):
    with pytest.raises(RuntimeError, match="only supports 0-dimensional start and end"):
        getattr(mt, name)(mt.tensor([1, 1]), mt.tensor([3, 3]), 1)


@pytest.mark.parametrize("name, dtype", [("zeros", float), ("zeros", int), ("ones", bool)])
def test_python_type_as_dtype_is_pytorch_s(name, dtype):
    got, want = getattr(mt, name)(3, dtype=dtype), getattr(torch, name)(3, dtype=dtype)
    assert got.dtype.name == str(want.dtype).removeprefix("torch.")
