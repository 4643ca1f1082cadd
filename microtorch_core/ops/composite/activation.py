"""``softmax`` and ``log_softmax``, which PyTorch has at the top level (``relu``, one kernel,
is in ``primitive/elementwise.py``).

``softmax`` and
``log_softmax`` use the backend's fused kernel when it has one (``primitive/softmax.py``),
else the stable composite: subtract the row's maximum before ``exp``, so nothing overflows.
(The modules and the other activations are in ``nn/``.)
"""

from __future__ import annotations

import math

from ... import dtypes
from ...dispatch import has_kernel
from ...tensor import Tensor, _wrap_dim
from ..declare import op
from ..primitive.elementwise import where
from ..primitive.reduction import amax
from ..primitive.reduction import sum as _sum
from ..primitive.softmax import FusedSoftmax
from .reduction import logsumexp


def _softmax_input(x: Tensor, dim: int | None, dtype: dtypes.DType | None
                   ) -> tuple[Tensor, int]:
    """The input converted as PyTorch does (to ``dtype``, or integers to float) and ``dim``."""
    if dim is None:
        raise TypeError("softmax() missing the dim argument (PyTorch deprecated the implicit "
                        "choice; pass dim=-1 for the last dimension)")
    d = _wrap_dim(dim, x.dim())
    if dtype is not None:
        x = x.to(dtype)
    elif not x.dtype.is_floating_point:
        x = x.to(dtypes.get_default_dtype())
    return x, d


@op(variants="function, method", aliases=("special.softmax",))
def softmax(x: Tensor, dim: int | None = None, dtype: dtypes.DType | None = None) -> Tensor:
    """exp(x) / sum(exp(x)) along ``dim``, computed stably."""
    x, d = _softmax_input(x, dim, dtype)
    if x.numel() == 0:  # nothing to normalise, and an empty dim has no max: PyTorch's shape
        return x.clone()
    if has_kernel(x, "softmax") and x.dim():
        return FusedSoftmax.apply(x, d, False)
    m = amax(x, d, keepdim=True).detach()
    m = where(m.abs() == math.inf, 0.0, m)  # a row of -inf: nan from 0 / 0, not from inf - inf
    e = (x - m).exp()
    return e / _sum(e, d, keepdim=True)


@op(variants="function, method", aliases=("special.log_softmax",))
def log_softmax(x: Tensor, dim: int | None = None, dtype: dtypes.DType | None = None) -> Tensor:
    """x - logsumexp(x) along ``dim``."""
    x, d = _softmax_input(x, dim, dtype)
    if x.numel() == 0:  # as in softmax
        return x.clone()
    if has_kernel(x, "log_softmax") and x.dim():
        return FusedSoftmax.apply(x, d, True)
    return x - logsumexp(x, d, keepdim=True)
