"""RMSprop, Adagrad and the other learning-rate schedules, against PyTorch when installed and
against hand-worked values otherwise."""

import io
import math

import numpy as np
import pytest
from lr_schedule_reference import assert_state_dict_resumes, lr_sequence, two_groups
from torch_reference import requires_torch, torch

import microtorch_core as mt
from microtorch_core.optim import lr_scheduler as mt_sched

RNG = np.random.default_rng(1)
W0 = RNG.standard_normal((4, 3)).astype(np.float32)
B0 = RNG.standard_normal(3).astype(np.float32)
X = RNG.standard_normal((8, 4)).astype(np.float32)


def _loss(lib, w, b):
    """A smooth, non-quadratic loss so every step sees a different gradient."""
    return (lib.tanh(lib.tensor(X) @ w + b) ** 2).sum() + (w * w).sum() * 0.01


def _params(lib):
    return lib.tensor(W0, requires_grad=True), lib.tensor(B0, requires_grad=True)


def _steps(lib, w, b, opt, n):
    for _ in range(n):
        opt.zero_grad()
        _loss(lib, w, b).backward()
        opt.step()


def _run(lib, opt_name, kwargs, steps=20, groups=False):
    w, b = _params(lib)
    params = [{"params": [w]}, {"params": [b], "lr": 0.003}] if groups else [w, b]
    opt = getattr(lib.optim, opt_name)(params, **kwargs)
    _steps(lib, w, b, opt, steps)
    return w.detach().numpy(), b.detach().numpy()


# -- RMSprop and Adagrad -----------------------------------------------------------------------
CONFIGS = [
    ("RMSprop", dict()),
    ("RMSprop", dict(lr=0.02, alpha=0.9, eps=1e-6)),
    ("RMSprop", dict(momentum=0.9)),
    ("RMSprop", dict(centered=True)),
    ("RMSprop", dict(centered=True, momentum=0.5, weight_decay=0.1)),
    ("RMSprop", dict(maximize=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05)),
    ("Adagrad", dict(lr=0.1, weight_decay=0.1)),
    ("Adagrad", dict(lr=0.1, initial_accumulator_value=0.5, eps=1e-6)),
    ("Adagrad", dict(lr=0.1, maximize=True)),
]


@requires_torch
@pytest.mark.parametrize("opt_name, kwargs", CONFIGS)
def test_trajectory_over_20_steps_matches_torch(opt_name, kwargs):
    for mine, ref in zip(_run(mt, opt_name, kwargs), _run(torch, opt_name, kwargs)):
        np.testing.assert_allclose(mine, ref, rtol=1e-5, atol=1e-6)


@requires_torch
@pytest.mark.parametrize("opt_name", ["RMSprop", "Adagrad"])
def test_param_groups_with_their_own_lr_match_torch(opt_name):
    for mine, ref in zip(_run(mt, opt_name, dict(lr=0.05), groups=True),
                         _run(torch, opt_name, dict(lr=0.05), groups=True)):
        np.testing.assert_allclose(mine, ref, rtol=1e-5, atol=1e-6)


@requires_torch
@pytest.mark.parametrize("opt_name, kwargs", [
    ("RMSprop", dict()), ("RMSprop", dict(momentum=0.9, centered=True)), ("Adagrad", dict())])
def test_state_has_torchs_keys(opt_name, kwargs):
    def keys(lib):
        w, b = _params(lib)
        opt = getattr(lib.optim, opt_name)([w, b], **kwargs)
        _steps(lib, w, b, opt, 1)
        return sorted(opt.state_dict()["state"][0])

    assert keys(mt) == keys(torch)


def test_rmsprop_first_step_is_lr_over_sqrt_one_minus_alpha_against_the_gradient_sign():
    # square_avg starts at 0, so after one step it is (1 - alpha) g^2 and g / sqrt(that) is
    # sign(g) / sqrt(1 - alpha) (eps aside).
    w = mt.tensor([1.0, -2.0, 3.0], requires_grad=True)
    opt = mt.optim.RMSprop([w], lr=0.01, alpha=0.96)
    (w * mt.tensor([2.0, -5.0, 0.5])).sum().backward()
    opt.step()
    np.testing.assert_allclose(w.detach().numpy(), [0.95, -1.95, 2.95], rtol=1e-6)


