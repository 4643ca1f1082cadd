"""kl_divergence: the closed forms against PyTorch's (values and gradients) and against a
Monte Carlo estimate E_p[log p - log q]; the registry's dispatch and its error."""

import numpy as np
import pytest
from distribution_cases import make, make_torch
from torch_reference import requires_torch, torch

import microtorch_core as mt
from microtorch_core.distributions import (
    Beta,
    Gamma,
    Independent,
    Laplace,
    Normal,
    Uniform,
    kl_divergence,
    register_kl,
)


def as_numpy(t):
    return t.detach().numpy()


def f64(data, requires_grad=False):
    return mt.tensor(np.asarray(data, np.float64), requires_grad=requires_grad)


# (class name, parameters of p, parameters of q), batch shape (3,) or (2,) with events
PAIRS = {
    "Normal": ("Normal", {"loc": [0.0, 1.0, -2.0], "scale": [1.0, 0.5, 2.0]},
               {"loc": [0.5, -1.0, -2.0], "scale": [2.0, 0.7, 1.0]}),
    "Bernoulli": ("Bernoulli", {"probs": [0.2, 0.5, 0.9]}, {"probs": [0.6, 0.1, 0.9]}),
    "Bernoulli(logits)": ("Bernoulli", {"logits": [-1.0, 0.0, 2.0]},
                          {"logits": [0.5, -2.0, 1.0]}),
    "Categorical": ("Categorical", {"probs": [[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]]},
                    {"probs": [[0.4, 0.4, 0.2], [0.1, 0.1, 0.8]]}),
    "OneHotCategorical": ("OneHotCategorical", {"logits": [[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]]},
                          {"logits": [[1.0, -1.0, 0.2], [0.1, 0.1, 0.8]]}),
    "Uniform": ("Uniform", {"low": [0.0, -1.0, 2.0], "high": [1.0, 1.0, 3.0]},
                {"low": [-1.0, -2.0, 1.0], "high": [2.0, 1.5, 5.0]}),
    "Exponential": ("Exponential", {"rate": [0.5, 1.0, 3.0]}, {"rate": [1.0, 0.2, 3.5]}),
    "Laplace": ("Laplace", {"loc": [0.0, 1.0, -2.0], "scale": [1.0, 0.5, 2.0]},
                {"loc": [0.5, -1.0, -2.0], "scale": [2.0, 0.7, 1.0]}),
    "Gamma": ("Gamma", {"concentration": [0.5, 2.0, 7.0], "rate": [1.0, 0.5, 3.0]},
              {"concentration": [1.5, 2.0, 3.0], "rate": [0.3, 1.5, 3.0]}),
    "Beta": ("Beta", {"concentration1": [0.5, 2.0, 5.0], "concentration0": [0.7, 3.0, 1.5]},
             {"concentration1": [1.0, 1.5, 4.0], "concentration0": [2.0, 3.0, 0.5]}),
    "Dirichlet": ("Dirichlet", {"concentration": [[0.5, 1.0, 2.0], [3.0, 1.5, 0.8]]},
                  {"concentration": [[1.0, 1.0, 1.0], [0.5, 2.5, 1.8]]}),
    "Poisson": ("Poisson", {"rate": [0.5, 3.0, 20.0]}, {"rate": [1.0, 2.0, 25.0]}),
    "Geometric": ("Geometric", {"probs": [0.2, 0.5, 0.9]}, {"probs": [0.4, 0.3, 0.9]}),
    "LogNormal": ("LogNormal", {"loc": [0.0, 1.0, -2.0], "scale": [1.0, 0.5, 2.0]},
                  {"loc": [0.5, -1.0, -2.0], "scale": [2.0, 0.7, 1.0]}),
    "MultivariateNormal": (
        "MultivariateNormal",
        {"loc": [[0.0, 1.0], [-1.0, 0.5]],
         "scale_tril": [[[1.5, 0.0], [0.4, 0.8]], [[0.7, 0.0], [-0.3, 1.2]]]},
        {"loc": [[1.0, 0.0], [0.0, 0.0]],
         "covariance_matrix": [[[2.0, 0.3], [0.3, 1.0]], [[1.0, -0.4], [-0.4, 0.5]]]}),
}


