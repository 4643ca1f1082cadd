"""``kl_divergence(p, q)``: KL(p || q) = E_p[log p(x) - log q(x)], in closed form, looked up
in a registry by the types of ``p`` and ``q``.

``@register_kl(P, Q)`` adds a rule for ``P`` and ``Q`` and their subclasses. A lookup walks
the method resolution orders of ``type(p)`` and ``type(q)`` and takes the first registered
pair, the most specific ``P`` first, so a rule for a subclass overrides its parent's.

Rules here: Normal, Bernoulli, Categorical, OneHotCategorical, Uniform, Exponential, Laplace,
Beta, Gamma, Dirichlet, Poisson, Geometric, LogNormal and MultivariateNormal, each against
its own kind, and Independent against Independent.
"""

from __future__ import annotations

from collections.abc import Callable

from .. import ops
from ..linalg import solve_triangular
from ..ops.special.gamma import digamma, lgamma
from ..tensor import Tensor
from ._special import betaln
from .bernoulli import Bernoulli
from .beta import Beta
from .categorical import Categorical
from .dirichlet import Dirichlet
from .distribution import Distribution
from .exponential import Exponential
from .gamma import Gamma
from .geometric import Geometric
from .independent import Independent
from .laplace import Laplace
from .log_normal import LogNormal
from .multivariate_normal import MultivariateNormal, mahalanobis_squared
from .normal import Normal
from .one_hot_categorical import OneHotCategorical
from .poisson import Poisson
from .uniform import Uniform
from .utils import softplus, sum_rightmost

KLRule = Callable[[Distribution, Distribution], Tensor]
_KL_REGISTRY: dict[tuple[type, type], KLRule] = {}


def register_kl(type_p: type, type_q: type) -> Callable[[KLRule], KLRule]:
    """Decorator registering ``fn(p, q)`` as KL(p || q) for ``p`` of ``type_p`` and ``q`` of
    ``type_q`` (and their subclasses, unless a more specific rule exists). For example::

        @register_kl(Normal, Laplace)
        def kl_normal_laplace(p: Normal, q: Laplace) -> Tensor:
            ...
    """
    for t in (type_p, type_q):
        if not (isinstance(t, type) and issubclass(t, Distribution)):
            raise TypeError(f"register_kl expects subclasses of Distribution, got {t!r}")

    def decorator(fn: KLRule) -> KLRule:
        _KL_REGISTRY[type_p, type_q] = fn
        return fn

    return decorator


def kl_divergence(p: Distribution, q: Distribution) -> Tensor:
    """KL(p || q), batched over the (broadcast) batch shapes of ``p`` and ``q``.

    >>> kl_divergence(Normal(0.0, 1.0), Normal(0.0, 1.0)).item()
    0.0
    """
    for type_p in type(p).__mro__:
        for type_q in type(q).__mro__:
            rule = _KL_REGISTRY.get((type_p, type_q))
            if rule is not None:
                return rule(p, q)
    raise NotImplementedError(f"No KL(p || q) is implemented for p of type "
                              f"{type(p).__name__} and q of type {type(q).__name__}")


def _infinite_where(condition: Tensor, value: Tensor) -> Tensor:
    return ops.where(condition, float("inf"), value)


@register_kl(Normal, Normal)
def _kl_normal_normal(p: Normal, q: Normal) -> Tensor:
    """(r^2 + ((mu_p - mu_q) / s_q)^2 - 1) / 2 - log r, with r = s_p / s_q."""
    ratio = p.scale / q.scale
    ratio_sq = ratio * ratio
    shift = (p.loc - q.loc) / q.scale
    return 0.5 * (ratio_sq + shift * shift - 1 - ops.log(ratio_sq))


@register_kl(LogNormal, LogNormal)
def _kl_lognormal_lognormal(p: LogNormal, q: LogNormal) -> Tensor:
    """exp is one-to-one, so the KL is that of the underlying normals."""
    return _kl_normal_normal(p.base_dist, q.base_dist)


