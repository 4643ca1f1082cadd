"""The Cholesky factorisation A = L L^T of symmetric positive-definite matrices
(``linalg.cholesky``, ``linalg.cholesky_ex``, the older ``cholesky``) and ``cholesky_solve``.

The factor is built a column at a time (left-looking): column j of A, less what the columns
before it account for, v = A[j:, j] - L[j:, :j] L[j, :j]^T, gives the pivot L[j, j] = sqrt(v[0])
and the column L[j+1:, j] = v[1:] / L[j, j]. Only A's lower triangle is read (the upper one for
``upper=True``), as LAPACK does. A pivot that is not positive means the leading minor of
order j + 1 is not positive definite: the square root is nan (or the pivot 0) there, and the
first such diagonal entry of L is the failing minor that the error names.

The gradient is PyTorch's: with Phi = tril(L^T gL), gA = L^-T S L^-1, where
S = (Phi + tril(Phi, -1)^T) / 2 is Phi made symmetric with half its diagonal. It is symmetric,
as A is taken to be, and costs two triangular solves.
"""

from __future__ import annotations

from typing import NamedTuple

from ...autograd.function import Function
from ...creation import zeros_like
from ...dispatch import broadcast_shapes
from ...tensor import Tensor
from ..composite.diagonal import diagonal, tril
from ..declare import op
from ..primitive.elementwise import sqrt
from .triangular import (
    check_matrices,
    check_same,
    first_failure,
    raise_for_info,
    solve_triangular,
    substitute,
)

_NOT_DEFINITE = ("{name}: The factorization could not be completed because the input is not "
                 "positive-definite (the leading minor of order {{}} is not positive-definite).")


class CholeskyExResult(NamedTuple):
    """``(L, info)`` of :func:`cholesky_ex`, as ``torch.return_types.linalg_cholesky_ex``."""

    L: Tensor  # noqa: N815 - PyTorch's field name
    info: Tensor


def _factor(a: Tensor) -> Tensor:
    """The lower Cholesky factor of ``a`` (..., n, n) from its lower triangle (nan or inf from
    the first pivot that is not positive on). No autograd."""
    n = a.shape[-1]
    lower = zeros_like(a)
    for j in range(n):
        v = a[..., j:, j]
        if j:
            v = v - (lower[..., j:, :j] @ lower[..., j, :j].unsqueeze(-1)).squeeze(-1)
        pivot = sqrt(v[..., :1])
        lower[..., j : j + 1, j] = pivot
        lower[..., j + 1 :, j] = v[..., 1:] / pivot
    return lower


def _info(lower: Tensor) -> Tensor:
    """int32 over the batch: 0 where the factorisation succeeded, else the order of the first
    leading minor that is not positive definite (the first diagonal entry not > 0)."""
    return first_failure((diagonal(lower, 0, -2, -1) > 0).logical_not())  # nan fails too


class Cholesky(Function):
    """L, lower triangular with a positive diagonal, such that L L^T = A"""

    @staticmethod
    def forward(ctx, a):
        lower = _factor(a)
        ctx.save_for_backward(lower)
        return lower

    @staticmethod
    def backward(ctx, grad):
        (lower,) = ctx.saved_tensors
        phi = tril(lower.mT @ grad)
        phi = 0.5 * (phi + tril(phi, -1).mT)  # symmetric, with half of tril's diagonal
        grad_a = solve_triangular(lower.mT, phi, upper=True)
        return solve_triangular(lower, grad_a, upper=False, left=False)


def _cholesky(name: str, a: Tensor, upper: bool) -> CholeskyExResult:
    check_matrices(name, a)
    # the upper factor U = L^T is the lower factor of A^T, read from A's upper triangle
    lower = Cholesky.apply(a.mT if upper else a)
    return CholeskyExResult(lower.mT if upper else lower, _info(lower.detach()))


