"""The eigendecomposition of symmetric matrices, A = V diag(L) V^T (``linalg.eigh``,
``linalg.eigvalsh``); general matrices (``linalg.eig``) are in ``eig.py``.

Only A's lower triangle is read (the upper one with ``UPLO="U"``), as LAPACK does, so A is
taken to be symmetric. L (..., n) holds the eigenvalues in ascending order and the columns of
V orthonormal eigenvectors, each defined up to sign. The forward is the backend's ``eigh``
kernel (LAPACK's ``syevd`` through NumPy on the CPU) or, without one, two-sided Jacobi
rotations (``jacobi.py``).

The gradient is PyTorch's (``linalg_eig_backward`` for Hermitian input), with
E_ij = L_j - L_i (1 on the diagonal):

    gA = V (skew(V^T gV) / 2 / E + diag(gL)) V^T,   skew(X) = X - X^T.

Only the skew part of V^T gV counts (V stays orthogonal), and the division by E makes it
inf or nan where eigenvalues repeat, as in PyTorch: eigenvectors of a repeated eigenvalue are
not unique. As for the SVD, only sign-independent functions of V have a meaningful gradient.
The gradient is not symmetrised (PyTorch's is not either).
"""

from __future__ import annotations

from typing import NamedTuple

from ... import dtypes
from ...autograd.function import Function
from ...autograd.grad_mode import is_grad_enabled
from ...creation import eye, zeros
from ...dispatch import has_kernel
from ...tensor import Tensor
from ..composite.diagonal import diag_embed
from ..declare import op
from ..primitive.decomposition import eigh_kernel
from ..primitive.elementwise import where
from .jacobi import eigh_jacobi


class EighResult(NamedTuple):
    """``(eigenvalues, eigenvectors)`` of :func:`eigh`, as ``torch.return_types.linalg_eigh``.
    """

    eigenvalues: Tensor
    eigenvectors: Tensor


def decompose(a: Tensor, upper: bool, compute_v: bool) -> tuple[Tensor, Tensor | None]:
    """``(L, V)`` by the backend's kernel if it has one, else by Jacobi rotations (V None
    without ``compute_v``). No autograd."""
    if a.numel() == 0:
        values = zeros(*a.shape[:-1], dtype=a.dtype, device=a.device)
        return values, (zeros(*a.shape, dtype=a.dtype, device=a.device) if compute_v else None)
    if has_kernel(a, "eigh"):
        return eigh_kernel(a, upper, compute_v)
    return eigh_jacobi(a, upper, compute_v)


class Eigh(Function):
    """A = V diag(L) V^T for symmetric A (..., n, n)"""

    @staticmethod
    def forward(ctx, a, upper):
        values, vectors = decompose(a, upper, True)
        ctx.set_materialize_grads(False)
        ctx.save_for_backward(values, vectors)
        return values, vectors

    @staticmethod
    def backward(ctx, grad_values, grad_vectors):
        values, vectors = ctx.saved_tensors
        if grad_vectors is None:
            if grad_values is None:
                return None, None
            inner = diag_embed(grad_values)
        else:
            vh_gv = vectors.mT @ grad_vectors
            identity = eye(values.shape[-1], dtype=dtypes.bool_, device=values.device)
            gaps = where(identity, 1.0, values.unsqueeze(-2) - values.unsqueeze(-1))  # E
            inner = 0.5 * (vh_gv - vh_gv.mT) / gaps
            if grad_values is not None:
                inner = inner + diag_embed(grad_values)  # skew(.) has a zero diagonal
        return vectors @ inner @ vectors.mT, None


def _check(name: str, a: Tensor, uplo: str) -> None:
    if not isinstance(a, Tensor):
        raise TypeError(f"{name}(): argument 'A' must be a Tensor, got {type(a).__name__}")
    if a.dim() < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")
    if a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"{name}: A must be batches of square matrices, but they are "
                           f"{a.shape[-2]} by {a.shape[-1]} matrices")
    if not a.dtype.is_floating_point:  # PyTorch's type for a dtype with no kernel
        raise NotImplementedError(f"{name}: not implemented for '{a.dtype.name}' (a floating "
                                  f"point tensor is expected)")
    if not isinstance(uplo, str) or uplo.upper() not in ("L", "U") or len(uplo) != 1:
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {uplo}")


@op(namespace="linalg")
def eigh(A: Tensor, UPLO: str = "L") -> EighResult:  # noqa: N803 - PyTorch's names
    """The eigenvalues (ascending) and orthonormal eigenvectors (columns) of the symmetric
    matrices ``A`` (..., n, n), read from the lower triangle (``UPLO="U"``: the upper one),
    as ``torch.linalg.eigh``: A = V diag(L) V^T.

    >>> eigh(tensor([[2.0, 1.0], [1.0, 2.0]])).eigenvalues
    tensor([1., 3.])
    """
    _check("linalg.eigh", A, UPLO)
    return EighResult(*Eigh.apply(A, UPLO.upper() == "U"))


@op(namespace="linalg")
def eigvalsh(A: Tensor, UPLO: str = "L") -> Tensor:  # noqa: N803 - PyTorch's names
    """The eigenvalues of the symmetric matrices ``A`` (..., n, n), ascending, as
    ``torch.linalg.eigvalsh`` (the eigenvectors are computed only when a gradient needs them).

    >>> eigvalsh(tensor([[2.0, 1.0], [1.0, 2.0]]))
    tensor([1., 3.])
    """
    _check("linalg.eigvalsh", A, UPLO)
    upper = UPLO.upper() == "U"
    if A.requires_grad and is_grad_enabled():
        return Eigh.apply(A, upper)[0]
    return decompose(A, upper, False)[0]

