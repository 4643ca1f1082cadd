"""The optional factorisation kernels ``svd``, ``qr``, ``eigh`` and ``eig``
(``OPTIONAL_KERNELS``).

Each function here allocates the outputs on the input's device and runs the backend's kernel
into them (destination-passing), with no autograd. The autograd Functions that use them, and
the composites that run where a backend has no such kernel (Jacobi rotations, Householder
reflections), are in ``linalg/svd.py``, ``linalg/qr.py``, ``linalg/eigh.py`` and
``linalg/eig.py``: their
gradients need the linear algebra of that layer, and they are the same whichever forward ran.
"""

from __future__ import annotations

from ...dtypes import to_complex
from ...tensor import Tensor


def svd_kernel(a: Tensor, full_matrices: bool, compute_uv: bool
               ) -> tuple[Tensor | None, Tensor, Tensor | None]:
    """``(U, S, Vh)`` of ``a`` (..., m, n) by the backend's ``svd`` kernel (U and Vh None
    without ``compute_uv``)."""
    *batch, m, n = a.shape
    k = min(m, n)
    s = a._empty_like((*batch, k))
    if not compute_uv:
        a._kernels.svd(None, s, None, a, False)
        return None, s, None
    u = a._empty_like((*batch, m, m if full_matrices else k))
    vh = a._empty_like((*batch, n if full_matrices else k, n))
    a._kernels.svd(u, s, vh, a, full_matrices)
    return u, s, vh


def qr_kernel(a: Tensor, mode: str) -> tuple[Tensor | None, Tensor]:
    """``(Q, R)`` of ``a`` (..., m, n) by the backend's ``qr`` kernel (Q None for ``"r"``)."""
    *batch, m, n = a.shape
    rows = m if mode == "complete" else min(m, n)
    r = a._empty_like((*batch, rows, n))
    q = None if mode == "r" else a._empty_like((*batch, m, rows))
    a._kernels.qr(q, r, a, mode)
    return q, r


def eigh_kernel(a: Tensor, upper: bool, compute_v: bool) -> tuple[Tensor, Tensor | None]:
    """``(eigenvalues, eigenvectors)`` of symmetric ``a`` (..., n, n) by the backend's
    ``eigh`` kernel (eigenvectors None without ``compute_v``)."""
    values = a._empty_like(a.shape[:-1])
    vectors = a._empty_like() if compute_v else None
    a._kernels.eigh(values, vectors, a, upper)
    return values, vectors


def eig_kernel(a: Tensor, compute_v: bool) -> tuple[Tensor, Tensor | None]:
    """``(eigenvalues, eigenvectors)`` of general square ``a`` (..., n, n), both complex, by
    the backend's ``eig`` kernel (eigenvectors None without ``compute_v``)."""
    dtype = to_complex(a.dtype)
    values = a._empty_like(a.shape[:-1], dtype)
    vectors = a._empty_like(a.shape, dtype) if compute_v else None
    a._kernels.eig(values, vectors, a)
    return values, vectors
