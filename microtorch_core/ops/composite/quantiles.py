"""Order statistics from one sort: ``quantile``, ``nanquantile`` and ``nanmedian``.

A ``q``-quantile of ``n`` sorted values sits at the fractional rank ``q * (n - 1)``; the
``interpolation`` mode says what to do between the two neighbours ``lo = floor(rank)`` and
``hi = ceil(rank)``: ``linear`` (``v[lo] + (rank - lo) * (v[hi] - v[lo])``), ``lower``,
``higher``, ``nearest`` (half to even, as PyTorch and NumPy) or ``midpoint``. Sorting puts NaN
last, so the NaN-ignoring forms only count the non-NaN values of each slice. Gradients flow
back through ``gather`` and the sort to the elements picked, and, for ``linear``, to a tensor
``q`` through the weight ``rank - lo`` (as PyTorch; the other modes give ``q`` no gradient).
"""

from __future__ import annotations

import math

from ... import dtypes
from ...tensor import Tensor, _wrap_dim
from ..declare import op
from ..primitive.elementwise import where
from ..primitive.indexing import Gather
from ..primitive.sort import sort
from .comparison import isnan
from .rounding import round as _round
from .sorting import MedianResult

INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _q_tensor(name: str, x: Tensor, q: Tensor | float, differentiable: bool) -> Tensor:
    """``q`` as a 1-D tensor on x's device, after PyTorch's checks (detached unless
    ``differentiable``)."""
    if isinstance(q, Tensor):
        if q.dim() > 1:
            raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
        if q.dtype is not x.dtype:
            raise RuntimeError(f"{name}() q tensor must be same dtype as the input tensor")
        values = q.reshape(-1).tolist()
        qt = q.reshape(-1).to(x.device)
        qt = qt if differentiable else qt.detach()
    else:
        values = [float(q)]
        qt = x._empty_like((1,)).fill_(float(q))
    for v in values:
        if not 0 <= v <= 1:
            raise RuntimeError(f"{name}() q must be in the range [0, 1] but got {v}")
    return qt


def _quantile(name: str, x: Tensor, q: Tensor | float, dim: int | None, keepdim: bool,
              interpolation: str, ignore_nan: bool) -> Tensor:
    if not x.dtype.is_floating_point:
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype")
    if interpolation not in INTERPOLATIONS:
        raise RuntimeError(f"{name}() interpolation must be one of linear, lower, higher, "
                           f"midpoint or nearest, but got {interpolation}")
    qt = _q_tensor(name, x, q, differentiable=interpolation == "linear")
    if x.numel() == 0:
        raise RuntimeError(f"{name}() input tensor must be non-empty")
    d = 0 if dim is None else _wrap_dim(dim, x.dim())
    flat = x.reshape(-1) if dim is None or x.dim() == 0 else x
    values = sort(flat, d).values.movedim(d, -1)  # (..., n), NaN last
    n = values.shape[-1]
    nans = isnan(values.detach())
    if ignore_nan:
        # all NaN: rank 0, which picks a NaN
        count = (~nans).sum(-1, keepdim=True).to(x.dtype)
        ranks = (qt * (count - 1)).clamp(min=0)
    else:
        # a slice with a NaN takes its last value, a NaN (so its gradient goes there, as
        # PyTorch's)
        ranks = where(nans.any(-1, keepdim=True), float(n - 1), qt * float(n - 1))
    if interpolation == "lower":
        ranks = ranks.floor()
    elif interpolation == "higher":
        ranks = ranks.ceil()
    elif interpolation == "nearest":
        ranks = _round(ranks)
    lo = ranks.floor()
    last = values.dim() - 1  # ranks computed here are in range: no bounds check
    below = Gather.apply(values, last, lo.to(dtypes.int64))
    if interpolation in ("linear", "midpoint"):
        above = Gather.apply(values, last, ranks.ceil().to(dtypes.int64))
        weight = 0.5 if interpolation == "midpoint" else ranks - lo
        below = below + weight * (above - below)
    out = below.movedim(-1, 0)  # (len(q), ...)
    if keepdim and x.dim() > 0:  # a 0-d input keeps its 0 dims (PyTorch's shape)
        out = out.reshape((out.shape[0],) + (1,) * x.dim()) if dim is None else out.unsqueeze(
            d + 1)
    return out.squeeze(0) if not isinstance(q, Tensor) or q.dim() == 0 else out


@op(variants="function, method")
def quantile(x: Tensor, q: Tensor | float, dim: int | None = None, keepdim: bool = False, *,
             interpolation: str = "linear") -> Tensor:
    """The ``q``-quantiles of ``x`` (all elements, or along ``dim``), as ``torch.quantile``;
    a 1-D ``q`` adds a first dim with one entry per ``q``. A slice with a NaN gives NaN.

    >>> quantile(tensor([1.0, 2.0, 3.0, 4.0]), 0.5)
    tensor(2.5000)
    """
    return _quantile("quantile", x, q, dim, keepdim, interpolation, ignore_nan=False)


@op(variants="function, method")
def nanquantile(x: Tensor, q: Tensor | float, dim: int | None = None, keepdim: bool = False,
                *, interpolation: str = "linear") -> Tensor:
    """As :func:`quantile`, ignoring NaNs (a slice of NaNs only gives NaN)."""
    return _quantile("nanquantile", x, q, dim, keepdim, interpolation, ignore_nan=True)


@op(variants="function, method")
def nanmedian(x: Tensor, dim: int | None = None, keepdim: bool = False
              ) -> Tensor | MedianResult:
    """The lower median ignoring NaNs, as ``torch.nanmedian``: a 0-d tensor, or with ``dim``
    ``(values, indices)`` along it. A slice of NaNs only gives NaN."""
    if dim is None:
        flat = x.reshape(-1)
        if flat.numel() == 0:
            return x._empty_like(()).fill_(math.nan)
        return nanmedian(flat, 0).values
    d = _wrap_dim(dim, x.dim())
    if x.dim() == 0:
        return MedianResult(*sort(x))
    if x.shape[d] == 0:
        raise IndexError(f"nanmedian(): cannot take the median over dimension {d} of size 0 "
                         f"(input shape {tuple(x.shape)})")
    values, indices = sort(x, d)
    count = (~isnan(x.detach())).sum(d, keepdim=True) if x.dtype.is_floating_point else \
        x.shape[d]
    position = ((count - 1) // 2).clamp(min=0) if isinstance(count, Tensor) else \
        values._empty_like(values.shape[:d] + (1,) + values.shape[d + 1:],
                           dtypes.int64).fill_((count - 1) // 2)
    values, indices = Gather.apply(values, d, position), Gather.apply(indices, d, position)
    if not keepdim:
        values, indices = values.squeeze(d), indices.squeeze(d)
    return MedianResult(values, indices)
