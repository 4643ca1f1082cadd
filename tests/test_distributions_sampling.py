"""Sampling from microtorch_core.distributions: reproducible under mt.manual_seed, the right
shapes, the right law (moments and goodness of fit against SciPy, at modest sample sizes and
fixed seeds), and reparameterised samples whose gradients are right (analytic derivatives,
finite differences, and PyTorch's implicit gamma gradient)."""

import numpy as np
import pytest
import scipy.special as sp
import scipy.stats as st
from distribution_cases import CASES, make
from torch_reference import requires_torch, torch

import microtorch_core as mt
from microtorch_core.distributions import (
    Bernoulli,
    Beta,
    Binomial,
    Categorical,
    Dirichlet,
    Exponential,
    Gamma,
    Geometric,
    Independent,
    Laplace,
    LogNormal,
    MixtureSameFamily,
    MultivariateNormal,
    Normal,
    OneHotCategorical,
    Poisson,
    Uniform,
)
from microtorch_core.distributions.standard_gamma import standard_gamma_grad

N = 4000  # draws for the statistical checks: standard errors of about 1.6% of a std dev


def as_numpy(t):
    return t.detach().numpy()


def f64(data):
    return mt.tensor(np.asarray(data, np.float64))


# -- reproducibility and shapes --------------------------------------------------------------
@pytest.mark.parametrize("case", CASES)
def test_sampling_is_reproducible_under_manual_seed(case):
    dist = make(case)[0]
    mt.manual_seed(123)
    first = as_numpy(dist.sample((5,)))
    mt.manual_seed(123)
    np.testing.assert_array_equal(as_numpy(dist.sample((5,))), first)


@pytest.mark.parametrize("case", ["Normal", "Gamma", "Poisson", "Categorical", "Binomial"])
def test_different_seeds_give_different_samples(case):
    dist = make(case)[0]
    mt.manual_seed(1)
    first = as_numpy(dist.sample((20,)))
    mt.manual_seed(2)
    assert not np.array_equal(as_numpy(dist.sample((20,))), first)


def test_samples_come_from_the_framework_generator():
    mt.manual_seed(7)
    noise = mt.randn(4, 3, dtype=mt.float64)
    dist = make("Normal")[0]
    mt.manual_seed(7)
    np.testing.assert_allclose(as_numpy(dist.sample((4,))),
                               as_numpy(dist.loc + dist.scale * noise), rtol=1e-15)


@pytest.mark.parametrize("case", CASES)
def test_sample_shape_is_sample_shape_batch_shape_event_shape(case):
    dist = make(case)[0]
    assert dist.sample((4, 2)).shape == (4, 2) + dist.batch_shape + dist.event_shape
    assert dist.sample().shape == dist.batch_shape + dist.event_shape


@pytest.mark.parametrize("case", [c for c in CASES if make(c)[0].has_rsample])
def test_rsample_shape_and_dtype_follow_the_parameters(case):
    dist = make(case)[0]
    sample = dist.rsample((3,))
    assert sample.shape == (3,) + dist.batch_shape + dist.event_shape
    assert sample.dtype is mt.float64


@pytest.mark.parametrize("case", CASES)
def test_sample_is_outside_autograd(case):
    dist = make(case, requires_grad=True)[0]
    assert not dist.sample((2,)).requires_grad


@pytest.mark.parametrize("case", ["Bernoulli", "Categorical", "Poisson", "Binomial"])
def test_discrete_distributions_have_no_rsample(case):
    dist = make(case)[0]
    assert not dist.has_rsample
    with pytest.raises(NotImplementedError):
        dist.rsample()


def test_independent_and_mixture_sample_shapes():
    base = Normal(mt.zeros(2, 3, dtype=mt.float64), mt.ones(2, 3, dtype=mt.float64))
    assert Independent(base, 1).sample((5,)).shape == (5, 2, 3)
    mix = MixtureSameFamily(Categorical(probs=mt.ones(2, 4)),
                            MultivariateNormal(mt.zeros(2, 4, 3), scale_tril=mt.eye(3)))
    assert (mix.batch_shape, mix.event_shape) == ((2,), (3,))
    assert mix.sample((5,)).shape == (5, 2, 3)
    shared_weights = MixtureSameFamily(Categorical(probs=mt.ones(4)),
                                       Normal(mt.zeros(2, 4), mt.ones(2, 4)))
    assert shared_weights.sample((5,)).shape == (5, 2)


