"""The LDL^T factorisation of symmetric matrices with Bunch-Kaufman pivoting
(``linalg.ldl_factor``, ``linalg.ldl_factor_ex``) and the solve that uses it
(``linalg.ldl_solve``), LAPACK's ``sytrf``/``sytrs`` with the lower triangle, as PyTorch.

A symmetric indefinite matrix need not have a stable A = L D L^T with D diagonal, so D has
1 x 1 and 2 x 2 blocks and rows and columns are interchanged on the way (``dsytf2``): at step
k, with alpha = (1 + sqrt(17))/8, colmax the largest |entry| below the diagonal of column k
(in row imax) and rowmax the largest off-diagonal |entry| of row imax,

* |a_kk| >= alpha colmax, or |a_kk| rowmax >= alpha colmax^2: a 1 x 1 block as it is;
* else |a_imax,imax| >= alpha rowmax: interchange k and imax, then a 1 x 1 block;
* else: interchange k + 1 and imax, and take the 2 x 2 block of rows and columns k, k + 1.

The block's columns of L are the column(s) below it times the block's inverse, and the trailing
matrix loses their rank-one (two) update. The interchanges apply to the trailing matrix only:
L is stored as the product P_1 L_1 P_2 L_2 ..., as LAPACK leaves it. ``LD`` holds D's blocks
and L's multipliers in its lower triangle (zeros above); ``pivots`` holds the interchanges,
1-based, positive for a 1 x 1 block (row k was swapped with pivots[k] - 1), negative and
repeated for a 2 x 2 one. A column that is already zero makes D singular: ``info`` is its
1-based index, and the step is skipped.

In a batch each matrix takes its own decisions, so every step computes both updates and each
matrix keeps the one it chose (and a matrix whose column k closes a 2 x 2 block skips step k).
``ldl_solve`` replays the same per-matrix blocks: L D Y = B forward, then L^T X = Y back.
Neither is differentiable, as in PyTorch.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from ... import dtypes
from ...autograd.function import Function
from ...creation import arange, zeros
from ...dispatch import broadcast_shapes
from ...tensor import Tensor
from ..composite.diagonal import tril
from ..composite.indexing import stack
from ..declare import op
from ..primitive.elementwise import where
from .triangular import LinAlgError, check_matrices

_ALPHA = (1 + math.sqrt(17)) / 8


class LDLFactorResult(NamedTuple):
    """``(LD, pivots)`` of :func:`ldl_factor`, as ``torch.return_types.linalg_ldl_factor``."""

    LD: Tensor  # noqa: N815 - PyTorch's field names
    pivots: Tensor


class LDLFactorExResult(NamedTuple):
    """``(LD, pivots, info)`` of :func:`ldl_factor_ex`, as
    ``torch.return_types.linalg_ldl_factor_ex``."""

    LD: Tensor  # noqa: N815
    pivots: Tensor
    info: Tensor


def _at(x: Tensor, index: Tensor) -> Tensor:
    """x[..., index] for one index per batch element (index (...,) int64) -> (...,)."""
    return x.gather(-1, index.unsqueeze(-1)).squeeze(-1)


def _swap(w: Tensor, i: Tensor, j: Tensor, k: int) -> Tensor:
    """``w`` with rows and columns i and j (per batch element, both >= k) interchanged in its
    trailing block w[k:, k:] only."""
    rows = arange(w.shape[-1], device=w.device)
    order = where(rows == i.unsqueeze(-1), j.unsqueeze(-1),
                  where(rows == j.unsqueeze(-1), i.unsqueeze(-1), rows))  # (..., n)
    swapped = w.gather(-2, order.unsqueeze(-1).expand(w.shape))
    swapped = swapped.gather(-1, order.unsqueeze(-2).expand(w.shape))
    trailing = (rows >= k).unsqueeze(-1) & (rows >= k)
    return where(trailing, swapped, w)


def _ldl_factor(a: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """(LD, pivots int32, info int32) of symmetric ``a`` (..., n, n) from its lower triangle
    (``dsytf2``), no autograd."""
    n, batch = a.shape[-1], a.shape[:-2]
    rows = arange(n, device=a.device)
    w = tril(a) + tril(a, -1).mT  # the trailing block is kept whole (symmetric)
    info = zeros(batch, dtype=dtypes.int64, device=a.device)
    closes_block = zeros(batch, dtype=dtypes.bool_, device=a.device)
    carried = zeros(batch, dtype=dtypes.int64, device=a.device)
    pivots = []
    for k in range(n):
        active = ~closes_block  # column k opens a block
        col = w[..., :, k]
        absakk = col[..., k].abs()
        if k + 1 < n:
            colmax, imax = col[..., k + 1 :].abs().max(-1)
            imax = imax + (k + 1)
        else:
            colmax = zeros(batch, dtype=a.dtype, device=a.device)
            imax = zeros(batch, dtype=dtypes.int64, device=a.device) + k
        zero = (absakk.maximum(colmax) == 0) | (absakk != absakk)
        row = w.gather(-2, imax.unsqueeze(-1).unsqueeze(-1).expand(batch + (1, n))).squeeze(-2)
        rowmax = where((rows >= k) & (rows != imax.unsqueeze(-1)), row.abs(), 0.0).amax(-1)
        rowmax = where(rowmax == 0, 1.0, rowmax)  # only read where colmax > 0 <= rowmax
        keep = zero | (absakk >= _ALPHA * colmax) | (absakk >= _ALPHA * colmax * (colmax / rowmax))
        one_by_one = keep | (_at(row, imax).abs() >= _ALPHA * rowmax)
        two = active & ~one_by_one
        kp = where(keep, k, imax)
        kk = where(two, k + 1, k)
        w = where(active.unsqueeze(-1).unsqueeze(-1), _swap(w, kk, kp, k), w)

        # a 1 x 1 block: L's column is the column over d; the trailing block loses c c^T / d
        single = active & one_by_one & ~zero
        d = where(single, w[..., k, k], 1.0).unsqueeze(-1)
        c = w[..., k + 1 :, k]
        r1 = 1 / d
        w1 = w.clone()
        w1[..., k + 1 :, k + 1 :] = (w[..., k + 1 :, k + 1 :]
                                     - (r1 * c).unsqueeze(-1) * c.unsqueeze(-2))
        w1[..., k + 1 :, k] = c * r1
        # a 2 x 2 block D = [[a, b], [b, e]]: L's two columns are [c0 c1] D^-1 (LAPACK's
        # order of operations), and the trailing block loses c0 wk^T + c1 wk1^T
        w2 = w.clone()
        if k + 2 < n:
            d21 = where(two, w[..., k + 1, k], 1.0).unsqueeze(-1)
            d11 = w[..., k + 1, k + 1].unsqueeze(-1) / d21
            d22 = w[..., k, k].unsqueeze(-1) / d21
            d21 = 1 / (d11 * d22 - 1) / d21
            c0, c1 = w[..., k + 2 :, k], w[..., k + 2 :, k + 1]
            wk = d21 * (d11 * c0 - c1)
            wk1 = d21 * (d22 * c1 - c0)
            update = c0.unsqueeze(-1) * wk.unsqueeze(-2) + c1.unsqueeze(-1) * wk1.unsqueeze(-2)
            w2[..., k + 2 :, k + 2 :] = w[..., k + 2 :, k + 2 :] - update
            w2[..., k + 2 :, k] = wk
            w2[..., k + 2 :, k + 1] = wk1
        w = where(single.unsqueeze(-1).unsqueeze(-1), w1,
                  where(two.unsqueeze(-1).unsqueeze(-1), w2, w))

        value = where(two, -(kp + 1), kp + 1)
        pivots.append(where(active, value, carried))
        carried = value
        info = where((info == 0) & active & zero, k + 1, info)
        closes_block = two
    piv = stack(pivots, -1) if pivots else zeros(batch + (0,), dtype=dtypes.int64,
                                                  device=a.device)
    return tril(w), piv.to(dtypes.int32), info.to(dtypes.int32)


class LDLFactor(Function):
    """(LD, pivots, info): A = L D L^T with Bunch-Kaufman pivoting"""

    @staticmethod
    def forward(ctx, a):
        ld, pivots, info = _ldl_factor(a)
        ctx.mark_non_differentiable(pivots, info)
        return ld, pivots, info

    @staticmethod
    def backward(ctx, grad_ld, grad_pivots, grad_info):
        raise RuntimeError("the derivative for 'linalg.ldl_factor' is not implemented, as in "
                           "PyTorch")


def _block_kinds(pivots: Tensor) -> list[tuple[Tensor, Tensor]]:
    """For each column k, (opens, closes): bool over the batch, whether column k opens a 2 x 2
    block of D (its pivot is negative and no block is open) or closes one."""
    kinds = []
    closes = pivots[..., 0] != pivots[..., 0]  # all False
    for k in range(pivots.shape[-1]):
        opens = (pivots[..., k] < 0) & ~closes
        kinds.append((opens, closes))
        closes = opens
    return kinds


def _swap_rows(b: Tensor, i: int | Tensor, j: Tensor) -> Tensor:
    """``b`` with rows i and j (per batch element) interchanged."""
    rows = arange(b.shape[-2], device=b.device)
    j = j.unsqueeze(-1)
    order = where(rows == i, j, where(rows == j, i, rows))
    return b.gather(-2, order.unsqueeze(-1).expand(b.shape))


def _ldl_solve(ld: Tensor, pivots: Tensor, b: Tensor) -> Tensor:
    """X with A X = B from ``dsytrf``'s ``ld`` and ``pivots`` (``dsytrs``), batch dims
    broadcast, no autograd."""
    n = ld.shape[-1]
    batch = broadcast_shapes(ld.shape[:-2], b.shape[:-2])
    x = b.expand(batch + b.shape[-2:])
    if n == 0:
        return x.clone()
    ld = ld.expand(batch + (n, n))
    pivots = pivots.to(dtypes.int64).expand(batch + (n,))
    kinds = _block_kinds(pivots)

    def masked(mask: Tensor, new: Tensor, old: Tensor) -> Tensor:
        return where(mask.unsqueeze(-1).unsqueeze(-1), new, old)

    # L D Y = B, from the first column on
    for k, (opens, closes) in enumerate(kinds):
        single = (pivots[..., k] > 0) & ~closes
        swapped = _swap_rows(x, k, where(single, pivots[..., k] - 1, k))
        step = swapped.clone()
        step[..., k + 1 :, :] = (swapped[..., k + 1 :, :]
                                 - ld[..., k + 1 :, k : k + 1] * swapped[..., k : k + 1, :])
        step[..., k : k + 1, :] = swapped[..., k : k + 1, :] / where(
            single, ld[..., k, k], 1.0).unsqueeze(-1).unsqueeze(-1)
        x = masked(single, step, x)
        if k + 1 < n:
            swapped = _swap_rows(x, k + 1, where(opens, -pivots[..., k] - 1, k + 1))
            step = swapped.clone()
            b0, b1 = swapped[..., k : k + 1, :], swapped[..., k + 1 : k + 2, :]
            step[..., k + 2 :, :] = (swapped[..., k + 2 :, :] - ld[..., k + 2 :, k : k + 1] * b0
                                     - ld[..., k + 2 :, k + 1 : k + 2] * b1)
            akm1k = where(opens, ld[..., k + 1, k], 1.0).unsqueeze(-1).unsqueeze(-1)
            akm1 = ld[..., k : k + 1, k : k + 1] / akm1k
            ak = ld[..., k + 1 : k + 2, k + 1 : k + 2] / akm1k
            denom = akm1 * ak - 1
            bkm1, bk = b0 / akm1k, b1 / akm1k
            step[..., k : k + 1, :] = (ak * bkm1 - bk) / denom
            step[..., k + 1 : k + 2, :] = (akm1 * bk - bkm1) / denom
            x = masked(opens, step, x)
    # L^T X = Y, from the last column back
    for k in range(n - 1, -1, -1):
        opens, closes = kinds[k]
        single = (pivots[..., k] > 0) & ~closes
        tail = ld[..., k + 1 :, k : k + 1].mT @ x[..., k + 1 :, :]  # (..., 1, p)
        step = x.clone()
        step[..., k : k + 1, :] = x[..., k : k + 1, :] - tail
        x = masked(single, _swap_rows(step, k, where(single, pivots[..., k] - 1, k)), x)
        if k > 0:  # column k closes the block of k - 1 and k
            step = x.clone()
            step[..., k : k + 1, :] = x[..., k : k + 1, :] - tail
            step[..., k - 1 : k, :] = (x[..., k - 1 : k, :]
                                       - ld[..., k + 1 :, k - 1 : k].mT @ x[..., k + 1 :, :])
            x = masked(closes, _swap_rows(step, k, where(closes, -pivots[..., k] - 1, k)), x)
    return x


class LDLSolve(Function):
    """X = A^-1 B from A's LDL^T factorisation"""

    @staticmethod
    def forward(ctx, ld, pivots, b):
        return _ldl_solve(ld, pivots, b)

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError("the derivative for 'linalg.ldl_solve' is not implemented, as in "
                           "PyTorch")


