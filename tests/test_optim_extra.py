"""Adamax, NAdam, RAdam, Adadelta, ASGD, Rprop and LBFGS (and Adam's amsgrad): PyTorch's
trajectories step by step in float64 when it is installed, and hand-worked behaviour otherwise."""

import contextlib
import io
import math

import numpy as np
import pytest
from torch_reference import requires_torch, torch

import microtorch_core as mt

RNG = np.random.default_rng(2)
W0 = RNG.standard_normal((4, 3))
B0 = RNG.standard_normal(3)
X = RNG.standard_normal((8, 4))

OPTIMIZERS = ["Adamax", "NAdam", "RAdam", "Adadelta", "ASGD", "Rprop"]


@contextlib.contextmanager
def _float64_scalars(lib):
    """PyTorch keeps scalar state (``step``, NAdam's ``mu_product``, ASGD's ``eta``) in 0-d
    tensors of the default dtype; float32 would round them, so compare with float64."""
    if lib is not torch:
        yield
        return
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        yield
    finally:
        torch.set_default_dtype(old)


def _loss(lib, w, b):
    """A smooth, non-quadratic loss so every step sees a different gradient."""
    return (lib.tanh(lib.tensor(X) @ w + b) ** 2).sum() + (w * w).sum() * 0.01


def _params(lib):
    return lib.tensor(W0, requires_grad=True), lib.tensor(B0, requires_grad=True)


def _steps(lib, w, b, opt, n):
    """``n`` steps; the flattened parameters after each."""
    out = []
    for _ in range(n):
        opt.zero_grad()
        _loss(lib, w, b).backward()
        opt.step()
        out.append(np.concatenate([w.detach().numpy().ravel(), b.detach().numpy().ravel()]))
    return np.array(out)


def _trajectory(lib, opt_name, kwargs, steps=25, groups=False):
    with _float64_scalars(lib):
        w, b = _params(lib)
        params = [{"params": [w]}, {"params": [b], "lr": 0.003}] if groups else [w, b]
        opt = getattr(lib.optim, opt_name)(params, **kwargs)
        return _steps(lib, w, b, opt, steps)


# -- against PyTorch ---------------------------------------------------------------------------
CONFIGS = [
    ("Adamax", dict()),
    ("Adamax", dict(lr=0.05, betas=(0.8, 0.99), eps=1e-4)),
    ("Adamax", dict(lr=0.05, weight_decay=0.1)),
    ("Adamax", dict(lr=0.05, maximize=True)),
    ("NAdam", dict()),
    ("NAdam", dict(lr=0.05, betas=(0.8, 0.99), eps=1e-6, momentum_decay=0.01)),
    ("NAdam", dict(lr=0.05, weight_decay=0.1)),
    ("NAdam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True)),
    ("NAdam", dict(lr=0.05, maximize=True)),
    ("RAdam", dict()),  # rho_t passes 5 at step 6: both branches of the update
    ("RAdam", dict(lr=0.05, betas=(0.8, 0.9), eps=1e-6)),
    ("RAdam", dict(lr=0.05, weight_decay=0.1)),
    ("RAdam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", dict(lr=0.05, maximize=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, eps=1e-4)),
    ("Adadelta", dict(weight_decay=0.1)),
    ("Adadelta", dict(maximize=True)),
    ("ASGD", dict()),
    ("ASGD", dict(lr=0.05, lambd=0.01, alpha=0.5, t0=5)),
    ("ASGD", dict(lr=0.05, weight_decay=0.1)),
    ("ASGD", dict(lr=0.05, maximize=True)),
    ("Rprop", dict()),
    ("Rprop", dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.08))),
    ("Rprop", dict(maximize=True)),
    ("Adam", dict(lr=0.05, amsgrad=True)),
    ("AdamW", dict(lr=0.05, weight_decay=0.3, amsgrad=True, maximize=True)),
]


