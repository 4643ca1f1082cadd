"""Statistics built on the reductions: var_mean std_mean aminmax nansum nanmean
count_nonzero, and the covariance ``cov`` and correlation ``corrcoef`` of variables in rows.

Composites of the reductions: each runs on every backend and differentiates through them.
``var_mean`` computes the mean once and returns it with the variance.
"""

from __future__ import annotations

import warnings
from typing import NamedTuple

from ... import dtypes
from ...tensor import Tensor
from ..declare import op
from ..primitive.elementwise import where
from ..primitive.matmul import matmul
from ..primitive.reduction import DimArg, _drop_shape, amax, amin, reduce_dims, reduced_count
from ..primitive.reduction import sum as _sum
from ..primitive.views import reshape
from .comparison import clamp
from .reduction import _StdFromVar, dim_and_correction
from .reduction import mean as _mean


class AminmaxResult(NamedTuple):
    """``(min, max)`` of :func:`aminmax`, as ``torch.return_types.aminmax``."""

    min: Tensor
    max: Tensor


def _check_floating(name: str, x: Tensor) -> None:
    if not x.dtype.is_floating_point:
        raise RuntimeError(f"{name}(): only floating point dtypes are supported, got "
                           f"{x.dtype.name}")


@op
def var_mean(x: Tensor, dim: DimArg = None, unbiased: bool | None = None,
             keepdim: bool = False, *, correction: int | None = None
             ) -> tuple[Tensor, Tensor]:
    """``(var(x, dim, ...), mean(x, dim))`` with the mean computed once, as
    ``torch.var_mean``; ``correction=1`` (Bessel's, the default) divides by ``n - 1``.

    >>> var_mean(tensor([1.0, 2.0, 6.0]))
    (tensor(7.), tensor(3.))
    """
    _check_floating("var_mean", x)
    dim, correction = dim_and_correction("var_mean", dim, unbiased, correction)
    dims = reduce_dims(x, dim)
    m = _mean(x, dims, keepdim=True)
    centered = x - m
    n = reduced_count(x.shape, dims) - correction
    v = _sum(centered * centered, dims, keepdim) / (n if n > 0 else float("nan"))
    return v, m if keepdim else reshape(m, _drop_shape(x.shape, dims))


@op
def std_mean(x: Tensor, dim: DimArg = None, unbiased: bool | None = None,
             keepdim: bool = False, *, correction: int | None = None
             ) -> tuple[Tensor, Tensor]:
    """``(std(x, dim, ...), mean(x, dim))`` with the mean computed once, as
    ``torch.std_mean``."""
    _check_floating("std_mean", x)
    dim, correction = dim_and_correction("std_mean", dim, unbiased, correction)
    v, m = var_mean(x, dim, keepdim=keepdim, correction=correction)
    return _StdFromVar.apply(v), m


@op(variants="function, method")
def aminmax(x: Tensor, *, dim: int | None = None, keepdim: bool = False) -> AminmaxResult:
    """``(amin(x, dim), amax(x, dim))`` over ``dim`` (or all elements), as
    ``torch.aminmax``; the gradient of each is ``amin``'s and ``amax``'s.

    >>> aminmax(tensor([3, 1, 4]))
    AminmaxResult(min=tensor(1), max=tensor(4))
    """
    if dim is None:
        if x.numel() == 0:
            raise RuntimeError(f"aminmax(): cannot compute aminmax over an empty dimension as "
                               f"the operation has no identity (input shape "
                               f"{tuple(x.shape)})")
        dims: DimArg = ()
    else:
        (d,) = reduce_dims(x, dim) or (None,)
        if d is not None and x.shape[d] == 0:
            raise IndexError(f"aminmax(): Expected reduction dim {d} to have non-zero size "
                             f"(input shape {tuple(x.shape)})")
        dims = dim
    return AminmaxResult(amin(x, dims, keepdim), amax(x, dims, keepdim))


@op(variants="function, method")
def nansum(x: Tensor, dim: DimArg = None, keepdim: bool = False, *,
           dtype: dtypes.DType | None = None) -> Tensor:
    """The sum over ``dim`` counting NaNs as zero, as ``torch.nansum``; a NaN gets a zero
    gradient.

    >>> nansum(tensor([1.0, float("nan"), 2.0]))
    tensor(3.)
    """
    if dtype is not None:
        x = x.to(dtype)
    if x.dtype.is_floating_point:
        x = where(x != x, 0.0, x)
    return _sum(x, dim, keepdim)


