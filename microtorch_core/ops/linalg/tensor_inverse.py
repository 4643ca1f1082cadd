"""``linalg.tensorinv`` and ``linalg.tensorsolve``: ``inv`` and ``solve`` for a tensor read as
a linear map between groups of its dims, as ``torch.linalg`` (and ``numpy.linalg``) have them.

A tensor ``A`` of shape ``(2, 3, 6)`` maps a tensor ``X`` of shape ``(6,)`` to ``(2, 3)`` by
``tensordot(A, X, 1)``. Flattening each group of dims turns the map into a 6 x 6 matrix, so
solving ``tensordot(A, X, X.dim()) = B`` is one ``linalg.solve``, and the inverse map is
one ``linalg.inv``, reshaped back. Both are reshapes around the matrix ops, so their gradients
are the matrix ops'.

>>> A = eye(6).reshape(6, 2, 3)
>>> tensorinv(A, ind=1).shape
(2, 3, 6)
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ...tensor import Tensor, _wrap_dim
from ..declare import op
from ..primitive.views import movedim, reshape
from .lu import inv, solve


@op(namespace="linalg")
def tensorinv(A: Tensor, ind: int = 2) -> Tensor:  # noqa: N803 - PyTorch's name
    """The inverse of ``A`` read as a map from its last dims to its first ``ind`` dims, as
    ``torch.linalg.tensorinv``: the result has shape ``A.shape[ind:] + A.shape[:ind]``, and
    ``tensordot(tensorinv(A, ind), A, ind)`` is the identity. The two groups must have as many
    elements."""
    if not isinstance(ind, int) or isinstance(ind, bool) or ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    outer, inner = tuple(A.shape[:ind]), tuple(A.shape[ind:])
    rows, cols = math.prod(outer), math.prod(inner)
    if rows != cols:
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[ind:]) "
                           f"== prod(self.shape[:ind]), but got {cols} != {rows}")
    return reshape(inv(reshape(A, (rows, cols))), inner + outer)


@op(namespace="linalg")
def tensorsolve(A: Tensor, B: Tensor, dims: Sequence[int] | None = None) -> Tensor:  # noqa: N803
    """The ``X`` with ``tensordot(A, X, X.dim()) == B``, as ``torch.linalg.tensorsolve``:
    ``A``'s dims after its first ``B.dim()`` are ``X``'s shape, whose elements must number as
    ``B``'s (the first dims are read in ``B``'s order, flattened: only their number of
    elements must agree). ``dims`` moves those of ``A``'s dims to the end first."""
    if dims is not None:
        moved = [_wrap_dim(d, A.dim()) for d in dims]
        A = movedim(A, moved, list(range(A.dim() - len(moved), A.dim())))  # noqa: N806
    result_shape = tuple(A.shape[B.dim():])
    rows, cols = B.numel(), math.prod(result_shape)
    if rows != cols:
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[other.dim("
                           f"):]) == prod(self.shape[:other.dim()]), but got {cols} != {rows}")
    return reshape(solve(reshape(A, (rows, cols)), reshape(B, (rows,))), result_shape)
