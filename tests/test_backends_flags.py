"""``backends``: the cuBLAS/cuDNN/MPS switches scripts set (``allow_tf32``, ``benchmark``,
...). They are settable and checked as PyTorch's, start at PyTorch's defaults, and change
nothing in MicroTorch, whose kernels never use TF32 or cuDNN."""

import warnings

import numpy as np
import pytest
from torch_reference import requires_torch, torch

import microtorch_core as mt


@pytest.fixture(autouse=True)
def restore_flags():
    """Every test starts from, and leaves, the defaults."""
    yield
    mt.set_float32_matmul_precision("highest")
    mt.backends.cuda.matmul.allow_fp16_reduced_precision_reduction = True
    mt.backends.cuda.matmul.allow_bf16_reduced_precision_reduction = True
    for name, value in [("enabled", True), ("benchmark", False), ("deterministic", False),
                        ("allow_tf32", True)]:
        setattr(mt.backends.cudnn, name, value)


FLAGS = [("cuda.matmul", "allow_tf32"),
         ("cuda.matmul", "allow_fp16_reduced_precision_reduction"),
         ("cuda.matmul", "allow_bf16_reduced_precision_reduction"),
         ("cudnn", "enabled"), ("cudnn", "benchmark"), ("cudnn", "deterministic"),
         ("cudnn", "allow_tf32")]


def _owner(lib, path):
    obj = lib.backends
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


@requires_torch
@pytest.mark.parametrize("path, name", FLAGS)
def test_flags_start_at_pytorchs_defaults(path, name):
    assert getattr(_owner(mt, path), name) == getattr(_owner(torch, path), name)


@pytest.mark.parametrize("path, name", FLAGS)
def test_flags_read_back_what_was_set(path, name):
    owner = _owner(mt, path)
    for value in (True, False):
        setattr(owner, name, value)
        assert getattr(owner, name) is value


@pytest.mark.parametrize("path, name", FLAGS)
def test_flags_refuse_a_non_bool(path, name):
    with pytest.raises(RuntimeError, match=f"{name} expects a bool, but got str"):
        setattr(_owner(mt, path), name, "yes")


def test_unknown_matmul_flag_is_an_error_not_a_silent_typo():
    with pytest.raises(AttributeError, match="Unknown attribute allow_tf33"):
        mt.backends.cuda.matmul.allow_tf33 = True


@requires_torch
@pytest.mark.parametrize("precision", ["high", "medium", "highest"])
def test_float32_matmul_precision_sets_allow_tf32_as_in_pytorch(precision):
    try:
        for lib in (mt, torch):
            lib.set_float32_matmul_precision(precision)
        assert mt.backends.cuda.matmul.allow_tf32 == torch.backends.cuda.matmul.allow_tf32
    finally:
        torch.set_float32_matmul_precision("highest")


@requires_torch
@pytest.mark.parametrize("allow", [True, False])
def test_allow_tf32_sets_float32_matmul_precision_as_in_pytorch(allow):
    try:
        for lib in (mt, torch):
            lib.backends.cuda.matmul.allow_tf32 = allow
        assert mt.get_float32_matmul_precision() == torch.get_float32_matmul_precision()
    finally:
        torch.backends.cuda.matmul.allow_tf32 = False


def test_unknown_matmul_precision_warns_and_changes_nothing():
    mt.set_float32_matmul_precision("high")
    with pytest.warns(UserWarning, match="low is not one of 'highest', 'high', or 'medium'"):
        mt.set_float32_matmul_precision("low")
    assert mt.get_float32_matmul_precision() == "high"


def test_allowing_tf32_leaves_float32_matmul_in_full_precision():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((64, 64)), rng.standard_normal((64, 64))
    mt.backends.cuda.matmul.allow_tf32 = True
    mt.backends.cudnn.allow_tf32 = True
    out = (mt.tensor(a, dtype=mt.float32) @ mt.tensor(b, dtype=mt.float32)).numpy()
    # TF32 keeps 10 mantissa bits (relative error ~1e-3); full float32 stays near 1e-6
    np.testing.assert_allclose(out, a.astype(np.float32) @ b.astype(np.float32),
                               rtol=1e-5, atol=1e-5)


def test_cudnn_and_mps_are_not_available():
    assert mt.backends.cudnn.is_available() is False and mt.backends.cudnn.version() is None
    assert mt.backends.mps.is_available() is False and mt.backends.mps.is_built() is False


def test_cuda_is_built_when_its_backend_is_installed(no_cuda):
    assert mt.backends.cuda.is_built() is False


def test_setting_flags_emits_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mt.backends.cudnn.benchmark = True
        mt.backends.cuda.matmul.allow_tf32 = True
