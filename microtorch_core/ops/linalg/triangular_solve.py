"""``triangular_solve``, the deprecated form of ``linalg.solve_triangular``: the right-hand
side comes first, ``upper`` defaults to True, ``transpose`` solves A^T X = b, and the result
is ``(solution, cloned_coefficient)``, the second a copy of A broadcast to the batch shape.

Both come from differentiable ops (``solve_triangular``, whose gradient with respect to A
keeps to A's triangle, and an expand and a copy), so the gradient with respect to A is the
solve's plus that of the copy, as in PyTorch.
"""

from __future__ import annotations

from typing import NamedTuple

from ...dispatch import broadcast_shapes, same_device
from ...tensor import Tensor
from ..declare import op
from .triangular import solve_triangular


class TriangularSolveResult(NamedTuple):
    """``(solution, cloned_coefficient)`` of :func:`triangular_solve`, as
    ``torch.return_types.triangular_solve``."""

    solution: Tensor
    cloned_coefficient: Tensor


@op(variants="function, method")
def triangular_solve(input: Tensor, A: Tensor, upper: bool = True,  # noqa: A002, N803
                     transpose: bool = False, unitriangular: bool = False
                     ) -> TriangularSolveResult:
    """``(X, A_copy)``: the solution of A X = b (A^T X = b with ``transpose``) for triangular
    ``A`` (..., n, n), upper unless ``upper=False``, and ``input`` = b (..., n, k), batch
    dims broadcast; with ``unitriangular`` A's diagonal is taken as ones. As
    ``torch.triangular_solve`` (and ``b.triangular_solve(A)``), deprecated there in favour of
    ``linalg.solve_triangular``.

    >>> triangular_solve(tensor([[4.0], [2.0]]), tensor([[2.0, 2.0], [0.0, 1.0]])).solution
    tensor([[0.],
            [2.]])
    """
    name = "torch.triangular_solve"
    for arg, t in (("b", input), ("A", A)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}(): argument '{arg}' must be a Tensor, got "
                            f"{type(t).__name__}")
        if t.dim() < 2:
            raise RuntimeError(f"{name}: Expected {arg} to have at least 2 dimensions, but it "
                               f"has {t.dim()} dimensions instead")
    if input.dtype is not A.dtype:
        raise RuntimeError(f"{name}: Expected b and A to have the same dtype, but found b of "
                           f"type {input.dtype.name} and A of type {A.dtype.name} instead.")
    if not A.dtype.is_floating_point:
        raise RuntimeError(f"{name}: Expected a floating point tensor as input. Got "
                           f"{A.dtype.name}")
    same_device(input, A)
    n = A.shape[-1]
    if A.shape[-2] != n or input.shape[-2] != n:
        raise RuntimeError(f"Incompatible matrix sizes for triangular_solve: each A matrix is "
                           f"{A.shape[-2]} by {n} but each b matrix is {input.shape[-2]} by "
                           f"{input.shape[-1]}")
    batch = broadcast_shapes(A.shape[:-2], input.shape[:-2])
    a = A.mT if transpose else A  # A^T is triangular the other way round
    solution = solve_triangular(a, input.expand(batch + input.shape[-2:]),
                                upper=upper != transpose, unitriangular=unitriangular)
    return TriangularSolveResult(solution, A.expand(batch + (n, n)).clone())