def _check_square(name: str, a: Tensor) -> None:
    if not isinstance(a, Tensor):
        raise TypeError(f"{name}(): argument 'A' must be a Tensor, got {type(a).__name__}")
    check_matrices(name, a)


@op(namespace="linalg")
def ldl_factor_ex(A: Tensor, *, hermitian: bool = False,  # noqa: N803 - PyTorch's name
                  check_errors: bool = False) -> LDLFactorExResult:
    """``(LD, pivots, info)``: :func:`ldl_factor`'s factors and an int32 ``info`` over the
    batch, 0 where D is nonsingular, else the 1-based index of D's first zero diagonal entry
    (the factorisation is complete, but a solve would divide by zero), as
    ``torch.linalg.ldl_factor_ex``. Raises only with ``check_errors``.

    >>> ldl_factor_ex(tensor([[0.0, 0.0], [0.0, 1.0]])).info
    tensor(1, dtype=microtorch.int32)
    """
    name = "torch.linalg.ldl_factor_ex"
    _check_square(name, A)
    ld, pivots, info = LDLFactor.apply(A)
    if check_errors:
        _raise_singular(name, info)
    return LDLFactorExResult(ld, pivots, info)


def _raise_singular(name: str, info: Tensor) -> None:
    for element, k in enumerate(info.reshape(-1).tolist()):
        if k:
            batch = f"(Batch element {element}): " if info.dim() else ""
            raise LinAlgError(f"{name}: {batch}D[{k},{k}] is exactly zero: the factorization "
                              "is complete, but the block diagonal D is singular and a solve "
                              "with it would divide by zero")


