"""mt.masked: reductions and normalizations over the masked-in elements, against
torch.masked (values, dtypes, gradients) and finite differences."""

from __future__ import annotations

import math

import numpy as np
import pytest

import microtorch_core as mt
from microtorch_core.testing import assert_close, check_against_torch, check_gradients

# the second row is entirely masked out: each op's identity (or NaN) shows there
MASK = [[True, False, True, True], [False, False, False, False], [True, True, False, True]]
# name -> call, the same text for mt.masked and torch.masked
CALLS = {
    "sum": lambda m, x, k: m.sum(x, 1, mask=k),
    "sum_keepdim_all": lambda m, x, k: m.sum(x, keepdim=True, mask=k),
    "prod": lambda m, x, k: m.prod(x, 1, mask=k),
    "amax": lambda m, x, k: m.amax(x, 1, mask=k),
    "amin": lambda m, x, k: m.amin(x, (0, 1), mask=k),
    "mean": lambda m, x, k: m.mean(x, 1, mask=k),
    "var": lambda m, x, k: m.var(x, 1, mask=k),
    "var_biased": lambda m, x, k: m.var(x, 0, unbiased=False, mask=k),
    "std_correction": lambda m, x, k: m.std(x, 1, correction=0, keepdim=True, mask=k),
    "norm": lambda m, x, k: m.norm(x, 2.0, 1, mask=k),
    "norm_1": lambda m, x, k: m.norm(x, 1, 0, mask=k),
    "logsumexp": lambda m, x, k: m.logsumexp(x, 1, mask=k),
    "softmax": lambda m, x, k: m.softmax(x, 1, mask=k),
    "log_softmax": lambda m, x, k: m.log_softmax(x, -1, mask=k),
    "softmin": lambda m, x, k: m.softmin(x, 0, mask=k),
    "normalize": lambda m, x, k: m.normalize(x, 2.0, 1, mask=k),
    "cumsum": lambda m, x, k: m.cumsum(x, 1, mask=k),
    "cumprod": lambda m, x, k: m.cumprod(x, 1, mask=k),
    "logaddexp": lambda m, x, k: m.logaddexp(x, x * 2, input_mask=k, other_mask=k),
    "median": lambda m, x, k: m.median(x, 1, mask=k),
    "argmax": lambda m, x, k: m.argmax(x, 1, mask=k),
    "argmin_flat": lambda m, x, k: m.argmin(x, mask=k),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_masked_op_matches_torch_masked(name):
    torch = pytest.importorskip("torch")
    call = CALLS[name]
    grad = name not in ("median", "argmax", "argmin_flat")
    check_against_torch(lambda x, k: call(mt.masked, x, k), (3, 4), MASK,
                        torch_fn=lambda x, k: call(torch.masked, x, k), grad=grad)


def test_masked_ops_without_a_mask_are_the_plain_ops():
    x = np.arange(12.0).reshape(3, 4)
    t = mt.tensor(x)
    assert_close(mt.masked.sum(t, 0), x.sum(0))
    assert_close(mt.masked.mean(t), np.float64(x.mean()))
    assert_close(mt.masked.var(t, 1), x.var(1, ddof=1))


def test_masked_mask_broadcasts_and_need_not_be_bool():
    x = np.arange(6.0).reshape(2, 3)
    got = mt.masked.sum(mt.tensor(x), 1, mask=mt.tensor([1.0, 0.0, 2.0]))
    assert_close(got, (x * [1, 0, 1]).sum(1))


def test_masked_integer_inputs_keep_pytorchs_dtypes():
    x = mt.tensor([[1, 2], [3, 4]], dtype=mt.int32)
    mask = mt.tensor([True, False])
    assert mt.masked.sum(x, mask=mask).dtype is mt.int64  # as torch.sum
    assert mt.masked.amax(x, 1, mask=mask).tolist() == [1, 3]
    empty = mt.masked.amax(x, 1, mask=mt.tensor([False, False]))
    assert empty.tolist() == [mt.iinfo(mt.int32).min] * 2


def test_masked_fully_masked_rows_give_the_identity_or_nan():
    x = mt.ones(2, 3)
    none = mt.zeros(2, 3, dtype=mt.bool)
    assert mt.masked.sum(x, 1, mask=none).tolist() == [0.0, 0.0]
    assert mt.masked.prod(x, 1, mask=none).tolist() == [1.0, 1.0]
    assert mt.masked.amax(x, 1, mask=none).tolist() == [-math.inf, -math.inf]
    assert all(math.isnan(v) for v in mt.masked.mean(x, 1, mask=none).tolist())


@pytest.mark.parametrize("name", ["sum", "mean", "var", "softmax", "norm", "amax"])
def test_masked_gradcheck(name):
    # every row keeps an element: a fully masked row's NaN (mean, var) has a NaN gradient,
    # in PyTorch too
    mask = mt.tensor([[True, False, True, True], [False, True, True, False],
                      [True, True, False, True]])
    check_gradients(lambda x: CALLS[name](mt.masked, x, mask), (3, 4))


def test_masked_errors():
    x = mt.ones(2, 3)
    with pytest.raises(ValueError, match="mean\\(\\): Could not infer output dtype"):
        mt.masked.mean(mt.tensor([1, 2]))
    with pytest.raises(IndexError, match="mask dimensionality higher"):
        mt.masked.sum(x, mask=mt.ones(1, 2, 3, dtype=mt.bool))
    with pytest.raises(RuntimeError, match="dim=0 appears multiple times"):
        mt.masked.sum(x, (0, 0))
    with pytest.raises(IndexError, match="Dimension out of range"):
        mt.masked.sum(x, 2)
    with pytest.raises(RuntimeError, match="Only one of unbiased and correction"):
        mt.masked.var(x, 1, unbiased=False, correction=0)
    with pytest.raises(ValueError, match="no fully masked out rows"):
        mt.masked.median(mt.tensor([1, 2]), mask=mt.tensor([False, False]))
    with pytest.raises(NotImplementedError, match="identity of amax on bool"):
        mt.masked.amax(mt.tensor([True, False]), mask=mt.tensor([True, False]))
