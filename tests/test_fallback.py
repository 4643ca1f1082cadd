"""Opt-in CPU fallback: an op a backend declares unsupported raises a NotImplementedError
that says how to turn fallback on; with it on, the op runs on the CPU backend with copies
and a one-time warning naming the op."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from microtorch_cpu import CPUBackend

import microtorch_core as mt
from microtorch_core import dispatch
from microtorch_core.dispatch import FALLBACK_ENV
from microtorch_core.registry import registry
from microtorch_core.testing import assert_close


class PartialBackend(CPUBackend):
    """The CPU kernels under the device type 'partial', minus matmul and scatter_add."""

    name = "partial"
    unsupported_ops = frozenset({"matmul", "scatter_add"})
    matmul = scatter_add = None


@pytest.fixture
def partial(monkeypatch):
    """Register the partial backend; start with fallback unset and no warning issued yet."""
    monkeypatch.delenv(FALLBACK_ENV, raising=False)
    monkeypatch.setattr(dispatch, "_fallback_enabled", None)
    monkeypatch.setattr(dispatch, "_fallback_warned", set())
    registry.register_backend("partial", PartialBackend, override=True)
    yield "partial"
    registry.unregister("partial")


def _operands(device):
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    b = np.arange(12, dtype=np.float32).reshape(3, 4) / 10
    return a, b, mt.tensor(a, device=device), mt.tensor(b, device=device)


def test_missing_op_says_how_to_enable_fallback(partial):
    *_, a, b = _operands(partial)
    with pytest.raises(NotImplementedError) as info:
        a @ b
    message = str(info.value)
    assert "op 'matmul' is not implemented by backend 'partial'" in message
    assert "MICROTORCH_CPU_FALLBACK=1" in message
    assert "microtorch_core.set_cpu_fallback(True)" in message
    assert not mt.cpu_fallback_enabled()


def test_fallback_runs_on_the_cpu_and_warns_once(partial):
    a_np, b_np, a, b = _operands(partial)
    mt.set_cpu_fallback(True)
    with pytest.warns(RuntimeWarning, match="op 'matmul' is not implemented by backend "
                                            "'partial'; running it on the CPU"):
        out = a @ b
    assert out.device.type == "partial"
    assert_close(out, a_np @ b_np, rtol=1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a second warning would fail here
        assert_close(a @ b, a_np @ b_np, rtol=1e-6)


def test_fallback_from_the_environment_variable(partial, monkeypatch):
    monkeypatch.setenv(FALLBACK_ENV, "1")
    a_np, b_np, a, b = _operands(partial)
    assert mt.cpu_fallback_enabled()
    with pytest.warns(RuntimeWarning, match="matmul"):
        assert_close(a @ b, a_np @ b_np, rtol=1e-6)


def test_fallback_handles_strided_inputs_and_gradients(partial):
    mt.set_cpu_fallback(True)
    a_np, b_np, _, _ = _operands("cpu")
    a = mt.tensor(a_np.T.copy(), device=partial, requires_grad=True)
    b = mt.tensor(b_np, device=partial).expand(2, 3, 4)  # batch stride 0
    with pytest.warns(RuntimeWarning):
        out = a.T @ b
        out.sum().backward()  # matmul again, in backward
    assert_close(out, np.broadcast_to(a_np @ b_np, (2, 2, 4)), rtol=1e-6)
    assert_close(a.grad, (np.ones((2, 2, 4), np.float32) @ np.swapaxes(
        np.broadcast_to(b_np, (2, 3, 4)), 1, 2)).sum(0).T, rtol=1e-6)
    assert a.grad.device.type == "partial"


def test_fallback_of_an_in_place_kernel(partial):
    mt.set_cpu_fallback(True)
    x = mt.tensor([[1.0, 2.0], [3.0, 4.0]], device=partial)
    index = mt.tensor([[1, 1], [0, 0]], device=partial)
    with pytest.warns(RuntimeWarning, match="scatter_add"):
        out = x.scatter_add(0, index, mt.ones(2, 2, device=partial))
    assert_close(out, np.float32([[2, 3], [4, 5]]))
    assert_close(x, np.float32([[1, 2], [3, 4]]))  # out of place: x unchanged


def test_the_cpu_itself_never_falls_back(monkeypatch):
    monkeypatch.setattr(dispatch, "_fallback_enabled", True)
    with pytest.raises(NotImplementedError, match="backend 'cpu'"):
        dispatch._missing_kernel("matmul", "cpu")()
