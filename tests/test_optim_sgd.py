"""SGD follows PyTorch's update rule (momentum, dampening, weight decay, Nesterov)."""

import numpy as np
import pytest

import microtorch_core as mt


def _toy_run(lib, steps=3, **opts):
    x = lib.tensor([0.0, 1.0, 2.0])
    target = lib.ones(3)
    p0 = lib.ones(3, requires_grad=True)
    p1 = lib.ones(3, requires_grad=True)
    opt = lib.optim.SGD([p0, p1], lr=0.1, **opts)
    for _ in range(steps):
        opt.zero_grad()
        loss = (((x * p0) + p1 - target) ** 2).sum()
        loss.backward()
        opt.step()
    return p0.detach().numpy(), p1.detach().numpy()


def test_momentum_toy_example_from_the_issue():
    p0, _ = _toy_run(mt, momentum=0.9)
    np.testing.assert_allclose(p0, [1.0, 0.23, -0.448], atol=1e-6)


def test_plain_sgd_step_is_lr_times_grad():
    w = mt.tensor([1.0, 2.0], requires_grad=True)
    opt = mt.optim.SGD([w], lr=0.5)
    (w * w).sum().backward()
    opt.step()
    np.testing.assert_allclose(w.detach().numpy(), [0.0, 0.0])


def test_zero_grad_sets_to_none_by_default():
    w = mt.ones(2, requires_grad=True)
    opt = mt.optim.SGD([w], lr=0.1)
    w.sum().backward()
    opt.zero_grad()
    assert w.grad is None


def test_zero_grad_without_set_to_none_zeroes():
    w = mt.ones(2, requires_grad=True)
    opt = mt.optim.SGD([w], lr=0.1)
    w.sum().backward()
    opt.zero_grad(set_to_none=False)
    np.testing.assert_allclose(w.grad.numpy(), [0.0, 0.0])


def test_nesterov_requires_momentum():
    with pytest.raises(ValueError, match="Nesterov"):
        mt.optim.SGD([mt.ones(1, requires_grad=True)], lr=0.1, nesterov=True)


def test_negative_learning_rate_raises():
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        mt.optim.SGD([mt.ones(1, requires_grad=True)], lr=-1)


def test_empty_parameter_list_raises():
    with pytest.raises(ValueError, match="empty parameter list"):
        mt.optim.SGD([], lr=0.1)


@pytest.mark.parametrize("opts", [
    {}, {"momentum": 0.9}, {"momentum": 0.9, "dampening": 0.5},
    {"momentum": 0.9, "nesterov": True}, {"weight_decay": 0.1},
    {"momentum": 0.5, "weight_decay": 0.01, "nesterov": True}, {"maximize": True},
])
def test_trajectory_matches_pytorch(opts):
    torch = pytest.importorskip("torch", reason="PyTorch not installed: oracle unavailable")
    ours = _toy_run(mt, steps=10, **opts)
    theirs = _toy_run(torch, steps=10, **opts)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_state_dict_round_trip_keeps_momentum():
    w = mt.ones(2, requires_grad=True)
    opt = mt.optim.SGD([w], lr=0.1, momentum=0.9)
    (w * w).sum().backward()
    opt.step()
    state = opt.state_dict()
    w2 = mt.ones(2, requires_grad=True)
    opt2 = mt.optim.SGD([w2], lr=0.5, momentum=0.9)
    opt2.load_state_dict(state)
    assert opt2.param_groups[0]["lr"] == 0.1
    np.testing.assert_allclose(opt2.state[w2]["momentum_buffer"].numpy(),
                               opt.state[w]["momentum_buffer"].numpy())
