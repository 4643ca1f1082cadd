"""Sorting along a dim: ``sort`` and ``argsort``.

Everything here is one op, :class:`Sort`, plus views and ``gather``:

* **forward**: the backend's ``sort`` kernel when it has one (an optional kernel,
  ``OPTIONAL_KERNELS`` in ``backend.py``; the CPU's is NumPy's stable argsort), else
  :func:`sort_composite`, the same contract written with the primitive kernels so that it runs
  on every device;
* **backward**: the sorted values are ``x`` gathered at the indices, so their gradient is
  gather's backward, a ``scatter_add`` of the incoming gradient to where each value came from.
  The indices are int64 and get no gradient.

The order is always *stable* (equal elements keep their order, PyTorch's ``stable=True``) and
NaN counts as the largest value: last ascending, first descending, as in PyTorch.
``topk``, ``kthvalue`` and ``median`` (``composite/sorting.py``) sort, then select.
"""

from __future__ import annotations

from typing import NamedTuple

from ... import dtypes
from ...autograd.function import Function
from ...creation import arange
from ...tensor import Tensor, _wrap_dim
from ..composite.indexing import cat, narrow
from ..declare import op
from .indexing import ScatterAdd
from .views import reshape


class SortResult(NamedTuple):
    """``(values, indices)`` of :func:`sort`, as ``torch.return_types.sort``."""

    values: Tensor
    indices: Tensor


#: The longest dim :func:`sort_composite` sorts: it compares every element of a slice with
#: every other, so it needs n * n booleans per slice.
COMPOSITE_MAX_SIZE = 4096
#: Comparisons the composite holds at once; slices are ranked in groups of about this many.
_COMPOSITE_CHUNK = 1 << 22


def sort_composite(values_out: Tensor, indices_out: Tensor, x: Tensor, dim: int,
                   descending: bool) -> None:
    """The ``sort`` kernel's contract (``Backend.sort``) in Tensor ops, for backends without
    the kernel: stable, NaN largest, any dtype, ``dim`` non-negative.

    It ranks every element (the rank method): ``rank[i]`` is the number of ``j`` that sort
    before ``x[i]`` (``x[j] < x[i]``, or ``x[j] > x[i]`` descending) plus the number of
    earlier equal ones (``j < i`` and ``x[j] == x[i]``, which makes it stable). Comparing the
    dim with itself by broadcasting takes ``n * n`` memory per slice; a scatter then writes
    each value, and its position, to its rank.

    >>> values, indices = empty(3), empty(3, dtype=int64)
    >>> sort_composite(values, indices, tensor([2.0, 1.0, 2.0]), 0, False)
    >>> values, indices
    (tensor([1., 2., 2.]), tensor([1, 0, 2]))
    """
    n = x.shape[dim]
    if n > COMPOSITE_MAX_SIZE:
        raise RuntimeError(
            f"sort: dimension {dim} has {n} elements; backend '{x.device.type}' has no sort "
            f"kernel and its composite fallback compares all pairs ({n} x {n} per slice), so "
            f"it is limited to {COMPOSITE_MAX_SIZE} elements. Sort on the CPU instead: "
            f"x.cpu().sort(...) (then .to(device))")
    if x.numel() == 0:
        return
    x = x.detach()
    keys = x.movedim(dim, -1)  # each slice is a row
    rows = keys.numel() // n
    flat = reshape(keys, (rows, n))
    compare = flat.to(dtypes.int64) if flat.dtype is dtypes.bool_ else flat
    group = max(1, _COMPOSITE_CHUNK // (n * n))
    ranks = cat([_ranks(narrow(compare, 0, start, min(group, rows - start)), descending)
                 for start in range(0, rows, group)])
    values = flat._empty_like((rows, n))
    x._kernels.scatter(values, 1, ranks, flat)
    positions = flat._empty_like((rows, n), dtype=dtypes.int64)
    x._kernels.scatter(positions, 1, ranks, arange(n, device=x.device).expand(rows, n))
    x._kernels.copy(values_out.movedim(dim, -1), reshape(values, keys.shape))
    x._kernels.copy(indices_out.movedim(dim, -1), reshape(positions, keys.shape))


def _ranks(x: Tensor, descending: bool) -> Tensor:
    """Where each element of the rows of ``x`` (shape ``(rows, n)``) goes in a stable sort."""
    n = x.shape[1]
    xi, xj = x.unsqueeze(2), x.unsqueeze(1)  # [r, i, j] compares element i with element j
    goes_first = xj > xi if descending else xj < xi
    tie = xj == xi
    if x.dtype.is_floating_point:  # NaN is the largest value, and equal to itself
        nan_i, nan_j = xi != xi, xj != xj
        goes_first = goes_first | ((nan_j & ~nan_i) if descending else (nan_i & ~nan_j))
        tie = tie | (nan_i & nan_j)
    position = arange(n, device=x.device)
    earlier = position.unsqueeze(0) < position.unsqueeze(1)  # [i, j]: j comes before i
    return (goes_first | (tie & earlier)).sum(2)


class Sort(Function):
    """values, indices = x sorted along dim, values = gather(x, dim, indices)"""

    @staticmethod
    def forward(ctx, x: Tensor, dim: int, descending: bool):
        values = x._empty_like()
        indices = x._empty_like(dtype=dtypes.int64)
        kernel = x._kernels.sort or sort_composite
        kernel(values, indices, x, dim, descending)
        ctx.dim = dim
        ctx.set_materialize_grads(False)  # the indices never get a gradient
        # detach(): save a plain alias, so autograd does not hand the indices back as a
        # differentiable output of this node
        ctx.save_for_backward(indices.detach())
        return values, indices

    @staticmethod
    def backward(ctx, grad, _grad_indices):
        (indices,) = ctx.saved_tensors
        zeros = grad._empty_like(ctx.input_meta[0][0]).zero_()
        return ScatterAdd.apply(zeros, ctx.dim, indices, grad), None, None  # gather's backward


@op(variants="function, method")
def sort(x: Tensor, dim: int = -1, descending: bool = False, *,
         stable: bool = False) -> SortResult:
    """Sort along ``dim``: ``(values, indices)`` with ``values = x.gather(dim, indices)``, as
    ``torch.sort``. NaN is the largest value (last ascending, first descending).

    The sort is always stable: equal elements keep their order, descending too. ``stable``
    is accepted for PyTorch's signature; ``stable=False`` gives the same stable order (PyTorch
    then allows any order of ties).

    >>> sort(tensor([3, 1, 3, 2]), descending=True)
    SortResult(values=tensor([3, 3, 2, 1]), indices=tensor([0, 2, 3, 1]))
    """
    d = _wrap_dim(dim, x.dim())
    if x.dim() == 0:
        values, indices = Sort.apply(x.unsqueeze(0), 0, bool(descending))
        return SortResult(values.squeeze(0), indices.squeeze(0))
    values, indices = Sort.apply(x, d, bool(descending))
    return SortResult(values, indices)


@op(variants="function, method")
def argsort(x: Tensor, dim: int = -1, descending: bool = False, *,
            stable: bool = False) -> Tensor:
    """The indices that sort ``x`` along ``dim`` (``sort(...).indices``), as
    ``torch.argsort``; stable, NaN largest.

    >>> argsort(tensor([2.0, float("nan"), 1.0]))
    tensor([2, 0, 1])
    """
    return sort(x, dim, descending, stable=stable).indices


