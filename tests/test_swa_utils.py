"""Weight averaging (``optim.swa_utils``): ``AveragedModel`` with SWA and EMA averages,
``update_bn`` and ``SWALR``, against ``torch.optim.swa_utils``."""

import numpy as np
import pytest
from torch_reference import requires_torch, torch

import microtorch_core as mt
from microtorch_core import nn
from microtorch_core.optim import swa_utils

RNG = np.random.default_rng(5)


def _model():
    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2)).double()


def _torch_twin(model):
    ref = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4),
                              torch.nn.Linear(4, 2)).double()
    ref.load_state_dict({k: torch.tensor(v.numpy()) for k, v in model.state_dict().items()})
    return ref


def _train_steps(model, ref, averaged, ref_averaged, steps=4):
    """Move both models' weights by the same random amounts and run a batch (which moves the
    BatchNorm statistics), then fold them into the averages."""
    rng = np.random.default_rng(5)
    for _ in range(steps):
        x = rng.standard_normal((6, 3))
        model(mt.tensor(x))
        ref(torch.tensor(x))
        with mt.no_grad(), torch.no_grad():
            for p, q in zip(model.parameters(), ref.parameters()):
                step = rng.standard_normal(p.shape)
                p.add_(mt.tensor(step))
                q.add_(torch.tensor(step))
        averaged.update_parameters(model)
        ref_averaged.update_parameters(ref)


def _assert_same_state(ours, theirs, tol=1e-12):
    ours, theirs = ours.state_dict(), theirs.state_dict()
    assert list(ours) == list(theirs)
    for key in ours:
        np.testing.assert_allclose(ours[key].numpy(), theirs[key].numpy(), rtol=tol, atol=tol,
                                   err_msg=key)


# PyTorch's get_swa_multi_avg_fn computes its weight 1 / (n + 1) from the int64 tensor
# n_averaged, which gives a float32 tensor: the float64 average is off by ~1e-8 there.
# MicroTorch uses the exact weight; the two agree to float32 precision.
TOL = {"swa multi_avg_fn": 1e-7}


AVERAGES = {
    "swa default": ({}, {}),
    "swa avg_fn": ({"avg_fn": swa_utils.get_swa_avg_fn()}, {"avg_fn": "get_swa_avg_fn"}),
    "swa multi_avg_fn": ({"multi_avg_fn": swa_utils.get_swa_multi_avg_fn()},
                         {"multi_avg_fn": "get_swa_multi_avg_fn"}),
    "ema avg_fn": ({"avg_fn": swa_utils.get_ema_avg_fn(0.9)}, {"avg_fn": ("get_ema_avg_fn",)}),
    "ema multi_avg_fn": ({"multi_avg_fn": swa_utils.get_ema_multi_avg_fn(0.9)},
                         {"multi_avg_fn": ("get_ema_multi_avg_fn",)}),
}


def _torch_kwargs(spec):
    out = {}
    for key, name in spec.items():
        if isinstance(name, tuple):  # an EMA: decay 0.9
            out[key] = getattr(torch.optim.swa_utils, name[0])(0.9)
        else:
            out[key] = getattr(torch.optim.swa_utils, name)()
    return out


@requires_torch
@pytest.mark.parametrize("average", list(AVERAGES))
def test_averaged_model_parameters_and_buffers_match_torch(average):
    ours_kwargs, torch_spec = AVERAGES[average]
    model = _model()
    ref = _torch_twin(model)
    averaged = swa_utils.AveragedModel(model, **ours_kwargs)
    ref_averaged = torch.optim.swa_utils.AveragedModel(ref, **_torch_kwargs(torch_spec))
    _train_steps(model, ref, averaged, ref_averaged)
    _assert_same_state(averaged, ref_averaged, TOL.get(average, 1e-12))


@requires_torch
@pytest.mark.parametrize("average", ["swa default", "ema multi_avg_fn"])
def test_averaged_model_with_use_buffers_averages_the_buffers_as_torch(average):
    ours_kwargs, torch_spec = AVERAGES[average]
    model = _model()
    ref = _torch_twin(model)
    averaged = swa_utils.AveragedModel(model, use_buffers=True, **ours_kwargs)
    ref_averaged = torch.optim.swa_utils.AveragedModel(ref, use_buffers=True,
                                                       **_torch_kwargs(torch_spec))
    _train_steps(model, ref, averaged, ref_averaged)
    _assert_same_state(averaged, ref_averaged)


def test_swa_average_is_the_mean_of_the_weights_passed():
    model = nn.Linear(2, 2).double()
    averaged = swa_utils.AveragedModel(model)
    seen = []
    for _ in range(5):
        with mt.no_grad():
            model.weight.copy_(mt.tensor(RNG.standard_normal((2, 2))))
        seen.append(model.weight.detach().numpy().copy())
        averaged.update_parameters(model)
    np.testing.assert_allclose(averaged.module.weight.detach().numpy(), np.mean(seen, axis=0),
                               rtol=1e-12)
    assert averaged.n_averaged.item() == 5


