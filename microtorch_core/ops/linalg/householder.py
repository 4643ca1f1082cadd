"""Householder reflectors in LAPACK's compact form: ``geqrf`` makes them, and
``linalg.householder_product`` (``orgqr``) and ``ormqr`` apply them.

``geqrf`` is the QR factorisation as LAPACK stores it: R on and above the diagonal of the
result, and below it the reflectors H_j = I - tau_j v_j v_j^T that make Q = H_0 H_1 ...
H_(k-1), v_j having a 1 (left out) in row j, zeros above and the stored entries below. Column
j is reflected onto beta e_j, beta = -sign(a_jj) ||a_j|| (LAPACK's ``dlarfg``: 1 - a_jj / beta
never cancels), with tau_j = (beta - a_jj) / beta; a column already zero below the diagonal
gets tau_j = 0 (H_j = I). The same loop is ``qr.py``'s ``qr_householder``, which forms Q
instead of storing the reflectors.

Applying them is a rank-one update per reflector, H C = C - tau v (v^T C), in the order the
product asks: Q C = H_0 (H_1 (... H_(k-1) C)), Q^T C = H_(k-1) ... H_0 C, and from the right
C Q = ((C H_0) H_1) ... The updates are Tensor ops, so ``householder_product`` and ``ormqr``
are differentiable in the reflectors, the tau and C (only the entries below the diagonal are
read), which is the derivative PyTorch's hand-written backward gives. ``geqrf`` has no
gradient, as in PyTorch.
"""

from __future__ import annotations

from typing import NamedTuple

from ... import dtypes
from ...autograd.function import Function
from ...creation import arange, eye, ones_like, zeros
from ...tensor import Tensor
from ..composite.indexing import cat
from ..declare import op
from ..primitive.elementwise import where


class GeqrfResult(NamedTuple):
    """``(a, tau)`` of :func:`geqrf`, as ``torch.return_types.geqrf``."""

    a: Tensor
    tau: Tensor


def _reflector(a: Tensor, j: int) -> Tensor:
    """v_j (..., m): column j of ``a`` below the diagonal, 1 on it, 0 above (differentiable
    in the entries below the diagonal)."""
    rows = arange(a.shape[-2], device=a.device)
    return where(rows > j, a[..., :, j], where(rows == j, 1.0, 0.0))


def _reflect_left(c: Tensor, v: Tensor, tau: Tensor) -> Tensor:
    """H C = C - tau v (v^T C) for C (..., m, p), v (..., m), tau (..., 1)."""
    return c - (tau * v).unsqueeze(-1) * (v.unsqueeze(-2) @ c)


def _reflect_right(c: Tensor, v: Tensor, tau: Tensor) -> Tensor:
    """C H = C - tau (C v) v^T for C (..., p, m)."""
    return c - (c @ v.unsqueeze(-1)) * (tau * v).unsqueeze(-2)


def _check_reflectors(name: str, a: Tensor, tau: Tensor) -> None:
    for arg, t in (("input", a), ("tau", tau)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}(): argument '{arg}' must be a Tensor, got "
                            f"{type(t).__name__}")
    if a.dim() < 2:
        raise RuntimeError(f"{name}: input must have at least 2 dimensions.")
    if not a.dtype.is_floating_point:
        raise RuntimeError(f"{name}: Expected a floating point tensor as input. Got "
                           f"{a.dtype.name}")
    if tau.dtype is not a.dtype:
        raise RuntimeError(f"{name}: tau dtype {tau.dtype.name} does not match input dtype "
                           f"{a.dtype.name}")
    if a.dim() - tau.dim() != 1:
        raise RuntimeError(f"{name}: input.dim() - tau.dim() must be equal to 1, got "
                           f"{a.dim()} and {tau.dim()}")
    if tau.shape[:-1] != a.shape[:-2]:
        raise RuntimeError(f"{name}: Expected batch dimensions of tau to be equal to "
                           f"input.shape[:-2], but got {list(tau.shape[:-1])}")


