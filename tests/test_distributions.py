"""microtorch_core.distributions: densities, moments, cdf/icdf and their gradients against
PyTorch (same float64 parameters) and SciPy; argument validation; expand and Independent.
Sampling is in test_distributions_sampling.py, KL divergences in test_distributions_kl.py."""

import math

import numpy as np
import pytest
import scipy.stats as st
from distribution_cases import (
    CASES,
    class_name,
    make,
    make_torch,
    scipy_log_prob,
    value_dtype,
    values,
)
from torch_reference import requires_torch, torch

import microtorch_core as mt
from microtorch_core.distributions import (
    Bernoulli,
    Categorical,
    Distribution,
    Independent,
    MixtureSameFamily,
    Normal,
    Uniform,
)

D = mt.distributions
MOMENTS = ("mean", "variance", "stddev", "mode")
CONTINUOUS_1D = ("Normal", "Uniform", "Exponential", "Laplace", "LogNormal")
WITH_CDF = CONTINUOUS_1D + ("Gamma",)
# SciPy's frozen distributions for cdf/icdf, from the case's parameters
SCIPY_CDF = {
    "Normal": lambda p: st.norm(p["loc"], p["scale"]),
    "Uniform": lambda p: st.uniform(p["low"], p["high"] - p["low"]),
    "Exponential": lambda p: st.expon(scale=1 / p["rate"]),
    "Laplace": lambda p: st.laplace(p["loc"], p["scale"]),
    "LogNormal": lambda p: st.lognorm(s=p["scale"], scale=np.exp(p["loc"])),
    "Gamma": lambda p: st.gamma(p["concentration"], scale=1 / p["rate"]),
}


def as_numpy(t):
    return t.detach().numpy()


def mt_value(case):
    return mt.tensor(values(case))


def torch_value(case):
    return torch.tensor(values(case))


# -- values against PyTorch and SciPy --------------------------------------------------------
@pytest.mark.parametrize("case", CASES)
def test_log_prob_matches_scipy(case):
    dist, _ = make(case)
    np.testing.assert_allclose(as_numpy(dist.log_prob(mt_value(case))),
                               scipy_log_prob(case, values(case)), rtol=1e-10, atol=1e-12)


@requires_torch
@pytest.mark.parametrize("case", CASES)
def test_log_prob_matches_torch(case):
    ours, theirs = make(case)[0], make_torch(case)[0]
    np.testing.assert_allclose(as_numpy(ours.log_prob(mt_value(case))),
                               theirs.log_prob(torch_value(case)).numpy(), rtol=1e-10,
                               atol=1e-12)


@requires_torch
@pytest.mark.parametrize("case", CASES)
def test_log_prob_gradients_match_torch(case):
    ours, our_params = make(case, requires_grad=True)
    theirs, their_params = make_torch(case, requires_grad=True)
    ours.log_prob(mt_value(case)).sum().backward()
    theirs.log_prob(torch_value(case)).sum().backward()
    for name, p in our_params.items():
        if p.requires_grad:
            np.testing.assert_allclose(as_numpy(p.grad), their_params[name].grad.numpy(),
                                       rtol=1e-8, atol=1e-10, err_msg=name)


@pytest.mark.parametrize("case", ["Gamma", "Beta", "Poisson", "Binomial", "Dirichlet",
                                  "MultivariateNormal", "Laplace"])
def test_log_prob_gradients_match_finite_differences(case):
    names = [n for n in CASES[case][0] if n != "total_count"]
    _, params = make(case, requires_grad=True)
    fixed = {n: p for n, p in params.items() if n not in names}
    value = mt_value(case)

    def log_prob(*args):
        dist = getattr(D, class_name(case))(**dict(zip(names, args)), **fixed,
                                            validate_args=False)
        return dist.log_prob(value).sum()

    assert mt.autograd.gradcheck(log_prob, [params[n] for n in names], atol=1e-6)


