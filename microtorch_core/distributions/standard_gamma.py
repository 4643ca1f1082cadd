"""Draws from Gamma(alpha, 1), and their derivative with respect to ``alpha``: the sampler
behind ``Gamma``, ``Beta`` and ``Dirichlet``.

Sampling is Marsaglia and Tsang's rejection method ("A simple method for generating gamma
variables", 2000): with d = alpha - 1/3 and c = 1 / sqrt(9 d), a normal z proposes
x = d (1 + c z)^3, accepted when log u < z^2/2 + d - d v + d log v (v = (1 + c z)^3, u
uniform). More than 95% of proposals are accepted; every element draws until it has one.
For alpha < 1 it draws Gamma(alpha + 1) and multiplies by u^(1/alpha).

The sample is differentiable in ``alpha`` by implicit reparameterisation (Figurnov et al.,
2018): keep the draw's quantile u = P(alpha, x) fixed, so dx/dalpha = -(dP/dalpha) / p(x),
with P the regularised lower incomplete gamma function and p the density. Dividing the
derivative of P's series (x <= alpha + 1) or of Q = 1 - P's continued fraction (x > alpha +
1) by p leaves the short expressions of ``standard_gamma_grad``.
"""

from __future__ import annotations

from .. import dtypes, ops
from ..autograd import Function
from ..creation import full_like, ones_like, rand, randn, zeros_like
from ..ops.special.gamma import digamma
from ..tensor import Tensor

_MAX_TERMS = 1000  # both expansions converge in O(sqrt(alpha)) terms; this bounds the loop


def _marsaglia_tsang(alpha: Tensor) -> Tensor:
    """One Gamma(alpha, 1) draw per element of ``alpha`` (alpha > 0), no autograd."""
    boost = alpha < 1
    a = ops.where(boost, alpha + 1, alpha)
    d = a - 1 / 3
    c = 1 / ops.sqrt(9 * d)
    result = zeros_like(alpha)
    done = alpha != alpha  # all False, alpha's shape and device
    while not bool(ops.all(done)):
        z = randn(alpha.shape, dtype=alpha.dtype, device=alpha.device)
        u = rand(alpha.shape, dtype=alpha.dtype, device=alpha.device)
        v = (1 + c * z) ** 3
        positive = v > 0
        log_v = ops.log(ops.where(positive, v, 1.0))
        accept = positive & (ops.log(u) < 0.5 * z * z + d - d * v + d * log_v)
        result = ops.where(accept & ~done, d * v, result)
        done = done | accept
    u = rand(alpha.shape, dtype=alpha.dtype, device=alpha.device)
    result = ops.where(boost, result * u ** (1 / alpha), result)
    return ops.clamp(result, min=dtypes.finfo(alpha.dtype).tiny)  # never exactly 0


def standard_gamma_grad(alpha: Tensor, x: Tensor) -> Tensor:
    """dx/dalpha for x ~ Gamma(alpha, 1) at a fixed quantile, elementwise.

    Where x <= alpha + 1, from P's series (r_n = prod_{k<=n} x / (alpha + k)):
        dx/dalpha = -(x / alpha) sum_{n>=0} r_n (log x - psi(alpha + 1) - sum_{k<=n} 1/(alpha+k))
    elsewhere, from the continued fraction h of Q = x^alpha e^-x h / Gamma(alpha) and its
    derivative h' (Lentz's method carrying the derivative along):
        dx/dalpha = x (h (log x - psi(alpha)) + h')
    """
    eps = dtypes.finfo(alpha.dtype).eps / 2  # stop when terms no longer change the sums
    use_series = x <= alpha + 1
    # the series at x clamped into its region, the fraction at x clamped into its own: each
    # branch of the final ``where`` then sees arguments it converges for
    xs = ops.where(use_series, x, alpha + 1)
    xf = ops.where(use_series, alpha + 2, x)

    # series: r_n = prod_{k<=n} xs / (alpha + k), h_n = psi(alpha + 1) + sum_{k<=n} 1/(alpha + k)
    log_xs = ops.log(xs)
    r, h = ones_like(alpha), digamma(alpha + 1)
    total = log_xs - h
    for n in range(1, _MAX_TERMS + 1):
        r = r * xs / (alpha + n)
        h = h + 1 / (alpha + n)
        term = r * (log_xs - h)
        total = total + term
        if n % 8 == 0 and bool(ops.all(ops.abs(term) <= eps * ops.abs(total))):
            break
    series = -(xs / alpha) * total

    # continued fraction, modified Lentz; each quantity paired with its d/dalpha
    tiny = 1e-300 if alpha.dtype is dtypes.float64 else 1e-30
    b = xf + 1 - alpha
    c, dc = full_like(alpha, 1 / tiny), zeros_like(alpha)
    d, dd = 1 / b, 1 / (b * b)  # d(1/b)/dalpha with db/dalpha = -1
    h, dh = d, dd
    for n in range(1, _MAX_TERMS + 1):
        an, dan = -n * (n - alpha), float(n)
        b = b + 2
        d_den = an * d + b
        d_den_grad = dan * d + an * dd - 1
        c_new = b + an / c
        dc = -1 + dan / c - an * dc / c / c  # c starts at 1e300: c * c would overflow
        c = c_new
        d, dd = 1 / d_den, -d_den_grad / (d_den * d_den)
        delta, ddelta = d * c, dd * c + d * dc
        h, dh = h * delta, dh * delta + h * ddelta
        if n % 8 == 0 and bool(ops.all(ops.abs(delta - 1) <= eps)):
            break
    fraction = xf * (h * (ops.log(xf) - digamma(alpha)) + dh)
    return ops.where(use_series, series, fraction)


class StandardGamma(Function):
    """x ~ Gamma(alpha, 1), drawn by Marsaglia-Tsang; backward: grad * dx/dalpha."""

    @staticmethod
    def forward(ctx, alpha):
        x = _marsaglia_tsang(alpha)
        ctx.save_for_backward(alpha, x)
        return x

    @staticmethod
    def backward(ctx, grad):
        alpha, x = ctx.saved_tensors
        return grad * standard_gamma_grad(alpha.detach(), x.detach())


def standard_gamma(alpha: Tensor) -> Tensor:
    """One Gamma(alpha, 1) draw per element of ``alpha``, differentiable in ``alpha``."""
    return StandardGamma.apply(alpha)