def test_samples_and_log_probs_are_the_same_on_every_backend(device):
    # Philox numbers do not depend on the device, and everything else is Tensor ops
    def run(on):
        loc = mt.tensor([0.0, 1.0], dtype=mt.float64, device=on)
        cov = mt.eye(2, dtype=mt.float64, device=on) * 2
        dists = [Normal(loc, 1.0), Gamma(loc + 0.5, 2.0), Poisson(loc * 20 + 3),
                 Categorical(logits=mt.stack([loc, 2 * loc, -loc], -1)),
                 MultivariateNormal(loc, covariance_matrix=cov)]
        mt.manual_seed(0)
        samples = [d.sample((3,)) for d in dists]
        return samples, [d.log_prob(s) for d, s in zip(dists, samples)]

    (ours, our_lp), (cpu, cpu_lp) = run(device), run("cpu")
    for a, b in zip(ours, cpu):
        assert a.device.type == device
        np.testing.assert_allclose(as_numpy(a.cpu()), as_numpy(b), rtol=1e-12)
    for a, b in zip(our_lp, cpu_lp):
        np.testing.assert_allclose(as_numpy(a.cpu()), as_numpy(b), rtol=1e-12)


# -- the law of the samples ------------------------------------------------------------------
MOMENT_CASES = [c for c in CASES if not c.startswith(("Categorical", "Uniform"))]


@pytest.mark.parametrize("case", MOMENT_CASES)
def test_sample_mean_is_within_five_standard_errors(case):
    dist = make(case)[0]
    mt.manual_seed(2024)
    samples = as_numpy(dist.sample((N,)))
    error = np.abs(samples.mean(0) - as_numpy(dist.mean))
    assert np.all(error <= 5 * np.sqrt(as_numpy(dist.variance) / N) + 1e-12)


@pytest.mark.parametrize("case", MOMENT_CASES)
def test_sample_variance_is_within_five_standard_errors(case):
    dist = make(case)[0]
    mt.manual_seed(2025)
    samples = as_numpy(dist.sample((N,)))
    centred = samples - samples.mean(0)
    # the standard error of a sample variance: sqrt((m4 - m2^2) / N), m_k the central moments
    m2, m4 = (centred ** 2).mean(0), (centred ** 4).mean(0)
    error = np.abs(m2 - as_numpy(dist.variance))
    assert np.all(error <= 5 * np.sqrt((m4 - m2 ** 2) / N) + 1e-12)


def test_multivariate_normal_sample_covariance_matches():
    dist = make("MultivariateNormal(covariance)")[0]
    mt.manual_seed(3)
    samples = as_numpy(dist.sample((N,)))
    for b in range(2):
        np.testing.assert_allclose(np.cov(samples[:, b].T), as_numpy(dist.covariance_matrix)[b],
                                   atol=0.1)


@pytest.mark.parametrize("dist, reference", [
    (Normal(f64(1.0), f64(2.0)), st.norm(1.0, 2.0)),
    (Uniform(f64(-1.0), f64(3.0)), st.uniform(-1.0, 4.0)),
    (Exponential(f64(1.5)), st.expon(scale=1 / 1.5)),
    (Laplace(f64(0.5), f64(2.0)), st.laplace(0.5, 2.0)),
    (LogNormal(f64(0.3), f64(0.8)), st.lognorm(0.8, scale=np.exp(0.3))),
    (Gamma(f64(0.3), f64(2.0)), st.gamma(0.3, scale=0.5)),  # alpha < 1: the boosted path
    (Gamma(f64(9.0), f64(0.5)), st.gamma(9.0, scale=2.0)),
    (Beta(f64(0.5), f64(2.5)), st.beta(0.5, 2.5)),
], ids=["Normal", "Uniform", "Exponential", "Laplace", "LogNormal", "Gamma(0.3)", "Gamma(9)",
        "Beta"])
def test_continuous_samples_pass_a_kolmogorov_smirnov_test(dist, reference):
    mt.manual_seed(11)
    assert st.kstest(as_numpy(dist.sample((N,))), reference.cdf).pvalue > 1e-3


