"""The op_db harness (``microtorch_core/testing/opdb.py``) catches what it is meant to catch:
each test gives it a wrong MicroTorch equivalent and checks the failure it reports."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("expecttest", reason="torch's op_db module imports expecttest")

import microtorch_core as mt  # noqa: E402
from microtorch_core.testing import opdb  # noqa: E402


def _with_equivalent(key, fn):
    return dataclasses.replace(opdb.entry(key), resolved=opdb.Resolved(fn, "test"))


def _first_sample(key, dtype):
    torch.manual_seed(0)
    e = opdb.entry(key)
    grad = dtype == torch.float64
    return next(iter(e.op.sample_inputs("cpu", dtype, requires_grad=grad)))


def test_to_mt_converts_nested_tensors_dtypes_and_devices():
    a = torch.tensor([1.5, 2.5], dtype=torch.float64, requires_grad=True)
    b = torch.tensor([[1, 2]], dtype=torch.int32)
    out = opdb.to_mt({"x": [a, (b, a)], "dtype": torch.float64, "device": "cpu",
                      "size": torch.Size([2, 3])}, "cpu")
    x, (y, x_again) = out["x"]
    assert x is x_again and x.requires_grad and x.dtype is mt.float64
    np.testing.assert_array_equal(np.asarray(x.detach()), [1.5, 2.5])
    assert y.dtype is mt.int32 and tuple(y.shape) == (1, 2) and not y.requires_grad
    assert out["dtype"] is mt.float64 and out["size"] == (2, 3)


def test_to_mt_refuses_a_dtype_microtorch_lacks():
    with pytest.raises(opdb.Unconvertible, match="uint8"):
        opdb.to_mt(torch.zeros(2, dtype=torch.uint8), "cpu")


def test_to_mt_refuses_a_tensor_without_values():
    with pytest.raises(opdb.Unconvertible, match="meta"):
        opdb.to_mt(torch.empty(2, device="meta"), "cpu")


@pytest.mark.parametrize(("key", "reason"), [
    ("to_sparse", "sparse"), ("_segment_reduce.lengths", "private op"),
    ("half", "float16"), ("nn.functional.silu.complex", "complex samples only"),
    ("nn.functional.batch_norm.without_cudnn", "no dtype MicroTorch has"),
])
def test_scope_reason_names_why_an_op_is_left_out(key, reason):
    assert reason in opdb.scope_reason(opdb.entry(key).op)


def test_resolve_follows_pytorch_namespaces_methods_and_properties():
    assert opdb.entry("nn.functional.relu").resolved.fn is mt.nn.functional.relu
    assert opdb.entry("add").resolved.fn is mt.add
    assert opdb.entry("contiguous").resolved.source == "mt.Tensor.contiguous"
    x = mt.tensor([[1.0, 2.0]])
    assert tuple(opdb.entry("mT").resolved.fn(x).shape) == (2, 1)
    assert opdb.entry("polygamma.polygamma_n_1").resolved.fn(mt.tensor([1.0]), 1).item() == \
        pytest.approx(np.pi ** 2 / 6)


def test_a_wrong_value_is_a_value_mismatch():
    e = _with_equivalent("exp", lambda x: x.sin())
    case = opdb.run_sample(e, _first_sample("exp", torch.float32), torch.float32, "cpu", "t/0")
    assert case.failure.kind == "value" and "max abs err" in case.failure.detail


def test_a_wrong_dtype_is_a_dtype_mismatch():
    e = _with_equivalent("exp", lambda x: x.exp().double())
    case = opdb.run_sample(e, _first_sample("exp", torch.float32), torch.float32, "cpu", "t/0")
    assert case.failure.kind == "dtype"
    assert case.failure.cause == "dtype float64 where PyTorch gives float32"


def test_a_wrong_gradient_is_a_gradient_mismatch():
    # exp's values with the gradient of the identity
    e = _with_equivalent("exp", lambda x: x.exp().detach() + x - x.detach())
    case = opdb.run_sample(e, _first_sample("exp", torch.float64), torch.float64, "cpu", "t/0")
    assert case.failure.kind == "gradient" and "grad of input 0" in case.failure.detail


def test_an_output_without_gradient_is_reported():
    e = _with_equivalent("exp", lambda x: x.exp().detach())
    case = opdb.run_sample(e, _first_sample("exp", torch.float64), torch.float64, "cpu", "t/0")
    assert case.failure.cause == "output is not differentiable (PyTorch's is)"


def test_an_exception_is_grouped_by_type_and_message_without_numbers():
    def broken(x):
        raise ValueError(f"shape {tuple(x.shape)} is wrong")

    case = opdb.run_sample(_with_equivalent("exp", broken), _first_sample("exp", torch.float32),
                           torch.float32, "cpu", "t/0")
    assert case.failure.kind == "exception"
    assert case.failure.cause.startswith("ValueError: shape (N") and "wrong" in case.failure.cause


def test_an_error_input_that_returns_fails():
    e = _with_equivalent("gather", lambda *args, **kwargs: None)
    error = next(iter(e.op.error_inputs("cpu")))
    assert opdb.run_error_input(e, error, "cpu", "error/0").failure.kind == "no error"


def test_an_error_input_that_raises_passes_and_records_the_type():
    e = opdb.entry("gather")
    errors = list(itertools.islice(e.op.error_inputs("cpu"), 3))
    cases = [opdb.run_error_input(e, err, "cpu", f"error/{i}") for i, err in enumerate(errors)]
    assert all(c.failure is None and c.error_type_matches is not None for c in cases)


def test_known_failure_ranges_expand():
    known = opdb.Known("why", "float32/1-3 error/0")
    assert known.sample_ids() == {"float32/1", "float32/2", "float32/3", "error/0"}
    assert opdb.Known("none", "").sample_ids() == frozenset()


def test_a_backend_entry_replaces_the_cpu_entry(monkeypatch):
    monkeypatch.setitem(opdb.KNOWN_FAILURES, "exp", opdb.Known("why", "float32/0-1"))
    monkeypatch.setitem(opdb.KNOWN_FAILURES, "exp@mydev", opdb.Known("why", ""))
    assert opdb.known_ids("exp", "cpu") == {"float32/0", "float32/1"}
    assert opdb.known_ids("exp", "mydev") == frozenset()


def test_unexpected_outcomes_report_new_failures_and_fixed_ones(monkeypatch):
    monkeypatch.setitem(opdb.KNOWN_FAILURES, "exp", opdb.Known("why", "float32/0"))
    fixed = opdb.Case("exp", "float32/0", "()")
    new = opdb.Case("exp", "float32/1", "()", opdb.Failure("value", "value mismatch"))
    problems = opdb.unexpected_outcomes("exp", [fixed, new])
    assert problems[0].startswith("float32/0 now passes")
    assert problems[1].startswith("float32/1 fails: value")


def test_to_mt_converts_a_stateless_module_argument():
    module = opdb.to_mt(torch.nn.PairwiseDistance(p=1.0, eps=0.5), "cpu")
    assert isinstance(module, mt.nn.PairwiseDistance)
    assert (module.norm, module.eps) == (1.0, 0.5)


def test_complex_outputs_are_compared_part_by_part():
    torch = pytest.importorskip("torch")
    expected = torch.tensor([1 + 2j, 3 - 1j])
    opdb._compare(expected, mt.tensor([1 + 2j, 3 - 1j]), lambda d: (1.3e-6, 1e-5), "out", True)
    with pytest.raises(opdb._Mismatch, match="value mismatch"):
        opdb._compare(expected, mt.tensor([1 + 2j, 3 + 1j]), lambda d: (1.3e-6, 1e-5), "out",
                      True)


def test_fft_samples_run_with_complex_outputs_and_gradients():
    cases = opdb.run_samples(opdb.entry("fft.fft"), "cpu", limit=2)
    ran = [c for c in cases if not c.skipped]
    assert ran and not [c for c in ran if c.failure]
    assert any(c.sample_id.startswith("complex128/") for c in ran)