def _config_id(config):
    name, kwargs = config
    return "-".join([name] + [f"{k}={v}" for k, v in kwargs.items()])


@requires_torch
@pytest.mark.parametrize("opt_name, kwargs", CONFIGS, ids=[_config_id(c) for c in CONFIGS])
def test_every_step_matches_torch_in_float64(opt_name, kwargs):
    np.testing.assert_allclose(_trajectory(mt, opt_name, kwargs),
                               _trajectory(torch, opt_name, kwargs), rtol=1e-10, atol=1e-12)


@requires_torch
@pytest.mark.parametrize("opt_name", OPTIMIZERS)
def test_param_groups_with_their_own_lr_match_torch(opt_name):
    np.testing.assert_allclose(_trajectory(mt, opt_name, {}, steps=10, groups=True),
                               _trajectory(torch, opt_name, {}, steps=10, groups=True),
                               rtol=1e-10, atol=1e-12)


@requires_torch
def test_asgd_average_of_the_iterates_matches_torch():
    def average(lib):
        with _float64_scalars(lib):
            w, b = _params(lib)
            opt = lib.optim.ASGD([w, b], lr=0.05, t0=3)
            _steps(lib, w, b, opt, 12)
            return opt.state_dict()["state"][0]["ax"].numpy()

    np.testing.assert_allclose(average(mt), average(torch), rtol=1e-10, atol=1e-12)


@requires_torch
@pytest.mark.parametrize("opt_name", OPTIMIZERS)
def test_state_has_torchs_keys(opt_name):
    def keys(lib):
        w, b = _params(lib)
        opt = getattr(lib.optim, opt_name)([w, b])
        _steps(lib, w, b, opt, 1)
        return sorted(opt.state_dict()["state"][0])

    assert keys(mt) == keys(torch)


@requires_torch
@pytest.mark.parametrize("opt_name", OPTIMIZERS)
def test_defaults_are_torchs(opt_name):
    ours = getattr(mt.optim, opt_name)([mt.zeros(1, requires_grad=True)]).defaults
    theirs = getattr(torch.optim, opt_name)([torch.zeros(1, requires_grad=True)]).defaults
    assert ours == {key: theirs[key] for key in ours}


# -- without PyTorch ---------------------------------------------------------------------------
QUADRATIC_LR = {"Adamax": 0.1, "NAdam": 0.1, "RAdam": 0.1, "Adadelta": 10.0, "ASGD": 0.1,
                "Rprop": 0.1}


@pytest.mark.parametrize("opt_name", OPTIMIZERS)
def test_minimizes_a_quadratic(opt_name):
    target = mt.tensor([1.0, -2.0, 0.5])
    scale = mt.tensor([1.0, 3.0, 0.3])
    w = mt.zeros(3, dtype=mt.float64, requires_grad=True)

    def loss():
        return (scale * (w - target) ** 2).sum()

    opt = getattr(mt.optim, opt_name)([w], lr=QUADRATIC_LR[opt_name])
    start = loss().item()
    for _ in range(100):
        opt.zero_grad()
        loss().backward()
        opt.step()
    assert loss().item() < 0.01 * start


@pytest.mark.parametrize("opt_name", OPTIMIZERS)
def test_maximize_climbs_the_negated_quadratic_the_same_way(opt_name):
    def run(sign, maximize):
        w = mt.tensor([0.5, -1.0], dtype=mt.float64, requires_grad=True)
        opt = getattr(mt.optim, opt_name)([w], maximize=maximize)
        for _ in range(5):
            opt.zero_grad()
            (sign * ((w - 2.0) ** 2).sum()).backward()
            opt.step()
        return w.detach().numpy()

    np.testing.assert_array_equal(run(-1.0, maximize=True), run(1.0, maximize=False))