@requires_torch
@pytest.mark.parametrize("case", CASES)
def test_entropy_matches_torch(case):
    ours, theirs = make(case)[0], make_torch(case)[0]
    try:
        expected = theirs.entropy().numpy()
    except NotImplementedError:
        pytest.skip(f"PyTorch's {class_name(case)} has no entropy")
    np.testing.assert_allclose(as_numpy(ours.entropy()), expected, rtol=1e-10, atol=1e-12)


@requires_torch
@pytest.mark.parametrize("case", ["Gamma", "Beta", "Dirichlet", "MultivariateNormal",
                                  "Bernoulli(logits)", "Categorical"])
def test_entropy_gradients_match_torch(case):
    ours, our_params = make(case, requires_grad=True)
    theirs, their_params = make_torch(case, requires_grad=True)
    ours.entropy().sum().backward()
    theirs.entropy().sum().backward()
    for name, p in our_params.items():
        if p.requires_grad and p.grad is not None:  # (MultivariateNormal's loc: no grad)
            # PyTorch's trigamma is good to about 1e-8 (compared with SciPy's polygamma)
            np.testing.assert_allclose(as_numpy(p.grad), their_params[name].grad.numpy(),
                                       rtol=1e-7, atol=1e-11, err_msg=name)


def test_entropy_matches_scipy():
    for case, frozen in [("Gamma", lambda p: st.gamma(p["concentration"],
                                                      scale=1 / p["rate"])),
                         ("Beta", lambda p: st.beta(p["concentration1"], p["concentration0"])),
                         ("Normal", lambda p: st.norm(p["loc"], p["scale"]))]:
        params = {k: np.asarray(v) for k, v in CASES[case][0].items()}
        np.testing.assert_allclose(as_numpy(make(case)[0].entropy()),
                                   frozen(params).entropy(), rtol=1e-10, err_msg=case)


@requires_torch
@pytest.mark.parametrize("moment", MOMENTS)
@pytest.mark.parametrize("case", CASES)
def test_moment_matches_torch(case, moment):
    ours, theirs = make(case)[0], make_torch(case)[0]
    try:
        expected = getattr(theirs, moment).numpy()
    except NotImplementedError:
        pytest.skip(f"PyTorch's {class_name(case)} has no {moment}")
    np.testing.assert_allclose(as_numpy(getattr(ours, moment)), expected, rtol=1e-10,
                               atol=1e-12)


@pytest.mark.parametrize("case", ["Normal", "Exponential", "Gamma", "Beta", "Poisson",
                                  "Binomial", "Geometric", "LogNormal", "Laplace"])
def test_mean_and_variance_match_scipy(case):
    p = {k: np.asarray(v) for k, v in CASES[case][0].items()}
    frozen = {
        "Normal": lambda: st.norm(p["loc"], p["scale"]),
        "Exponential": lambda: st.expon(scale=1 / p["rate"]),
        "Gamma": lambda: st.gamma(p["concentration"], scale=1 / p["rate"]),
        "Beta": lambda: st.beta(p["concentration1"], p["concentration0"]),
        "Poisson": lambda: st.poisson(p["rate"]),
        "Binomial": lambda: st.binom(p["total_count"], p["probs"]),
        "Geometric": lambda: st.geom(p["probs"], loc=-1),
        "LogNormal": lambda: st.lognorm(s=p["scale"], scale=np.exp(p["loc"])),
        "Laplace": lambda: st.laplace(p["loc"], p["scale"]),
    }[case]()
    dist = make(case)[0]
    np.testing.assert_allclose(as_numpy(dist.mean), frozen.mean(), rtol=1e-12)
    np.testing.assert_allclose(as_numpy(dist.variance), frozen.var(), rtol=1e-12)


@pytest.mark.parametrize("case", WITH_CDF)
def test_cdf_matches_scipy(case):
    params = {k: np.asarray(v) for k, v in CASES[case][0].items()}
    np.testing.assert_allclose(as_numpy(make(case)[0].cdf(mt_value(case))),
                               SCIPY_CDF[case](params).cdf(values(case)), rtol=1e-12,
                               atol=1e-15)


