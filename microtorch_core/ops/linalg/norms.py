"""Norms: ``linalg.vector_norm`` and ``norm``, composites of ``abs``, ``pow`` and the
reductions; ``linalg.matrix_norm`` and ``linalg.norm``; ``dist``, ``renorm`` and ``cdist``,
the norms of all pairwise differences.

``||x||_p = (sum |x_i|^p)^(1/p)``; ``p = inf`` is ``max |x_i|``, ``-inf`` ``min |x_i|`` and
``0`` counts the non-zeros. The root is a small Function so that the gradient at the zero
vector is 0, as in PyTorch, instead of ``inf * 0 = nan``. The matrix 2-norm and nuclear norm
(``ord`` 2, -2, ``'nuc'``) need singular values: MicroTorch has no SVD yet, so they raise.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ... import dtypes
from ...autograd.function import Function
from ...dispatch import same_device
from ...tensor import Tensor, _wrap_dim
from ..declare import op
from ..primitive.elementwise import where
from ..primitive.matmul import matmul
from ..primitive.reduction import amax, amin, reduce_dims
from ..primitive.reduction import sum as _sum


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


@op(namespace="linalg")
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


@op(variants="function, method")
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
    (sqrt of the sum of squares), ``1``/``-1`` (largest/smallest column sum of ``|A|``) and
    ``inf``/``-inf`` (rows). ``'nuc'``, ``2`` and ``-2`` need an SVD: not available."""
    if A.dim() < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 "
                           "dimensions.")
    if dtype is not None:
        A = A.to(dtypes.as_dtype(dtype))
    if not A.dtype.is_floating_point:
        raise RuntimeError(f"linalg.matrix_norm: Expected a floating point or complex tensor "
                           f"as input. Got {A.dtype.name}")
    rows, cols = (_wrap_dim(d, A.dim()) for d in dim)
    if ord == "fro":
        return vector_norm(A, 2, (rows, cols), keepdim)
    if ord in ("nuc", 2, -2):
        raise NotImplementedError(f"linalg.matrix_norm(ord={ord!r}) needs a singular value "
                                  "decomposition, which MicroTorch does not have")
    if ord not in (1, -1, math.inf, -math.inf):
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    summed, other = (rows, cols) if abs(ord) == 1 else (cols, rows)
    sums = _sum(A.abs(), summed, keepdim=True)
    out = (amax if ord > 0 else amin)(sums, other, keepdim=True)
    return out if keepdim else out.squeeze((rows, cols))


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
