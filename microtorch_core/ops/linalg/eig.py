"""The eigendecomposition of a general square matrix, A V = V diag(L) (``linalg.eig``,
``linalg.eigvals``), with complex eigenvalues L (..., n) and eigenvectors V (..., n, n).

The results are complex even for real A (complex64 for float32/complex64, complex128 for
float64/complex128). The forward is the backend's optional ``eig`` kernel (LAPACK's ``geev``
through NumPy on the CPU): each column of V has unit norm and its largest component real,
geev's normalisation. There is no composite: a backend without the kernel raises.

The gradient is PyTorch's ``linalg_eig_backward``. An eigenvector is defined up to a phase
e^{i phi}, so a loss must not depend on it: Im(diag(V^H gV)) is then zero, and PyTorch refuses
a loss for which it is not. With E_ij = conj(L_j - L_i) (off the diagonal):

    gA = V^{-H} (diag(gL) + (V^H gV - V^H V diag(Re diag(V^H gV))) / E) V^H

The middle term projects V^H gV onto what keeps the columns' norms at 1. Dividing by E makes
the gradient inf or nan where eigenvalues repeat, as in PyTorch. For real A the engine keeps
the real part. ``linalg.solve`` takes no complex input yet, so V^{-H} is applied by solving
the equivalent real system of twice the size (:func:`_complex_solve`).
"""

from __future__ import annotations

from typing import NamedTuple

from ... import dtypes
from ...autograd.function import Function
from ...autograd.grad_mode import is_grad_enabled
from ...creation import eye, zeros
from ...dispatch import has_kernel
from ...tensor import Tensor
from ..composite.complex_parts import complex_, conj, imag, real
from ..composite.indexing import cat
from ..declare import op
from ..primitive.decomposition import eig_kernel
from ..primitive.elementwise import where
from ..primitive.views import view_as_real
from .lu import solve


class EigResult(NamedTuple):
    """``(eigenvalues, eigenvectors)`` of :func:`eig`, as ``torch.return_types.linalg_eig``."""

    eigenvalues: Tensor
    eigenvectors: Tensor


def decompose(a: Tensor, compute_v: bool) -> tuple[Tensor, Tensor | None]:
    """``(L, V)`` by the backend's ``eig`` kernel (V None without ``compute_v``). No
    autograd."""
    dtype = dtypes.to_complex(a.dtype)
    if a.numel() == 0:
        values = zeros(*a.shape[:-1], dtype=dtype, device=a.device)
        return values, (zeros(*a.shape, dtype=dtype, device=a.device) if compute_v else None)
    if not has_kernel(a, "eig"):
        kind = "complex " if a.dtype.is_complex else ""
        raise NotImplementedError(
            f"linalg.eig: backend '{a.device.type}' has no 'eig' kernel for {kind}"
            f"{a.dtype.name} tensors; move the tensor to the CPU (A.cpu()) to decompose it")
    parts = view_as_real(a) if a.dtype.is_complex else a
    if not bool(parts.isfinite().all()):  # LAPACK's geev would fail or loop on them
        raise RuntimeError("torch.linalg.eig: input tensor should not contain infs or NaNs.")
    return eig_kernel(a, compute_v)


def _complex_solve(m: Tensor, b: Tensor) -> Tensor:
    """X with m X = b for complex m (..., n, n) and b (..., n, k), as the real system
    [[Re m, -Im m], [Im m, Re m]] [Re X; Im X] = [Re b; Im b] (differentiable)."""
    mr, mi = real(m), imag(m)
    system = cat([cat([mr, -mi], -1), cat([mi, mr], -1)], -2)
    x = solve(system, cat([real(b), imag(b)], -2))
    n = m.shape[-1]
    return complex_(x[..., :n, :], x[..., n:, :])


def _check_phase_invariant(vh_gv_diagonal: Tensor) -> None:
    # PyTorch's test: allclose(Im(diag(V^H gV)), 0, rtol=1e-2, atol=1e-2)
    if bool((imag(vh_gv_diagonal).abs() > 1e-2).any()):
        raise RuntimeError(
            "linalg_eig_backward: The eigenvectors in the complex case are specified up to "
            "multiplication by e^{i phi}. The specified loss function depends on this "
            "quantity, so it is ill-defined.")


class Eig(Function):
    """A V = V diag(L) for square A (..., n, n); L and V complex"""

    @staticmethod
    def forward(ctx, a):
        values, vectors = decompose(a, True)
        ctx.set_materialize_grads(False)
        ctx.save_for_backward(values, vectors)
        return values, vectors

    @staticmethod
    def backward(ctx, grad_values, grad_vectors):
        values, vectors = ctx.saved_tensors
        if grad_values is None and grad_vectors is None:
            return None
        vh = vectors.mH
        if grad_vectors is None:  # eigvals: V^{-H} diag(gL) V^H
            return _complex_solve(vh, grad_values.unsqueeze(-1) * vh)
        vh_gv = vh @ grad_vectors
        diagonal = vh_gv.diagonal(0, -2, -1)
        _check_phase_invariant(diagonal)
        inner = vh_gv - vh @ (vectors * real(diagonal).unsqueeze(-2))
        lc = conj(values)
        identity = eye(values.shape[-1], dtype=dtypes.bool_, device=values.device)
        inner = inner / where(identity, 1.0, lc.unsqueeze(-2) - lc.unsqueeze(-1))  # E
        if grad_values is not None:  # the diagonal is gL (PyTorch overwrites it)
            inner = where(identity, grad_values.unsqueeze(-2), inner)
        return _complex_solve(vh, inner @ vh)


def _check(name: str, a: Tensor) -> None:
    if not isinstance(a, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(a).__name__}")
    if a.dim() < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")
    if a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"{name}: A must be batches of square matrices, but they are "
                           f"{a.shape[-2]} by {a.shape[-1]} matrices")
    if not (a.dtype.is_floating_point or a.dtype.is_complex):  # PyTorch: "Unknown Complex"
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. "
                           f"Got {a.dtype.name}")


@op(namespace="linalg")
def eig(A: Tensor) -> EigResult:  # noqa: N803 - PyTorch's name
    """The complex eigenvalues and eigenvectors (columns of unit norm, LAPACK's ``geev``
    normalisation) of the square matrices ``A`` (..., n, n), as ``torch.linalg.eig``:
    A V = V diag(L). Only functions of V that do not depend on each column's phase have a
    gradient.

    >>> eig(tensor([[2.0, 0.0], [0.0, -1.0]])).eigenvalues
    tensor([ 2.+0.j, -1.+0.j])
    """
    _check("linalg.eig", A)
    return EigResult(*Eig.apply(A))


@op(namespace="linalg")
def eigvals(A: Tensor) -> Tensor:  # noqa: N803 - PyTorch's name
    """The complex eigenvalues of the square matrices ``A`` (..., n, n), as
    ``torch.linalg.eigvals`` (the eigenvectors are computed only when a gradient needs them).

    >>> eigvals(tensor([[0.0, -1.0], [1.0, 0.0]]))
    tensor([0.+1.j, 0.-1.j])
    """
    _check("linalg.eigvals", A)
    if A.requires_grad and is_grad_enabled():
        return Eig.apply(A)[0]
    return decompose(A, False)[0]
