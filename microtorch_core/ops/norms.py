"""Vector norms: ``linalg.vector_norm`` and ``norm``, composites of ``abs``, ``pow`` and the
reductions.

``||x||_p = (sum |x_i|^p)^(1/p)``; ``p = inf`` is ``max |x_i|``, ``-inf`` ``min |x_i|`` and
``0`` counts the non-zeros. The root is a small Function so that the gradient at the zero
vector is 0, as in PyTorch, instead of ``inf * 0 = nan``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from .. import dtypes
from ..autograd.function import Function
from ..tensor import Tensor
from .elementwise import where
from .reduction import amax, amin, reduce_dims
from .reduction import sum as _sum


class _Root(Function):
    """out = s ** (1 / p) for s >= 0; the gradient where s = 0 is 0, not inf"""

    @staticmethod
    def forward(ctx, s: Tensor, p: float) -> Tensor:
        out = s ** (1.0 / p)
        ctx.p = p
        ctx.save_for_backward(s, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        s, out = ctx.saved_tensors
        # d s^(1/p) / ds = s^(1/p - 1) / p = out / (p * s)
        return where(out == 0, 0.0, grad * out / (ctx.p * s)), None


def vector_norm(x: Tensor, ord: float = 2, dim: int | Sequence[int] | None = None,  # noqa: A002
                keepdim: bool = False, *, dtype: dtypes.DType | None = None) -> Tensor:
    """The ``ord``-norm of ``x`` over ``dim`` (``None`` or ``()``: all elements), as
    ``torch.linalg.vector_norm``. ``ord=0`` (the count of non-zeros) has no gradient.

    >>> vector_norm(tensor([3.0, 4.0]))
    tensor(5.)
    """
    if not x.dtype.is_floating_point:
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor "
                           f"as input. Got {x.dtype.name}")
    if dtype is not None:
        dtype = dtypes.as_dtype(dtype)
        if not dtype.is_floating_point:
            raise RuntimeError(f"linalg.vector_norm: dtype should be floating point or "
                               f"complex, but got {dtype.name}")
        x = x.to(dtype)
    if isinstance(ord, (str, bool)) or not isinstance(ord, (int, float)):
        raise TypeError(f"linalg.vector_norm: ord must be a number (or inf), got {ord!r}; "
                        f"norm() takes 'fro'")
    dims = reduce_dims(x, dim)
    if math.isinf(ord):
        if any(x.shape[d] == 0 for d in dims):
            raise RuntimeError(f"linalg.vector_norm cannot compute the {ord} norm on an empty "
                               f"tensor because the operation does not have an identity")
        return (amax if ord > 0 else amin)(x.abs(), dims, keepdim)
    if ord == 0:
        return _sum((x != 0).to(x.dtype), dims, keepdim)
    if ord == 1:
        return _sum(x.abs(), dims, keepdim)
    if ord == 2:
        powered = x * x
    else:  # |x|^p at 0 is set, not computed: its slope there is infinite when p < 1 (and
        # the value infinite when p < 0), and PyTorch's gradient at zeros is 0
        a = x.abs()
        is_zero = a == 0
        powered = where(is_zero, 0.0 if ord > 0 else math.inf, where(is_zero, 1.0, a) ** ord)
    return _Root.apply(_sum(powered, dims, keepdim), float(ord))


def norm(x: Tensor, p: float | str = "fro", dim: int | Sequence[int] | None = None,
         keepdim: bool = False, dtype: dtypes.DType | None = None) -> Tensor:
    """``x.norm()``, as ``torch.norm``: the vector ``p``-norm over ``dim`` (all elements by
    default); ``'fro'`` (the default) is the 2-norm. The nuclear norm (``'nuc'``) needs a
    singular value decomposition, which MicroTorch lacks."""
    if p == "fro":
        p = 2
    elif p == "nuc":
        raise NotImplementedError("norm(p='nuc'): the nuclear norm needs a singular value "
                                  "decomposition, which MicroTorch does not have")
    elif isinstance(p, str):
        raise RuntimeError(f"norm(): unknown p={p!r}; use a number, inf, 'fro' or 'nuc'")
    return vector_norm(x, p, dim, keepdim, dtype=dtype)
