"""LU factorisation with partial pivoting, and what it gives: ``linalg.solve``, ``linalg.inv``,
``linalg.det`` and ``linalg.slogdet`` (with ``inverse``, ``logdet`` and the Tensor methods).

P A = L U is built a column at a time, as LAPACK's ``getf2`` does: at step j the row with the
largest |entry| in column j, at or below the diagonal, is swapped into row j (a ``gather``
with a permutation of the rows of each matrix in the batch), then multiples of row j clear
the column below it. The multipliers are L's column j and are stored where the zeros they make
would be (LAPACK's packed form; L's diagonal is ones), the rest is U. A zero pivot means the
column is zero at and below the diagonal already: it is left as it is, and the matrix is
singular. From the factors:

* ``solve``: A X = B is L U X = P B, two triangular solves (``triangular.py``);
* ``inv``: the solve with B = I;
* ``det``: sign(P) prod diag(U); ``slogdet``: sign(P) prod sign(diag U) and sum log|diag U|.

The gradients are the standard formulas rather than the derivative of the pivoting loop, and
are written with these ops so that they can be differentiated again (which is why a backward
factors A^T afresh rather than reuse the forward's factors, which are not in the graph):

* X = A^-1 B: gB = A^-T gX (a solve with A^T), gA = -gB X^T;
* inv: gA = -A^-T g A^-T, from the saved output;
* det: gA = g det A^-T. Where A is singular (det = 0) it is 0, as PyTorch's is, although the
  true derivative there, the transposed adjugate, is not 0 where A has rank n - 1;
* slogdet: gA = g A^-T for logabsdet; the sign is differentiable (as in PyTorch) with
  no gradient.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from ...autograd.function import Function
from ...creation import arange, eye, full
from ...dispatch import broadcast_shapes
from ...tensor import Tensor
from ..composite.diagonal import diagonal
from ..composite.indexing import cat
from ..declare import op
from ..primitive.elementwise import where
from ..primitive.indexing import Gather
from .triangular import check_matrices, check_same, first_failure, raise_for_info, substitute

_SOLVE_SINGULAR = "linalg.solve: The solver failed because the input matrix is singular."
_INV_SINGULAR = ("linalg.inv: The diagonal element {} is zero, the inversion could not be "
                 "completed because the input matrix is singular.")


class SlogdetResult(NamedTuple):
    """``(sign, logabsdet)`` of :func:`slogdet`, as ``torch.return_types.linalg_slogdet``."""

    sign: Tensor
    logabsdet: Tensor


def lu_factor(a: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """``(lu, perm, sign)`` for ``a`` (..., n, n): L and U packed into one matrix, the rows
    ``perm`` (int64, (..., n)) such that ``a[..., perm, :] = L U``, and sign(P) = det(P) in
    ``a``'s dtype. No autograd: the forward of the Functions below."""
    lu, perm, sign, _ = lu_factor_steps(a)
    return lu, perm, sign