def test_adagrad_with_lr_decay_follows_the_closed_form_for_a_constant_gradient():
    # with g constant, after t steps sum = t g^2 and step t moves lr / (1 + (t-1) d) / sqrt(t)
    w = mt.tensor([0.0, 0.0], requires_grad=True)
    opt = mt.optim.Adagrad([w], lr=0.5, lr_decay=0.1)
    expected = np.zeros(2)
    for t in range(1, 5):
        opt.zero_grad()
        (w * mt.tensor([3.0, -0.25])).sum().backward()
        opt.step()
        expected -= 0.5 / (1 + (t - 1) * 0.1) / math.sqrt(t) * np.array([1.0, -1.0])
    np.testing.assert_allclose(w.detach().numpy(), expected, rtol=1e-6)


def test_adagrad_creates_its_accumulators_before_the_first_step():
    w = mt.zeros(3, requires_grad=True)
    opt = mt.optim.Adagrad([w], initial_accumulator_value=0.25)
    state = opt.state_dict()["state"][0]
    assert state["step"] == 0
    np.testing.assert_array_equal(state["sum"].numpy(), [0.25, 0.25, 0.25])


def test_adagrad_add_param_group_creates_accumulators_for_the_new_group():
    opt = mt.optim.Adagrad([mt.zeros(1, requires_grad=True)])
    b = mt.zeros(2, requires_grad=True)
    opt.add_param_group({"params": [b], "initial_accumulator_value": 1.0})
    np.testing.assert_array_equal(opt.state[b]["sum"].numpy(), [1.0, 1.0])


@pytest.mark.parametrize("opt_name, kwargs", [
    ("RMSprop", dict(momentum=0.9, centered=True, weight_decay=0.01)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01)),
])
def test_state_dict_round_trip_through_save_continues_the_same_trajectory(opt_name, kwargs):
    make_opt = getattr(mt.optim, opt_name)
    w, b = _params(mt)
    opt = make_opt([w, b], **kwargs)
    _steps(mt, w, b, opt, 10)

    w2, b2 = _params(mt)
    opt2 = make_opt([w2, b2], **kwargs)
    _steps(mt, w2, b2, opt2, 5)
    buf = io.BytesIO()
    mt.save({"w": w2, "b": b2, "opt": opt2.state_dict()}, buf)
    buf.seek(0)
    ck = mt.load(buf)
    w3, b3 = _params(mt)
    opt3 = make_opt([w3, b3], lr=0.5)
    with mt.no_grad():
        w3.copy_(ck["w"])
        b3.copy_(ck["b"])
    opt3.load_state_dict(ck["opt"])
    assert opt3.param_groups[0]["lr"] == opt.param_groups[0]["lr"]
    _steps(mt, w3, b3, opt3, 5)
    np.testing.assert_array_equal(w3.detach().numpy(), w.detach().numpy())
    assert opt3.state[w3]["step"] == 10


@pytest.mark.parametrize("opt_name, kwargs, message", [
    ("RMSprop", dict(lr=-1), "Invalid learning rate: -1"),
    ("RMSprop", dict(alpha=-0.5), "Invalid alpha value: -0.5"),
    ("RMSprop", dict(eps=-1e-8), "Invalid epsilon value: -1e-08"),
    ("RMSprop", dict(momentum=-0.9), "Invalid momentum value: -0.9"),
    ("RMSprop", dict(weight_decay=-1), "Invalid weight_decay value: -1"),
    ("RMSprop", dict(lr=float("nan")), "Invalid learning rate: nan"),
    ("Adagrad", dict(lr=-1), "Invalid learning rate: -1"),
    ("Adagrad", dict(lr_decay=-0.1), "Invalid lr_decay value: -0.1"),
    ("Adagrad", dict(weight_decay=-1), "Invalid weight_decay value: -1"),
    ("Adagrad", dict(initial_accumulator_value=-1),
     "Invalid initial_accumulator_value value: -1"),
    ("Adagrad", dict(eps=-1e-10), "Invalid epsilon value: -1e-10"),
])
def test_invalid_hyperparameters_raise_naming_the_value(opt_name, kwargs, message):
    with pytest.raises(ValueError, match=message):
        getattr(mt.optim, opt_name)([mt.zeros(1, requires_grad=True)], **kwargs)


# -- learning-rate schedules -------------------------------------------------------------------
def _factor(epoch):
    return 1 / (1 + epoch) ** 0.5