@op(namespace="linalg")
def ldl_factor(A: Tensor, *, hermitian: bool = False) -> LDLFactorResult:  # noqa: N803
    """The LDL^T factorisation with Bunch-Kaufman pivoting of the symmetric ``A`` (..., n, n),
    read from its lower triangle, as ``torch.linalg.ldl_factor`` (LAPACK's ``sytrf``):
    ``LD`` holds the block diagonal D (1 x 1 and 2 x 2 blocks) and L's multipliers, ``pivots``
    (int32) the interchanges, which :func:`ldl_solve` takes. ``hermitian`` is the same as
    symmetric for real matrices. Raises when D is singular.

    >>> ldl_factor(tensor([[1.0, 2.0], [2.0, 3.0]]))
    LDLFactorResult(LD=tensor([[ 3.0000,  0.0000],
            [ 0.6667, -0.3333]]), pivots=tensor([2, 2], dtype=microtorch.int32))
    """
    name = "torch.linalg.ldl_factor"
    _check_square(name, A)
    ld, pivots, info = LDLFactor.apply(A)
    _raise_singular(name, info)
    return LDLFactorResult(ld, pivots)


@op(namespace="linalg")
def ldl_solve(LD: Tensor, pivots: Tensor, B: Tensor, *,  # noqa: N803 - PyTorch's names
              hermitian: bool = False) -> Tensor:
    """The solution X of A X = B from :func:`ldl_factor`'s ``LD`` and ``pivots`` of the
    symmetric A, for B (..., n, k), batch dims broadcast, as ``torch.linalg.ldl_solve``.

    >>> A = tensor([[1.0, 2.0], [2.0, 3.0]])
    >>> ldl_solve(*ldl_factor(A), tensor([[5.0], [8.0]]))
    tensor([[1.0000],
            [2.0000]])
    """
    name = "torch.linalg.ldl_solve"
    _check_square(name, LD)
    for arg, t in (("pivots", pivots), ("B", B)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}(): argument '{arg}' must be a Tensor, got "
                            f"{type(t).__name__}")
    n = LD.shape[-1]
    if pivots.dtype not in (dtypes.int32, dtypes.int64):
        raise RuntimeError(f"{name}: pivots must be an integer tensor (int32, from "
                           f"ldl_factor), got {pivots.dtype.name}")
    if pivots.shape != LD.shape[:-1]:
        raise RuntimeError(f"{name}: Expected LD.shape[:-1] and pivots.shape to be the same, "
                           f"but got pivots with shape {list(pivots.shape)} instead")
    if B.dim() < 2:
        raise RuntimeError(f"{name}: The input tensor B must have at least 2 dimensions.")
    if B.dtype is not LD.dtype:
        raise RuntimeError(f"{name}: Expected LD and B to have the same dtype, but found LD "
                           f"of type {LD.dtype.name} and B of type {B.dtype.name} instead")
    if B.shape[-2] != n:
        raise RuntimeError(f"{name}: Incompatible shapes of A and B for the equation AX = B "
                           f"({n}x{n} and {B.shape[-2]}x{B.shape[-1]})")
    broadcast_shapes(LD.shape[:-2], B.shape[:-2])  # the batch dims must broadcast
    if pivots.numel() and ((pivots == 0) | (pivots.abs() > n)).any().item():
        raise RuntimeError(f"{name}: pivots must be between 1 and {n} in absolute value; did "
                           "you pass the result of ldl_factor?")
    return LDLSolve.apply(LD, pivots, B)
