"""What the singular values of a matrix tell: its pseudoinverse (``linalg.pinv``,
``pinverse``) and its rank (``linalg.matrix_rank``).

Both cut the singular values at a tolerance, max(atol, rtol * s_max): the ones below it are
taken as zero. By default atol = 0 and rtol = eps * max(m, n) (for the input's dtype), and
rtol = 0 when only a positive atol is given, as in PyTorch. With ``hermitian=True`` the
symmetric eigendecomposition replaces the SVD: the singular values are the |eigenvalues|.

* pinv A = V diag(1/s, or 0 below the tolerance) U^T;
* rank A = the number of singular values above the tolerance.

The gradient of pinv is PyTorch's (``pinv_backward``), that of a pseudoinverse of fixed rank
(Golub and Pereyra): with P = pinv A and g = gP,

    gA = -P^T g P^T + P^T P g^T (I - P A) + (I - A P) g^T P P^T,

multiplied in whichever order keeps the intermediate matrices smallest. Where the rank
changes (a singular value crossing the tolerance) there is no derivative.
"""

from __future__ import annotations

from ... import dtypes
from ...autograd.function import Function
from ...creation import zeros
from ...tensor import Tensor
from ..declare import op
from ..primitive.elementwise import maximum, where
from . import eigh as eigh_module
from . import svd as svd_module

Tolerance = float | Tensor | None


def tolerance(a: Tensor, largest: Tensor, atol: Tolerance, rtol: Tolerance) -> Tensor:
    """max(atol, rtol * largest) with PyTorch's defaults (see the module docstring);
    ``largest`` is (..., 1), ``atol`` and ``rtol`` numbers or tensors over the batch."""
    if rtol is None:
        default = dtypes.finfo(a.dtype).eps * max(a.shape[-2], a.shape[-1])
        if atol is None:
            rtol = default
        elif isinstance(atol, Tensor):
            rtol = where(atol > 0, 0.0, default)
        else:
            rtol = 0.0 if atol > 0 else default
    if isinstance(rtol, Tensor):
        rtol = rtol.unsqueeze(-1)
    cut = rtol * largest
    if isinstance(atol, Tensor):
        return maximum(atol.unsqueeze(-1), cut)
    return cut.clamp_min(0.0 if atol is None else float(atol))


def _pinv(a: Tensor, atol: Tolerance, rtol: Tolerance, hermitian: bool) -> Tensor:
    """The pseudoinverse (no autograd)."""
    *batch, m, n = a.shape
    if a.numel() == 0:
        return zeros(*batch, n, m, dtype=a.dtype, device=a.device)
    if hermitian:
        values, vectors = eigh_module.decompose(a, False, True)
        magnitudes = values.abs()
        keep = magnitudes > tolerance(a, magnitudes.amax(-1, keepdim=True), atol, rtol)
        return (vectors * where(keep, 1 / values, 0.0).unsqueeze(-2)) @ vectors.mT
    u, s, vh = svd_module.decompose(a, False, True)
    keep = s > tolerance(a, s[..., :1], atol, rtol)  # s descends: s[0] is the largest
    return (vh.mT * where(keep, 1 / s, 0.0).unsqueeze(-2)) @ u.mT


def pinv_backward(grad: Tensor, pinv_a: Tensor, a: Tensor) -> Tensor:
    """gA for P = pinv(A), as PyTorch's ``pinv_backward``."""
    m, n = a.shape[-2:]
    pinv_t, grad_t = pinv_a.mT, grad.mT
    if m <= n:
        k = grad_t @ pinv_a
        k_pinv_t = k @ pinv_t
        return (-(pinv_a @ k).mT + k_pinv_t - (a @ pinv_a) @ k_pinv_t
                + (pinv_t @ pinv_a) @ (grad_t - k @ a))
    k = pinv_a @ grad_t
    pinv_t_k = pinv_t @ k
    return (-(k @ pinv_a).mT + (grad_t - a @ k) @ pinv_a @ pinv_t + pinv_t_k
            - pinv_t_k @ pinv_a @ a)