def lu_factor_steps(a: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """:func:`lu_factor` of ``a`` (..., m, n), square or not (min(m, n) steps), with a fourth
    result: the row swapped into row j at each step j (int64, (..., min(m, n))), LAPACK's
    ``ipiv`` less one (``lu_factor.py`` exposes it). No autograd."""
    m, n, batch = a.shape[-2], a.shape[-1], a.shape[:-2]
    rows = arange(m, device=a.device)
    perm = rows.expand(batch + (m,))
    sign = full(batch, 1.0, dtype=a.dtype, device=a.device)
    swaps = [rows[j : j + 1].expand(batch + (1,)) for j in range(min(m, n))]  # no swap
    lu = a  # the first gather makes the copy that the steps overwrite
    for j in range(min(m - 1, n)):  # the last row has nothing below its diagonal
        pivot_row = lu[..., j:, j].abs().argmax(-1, keepdim=True) + j  # (..., 1)
        swaps[j] = pivot_row
        swap = where(rows == j, pivot_row, where(rows == pivot_row, j, rows))  # (..., m)
        # permutations built here are in range: no bounds check (a host sync per column)
        lu = Gather.apply(lu, lu.dim() - 2, swap.unsqueeze(-1).expand(lu.shape))
        perm = Gather.apply(perm, perm.dim() - 1, swap)
        sign = where(pivot_row.squeeze(-1) == j, sign, -sign)
        pivot = lu[..., j : j + 1, j : j + 1]
        # a zero pivot has zeros below it: multipliers 0 leave the column as it is
        multipliers = lu[..., j + 1 :, j : j + 1] / where(pivot == 0, 1.0, pivot)
        lu[..., j + 1 :, j : j + 1] = multipliers
        lu[..., j + 1 :, j + 1 :] = (lu[..., j + 1 :, j + 1 :]
                                     - multipliers * lu[..., j : j + 1, j + 1 :])
    pivots = cat(swaps, -1) if swaps else perm[..., :0]
    return lu, perm, sign, pivots


def lu_solve(lu: Tensor, perm: Tensor, b: Tensor) -> Tensor:
    """X with A X = B from :func:`lu_factor`'s ``lu`` and ``perm``, for B (..., n, k), batch
    dims broadcast. No autograd."""
    n, k = b.shape[-2:]
    batch = broadcast_shapes(lu.shape[:-2], b.shape[:-2])
    permuted = Gather.apply(b.expand(batch + (n, k)), len(batch),
                            perm.unsqueeze(-1).expand(batch + (n, k)))
    y = substitute(lu, permuted, upper=False, unitriangular=True)
    return substitute(lu, y, upper=True, unitriangular=False)


def _zero_pivots(lu: Tensor) -> Tensor:
    """LAPACK's ``info``: 1 + the index of U's first zero diagonal entry, 0 if none."""
    return first_failure(diagonal(lu, 0, -2, -1) == 0)


class Solve(Function):
    """X = A^-1 B for A (..., n, n) and B (..., n, k), batch dims broadcast"""

    @staticmethod
    def forward(ctx, a, b, message):
        lu, perm, _ = lu_factor(a)
        if message:
            raise_for_info(_zero_pivots(lu), message)
        x = lu_solve(lu, perm, b)
        ctx.save_for_backward(a, x)
        return x

    @staticmethod
    def backward(ctx, grad):
        a, x = ctx.saved_tensors
        grad_b = Solve.apply(a.mT, grad, None)  # A^T is singular only where A is
        grad_a = -(grad_b @ x.mT) if ctx.needs_input_grad[0] else None
        return grad_a, grad_b if ctx.needs_input_grad[1] else None, None


class Inv(Function):
    """A^-1 for A (..., n, n)"""

    @staticmethod
    def forward(ctx, a, message):
        lu, perm, _ = lu_factor(a)
        if message:
            raise_for_info(_zero_pivots(lu), message)
        out = lu_solve(lu, perm, eye(a.shape[-1], dtype=a.dtype, device=a.device))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (inverse,) = ctx.saved_tensors
        return -(inverse.mT @ grad @ inverse.mT), None


class Det(Function):
    """det A for A (..., n, n)"""

    @staticmethod
    def forward(ctx, a):
        lu, _, sign = lu_factor(a)
        out = sign * diagonal(lu, 0, -2, -1).prod(-1)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, det = ctx.saved_tensors
        singular = (det == 0).unsqueeze(-1).unsqueeze(-1)
        # A^-1 does not exist where det = 0: invert I there instead, and give 0
        identity = eye(a.shape[-1], dtype=a.dtype, device=a.device)
        inverse_t = Inv.apply(where(singular, identity, a), None).mT
        return where(singular, 0.0, (grad * det).unsqueeze(-1).unsqueeze(-1) * inverse_t)


class Slogdet(Function):
    """(sign det A, log |det A|) for A (..., n, n)"""

    @staticmethod
    def forward(ctx, a):
        lu, _, sign = lu_factor(a)
        pivots = diagonal(lu, 0, -2, -1)
        sign = sign * pivots.sign().prod(-1)
        logabsdet = pivots.abs().log().sum(-1)
        # the sign is differentiable, as PyTorch's, but piecewise constant: no gradient
        ctx.set_materialize_grads(False)
        ctx.save_for_backward(a)
        return sign, logabsdet

    @staticmethod
    def backward(ctx, grad_sign, grad_logabsdet):
        if grad_logabsdet is None:
            return None
        (a,) = ctx.saved_tensors
        return grad_logabsdet.unsqueeze(-1).unsqueeze(-1) * Inv.apply(a, None).mT


@op(namespace="linalg")
def solve(A: Tensor, B: Tensor, *, left: bool = True) -> Tensor:  # noqa: N803 - PyTorch's
    """The solution X of A X = B (``left=True``) or X A = B for square ``A`` (..., n, n), as
    ``torch.linalg.solve``: ``B`` is (..., n, k), or a vector (n,) or batch of vectors
    (..., n) when its shape is A's without the last dim; batch dims broadcast. Raises
    ``LinAlgError`` when A is singular (a zero pivot in its LU factorisation).

    >>> solve(tensor([[2.0, 1.0], [1.0, 3.0]]), tensor([3.0, 5.0]))
    tensor([0.8000, 1.4000])
    """
    name = "linalg.solve"
    check_matrices(name, A)
    check_same(name, A, B)
    vector = B.dim() == 1 or (B.dim() == A.dim() - 1 and B.shape == A.shape[:-1])
    b = B.unsqueeze(-1) if vector else B
    if b.dim() < 2:
        raise RuntimeError(f"{name}: The input tensor B must have at least 1 dimensions.")
    n = A.shape[-1]
    if (b.shape[-2] if left else b.shape[-1]) != n:
        equation = "AX = B" if left else "XA = B"
        raise RuntimeError(f"{name}: Incompatible shapes of A and B for the equation {equation} "
                           f"({n}x{n} and {b.shape[-2]}x{b.shape[-1]})")
    broadcast_shapes(A.shape[:-2], b.shape[:-2])  # the batch dims must broadcast
    # X A = B is A^T X^T = B^T
    x = Solve.apply(A, b, _SOLVE_SINGULAR) if left else Solve.apply(A.mT, b.mT,
                                                                     _SOLVE_SINGULAR).mT
    return x.squeeze(-1) if vector else x


@op(namespace="linalg")
def inv(A: Tensor) -> Tensor:  # noqa: N803 - PyTorch's name
    """The inverse of square ``A`` (..., n, n), as ``torch.linalg.inv``. Raises
    ``LinAlgError`` naming the zero diagonal element of U when A is singular.

    >>> inv(tensor([[2.0, 0.0], [0.0, 4.0]]))
    tensor([[0.5000, 0.0000],
            [0.0000, 0.2500]])
    """
    check_matrices("linalg.inv", A)
    return Inv.apply(A, _INV_SINGULAR)


@op(variants="function, method")
def inverse(input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
    """``torch.inverse`` (and ``Tensor.inverse``): another name for :func:`inv`."""
    return inv(input)


@op(variants="function, method", aliases=("linalg.det",))
def det(A: Tensor) -> Tensor:  # noqa: N803 - PyTorch's name
    """The determinant of square ``A`` (..., n, n), as ``torch.linalg.det`` and ``torch.det``
    (0 for a singular matrix, 1 for a 0 x 0 one).

    >>> det(tensor([[1.0, 2.0], [3.0, 4.0]]))
    tensor(-2.0000)
    """
    check_matrices("linalg.det", A)
    return Det.apply(A)


@op(variants="function, method", aliases=("linalg.slogdet",))
def slogdet(A: Tensor) -> SlogdetResult:  # noqa: N803 - PyTorch's name
    """``(sign, logabsdet)``: the sign of the determinant of ``A`` (..., n, n) (-1, 0 or 1)
    and the log of its absolute value (-inf when singular), which neither overflows nor
    underflows where the determinant would, as ``torch.linalg.slogdet``.

    >>> slogdet(tensor([[0.0, 2.0], [3.0, 0.0]]))
    SlogdetResult(sign=tensor(-1.), logabsdet=tensor(1.7918))
    """
    check_matrices("linalg.slogdet", A)
    sign, logabsdet = Slogdet.apply(A)
    return SlogdetResult(sign, logabsdet)


@op(variants="function, method")
def logdet(input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
    """log det A for ``A`` (..., n, n): nan where the determinant is negative, -inf where it
    is 0, as ``torch.logdet``."""
    check_matrices("logdet", input)
    sign, logabsdet = Slogdet.apply(input)
    return where(sign < 0, math.nan, logabsdet)