@op(namespace="linalg")
def householder_product(A: Tensor, tau: Tensor) -> Tensor:  # noqa: N803 - PyTorch's name
    """The first n columns of Q = H_0 H_1 ... H_(k-1), the product of the Householder
    reflectors H_j = I - tau_j v_j v_j^T stored in ``A`` (..., m, n) below its diagonal (as
    :func:`geqrf` leaves them) with ``tau`` (..., k), k <= n <= m, as
    ``torch.linalg.householder_product`` (and ``torch.orgqr``). Differentiable.

    >>> a, tau = geqrf(tensor([[3.0, 1.0], [4.0, 2.0]]))
    >>> householder_product(a, tau)
    tensor([[-0.6000, -0.8000],
            [-0.8000,  0.6000]])
    """
    name = "torch.linalg.householder_product"
    _check_reflectors(name, A, tau)
    m, n = A.shape[-2:]
    if m < n:
        raise RuntimeError(f"{name}: input.shape[-2] must be greater than or equal to "
                           f"input.shape[-1], got {m} and {n}")
    if n < tau.shape[-1]:
        raise RuntimeError(f"{name}: input.shape[-1] must be greater than or equal to "
                           f"tau.shape[-1], got {n} and {tau.shape[-1]}")
    q = eye(m, n, dtype=A.dtype, device=A.device).expand(A.shape)
    if tau.shape[-1] == 0:  # Q = I, a function of A all the same (with a zero gradient)
        return where(zeros(A.shape, dtype=dtypes.bool_, device=A.device), A, q)
    for j in range(tau.shape[-1] - 1, -1, -1):
        q = _reflect_left(q, _reflector(A, j), tau[..., j : j + 1])
    return q


@op(variants="function, method")
def orgqr(input: Tensor, input2: Tensor) -> Tensor:  # noqa: A002 - PyTorch's names
    """``torch.orgqr(a, tau)`` (and ``a.orgqr(tau)``): another name for
    :func:`householder_product`."""
    return householder_product(input, input2)


@op(variants="function, method")
def ormqr(input: Tensor, input2: Tensor, input3: Tensor, left: bool = True,  # noqa: A002
          transpose: bool = False) -> Tensor:
    """Q C, Q^T C (``transpose``), C Q or C Q^T (``left=False``) for C = ``input3`` and
    Q = H_0 ... H_(k-1) (m x m) the product of the Householder reflectors stored in
    ``input`` (..., m, n) with ``input2`` = tau (..., k), as :func:`geqrf` leaves them, as
    ``torch.ormqr``. Q is never formed. Differentiable.

    >>> a, tau = geqrf(tensor([[3.0, 1.0], [4.0, 2.0]]))
    >>> ormqr(a, tau, tensor([[3.0], [4.0]]), transpose=True)   # Q^T [3, 4] = R's column
    tensor([[-5.],
            [ 0.]])
    """
    name = "torch.ormqr"
    _check_reflectors(name, input, input2)
    other = input3
    if not isinstance(other, Tensor):
        raise TypeError(f"{name}(): argument 'other' must be a Tensor, got "
                        f"{type(other).__name__}")
    if other.dim() != input.dim():
        raise RuntimeError(f"{name}: Expected other to have the same number of dimensions as "
                           f"input, but got other.ndim equal to {other.dim()} and input.ndim "
                           f"is equal to {input.dim()}")
    if other.dtype is not input.dtype:
        raise RuntimeError(f"{name}: other dtype {other.dtype.name} does not match input "
                           f"dtype {input.dtype.name}")
    side = -2 if left else -1
    k, m = input2.shape[-1], input.shape[-2]
    if other.shape[side] != m:
        raise RuntimeError(f"{name}: other.shape[{side}] must be equal to input.shape[-2], "
                           f"got {other.shape[side]} and {m}")
    if k > min(other.shape[side], input.shape[-1]):
        raise RuntimeError(f"{name}: tau.shape[-1] must be equal to min(other.shape[{side}], "
                           f"input.shape[-1]) or less, got {k}")
    if other.shape[:-2] != input.shape[:-2]:
        raise RuntimeError(f"{name}: Expected batch dimensions of other to be equal to "
                           f"input.shape[:-2], but got {list(other.shape[:-2])}")
    # Q C applies H_(k-1) first; Q^T C applies H_0 first; from the right, the other way round
    order = range(k) if transpose == left else range(k - 1, -1, -1)
    reflect = _reflect_left if left else _reflect_right
    out = other
    for j in order:
        out = reflect(out, _reflector(input, j), input2[..., j : j + 1])
    return out if k else other.clone()