@pytest.mark.parametrize("case", CONTINUOUS_1D)
def test_icdf_matches_scipy_ppf(case):
    q = np.array([[0.001, 0.3, 0.5], [0.7, 0.95, 0.999]])
    params = {k: np.asarray(v) for k, v in CASES[case][0].items()}
    np.testing.assert_allclose(as_numpy(make(case)[0].icdf(mt.tensor(q))),
                               SCIPY_CDF[case](params).ppf(q), rtol=1e-12, atol=1e-14)


@requires_torch
@pytest.mark.parametrize("case", CONTINUOUS_1D)
def test_cdf_and_icdf_gradients_match_torch(case):
    ours, our_params = make(case, requires_grad=True)
    theirs, their_params = make_torch(case, requires_grad=True)
    q = np.array([[0.01, 0.3, 0.5], [0.7, 0.95, 0.99]])
    (ours.cdf(mt_value(case)).sum() + ours.icdf(mt.tensor(q)).sum()).backward()
    (theirs.cdf(torch_value(case)).sum() + theirs.icdf(torch.tensor(q)).sum()).backward()
    for name, p in our_params.items():
        np.testing.assert_allclose(as_numpy(p.grad), their_params[name].grad.numpy(),
                                   rtol=1e-8, err_msg=name)


def test_gamma_cdf_gradients_are_the_density_and_match_finite_differences():
    _, params = make("Gamma", requires_grad=True)
    value = mt.tensor(values("Gamma"), requires_grad=True)
    D.Gamma(**params).cdf(value).sum().backward()
    p = {k: as_numpy(v) for k, v in params.items()}
    density = st.gamma(p["concentration"], scale=1 / p["rate"]).pdf(values("Gamma"))
    np.testing.assert_allclose(as_numpy(value.grad), density, rtol=1e-10)
    assert mt.autograd.gradcheck(lambda a, r: D.Gamma(a, r).cdf(value.detach()).sum(),
                                 [params["concentration"], params["rate"]], atol=1e-7)


def test_normal_icdf_gradient_wrt_probability_is_the_inverse_density():
    p = mt.tensor([0.01, 0.5, 0.9], dtype=mt.float64, requires_grad=True)
    Normal(1.0, 2.0).icdf(p).sum().backward()
    x = st.norm(1.0, 2.0).ppf(as_numpy(p))
    np.testing.assert_allclose(as_numpy(p.grad), 1 / st.norm(1.0, 2.0).pdf(x), rtol=1e-12)


def test_enumerate_support_of_categorical_and_bernoulli():
    cat = Categorical(probs=mt.tensor([[0.5, 0.5, 0.0]] * 2))
    assert cat.enumerate_support().tolist() == [[0, 0], [1, 1], [2, 2]]
    assert cat.enumerate_support(expand=False).shape == (3, 1)
    assert Bernoulli(probs=mt.tensor([0.2, 0.7])).enumerate_support().tolist() == [
        [0.0, 0.0], [1.0, 1.0]]


@requires_torch
def test_binomial_entropy_sums_over_the_enumerated_support_as_torch():
    ours = D.Binomial(mt.tensor(6.0), probs=mt.tensor([0.1, 0.5, 0.93]))
    theirs = torch.distributions.Binomial(torch.tensor(6.0), torch.tensor([0.1, 0.5, 0.93]))
    np.testing.assert_allclose(as_numpy(ours.entropy()), theirs.entropy().numpy(), rtol=1e-6)


def test_categorical_probs_are_normalised_and_logits_log_normalised():
    d = Categorical(probs=mt.tensor([1.0, 3.0], dtype=mt.float64))
    np.testing.assert_allclose(as_numpy(d.probs), [0.25, 0.75])
    np.testing.assert_allclose(as_numpy(d.logits), np.log([0.25, 0.75]), rtol=1e-14)