class Pinv(Function):
    """P = pinv(A), the Moore-Penrose pseudoinverse of A (..., m, n)"""

    @staticmethod
    def forward(ctx, a, atol, rtol, hermitian):
        out = _pinv(a, atol, rtol, hermitian)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        return pinv_backward(grad, out, a), None, None, None


def _check(name: str, a: Tensor) -> None:
    if not isinstance(a, Tensor):
        raise TypeError(f"{name}(): argument 'A' must be a Tensor, got {type(a).__name__}")
    if a.dim() < 2 or not a.dtype.is_floating_point:
        raise RuntimeError(f"{name}({a.dtype.name}{list(a.shape)}): expected a tensor with 2 "
                           f"or more dimensions of float, double, cfloat or cdouble types")


@op(namespace="linalg")
def pinv(A: Tensor, rcond: float | Tensor | None = None,  # noqa: N803 - PyTorch's name
         hermitian: bool = False, *, atol: Tolerance = None, rtol: Tolerance = None) -> Tensor:
    """The Moore-Penrose pseudoinverse of ``A`` (..., m, n), shape (..., n, m), as
    ``torch.linalg.pinv``: singular values at most max(atol, rtol * s_max) count as zero
    (defaults in the module docstring). ``rcond`` (PyTorch's older positional form) is rtol
    with atol = 0; ``hermitian=True`` takes A as symmetric (its lower triangle) and uses
    :func:`eigh`.

    >>> pinv(tensor([[1.0, 0.0], [0.0, 0.0], [0.0, 2.0]]))
    tensor([[1.0000, 0.0000, 0.0000],
            [0.0000, 0.0000, 0.5000]])
    """
    _check("linalg.pinv", A)
    if rcond is not None:
        if atol is not None or rtol is not None:
            raise RuntimeError("linalg.pinv: rcond cannot be given with atol or rtol")
        atol, rtol = 0.0, rcond
    return Pinv.apply(A, atol, rtol, bool(hermitian))


@op(variants="function, method")
def pinverse(input: Tensor, rcond: float = 1e-15) -> Tensor:  # noqa: A002 - PyTorch's name
    """``torch.pinverse`` (and ``Tensor.pinverse``): :func:`pinv` with ``rcond`` as the
    relative tolerance (default 1e-15) and no absolute one."""
    _check("linalg.pinv", input)
    return Pinv.apply(input, 0.0, rcond, False)


@op(namespace="linalg")
def matrix_rank(A: Tensor, tol: float | Tensor | None = None,  # noqa: N803 - PyTorch's name
                hermitian: bool = False, *, atol: Tolerance = None,
                rtol: Tolerance = None) -> Tensor:
    """The rank of each matrix of ``A`` (..., m, n), int64 over the batch, as
    ``torch.linalg.matrix_rank``: the number of singular values (|eigenvalues| with
    ``hermitian``) above max(atol, rtol * s_max). ``tol`` (PyTorch's older form) is atol with
    rtol = 0.

    >>> matrix_rank(tensor([[1.0, 2.0], [2.0, 4.0]]))
    tensor(1)
    """
    name = "torch.linalg.matrix_rank"
    if not isinstance(A, Tensor):
        raise TypeError(f"{name}(): argument 'A' must be a Tensor, got {type(A).__name__}")
    if not A.dtype.is_floating_point:
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. "
                           f"Got {A.dtype.name}")
    if A.dim() < 2:
        raise RuntimeError(f"{name}: The input tensor input must have at least 2 dimensions.")
    if tol is not None:
        if atol is not None or rtol is not None:
            raise RuntimeError(f"{name}: tol cannot be given with atol or rtol")
        atol, rtol = tol, 0.0
    if A.numel() == 0:  # no non-zero rows: rank 0
        return A.detach().sum((-2, -1)).to(dtypes.int64)
    A = A.detach()  # an integer has no gradient: skip the singular vectors
    if hermitian:
        values = eigh_module.decompose(A, False, False)[0].abs()
        largest = values.amax(-1, keepdim=True)
    else:
        values = svd_module.decompose(A, False, False)[1]
        largest = values[..., :1]
    return (values > tolerance(A, largest, atol, rtol)).sum(-1)
