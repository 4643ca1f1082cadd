"""``amp``: ``autocast`` and ``GradScaler`` as PyTorch's where mixed precision is off (the
training step is the plain one), PyTorch's warnings where it turns them off itself, and a
clear error where it would run in float16/bfloat16, which MicroTorch does not have yet."""

import warnings

import numpy as np
import pytest
from torch_reference import requires_torch, torch

import microtorch_core as mt

CUDA_OFF = "ignore:.*CUDA is not available"


def _sgd_step_with_scaler(lib, make_scaler):
    """One clipped SGD step through a (disabled) scaler, as the AMP recipe writes it."""
    model = lib.nn.Linear(3, 2)
    w = np.arange(6.0).reshape(2, 3) / 10  # the same weights in both libraries
    model.weight.data = lib.tensor(w, dtype=lib.float32)
    model.bias.data = lib.zeros(2)
    opt = lib.optim.SGD(model.parameters(), lr=0.5)
    scaler = make_scaler(lib)
    x = lib.tensor(np.linspace(-1, 1, 12).reshape(4, 3), dtype=lib.float32)
    with lib.autocast(device_type="cpu", enabled=False):
        loss = (model(x) ** 2).mean()
    scaler.scale(loss).backward()
    scaler.unscale_(opt)
    lib.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    scaler.step(opt)
    scaler.update()
    return model.weight.detach().numpy(), scaler


@requires_torch
@pytest.mark.filterwarnings(CUDA_OFF)
@pytest.mark.parametrize("make_scaler", [
    lambda lib: lib.amp.GradScaler("cpu", enabled=False),
    lambda lib: lib.amp.GradScaler("cuda", enabled=False),
], ids=["cpu", "cuda"])
def test_disabled_scaler_gives_the_plain_training_step(make_scaler):
    ours, scaler = _sgd_step_with_scaler(mt, make_scaler)
    theirs, _ = _sgd_step_with_scaler(torch, make_scaler)
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)
    assert scaler.is_enabled() is False and scaler.get_scale() == 1.0
    assert scaler.state_dict() == {}


def test_disabled_scaler_scale_returns_its_argument():
    scaler = mt.amp.GradScaler("cpu", enabled=False)
    loss = mt.tensor(2.0, requires_grad=True)
    outputs = [loss, loss * 2]
    assert scaler.scale(loss) is loss and scaler.scale(outputs) is outputs


def test_disabled_scaler_step_passes_the_closure_and_returns_its_loss():
    p = mt.nn.Parameter(mt.tensor([1.0]))
    opt = mt.optim.SGD([p], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (p ** 2).sum()
        loss.backward()
        return loss

    loss = mt.amp.GradScaler("cpu", enabled=False).step(opt, closure)
    assert loss.item() == 1.0 and p.item() == pytest.approx(0.8)


@requires_torch
def test_cuda_scaler_without_a_gpu_warns_and_disables_itself_as_pytorch(no_cuda):
    with pytest.warns(UserWarning, match="CUDA is not available"):
        scaler = mt.amp.GradScaler("cuda")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = torch.amp.GradScaler("cuda")
    assert scaler.is_enabled() is theirs.is_enabled() is False


def test_deprecated_cuda_amp_scaler_warns_as_pytorch(no_cuda):
    with pytest.warns(FutureWarning, match="cuda.amp.GradScaler.*deprecated"):
        with pytest.warns(UserWarning, match="CUDA is not available"):
            scaler = mt.cuda.amp.GradScaler(enabled=True)
    assert scaler.is_enabled() is False


def test_enabled_cpu_scaler_raises_naming_float16():
    with pytest.raises(RuntimeError, match="MicroTorch has no float16 yet.*enabled=False"):
        mt.amp.GradScaler("cpu")


def test_enabled_cuda_scaler_with_a_gpu_raises_naming_float16(emulated_cuda):
    with pytest.raises(RuntimeError, match="MicroTorch has no float16 yet"):
        mt.amp.GradScaler("cuda")


def test_disabled_autocast_is_a_plain_region_and_a_decorator():
    x = mt.tensor([1.0, 2.0])

    @mt.autocast("cpu", enabled=False)
    def double(t):
        assert mt.is_autocast_enabled() is False
        return t * 2

    with mt.amp.autocast(device_type="cpu", enabled=False):
        y = x * 3
    assert y.dtype == mt.float32 and double(x).tolist() == [2.0, 4.0]


@requires_torch
@pytest.mark.parametrize("device_type, message", [("foo", "unsupported autocast device_type"),
                                                  (None, "of type `str`")])
def test_autocast_checks_its_device_type_as_pytorch(device_type, message):
    dev = mt.device("cpu") if device_type is None else device_type
    with pytest.raises((RuntimeError, ValueError)) as ours:
        mt.autocast(dev, enabled=False)
    tdev = torch.device("cpu") if device_type is None else device_type
    with pytest.raises((RuntimeError, ValueError)) as theirs:
        torch.autocast(tdev, enabled=False)
    assert ours.type is theirs.type and message in str(ours.value)


def test_cpu_autocast_to_float32_warns_and_disables_as_pytorch():
    with pytest.warns(UserWarning, match="target dtype is not supported. Disabling"):
        with mt.autocast("cpu", dtype=mt.float32):
            assert mt.is_autocast_enabled("cpu") is False


def test_cuda_autocast_without_a_gpu_warns_and_disables_as_pytorch(no_cuda):
    with pytest.warns(UserWarning, match="CUDA is not available. Disabling autocast"):
        with mt.autocast("cuda"):
            pass


def test_enabled_cpu_autocast_raises_naming_bfloat16():
    with pytest.raises(RuntimeError, match="in bfloat16.*no float16 or bfloat16.*enabled=False"):
        mt.autocast("cpu")


def test_enabled_cuda_autocast_with_a_gpu_raises_naming_float16(emulated_cuda):
    with pytest.raises(RuntimeError, match="in float16"):
        mt.amp.autocast("cuda")
    with pytest.warns(FutureWarning), pytest.raises(RuntimeError, match="in float16"):
        mt.cuda.amp.autocast()
