"""Solving with an LU factorisation already made: ``linalg.lu_solve`` and the older
``torch.lu_solve`` (and ``Tensor.lu_solve``), which takes its arguments in another order.

With A = P L U (``lu_factor.py``), the four equations are two triangular solves and a
permutation each:

* A X = B:      X = U^-1 L^-1 P^T B;
* A^T X = B:    X = P L^-T U^-T B (``adjoint=True``);
* X A = B and X A^T = B (``left=False``): the transposes of the two above.

L and U are read straight from the packed ``LU`` by ``solve_triangular`` (L's triangle below
the diagonal, with ones on it; U's on and above it), so the gradient with respect to ``LU``
is the sum of the two solves' gradients, each kept to its triangle, which is the derivative
PyTorch gives; the gradient with respect to B is the solve's. The pivots have none.
"""

from __future__ import annotations

from ... import dtypes
from ...dispatch import broadcast_shapes
from ...tensor import Tensor
from ..declare import op
from .lu_factor import permutation_from_pivots, permutation_matrix
from .triangular import check_matrices, solve_triangular


def _solve_left(lu: Tensor, p: Tensor, b: Tensor, adjoint: bool) -> Tensor:
    """X with A X = B (or A^T X = B), A = P L U packed in ``lu``."""
    if adjoint:  # U^T L^T P^T X = B
        y = solve_triangular(lu.mT, b, upper=False)
        return p @ solve_triangular(lu.mT, y, upper=True, unitriangular=True)
    y = solve_triangular(lu, p.mT @ b, upper=False, unitriangular=True)
    return solve_triangular(lu, y, upper=True)


def _check(name: str, lu: Tensor, pivots: Tensor, b: Tensor, left: bool) -> None:
    check_matrices(name, lu, "LU")
    for arg, t in (("pivots", pivots), ("B", b)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}(): argument '{arg}' must be a Tensor, got "
                            f"{type(t).__name__}")
    if pivots.dtype is not dtypes.int32:
        raise RuntimeError(f"{name}: pivots should be a Tensor of scalar type torch.int32, "
                           f"got {pivots.dtype.name}")
    n = lu.shape[-1]
    if pivots.dim() == 0 or pivots.shape[-1] != n:
        raise RuntimeError(f"{name}: Number of pivots per batch should be same as the "
                           f"dimension of the matrix (pivots of shape {list(pivots.shape)} "
                           f"for LU of shape {list(lu.shape)})")
    if pivots.shape[:-1] != lu.shape[:-2]:
        raise RuntimeError(f"{name}: Expected LU.shape[:-2] == pivots.shape[:-1], but got "
                           f"{list(lu.shape[:-2])} and {list(pivots.shape[:-1])}")
    if b.dim() < 2:
        raise RuntimeError(f"{name}: The input tensor B must have at least 2 dimensions.")
    if b.dtype is not lu.dtype:
        raise RuntimeError(f"{name}: Expected LU and B to have the same dtype, but found LU of "
                           f"type {lu.dtype.name} and B of type {b.dtype.name} instead")
    if (b.shape[-2] if left else b.shape[-1]) != n:
        equation = "AX = B" if left else "XA = B"
        raise RuntimeError(f"{name}: Incompatible shapes of A and B for the equation "
                           f"{equation} ({n}x{n} and {b.shape[-2]}x{b.shape[-1]})")
    broadcast_shapes(lu.shape[:-2], b.shape[:-2])  # the batch dims must broadcast
    if pivots.numel():
        if (pivots < 1).any().item():
            raise RuntimeError("Pivots given to lu_solve must all be greater or equal to 1. "
                               "Did you properly pass the result of lu_factor?")
        if (pivots > n).any().item():
            raise RuntimeError(f"Pivots given to lu_solve must all be smaller or equal to "
                               f"LU.size(-2) = {n}. Did you properly pass the result of "
                               "lu_factor?")


@op(namespace="linalg")
def lu_solve(LU: Tensor, pivots: Tensor, B: Tensor, *, left: bool = True,  # noqa: N803
             adjoint: bool = False) -> Tensor:
    """The solution X of A X = B (``left=True``) or X A = B, with A^T in place of A when
    ``adjoint``, given :func:`lu_factor`'s ``LU`` (..., n, n) and ``pivots`` of A, as
    ``torch.linalg.lu_solve``; B is (..., n, k) (left) or (..., k, n), batch dims broadcast.
    Differentiable in ``LU`` and ``B``.

    >>> LU, pivots = lu_factor(tensor([[2.0, 1.0], [1.0, 3.0]]))
    >>> lu_solve(LU, pivots, tensor([[3.0], [5.0]]))
    tensor([[0.8000],
            [1.4000]])
    """
    _check("torch.linalg.lu_solve", LU, pivots, B, left)
    p = permutation_matrix(permutation_from_pivots(pivots, LU.shape[-1]), LU.dtype)
    if left:
        return _solve_left(LU, p, B, adjoint)
    # X A = B is A^T X^T = B^T, and X A^T = B is A X^T = B^T
    return _solve_left(LU, p, B.mT, not adjoint).mT


@op(name="lu_solve", variants="function, method")
def torch_lu_solve(input: Tensor, LU_data: Tensor,  # noqa: A002, N803 - PyTorch's names
                   LU_pivots: Tensor) -> Tensor:
    """``torch.lu_solve(b, LU_data, LU_pivots)`` (and ``b.lu_solve(LU_data, LU_pivots)``), the
    deprecated spelling of :func:`lu_solve` with the right-hand side first: X with A X = b."""
    _check("torch.lu_solve", LU_data, LU_pivots, input, True)
    p = permutation_matrix(permutation_from_pivots(LU_pivots, LU_data.shape[-1]),
                           LU_data.dtype)
    return _solve_left(LU_data, p, input, False)
