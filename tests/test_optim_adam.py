"""Adam, AdamW and learning-rate schedules, against PyTorch's trajectories when installed."""

import io
import math

import numpy as np
import pytest
from torch_reference import requires_torch, torch

import microtorch_core as mt
from microtorch_core.optim.lr_scheduler import StepLR

RNG = np.random.default_rng(0)
W0 = RNG.standard_normal((4, 3)).astype(np.float32)
B0 = RNG.standard_normal(3).astype(np.float32)
X = RNG.standard_normal((8, 4)).astype(np.float32)


def _loss(lib, w, b):
    """A smooth, non-quadratic loss so every step sees a different gradient."""
    return (lib.tanh(lib.tensor(X) @ w + b) ** 2).sum() + (w * w).sum() * 0.01


def _run(lib, opt_name, kwargs, steps=20, groups=False):
    w = lib.tensor(W0, requires_grad=True)
    b = lib.tensor(B0, requires_grad=True)
    params = [{"params": [w]}, {"params": [b], "lr": 0.01}] if groups else [w, b]
    opt = getattr(lib.optim, opt_name)(params, **kwargs)
    for _ in range(steps):
        opt.zero_grad()
        _loss(lib, w, b).backward()
        opt.step()
    return w.detach().numpy(), b.detach().numpy()


CONFIGS = [
    ("Adam", dict(lr=0.05)),
    ("Adam", dict(lr=0.05, betas=(0.8, 0.99), eps=1e-6)),
    ("Adam", dict(lr=0.05, weight_decay=0.1)),
    ("Adam", dict(lr=0.05, amsgrad=True)),
    ("Adam", dict(lr=0.05, maximize=True)),
    ("AdamW", dict(lr=0.05)),
    ("AdamW", dict(lr=0.05, weight_decay=0.3, amsgrad=True)),
]


@requires_torch
@pytest.mark.parametrize("opt_name, kwargs", CONFIGS)
def test_trajectory_over_20_steps_matches_torch(opt_name, kwargs):
    for mine, ref in zip(_run(mt, opt_name, kwargs), _run(torch, opt_name, kwargs)):
        np.testing.assert_allclose(mine, ref, rtol=1e-5, atol=1e-6)


@requires_torch
def test_param_groups_with_their_own_lr_match_torch():
    for mine, ref in zip(_run(mt, "Adam", dict(lr=0.05), groups=True),
                         _run(torch, "Adam", dict(lr=0.05), groups=True)):
        np.testing.assert_allclose(mine, ref, rtol=1e-5, atol=1e-6)


def test_first_step_moves_each_weight_by_lr_against_the_gradient_sign():
    # Bias correction makes step 1 exactly lr * g / (|g| + eps') = lr * sign(g).
    w = mt.tensor([1.0, -2.0, 3.0], requires_grad=True)
    opt = mt.optim.Adam([w], lr=0.1)
    (w * mt.tensor([2.0, -5.0, 0.5])).sum().backward()
    opt.step()
    np.testing.assert_allclose(w.detach().numpy(), [0.9, -1.9, 2.9], rtol=1e-6)


def test_adamw_decays_weights_even_with_zero_gradient():
    w = mt.tensor([1.0, -2.0], requires_grad=True)
    opt = mt.optim.AdamW([w], lr=0.1, weight_decay=0.5)
    (w * 0).sum().backward()
    opt.step()
    np.testing.assert_allclose(w.detach().numpy(), [0.95, -1.9], rtol=1e-6)


def test_state_dict_round_trip_through_save_continues_the_same_trajectory():
    def make():
        w = mt.tensor(W0, requires_grad=True)
        b = mt.tensor(B0, requires_grad=True)
        return w, b, mt.optim.AdamW([w, b], lr=0.05, amsgrad=True)

    def steps(w, b, opt, n):
        for _ in range(n):
            opt.zero_grad()
            _loss(mt, w, b).backward()
            opt.step()

    w, b, opt = make()
    steps(w, b, opt, 10)
    w2, b2, opt2 = make()
    steps(w2, b2, opt2, 5)
    buf = io.BytesIO()
    mt.save({"w": w2, "b": b2, "opt": opt2.state_dict()}, buf)
    buf.seek(0)
    ck = mt.load(buf)
    w3, b3, opt3 = make()
    with mt.no_grad():
        w3.copy_(ck["w"])
        b3.copy_(ck["b"])
    opt3.load_state_dict(ck["opt"])
    steps(w3, b3, opt3, 5)
    np.testing.assert_array_equal(w3.detach().numpy(), w.detach().numpy())
    assert opt3.state[w3]["step"] == 10


@pytest.mark.parametrize("kwargs, message", [(dict(lr=-1), "Invalid learning rate"),
                                             (dict(betas=(0.9, 1.0)), "Invalid beta"),
                                             (dict(eps=-1e-8), "Invalid epsilon"),
                                             (dict(weight_decay=-1), "Invalid weight_decay")])
def test_adam_rejects_invalid_hyperparameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        mt.optim.Adam([mt.zeros(1, requires_grad=True)], **kwargs)


# -- learning-rate schedules -------------------------------------------------------------------
def _lrs(lib, make_sched, epochs=25):
    opt = lib.optim.SGD([lib.zeros(1, requires_grad=True)], lr=0.1)
    sched = make_sched(lib, opt)
    out = []
    for _ in range(epochs):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return out


STEP = lambda lib, opt: lib.optim.lr_scheduler.StepLR(opt, step_size=7, gamma=0.3)  # noqa: E731
COSINE = lambda lib, opt: lib.optim.lr_scheduler.CosineAnnealingLR(  # noqa: E731
    opt, T_max=10, eta_min=0.001)


def test_step_lr_decays_by_gamma_every_step_size_epochs():
    expected = [0.1 * 0.3 ** (e // 7) for e in range(25)]
    np.testing.assert_allclose(_lrs(mt, STEP), expected, rtol=1e-12)


def test_cosine_annealing_follows_half_a_cosine_and_comes_back():
    expected = [0.001 + 0.099 * (1 + math.cos(math.pi * e / 10)) / 2 for e in range(25)]
    np.testing.assert_allclose(_lrs(mt, COSINE), expected, rtol=1e-12)


@requires_torch
@pytest.mark.parametrize("make_sched", [STEP, COSINE], ids=["StepLR", "CosineAnnealingLR"])
def test_schedules_match_torch(make_sched):
    np.testing.assert_allclose(_lrs(mt, make_sched), _lrs(torch, make_sched), rtol=1e-10)


def test_scheduler_state_dict_resumes_the_schedule():
    opt = mt.optim.SGD([mt.zeros(1, requires_grad=True)], lr=0.1)
    sched = StepLR(opt, step_size=2, gamma=0.5)
    for _ in range(3):
        sched.step()
    opt2 = mt.optim.SGD([mt.zeros(1, requires_grad=True)], lr=0.1)
    sched2 = StepLR(opt2, step_size=2)
    opt2.load_state_dict(opt.state_dict())  # the current rates live in the optimizer
    sched2.load_state_dict(sched.state_dict())
    sched.step()
    sched2.step()
    assert sched2.get_last_lr() == sched.get_last_lr() == [0.025]
