"""Probability distributions, as ``torch.distributions``: sampling (reproducible under
``manual_seed``), reparameterised sampling, log densities, moments and KL divergences, all
written with Tensor ops, so they run on every backend and are differentiable.

==========================  ==============================================================
``distribution.py``         ``Distribution``: batch and event shapes, ``sample``/``rsample``,
                            ``log_prob``, moments, ``expand``, argument validation
``constraints.py``          ``real``, ``positive``, ``unit_interval``, ``simplex``,
                            ``integer_interval``, ``boolean``...: the sets parameters and
                            samples must lie in
``normal.py``               ``Normal``
``uniform.py``              ``Uniform``
``exponential.py``          ``Exponential``
``laplace.py``              ``Laplace``
``log_normal.py``           ``LogNormal``
``gamma.py``                ``Gamma``
``beta.py``                 ``Beta``
``dirichlet.py``            ``Dirichlet``
``standard_gamma.py``       Gamma(a, 1) draws (Marsaglia-Tsang) and their derivative in a
                            (implicit reparameterisation): the sampler of the three above
``bernoulli.py``            ``Bernoulli``
``categorical.py``          ``Categorical``
``one_hot_categorical.py``  ``OneHotCategorical``
``geometric.py``            ``Geometric``
``binomial.py``             ``Binomial``
``poisson.py``              ``Poisson`` (sampling by inversion, and by rejection for rates
                            >= 10)
``multivariate_normal.py``  ``MultivariateNormal`` (``scale_tril``, ``covariance_matrix`` or
                            ``precision_matrix``)
``independent.py``          ``Independent``: batch dimensions read as event dimensions
``mixture_same_family.py``  ``MixtureSameFamily``
``kl.py``                   ``kl_divergence``, ``register_kl`` and the closed forms
``utils.py``                parameter broadcasting, probs <-> logits, ``lazy_property``
``_special.py``             ``betaln`` (the special functions and the linear algebra come
                            from core: ``mt.special``, ``mt.linalg``)
==========================  ==============================================================

>>> import microtorch_core as mt
>>> _ = mt.manual_seed(0)
>>> d = mt.distributions.Normal(mt.zeros(3), mt.ones(3))
>>> d.sample((5,)).shape
(5, 3)
"""

from . import constraints
from .bernoulli import Bernoulli
from .beta import Beta
from .binomial import Binomial
from .categorical import Categorical
from .dirichlet import Dirichlet
from .distribution import Distribution
from .exponential import Exponential
from .gamma import Gamma
from .geometric import Geometric
from .independent import Independent
from .kl import kl_divergence, register_kl
from .laplace import Laplace
from .log_normal import LogNormal
from .mixture_same_family import MixtureSameFamily
from .multivariate_normal import MultivariateNormal
from .normal import Normal
from .one_hot_categorical import OneHotCategorical
from .poisson import Poisson
from .uniform import Uniform

__all__ = [
    "Bernoulli", "Beta", "Binomial", "Categorical", "Dirichlet", "Distribution", "Exponential",
    "Gamma", "Geometric", "Independent", "Laplace", "LogNormal", "MixtureSameFamily",
    "MultivariateNormal", "Normal", "OneHotCategorical", "Poisson", "Uniform", "constraints",
    "kl_divergence", "register_kl",
]