SCHEDULES = {
    "ExponentialLR": lambda s, opt: s.ExponentialLR(opt, gamma=0.9),
    "MultiStepLR": lambda s, opt: s.MultiStepLR(opt, milestones=[12, 3, 7, 7], gamma=0.3),
    "LambdaLR": lambda s, opt: s.LambdaLR(opt, lr_lambda=_factor),
    "LambdaLR-per-group": lambda s, opt: s.LambdaLR(
        opt, lr_lambda=[_factor, lambda epoch: 0.95 ** epoch]),
    "LinearLR": lambda s, opt: s.LinearLR(opt),
    "LinearLR-decay": lambda s, opt: s.LinearLR(opt, start_factor=0.9, end_factor=0.1,
                                                total_iters=17),
    "OneCycleLR": lambda s, opt: s.OneCycleLR(opt, max_lr=[1.0, 0.5], total_steps=30),
    "OneCycleLR-3phase-linear": lambda s, opt: s.OneCycleLR(
        opt, max_lr=1.0, epochs=6, steps_per_epoch=5, pct_start=0.25, anneal_strategy="linear",
        three_phase=True, div_factor=10.0, final_div_factor=100.0),
}


@requires_torch
@pytest.mark.parametrize("name", SCHEDULES)
def test_schedule_is_exactly_torchs(name):
    assert lr_sequence(mt, SCHEDULES[name]) == lr_sequence(torch, SCHEDULES[name])


@requires_torch
@pytest.mark.parametrize("opt_name", ["SGD", "Adam"])
def test_one_cycle_cycles_momentum_or_beta1_as_torch(opt_name):
    def momenta(lib):
        opt = getattr(lib.optim, opt_name)([lib.zeros(1, requires_grad=True)], lr=0.1)
        sched = lib.optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=20)
        out = []
        for _ in range(20):
            group = opt.param_groups[0]
            out.append(group["betas"][0] if opt_name == "Adam" else group["momentum"])
            opt.step()
            sched.step()
        return out

    assert momenta(mt) == momenta(torch)


def test_exponential_lr_is_base_lr_times_gamma_to_the_epoch():
    lrs = [lr for lr, _ in lr_sequence(mt, SCHEDULES["ExponentialLR"])]
    np.testing.assert_allclose(lrs, [0.1 * 0.9 ** e for e in range(30)], rtol=1e-12)


def test_multistep_lr_decays_at_each_milestone_twice_for_a_repeated_one():
    lrs = [lr for lr, _ in lr_sequence(mt, SCHEDULES["MultiStepLR"], epochs=14)]
    decays = [0] * 3 + [1] * 4 + [3] * 5 + [4] * 2  # milestones 3, 7 (twice), 12
    np.testing.assert_allclose(lrs, [0.1 * 0.3 ** d for d in decays], rtol=1e-12)


def test_lambda_lr_multiplies_each_groups_base_lr_by_its_function():
    lrs = lr_sequence(mt, SCHEDULES["LambdaLR-per-group"], epochs=5)
    expected = [[0.1 * _factor(e), 0.02 * 0.95 ** e] for e in range(5)]
    np.testing.assert_allclose(lrs, expected, rtol=1e-12)


def test_linear_lr_goes_from_start_to_end_factor_then_stays():
    lrs = [lr for lr, _ in lr_sequence(mt, SCHEDULES["LinearLR"], epochs=8)]
    factors = [1 / 3 + (2 / 3) * min(e, 5) / 5 for e in range(8)]
    np.testing.assert_allclose(lrs, [0.1 * f for f in factors], rtol=1e-12)


def test_one_cycle_rises_to_max_lr_then_anneals_to_min_lr():
    lrs = [lr for lr, _ in lr_sequence(mt, SCHEDULES["OneCycleLR"])]
    assert lrs[0] == pytest.approx(1.0 / 25)
    assert max(lrs) == pytest.approx(1.0) and lrs.index(max(lrs)) == 8  # 0.3 * 30 - 1
    assert lrs[-1] == pytest.approx(1.0 / 25 / 1e4)


def test_one_cycle_raises_when_stepped_past_total_steps():
    opt = mt.optim.SGD([mt.zeros(1, requires_grad=True)], lr=0.1)
    sched = mt_sched.OneCycleLR(opt, max_lr=1.0, total_steps=10)
    for _ in range(10):
        sched.step()
    with pytest.raises(ValueError, match="Tried to step 11 times.*total steps is 10"):
        sched.step()


def test_get_last_lr_is_what_step_wrote_into_the_groups():
    opt = mt.optim.SGD([mt.zeros(1, requires_grad=True)], lr=0.1)
    sched = mt_sched.ExponentialLR(opt, gamma=0.5)
    sched.step()
    assert sched.get_last_lr() == [opt.param_groups[0]["lr"]] == [0.05]