def build(lib, name, params, requires_grad=False):
    leaves = {k: lib.tensor(np.asarray(v, np.float64), requires_grad=requires_grad)
              for k, v in params.items()}
    return getattr(lib.distributions, name)(**leaves), leaves


@requires_torch
@pytest.mark.parametrize("pair", PAIRS)
def test_kl_matches_torch(pair):
    name, p, q = PAIRS[pair]
    ours = kl_divergence(build(mt, name, p)[0], build(mt, name, q)[0])
    theirs = torch.distributions.kl_divergence(build(torch, name, p)[0],
                                               build(torch, name, q)[0])
    np.testing.assert_allclose(as_numpy(ours), theirs.numpy(), rtol=1e-10, atol=1e-12)


@requires_torch
@pytest.mark.parametrize("pair", ["Normal", "Bernoulli(logits)", "Categorical", "Gamma",
                                  "Beta", "Dirichlet", "MultivariateNormal", "Laplace"])
def test_kl_gradients_match_torch(pair):
    name, p, q = PAIRS[pair]
    (ours_p, leaves_p), (ours_q, leaves_q) = (build(mt, name, p, True),
                                              build(mt, name, q, True))
    (theirs_p, tleaves_p), (theirs_q, tleaves_q) = (build(torch, name, p, True),
                                                    build(torch, name, q, True))
    kl_divergence(ours_p, ours_q).sum().backward()
    torch.distributions.kl_divergence(theirs_p, theirs_q).sum().backward()
    for ours, theirs in ((leaves_p, tleaves_p), (leaves_q, tleaves_q)):
        for key, leaf in ours.items():  # PyTorch's trigamma is good to about 1e-8
            np.testing.assert_allclose(as_numpy(leaf.grad), theirs[key].grad.numpy(),
                                       rtol=1e-7, atol=1e-10, err_msg=key)


@pytest.mark.parametrize("pair", ["Normal", "Gamma", "Beta", "Laplace", "Dirichlet",
                                  "MultivariateNormal", "Poisson"])
def test_kl_matches_a_monte_carlo_estimate(pair):
    name, p, q = PAIRS[pair]
    dist_p, dist_q = build(mt, name, p)[0], build(mt, name, q)[0]
    mt.manual_seed(21)
    x = dist_p.sample((4000,))
    ratio = as_numpy(dist_p.log_prob(x) - dist_q.log_prob(x))
    error = np.abs(ratio.mean(0) - as_numpy(kl_divergence(dist_p, dist_q)))
    assert np.all(error < 5 * ratio.std(0) / np.sqrt(4000) + 1e-12)


@pytest.mark.parametrize("pair", PAIRS)
def test_kl_of_a_distribution_with_itself_is_zero(pair):
    name, p, _ = PAIRS[pair]
    dist = build(mt, name, p)[0]
    np.testing.assert_allclose(as_numpy(kl_divergence(dist, dist)), 0.0, atol=1e-12)


def test_kl_of_uniforms_is_infinite_unless_the_support_of_p_lies_inside_q():
    p = Uniform(f64([0.0, 0.0, 0.0]), f64([1.0, 1.0, 1.0]))
    q = Uniform(f64([-1.0, 0.5, -1.0]), f64([2.0, 2.0, 0.5]))
    out = as_numpy(kl_divergence(p, q))
    assert np.isclose(out[0], np.log(3.0)) and np.isinf(out[1:]).all()


