"""``MultivariateNormal(loc, covariance_matrix | precision_matrix | scale_tril)``: the
Gaussian in n dimensions, density exp(-(x - mu)^T S^-1 (x - mu) / 2) / sqrt((2 pi)^n det S).

Everything is computed from the lower-triangular factor L of the covariance S = L L^T: a
sample is mu + L eps, the Mahalanobis term is |L^-1 (x - mu)|^2, and log det S is
2 sum log diag L.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from .. import ops
from ..creation import eye, randn
from ..linalg import cholesky, solve_triangular
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution
from .utils import lazy_property


def mahalanobis_squared(scale_tril: Tensor, diff: Tensor) -> Tensor:
    """|L^-1 x|^2 over the last dimension of ``diff``, batch dimensions broadcast."""
    return (solve_triangular(scale_tril, diff.unsqueeze(-1), upper=False) ** 2).sum((-2, -1))


def symmetric_cholesky(matrix: Tensor) -> Tensor:
    """The lower Cholesky factor of the symmetric part (M + M^T) / 2 of ``matrix``: for the
    symmetric matrices given it is ``linalg.cholesky(M)``, with the same (symmetric) gradient,
    but a function of every entry, not only of the lower triangle, so that finite differences
    in any entry agree with that gradient."""
    return cholesky(0.5 * (matrix + matrix.mT))


def precision_to_scale_tril(precision: Tensor) -> Tensor:
    """The lower Cholesky factor of P^-1, without inverting P: factor P with its rows and
    columns reversed (flip(P) = Lf Lf^T), so that flip(Lf)^T is lower triangular and its
    inverse is the factor wanted."""
    flipped = symmetric_cholesky(ops.flip(precision, (-2, -1)))
    lower_inverse = ops.flip(flipped, (-2, -1)).mT
    identity = eye(precision.shape[-1], dtype=precision.dtype, device=precision.device)
    return solve_triangular(lower_inverse, identity, upper=False)


class MultivariateNormal(Distribution):
    """The multivariate normal with mean ``loc`` (..., n), parametrised by exactly one of a
    positive-definite ``covariance_matrix`` or ``precision_matrix``, or the lower-triangular
    ``scale_tril`` with a positive diagonal (..., n, n). The matrix and ``loc`` broadcast in
    their batch dimensions.

    >>> d = MultivariateNormal(zeros(2), scale_tril=tensor([[2.0, 0.0], [1.0, 1.0]]))
    >>> d.covariance_matrix.tolist()
    [[4.0, 2.0], [2.0, 2.0]]
    """

    arg_constraints = {"loc": constraints.real_vector,
                       "covariance_matrix": constraints.positive_definite,
                       "precision_matrix": constraints.positive_definite,
                       "scale_tril": constraints.lower_cholesky}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc: Tensor, covariance_matrix: Tensor | None = None,
                 precision_matrix: Tensor | None = None, scale_tril: Tensor | None = None,
                 validate_args: bool | None = None) -> None:
        if loc.dim() < 1:
            raise ValueError(f"loc must be at least one-dimensional, got shape "
                             f"{tuple(loc.shape)}")
        given = {name: m for name, m in (("covariance_matrix", covariance_matrix),
                                         ("precision_matrix", precision_matrix),
                                         ("scale_tril", scale_tril)) if m is not None}
        if len(given) != 1:
            raise ValueError(f"Exactly one of covariance_matrix or precision_matrix or "
                             f"scale_tril may be specified, got {sorted(given) or 'none'}")
        (name, matrix), = given.items()
        if matrix.dim() < 2:
            raise ValueError(f"{name} must be at least two-dimensional, with optional leading "
                             f"batch dimensions, got shape {tuple(matrix.shape)}")
        n = loc.shape[-1]
        if matrix.shape[-2:] != (n, n):
            raise ValueError(f"{name} of shape {tuple(matrix.shape)} does not match loc of "
                             f"shape {tuple(loc.shape)}: expected (..., {n}, {n})")
        batch_shape = ops.broadcast_shapes(matrix.shape[:-2], loc.shape[:-1])
        setattr(self, name, matrix.expand(batch_shape + (n, n)))
        self.loc = loc.expand(batch_shape + (n,))
        super().__init__(batch_shape, (n,), validate_args=validate_args)
        if scale_tril is not None:
            self._unbroadcasted_scale_tril = scale_tril
        elif covariance_matrix is not None:
            self._unbroadcasted_scale_tril = symmetric_cholesky(covariance_matrix)
        else:
            self._unbroadcasted_scale_tril = precision_to_scale_tril(precision_matrix)

    def _matrix_shape(self) -> tuple[int, ...]:
        return self._batch_shape + self._event_shape + self._event_shape

    @lazy_property
    def scale_tril(self) -> Tensor:
        """L, the lower Cholesky factor of the covariance."""
        return self._unbroadcasted_scale_tril.expand(self._matrix_shape())

    @lazy_property
    def covariance_matrix(self) -> Tensor:
        """S = L L^T."""
        lower = self._unbroadcasted_scale_tril
        return (lower @ lower.mT).expand(self._matrix_shape())

    @lazy_property
    def precision_matrix(self) -> Tensor:
        """S^-1 = L^-T L^-1."""
        lower = self._unbroadcasted_scale_tril
        identity = eye(lower.shape[-1], dtype=lower.dtype, device=lower.device)
        inverse = solve_triangular(lower, identity, upper=False)
        return (inverse.mT @ inverse).expand(self._matrix_shape())

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        """The diagonal of S: the squared row norms of L."""
        return (self._unbroadcasted_scale_tril ** 2).sum(-1).expand(
            self._batch_shape + self._event_shape)

    def rsample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        """mu + L eps with eps ~ N(0, I)."""
        eps = randn(self._extended_shape(sample_shape), dtype=self.loc.dtype,
                    device=self.loc.device)
        return self.loc + (self._unbroadcasted_scale_tril @ eps.unsqueeze(-1)).squeeze(-1)

    def _half_log_det(self) -> Tensor:
        """log det L = (log det S) / 2."""
        diagonal = ops.diagonal(self._unbroadcasted_scale_tril, 0, -2, -1)
        return ops.log(diagonal).sum(-1)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        m = mahalanobis_squared(self._unbroadcasted_scale_tril, value - self.loc)
        n = self._event_shape[0]
        return -0.5 * (n * math.log(2 * math.pi) + m) - self._half_log_det()

    def entropy(self) -> Tensor:
        """n/2 (1 + log 2 pi) + log det L."""
        n = self._event_shape[0]
        entropy = 0.5 * n * (1.0 + math.log(2 * math.pi)) + self._half_log_det()
        return entropy.expand(self._batch_shape)
