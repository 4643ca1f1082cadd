"""PyTorch as the reference in tests: the optional import, the skip marker, and the check that
a MicroTorch result and a PyTorch one agree in value and in gradient."""

import numpy as np
import pytest

import microtorch_core as mt

try:
    import torch
except ImportError:  # pragma: no cover - exercised where PyTorch is absent
    torch = None

requires_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed: it is "
                                    "the reference for this test")


def to_numpy(t):
    return t.detach().numpy()


def check_same(ours, theirs, leaves, rtol=1e-10, atol=1e-12):
    """Forward values agree, and so do the gradients of the same random projection of the
    output with respect to each (ours, theirs) pair in ``leaves``."""
    np.testing.assert_allclose(to_numpy(ours), theirs.detach().numpy(), rtol=rtol, atol=atol)
    w = np.random.default_rng(99).standard_normal(theirs.shape)
    (ours * mt.tensor(w)).sum().backward()
    (theirs * torch.tensor(w)).sum().backward()
    for a, b in leaves:
        np.testing.assert_allclose(to_numpy(a.grad), b.grad.numpy(), rtol=rtol, atol=atol)


def leaf_pair(data, requires_grad=True):
    """The same data as a MicroTorch and a PyTorch tensor: float64 leaves that require grad,
    or, with ``requires_grad=False``, plain tensors of the data's own dtype (masks)."""
    data = np.asarray(data, dtype=np.float64) if requires_grad else np.asarray(data)
    return (mt.tensor(data, requires_grad=requires_grad),
            torch.tensor(data, requires_grad=requires_grad))


def randn(shape, seed):
    """Standard normal float64 data, reproducible by ``seed``."""
    return np.random.default_rng(seed).standard_normal(shape)
