"""ConstantLR, PolynomialLR, CosineAnnealingWarmRestarts, CyclicLR, SequentialLR and
ChainedScheduler: PyTorch's rates to the last bit when it is installed, hand-worked values
otherwise."""

import math

import numpy as np
import pytest
from lr_schedule_reference import assert_state_dict_resumes, lr_sequence, two_groups
from torch_reference import requires_torch, torch

import microtorch_core as mt
from microtorch_core.optim import lr_scheduler as mt_sched
from microtorch_core.optim.lr_scheduler import (
    ChainedScheduler,
    ConstantLR,
    CosineAnnealingWarmRestarts,
    CyclicLR,
    SequentialLR,
)


def _lrs_at(lib, make_sched, epochs):
    """The rates after ``sched.step(epoch)`` for each of ``epochs``."""
    opt = two_groups(lib)
    sched = make_sched(lib.optim.lr_scheduler, opt)
    out = []
    for epoch in epochs:
        opt.step()
        sched.step(epoch)
        out.append(sched.get_last_lr())
    return out


SCHEDULES = {
    "ConstantLR": lambda s, opt: s.ConstantLR(opt),
    "ConstantLR-half-for-4": lambda s, opt: s.ConstantLR(opt, factor=0.5, total_iters=4),
    "PolynomialLR": lambda s, opt: s.PolynomialLR(opt),
    "PolynomialLR-squared": lambda s, opt: s.PolynomialLR(opt, total_iters=12, power=2.0),
    "WarmRestarts": lambda s, opt: s.CosineAnnealingWarmRestarts(opt, T_0=7, eta_min=0.001),
    "WarmRestarts-T_mult-2": lambda s, opt: s.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=2),
    "CyclicLR": lambda s, opt: s.CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=4),
    "CyclicLR-triangular2": lambda s, opt: s.CyclicLR(
        opt, base_lr=[0.01, 0.001], max_lr=[0.1, 0.05], step_size_up=3, step_size_down=5,
        mode="triangular2"),
    "CyclicLR-exp_range": lambda s, opt: s.CyclicLR(
        opt, base_lr=0.01, max_lr=0.1, step_size_up=4, mode="exp_range", gamma=0.9),
    "CyclicLR-scale_fn-iterations": lambda s, opt: s.CyclicLR(
        opt, base_lr=0.01, max_lr=0.1, step_size_up=5, scale_fn=lambda x: 1 / (1 + 0.1 * x),
        scale_mode="iterations"),
    "SequentialLR-warmup-then-exponential": lambda s, opt: s.SequentialLR(
        opt, [s.LinearLR(opt, start_factor=0.1, total_iters=5), s.ExponentialLR(opt, 0.9)],
        milestones=[5]),
    "SequentialLR-three": lambda s, opt: s.SequentialLR(
        opt, [s.ConstantLR(opt, factor=0.1, total_iters=20), s.MultiStepLR(opt, [3, 6], 0.5),
              s.PolynomialLR(opt, total_iters=8)], milestones=[4, 15]),
    "SequentialLR-into-cyclic": lambda s, opt: s.SequentialLR(
        opt, [s.ExponentialLR(opt, 0.8), s.CyclicLR(opt, 0.01, 0.1, step_size_up=3,
                                                      cycle_momentum=False)],
        milestones=[6]),
    "ChainedScheduler": lambda s, opt: s.ChainedScheduler(
        [s.ConstantLR(opt, factor=0.1, total_iters=2), s.ExponentialLR(opt, gamma=0.9)]),
    "ChainedScheduler-step-and-cosine": lambda s, opt: s.ChainedScheduler(
        [s.StepLR(opt, step_size=3, gamma=0.5), s.CosineAnnealingLR(opt, T_max=7, eta_min=1e-3),
         s.ExponentialLR(opt, gamma=0.95)]),
    "SequentialLR-into-cosine": lambda s, opt: s.SequentialLR(
        opt, [s.LinearLR(opt, start_factor=0.1, total_iters=5), s.CosineAnnealingLR(opt, T_max=10)],
        milestones=[5]),
    "ChainedScheduler-three": lambda s, opt: s.ChainedScheduler(
        [s.LinearLR(opt, start_factor=0.2, total_iters=6), s.MultiStepLR(opt, [4, 9], 0.5),
         s.PolynomialLR(opt, total_iters=20, power=1.5)], optimizer=opt),
}


