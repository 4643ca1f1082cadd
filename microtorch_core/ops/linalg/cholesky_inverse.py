"""``cholesky_inverse``: the inverse of A = L L^T (or U^T U) from its Cholesky factor.

A^-1 = L^-T L^-1 is ``cholesky_solve`` (two triangular solves) with the identity as the
right-hand side, so the gradient is that solve's: with X = A^-1,
gL = -(X (G + G^T) X) L (gU = -U X (G + G^T) X for ``upper``), in every entry of the factor,
PyTorch's ``cholesky_inverse_backward``.
"""

from __future__ import annotations

from ...creation import eye
from ...tensor import Tensor
from ..declare import op
from .cholesky import CholeskySolve
from .triangular import check_matrices


@op(variants="function, method")
def cholesky_inverse(L: Tensor, upper: bool = False) -> Tensor:  # noqa: N803 - PyTorch's
    """The inverse of the symmetric positive-definite A = L L^T given its lower Cholesky
    factor ``L`` (..., n, n), or A = U^T U given the upper one with ``upper``, as
    ``torch.cholesky_inverse`` (and ``Tensor.cholesky_inverse``).

    >>> cholesky_inverse(tensor([[2.0, 0.0], [1.0, 1.0]]))   # A = [[4, 2], [2, 2]]
    tensor([[ 0.5000, -0.5000],
            [-0.5000,  1.0000]])
    """
    check_matrices("cholesky_inverse", L)
    n = L.shape[-1]
    identity = eye(n, dtype=L.dtype, device=L.device).expand(L.shape).contiguous()
    return CholeskySolve.apply(identity, L.mT if upper else L)