def test_averaged_model_is_a_copy_that_runs_its_own_weights():
    model = nn.Linear(2, 1)
    averaged = swa_utils.AveragedModel(model)
    assert averaged.module.weight is not model.weight
    with mt.no_grad():
        model.weight.fill_(0.0)
    x = mt.ones(1, 2)
    assert averaged(x).item() != model(x).item()


def test_averaged_model_state_dict_has_n_averaged_and_the_module_keys():
    averaged = swa_utils.AveragedModel(nn.Linear(2, 1))
    assert list(averaged.state_dict()) == ["n_averaged", "module.weight", "module.bias"]


def test_averaged_model_rejects_both_averaging_functions():
    with pytest.raises(AssertionError, match="Only one of avg_fn and multi_avg_fn"):
        swa_utils.AveragedModel(nn.Linear(2, 1), avg_fn=swa_utils.get_swa_avg_fn(),
                                multi_avg_fn=swa_utils.get_swa_multi_avg_fn())


def test_update_parameters_rejects_a_model_of_another_structure():
    averaged = swa_utils.AveragedModel(nn.Linear(2, 1))
    with pytest.raises(ValueError, match="the model has 4 tensors to average, the averaged "
                                         "copy 2"):
        averaged.update_parameters(nn.Sequential(nn.Linear(2, 1), nn.Linear(1, 1)))


def test_ema_decay_outside_the_unit_interval_is_rejected():
    with pytest.raises(ValueError, match="Invalid decay value 1.5"):
        swa_utils.get_ema_multi_avg_fn(1.5)


@requires_torch
def test_update_bn_recomputes_batchnorm_statistics_as_torch():
    model = _model()
    ref = _torch_twin(model)
    batches = [RNG.standard_normal((5, 3)) for _ in range(3)]
    model.eval()
    ref.eval()
    swa_utils.update_bn([(mt.tensor(b), 0) for b in batches], model)
    torch.optim.swa_utils.update_bn([(torch.tensor(b), 0) for b in batches], ref)
    assert not model.training and model[1].momentum == 0.1
    for key in ("1.running_mean", "1.running_var", "1.num_batches_tracked"):
        np.testing.assert_allclose(model.state_dict()[key].numpy(),
                                   ref.state_dict()[key].numpy(), rtol=1e-12, err_msg=key)


def _swalr_lrs(lib, sched_cls, steps=12, **kwargs):
    p = lib.zeros(2, requires_grad=True)
    opt = lib.optim.SGD([p], lr=0.5)
    sched = sched_cls(opt, **kwargs)
    lrs = [opt.param_groups[0]["lr"]]
    for _ in range(steps):
        opt.step()
        sched.step()
        lrs.append(opt.param_groups[0]["lr"])
    return lrs


@requires_torch
@pytest.mark.parametrize("anneal_strategy", ["cos", "linear"])
@pytest.mark.parametrize("anneal_epochs", [0, 1, 5])
def test_swalr_learning_rates_match_torch(anneal_strategy, anneal_epochs):
    kwargs = dict(swa_lr=0.05, anneal_epochs=anneal_epochs, anneal_strategy=anneal_strategy)
    ours = _swalr_lrs(mt, swa_utils.SWALR, **kwargs)
    theirs = _swalr_lrs(torch, torch.optim.swa_utils.SWALR, **kwargs)
    np.testing.assert_allclose(ours, theirs, rtol=1e-15)


@requires_torch
def test_swalr_after_another_schedule_continues_from_its_rate_as_torch():
    def lrs(lib, swa_cls):
        p = lib.zeros(2, requires_grad=True)
        opt = lib.optim.SGD([p], lr=1.0)
        decay = lib.optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
        out = []
        for epoch in range(8):
            opt.step()
            if epoch == 3:
                swa = swa_cls(opt, swa_lr=[0.2], anneal_epochs=3)
            if epoch >= 3:
                swa.step()
            else:
                decay.step()
            out.append(opt.param_groups[0]["lr"])
        return out

    np.testing.assert_allclose(lrs(mt, swa_utils.SWALR),
                               lrs(torch, torch.optim.swa_utils.SWALR), rtol=1e-15)


def test_swalr_rejects_an_unknown_anneal_strategy():
    opt = mt.optim.SGD([mt.zeros(1, requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match="instead got 'exp'"):
        swa_utils.SWALR(opt, swa_lr=0.05, anneal_strategy="exp")


def test_swalr_rejects_negative_anneal_epochs():
    opt = mt.optim.SGD([mt.zeros(1, requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match="equal or greater than 0, got -1"):
        swa_utils.SWALR(opt, swa_lr=0.05, anneal_epochs=-1)


def test_swalr_rejects_a_swa_lr_list_of_the_wrong_length():
    opt = mt.optim.SGD([mt.zeros(1, requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match="got 2 values for 1 param groups"):
        swa_utils.SWALR(opt, swa_lr=[0.05, 0.01])