# -- against PyTorch ---------------------------------------------------------------------------
@requires_torch
@pytest.mark.parametrize("name", SCHEDULES)
def test_schedule_is_exactly_torchs(name):
    assert lr_sequence(mt, SCHEDULES[name]) == lr_sequence(torch, SCHEDULES[name])


@requires_torch
@pytest.mark.parametrize("opt_name, key", [("SGD", "momentum"), ("Adam", "betas")])
@pytest.mark.parametrize("name", ["CyclicLR", "CyclicLR-triangular2", "CyclicLR-exp_range"])
def test_cyclic_lr_cycles_momentum_or_beta1_as_torch(name, opt_name, key):
    assert (lr_sequence(mt, SCHEDULES[name], opt_name=opt_name, key=key)
            == lr_sequence(torch, SCHEDULES[name], opt_name=opt_name, key=key))


@requires_torch
def test_cyclic_lr_with_custom_momentum_bounds_matches_torch():
    def make(s, opt):
        return s.CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=2,
                          base_momentum=[0.5, 0.6], max_momentum=0.95)

    assert lr_sequence(mt, make, key="momentum") == lr_sequence(torch, make, key="momentum")


@requires_torch
@pytest.mark.parametrize("name", ["WarmRestarts", "WarmRestarts-T_mult-2"])
def test_warm_restarts_at_fractional_epochs_match_torch(name):
    epochs = [0.37 * i for i in range(1, 60)]
    assert _lrs_at(mt, SCHEDULES[name], epochs) == _lrs_at(torch, SCHEDULES[name], epochs)


@requires_torch
def test_warm_restarts_mixing_step_and_step_epoch_matches_torch():
    def lrs(lib):
        opt = two_groups(lib)
        sched = lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=4, T_mult=2)
        out = []
        for epoch in [None, None, 26, None, None, 2.5, None, 13.25, None]:
            opt.step()
            sched.step() if epoch is None else sched.step(epoch)
            out.append(sched.get_last_lr())
        return out

    assert lrs(mt) == lrs(torch)


RESUMED = {"ConstantLR": lambda s, opt: s.ConstantLR(opt, 0.5, 4, last_epoch=2),
           "PolynomialLR": lambda s, opt: s.PolynomialLR(opt, 12, 2.0, last_epoch=2)}


def _resumed_lrs(lib, name):
    """Three epochs of a schedule, then a new optimizer and scheduler resumed from them with
    ``last_epoch=2``: the rate after construction and after each of four more epochs."""
    make = {"ConstantLR": SCHEDULES["ConstantLR-half-for-4"],
            "PolynomialLR": SCHEDULES["PolynomialLR-squared"]}[name]
    opt = two_groups(lib)
    sched = make(lib.optim.lr_scheduler, opt)
    for _ in range(2):
        opt.step()
        sched.step()
    opt2 = two_groups(lib)
    opt2.load_state_dict(opt.state_dict())
    sched2 = RESUMED[name](lib.optim.lr_scheduler, opt2)
    out = [sched.get_last_lr(), sched2.get_last_lr()]
    for _ in range(4):
        opt2.step()
        sched2.step()
        out.append(sched2.get_last_lr())
    return out


@requires_torch
@pytest.mark.parametrize("name", RESUMED)
def test_resumed_schedule_continues_as_torchs(name):
    assert _resumed_lrs(mt, name) == _resumed_lrs(torch, name)


# -- hand-worked values ------------------------------------------------------------------------
def _first_group(make, epochs=30):
    return [lr for lr, _ in lr_sequence(mt, make, epochs)]


def test_constant_lr_scales_by_factor_until_total_iters():
    lrs = _first_group(SCHEDULES["ConstantLR-half-for-4"], epochs=7)
    np.testing.assert_allclose(lrs, [0.05] * 4 + [0.1] * 3, rtol=1e-12)


def test_polynomial_lr_follows_the_closed_form_then_stays_at_zero():
    lrs = _first_group(SCHEDULES["PolynomialLR-squared"], epochs=15)
    expected = [0.1 * (1 - min(e, 12) / 12) ** 2 for e in range(15)]
    np.testing.assert_allclose(lrs, expected, rtol=1e-12, atol=1e-17)


def test_warm_restarts_go_back_to_base_lr_every_t_0_epochs():
    lrs = _first_group(SCHEDULES["WarmRestarts"], epochs=15)
    expected = [0.001 + 0.099 * (1 + math.cos(math.pi * (e % 7) / 7)) / 2 for e in range(15)]
    np.testing.assert_allclose(lrs, expected, rtol=1e-12)