@pytest.mark.parametrize("name", ["ExponentialLR", "MultiStepLR", "LinearLR-decay",
                                  "OneCycleLR"])
def test_scheduler_state_dict_resumes_the_same_sequence(name):
    assert_state_dict_resumes(mt, SCHEDULES[name], steps_after=6)


RESUMED = {"ExponentialLR": lambda s, opt: s.ExponentialLR(opt, 0.9, last_epoch=3),
           "LinearLR-decay": lambda s, opt: s.LinearLR(opt, 0.9, 0.1, 17, last_epoch=3)}


def _resumed_lrs(lib, name):
    """Three epochs of a schedule, then a new optimizer and scheduler resumed from them with
    ``last_epoch=3``: the rate after construction and after each of three more epochs."""
    opt = two_groups(lib)
    sched = SCHEDULES[name](lib.optim.lr_scheduler, opt)
    for _ in range(3):
        opt.step()
        sched.step()
    opt2 = two_groups(lib)
    opt2.load_state_dict(opt.state_dict())
    sched2 = RESUMED[name](lib.optim.lr_scheduler, opt2)
    out = [sched.get_last_lr(), sched2.get_last_lr()]
    for _ in range(3):
        opt2.step()
        sched2.step()
        out.append(sched2.get_last_lr())
    return out


@pytest.mark.parametrize("name", RESUMED)
def test_resuming_with_last_epoch_keeps_the_loaded_rate(name):
    # a recursive schedule must not move the checkpoint's rate one epoch on construction
    saved, resumed = _resumed_lrs(mt, name)[:2]
    assert resumed == saved


@requires_torch
@pytest.mark.parametrize("name", RESUMED)
def test_resumed_schedule_continues_as_torchs(name):
    assert _resumed_lrs(mt, name) == _resumed_lrs(torch, name)


class _Warmup:
    """A picklable lr_lambda with state, whose attributes LambdaLR's state_dict keeps."""

    def __init__(self, epochs):
        self.epochs = epochs

    def __call__(self, epoch):
        return min(1.0, (epoch + 1) / self.epochs)


def test_lambda_lr_state_dict_keeps_callable_objects_attributes_but_not_functions():
    opt = mt.optim.SGD([{"params": [mt.zeros(1, requires_grad=True)]},
                        {"params": [mt.zeros(1, requires_grad=True)]}], lr=0.1)
    sched = mt_sched.LambdaLR(opt, [_Warmup(4), _factor])
    state = sched.state_dict()
    assert state["lr_lambdas"] == [{"epochs": 4}, None]
    warmup = _Warmup(10)
    sched2 = mt_sched.LambdaLR(opt, [warmup, _factor])
    sched2.load_state_dict(state)
    assert warmup.epochs == 4 and sched2.lr_lambdas[1] is _factor


# -- ReduceLROnPlateau -------------------------------------------------------------------------
METRICS = [1.0, 0.9, 0.9, 0.95, 0.91, 0.8999, 0.9, 0.7, 0.7, 0.71, 0.72, 0.73, 0.7, 0.75,
           0.69, 0.8, 0.8, 0.8, 0.8, 0.8]

PLATEAUS = {
    "default-patience-2": dict(patience=2),
    "patience-0": dict(patience=0),
    "max-abs-cooldown": dict(mode="max", threshold_mode="abs", threshold=0.01, patience=1,
                             cooldown=2, factor=0.5),
    "min-lr-per-group": dict(patience=0, factor=0.5, min_lr=[0.02, 0.0]),
    "eps-skips-tiny-cuts": dict(patience=0, factor=0.9, eps=0.005),
}


def _plateau_lrs(lib, kwargs, metrics=METRICS):
    opt = two_groups(lib)
    sched = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
    out = []
    for metric in metrics:
        opt.step()
        sched.step(metric)
        out.append(sched.get_last_lr())
    return out


@requires_torch
@pytest.mark.parametrize("name", PLATEAUS)
def test_reduce_on_plateau_is_exactly_torchs(name):
    assert _plateau_lrs(mt, PLATEAUS[name]) == _plateau_lrs(torch, PLATEAUS[name])


def test_reduce_on_plateau_cuts_the_rate_after_patience_epochs_without_improvement():
    lrs = [lr for lr, _ in _plateau_lrs(mt, dict(patience=2), metrics=[1.0] * 7)]
    # epoch 1 sets the best; epochs 2, 3 are bad but within patience; 4 cuts; 5, 6 wait; 7 cuts
    np.testing.assert_allclose(lrs, [0.1, 0.1, 0.1, 0.01, 0.01, 0.01, 0.001], rtol=1e-12)