@pytest.mark.parametrize("opt_name", ["Adamax", "Rprop"])
def test_first_step_moves_each_weight_by_lr_against_the_gradient_sign(opt_name):
    # Adamax: bias correction makes m = g and u = |g| + eps; Rprop: the step size starts at lr
    w = mt.tensor([1.0, -2.0, 3.0], dtype=mt.float64, requires_grad=True)
    opt = getattr(mt.optim, opt_name)([w], lr=0.1)
    (w * mt.tensor([2.0, -5.0, 0.5])).sum().backward()
    opt.step()
    np.testing.assert_allclose(w.detach().numpy(), [0.9, -1.9, 2.9], rtol=1e-7)


def test_radam_takes_plain_sgd_steps_while_the_variance_estimate_is_short():
    # rho_t = 1 at step 1 (not > 5): p -= lr * m / (1 - beta1) = lr * g
    w = mt.tensor([1.0, -2.0], dtype=mt.float64, requires_grad=True)
    opt = mt.optim.RAdam([w], lr=0.1)
    (w * mt.tensor([2.0, -5.0])).sum().backward()
    opt.step()
    np.testing.assert_allclose(w.detach().numpy(), [0.8, -1.5], rtol=1e-12)


def test_adadelta_first_step_is_sqrt_eps_over_rms_of_the_gradient():
    w = mt.tensor([1.0, -2.0], dtype=mt.float64, requires_grad=True)
    opt = mt.optim.Adadelta([w], lr=1.0, rho=0.9, eps=1e-6)
    g = np.array([2.0, -5.0])
    (w * mt.tensor(g)).sum().backward()
    opt.step()
    step = math.sqrt(1e-6) / np.sqrt(0.1 * g * g + 1e-6) * g
    np.testing.assert_allclose(w.detach().numpy(), [1.0, -2.0] - step, rtol=1e-12)


def test_rprop_grows_the_step_while_the_sign_holds_and_backs_off_when_it_flips():
    w = mt.tensor([0.0], dtype=mt.float64, requires_grad=True)
    opt = mt.optim.Rprop([w], lr=0.1, etas=(0.5, 2.0))
    positions = []
    for _ in range(4):
        opt.zero_grad()
        ((w - 0.65) ** 2).sum().backward()
        opt.step()
        positions.append(w.item())
    # steps 0.1, 0.2, 0.4 (overshoots 0.65), then the sign flips: the step size halves to 0.2
    # and that step is skipped
    np.testing.assert_allclose(positions, [0.1, 0.3, 0.7, 0.7], rtol=1e-12)
    assert opt.state[w]["step_size"].item() == pytest.approx(0.2)


def test_rprop_keeps_step_sizes_within_step_sizes():
    w = mt.tensor([0.0], dtype=mt.float64, requires_grad=True)
    opt = mt.optim.Rprop([w], lr=0.1, step_sizes=(1e-3, 0.15))
    for _ in range(5):
        opt.zero_grad()
        (-w).sum().backward()  # constant gradient: the step size would grow 1.2x each step
        opt.step()
    assert opt.state[w]["step_size"].item() == 0.15


def test_asgd_average_is_the_mean_of_the_iterates_after_t0():
    # mu is 1 / max(1, t - t0) after step t: ax follows p up to step t0 + 2, then averages
    w = mt.tensor([3.0, -1.0], dtype=mt.float64, requires_grad=True)
    opt = mt.optim.ASGD([w], lr=0.1, t0=3)
    iterates = []
    for _ in range(9):
        opt.zero_grad()
        (w ** 2).sum().backward()
        opt.step()
        iterates.append(w.detach().numpy().copy())
    np.testing.assert_allclose(opt.state[w]["ax"].numpy(), np.mean(iterates[4:], axis=0),
                               rtol=1e-12)


def test_asgd_step_size_decays_as_lr_over_one_plus_lambd_lr_t_to_the_alpha():
    w = mt.tensor([1.0], dtype=mt.float64, requires_grad=True)
    opt = mt.optim.ASGD([w], lr=0.5, lambd=0.2, alpha=0.5)
    for _ in range(3):
        opt.zero_grad()
        w.sum().backward()
        opt.step()
    assert opt.state[w]["eta"] == pytest.approx(0.5 / (1 + 0.2 * 0.5 * 3) ** 0.5, rel=1e-12)


