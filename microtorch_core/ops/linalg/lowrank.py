"""Randomized low-rank factorisations: ``svd_lowrank`` and ``pca_lowrank``, as PyTorch's
``torch/_lowrank.py`` (Halko, Martinsson and Tropp, "Finding structure with randomness",
2009, Algorithm 4.4).

For A (m, n) of rank about q, a random Gaussian R (n, q) gives Y = A R, whose columns span
(with high probability) the range of A; Q = qr(Y).Q is an orthonormal basis of it. ``niter``
power iterations (Q <- qr(A^H Q), then qr(A Q)) sharpen the basis when the singular values
decay slowly. Then A ~ Q Q^H A, and the SVD of the small B = Q^H A (q, n) gives A's:
B = U' S V^H, so A ~ (Q U') S V^H. A mean M is subtracted implicitly (A - M is never formed:
each product with A also subtracts the product with M), which is how ``pca_lowrank``
centres its input.

Everything is ``matmul``, ``linalg.qr`` and ``linalg.svd``, so the gradients are theirs.
The results depend on the random R, drawn from MicroTorch's generator.
"""

from __future__ import annotations

from ...creation import randn
from ...tensor import Tensor
from ..declare import op
from .qr import linalg_qr
from .svd import check_input, linalg_svd


def _approximate_basis(a: Tensor, q: int, niter: int, m: Tensor | None) -> Tensor:
    """Q (..., rows, q) with orthonormal columns such that Q Q^H (A - M) ~ A - M."""
    r = randn(a.shape[-1], q, dtype=a.dtype, device=a.device)

    def times(b: Tensor) -> Tensor:  # (A - M) b without forming A - M
        return a @ b if m is None else a @ b - m @ b

    def adjoint_times(b: Tensor) -> Tensor:  # (A - M)^H b
        return a.mH @ b if m is None else a.mH @ b - m.mH @ b

    basis = linalg_qr(times(r)).Q
    for _ in range(niter):  # power iterations: each applies (A - M)(A - M)^H once
        basis = linalg_qr(adjoint_times(basis)).Q
        basis = linalg_qr(times(basis)).Q
    return basis


def _svd_lowrank(a: Tensor, q: int, niter: int, m: Tensor | None
                 ) -> tuple[Tensor, Tensor, Tensor]:
    rows, cols = a.shape[-2:]
    if m is not None:
        m = m.broadcast_to(a.shape)
    wide = rows < cols
    if wide:  # work on the tall A^H: the basis then has the smaller dimension
        a = a.mH
        m = m.mH if m is not None else None
    basis = _approximate_basis(a, q, niter, m)
    b = basis.mH @ a if m is None else basis.mH @ a - basis.mH @ m
    u, s, vh = linalg_svd(b, full_matrices=False)
    u, v = basis @ u, vh.mH
    return (v, s, u) if wide else (u, s, v)


@op
def svd_lowrank(A: Tensor, q: int | None = 6, niter: int | None = 2,  # noqa: N803
                M: Tensor | None = None) -> tuple[Tensor, Tensor, Tensor]:  # noqa: N803
    """An approximate SVD of rank ``q`` of ``A`` (..., m, n) (of ``A - M`` when the mean
    ``M``, broadcastable to A, is given), as ``torch.svd_lowrank``: (U, S, V) with U
    (..., m, q), S (..., q), V (..., n, q) and A ~ U diag(S) V^H, from a random basis of A's
    range sharpened by ``niter`` power iterations (``q`` at most min(m, n)).

    >>> a = mt.randn(20, 3, dtype=mt.float64) @ mt.randn(3, 10, dtype=mt.float64)
    >>> u, s, v = mt.svd_lowrank(a, q=3)
    >>> bool(((u * s) @ v.mT - a).abs().max() < 1e-8)
    True
    """
    check_input("svd_lowrank", A)
    q = 6 if q is None else q
    niter = 2 if niter is None else niter
    return _svd_lowrank(A, q, niter, M)


@op
def pca_lowrank(A: Tensor, q: int | None = None, center: bool = True,  # noqa: N803
                niter: int = 2) -> tuple[Tensor, Tensor, Tensor]:
    """Principal component analysis of the rows of ``A`` (..., m, n), as
    ``torch.pca_lowrank``: ``svd_lowrank`` of A with its column means subtracted (unless
    ``center=False``); ``q`` defaults to min(6, m, n). V's columns are the principal
    directions, S**2 / (m - 1) the variances along them, and ``(A - mean) @ V`` the
    projection of the data onto them."""
    check_input("pca_lowrank", A)
    m, n = A.shape[-2:]
    if q is None:
        q = min(6, m, n)
    elif not 0 <= q <= min(m, n):
        raise ValueError(f"q(={q}) must be non-negative integer and not greater than "
                         f"min(m, n)={min(m, n)}")
    if not niter >= 0:
        raise ValueError(f"niter(={niter}) must be non-negative integer")
    if not center:
        return _svd_lowrank(A, q, niter, None)
    return _svd_lowrank(A - A.mean(-2, keepdim=True), q, niter, None)