def chi_square_pvalue(samples, pmf, support):
    counts = np.array([(samples == k).sum() for k in support] + [0.0])
    expected = N * np.array([pmf(k) for k in support] + [0.0])
    counts[-1], expected[-1] = N - counts[:-1].sum(), N - expected[:-1].sum()
    keep = expected > 5  # the usual validity condition of the test: merge the rare bins
    counts, expected = counts[keep], expected[keep]
    if N - expected.sum() > 1e-9:
        counts, expected = np.append(counts, N - counts.sum()), np.append(expected,
                                                                          N - expected.sum())
    return st.chisquare(counts, expected).pvalue


@pytest.mark.parametrize("dist, pmf, support", [
    (Poisson(f64(2.5)), st.poisson(2.5).pmf, range(15)),  # inversion
    (Poisson(f64(40.0)), st.poisson(40.0).pmf, range(15, 70)),  # rejection (PTRS)
    (Binomial(f64(12.0), probs=f64(0.3)), st.binom(12, 0.3).pmf, range(13)),
    (Geometric(f64(0.35)), st.geom(0.35, loc=-1).pmf, range(20)),
    (Categorical(probs=f64([0.1, 0.0, 0.6, 0.3])), lambda k: [0.1, 0.0, 0.6, 0.3][k],
     range(4)),
    (Bernoulli(f64(0.3)), st.bernoulli(0.3).pmf, range(2)),
], ids=["Poisson(2.5)", "Poisson(40)", "Binomial", "Geometric", "Categorical", "Bernoulli"])
def test_discrete_samples_pass_a_chi_square_test(dist, pmf, support):
    mt.manual_seed(12)
    samples = as_numpy(dist.sample((N,)))
    assert chi_square_pvalue(samples, pmf, support) > 1e-3


def test_categorical_samples_are_int64_and_never_a_zero_probability_class():
    mt.manual_seed(5)
    samples = Categorical(probs=f64([[0.0, 0.5, 0.5], [1.0, 0.0, 0.0]])).sample((500,))
    assert samples.dtype is mt.int64
    assert set(np.unique(as_numpy(samples)[:, 0])) == {1, 2}
    assert set(np.unique(as_numpy(samples)[:, 1])) == {0}


def test_one_hot_categorical_samples_are_one_hot_with_the_categorical_frequencies():
    mt.manual_seed(6)
    samples = as_numpy(OneHotCategorical(probs=f64([0.2, 0.8])).sample((N,)))
    assert np.all(samples.sum(-1) == 1)
    assert abs(samples[:, 1].mean() - 0.8) < 5 * np.sqrt(0.16 / N)


def test_dirichlet_samples_lie_on_the_simplex_with_the_right_mean():
    mt.manual_seed(8)
    concentration = np.array([0.4, 1.0, 3.0])
    samples = as_numpy(Dirichlet(f64(concentration)).sample((N,)))
    np.testing.assert_allclose(samples.sum(-1), 1.0, rtol=1e-12)
    standard_error = np.sqrt(st.dirichlet(concentration).var() / N)
    assert np.all(np.abs(samples.mean(0) - concentration / 4.4) < 5 * standard_error)


def test_mixture_samples_have_the_mixture_mean_and_variance():
    mix = MixtureSameFamily(Categorical(probs=f64([0.3, 0.7])),
                            Normal(f64([-2.0, 1.0]), f64([0.5, 1.0])))
    mt.manual_seed(9)
    samples = as_numpy(mix.sample((N,)))
    assert abs(samples.mean() - mix.mean.item()) < 5 * np.sqrt(mix.variance.item() / N)
    np.testing.assert_allclose(samples.var(), mix.variance.item(), rtol=0.1)


# -- gradients of rsample --------------------------------------------------------------------
@pytest.mark.parametrize("build, derivatives", [
    pytest.param(Normal, lambda x, loc, scale: (np.ones_like(x), (x - loc) / scale),
                 id="Normal"),
    pytest.param(Laplace, lambda x, loc, scale: (np.ones_like(x), (x - loc) / scale),
                 id="Laplace"),
    pytest.param(Uniform, lambda x, low, high: ((high - x) / (high - low),
                                                (x - low) / (high - low)), id="Uniform"),
    pytest.param(LogNormal, lambda x, loc, scale: (x, x * (np.log(x) - loc) / scale),
                 id="LogNormal"),
])
def test_rsample_gradients_are_the_analytic_derivatives(build, derivatives):
    a = mt.tensor([0.5, -1.0, 2.0], dtype=mt.float64, requires_grad=True)
    b = mt.tensor([1.0, 0.5, 3.0], dtype=mt.float64, requires_grad=True)
    mt.manual_seed(4)
    x = build(a, b).rsample((6,))
    x.sum().backward()
    da, db = derivatives(as_numpy(x), as_numpy(a), as_numpy(b))
    np.testing.assert_allclose(as_numpy(a.grad), da.sum(0), rtol=1e-12)
    np.testing.assert_allclose(as_numpy(b.grad), db.sum(0), rtol=1e-12)