def test_nadam_mu_product_is_the_product_of_the_momentum_schedule():
    w = mt.tensor([1.0], dtype=mt.float64, requires_grad=True)
    opt = mt.optim.NAdam([w], momentum_decay=0.1)
    for _ in range(4):
        opt.zero_grad()
        w.sum().backward()
        opt.step()
    mus = [0.9 * (1 - 0.5 * 0.96 ** (t * 0.1)) for t in range(1, 5)]
    assert opt.state[w]["mu_product"] == pytest.approx(math.prod(mus), rel=1e-12)


@pytest.mark.parametrize("opt_name", ["NAdam", "RAdam"])
def test_decoupled_weight_decay_shrinks_weights_even_with_zero_gradient(opt_name):
    w = mt.tensor([1.0, -2.0], dtype=mt.float64, requires_grad=True)
    opt = getattr(mt.optim, opt_name)([w], lr=0.1, weight_decay=0.5,
                                      decoupled_weight_decay=True)
    (w * 0).sum().backward()
    opt.step()
    np.testing.assert_allclose(w.detach().numpy(), [0.95, -1.9], rtol=1e-12)


@pytest.mark.parametrize("opt_name", OPTIMIZERS)
def test_parameters_without_a_gradient_are_left_alone(opt_name):
    w, b = mt.ones(2, requires_grad=True), mt.ones(2, requires_grad=True)
    opt = getattr(mt.optim, opt_name)([w, b])
    w.sum().backward()
    opt.step()
    assert b not in opt.state
    np.testing.assert_array_equal(b.detach().numpy(), [1.0, 1.0])


ROUND_TRIP = [
    ("Adamax", dict(lr=0.05, weight_decay=0.01)),
    ("NAdam", dict(lr=0.05, weight_decay=0.01, decoupled_weight_decay=True)),
    ("RAdam", dict(lr=0.05)),
    ("Adadelta", dict(rho=0.8)),
    ("ASGD", dict(lr=0.05, t0=2)),
    ("Rprop", dict(lr=0.05)),
]


@pytest.mark.parametrize("opt_name, kwargs", ROUND_TRIP, ids=[c[0] for c in ROUND_TRIP])
def test_state_dict_round_trip_through_save_continues_the_same_trajectory(opt_name, kwargs):
    make_opt = getattr(mt.optim, opt_name)
    w, b = _params(mt)
    expected = _steps(mt, w, b, make_opt([w, b], **kwargs), 10)[-1]

    w2, b2 = _params(mt)
    opt2 = make_opt([w2, b2], **kwargs)
    _steps(mt, w2, b2, opt2, 5)
    buf = io.BytesIO()
    mt.save({"w": w2, "b": b2, "opt": opt2.state_dict()}, buf)
    buf.seek(0)
    ck = mt.load(buf)
    w3, b3 = _params(mt)
    opt3 = make_opt([w3, b3], lr=0.5)  # the loaded hyper-parameters replace these
    with mt.no_grad():
        w3.copy_(ck["w"])
        b3.copy_(ck["b"])
    opt3.load_state_dict(ck["opt"])
    np.testing.assert_array_equal(_steps(mt, w3, b3, opt3, 5)[-1], expected)
    assert opt3.state[w3]["step"] == 10