def test_warm_restarts_periods_grow_by_t_mult():
    lrs = _first_group(SCHEDULES["WarmRestarts-T_mult-2"], epochs=22)
    restarts = [e for e in range(22) if lrs[e] == pytest.approx(0.1)]
    assert restarts == [0, 3, 9, 21]  # periods 3, 6, 12


def test_warm_restarts_step_with_a_fractional_epoch_lands_inside_the_period():
    opt = two_groups(mt)
    sched = CosineAnnealingWarmRestarts(opt, T_0=4, T_mult=2)
    sched.step(5.5)  # periods [0, 4), [4, 12): 1.5 epochs into a period of 8
    assert (sched.T_cur, sched.T_i, sched.last_epoch) == (1.5, 8, 5)
    assert sched.get_last_lr()[0] == pytest.approx(0.05 * (1 + math.cos(math.pi * 1.5 / 8)))


def test_cyclic_lr_rises_and_falls_linearly_between_base_and_max_lr():
    lrs = _first_group(SCHEDULES["CyclicLR"], epochs=10)
    expected = [0.01, 0.0325, 0.055, 0.0775, 0.1, 0.0775, 0.055, 0.0325, 0.01, 0.0325]
    np.testing.assert_allclose(lrs, expected, rtol=1e-12)


def test_cyclic_lr_triangular2_halves_the_amplitude_every_cycle():
    lrs = _first_group(SCHEDULES["CyclicLR-triangular2"], epochs=24)
    peaks = [lrs[3], lrs[11], lrs[19]]  # each cycle is 3 up + 5 down
    np.testing.assert_allclose(peaks, [0.1, 0.055, 0.0325], rtol=1e-12)


def test_cyclic_lr_moves_momentum_against_the_rate():
    momenta = [m for m, _ in lr_sequence(mt, SCHEDULES["CyclicLR"], epochs=9, key="momentum")]
    expected = [0.9, 0.875, 0.85, 0.825, 0.8, 0.825, 0.85, 0.875, 0.9]
    np.testing.assert_allclose(momenta, expected, rtol=1e-12)


def test_cyclic_lr_sets_the_groups_lr_to_base_lr_on_construction():
    opt = two_groups(mt)
    CyclicLR(opt, base_lr=[0.003, 0.004], max_lr=0.1)
    assert [g["lr"] for g in opt.param_groups] == [0.003, 0.004]


def test_sequential_lr_switches_schedule_at_the_milestone():
    lrs = _first_group(SCHEDULES["SequentialLR-warmup-then-exponential"], epochs=9)
    expected = [0.01, 0.028, 0.046, 0.064, 0.082, 0.1, 0.09, 0.081, 0.0729]
    np.testing.assert_allclose(lrs, expected, rtol=1e-12)


def test_chained_scheduler_multiplies_the_schedules_factors():
    lrs = _first_group(SCHEDULES["ChainedScheduler"], epochs=5)
    np.testing.assert_allclose(lrs, [0.01, 0.009, 0.081, 0.0729, 0.06561], rtol=1e-12)


def test_schedules_import_from_lr_scheduler_and_optim():
    assert mt.optim.lr_scheduler.ConstantLR is ConstantLR
    assert {"ConstantLR", "PolynomialLR", "CosineAnnealingWarmRestarts", "CyclicLR",
            "SequentialLR", "ChainedScheduler"} <= set(mt_sched.__all__)


# -- state dicts -------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["ConstantLR-half-for-4", "PolynomialLR-squared",
                                  "WarmRestarts-T_mult-2", "CyclicLR-triangular2",
                                  "SequentialLR-three", "ChainedScheduler-three"])
def test_scheduler_state_dict_resumes_the_same_sequence(name):
    assert_state_dict_resumes(mt, SCHEDULES[name], steps_after=12)


def test_composite_state_dict_holds_each_schedules_state():
    opt = two_groups(mt)
    sched = SCHEDULES["SequentialLR-three"](mt_sched, opt)
    state = sched.state_dict()
    assert "optimizer" not in state and len(state["_schedulers"]) == 3
    assert state["_schedulers"][1]["gamma"] == 0.5


class _Decay:
    """A picklable scale_fn with state, whose attributes CyclicLR's state_dict keeps."""

    def __init__(self, rate):
        self.rate = rate

    def __call__(self, x):
        return 1 / (1 + self.rate * x)


