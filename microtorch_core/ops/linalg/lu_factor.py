"""The LU factorisation as a result in its own right: ``linalg.lu_factor``,
``linalg.lu_factor_ex``, ``linalg.lu``, ``lu_unpack`` and the older ``torch.lu``.

The factorisation is ``lu.py``'s (partial pivoting, a column at a time), for any (..., m, n):
P A = L U with L (m, k) unit lower triangular, U (k, n) upper triangular, k = min(m, n),
packed into one matrix as LAPACK's ``getrf`` leaves them. The row interchanges come as
LAPACK's ``ipiv`` (int32, 1-based, (..., k)): at step j, row j was swapped with row
``pivots[j] - 1``. Replaying the swaps on 0, 1, ..., m - 1 gives the permutation ``perm``
with A[perm] = L U, and P[perm[i], i] = 1 gives A = P L U (``lu_unpack``).

The gradient of the factors is PyTorch's (``linalg_lu_backward``), derived from
P^T dA = dL U + L dU: with X = L^-1 P^T dA U^-1, dL = L tril(X, -1) and dU = triu(X) U. For a
square A, gA = P L^-T M U^-T with M = tril(L^T gL, -1) + triu(gU U^T). A wide A = P L [U1 | U2]
carries U2 along (gA2 = P L^-T gU2, and gU2 U2^T enters M's lower part); a tall one carries
L2 (gA2 = P gL2 U^-T, and L2^T gL2 enters M's upper part). The pivots, a piecewise constant
function of A, have none. ``lu_unpack``'s L and U are slices and triangles of the packed
matrix, so their gradients flow back through those ops.
"""

from __future__ import annotations

import warnings
from typing import NamedTuple

from ... import dtypes
from ...autograd.function import Function
from ...creation import arange, eye
from ...tensor import Tensor
from ..composite.diagonal import tril, triu
from ..composite.indexing import cat
from ..declare import op
from ..primitive.elementwise import where
from .lu import _zero_pivots, lu_factor_steps
from .triangular import raise_for_info, solve_triangular

_SINGULAR = ("{name}: U[{{0}},{{0}}] is zero and using it on lu_solve would result in a "
             "division by zero. If you still want to perform the factorization, consider "
             "calling linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)")


class LUFactorResult(NamedTuple):
    """``(LU, pivots)`` of :func:`lu_factor`, as ``torch.return_types.linalg_lu_factor``."""

    LU: Tensor  # noqa: N815 - PyTorch's field names
    pivots: Tensor


class LUFactorExResult(NamedTuple):
    """``(LU, pivots, info)`` of :func:`lu_factor_ex`, as
    ``torch.return_types.linalg_lu_factor_ex``."""

    LU: Tensor  # noqa: N815
    pivots: Tensor
    info: Tensor


class LUResult(NamedTuple):
    """``(P, L, U)`` of :func:`linalg_lu` and :func:`lu_unpack`, as
    ``torch.return_types.linalg_lu`` and ``torch.return_types.lu_unpack``."""

    P: Tensor  # noqa: N815
    L: Tensor  # noqa: N815
    U: Tensor  # noqa: N815


# -- the pieces: permutations and the factors ------------------------------------------------

def permutation_from_pivots(pivots: Tensor, m: int) -> Tensor:
    """The row order ``perm`` (int64, (..., m)) with A[perm] = L U, from LAPACK's 1-based
    sequential row swaps ``pivots`` (..., k): the swaps replayed on 0, 1, ..., m - 1."""
    rows = arange(m, device=pivots.device)
    perm = rows.expand(pivots.shape[:-1] + (m,))
    swaps = pivots.to(dtypes.int64) - 1
    for j in range(pivots.shape[-1]):
        other = swaps[..., j : j + 1]  # (..., 1)
        moving = perm.gather(-1, other)  # the entry that comes to position j
        here = perm[..., j : j + 1]
        perm = where(rows == j, moving, where(rows == other, here, perm))
    return perm


def permutation_matrix(perm: Tensor, dtype: dtypes.DType) -> Tensor:
    """P (..., m, m) with P[perm[i], i] = 1, so that A = P (A[perm])."""
    m = perm.shape[-1]
    return (perm.unsqueeze(-2) == arange(m, device=perm.device).unsqueeze(-1)).to(dtype)


def unpack_factors(lu: Tensor) -> tuple[Tensor, Tensor]:
    """(L, U) from the packed ``lu`` (..., m, n): L (m, k) with ones on its diagonal, U (k, n);
    differentiable (a slice and a triangle each)."""
    m, n = lu.shape[-2:]
    k = min(m, n)
    lower = tril(lu[..., :, :k], -1) + eye(m, k, dtype=lu.dtype, device=lu.device)
    return lower, triu(lu[..., :k, :])


