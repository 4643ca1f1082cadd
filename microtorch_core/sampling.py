"""Sampling functions, as PyTorch's: multinomial, bernoulli, poisson, normal (its four
overloads), rand_like, randn_like and randint_like.

Every random number comes from MicroTorch's Philox generator (the default one, seeded by
``manual_seed``, or a ``Generator`` passed as ``generator=``); the rest is Tensor ops, so
every backend runs them. Samples record no graph: PyTorch's gradient for them is zero (for a
differentiable normal sample, write ``mean + std * randn_like(mean)``). The in-place fills
these build on (``bernoulli_``, ``random_``...) are in ``ops/composite/inplace_random.py``.
"""

from __future__ import annotations

from collections.abc import Sequence

from . import dtypes
from .autograd.grad_mode import no_grad
from .creation import empty, full, rand, randn, zeros
from .device import DeviceLike
from .dispatch import broadcast_shapes, cast, same_device
from .dtypes import DType
from .ops.composite.comparison import isfinite
from .ops.composite.indexing import narrow, nonzero, stack
from .ops.composite.inplace_random import bernoulli_, first_bad_value, random_
from .ops.composite.pointwise import log1p
from .ops.composite.rounding import floor
from .ops.composite.scan import cummax, cumsum
from .ops.composite.searching import searchsorted
from .ops.composite.sorting import topk
from .ops.declare import op
from .ops.primitive.elementwise import exp, log, sqrt, where
from .ops.primitive.views import reshape
from .ops.special.gamma import lgamma
from .random import Generator
from .tensor import Tensor

__all__ = ["multinomial", "bernoulli", "poisson", "normal", "rand_like", "randn_like",
           "randint_like"]


# -- multinomial --------------------------------------------------------------------------------
@op(variants="function, method")
def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,  # noqa: A002
                generator: Generator | None = None) -> Tensor:
    """``num_samples`` category indices (int64) drawn from the weights ``input``: 1-D, one
    distribution over its K categories; 2-D, one per row. Category k has probability
    ``w[k] / sum(w)`` (the weights need not sum to 1); a zero weight is never drawn while a
    positive one is left. Without ``replacement`` a row never repeats a category. As
    ``torch.multinomial``.

    With replacement: inversion, a ``searchsorted`` of ``u * total`` in the cumulative
    weights (a broadcast comparison: memory rows * num_samples * K). Without: the
    Gumbel-top-k trick (Kool et al., 2019), the ``num_samples`` largest keys
    ``log w + Gumbel noise``, which picks categories one after another, each in proportion
    to the weights left.

    >>> multinomial(tensor([0.0, 10.0, 3.0]), 2)  # 1 and 2, in either order; never 0
    tensor([1, 2])
    """
    if input.dim() not in (1, 2):
        raise RuntimeError(f"prob_dist must be 1 or 2 dim, got shape {tuple(input.shape)}")
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                           f"{input.dtype.name}")
    if num_samples <= 0:
        raise RuntimeError(f"cannot sample n_sample <= 0 samples (num_samples={num_samples})")
    k = input.shape[-1]
    if not replacement and num_samples > k:
        raise RuntimeError(f"cannot sample n_sample > prob_dist.size(-1) samples without "
                           f"replacement ({num_samples} samples, {k} categories)")
    weights = reshape(cast(input.detach(), dtypes.float64), (-1, k))
    with no_grad():
        if weights.shape[0] == 0:
            out = empty(0, num_samples, dtype=dtypes.int64, device=input.device)
        else:
            _check_weights(input.detach(), weights)
            draw = _with_replacement if replacement else _without_replacement
            out = draw(weights, num_samples, generator)
    return out if input.dim() == 2 else reshape(out, (num_samples,))


def _check_weights(input: Tensor, weights: Tensor) -> None:
    """PyTorch's errors for a weight that is negative, inf or NaN, and for a row of zeros,
    naming the first offender; one host read when all is well."""
    bad = ~isfinite(weights) | (weights < 0)
    empty_rows = weights.sum(1) <= 0
    has_bad, has_empty = stack([bad.any(), empty_rows.any()]).tolist()
    if has_bad:
        raise RuntimeError(f"probability tensor contains either `inf`, `nan` or element < 0 "
                           f"(found {first_bad_value(input, reshape(bad, input.shape))})")
    if has_empty:
        (rows,) = nonzero(empty_rows, as_tuple=True)
        which = "every weight is 0" if input.dim() == 1 else \
            f"every weight of row {int(rows[0].item())} is 0"
        raise RuntimeError(f"invalid multinomial distribution (sum of probabilities <= 0): "
                           f"{which}")


def _with_replacement(weights: Tensor, n: int, generator: Generator | None) -> Tensor:
    """Each draw is the number of cumulative weights at or below ``u * total``. Cumulative
    weights are made exactly flat across zero weights (a running max that skips them), so
    that rounding in the scan can never give a zero weight an interval of its own."""
    cdf = cumsum(weights, 1)
    cdf = cummax(where(weights > 0, cdf, float("-inf")), 1).values
    total = narrow(cdf, 1, cdf.shape[1] - 1, 1)
    u = rand(weights.shape[0], n, dtype=dtypes.float64, device=weights.device,
             generator=generator)
    return searchsorted(cdf, u * total, right=True)  # u * total < total: always in range


