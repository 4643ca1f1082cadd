"""The matrix factorisations ``MultivariateNormal`` needs and core does not have yet:
a Cholesky factorisation and a lower-triangular solve, batched over leading dimensions.

Both are written column by column (row by row) with Tensor ops, so they run on every
backend and autograd differentiates them; their cost is ``n`` small batched ops for an
``n`` x ``n`` matrix, which suits the small event sizes of a distribution. When core gains
``linalg.cholesky`` and ``linalg.solve_triangular``, ``MultivariateNormal`` should use them.
"""

from __future__ import annotations

from .. import ops
from ..creation import zeros_like
from ..tensor import Tensor


def cholesky(a: Tensor) -> Tensor:
    """The lower-triangular ``L`` with ``L @ L.mT == a``, for symmetric positive-definite
    ``a`` of shape ``(..., n, n)`` (Cholesky-Banachiewicz, one column at a time). The
    diagonal is nan where ``a`` is not positive definite.

    >>> cholesky(tensor([[4.0, 2.0], [2.0, 5.0]])).tolist()
    [[2.0, 0.0], [1.0, 2.0]]
    """
    n = a.shape[-1]
    if a.dim() < 2 or a.shape[-2] != n:
        raise ValueError(f"cholesky: expected a batch of square matrices, got shape "
                         f"{tuple(a.shape)}")
    # L is a function of the symmetric part of a: its gradient is symmetric too, as PyTorch's
    a = (a + a.mT) * 0.5
    columns: list[Tensor] = []  # columns of L, each (..., n)
    for j in range(n):
        v = a[..., :, j]
        if j:
            done = ops.stack(columns, -1)  # (..., n, j)
            v = v - (done @ done[..., j, :].unsqueeze(-1)).squeeze(-1)
        pivot = ops.sqrt(v[..., j : j + 1])  # nan when not positive definite
        # rows above j are exactly zero; row j is the pivot itself, the rest v / pivot
        below = v[..., j + 1 :] / pivot
        parts = [zeros_like(v[..., :j])] if j else []
        columns.append(ops.cat(parts + [pivot, below], -1))
    return ops.stack(columns, -1)


def solve_lower_triangular(lower: Tensor, b: Tensor) -> Tensor:
    """``x`` with ``lower @ x == b`` for lower-triangular ``lower`` (..., n, n) and ``b``
    (..., n, k), batch dimensions broadcast (forward substitution, one row at a time)."""
    n = lower.shape[-1]
    batch = ops.broadcast_shapes(lower.shape[:-2], b.shape[:-2])
    lower = lower.expand(batch + (n, n))
    b = b.expand(batch + b.shape[-2:])
    rows: list[Tensor] = []  # rows of x, each (..., k)
    for i in range(n):
        r = b[..., i, :]
        if i:
            r = r - (lower[..., i : i + 1, :i] @ ops.stack(rows, -2)).squeeze(-2)
        rows.append(r / lower[..., i, i : i + 1])
    return ops.stack(rows, -2)
