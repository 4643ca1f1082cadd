"""The QR factorisation A = Q R (``linalg.qr``, the older ``qr`` and ``Tensor.qr``).

Q has orthonormal columns and R is upper triangular. The forward is the backend's ``qr``
kernel (LAPACK's ``geqrf`` on the CPU) or, without one, :func:`qr_householder`, the same
algorithm in Tensor ops: column j of R is reflected onto beta e_j by the Householder
reflector H_j = I - tau v v^T, with beta = -sign(a_jj) ||a_j|| (LAPACK's sign, so that
1 - a_jj / beta never cancels: R's diagonal may be negative, as in PyTorch), and H_j = I when
the column is already zero below the diagonal. Then Q = H_0 H_1 ... H_{k-1}, applied to the
first columns of the identity from the last reflector back.

The gradient is PyTorch's (``linalg_qr_backward``), with M = gR R^T - Q^T gQ:

* m >= n: gA = (gQ + Q sym(M)) R^-T, where sym(M) = triu(M) + triu(M, 1)^T is the symmetric
  matrix with M's upper triangle (PyTorch's ``syminvadj(triu(M))``);
* m < n, with R = [X | Y] and X square (m x m): gA = [Q tril(M^T - M) X^-T | 0] + Q gR.

Neither exists for ``mode="r"`` (no Q) nor for ``mode="complete"`` with m > n (the last
m - n columns of Q are not determined by A): both raise, as in PyTorch.
"""

from __future__ import annotations

from typing import NamedTuple

from ...autograd.function import Function
from ...creation import eye, ones_like, zeros
from ...dispatch import has_kernel
from ...tensor import Tensor
from ..composite.diagonal import tril, triu
from ..composite.indexing import cat
from ..declare import op
from ..primitive.decomposition import qr_kernel
from ..primitive.elementwise import where
from .svd import check_input
from .triangular import solve_triangular

_MODES = ("reduced", "complete", "r")


class QRResult(NamedTuple):
    """``(Q, R)`` of :func:`linalg_qr`, as ``torch.return_types.linalg_qr``."""

    Q: Tensor  # noqa: N815 - PyTorch's field names
    R: Tensor  # noqa: N815


def qr_householder(a: Tensor, mode: str) -> tuple[Tensor | None, Tensor]:
    """``(Q, R)`` of ``a`` (..., m, n) by Householder reflections, as the ``qr`` kernel's
    contract (``Backend.qr``): Q None for ``mode="r"``. No autograd.

    >>> qr_householder(tensor([[3.0, 1.0], [4.0, 2.0]]), "reduced")[1]
    tensor([[-5.0000, -2.2000],
            [ 0.0000,  0.4000]])
    """
    *batch, m, n = a.shape
    k = min(m, n)
    # scaled so that the squares in the norms neither overflow nor underflow; Q is unchanged
    scale = a.abs().amax((-2, -1), keepdim=True)
    scale = where(scale == 0, 1.0, scale)
    r = a / scale
    reflectors = []
    for j in range(k):
        alpha, below = r[..., j : j + 1, j], r[..., j + 1 :, j]  # (..., 1), (..., m - j - 1)
        below_sq = below.square().sum(-1, keepdim=True)
        reflect = below_sq != 0
        norm = (alpha.square() + below_sq).sqrt()
        beta = where(reflect, where(alpha >= 0, -norm, norm), alpha)
        tau = where(reflect, (beta - alpha) / where(reflect, beta, 1.0), 0.0)
        v = cat([ones_like(alpha), below / where(reflect, alpha - beta, 1.0)], -1)  # v_0 = 1
        if j + 1 < n:  # H_j on the columns to the right: R <- R - tau v (v^T R)
            block = r[..., j:, j + 1 :]
            r[..., j:, j + 1 :] = block - (tau * v).unsqueeze(-1) * (v.unsqueeze(-2) @ block)
        r[..., j : j + 1, j] = beta
        r[..., j + 1 :, j] = 0.0
        reflectors.append((v, tau))
    rows = m if mode == "complete" else k
    r = r[..., :rows, :] * scale
    if mode == "r":
        return None, r
    q = eye(m, rows, dtype=a.dtype, device=a.device).expand(*batch, m, rows).clone()
    for j in range(k - 1, -1, -1):
        # the identity's columns before j are still zero in rows j and below: skip them
        v, tau = reflectors[j]
        block = q[..., j:, j:]
        q[..., j:, j:] = block - (tau * v).unsqueeze(-1) * (v.unsqueeze(-2) @ block)
    return q, r