def lu_backward(grad_l: Tensor, grad_u: Tensor, p: Tensor, lower: Tensor,
                upper: Tensor) -> Tensor:
    """gA for A = P L U from the gradients of L (m, k) and U (k, n) (see the module
    docstring), written with differentiable ops."""
    m, n = lower.shape[-2], upper.shape[-1]
    if m == n:
        inner = tril(lower.mT @ grad_l, -1) + triu(grad_u @ upper.mT)
        grad = solve_triangular(upper.mT, inner, upper=False, left=False)
    elif m < n:  # wide: U = [U1 | U2]
        u1, u2 = upper[..., :m], upper[..., m:]
        g1, g2 = grad_u[..., :m], grad_u[..., m:]
        inner = tril(lower.mT @ grad_l - g2 @ u2.mT, -1) + triu(g1 @ u1.mT)
        grad = cat([solve_triangular(u1.mT, inner, upper=False, left=False), g2], -1)
    else:  # tall: L = [L1; L2]
        l1, l2 = lower[..., :n, :], lower[..., n:, :]
        g1, g2 = grad_l[..., :n, :], grad_l[..., n:, :]
        inner = tril(l1.mT @ g1, -1) + triu(grad_u @ upper.mT - l2.mT @ g2)
        grad = solve_triangular(upper.mT, inner, upper=False, left=False)
        top = solve_triangular(l1.mT, grad, upper=True, unitriangular=True)
        tail = solve_triangular(upper.mT, g2, upper=False, left=False)
        return p @ cat([top, tail], -2)
    l_square = lower[..., :, :m]
    return p @ solve_triangular(l_square.mT, grad, upper=True, unitriangular=True)


class LUFactor(Function):
    """(LU, pivots): P A = L U packed, and LAPACK's 1-based row swaps"""

    @staticmethod
    def forward(ctx, a):
        lu, perm, _, swapped = lu_factor_steps(a)
        if lu is a:  # a single row or column: no step ran, and the result must be new
            lu = a.clone()
        pivots = (swapped + 1).to(dtypes.int32)
        ctx.save_for_backward(lu, perm)
        ctx.mark_non_differentiable(pivots)
        return lu, pivots

    @staticmethod
    def backward(ctx, grad, _grad_pivots):
        lu, perm = ctx.saved_tensors
        k = min(lu.shape[-2:])
        lower, upper = unpack_factors(lu)
        # the packed gradient: L's part is below the diagonal, U's on and above it
        return lu_backward(tril(grad[..., :k], -1), triu(grad[..., :k, :]),
                           permutation_matrix(perm, lu.dtype), lower, upper)


# -- checks ----------------------------------------------------------------------------------

def _check_input(name: str, a: Tensor, pivot: bool) -> None:
    if not isinstance(a, Tensor):
        raise TypeError(f"{name}(): argument 'A' must be a Tensor, got {type(a).__name__}")
    if a.dim() < 2:
        raise RuntimeError(f"{name}: Expected tensor with 2 or more dimensions. Got size: "
                           f"{list(a.shape)} instead")
    if not a.dtype.is_floating_point:
        raise RuntimeError(f"{name}: Expected a floating point tensor as input. Got "
                           f"{a.dtype.name}")
    if not pivot:
        raise RuntimeError(f"{name}: LU without pivoting is not implemented (PyTorch has it "
                           "on CUDA only)")


def _factor_ex(name: str, a: Tensor, pivot: bool) -> LUFactorExResult:
    _check_input(name, a, pivot)
    lu, pivots = LUFactor.apply(a)
    return LUFactorExResult(lu, pivots, _zero_pivots(lu.detach()))


# -- the public ops --------------------------------------------------------------------------

@op(namespace="linalg")
def lu_factor_ex(A: Tensor, *, pivot: bool = True,  # noqa: N803 - PyTorch's name
                 check_errors: bool = False) -> LUFactorExResult:
    """``(LU, pivots, info)``: :func:`lu_factor`'s factors and an int32 ``info`` over the
    batch, 0 where U has no zero on its diagonal, else the 1-based index of the first zero,
    as ``torch.linalg.lu_factor_ex``. A singular matrix is factored all the same; it raises
    only with ``check_errors``.

    >>> lu_factor_ex(tensor([[1.0, 2.0], [2.0, 4.0]])).info
    tensor(2, dtype=microtorch.int32)
    """
    result = _factor_ex("torch.linalg.lu_factor_ex", A, pivot)
    if check_errors:
        raise_for_info(result.info, _SINGULAR.format(name="torch.linalg.lu_factor_ex"))
    return result


@op(namespace="linalg")
def lu_factor(A: Tensor, *, pivot: bool = True) -> LUFactorResult:  # noqa: N803
    """The LU factorisation with partial pivoting of ``A`` (..., m, n), as
    ``torch.linalg.lu_factor``: ``LU`` holds L (unit lower triangular, its ones left out)
    below the diagonal and U on and above it, and ``pivots`` (int32, 1-based) the row swaps,
    LAPACK's form, which :func:`lu_solve` and :func:`lu_unpack` take. Raises when U has a
    zero on its diagonal (use :func:`lu_factor_ex` to factor singular matrices).

    >>> lu_factor(tensor([[1.0, 2.0], [3.0, 4.0]]))
    LUFactorResult(LU=tensor([[3.0000, 4.0000],
            [0.3333, 0.6667]]), pivots=tensor([2, 2], dtype=microtorch.int32))
    """
    lu, pivots, info = _factor_ex("torch.linalg.lu_factor", A, pivot)
    raise_for_info(info, _SINGULAR.format(name="torch.linalg.lu_factor"))
    return LUFactorResult(lu, pivots)


