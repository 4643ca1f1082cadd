"""Shared cases for the distribution tests: each distribution with float64 parameters of
batch shape (3,) (or (2,) with events), values to score, and its SciPy twin."""

import numpy as np
import scipy.stats as st

import microtorch_core as mt

try:
    import torch
except ImportError:  # pragma: no cover - exercised where PyTorch is absent
    torch = None

_SIMPLEX = [[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]]
_TRIL = [[[1.5, 0.0], [0.4, 0.8]], [[0.7, 0.0], [-0.3, 1.2]]]
_COV = [[[2.0, 0.3], [0.3, 1.0]], [[1.0, -0.4], [-0.4, 0.5]]]

# name -> (parameters, values to score, which parameters are differentiable)
CASES = {
    "Normal": ({"loc": [-1.0, 0.5, 2.0], "scale": [0.5, 1.0, 3.0]},
               [[-1.5, 0.0, 4.0], [0.3, 2.0, -1.0]]),
    "Uniform": ({"low": [-1.0, 0.0, 2.0], "high": [1.0, 0.5, 5.0]},
                [[-0.5, 0.1, 4.0], [0.9, 0.3, 2.5]]),
    "Exponential": ({"rate": [0.5, 1.0, 3.0]}, [[0.1, 1.0, 2.0], [3.0, 0.2, 0.5]]),
    "Laplace": ({"loc": [-1.0, 0.5, 2.0], "scale": [0.5, 1.0, 3.0]},
                [[-1.5, 0.0, 4.0], [0.3, 2.0, -1.0]]),
    "LogNormal": ({"loc": [-1.0, 0.5, 2.0], "scale": [0.5, 1.0, 0.3]},
                  [[0.4, 1.0, 8.0], [0.2, 3.0, 5.0]]),
    "Gamma": ({"concentration": [0.5, 2.0, 7.0], "rate": [1.0, 0.5, 3.0]},
              [[0.1, 3.0, 2.0], [1.5, 0.5, 3.5]]),
    "Beta": ({"concentration1": [0.5, 2.0, 5.0], "concentration0": [0.7, 3.0, 1.5]},
             [[0.1, 0.4, 0.8], [0.9, 0.2, 0.6]]),
    "Poisson": ({"rate": [0.5, 3.0, 20.0]}, [[0.0, 2.0, 25.0], [1.0, 5.0, 17.0]]),
    "Binomial": ({"total_count": [5.0, 10.0, 20.0], "probs": [0.1, 0.5, 0.8]},
                 [[0.0, 4.0, 17.0], [2.0, 10.0, 20.0]]),
    "Binomial(logits)": ({"total_count": [5.0, 10.0, 20.0], "logits": [-2.0, 0.0, 1.5]},
                         [[0.0, 4.0, 17.0], [2.0, 10.0, 20.0]]),
    "Geometric": ({"probs": [0.2, 0.5, 0.9]}, [[0.0, 3.0, 1.0], [7.0, 0.0, 2.0]]),
    "Bernoulli": ({"probs": [0.2, 0.5, 0.9]}, [[0.0, 1.0, 1.0], [1.0, 0.0, 0.0]]),
    "Bernoulli(logits)": ({"logits": [-1.5, 0.0, 2.0]}, [[0.0, 1.0, 1.0], [1.0, 0.0, 0.0]]),
    "Categorical": ({"probs": _SIMPLEX}, [[0, 2], [1, 1], [2, 0]]),
    "Categorical(logits)": ({"logits": [[0.1, -1.0, 2.0], [1.5, 0.3, -0.2]]},
                            [[0, 2], [1, 1], [2, 0]]),
    "OneHotCategorical": ({"probs": _SIMPLEX},
                          [[[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]], [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]]),
    "Dirichlet": ({"concentration": [[0.5, 1.0, 2.0], [3.0, 1.5, 0.8]]},
                  [[[0.2, 0.3, 0.5], [0.1, 0.6, 0.3]], [[0.7, 0.2, 0.1], [0.3, 0.3, 0.4]]]),
    "MultivariateNormal": ({"loc": [[0.0, 1.0], [-1.0, 0.5]], "scale_tril": _TRIL},
                           [[[0.3, 0.2], [1.0, -1.0]], [[-2.0, 1.5], [0.0, 0.0]]]),
    "MultivariateNormal(covariance)": ({"loc": [[0.0, 1.0], [-1.0, 0.5]],
                                        "covariance_matrix": _COV},
                                       [[[0.3, 0.2], [1.0, -1.0]], [[-2.0, 1.5], [0.0, 0.0]]]),
    "MultivariateNormal(precision)": ({"loc": [[0.0, 1.0], [-1.0, 0.5]],
                                       "precision_matrix": _COV},
                                      [[[0.3, 0.2], [1.0, -1.0]], [[-2.0, 1.5], [0.0, 0.0]]]),
}

