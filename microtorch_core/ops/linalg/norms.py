"""Norms: ``linalg.vector_norm`` and ``norm``, composites of ``abs``, ``pow`` and the
reductions; ``linalg.matrix_norm`` and ``linalg.norm``; ``dist``, ``renorm`` and ``cdist``,
the norms of all pairwise differences.

``||x||_p = (sum |x_i|^p)^(1/p)``; ``p = inf`` is ``max |x_i|``, ``-inf`` ``min |x_i|`` and
``0`` counts the non-zeros. The root is a small Function so that the gradient at the zero
vector is 0, as in PyTorch, instead of ``inf * 0 = nan``. The matrix 2-norm, -2-"norm" and
nuclear norm (``ord`` 2, -2, ``'nuc'``) are the largest, smallest and sum of the singular
values (``svd.py``), and ``linalg.cond`` the ratio of two norms.

Empty matrices follow PyTorch: a norm that takes a largest value over an empty dim is 0 (no
entry is larger), one that takes a smallest value raises, as does a negative vector norm.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ... import dtypes
from ...autograd.function import Function
from ...creation import eye
from ...dispatch import same_device
from ...tensor import Tensor, _wrap_dim
from ..composite.diagonal import diagonal
from ..declare import op
from ..primitive.elementwise import where
from ..primitive.matmul import matmul
from ..primitive.reduction import amax, amin, reduce_dims
from ..primitive.reduction import sum as _sum
from .lu import Inv, lu_factor
from .svd import singular_values


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


class _CountNonzero(Function):
    """out = the number of non-zeros of x over dims; differentiable, with no gradient (as
    PyTorch's ord-0 norm: the count is piecewise constant)"""

    @staticmethod
    def forward(ctx, x: Tensor, dims: tuple[int, ...], keepdim: bool) -> Tensor:
        return _sum((x != 0).to(x.dtype), dims, keepdim)

    @staticmethod
    def backward(ctx, grad):
        return None, None, None


@op(namespace="linalg")
def vector_norm(x: Tensor, ord: float = 2, dim: int | Sequence[int] | None = None,  # noqa: A002
                keepdim: bool = False, *, dtype: dtypes.DType | None = None) -> Tensor:
    """The ``ord``-norm of ``x`` over ``dim`` (``None`` or ``()``: all elements), as
    ``torch.linalg.vector_norm``. ``ord=0`` (the count of non-zeros) has no gradient (its
    output requires grad, as PyTorch's, and gives None).

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
    if (math.isinf(ord) or ord < 0) and any(x.shape[d] == 0 for d in dims):
        raise RuntimeError(f"linalg.vector_norm cannot compute the {ord:g} norm on an empty "
                           f"tensor because the operation does not have an identity")
    if math.isinf(ord):
        return (amax if ord > 0 else amin)(x.abs(), dims, keepdim)
    if ord == 0:
        return _CountNonzero.apply(x, dims, keepdim)
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


@op(variants="function, method")
def norm(x: Tensor, p: float | str = "fro", dim: int | Sequence[int] | None = None,
         keepdim: bool = False, dtype: dtypes.DType | None = None) -> Tensor:
    """``x.norm()``, as ``torch.norm``: the vector ``p``-norm over ``dim`` (all elements by
    default); ``'fro'`` (the default) is the 2-norm; ``'nuc'`` is the nuclear norm of the
    matrices over the two dims ``dim`` (of a 2-D ``x`` by default)."""
    if isinstance(p, str):
        if p == "fro" and (dim is None or isinstance(dim, int) or len(dim) <= 2):
            return vector_norm(x, 2, dim, keepdim, dtype=dtype)
        if p not in ("fro", "nuc"):
            raise RuntimeError(f"norm(): unknown p={p!r}; use a number, inf, 'fro' or 'nuc'")
        dims = tuple(range(x.dim())) if dim is None else (dim,) if isinstance(dim, int) else dim
        return matrix_norm(x, p, dims, keepdim, dtype=dtype)
    return vector_norm(x, p, dim, keepdim, dtype=dtype)


CDIST_MODES = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
               "donot_use_mm_for_euclid_dist")


@op
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


@op(variants="function, method")
def dist(a: Tensor, b: Tensor, p: float = 2) -> Tensor:
    """The ``p``-norm of ``a - b`` (broadcast), as ``torch.dist``."""
    if not (a.dtype.is_floating_point and b.dtype.is_floating_point):
        raise RuntimeError(f"dist(): input dtype should be floating point, got {a.dtype.name} "
                           f"and {b.dtype.name}")
    return vector_norm(a - b, p)


@op(variants="function, method")
def renorm(x: Tensor, p: float, dim: int, maxnorm: float) -> Tensor:
    """``x`` with every slice along ``dim`` whose ``p``-norm exceeds ``maxnorm`` scaled down
    to norm ``maxnorm`` (the others unchanged), as ``torch.renorm``."""
    if x.dim() < 2:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {x.dim()} "
                           "dimensions")
    if p <= 0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    d = _wrap_dim(dim, x.dim())
    norms = vector_norm(x, p, tuple(i for i in range(x.dim()) if i != d), keepdim=True)
    # PyTorch's 1e-7 keeps a zero slice finite; the factor is differentiated, as PyTorch's
    return x * where(norms > maxnorm, maxnorm / (norms + 1e-7), 1.0)


@op(namespace="linalg")
def matrix_norm(A: Tensor, ord: float | str = "fro", dim: tuple[int, int] = (-2, -1),  # noqa: A002
                keepdim: bool = False, *, dtype: dtypes.DType | None = None) -> Tensor:
    """A matrix norm over the two dims ``dim``, as ``torch.linalg.matrix_norm``: ``'fro'``
    (sqrt of the sum of squares), ``'nuc'`` (the sum of the singular values), ``2``/``-2``
    (the largest/smallest singular value), ``1``/``-1`` (largest/smallest column sum of
    ``|A|``) and ``inf``/``-inf`` (rows).

    >>> matrix_norm(tensor([[3.0, 0.0], [0.0, -4.0]]), "nuc")
    tensor(7.)
    """
    if A.dim() < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 "
                           "dimensions.")
    if dtype is not None:
        A = A.to(dtypes.as_dtype(dtype))
    if not A.dtype.is_floating_point:
        raise RuntimeError(f"linalg.matrix_norm: Expected a floating point or complex tensor "
                           f"as input. Got {A.dtype.name}")
    if len(dim) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got "
                           f"{' '.join(str(d) for d in dim)}")
    rows, cols = (_wrap_dim(d, A.dim()) for d in dim)
    if rows == cols:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, "
                           f"{dim[1]})")
    if ord == "fro":
        return vector_norm(A, 2, (rows, cols), keepdim)
    if ord in ("nuc", 2, -2):
        s = singular_values(A.movedim((rows, cols), (-2, -1)))
        out = s.sum(-1) if ord == "nuc" else _extreme(s, -1, ord > 0, False)
        if keepdim:
            out = out.unsqueeze(min(rows, cols)).unsqueeze(max(rows, cols))
        return out
    if ord not in (1, -1, math.inf, -math.inf):
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    summed, other = (rows, cols) if abs(ord) == 1 else (cols, rows)
    sums = _sum(A.abs(), summed, keepdim)  # then the other dim moves up if summed was before
    return _extreme(sums, other if keepdim or other < summed else other - 1, ord > 0, keepdim)


def _extreme(x: Tensor, dim: int, largest: bool, keepdim: bool) -> Tensor:
    """The largest (or smallest) entry of ``x`` along ``dim``, as matrix norms take it: the
    largest over an empty dim is 0 (the norms are never negative), the smallest an error."""
    if x.shape[dim] == 0:
        if not largest:
            raise IndexError(f"amin(): Expected reduction dim {dim} to have non-zero size.")
        return _sum(x, dim, keepdim)  # zeros of the reduced shape
    return (amax if largest else amin)(x, dim, keepdim)


@op(namespace="linalg", name="norm")
def linalg_norm(A: Tensor, ord: float | str | None = None,  # noqa: A002
                dim: int | Sequence[int] | None = None, keepdim: bool = False, *,
                dtype: dtypes.DType | None = None) -> Tensor:
    """``torch.linalg.norm``: a vector norm over one dim (or over a 1-D input), a matrix norm
    over two dims (or over a 2-D input when ``ord`` is given), else the 2-norm of all
    elements."""
    if isinstance(dim, int):
        dim = (dim,)
    if dim is None and ord is not None:
        if A.dim() not in (1, 2):
            raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input "
                               f"must be 1D or 2D. Got {A.dim()}D.")
        dim = tuple(range(A.dim()))
    if dim is not None and len(dim) == 2:
        return matrix_norm(A, "fro" if ord is None else ord, tuple(dim), keepdim, dtype=dtype)
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.norm: the matrix norm ord={ord!r} needs two dims")
    return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)


_COND_ORDS = ("fro", "nuc", math.inf, -math.inf, 1, -1)


@op(namespace="linalg")
def cond(A: Tensor, p: float | str | None = None) -> Tensor:  # noqa: N803 - PyTorch's name
    """The condition number of ``A`` (..., m, n) in the norm ``p``, as ``torch.linalg.cond``:
    ``None``/``2`` is s_max / s_min (any shape; inf for a singular matrix), ``-2`` its
    inverse; ``'fro'``, ``'nuc'``, ``1``, ``-1``, ``inf``, ``-inf`` are
    ``matrix_norm(A, p) * matrix_norm(inv(A), p)`` for square A (inf where A is singular).

    >>> cond(tensor([[1.0, 0.0], [0.0, 4.0]]))
    tensor(4.)
    """
    if not A.dtype.is_floating_point:
        raise RuntimeError(f"linalg.cond: Expected a floating point or complex tensor as "
                           f"input. Got {A.dtype.name}")
    if A.dim() < 2:
        raise RuntimeError("linalg.cond: The input tensor A must have at least 2 dimensions.")
    if p is None or p in (2, -2):
        s = singular_values(A)
        if s.shape[-1] == 0:  # PyTorch: 0 for empty matrices
            return s.sum(-1)
        largest, smallest = s[..., 0], s[..., -1]
        return smallest / largest if p == -2 else largest / smallest
    if p not in _COND_ORDS:
        raise RuntimeError(f"linalg.cond got an invalid norm type: {p}")
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"linalg.cond(ord={p}): A must be batches of square matrices, but "
                           f"they are {A.shape[-2]} by {A.shape[-1]} matrices")
    if A.numel() == 0:
        return _sum(A, (-2, -1))  # zeros over the batch, as PyTorch
    # a zero pivot means A is singular: invert I there instead, and give inf
    singular = (diagonal(lu_factor(A.detach())[0], 0, -2, -1) == 0).any(-1)
    identity = eye(A.shape[-1], dtype=A.dtype, device=A.device)
    inverse = Inv.apply(where(singular.unsqueeze(-1).unsqueeze(-1), identity, A), None)
    return where(singular, math.inf, matrix_norm(A, p) * matrix_norm(inverse, p))