def test_cyclic_lr_state_dict_keeps_callable_objects_attributes_but_not_functions():
    opt = two_groups(mt)
    state = CyclicLR(opt, 0.01, 0.1, scale_fn=_Decay(0.5)).state_dict()
    assert state["_scale_fn_custom"] == {"rate": 0.5}
    decay = _Decay(0.1)
    sched = CyclicLR(opt, 0.01, 0.1, scale_fn=decay)
    sched.load_state_dict(state)
    assert decay.rate == 0.5 and sched._scale_fn_custom is decay
    assert CyclicLR(opt, 0.01, 0.1, scale_fn=lambda x: 1.0).state_dict()["_scale_fn_custom"] is None


# -- bad arguments -----------------------------------------------------------------------------
def _opt():
    return mt.optim.SGD([mt.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)


def _two_optimizers_sequence():
    opt, other = _opt(), _opt()
    return SequentialLR(opt, [ConstantLR(opt), ConstantLR(other)], milestones=[3])


@pytest.mark.parametrize("make, error, message", [
    (lambda: ConstantLR(_opt(), factor=1.5), ValueError, "between 0 and 1, got factor=1.5"),
    (lambda: CosineAnnealingWarmRestarts(_opt(), T_0=0), ValueError,
     "Expected positive integer T_0, but got 0"),
    (lambda: CosineAnnealingWarmRestarts(_opt(), T_0=2.5), ValueError,
     "Expected positive integer T_0, but got 2.5"),
    (lambda: CosineAnnealingWarmRestarts(_opt(), T_0=5, T_mult=0), ValueError,
     "Expected integer T_mult >= 1, but got 0"),
    (lambda: CosineAnnealingWarmRestarts(_opt(), T_0=5, eta_min="0"), ValueError,
     "Expected float or int eta_min, but got 0 of type str"),
    (lambda: CosineAnnealingWarmRestarts(_opt(), T_0=5).step(-1), ValueError,
     "Expected non-negative epoch, but got -1"),
    (lambda: CyclicLR(_opt(), 0.01, 0.1, mode="sawtooth"), ValueError,
     "mode is invalid and scale_fn is None: got mode='sawtooth'"),
    (lambda: CyclicLR(_opt(), 0.01, 0.1, scale_fn=abs, scale_mode="epoch"), ValueError,
     "scale_mode must be 'cycle' or 'iterations', got 'epoch'"),
    (lambda: CyclicLR(_opt(), 0.01, 0.1, step_size_up=0), ValueError,
     "step_size_up must be positive, got 0"),
    (lambda: CyclicLR(_opt(), [0.01, 0.02], 0.1), ValueError,
     "base_lr must have one value per param group: got 2 values for 1 param groups"),
    (lambda: CyclicLR(mt.optim.Adagrad([mt.zeros(1, requires_grad=True)]), 0.01, 0.1),
     ValueError, "Adagrad has neither"),
    (lambda: CyclicLR("sgd", 0.01, 0.1), TypeError, "str is not an Optimizer"),
    (lambda: SequentialLR(_opt(), [], milestones=[]), ValueError,
     "expects at least one scheduler"),
    (lambda: SequentialLR(_opt(), ["warmup"], milestones=[]), TypeError,
     "SequentialLR at index 0 should have `optimizer` as its attribute"),
    (lambda: _two_optimizers_sequence(), ValueError,
     "same optimizer, but got scheduler ConstantLR at index 1"),
    (lambda: (lambda o: SequentialLR(o, [ConstantLR(o), ConstantLR(o)], milestones=[2, 4]))(
        _opt()), ValueError, "number of schedulers 2 and the number of milestones to be equal "
     "to 2"),
    (lambda: (lambda o: SequentialLR(o, [ConstantLR(o)] * 3, milestones=[5, 2]))(_opt()),
     ValueError, r"milestones must be in increasing order, got \[5, 2\]"),
    (lambda: (lambda o: ChainedScheduler([mt_sched.ReduceLROnPlateau(o)]))(_opt()), ValueError,
     "does not support `ReduceLROnPlateau` scheduler.*at index 0"),
    (lambda: ChainedScheduler([]), ValueError, "expects at least one scheduler to be chained"),
])
def test_bad_scheduler_arguments_raise_naming_the_value(make, error, message):
    with pytest.raises(error, match=message):
        make()