def _geqrf(a: Tensor) -> tuple[Tensor, Tensor]:
    """(a, tau) in LAPACK's compact form, no autograd."""
    m, n = a.shape[-2:]
    r = a.clone()
    taus = []
    for j in range(min(m, n)):
        alpha, below = r[..., j : j + 1, j], r[..., j + 1 :, j]  # (..., 1), (..., m - j - 1)
        # scaled so that the squares in the norm neither overflow nor underflow
        scale = cat([alpha, below], -1).abs().amax(-1, keepdim=True)
        scale = where(scale == 0, 1.0, scale)
        below_sq = (below / scale).square().sum(-1, keepdim=True)
        reflect = below_sq != 0
        norm = ((alpha / scale).square() + below_sq).sqrt() * scale
        beta = where(reflect, where(alpha >= 0, -norm, norm), alpha)
        tau = where(reflect, (beta - alpha) / where(reflect, beta, 1.0), 0.0)
        v = below / where(reflect, alpha - beta, 1.0)
        if j + 1 < n:  # H_j on the columns to the right: R <- R - tau v (v^T R)
            full = cat([ones_like(alpha), v], -1)
            r[..., j:, j + 1 :] = _reflect_left(r[..., j:, j + 1 :], full, tau)
        r[..., j : j + 1, j] = beta
        r[..., j + 1 :, j] = v
        taus.append(tau)
    tau = cat(taus, -1) if taus else a._empty_like(a.shape[:-2] + (0,))
    return r, tau


class Geqrf(Function):
    """(a, tau): R and the Householder reflectors of A = Q R, LAPACK's compact form"""

    @staticmethod
    def forward(ctx, a):
        return _geqrf(a)

    @staticmethod
    def backward(ctx, grad_a, grad_tau):
        raise RuntimeError("the derivative for 'geqrf' is not implemented, as in PyTorch; "
                           "use linalg.qr, which is differentiable")


@op(variants="function, method")
def geqrf(input: Tensor) -> GeqrfResult:  # noqa: A002 - PyTorch's name
    """The QR factorisation of ``input`` (..., m, n) in LAPACK's compact form, as
    ``torch.geqrf``: ``a`` holds R on and above its diagonal and the Householder vectors below
    it, and ``tau`` (..., min(m, n)) their scales; :func:`householder_product` and
    :func:`ormqr` take them. Not differentiable, as in PyTorch.

    >>> geqrf(tensor([[3.0, 1.0], [4.0, 2.0]]))
    GeqrfResult(a=tensor([[-5.0000, -2.2000],
            [ 0.5000,  0.4000]]), tau=tensor([1.6000, 0.0000]))
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"geqrf(): argument 'input' must be a Tensor, got "
                        f"{type(input).__name__}")
    if input.dim() < 2:
        raise RuntimeError("torch.geqrf: input must have at least 2 dimensions.")
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"torch.geqrf: Expected a floating point tensor as input. Got "
                           f"{input.dtype.name}")
    a, tau = Geqrf.apply(input)
    return GeqrfResult(a, tau)
