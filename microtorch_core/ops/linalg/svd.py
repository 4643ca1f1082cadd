"""The singular value decomposition A = U diag(S) V^T (``linalg.svd``, ``linalg.svdvals``,
the older ``svd`` and ``Tensor.svd``).

For A (..., m, n) and k = min(m, n): S (..., k) holds the singular values, descending, and the
columns of U and V orthonormal singular vectors. The forward is the backend's ``svd`` kernel
(LAPACK's ``gesdd`` through NumPy on the CPU) or, without one, one-sided Jacobi rotations
(``jacobi.py``). Each pair (u_j, v_j) is defined only up to a common sign, so the two may
return different signs: both are right, and so are their gradients below.

The gradient is PyTorch's (``svd_backward``). With E_jk = s_k^2 - s_j^2 (1 on the diagonal)
and skew(X) = X - X^T:

    gA = U [ (skew(U^T gU) S + S skew(V^T gV)) / E + diag(gS) ] V^T
         + (I - U U^T) gU S^-1 V^T          (m > n: the part of gU outside U's span)
         + U S^-1 gV^T (I - V V^T)          (m < n: likewise for V)

It holds where the singular values are distinct (and non-zero for the last two terms);
elsewhere E or S has zeros and the gradient is inf or nan, as in PyTorch. Because of the sign
freedom, only a function of the outputs that does not depend on the signs (U diag(S) V^T,
|U|, U U^T, S itself...) has a meaningful gradient: PyTorch's documented caveat. The values
alone (``svdvals``) have the simple gradient U diag(gS) V^T.
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
from ..primitive.decomposition import svd_kernel
from ..primitive.elementwise import where
from .jacobi import svd_jacobi
from .triangular import raise_for_info

_NOT_FINITE = ("linalg.svd: The algorithm failed to converge because the input matrix "
               "contained non-finite values.")
_DRIVERS = ("gesvd", "gesvdj", "gesvda")


class SVDResult(NamedTuple):
    """``(U, S, Vh)`` of :func:`linalg_svd`, as ``torch.return_types.linalg_svd``."""

    U: Tensor  # noqa: N815 - PyTorch's field names
    S: Tensor  # noqa: N815
    Vh: Tensor  # noqa: N815


class LegacySVDResult(NamedTuple):
    """``(U, S, V)`` of :func:`svd` (V, not V^T), as ``torch.return_types.svd``."""

    U: Tensor  # noqa: N815 - PyTorch's field names
    S: Tensor  # noqa: N815
    V: Tensor  # noqa: N815


def decompose(a: Tensor, full_matrices: bool, compute_uv: bool
              ) -> tuple[Tensor | None, Tensor, Tensor | None]:
    """``(U, S, Vh)`` by the backend's kernel if it has one, else by Jacobi rotations (U and
    Vh None without ``compute_uv``). No autograd. Raises ``LinAlgError`` for a matrix with a
    non-finite entry, as PyTorch."""
    *batch, m, n = a.shape
    k = min(m, n)
    if a.numel() == 0:  # no values; the vectors of an empty side are the identity's
        u = vh = None
        if compute_uv:
            u = eye(m, m if full_matrices else k, dtype=a.dtype, device=a.device)
            vh = eye(n if full_matrices else k, n, dtype=a.dtype, device=a.device)
            u, vh = u.expand(*batch, *u.shape).clone(), vh.expand(*batch, *vh.shape).clone()
        return u, zeros(*batch, k, dtype=a.dtype, device=a.device), vh
    if has_kernel(a, "svd"):
        u, s, vh = svd_kernel(a, full_matrices, compute_uv)
    else:
        u, s, vh = svd_jacobi(a, full_matrices, compute_uv)
    raise_for_info(s.isnan().any(-1).to(dtypes.int32), _NOT_FINITE)
    return u, s, vh


def svd_backward(grad_u: Tensor | None, grad_s: Tensor | None, grad_vh: Tensor | None,
                 u: Tensor, s: Tensor, vh: Tensor) -> Tensor | None:
    """gA for the reduced SVD A = U diag(S) Vh (U (..., m, k), Vh (..., k, n)), from the
    gradients of the outputs (None: no gradient), as PyTorch's ``svd_backward``."""
    m, n = u.shape[-2], vh.shape[-1]
    if grad_u is None and grad_vh is None:
        if grad_s is None:
            return None
        return u @ (grad_s.unsqueeze(-1) * vh)
    squares = s * s
    identity = eye(s.shape[-1], dtype=dtypes.bool_, device=s.device)
    gaps = where(identity, 1.0, squares.unsqueeze(-2) - squares.unsqueeze(-1))  # E
    row, col = s.unsqueeze(-1), s.unsqueeze(-2)  # S on the left, S on the right
    if grad_u is not None:
        uh_gu = u.mT @ grad_u
        uh_gu = uh_gu - uh_gu.mT
    if grad_vh is not None:
        vh_gv = vh @ grad_vh.mT
        vh_gv = vh_gv - vh_gv.mT
    if grad_u is not None and grad_vh is not None:
        inner = (uh_gu * col + row * vh_gv) / gaps
    elif grad_u is not None:
        inner = uh_gu * (col / gaps)
    else:
        inner = row * (vh_gv / gaps)
    if grad_s is not None:
        inner = inner + diag_embed(grad_s)
    if m > n and grad_u is not None:
        grad_u_sinv = grad_u / col
        outside = grad_u_sinv - u @ (u.mT @ grad_u_sinv)  # (I - U U^T) gU S^-1
        return (u @ inner + outside) @ vh
    if m < n and grad_vh is not None:
        sinv_grad_vh = grad_vh / row
        outside = sinv_grad_vh - (sinv_grad_vh @ vh.mT) @ vh  # S^-1 gV^T (I - V V^T)
        return u @ (inner @ vh + outside)
    return u @ (inner @ vh) if m >= n else (u @ inner) @ vh