@op(namespace="linalg")
def cholesky_ex(A: Tensor, *, upper: bool = False,  # noqa: N803 - PyTorch's name
                check_errors: bool = False) -> CholeskyExResult:
    """``(L, info)``: the Cholesky factor of :func:`linalg_cholesky` and an int32 tensor over
    the batch, 0 where it succeeded, else the order of the first leading minor that is not
    positive definite (L is then not meaningful), as ``torch.linalg.cholesky_ex``. Unless
    ``check_errors``, a failure raises nothing (and costs no host read).

    >>> cholesky_ex(tensor([[1.0, 2.0], [2.0, 1.0]])).info
    tensor(2, dtype=microtorch.int32)
    """
    result = _cholesky("linalg.cholesky_ex", A, upper)
    if check_errors:
        raise_for_info(result.info, _NOT_DEFINITE.format(name="linalg.cholesky_ex"))
    return result


@op(namespace="linalg", name="cholesky")
def linalg_cholesky(A: Tensor, *, upper: bool = False) -> Tensor:  # noqa: N803
    """The Cholesky factor of symmetric positive-definite ``A`` (..., n, n): lower-triangular L
    with a positive diagonal and L L^T = A (or, with ``upper``, U = L^T and U^T U = A), as
    ``torch.linalg.cholesky``. Only the lower (upper) triangle of A is read; the gradient is
    symmetric. Raises ``LinAlgError`` naming the leading minor that is not positive definite.

    >>> linalg_cholesky(tensor([[4.0, 2.0], [2.0, 5.0]]))
    tensor([[2., 0.],
            [1., 2.]])
    """
    result = _cholesky("linalg.cholesky", A, upper)
    raise_for_info(result.info, _NOT_DEFINITE.format(name="linalg.cholesky"))
    return result.L


@op(variants="function, method")
def cholesky(input: Tensor, upper: bool = False) -> Tensor:  # noqa: A002 - PyTorch's name
    """``torch.cholesky`` (and ``Tensor.cholesky``), the older spelling of
    :func:`linalg_cholesky` that takes ``upper`` positionally."""
    result = _cholesky("cholesky", input, upper)
    raise_for_info(result.info, _NOT_DEFINITE.format(name="cholesky"))
    return result.L


class CholeskySolve(Function):
    """X = (L L^T)^-1 B for lower-triangular L (..., n, n) and B (..., n, k)"""

    @staticmethod
    def forward(ctx, b, lower):
        x = substitute(lower.mT, substitute(lower, b, False, False), True, False)
        ctx.save_for_backward(lower, x)
        return x

    @staticmethod
    def backward(ctx, grad):
        lower, x = ctx.saved_tensors
        grad_b = CholeskySolve.apply(grad, lower)  # A is symmetric: A^-T gX = A^-1 gX
        grad_lower = None
        if ctx.needs_input_grad[1]:
            # PyTorch's: the derivative of (L L^T)^-1 B in every entry of L, not only its
            # lower triangle (the two agree there)
            common = grad_b @ x.mT
            grad_lower = -((common + common.mT) @ lower)
        return grad_b if ctx.needs_input_grad[0] else None, grad_lower


@op(variants="function, method")
def cholesky_solve(B: Tensor, L: Tensor, upper: bool = False) -> Tensor:  # noqa: N803
    """The solution X of A X = B given the Cholesky factor ``L`` of A (lower, A = L L^T, or
    with ``upper`` U, A = U^T U), for B (..., n, k), batch dims broadcast, as
    ``torch.cholesky_solve`` (and ``Tensor.cholesky_solve``).

    >>> L = tensor([[2.0, 0.0], [1.0, 1.0]])  # A = L L^T = [[4, 2], [2, 2]]
    >>> cholesky_solve(tensor([[6.0], [4.0]]), L)
    tensor([[1.],
            [1.]])
    """
    name = "cholesky_solve"
    check_matrices(name, L, "L")
    if not isinstance(B, Tensor) or B.dim() < 2:
        got = f"{B.dim()} dimensions" if isinstance(B, Tensor) else type(B).__name__
        raise RuntimeError(f"{name}: B should have at least 2 dimensions, but has {got} "
                           f"instead")
    check_same(name, L, B)
    n = L.shape[-1]
    if B.shape[-2] != n:
        raise RuntimeError(f"Incompatible matrix sizes for cholesky_solve: each L matrix is "
                           f"{n} by {n} but each B matrix is {B.shape[-2]} by {B.shape[-1]}")
    broadcast_shapes(L.shape[:-2], B.shape[:-2])  # the batch dims must broadcast
    return CholeskySolve.apply(B, L.mT if upper else L)