@requires_torch
def test_kl_of_bernoullis_at_certain_outcomes_matches_torch():
    p, q = [0.0, 1.0, 0.3, 0.3, 1.0], [0.5, 0.5, 0.0, 1.0, 1.0]
    ours = kl_divergence(mt.distributions.Bernoulli(f64(p)), mt.distributions.Bernoulli(f64(q)))
    theirs = torch.distributions.kl_divergence(
        torch.distributions.Bernoulli(torch.tensor(p, dtype=torch.float64)),
        torch.distributions.Bernoulli(torch.tensor(q, dtype=torch.float64)))
    np.testing.assert_allclose(as_numpy(ours), theirs.numpy(), rtol=1e-10)


@requires_torch
def test_kl_of_categoricals_with_a_zero_probability_matches_torch():
    p, q = [[0.0, 0.5, 0.5], [0.5, 0.5, 0.0]], [[0.2, 0.4, 0.4], [0.5, 0.0, 0.5]]
    ours = kl_divergence(mt.distributions.Categorical(f64(p)),
                         mt.distributions.Categorical(f64(q)))
    theirs = torch.distributions.kl_divergence(
        torch.distributions.Categorical(torch.tensor(p, dtype=torch.float64)),
        torch.distributions.Categorical(torch.tensor(q, dtype=torch.float64)))
    np.testing.assert_allclose(as_numpy(ours), theirs.numpy(), rtol=1e-10)


def test_kl_of_independent_normals_sums_over_the_event():
    p = Normal(f64([[0.0, 1.0, 2.0]]), f64([[1.0, 2.0, 0.5]]))
    q = Normal(f64([[1.0, 1.0, 0.0]]), f64([[1.0, 1.0, 1.0]]))
    ours = kl_divergence(Independent(p, 1), Independent(q, 1))
    assert ours.shape == (1,)
    np.testing.assert_allclose(as_numpy(ours), as_numpy(kl_divergence(p, q)).sum(-1))


@requires_torch
def test_kl_of_multivariate_normals_broadcasts_batch_shapes_as_torch():
    p_mt, p_torch = make("MultivariateNormal")[0], make_torch("MultivariateNormal")[0]
    q_mt = mt.distributions.MultivariateNormal(mt.zeros(2, dtype=mt.float64),
                                               mt.eye(2, dtype=mt.float64) * 2)
    q_torch = torch.distributions.MultivariateNormal(torch.zeros(2, dtype=torch.float64),
                                                     torch.eye(2, dtype=torch.float64) * 2)
    np.testing.assert_allclose(as_numpy(kl_divergence(p_mt, q_mt)),
                               torch.distributions.kl_divergence(p_torch, q_torch).numpy(),
                               rtol=1e-10)


def test_kl_without_a_rule_raises_naming_both_types():
    with pytest.raises(NotImplementedError, match="p of type Normal and q of type Gamma"):
        kl_divergence(Normal(0.0, 1.0), Gamma(1.0, 1.0))


def test_register_kl_adds_a_rule_and_subclasses_use_the_most_specific():
    class MyNormal(Normal):
        pass

    calls = []

    @register_kl(MyNormal, Laplace)
    def kl_mynormal_laplace(p, q):
        calls.append((type(p), type(q)))
        return mt.tensor(1.5)

    assert kl_divergence(MyNormal(0.0, 1.0), Laplace(0.0, 1.0)).item() == 1.5
    assert calls == [(MyNormal, Laplace)]
    # a subclass without a rule of its own falls back to its parent's (Normal, Normal)
    assert kl_divergence(MyNormal(0.0, 1.0), Normal(0.0, 1.0)).item() == 0.0


def test_register_kl_rejects_what_is_not_a_distribution_type():
    with pytest.raises(TypeError, match="subclasses of Distribution"):
        register_kl(Normal, int)


def test_kl_is_differentiable_in_both_arguments():
    a = f64([1.0, 2.0], requires_grad=True)
    b = f64([3.0, 0.5], requires_grad=True)
    kl_divergence(Beta(a, 2.0), Beta(b, 2.0)).sum().backward()
    assert a.grad is not None and b.grad is not None