class SVD(Function):
    """A = U diag(S) Vh for A (..., m, n)"""

    @staticmethod
    def forward(ctx, a, full_matrices):
        u, s, vh = decompose(a, full_matrices, True)
        ctx.set_materialize_grads(False)  # an output without a gradient drops its terms
        ctx.save_for_backward(u, s, vh)
        ctx.full_matrices = full_matrices
        return u, s, vh

    @staticmethod
    def backward(ctx, grad_u, grad_s, grad_vh):
        u, s, vh = ctx.saved_tensors
        if ctx.full_matrices:  # A determines only the first k vectors (PyTorch narrows too)
            k = s.shape[-1]
            u, vh = u[..., :k], vh[..., :k, :]
            grad_u = grad_u[..., :k] if grad_u is not None else None
            grad_vh = grad_vh[..., :k, :] if grad_vh is not None else None
        return svd_backward(grad_u, grad_s, grad_vh, u, s, vh), None


def check_input(name: str, a: Tensor) -> None:
    """Raise PyTorch's errors unless ``a`` is a floating tensor of at least 2 dims."""
    if not isinstance(a, Tensor):
        raise TypeError(f"{name}(): argument 'A' must be a Tensor, got {type(a).__name__}")
    if a.dim() < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")
    if not a.dtype.is_floating_point:
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. "
                           f"Got {a.dtype.name}")


def _check_driver(a: Tensor, driver: str | None) -> None:
    """PyTorch takes ``driver`` (a cuSOLVER algorithm) on CUDA only; any algorithm gives the
    same decomposition, so on CUDA it is checked and otherwise not used."""
    if driver is None:
        return
    if a.device.type != "cuda":
        raise RuntimeError("torch.linalg.svd: keyword argument `driver=` is only supported on "
                           "CUDA inputs with cuSOLVER backend.")
    if driver not in _DRIVERS:
        raise RuntimeError(f"torch.linalg.svd: unknown driver {driver!r}: expected one of "
                           f"{', '.join(_DRIVERS)}")


def singular_values(a: Tensor) -> Tensor:
    """S of ``a``, differentiable: the vectors are computed only when a gradient needs them."""
    if a.requires_grad and is_grad_enabled():
        return SVD.apply(a, False)[1]
    return decompose(a, False, False)[1]


@op(namespace="linalg", name="svd")
def linalg_svd(A: Tensor, full_matrices: bool = True, *,  # noqa: N803 - PyTorch's name
               driver: str | None = None) -> SVDResult:
    """The singular value decomposition A = U diag(S) Vh of ``A`` (..., m, n), as
    ``torch.linalg.svd``: S (..., k), k = min(m, n), descending; U (..., m, m) and
    Vh (..., n, n) with ``full_matrices``, else (..., m, k) and (..., k, n). Each singular
    vector pair is defined up to sign (see the module docstring about gradients).

    >>> linalg_svd(tensor([[3.0, 0.0], [0.0, -4.0]])).S
    tensor([4., 3.])
    """
    check_input("linalg.svd", A)
    _check_driver(A, driver)
    return SVDResult(*SVD.apply(A, bool(full_matrices)))


@op(namespace="linalg")
def svdvals(A: Tensor, *, driver: str | None = None) -> Tensor:  # noqa: N803
    """The singular values of ``A`` (..., m, n), descending, as ``torch.linalg.svdvals``
    (the singular vectors are computed only when a gradient is needed).

    >>> svdvals(tensor([[3.0, 0.0], [0.0, -4.0]]))
    tensor([4., 3.])
    """
    check_input("linalg.svd", A)
    _check_driver(A, driver)
    return singular_values(A)


@op(variants="function, method")
def svd(input: Tensor, some: bool = True,  # noqa: A002 - PyTorch's name
        compute_uv: bool = True) -> LegacySVDResult:
    """``torch.svd`` (and ``Tensor.svd``), the older form of :func:`linalg_svd`: it returns
    V rather than Vh, ``some=True`` (the default) gives the reduced vectors, and with
    ``compute_uv=False`` U and V are zero-filled (..., m, m) and (..., n, n) matrices.

    >>> svd(tensor([[0.0, 2.0], [1.0, 0.0]])).V
    tensor([[0., 1.],
            [1., 0.]])
    """
    check_input("linalg.svd", input)
    if not compute_uv:
        *batch, m, n = input.shape
        return LegacySVDResult(zeros(*batch, m, m, dtype=input.dtype, device=input.device),
                               singular_values(input),
                               zeros(*batch, n, n, dtype=input.dtype, device=input.device))
    u, s, vh = SVD.apply(input, not some)
    return LegacySVDResult(u, s, vh.mT)
