"""Vector lengths and the distances built from them, as in ``torch.nn.functional``:
``normalize``, ``cosine_similarity``, ``pairwise_distance``, ``pdist``. ``nn.functional``
re-exports them; ``distance.py`` has the modules.

All of them take the p-norm of ``ops.vector_norm``, whose gradient at the zero vector is 0;
each keeps a division by a tiny norm finite with an ``eps``, in the place PyTorch puts it.
"""

from __future__ import annotations

import numpy as np

from .. import ops
from ..creation import tensor
from ..ops.primitive.indexing import index_select_unchecked
from ..tensor import Tensor

__all__ = ["normalize", "cosine_similarity", "pairwise_distance", "pdist"]


def normalize(input: Tensor, p: float = 2.0, dim: int = 1,  # noqa: A002
              eps: float = 1e-12) -> Tensor:
    """x / max(||x||_p, eps) along ``dim``: unit vectors, and vectors shorter than ``eps``
    scaled by 1/eps, as ``torch.nn.functional.normalize``.

    >>> normalize(microtorch_core.tensor([[3.0, 4.0]])).tolist()
    [[0.6000000238418579, 0.800000011920929]]
    """
    norm = ops.vector_norm(input, p, dim, keepdim=True)
    return input / ops.clamp_min(norm, eps)


def _unit(x: Tensor, dim: int, eps: float) -> Tensor:
    """x / max(||x||, eps), the clamp left out of the graph as PyTorch does (it clamps in
    place under no_grad): the gradient flows through the norm as if it were not clamped."""
    norm = ops.vector_norm(x, 2, dim, keepdim=True)
    return x / (norm + (ops.clamp_min(norm, eps) - norm).detach())


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """The cosine of the angle between ``x1`` and ``x2`` along ``dim``, after broadcasting
    them: sum(x1/||x1|| * x2/||x2||), each norm at least ``eps``, as
    ``torch.nn.functional.cosine_similarity``. Dividing by the norms before the product (not
    after) keeps the result in [-1, 1].

    >>> cosine_similarity(microtorch_core.tensor([1.0, 0.0]),
    ...                   microtorch_core.tensor([1.0, 1.0]), dim=0).item()
    0.7071067690849304
    """
    if not (x1.dtype.is_floating_point or x2.dtype.is_floating_point):
        raise RuntimeError(f"cosine_similarity: expected floating point inputs, got "
                           f"{x1.dtype.name} and {x2.dtype.name}")
    shape = ops.broadcast_shapes(tuple(x1.shape), tuple(x2.shape))
    x1, x2 = x1.broadcast_to(shape), x2.broadcast_to(shape)
    return (_unit(x1, dim, eps) * _unit(x2, dim, eps)).sum(dim)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> Tensor:
    """||x1 - x2 + eps||_p over the last dim (of the broadcast shape), as
    ``torch.nn.functional.pairwise_distance``: the ``eps`` keeps the gradient finite where
    x1 = x2 for p < 1.

    >>> pairwise_distance(microtorch_core.tensor([[0.0, 0.0]]),
    ...                   microtorch_core.tensor([[3.0, 4.0]]), eps=0.0).tolist()
    [5.0]
    """
    last = max(x1.dim(), x2.dim()) - 1
    return ops.vector_norm(x1 - x2 + eps, p, last, keepdim)


def pdist(input: Tensor, p: float = 2.0) -> Tensor:  # noqa: A002
    """The p-norm distance between every pair of rows of ``input`` (N, M): the upper triangle
    of the (N, N) distance matrix, row by row, as a vector of N (N - 1) / 2 distances, as
    ``torch.nn.functional.pdist``. The gradient of a zero distance is 0, as in PyTorch.

    >>> pdist(microtorch_core.tensor([[0.0, 0.0], [3.0, 4.0], [6.0, 8.0]])).tolist()
    [5.0, 10.0, 5.0]
    """
    if input.dim() != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.dim()}D")
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"pdist only supports floating-point dtypes, got {input.dtype.name}")
    if p < 0:
        raise RuntimeError(f"pdist only supports non-negative p values, got {p}")
    first, second = np.triu_indices(input.shape[0], 1)  # the pairs i < j, row-major
    rows_i = index_select_unchecked(input, 0, tensor(first, device=input.device))
    rows_j = index_select_unchecked(input, 0, tensor(second, device=input.device))
    return ops.vector_norm(rows_i - rows_j, p, 1)
