"""Triangular solves (``linalg.solve_triangular``), and what the factorisations in
``cholesky.py`` and ``lu.py`` share: ``LinAlgError`` and the argument checks.

The solve is substitution, one row at a time: row i of X is (B_i - A[i, :i] X[:i]) / A[i, i]
(forward, for a lower A), or the same from the bottom up (backward, for an upper A). Each of the
``n`` steps is one small batched matmul, so it runs on every backend; its cost, ``n`` Python
steps, suits the small matrices these are written for. Only the triangle named by ``upper`` is
read, as LAPACK does, so ``lu.py`` solves with its packed L and U as they are.

The gradient is written with the solve itself: for X = A^-1 B, gB = A^-T gX and
gA = -gB X^T, kept to A's triangle (without the diagonal when it is taken as ones).
"""

from __future__ import annotations

from ... import dtypes
from ...autograd.function import Function
from ...dispatch import broadcast_shapes, same_device
from ...tensor import Tensor
from ..composite.diagonal import tril, triu
from ..declare import op
from ..primitive.elementwise import where


@op(namespace="linalg")
class LinAlgError(RuntimeError):
    """A matrix that the factorisation or solve cannot handle (singular, not positive
    definite), as ``torch.linalg.LinAlgError``; a subclass of ``RuntimeError``."""


def check_matrices(name: str, a: Tensor, arg: str = "A") -> None:
    """Raise PyTorch's errors unless ``a`` is a float tensor of shape (..., n, n)."""
    if not isinstance(a, Tensor):
        raise TypeError(f"{name}: argument '{arg}' must be a Tensor, got {type(a).__name__}")
    if a.dim() < 2:
        raise RuntimeError(f"{name}: The input tensor {arg} must have at least 2 dimensions.")
    if a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"{name}: {arg} must be batches of square matrices, but they are "
                           f"{a.shape[-2]} by {a.shape[-1]} matrices")
    if not a.dtype.is_floating_point:
        raise RuntimeError(f"{name}: Expected a floating point tensor as input. Got "
                           f"{a.dtype.name}")


def check_same(name: str, a: Tensor, b: Tensor) -> None:
    """Raise unless the right-hand side ``b`` is a tensor on ``a``'s device, of its dtype."""
    if not isinstance(b, Tensor):
        raise TypeError(f"{name}: argument 'B' must be a Tensor, got {type(b).__name__}")
    if a.dtype is not b.dtype:
        raise RuntimeError(f"{name}: Expected A and B to have the same dtype, but found A of "
                           f"type {a.dtype.name} and B of type {b.dtype.name} instead")
    same_device(a, b)


def first_failure(failed: Tensor) -> Tensor:
    """int32 over the batch, from a bool tensor (..., n) of failed steps: 0 where none failed,
    else 1 + the index of the first failure (LAPACK's ``info``)."""
    if failed.shape[-1] == 0:
        return failed.sum(-1).to(dtypes.int32)  # zeros of the batch shape
    first = failed.to(dtypes.int32).argmax(-1) + 1  # argmax: the first of the maxima
    return where(failed.any(-1), first, 0).to(dtypes.int32)


def raise_for_info(info: Tensor, message: str) -> None:
    """Raise ``LinAlgError(message.format(k))`` for the first batch element whose ``info`` (an
    int tensor over the batch, 0 where all went well) is a failing index k: one host read."""
    values = info.reshape(-1).tolist()
    for element, k in enumerate(values):
        if k:
            name, rest = message.split(": ", 1)
            batch = f"(Batch element {element}): " if info.dim() else ""
            raise LinAlgError(f"{name}: {batch}{rest.format(k)}")


def substitute(a: Tensor, b: Tensor, upper: bool, unitriangular: bool) -> Tensor:
    """X with A X = B for triangular A (..., n, n) and B (..., n, k), batch dims broadcast:
    forward (lower) or backward (upper) substitution, reading only A's triangle. No autograd:
    the forward of the Functions here and in ``lu.py``."""
    n, k = a.shape[-1], b.shape[-1]
    batch = broadcast_shapes(a.shape[:-2], b.shape[:-2])
    x = b.expand(batch + (n, k)).clone()  # rows are overwritten by the solution in turn
    for step, i in enumerate(range(n - 1, -1, -1) if upper else range(n)):
        solved = slice(i + 1, n) if upper else slice(0, i)  # the rows of X found so far
        row = x[..., i : i + 1, :]
        if step:
            row = row - a[..., i : i + 1, solved] @ x[..., solved, :]
        if not unitriangular:
            row = row / a[..., i : i + 1, i : i + 1]
        x[..., i : i + 1, :] = row
    return x


class SolveTriangular(Function):
    """X = A^-1 B for triangular A (..., n, n) and B (..., n, k), batch dims broadcast"""

    @staticmethod
    def forward(ctx, a, b, upper, unitriangular):
        x = substitute(a, b, upper, unitriangular)
        ctx.save_for_backward(a, x)
        ctx.upper, ctx.unitriangular = upper, unitriangular
        return x

    @staticmethod
    def backward(ctx, grad):
        a, x = ctx.saved_tensors
        # gB = A^-T gX: A^T is triangular the other way round
        grad_b = SolveTriangular.apply(a.mT, grad, not ctx.upper, ctx.unitriangular)
        grad_a = None
        if ctx.needs_input_grad[0]:
            full = -(grad_b @ x.mT)  # the engine sums broadcast batch dims back to A's shape
            offset = 1 if ctx.unitriangular else 0
            grad_a = triu(full, offset) if ctx.upper else tril(full, -offset)
        return grad_a, grad_b if ctx.needs_input_grad[1] else None, None, None


@op(namespace="linalg")
def solve_triangular(A: Tensor, B: Tensor, *, upper: bool, left: bool = True,  # noqa: N803
                     unitriangular: bool = False) -> Tensor:
    """The solution X of A X = B (``left=True``) or X A = B (``left=False``) for a triangular
    ``A`` (..., n, n), lower unless ``upper``, and ``B`` (..., n, k) (left) or (..., k, n)
    (right); batch dims broadcast. Only A's triangle is read; with ``unitriangular`` its
    diagonal is taken as ones. As ``torch.linalg.solve_triangular``; a zero on the diagonal
    gives inf or nan, as LAPACK does.

    >>> solve_triangular(tensor([[2.0, 0.0], [1.0, 1.0]]), tensor([[2.0], [3.0]]), upper=False)
    tensor([[1.],
            [2.]])
    """
    name = "linalg.solve_triangular"
    check_matrices(name, A)
    check_same(name, A, B)
    if B.dim() < 2:
        raise RuntimeError(f"{name}: The input tensor B must have at least 2 dimensions.")
    n = A.shape[-1]
    if (B.shape[-2] if left else B.shape[-1]) != n:
        equation = "AX = B" if left else "XA = B"
        raise RuntimeError(f"{name}: Incompatible shapes of A and B for the equation {equation} "
                           f"({n}x{n} and {B.shape[-2]}x{B.shape[-1]})")
    broadcast_shapes(A.shape[:-2], B.shape[:-2])  # the batch dims must broadcast
    if not left:  # X A = B is A^T X^T = B^T, with A^T triangular the other way round
        return SolveTriangular.apply(A.mT, B.mT, not upper, unitriangular).mT
    return SolveTriangular.apply(A, B, upper, unitriangular)