@pytest.mark.parametrize("opt_name, kwargs, message", [
    ("Adamax", dict(lr=-1), "Invalid learning rate: -1"),
    ("Adamax", dict(lr=float("nan")), "Invalid learning rate: nan"),
    ("Adamax", dict(eps=-1e-8), "Invalid epsilon value: -1e-08"),
    ("Adamax", dict(betas=(1.0, 0.999)), "Invalid beta parameter at index 0: 1.0"),
    ("Adamax", dict(betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
    ("Adamax", dict(weight_decay=-1), "Invalid weight_decay value: -1"),
    ("NAdam", dict(lr=-1), "Invalid learning rate: -1"),
    ("NAdam", dict(eps=-1), "Invalid epsilon value: -1"),
    ("NAdam", dict(betas=(0.9, 1.5)), "Invalid beta parameter at index 1: 1.5"),
    ("NAdam", dict(weight_decay=-0.1), "Invalid weight_decay value: -0.1"),
    ("NAdam", dict(momentum_decay=-4e-3), "Invalid momentum_decay value: -0.004"),
    ("RAdam", dict(lr=-1), "Invalid learning rate: -1"),
    ("RAdam", dict(eps=-1), "Invalid epsilon value: -1"),
    ("RAdam", dict(betas=(-0.9, 0.999)), "Invalid beta parameter at index 0: -0.9"),
    ("RAdam", dict(weight_decay=-1), "Invalid weight_decay value: -1"),
    ("Adadelta", dict(lr=-1), "Invalid learning rate: -1"),
    ("Adadelta", dict(rho=1.1), "Invalid rho value: 1.1"),
    ("Adadelta", dict(eps=-1e-6), "Invalid epsilon value: -1e-06"),
    ("Adadelta", dict(weight_decay=-1), "Invalid weight_decay value: -1"),
    ("ASGD", dict(lr=-0.01), "Invalid learning rate: -0.01"),
    ("ASGD", dict(weight_decay=-1), "Invalid weight_decay value: -1"),
    ("Rprop", dict(lr=-0.01), "Invalid learning rate: -0.01"),
    ("Rprop", dict(etas=(1.5, 1.2)), "Invalid eta values: 1.5, 1.2"),
    ("Rprop", dict(etas=(0.5, 0.9)), "Invalid eta values: 0.5, 0.9"),
])
def test_invalid_hyperparameters_raise_naming_the_value(opt_name, kwargs, message):
    with pytest.raises(ValueError, match=message):
        getattr(mt.optim, opt_name)([mt.zeros(1, requires_grad=True)], **kwargs)


# -- LBFGS -------------------------------------------------------------------------------------
def _lbfgs_problem(lib, **kwargs):
    """Parameters, an LBFGS over them and its closure: a curved valley (Rosenbrock's) plus a
    least-squares term, so the line search and the history both have work to do."""
    w = lib.tensor(np.array([-1.2, 1.0, 0.5]), requires_grad=True)
    b = lib.tensor(np.array([0.3]), requires_grad=True)
    opt = lib.optim.LBFGS([w, b], **kwargs)

    def closure():
        opt.zero_grad()
        residual = lib.tensor(X[:, :3]) @ w + b
        loss = (lib.tanh(residual) ** 2).sum() + (1 - w[0]) ** 2 + 10 * (w[1] - w[0] ** 2) ** 2
        loss.backward()
        return loss

    return w, b, opt, closure


def _lbfgs_trajectory(lib, kwargs, steps=3):
    """The parameters and the loss ``step`` returned after each step, then the evaluation and
    iteration counts."""
    with _float64_scalars(lib):
        w, b, opt, closure = _lbfgs_problem(lib, **kwargs)
        out = []
        for _ in range(steps):
            loss = opt.step(closure)
            out.append([*w.detach().numpy(), *b.detach().numpy(), loss.item()])
        state = opt.state[w]
        return np.array(out), (state["func_evals"], state["n_iter"])


LBFGS_CONFIGS = [
    dict(),
    dict(lr=0.1, max_iter=7),
    dict(history_size=2, max_iter=10),
    dict(line_search_fn="strong_wolfe"),
    dict(line_search_fn="strong_wolfe", history_size=2, max_iter=7, max_eval=9),
]


@requires_torch
@pytest.mark.parametrize("kwargs", LBFGS_CONFIGS,
                         ids=["-".join(f"{k}={v}" for k, v in c.items()) or "defaults"
                              for c in LBFGS_CONFIGS])
def test_lbfgs_every_step_and_evaluation_count_match_torch(kwargs):
    ours, our_counts = _lbfgs_trajectory(mt, kwargs)
    theirs, their_counts = _lbfgs_trajectory(torch, kwargs)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-11)
    assert our_counts == their_counts


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_lbfgs_solves_a_quadratic_in_one_step(line_search_fn):
    target = mt.tensor([1.0, -2.0, 0.5], dtype=mt.float64)
    scale = mt.tensor([1.0, 30.0, 0.3], dtype=mt.float64)
    w = mt.zeros(3, dtype=mt.float64, requires_grad=True)
    opt = mt.optim.LBFGS([w], line_search_fn=line_search_fn, tolerance_grad=1e-12,
                         tolerance_change=1e-15)

    def closure():
        opt.zero_grad()
        loss = (scale * (w - target) ** 2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    np.testing.assert_allclose(w.detach().numpy(), target.numpy(), atol=1e-9)


def test_lbfgs_step_returns_the_loss_of_its_first_evaluation():
    w, _, opt, closure = _lbfgs_problem(mt)
    first = closure().item()
    assert opt.step(closure).item() == first
    assert closure().item() < first


def test_lbfgs_stops_at_once_when_the_gradient_is_below_tolerance_grad():
    w = mt.tensor([2.0], dtype=mt.float64, requires_grad=True)
    opt = mt.optim.LBFGS([w], tolerance_grad=1e-3)

    def closure():
        opt.zero_grad()
        loss = ((w - 2.0001) ** 2).sum()  # gradient 2e-4
        loss.backward()
        return loss

    opt.step(closure)
    assert w.item() == 2.0 and opt.state[w]["func_evals"] == 1


def test_lbfgs_keeps_at_most_history_size_pairs():
    w, _, opt, closure = _lbfgs_problem(mt, history_size=3)
    opt.step(closure)
    assert opt.state[w]["n_iter"] > 3
    assert len(opt.state[w]["old_dirs"]) == len(opt.state[w]["old_stps"]) == 3


def test_lbfgs_state_dict_round_trip_through_save_continues_the_same_trajectory():
    kwargs = dict(history_size=4, max_iter=5, line_search_fn="strong_wolfe")
    w, b, opt, closure = _lbfgs_problem(mt, **kwargs)
    for _ in range(4):
        opt.step(closure)

    w2, b2, opt2, closure2 = _lbfgs_problem(mt, **kwargs)
    for _ in range(2):
        opt2.step(closure2)
    buf = io.BytesIO()
    mt.save({"w": w2, "b": b2, "opt": opt2.state_dict()}, buf)
    buf.seek(0)
    ck = mt.load(buf)
    w3, b3, opt3, closure3 = _lbfgs_problem(mt)
    with mt.no_grad():
        w3.copy_(ck["w"])
        b3.copy_(ck["b"])
    opt3.load_state_dict(ck["opt"])
    for _ in range(2):
        opt3.step(closure3)
    np.testing.assert_array_equal(w3.detach().numpy(), w.detach().numpy())
    assert opt3.state[w3]["n_iter"] == opt.state[w]["n_iter"]


@pytest.mark.parametrize("make, message", [
    (lambda w: mt.optim.LBFGS([w], lr=-1), "Invalid learning rate: -1"),
    (lambda w: mt.optim.LBFGS([w], line_search_fn="backtracking"),
     "only 'strong_wolfe' is supported as line_search_fn.*got 'backtracking'"),
    (lambda w: mt.optim.LBFGS([{"params": [w]}, {"params": [mt.zeros(1, requires_grad=True)]}]),
     r"doesn't support per-parameter options \(parameter groups\): got 2 groups"),
])
def test_lbfgs_bad_arguments_raise_naming_the_value(make, message):
    with pytest.raises(ValueError, match=message):
        make(mt.zeros(1, requires_grad=True))
