"""Least squares, ``linalg.lstsq``: X minimising ||A X - B|| for A (..., m, n) and
B (..., m, k), batch dims broadcast.

The solution is the minimum-norm one, X = pinv(A) B, from the SVD of A (``svd.py``) with the
singular values at most rcond * s_max taken as zero: what LAPACK's ``gelsd``/``gelss`` return
and, for a matrix of full rank, ``gels`` and ``gelsy`` too. ``driver`` decides, as in
PyTorch, which of the other outputs are filled (the rest are empty tensors):

==========  ===========================================================================
``gels``    residuals (m > n)
``gelsy``   rank (PyTorch's default on the CPU)
``gelsd``   residuals (m > n and full rank), rank, singular values
``gelss``   the same as gelsd
==========  ===========================================================================

The residuals are the squared norms of the columns of A X - B. On other devices PyTorch
accepts only ``gels``, its default there; so does MicroTorch.

The gradient is PyTorch's (``linalg_lstsq_backward``): X = P B with P = pinv(A), so
gB = P^T gX and gA is the pseudoinverse's gradient (``pinv.py``) for gP = gX B^T.
"""

from __future__ import annotations

from typing import NamedTuple

from ... import dtypes
from ...autograd.function import Function
from ...dispatch import broadcast_shapes, same_device
from ...tensor import Tensor
from ..declare import op
from ..primitive.elementwise import where
from .pinv import pinv_backward, tolerance
from .svd import decompose

_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


class LstsqResult(NamedTuple):
    """``(solution, residuals, rank, singular_values)`` of :func:`lstsq`, as
    ``torch.return_types.linalg_lstsq``."""

    solution: Tensor
    residuals: Tensor
    rank: Tensor
    singular_values: Tensor


class Lstsq(Function):
    """X = pinv(A) B (and the singular values of A, not differentiable)"""

    @staticmethod
    def forward(ctx, a, b, rcond):
        u, s, vh = decompose(a, False, True)
        keep = s > tolerance(a, s[..., :1], 0.0, rcond)
        pinv_a = (vh.mT * where(keep, 1 / s, 0.0).unsqueeze(-2)) @ u.mT
        ctx.mark_non_differentiable(s)
        ctx.save_for_backward(a, b, pinv_a)
        return pinv_a @ b, s

    @staticmethod
    def backward(ctx, grad, _grad_s):
        a, b, pinv_a = ctx.saved_tensors
        grad_a = pinv_backward(grad @ b.mT, pinv_a, a) if ctx.needs_input_grad[0] else None
        grad_b = pinv_a.mT @ grad if ctx.needs_input_grad[1] else None
        return grad_a, grad_b, None


def _check(a: Tensor, b: Tensor, driver: str | None) -> str:
    """PyTorch's argument checks; the driver to use."""
    name = "torch.linalg.lstsq"
    for label, t in (("input", a), ("other", b)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}(): argument '{label}' must be a Tensor, got "
                            f"{type(t).__name__}")
    if a.dim() < 2:
        raise RuntimeError(f"{name}: input must have at least 2 dimensions.")
    if b.dim() < 1:
        raise RuntimeError(f"{name}: other must have at least 1 dimension.")
    if not a.dtype.is_floating_point:
        raise RuntimeError(f"{name}: Expected a floating point tensor as input. Got "
                           f"{a.dtype.name}")
    if a.dtype is not b.dtype:
        raise RuntimeError(f"{name}: Expected input and other to have the same dtype, but got "
                           f"input's dtype {a.dtype.name} and other's dtype {b.dtype.name}")
    same_device(a, b)
    on_cpu = a.device.type == "cpu"
    if driver is None:
        return "gelsy" if on_cpu else "gels"
    if driver not in _DRIVERS:
        raise RuntimeError(f"{name}: parameter `driver` should be one of "
                           f"({', '.join(_DRIVERS)})")
    if not on_cpu and driver != "gels":
        raise RuntimeError(f"{name}: `driver` other than `gels` is not supported on "
                           f"{a.device.type.upper()}")
    return driver


@op(namespace="linalg")
def lstsq(A: Tensor, B: Tensor, rcond: float | None = None, *,  # noqa: N803 - PyTorch's
          driver: str | None = None) -> LstsqResult:
    """The least-squares solution X of A X = B for ``A`` (..., m, n) and ``B`` (..., m, k)
    (or (..., m), a vector per matrix), batch dims broadcast, as ``torch.linalg.lstsq``:
    ``(solution, residuals, rank, singular_values)``, the last three filled or empty as
    ``driver`` says (see the module docstring). Singular values at most rcond * s_max
    (default: eps * max(m, n)) count as zero, giving the minimum-norm solution.

    >>> lstsq(tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]), tensor([1.0, 2.0, 3.0])).solution
    tensor([1.0000, 2.0000])
    """
    driver = _check(A, B, driver)
    vector = B.dim() == 1 or (B.dim() == A.dim() - 1 and B.shape == A.shape[:-1])
    b = B.unsqueeze(-1) if vector else B
    m, n = A.shape[-2:]
    if b.shape[-2] != m:
        raise RuntimeError("torch.linalg.lstsq: input.size(-2) should match other.size(-2)")
    broadcast_shapes(A.shape[:-2], b.shape[:-2])  # the batch dims must broadcast
    solution, s = Lstsq.apply(A, b, rcond)
    empty = s._empty_like((0,))
    rank = s._empty_like((0,), dtype=dtypes.int64)
    if driver != "gels":
        rank = (s > tolerance(A, s[..., :1], 0.0, rcond)).sum(-1)
    residuals = solution.reshape(-1)[:0]  # empty, yet differentiable, as PyTorch's
    if m > n and (driver == "gels" or (driver != "gelsy" and bool((rank == n).all().item()))):
        residuals = (A @ solution - b).square().sum(-2)
    singular_values = s if driver in ("gelsd", "gelss") else empty
    return LstsqResult(solution.squeeze(-1) if vector else solution, residuals, rank,
                       singular_values)