def test_mixture_log_prob_mean_and_variance_match_the_mixture_formulas():
    weights, locs, scales = np.array([0.3, 0.7]), np.array([-1.0, 2.0]), np.array([0.5, 1.5])
    mix = MixtureSameFamily(Categorical(probs=mt.tensor(weights)),
                            Normal(mt.tensor(locs), mt.tensor(scales)))
    x = np.array([-1.0, 0.3, 2.5])
    density = (weights * st.norm(locs, scales).pdf(x[:, None])).sum(-1)
    np.testing.assert_allclose(as_numpy(mix.log_prob(mt.tensor(x))), np.log(density),
                               rtol=1e-12)
    mean = (weights * locs).sum()
    variance = (weights * (scales ** 2 + locs ** 2)).sum() - mean ** 2
    np.testing.assert_allclose(mix.mean.item(), mean, rtol=1e-12)
    np.testing.assert_allclose(mix.variance.item(), variance, rtol=1e-12)


@requires_torch
def test_mixture_of_multivariate_normals_log_prob_matches_torch():
    rng = np.random.default_rng(0)
    locs, logits = rng.standard_normal((2, 3, 2)), np.array([[0.1, 0.5, -1.0]] * 2)
    tril, value = np.array([[1.0, 0.0], [0.5, 2.0]]), rng.standard_normal((4, 2, 2))

    def mixture(lib):
        return lib.distributions.MixtureSameFamily(
            lib.distributions.Categorical(logits=lib.tensor(logits)),
            lib.distributions.MultivariateNormal(lib.tensor(locs), scale_tril=lib.tensor(tril)))

    np.testing.assert_allclose(as_numpy(mixture(mt).log_prob(mt.tensor(value))),
                               mixture(torch).log_prob(torch.tensor(value)).numpy(), rtol=1e-10)


@requires_torch
def test_multivariate_normal_derived_matrices_match_torch():
    ours = make("MultivariateNormal(covariance)")[0]
    theirs = make_torch("MultivariateNormal(covariance)")[0]
    for name in ("scale_tril", "covariance_matrix", "precision_matrix"):
        np.testing.assert_allclose(as_numpy(getattr(ours, name)),
                                   getattr(theirs, name).numpy(), rtol=1e-12, err_msg=name)


# -- validation ------------------------------------------------------------------------------
def test_invalid_parameter_raises_value_error_naming_it_and_its_values():
    with pytest.raises(ValueError) as info:
        Normal(mt.tensor([0.0, 1.0]), mt.tensor([1.0, -2.0]))
    message = str(info.value)
    assert message.startswith("Expected parameter scale (Tensor of shape (2,)) of "
                              "distribution Normal(loc: (2,), scale: (2,)) to satisfy the "
                              "constraint GreaterThan(lower_bound=0.0), but found invalid "
                              "values:")
    assert "-2." in message


@requires_torch
@pytest.mark.parametrize("make_both", [
    lambda lib: lib.distributions.Normal(0.0, lib.tensor(-1.0)),
    lambda lib: lib.distributions.Bernoulli(probs=lib.tensor([0.5, 1.5])),
    lambda lib: lib.distributions.Gamma(lib.tensor([1.0]), lib.tensor([0.0])),
    lambda lib: lib.distributions.Categorical(probs=lib.tensor([0.5, -0.5, 1.0])),
    lambda lib: lib.distributions.Dirichlet(lib.tensor([1.0, 0.0])),
    lambda lib: lib.distributions.Binomial(lib.tensor(2.5), probs=lib.tensor(0.5)),
], ids=["Normal", "Bernoulli", "Gamma", "Categorical", "Dirichlet", "Binomial"])
def test_invalid_parameter_message_names_the_same_parameter_and_constraint_as_torch(make_both):
    with pytest.raises(ValueError) as ours:
        make_both(mt)
    with pytest.raises(ValueError) as theirs:
        make_both(torch)
    head = lambda e: str(e.value).split(" of distribution")[0]  # noqa: E731
    constraint = lambda e: str(e.value).split("constraint ")[1].split(",")[0]  # noqa: E731
    assert head(ours) == head(theirs)
    assert constraint(ours) == constraint(theirs)


def test_uniform_with_low_not_below_high_is_rejected():
    with pytest.raises(ValueError, match="Expected parameter low .* LessThan"):
        Uniform(mt.tensor([0.0, 2.0]), mt.tensor([1.0, 1.0]))


