"""mt.signal.windows against torch.signal.windows: every window, symmetric and periodic."""

from __future__ import annotations

import pytest

import microtorch_core as mt
from microtorch_core.ops.declare import FUNCTIONS
from microtorch_core.testing import assert_close

torch = pytest.importorskip("torch")

WINDOWS = [("hamming", {}), ("hann", {}), ("bartlett", {}), ("blackman", {}), ("cosine", {}),
           ("nuttall", {}), ("exponential", {"tau": 2.78}), ("gaussian", {"std": 1.92}),
           ("kaiser", {"beta": 5.0}), ("general_cosine", {"a": [0.46, 0.23, 0.31]}),
           ("general_hamming", {"alpha": 0.6})]


def test_every_window_is_a_torch_signal_windows_function():
    assert sorted(FUNCTIONS["signal.windows"]) == sorted(name for name, _ in WINDOWS)
    assert all(hasattr(torch.signal.windows, name) for name in FUNCTIONS["signal.windows"])


@pytest.mark.parametrize("name,kwargs", WINDOWS, ids=[w[0] for w in WINDOWS])
@pytest.mark.parametrize("sym", [True, False])
def test_window_matches_pytorch(name, kwargs, sym):
    for m in (0, 1, 2, 7, 16):
        got = getattr(mt.signal.windows, name)(m, sym=sym, dtype=mt.float64, **kwargs)
        want = getattr(torch.signal.windows, name)(m, sym=sym, dtype=torch.float64, **kwargs)
        assert_close(got, want.numpy(), msg=f"M={m}")


def test_window_default_dtype_is_the_default_float():
    assert mt.signal.windows.hann(4).dtype is mt.float32


@pytest.mark.parametrize("call,message", [
    (lambda w: w.hann(-1), "non-negative window length"),
    (lambda w: w.hann(3, dtype=mt.int64), "float32 or float64"),
    (lambda w: w.gaussian(3, std=-1.0), "Standard deviation must be positive"),
    (lambda w: w.exponential(3, center=1.0), "Center must be None"),
    (lambda w: w.kaiser(3, beta=-1.0), "beta must be non-negative"),
    (lambda w: w.general_cosine(3, a=[]), "Coefficients cannot be empty"),
])
def test_window_refuses_what_pytorch_refuses(call, message):
    with pytest.raises(ValueError, match=message):
        call(mt.signal.windows)