def _without_replacement(weights: Tensor, n: int, generator: Generator | None) -> Tensor:
    """The ``n`` largest of ``log w - log E`` with E ~ Exponential(1) (that is, ``log w``
    plus Gumbel noise); zero weights get the key -inf, so they come last."""
    u = rand(weights.shape, dtype=dtypes.float64, device=weights.device, generator=generator)
    keys = where(weights > 0, log(weights) - log(-log1p(-u)), float("-inf"))
    return topk(keys, n, 1).indices


# -- bernoulli and poisson -------------------------------------------------------------------
@op(variants="function, method")
def bernoulli(input: Tensor, p: float | None = None, *,  # noqa: A002
              generator: Generator | None = None) -> Tensor:
    """0/1 draws in ``input``'s shape and dtype: 1 with probability ``input`` (elementwise,
    values in [0, 1]) or, given ``p``, with probability ``p`` everywhere (``input`` then only
    gives the shape and dtype), as ``torch.bernoulli``.

    >>> bernoulli(tensor([0.0, 1.0, 1.0]))
    tensor([0., 1., 1.])
    """
    if p is None:
        if not input.dtype.is_floating_point:
            raise RuntimeError(f"bernoulli: expected a floating point tensor of "
                               f"probabilities, got {input.dtype.name}")
        p = input
    out = empty(input.shape, dtype=input.dtype, device=input.device)
    return bernoulli_(out, p, generator=generator)


_INVERSION_BELOW = 10.0  # rates below use inversion, the others rejection (PTRS)
_MAX_INVERSION_STEPS = 200  # P(k > 200) at a rate below 10 is under 1e-150


def poisson(input: Tensor, generator: Generator | None = None) -> Tensor:  # noqa: A002
    """Poisson counts (as floats, in ``input``'s dtype) with the rates in ``input``, as
    ``torch.poisson``: inversion for rates below 10, Hoermann's transformed rejection (PTRS)
    above, both in float64.

    >>> poisson(tensor([0.0, 0.0]))
    tensor([0., 0.])
    """
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"poisson: expected a floating point tensor of rates, got "
                           f"{input.dtype.name}")
    rate = cast(input.detach(), dtypes.float64)
    if rate.numel():
        valid = isfinite(rate) & (rate >= 0)
        if not bool(valid.all()):
            raise RuntimeError(f"invalid Poisson rate, expected rate to be non-negative and "
                               f"finite (found {first_bad_value(input.detach(), ~valid)})")
    with no_grad():
        small = rate < _INVERSION_BELOW
        out = zeros(rate.shape, dtype=dtypes.float64, device=rate.device)
        if bool(small.any()):
            out = where(small, _by_inversion(where(small, rate, 0.0), generator), out)
        if not bool(small.all()):
            large = where(small, _INVERSION_BELOW, rate)
            out = where(small, out, _by_rejection(large, generator))
    return cast(out, input.dtype)


def _by_inversion(rate: Tensor, generator: Generator | None) -> Tensor:
    """Counts by sequential search of the cdf: the number of k whose cdf is below u. Takes
    about ``rate`` steps, so it serves small rates."""
    u = rand(rate.shape, dtype=rate.dtype, device=rate.device, generator=generator)
    term = exp(-rate)  # P(0); then P(k) = P(k - 1) rate / k
    cdf, count = term, zeros(rate.shape, dtype=rate.dtype, device=rate.device)
    for k in range(1, _MAX_INVERSION_STEPS + 1):
        beyond = u > cdf
        if not bool(beyond.any()):
            break
        count = count + beyond.to(rate.dtype)
        term = term * rate / k
        cdf = cdf + term
    return count


def _by_rejection(rate: Tensor, generator: Generator | None) -> Tensor:
    """Counts by Hoermann's transformed rejection with squeeze (PTRS, "The transformed
    rejection method for generating Poisson random variables", 1993), for rate >= 10: about
    1.1 proposals per draw whatever the rate. Every round draws for every element, so the
    numbers drawn depend on the seed only."""
    log_rate = log(rate)
    b = 0.931 + 2.53 * sqrt(rate)
    a = -0.059 + 0.02483 * b
    log_inv_alpha = log(1.1239 + 1.1328 / (b - 3.4))
    v_r = 0.9277 - 3.6224 / (b - 2)
    result = zeros(rate.shape, dtype=rate.dtype, device=rate.device)
    done = full(rate.shape, False, device=rate.device)
    while not bool(done.all()):
        u = rand(rate.shape, dtype=rate.dtype, device=rate.device, generator=generator) - 0.5
        v = rand(rate.shape, dtype=rate.dtype, device=rate.device, generator=generator)
        us = 0.5 - u.abs()
        us_safe = where(us > 0, us, 1.0)  # us = 0 (u = -1/2) is rejected below
        k = floor((2 * a / us_safe + b) * u + rate + 0.43)
        squeeze = (us >= 0.07) & (v <= v_r)
        k_safe = where(k > 0, k, 0.0)
        log_ratio = log(v) + log_inv_alpha - log(a / (us_safe * us_safe) + b)
        exact = log_ratio <= -rate + k_safe * log_rate - lgamma(k_safe + 1)
        possible = (us > 0) & (k >= 0) & ~((us < 0.013) & (v > us))
        accept = squeeze | (possible & exact)
        result = where(accept & ~done, k, result)
        done = done | accept
    return result