@register_kl(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(p: Bernoulli, q: Bernoulli) -> Tensor:
    """p log(p/q) + (1-p) log((1-p)/(1-q)), from the logits; inf where q rules out what p
    allows, 0 for terms p rules out."""
    ones = p.probs * (softplus(-q.logits) - softplus(-p.logits))
    ones = ops.where(p.probs == 0, 0.0, _infinite_where(q.probs == 0, ones))
    zeros = (1 - p.probs) * (softplus(q.logits) - softplus(p.logits))
    zeros = ops.where(p.probs == 1, 0.0, _infinite_where(q.probs == 1, zeros))
    return ones + zeros


@register_kl(Categorical, Categorical)
def _kl_categorical_categorical(p: Categorical, q: Categorical) -> Tensor:
    """sum_k p_k (log p_k - log q_k)."""
    terms = p.probs * (p.logits - q.logits)
    terms, q_probs, p_probs = ops.broadcast_tensors(terms, q.probs, p.probs)
    terms = ops.where(p_probs == 0, 0.0, _infinite_where(q_probs == 0, terms))
    return terms.sum(-1)


@register_kl(OneHotCategorical, OneHotCategorical)
def _kl_onehot_onehot(p: OneHotCategorical, q: OneHotCategorical) -> Tensor:
    return _kl_categorical_categorical(p._categorical, q._categorical)


@register_kl(Uniform, Uniform)
def _kl_uniform_uniform(p: Uniform, q: Uniform) -> Tensor:
    """log((b_q - a_q) / (b_p - a_p)); inf unless [a_p, b_p] lies inside [a_q, b_q]."""
    result = ops.log((q.high - q.low) / (p.high - p.low))
    return _infinite_where((q.low > p.low) | (q.high < p.high), result)


@register_kl(Exponential, Exponential)
def _kl_exponential_exponential(p: Exponential, q: Exponential) -> Tensor:
    """r - log r - 1 with r = rate_q / rate_p."""
    ratio = q.rate / p.rate
    return ratio - ops.log(ratio) - 1


@register_kl(Laplace, Laplace)
def _kl_laplace_laplace(p: Laplace, q: Laplace) -> Tensor:
    """-log r + d / s_q + r exp(-d / s_p) - 1, with r = s_p / s_q and d = |mu_p - mu_q|."""
    ratio = p.scale / q.scale
    distance = ops.abs(p.loc - q.loc)
    return (-ops.log(ratio) + distance / q.scale + ratio * ops.exp(-distance / p.scale) - 1)


@register_kl(Gamma, Gamma)
def _kl_gamma_gamma(p: Gamma, q: Gamma) -> Tensor:
    a_p, b_p, a_q, b_q = p.concentration, p.rate, q.concentration, q.rate
    return (a_q * ops.log(b_p / b_q) + lgamma(a_q) - lgamma(a_p)
            + (a_p - a_q) * digamma(a_p) + (b_q - b_p) * (a_p / b_p))


@register_kl(Beta, Beta)
def _kl_beta_beta(p: Beta, q: Beta) -> Tensor:
    a_p, b_p, a_q, b_q = p.concentration1, p.concentration0, q.concentration1, q.concentration0
    total_p = a_p + b_p
    return (betaln(a_q, b_q) - betaln(a_p, b_p) + (a_p - a_q) * digamma(a_p)
            + (b_p - b_q) * digamma(b_p) + (a_q - a_p + b_q - b_p) * digamma(total_p))


@register_kl(Dirichlet, Dirichlet)
def _kl_dirichlet_dirichlet(p: Dirichlet, q: Dirichlet) -> Tensor:
    a_p, a_q = p.concentration, q.concentration
    sum_p, sum_q = a_p.sum(-1), a_q.sum(-1)
    return (lgamma(sum_p) - lgamma(sum_q) - (lgamma(a_p) - lgamma(a_q)).sum(-1)
            + ((a_p - a_q) * (digamma(a_p) - digamma(sum_p).unsqueeze(-1))).sum(-1))


@register_kl(Poisson, Poisson)
def _kl_poisson_poisson(p: Poisson, q: Poisson) -> Tensor:
    """lambda_p log(lambda_p / lambda_q) - (lambda_p - lambda_q)."""
    return p.rate * (ops.log(p.rate) - ops.log(q.rate)) - (p.rate - q.rate)


@register_kl(Geometric, Geometric)
def _kl_geometric_geometric(p: Geometric, q: Geometric) -> Tensor:
    return -p.entropy() - ops.log1p(-q.probs) / p.probs - q.logits


@register_kl(MultivariateNormal, MultivariateNormal)
def _kl_mvn_mvn(p: MultivariateNormal, q: MultivariateNormal) -> Tensor:
    """(tr(S_q^-1 S_p) + (mu_q - mu_p)^T S_q^-1 (mu_q - mu_p) - n) / 2 + log det L_q
    - log det L_p, with tr(S_q^-1 S_p) = |L_q^-1 L_p|_F^2."""
    if p.event_shape != q.event_shape:
        raise ValueError(f"KL-divergence between two Multivariate Normals with different "
                         f"event shapes cannot be computed: {p.event_shape} vs "
                         f"{q.event_shape}")
    n = p.event_shape[0]
    lower_p, lower_q = p._unbroadcasted_scale_tril, q._unbroadcasted_scale_tril
    half_log_det_ratio = q._half_log_det() - p._half_log_det()
    trace = (solve_triangular(lower_q, lower_p, upper=False) ** 2).sum((-2, -1))
    mahalanobis = mahalanobis_squared(lower_q, q.loc - p.loc)
    batch = ops.broadcast_shapes(p.batch_shape, q.batch_shape)
    return (half_log_det_ratio + 0.5 * (trace + mahalanobis - n)).expand(batch)


@register_kl(Independent, Independent)
def _kl_independent_independent(p: Independent, q: Independent) -> Tensor:
    """The base distributions' KL, summed over the reinterpreted dimensions."""
    if p.reinterpreted_batch_ndims != q.reinterpreted_batch_ndims:
        raise NotImplementedError(f"KL between Independent distributions with different "
                                  f"reinterpreted_batch_ndims ({p.reinterpreted_batch_ndims} "
                                  f"and {q.reinterpreted_batch_ndims}) is not implemented")
    return sum_rightmost(kl_divergence(p.base_dist, q.base_dist), p.reinterpreted_batch_ndims)