def test_reduce_on_plateau_accepts_a_one_element_tensor_metric():
    lrs = _plateau_lrs(mt, dict(patience=0), metrics=[mt.tensor(1.0), mt.tensor(2.0)])
    assert lrs[-1][0] == pytest.approx(0.01)


def test_reduce_on_plateau_state_dict_resumes_counting():
    opt = mt.optim.SGD([mt.zeros(1, requires_grad=True)], lr=0.1)
    sched = mt_sched.ReduceLROnPlateau(opt, patience=2)
    for metric in (1.0, 1.0, 1.0):
        sched.step(metric)
    sched2 = mt_sched.ReduceLROnPlateau(opt, patience=2)
    sched2.load_state_dict(sched.state_dict())
    assert (sched2.best, sched2.num_bad_epochs) == (1.0, 2)
    sched2.step(1.0)
    assert opt.param_groups[0]["lr"] == pytest.approx(0.01)


# -- bad arguments -----------------------------------------------------------------------------
def _opt():
    return mt.optim.SGD([mt.zeros(1, requires_grad=True)], lr=0.1)


@pytest.mark.parametrize("make, error, message", [
    (lambda: mt_sched.ExponentialLR(_opt(), gamma=0), ValueError, "gamma must be positive, got 0"),
    (lambda: mt_sched.MultiStepLR(_opt(), milestones=[3, "7"]), TypeError,
     r"milestones must be integer epoch indices, got \['7'\]"),
    (lambda: mt_sched.LambdaLR(_opt(), lr_lambda=[_factor, _factor]), ValueError,
     "Expected 1 lr_lambdas, but got 2"),
    (lambda: mt_sched.LambdaLR(_opt(), lr_lambda=0.5), TypeError,
     "lr_lambda must be callable"),
    (lambda: mt_sched.LinearLR(_opt(), start_factor=0), ValueError,
     "greater than 0 and less or equal to 1, got start_factor=0"),
    (lambda: mt_sched.LinearLR(_opt(), end_factor=1.5), ValueError,
     "between 0 and 1, got end_factor=1.5"),
    (lambda: mt_sched.LinearLR(_opt(), total_iters=-1), ValueError,
     "total_iters must be a non-negative integer, got -1"),
    (lambda: mt_sched.OneCycleLR(_opt(), max_lr=1.0), ValueError,
     r"either total_steps OR \(epochs AND steps_per_epoch\)"),
    (lambda: mt_sched.OneCycleLR(_opt(), max_lr=1.0, total_steps=0), ValueError,
     "Expected positive integer total_steps, but got 0"),
    (lambda: mt_sched.OneCycleLR(_opt(), max_lr=1.0, total_steps=10, pct_start=1.5), ValueError,
     "between 0 and 1 pct_start, but got 1.5"),
    (lambda: mt_sched.OneCycleLR(_opt(), max_lr=1.0, total_steps=10, anneal_strategy="exp"),
     ValueError, "one of 'cos' or 'linear', instead got 'exp'"),
    (lambda: mt_sched.OneCycleLR(_opt(), max_lr=1.0, total_steps=10, pct_start=0.05),
     ValueError, "leave a phase without steps"),
    (lambda: mt_sched.OneCycleLR(_opt(), max_lr=[1.0, 2.0], total_steps=10), ValueError,
     "max_lr must have one value per param group: got 2 values for 1 param groups"),
    (lambda: mt_sched.OneCycleLR(mt.optim.Adagrad([mt.zeros(1, requires_grad=True)]),
                                 max_lr=1.0, total_steps=10), ValueError,
     "Adagrad has neither"),
    (lambda: mt_sched.ReduceLROnPlateau(_opt(), factor=1.0), ValueError,
     "Factor should be < 1.0"),
    (lambda: mt_sched.ReduceLROnPlateau(_opt(), mode="avg"), ValueError, "mode 'avg' is unknown"),
    (lambda: mt_sched.ReduceLROnPlateau(_opt(), threshold_mode="pct"), ValueError,
     "threshold mode 'pct' is unknown"),
    (lambda: mt_sched.ReduceLROnPlateau(_opt(), patience=-1), ValueError,
     "patience must be a non-negative integer, got -1"),
    (lambda: mt_sched.ReduceLROnPlateau("sgd"), TypeError, "str is not an Optimizer"),
])
def test_bad_scheduler_arguments_raise_naming_the_value(make, error, message):
    with pytest.raises(error, match=message):
        make()