def test_value_outside_the_support_raises_naming_the_support():
    with pytest.raises(ValueError, match=r"to be within the support \(GreaterThanEq\("
                                          r"lower_bound=0.0\)\) of the distribution "
                                          r"Exponential\(rate: 1.0\)"):
        D.Exponential(1.0).log_prob(mt.tensor([-1.0]))


def test_value_of_the_wrong_event_shape_is_rejected():
    dist = make("MultivariateNormal")[0]
    with pytest.raises(ValueError, match="The right-most size of value must match event_shape"):
        dist.log_prob(mt.zeros(2, 3, dtype=mt.float64))


def test_value_not_broadcastable_with_the_batch_is_rejected():
    with pytest.raises(ValueError, match="Value is not broadcastable with batch_shape"):
        make("Normal")[0].log_prob(mt.zeros(4, dtype=mt.float64))


def test_validation_can_be_turned_off_per_instance():
    dist = Normal(0.0, mt.tensor(-1.0), validate_args=False)
    assert math.isnan(dist.log_prob(mt.tensor(0.0)).item())


def test_set_default_validate_args_turns_validation_off_and_on():
    previous = Distribution._validate_args
    try:
        Distribution.set_default_validate_args(False)
        Normal(0.0, mt.tensor(-1.0))  # no error
        Distribution.set_default_validate_args(True)
        with pytest.raises(ValueError):
            Normal(0.0, mt.tensor(-1.0))
    finally:
        Distribution.set_default_validate_args(previous)


def test_probs_and_logits_together_are_rejected():
    with pytest.raises(ValueError, match="either `probs` or `logits`"):
        Bernoulli(probs=0.5, logits=0.0)


# -- shapes: expand and Independent ----------------------------------------------------------
@pytest.mark.parametrize("case", CASES)
def test_expand_broadcasts_the_batch_and_keeps_log_prob(case):
    dist = make(case)[0]
    expanded = dist.expand((4,) + dist.batch_shape)
    assert expanded.batch_shape == (4,) + dist.batch_shape
    assert expanded.event_shape == dist.event_shape
    value = mt.tensor(values(case)[0], dtype=mt.int64 if value_dtype(case) == np.int64
                      else mt.float64)
    np.testing.assert_allclose(as_numpy(expanded.log_prob(value)),
                               np.broadcast_to(as_numpy(dist.log_prob(value)),
                                               expanded.batch_shape))


def test_independent_moves_batch_dimensions_into_the_event():
    base = Normal(mt.zeros(2, 3, 4, dtype=mt.float64), mt.ones(2, 3, 4, dtype=mt.float64))
    dist = Independent(base, 2)
    assert (dist.batch_shape, dist.event_shape) == ((2,), (3, 4))
    value = mt.tensor(np.random.default_rng(0).standard_normal((5, 2, 3, 4)))
    assert dist.log_prob(value).shape == (5, 2)
    np.testing.assert_allclose(as_numpy(dist.log_prob(value)),
                               st.norm().logpdf(as_numpy(value)).sum((-2, -1)), rtol=1e-12)
    assert dist.entropy().shape == (2,)


def test_independent_expand_keeps_the_event_shape():
    dist = Independent(Normal(mt.zeros(3), mt.ones(3)), 1).expand((5,))
    assert (dist.batch_shape, dist.event_shape) == ((5,), (3,))
    assert dist.base_dist.batch_shape == (5, 3)


def test_independent_rejects_more_dimensions_than_the_base_batch_has():
    with pytest.raises(ValueError, match="reinterpreted_batch_ndims"):
        Independent(Normal(mt.zeros(3), mt.ones(3)), 2)


def test_parameters_broadcast_to_one_batch_shape():
    dist = Normal(mt.zeros(3, 1), mt.ones(4))
    assert dist.batch_shape == (3, 4) and dist.event_shape == ()


def test_python_numbers_become_default_dtype_scalars():
    dist = D.Gamma(2.0, 3.0)
    assert dist.batch_shape == () and dist.concentration.dtype is mt.get_default_dtype()


def test_distributions_is_reachable_as_mt_distributions():
    assert mt.distributions.Normal is Normal
