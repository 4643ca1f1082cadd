"""``linalg.inv_ex`` and ``linalg.solve_ex``: ``inv`` and ``solve`` that report a singular
matrix with LAPACK's ``info`` code instead of raising.

``inv`` and ``solve`` read the LU factorisation's pivots on the host to raise
``LinAlgError`` for a singular matrix: a synchronisation, and an exception a batched program
may not want for one bad matrix. The ``_ex`` forms return ``(result, info)``, ``info`` an
int32 tensor over the batch: 0 where the matrix was invertible, else 1 + the index of U's first
zero pivot (the result is then not meaningful: NaN or infinite). Only ``check_errors=True``
reads it, and raises as ``inv``/``solve`` do. The factorisation, the solves and the gradients
are ``lu.py``'s; each Function here factors once and returns the info beside the result.

>>> inv_ex(tensor([[1.0, 2.0], [2.0, 4.0]])).info
tensor(2, dtype=microtorch.int32)
"""

from __future__ import annotations

from typing import NamedTuple

from ...autograd.function import Function
from ...creation import eye
from ...dispatch import broadcast_shapes
from ...tensor import Tensor
from ..declare import op
from .lu import _INV_SINGULAR, _SOLVE_SINGULAR, Solve, _zero_pivots, lu_factor, lu_solve
from .triangular import check_matrices, check_same, raise_for_info


class InvExResult(NamedTuple):
    """``(inverse, info)`` of :func:`inv_ex`, as ``torch.return_types.linalg_inv_ex``."""

    inverse: Tensor
    info: Tensor


class SolveExResult(NamedTuple):
    """``(result, info)`` of :func:`solve_ex`, as ``torch.return_types.linalg_solve_ex``."""

    result: Tensor
    info: Tensor


class InvEx(Function):
    """(A^-1, info) for A (..., n, n); the gradient is inv's, -A^-T g A^-T"""

    @staticmethod
    def forward(ctx, a: Tensor) -> tuple[Tensor, Tensor]:
        lu, perm, _ = lu_factor(a)
        out = lu_solve(lu, perm, eye(a.shape[-1], dtype=a.dtype, device=a.device))
        info = _zero_pivots(lu)
        ctx.save_for_backward(out)
        ctx.mark_non_differentiable(info)
        return out, info

    @staticmethod
    def backward(ctx, grad, _info_grad):
        (inverse,) = ctx.saved_tensors
        return -(inverse.mT @ grad @ inverse.mT)


class SolveEx(Function):
    """(X = A^-1 B, info) for A (..., n, n), B (..., n, k); the gradient is solve's"""

    @staticmethod
    def forward(ctx, a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
        lu, perm, _ = lu_factor(a)
        x = lu_solve(lu, perm, b)
        info = _zero_pivots(lu)
        ctx.save_for_backward(a, x)
        ctx.mark_non_differentiable(info)
        return x, info

    @staticmethod
    def backward(ctx, grad, _info_grad):
        a, x = ctx.saved_tensors
        grad_b = Solve.apply(a.mT, grad, None)  # A^T is singular only where A is
        grad_a = -(grad_b @ x.mT) if ctx.needs_input_grad[0] else None
        return grad_a, grad_b if ctx.needs_input_grad[1] else None


@op(namespace="linalg")
def inv_ex(A: Tensor, *, check_errors: bool = False) -> InvExResult:  # noqa: N803
    """``(inverse, info)``: the inverse of square ``A`` (..., n, n) and an int32 ``info`` over
    the batch (0, or 1 + the index of the first zero pivot of a singular matrix), as
    ``torch.linalg.inv_ex``. ``check_errors`` raises ``LinAlgError`` as ``linalg.inv``."""
    check_matrices("linalg.inv_ex", A)
    out, info = InvEx.apply(A)
    if check_errors:
        raise_for_info(info, _INV_SINGULAR.replace("linalg.inv", "linalg.inv_ex"))
    return InvExResult(out, info)


@op(namespace="linalg")
def solve_ex(A: Tensor, B: Tensor, *, left: bool = True,  # noqa: N803 - PyTorch's names
             check_errors: bool = False) -> SolveExResult:
    """``(result, info)``: the solution X of A X = B (``left=True``) or X A = B, as
    ``linalg.solve`` (``B`` a matrix, a vector or a batch of vectors; batch dims broadcast),
    and an int32 ``info`` over A's batch (0, or 1 + the index of the first zero pivot of a
    singular A), as ``torch.linalg.solve_ex``. ``check_errors`` raises as ``linalg.solve``."""
    name = "linalg.solve_ex"
    check_matrices(name, A)
    check_same(name, A, B)
    vector = B.dim() == 1 or (B.dim() == A.dim() - 1 and B.shape == A.shape[:-1])
    b = B.unsqueeze(-1) if vector else B
    n = A.shape[-1]
    if (b.shape[-2] if left else b.shape[-1]) != n:
        equation = "AX = B" if left else "XA = B"
        raise RuntimeError(f"{name}: Incompatible shapes of A and B for the equation {equation} "
                           f"({n}x{n} and {b.shape[-2]}x{b.shape[-1]})")
    broadcast_shapes(A.shape[:-2], b.shape[:-2])  # the batch dims must broadcast
    # X A = B is A^T X^T = B^T
    x, info = SolveEx.apply(A, b) if left else SolveEx.apply(A.mT, b.mT)
    if not left:
        x = x.mT
    if check_errors:
        raise_for_info(info, _SOLVE_SINGULAR.replace("linalg.solve", name))
    return SolveExResult(x.squeeze(-1) if vector else x, info)
