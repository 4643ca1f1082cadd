"""Vector norms: ``linalg.vector_norm`` and ``norm``, composites of ``abs``, ``pow`` and the
reductions; and ``cdist``, the norms of all pairwise differences.

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
from .elementwise import same_device, where
from .linalg import matmul
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


CDIST_MODES = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
               "donot_use_mm_for_euclid_dist")


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0,
          compute_mode: str = "use_mm_for_euclid_dist_if_necessary") -> Tensor:
    """The ``p``-norm distance between every row of ``x1`` (..., P, M) and every row of
    ``x2`` (..., R, M): a (..., P, R) tensor, batch dims broadcast, as ``torch.cdist``.

    In general the (..., P, R, M) differences are formed and normed. For ``p=2`` with more
    than 25 rows on a side (or ``compute_mode="use_mm_for_euclid_dist"``), PyTorch's faster
    and less exact form is used, as there: ``|x|^2 + |y|^2 - 2 x.y`` by a matmul, clamped at
    1e-30 before the square root (so rounding never makes it negative).

    >>> cdist(tensor([[0.0, 0.0]]), tensor([[3.0, 4.0], [1.0, 0.0]]))
    tensor([[5., 1.]])
    """
    for label, x in (("X1", x1), ("X2", x2)):
        if x.dim() < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {label} got: "
                               f"{x.dim()}D")
        if not x.dtype.is_floating_point:
            raise RuntimeError(f"cdist only supports floating-point dtypes, {label} got: "
                               f"{x.dtype.name}")
    same_device(x1, x2)
    if x1.dtype is not x2.dtype:
        raise RuntimeError(f"cdist(): X1 and X2 must have the same dtype, got {x1.dtype.name} "
                           f"and {x2.dtype.name}")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: "
                           f"{x1.shape[-1]} X2: {x2.shape[-1]}")
    if p < 0:
        raise RuntimeError(f"cdist only supports non-negative p values, got p={p}")
    if compute_mode not in CDIST_MODES:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode (expected one "
                         f"of {', '.join(CDIST_MODES)})")
    rows1, rows2 = x1.shape[-2], x2.shape[-2]
    use_mm = p == 2 and (compute_mode == CDIST_MODES[1] or (
        compute_mode == CDIST_MODES[0] and (rows1 > 25 or rows2 > 25)))
    if use_mm:
        sq1 = (x1 * x1).sum(-1, keepdim=True)  # (..., P, 1)
        sq2 = (x2 * x2).sum(-1, keepdim=True).mT  # (..., 1, R)
        squared = sq1 + sq2 - 2 * matmul(x1, x2.mT)
        return squared.clamp_min(1e-30).sqrt()
    differences = x1.unsqueeze(-2) - x2.unsqueeze(-3)  # (..., P, R, M)
    return vector_norm(differences, p, -1)