# parameters that are counts or indices, not differentiable
NOT_DIFFERENTIABLE = {"total_count"}


def class_name(case: str) -> str:
    return case.split("(")[0]


def value_dtype(case: str):
    return np.int64 if class_name(case) == "Categorical" else np.float64


def make(case: str, requires_grad: bool = False, validate_args: bool | None = None):
    """The case as a (MicroTorch distribution, its parameters by name)."""
    params = {}
    for name, data in CASES[case][0].items():
        grad = requires_grad and name not in NOT_DIFFERENTIABLE
        params[name] = mt.tensor(np.asarray(data, np.float64), requires_grad=grad)
    cls = getattr(mt.distributions, class_name(case))
    return cls(**params, validate_args=validate_args), params


def make_torch(case: str, requires_grad: bool = False):
    """The same case in PyTorch: (distribution, its parameters by name)."""
    params = {}
    for name, data in CASES[case][0].items():
        grad = requires_grad and name not in NOT_DIFFERENTIABLE
        params[name] = torch.tensor(np.asarray(data, np.float64), requires_grad=grad)
    return getattr(torch.distributions, class_name(case))(**params), params


def values(case: str) -> np.ndarray:
    return np.asarray(CASES[case][1], dtype=value_dtype(case))


def scipy_log_prob(case: str, x: np.ndarray) -> np.ndarray:
    """The log density (mass) of the case at ``x`` by SciPy, broadcast over the batch."""
    p = {k: np.asarray(v, np.float64) for k, v in CASES[case][0].items()}
    name = class_name(case)
    if name == "Normal":
        return st.norm(p["loc"], p["scale"]).logpdf(x)
    if name == "Uniform":
        return st.uniform(p["low"], p["high"] - p["low"]).logpdf(x)
    if name == "Exponential":
        return st.expon(scale=1 / p["rate"]).logpdf(x)
    if name == "Laplace":
        return st.laplace(p["loc"], p["scale"]).logpdf(x)
    if name == "LogNormal":
        return st.lognorm(s=p["scale"], scale=np.exp(p["loc"])).logpdf(x)
    if name == "Gamma":
        return st.gamma(p["concentration"], scale=1 / p["rate"]).logpdf(x)
    if name == "Beta":
        return st.beta(p["concentration1"], p["concentration0"]).logpdf(x)
    if name == "Poisson":
        return st.poisson(p["rate"]).logpmf(x)
    if name == "Binomial":
        probs = p["probs"] if "probs" in p else 1 / (1 + np.exp(-p["logits"]))
        return st.binom(p["total_count"], probs).logpmf(x)
    if name == "Geometric":
        return st.geom(p["probs"], loc=-1).logpmf(x)  # SciPy counts trials, not failures
    if name == "Bernoulli":
        probs = p["probs"] if "probs" in p else 1 / (1 + np.exp(-p["logits"]))
        return st.bernoulli(probs).logpmf(x)
    if name == "Categorical":
        probs = p["probs"] if "probs" in p else np.exp(p["logits"]) / np.exp(
            p["logits"]).sum(-1, keepdims=True)
        return np.log(np.take_along_axis(np.broadcast_to(probs, x.shape + (3,)),
                                         x[..., None], -1))[..., 0]
    if name == "OneHotCategorical":
        return np.log((p["probs"] * x).sum(-1))
    if name == "Dirichlet":
        out = np.empty(x.shape[:-1])
        for idx in np.ndindex(out.shape):
            out[idx] = st.dirichlet(p["concentration"][idx[-1]]).logpdf(x[idx])
        return out
    if name == "MultivariateNormal":
        if "scale_tril" in p:
            cov = p["scale_tril"] @ np.swapaxes(p["scale_tril"], -1, -2)
        elif "covariance_matrix" in p:
            cov = p["covariance_matrix"]
        else:
            cov = np.linalg.inv(p["precision_matrix"])
        out = np.empty(x.shape[:-1])
        for idx in np.ndindex(out.shape):
            out[idx] = st.multivariate_normal(p["loc"][idx[-1]], cov[idx[-1]]).logpdf(x[idx])
        return out
    raise KeyError(case)
