"""``index_reduce``: reduce whole slices of ``source`` into the slices of ``x`` that a vector
of positions names (``"prod"``, ``"mean"``, ``"amax"``, ``"amin"``).

It is ``scatter_reduce`` with the index vector broadcast over each slice: slice ``i`` of
``source`` along ``dim`` goes to slice ``index[i]`` of ``x``, element by element, which is
what ``scatter_reduce`` does with ``index[i]`` repeated across the slice. The values and the
gradients are therefore ``scatter_reduce``'s (see its docstring for ``amax``/``amin`` ties).
"""

from __future__ import annotations

from ... import dtypes
from ...tensor import Tensor, _wrap_dim
from ..declare import op
from ..primitive.views import reshape
from .index_ops import _along, _as_1d, _check_source, _index_vector, scatter_reduce

REDUCTIONS = ("prod", "mean", "amax", "amin")


@op(variants="function, method", inplace=True)
def index_reduce(x: Tensor, dim: int, index: Tensor, source: Tensor, reduce: str, *,
                 include_self: bool = True) -> Tensor:
    """A copy of ``x`` where slice ``i`` of ``source`` along ``dim`` is reduced into the
    slice ``x[..., index[i], ...]`` by ``reduce`` ("prod", "mean", "amax" or "amin");
    ``include_self`` says whether ``x``'s own values take part. Slices no index names keep
    ``x``'s values. As ``torch.index_reduce``; "mean" of integers rounds down.

    >>> index_reduce(ones(3), 0, tensor([0, 2, 0]), tensor([2.0, 3.0, 4.0]), "prod")
    tensor([8., 1., 3.])
    """
    if reduce not in REDUCTIONS:
        raise RuntimeError(f"index_reduce(): Expected reduce to be one of prod, mean, amax or "
                           f"amin but got {reduce}.")
    if not isinstance(x, Tensor):
        raise TypeError(f"index_reduce(): argument 'input' must be Tensor, not "
                        f"{type(x).__name__}")
    d = _wrap_dim(dim, x.dim())
    index = _index_vector("index_reduce", x, d, index)
    if not isinstance(source, Tensor) or source.dtype is not x.dtype:
        got = source.dtype.name if isinstance(source, Tensor) else type(source).__name__
        raise RuntimeError(f"index_reduce(): self ({x.dtype.name}) and source ({got}) must "
                           "have the same scalar type")
    if x.dtype is dtypes.bool_:  # as PyTorch
        raise NotImplementedError('"index_reduce" is not implemented for bool tensors')
    if source.dim() != x.dim():  # a 0-d x takes a 0-d source only
        raise RuntimeError(f"index_reduce(): source tensor shape must match self tensor shape, "
                           f"excluding the specified dimension. Got self.shape = "
                           f"{list(x.shape)} source.shape = {list(source.shape)}")
    (x1, source), shape = _as_1d(x, source), x.shape
    _check_source("index_reduce", x1, d, index, source)
    out = scatter_reduce(x1, d, _along(index, d, source.shape), source, reduce,
                         include_self=include_self)
    return reshape(out, shape)