def _factor(a: Tensor, mode: str) -> tuple[Tensor | None, Tensor]:
    """The forward: the backend's kernel if it has one, else the composite."""
    *batch, m, n = a.shape
    if a.numel() == 0:
        rows = m if mode == "complete" else min(m, n)
        q = eye(m, rows, dtype=a.dtype, device=a.device).expand(*batch, m, rows).contiguous()
        return (None if mode == "r" else q), zeros(*batch, rows, n, dtype=a.dtype,
                                                   device=a.device)
    if has_kernel(a, "qr"):
        return qr_kernel(a, mode)
    return qr_householder(a, mode)


def _symmetric_from_upper(x: Tensor) -> Tensor:
    """The symmetric matrix with ``x``'s upper triangle (and diagonal)."""
    return triu(x) + triu(x, 1).mT


class QR(Function):
    """A = Q R, Q with orthonormal columns, R upper triangular"""

    @staticmethod
    def forward(ctx, a, mode):
        q, r = _factor(a, mode)
        ctx.set_materialize_grads(False)
        if q is None:  # mode "r": PyTorch's Q is an empty tensor
            q = a._empty_like((0,))
            ctx.mark_non_differentiable(q)
        ctx.save_for_backward(q, r)
        ctx.mode = mode
        return q, r

    @staticmethod
    def backward(ctx, grad_q, grad_r):
        q, r = ctx.saved_tensors
        if ctx.mode == "r":
            raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed "
                               "when mode='r'. Please use linalg.qr(A, mode='reduced') if you "
                               "are going to differentiate through linalg.qr.")
        m, n = q.shape[-2], r.shape[-1]
        if ctx.mode == "complete" and m > n:
            raise RuntimeError("The QR decomposition is not differentiable when "
                               "mode='complete' and nrows > ncols.")
        if grad_q is None and grad_r is None:
            return None, None
        if grad_q is None:
            inner = grad_r @ r.mT
        elif grad_r is None:
            inner = -(q.mT @ grad_q)
        else:
            inner = grad_r @ r.mT - q.mT @ grad_q
        if m >= n:
            b = q @ _symmetric_from_upper(inner)
            if grad_q is not None:
                b = b + grad_q
            return solve_triangular(r.mT, b, upper=False, left=False), None
        # wide: only the square part X = R[:, :m] is invertible
        lower = tril(inner.mT - inner)  # PyTorch's trilImInvAdjSkew(-M)
        grad_a = solve_triangular(r[..., :m].mT, q @ lower, upper=False, left=False)
        grad_a = cat([grad_a, zeros(*grad_a.shape[:-1], n - m, dtype=r.dtype,
                                    device=r.device)], -1)
        return (grad_a + q @ grad_r if grad_r is not None else grad_a), None


@op(namespace="linalg", name="qr")
def linalg_qr(A: Tensor, mode: str = "reduced") -> QRResult:  # noqa: N803 - PyTorch's name
    """The QR factorisation of ``A`` (..., m, n), as ``torch.linalg.qr``: Q (..., m, k) with
    orthonormal columns and upper-triangular R (..., k, n), k = min(m, n) (``"reduced"``);
    Q (..., m, m) and R (..., m, n) (``"complete"``); or R alone, with an empty Q (``"r"``).
    R's diagonal may be negative (LAPACK's convention, which PyTorch keeps).

    >>> linalg_qr(tensor([[3.0, 1.0], [4.0, 2.0]])).Q
    tensor([[-0.6000, -0.8000],
            [-0.8000,  0.6000]])
    """
    check_input("linalg.qr", A)
    if mode not in _MODES:
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of "
                           f"'reduced' (default), 'r', or 'complete'")
    q, r = QR.apply(A, mode)
    return QRResult(q, r)


@op(variants="function, method")
def qr(input: Tensor, some: bool = True) -> QRResult:  # noqa: A002 - PyTorch's name
    """``torch.qr`` (and ``Tensor.qr``), the older spelling of :func:`linalg_qr`:
    ``some=True`` is ``mode="reduced"``, ``some=False`` ``mode="complete"``."""
    check_input("qr", input)
    q, r = QR.apply(input, "reduced" if some else "complete")
    return QRResult(q, r)