@op(variants="function, method")
def nanmean(x: Tensor, dim: DimArg = None, keepdim: bool = False, *,
            dtype: dtypes.DType | None = None) -> Tensor:
    """The mean over ``dim`` of the elements that are not NaN, as ``torch.nanmean`` (NaN
    where all are).

    >>> nanmean(tensor([1.0, float("nan"), 2.0]))
    tensor(1.5000)
    """
    if dtype is not None:
        x = x.to(dtype)
    if not x.dtype.is_floating_point:
        raise RuntimeError(f"nanmean(): expected input to have floating point dtype but got "
                           f"{x.dtype.name}")
    present = x == x
    return nansum(x, dim, keepdim) / _sum(present, dim, keepdim)


@op(variants="function, method")
def count_nonzero(x: Tensor, dim: DimArg = None) -> Tensor:
    """The number of non-zero elements over ``dim`` (an int, a tuple, or None for all), as
    ``torch.count_nonzero``; int64, and NaN counts as non-zero.

    >>> count_nonzero(tensor([[0, 1], [2, 3]]), 0)
    tensor([1, 2])
    """
    return _sum(x != 0, dim)


# -- statistics -------------------------------------------------------------------------------
@op(variants="function, method")
def cov(x: Tensor, *, correction: int = 1, fweights: Tensor | None = None,
        aweights: Tensor | None = None) -> Tensor:
    """The covariance matrix of the variables in the rows of ``x`` (observations in columns;
    a 1-D ``x`` is one variable and gives a 0-d variance), as ``torch.cov`` and ``numpy.cov``.
    ``fweights`` (integer counts) and ``aweights`` weigh the observations."""
    if x.dim() > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an "
                           f"input with {x.dim()} dimensions")
    x = x if x.dim() == 2 else x.reshape(1, -1)
    if not x.dtype.is_floating_point:
        x = x.to(dtypes.get_default_dtype())
    n = x.shape[1]
    w = None
    if fweights is not None:
        if fweights.dtype.is_floating_point:
            raise RuntimeError(f"cov(): expected fweights to have integral dtype but got "
                               f"fweights with {fweights.dtype.name} dtype")
        w = fweights
    if aweights is not None:
        if not aweights.dtype.is_floating_point:
            raise RuntimeError(f"cov(): expected aweights to have floating point dtype but got "
                               f"aweights with {aweights.dtype.name} dtype")
        # the weights keep their dtype, as PyTorch's: float32 weights give a float32 norm
        w = aweights if w is None else w * aweights
    for name, t in (("fweights", fweights), ("aweights", aweights)):
        if t is not None and (t.dim() != 1 or t.shape[0] != n):
            raise RuntimeError(f"cov(): expected {name} to be a 1-D tensor of {n} elements "
                               f"(one per observation), got shape {list(t.shape)}")
        if t is not None and bool((t < 0).any().item()):
            raise RuntimeError(f"cov(): {name} cannot be negative")
    if w is None:
        avg, norm = x.mean(1), float(n - correction)
        xm = x - avg.unsqueeze(1)
        c = matmul(xm, xm.mT)
    else:
        w_sum = w.sum()
        avg = _sum(x * w, 1) / w_sum
        if correction == 0:
            norm = w_sum
        elif aweights is None:
            norm = w_sum - correction
        else:
            norm = w_sum - correction * _sum(w * aweights) / w_sum
        xm = x - avg.unsqueeze(1)
        c = matmul(xm * w, xm.mT)
    if (norm <= 0).item() if isinstance(norm, Tensor) else norm <= 0:
        warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less "
                      "than the number of observations.", UserWarning, stacklevel=2)
        # +0, as PyTorch's norm.zero_() (norm * 0 of a negative norm is -0: c / -0 flips
        # every infinity's sign)
        norm = norm._empty_like().fill_(0.0) if isinstance(norm, Tensor) else 0.0
    return (c / norm).squeeze()


@op(variants="function, method")
def corrcoef(x: Tensor) -> Tensor:
    """Pearson correlation coefficients of the variables in the rows of ``x``: ``cov`` scaled
    by the standard deviations, clipped to [-1, 1], as ``torch.corrcoef``."""
    c = cov(x)
    if c.dim() == 0:
        return c / c
    d = c.diagonal().sqrt()
    return clamp(c / d.unsqueeze(1) / d.unsqueeze(0), -1, 1)