@op(variants="function, method")
def lu(A: Tensor, pivot: bool = True,  # noqa: N803 - PyTorch's name
       get_infos: bool = False) -> tuple[Tensor, ...]:
    """``torch.lu`` (and ``Tensor.lu``), the deprecated spelling of :func:`lu_factor`:
    ``(LU, pivots)``, or ``(LU, pivots, infos)`` with ``get_infos``. It never raises for a
    singular matrix."""
    warnings.warn("torch.lu is deprecated in favor of torch.linalg.lu_factor / "
                  "torch.linalg.lu_factor_ex and will be removed in a future PyTorch release.",
                  UserWarning, stacklevel=2)
    result = _factor_ex("torch.lu", A, pivot)
    return tuple(result) if get_infos else (result.LU, result.pivots)


def _unpack(lu_data: Tensor, pivots: Tensor, unpack_data: bool, unpack_pivots: bool
            ) -> LUResult:
    m = lu_data.shape[-2]
    empty = lu_data._empty_like((0,))
    p = empty
    if unpack_pivots:
        p = permutation_matrix(permutation_from_pivots(pivots, m), lu_data.dtype)
        p = p.expand(lu_data.shape[:-2] + (m, m)).contiguous()
    lower, upper = unpack_factors(lu_data) if unpack_data else (empty, empty)
    return LUResult(p, lower, upper)


@op()
def lu_unpack(LU_data: Tensor, LU_pivots: Tensor, unpack_data: bool = True,  # noqa: N803
              unpack_pivots: bool = True) -> LUResult:
    """``(P, L, U)`` with A = P L U from :func:`lu_factor`'s packed ``LU_data`` (..., m, n)
    and ``LU_pivots``, as ``torch.lu_unpack``: P (m, m), L (m, k) unit lower triangular,
    U (k, n) upper triangular, k = min(m, n). Without ``unpack_data`` L and U are empty,
    without ``unpack_pivots`` P is.

    >>> lu_unpack(*lu_factor(tensor([[1.0, 2.0], [3.0, 4.0]]))).P
    tensor([[0., 1.],
            [1., 0.]])
    """
    name = "torch.lu_unpack"
    for arg, t in (("LU_data", LU_data), ("LU_pivots", LU_pivots)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}(): argument '{arg}' must be a Tensor, got "
                            f"{type(t).__name__}")
    if LU_data.dim() < 2:
        raise RuntimeError(f"{name}: LU_data must have at least 2 dimensions, got "
                           f"{LU_data.dim()}")
    if LU_pivots.dtype is not dtypes.int32:
        raise RuntimeError(f"{name}: LU_pivots is expected to be a contiguous tensor of "
                           f"torch.int32 dtype, got {LU_pivots.dtype.name}.\nNote: this "
                           "function is intended to be used with the output produced by "
                           "torch.linalg.lu_factor")
    m, n = LU_data.shape[-2:]
    if unpack_pivots:
        if LU_pivots.shape != LU_data.shape[:-2] + (min(m, n),):
            raise RuntimeError(f"{name}: Expected LU_pivots of shape "
                               f"{list(LU_data.shape[:-2] + (min(m, n),))} for LU_data of "
                               f"shape {list(LU_data.shape)}, got {list(LU_pivots.shape)}")
        if LU_pivots.numel() and ((LU_pivots < 1) | (LU_pivots > m)).any().item():
            raise RuntimeError(f"pivots passed to lu_unpack must be between 1 and "
                               f"LU.size(-2) = {m} inclusive. Did you properly pass the "
                               "result of lu_factor?")
    return _unpack(LU_data, LU_pivots, unpack_data, unpack_pivots)


@op(namespace="linalg", name="lu")
def linalg_lu(A: Tensor, *, pivot: bool = True) -> LUResult:  # noqa: N803 - PyTorch's name
    """The LU factorisation with partial pivoting ``A = P L U`` of ``A`` (..., m, n), as
    ``torch.linalg.lu``: P (m, m) a permutation matrix, L (m, k) unit lower triangular and
    U (k, n) upper triangular, k = min(m, n). Differentiable in A (PyTorch's formula); a
    singular A is factored all the same.

    >>> linalg_lu(tensor([[1.0, 2.0], [3.0, 4.0]])).U
    tensor([[3.0000, 4.0000],
            [0.0000, 0.6667]])
    """
    lu, pivots, _ = _factor_ex("torch.linalg.lu", A, pivot)
    return _unpack(lu, pivots, True, True)