@pytest.mark.parametrize("case", ["Normal", "Exponential", "Laplace", "LogNormal", "Uniform",
                                  "MultivariateNormal", "MultivariateNormal(covariance)",
                                  "MultivariateNormal(precision)"])
def test_rsample_gradients_match_finite_differences_at_fixed_noise(case):
    _, params = make(case, requires_grad=True)
    names = list(params)

    def draw(*args):
        mt.manual_seed(10)  # the same noise for every evaluation
        dist = type(make(case)[0])(**dict(zip(names, args)), validate_args=False)
        return dist.rsample((3,))

    assert mt.autograd.gradcheck(draw, [params[n] for n in names], atol=1e-6)


def test_gamma_rsample_gradient_is_the_implicit_derivative_of_the_quantile():
    # x = F^-1(u; a): dx/da = -(dF/da) / f(x), F from SciPy's gammainc by central differences
    alpha = np.array([0.05, 0.4, 1.0, 2.5, 2.5, 7.0, 60.0, 60.0])
    x = np.array([1e-4, 0.5, 0.1, 0.3, 6.0, 7.9, 50.0, 75.0])
    h = 1e-6
    dF = (sp.gammainc(alpha + h, x) - sp.gammainc(alpha - h, x)) / (2 * h)
    expected = -dF / st.gamma(alpha).pdf(x)
    np.testing.assert_allclose(as_numpy(standard_gamma_grad(f64(alpha), f64(x))), expected,
                               rtol=1e-6)


@requires_torch
def test_gamma_rsample_gradient_agrees_with_torch_standard_gamma_grad():
    # PyTorch approximates the same derivative (to about 1e-3); ours is exact to ~1e-12
    concentration = mt.tensor([0.3, 1.5, 4.0, 25.0], dtype=mt.float64, requires_grad=True)
    mt.manual_seed(13)
    x = Gamma(concentration, 1.0).rsample((50,))
    x.sum().backward()
    theirs = torch._standard_gamma_grad(torch.tensor(as_numpy(concentration)).expand(50, 4),
                                        torch.tensor(as_numpy(x)))
    np.testing.assert_allclose(as_numpy(concentration.grad), theirs.sum(0).numpy(), rtol=2e-3)


def per_sample_gradient_mean(build, params, n=N // 2):
    """The mean and standard error over n draws of d sample / d params (per draw)."""
    leaves = [mt.tensor(np.full(n, p), requires_grad=True) for p in params]
    mt.manual_seed(14)
    build(*leaves).rsample().sum().backward()
    grads = [as_numpy(leaf.grad) for leaf in leaves]
    return [(g.mean(), g.std() / np.sqrt(n)) for g in grads]


@pytest.mark.parametrize("build, params, expected", [
    pytest.param(Gamma, (2.5, 2.0), (1 / 2.0, -2.5 / 4.0), id="Gamma"),
    pytest.param(Gamma, (0.4, 1.0), (1.0, -0.4), id="Gamma(a<1)"),
    pytest.param(Beta, (2.0, 3.0), (3.0 / 25.0, -2.0 / 25.0), id="Beta"),
])
def test_rsample_gradient_is_unbiased_for_the_mean(build, params, expected):
    # E[d x / d theta] = d E[x] / d theta
    for (mean, error), target in zip(per_sample_gradient_mean(build, params), expected):
        assert abs(mean - target) < 5 * error


def test_dirichlet_rsample_gradient_is_unbiased_for_the_mean():
    n = N // 2
    concentration = mt.tensor(np.tile([1.0, 2.0, 3.0], (n, 1)), requires_grad=True)
    mt.manual_seed(15)
    Dirichlet(concentration).rsample()[:, 0].sum().backward()
    grads = as_numpy(concentration.grad)
    # d E[x_0] / d a = (sum a - a_0, -a_0, -a_0) / (sum a)^2
    expected = np.array([5.0, -1.0, -1.0]) / 36.0
    assert np.all(np.abs(grads.mean(0) - expected) < 5 * grads.std(0) / np.sqrt(n))