# -- normal and the *_like functions ------------------------------------------------------------
def normal(mean: Tensor | float, std: Tensor | float = 1.0, size: Sequence[int] | None = None,
           *, generator: Generator | None = None, dtype: DType | None = None,
           layout: object = None, device: DeviceLike | None = None,
           requires_grad: bool = False) -> Tensor:
    """Normal samples, with PyTorch's overloads: ``normal(mean_tensor, std_tensor)`` (one
    draw per element of their broadcast shape), ``normal(mean_tensor, std=1.0)``,
    ``normal(mean, std_tensor)``, and ``normal(mean, std, size)`` for two numbers (with
    ``dtype``, ``layout`` (strided only), ``device`` and ``requires_grad``). With tensors, the
    result has the dtype of ``mean`` (of ``std`` if ``mean`` is a number), as in PyTorch.

    >>> normal(tensor([0.0, 10.0]), 0.0)
    tensor([ 0., 10.])
    """
    if not isinstance(mean, Tensor) and not isinstance(std, Tensor):
        if size is None:
            raise TypeError("normal(): for a float mean and a float std, give the size of "
                            "the result: normal(mean, std, size)")
        if layout is not None and str(layout).rpartition(".")[2] != "strided":
            raise ValueError(f"normal is implemented for strided tensors only, got: {layout}")
        _check_std(std)
        z = randn(size, dtype=dtype, device=device, generator=generator)
        out = z * std + mean
        return out.requires_grad_() if requires_grad else out
    if size is not None or dtype is not None or layout is not None or device is not None \
            or requires_grad:
        raise TypeError("normal(): size, dtype, layout, device and requires_grad go with a "
                        "float mean and a float std only; with a tensor, the result takes its "
                        "shape, dtype and device")
    tensors = [t for t in (mean, std) if isinstance(t, Tensor)]
    same_device(*tensors)
    out_dtype = tensors[0].dtype
    if not out_dtype.is_floating_point:
        raise RuntimeError(f"normal expects floating point mean and std, got "
                           f"{out_dtype.name}")
    if isinstance(std, Tensor):
        negative = std < 0
        if bool(negative.any()):
            raise RuntimeError(f"normal expects all elements of std >= 0.0 (found std = "
                               f"{first_bad_value(std.detach(), negative)})")
    else:
        _check_std(std)
    shape = broadcast_shapes(*(t.shape for t in tensors))
    z = randn(shape, dtype=out_dtype, device=tensors[0].device, generator=generator)
    with no_grad():
        scale = cast(std, out_dtype) if isinstance(std, Tensor) else std
        shift = cast(mean, out_dtype) if isinstance(mean, Tensor) else mean
        return z * scale + shift


def _check_std(std: float) -> None:
    if not std >= 0.0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")


def rand_like(input: Tensor, *, generator: Generator | None = None,  # noqa: A002
              dtype: DType | None = None, device: DeviceLike | None = None,
              requires_grad: bool = False) -> Tensor:
    """U[0, 1) numbers in ``input``'s shape (and dtype and device unless given), as
    ``torch.rand_like``."""
    return rand(input.shape, dtype=dtype or input.dtype, device=device or input.device,
                requires_grad=requires_grad, generator=generator)


def randn_like(input: Tensor, *, generator: Generator | None = None,  # noqa: A002
               dtype: DType | None = None, device: DeviceLike | None = None,
               requires_grad: bool = False) -> Tensor:
    """Standard normal numbers in ``input``'s shape (and dtype and device unless given), as
    ``torch.randn_like``."""
    return randn(input.shape, dtype=dtype or input.dtype, device=device or input.device,
                 requires_grad=requires_grad, generator=generator)


def randint_like(input: Tensor, low: int = 0, high: int | None = None, *,  # noqa: A002
                 generator: Generator | None = None, dtype: DType | None = None,
                 device: DeviceLike | None = None, requires_grad: bool = False) -> Tensor:
    """Integers uniform on ``[low, high)`` in ``input``'s shape, dtype (a float dtype holds
    whole numbers) and device unless given: ``randint_like(x, high)`` or
    ``randint_like(x, low, high)``, as ``torch.randint_like``.

    >>> randint_like(zeros(2, dtype=int64), 3, 4)
    tensor([3, 3])
    """
    if high is None:
        low, high = 0, low
    out = empty(input.shape, dtype=dtypes.as_dtype(dtype) or input.dtype,
                device=device or input.device)
    random_(out, low, high, generator=generator)
    return out.requires_grad_() if requires_grad else out

