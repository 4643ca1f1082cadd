"""Adaptive pooling, as in ``torch.nn.functional``: ``adaptive_avg_pool1d``/``2d``/``3d`` and
``adaptive_max_pool1d``/``2d``/``3d``. ``nn.functional`` re-exports them.

The output size is given, and the windows follow from it as in PyTorch: output ``i`` of a dim
of size ``n`` pooled to ``out`` covers the inputs ``floor(i n / out)`` to
``ceil((i + 1) n / out)`` (exclusive). When ``out`` divides ``n`` these are ``n / out``
disjoint windows; otherwise neighbouring windows may overlap and differ in size by one.

A mean or a max over a rectangle (or a box) is a mean or max over rows of the means or maxima
over columns, so both reduce one dim at a time (the width first, then the height, then the
depth):

* the **mean** is a reshape and a ``mean`` when the windows are equal and disjoint, and else
  a product with an (out, n) matrix whose row ``i`` holds ``1 / size`` over window ``i``;
* the **max** gathers every window as ``k`` positions (``k`` the largest window; a shorter
  one repeats its last element, which changes neither its max nor which maximum comes
  first), then takes ``argmax`` and ``gather``: the gradient goes to the first maximum in
  row-major order, as in PyTorch.
"""

from __future__ import annotations

from collections.abc import Sequence

from .. import dtypes
from ..creation import tensor
from ..ops.primitive.indexing import Gather, index_select_unchecked
from ..tensor import Tensor

__all__ = ["adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d",
           "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool3d"]

OutputSize = int | None | Sequence[int | None]
OutputSize2 = OutputSize


def _windows(n: int, out: int) -> list[tuple[int, int]]:
    """(start, end) of each of the ``out`` windows over a dim of size ``n``."""
    return [(i * n // out, -(-(i + 1) * n // out)) for i in range(out)]


def _mean_along(x: Tensor, dim: int, out: int) -> Tensor:
    """The mean of each adaptive window along ``dim``."""
    n = x.shape[dim]
    if out == 0:
        return x.narrow(dim, 0, 0)
    if n % out == 0:  # equal, disjoint windows
        return x.unflatten(dim, (out, n // out)).mean(dim + 1)
    rows = [[1.0 / (end - start) if start <= j < end else 0.0 for j in range(n)]
            for start, end in _windows(n, out)]
    averaging = tensor(rows, dtype=x.dtype, device=x.device)  # (out, n)
    return (x.movedim(dim, -1) @ averaging.t()).movedim(-1, dim)


def _max_along(x: Tensor, dim: int, out: int) -> tuple[Tensor, Tensor]:
    """The max of each adaptive window along ``dim``, and the position of the first maximum
    along ``dim`` in ``x``."""
    windows = _windows(x.shape[dim], out)
    if out == 0:
        empty = x.narrow(dim, 0, 0)
        return empty, empty.detach().to(dtypes.int64)
    k = max(end - start for start, end in windows)
    positions = [min(start + j, end - 1) for start, end in windows for j in range(k)]
    index = tensor(positions, dtype=dtypes.int64, device=x.device)
    grouped = index_select_unchecked(x, dim, index).unflatten(dim, (out, k))
    which = grouped.argmax(dim + 1, keepdim=True)
    values = Gather.apply(grouped, dim + 1, which).squeeze(dim + 1)
    starts = tensor([start for start, _ in windows], dtype=dtypes.int64, device=x.device)
    starts = starts.reshape((out,) + (1,) * (x.dim() - 1 - dim))
    return values, which.squeeze(dim + 1) + starts


def _prepare(name: str, input: Tensor, output_size: OutputSize,  # noqa: A002
             spatial: int) -> tuple[Tensor, tuple[int, ...], bool]:
    """Check the input (``spatial`` trailing dims, optionally batched) and the output size;
    return the input with a batch dim, the output size (one int per spatial dim), and
    whether the input had no batch dim."""
    if input.dim() not in (spatial + 1, spatial + 2):
        raise RuntimeError(f"{name}(): Expected {spatial + 1}D or {spatial + 2}D tensor, but "
                           f"got {list(input.shape)}")
    for d in range(input.dim() - spatial - 1, input.dim()):
        if input.shape[d] == 0:
            raise RuntimeError(f"{name}(): Expected input to have non-zero size for non-batch "
                               f"dimensions, but input has sizes {list(input.shape)} with "
                               f"dimension {d} being empty")
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"{name} is implemented for floating dtypes only, got "
                                  f"{input.dtype.name}")
    if isinstance(output_size, int) or output_size is None:
        sizes = (output_size,) * spatial
    else:
        sizes = tuple(output_size)
    if len(sizes) != spatial or not all(s is None or isinstance(s, int) for s in sizes):
        raise RuntimeError(f"{name}: output_size must be {spatial} int(s) (None: keep the "
                           f"input's size), got {output_size!r}")
    sizes = tuple(input.shape[input.dim() - spatial + i] if s is None else s
                  for i, s in enumerate(sizes))
    if min(sizes) < 0:
        raise RuntimeError(f"{name}: elements of output_size must be greater than or equal to "
                           f"0 but received {sizes}")
    unbatched = input.dim() == spatial + 1
    return (input.unsqueeze(0) if unbatched else input), sizes, unbatched


def _adaptive_avg(name: str, input: Tensor, output_size: OutputSize,  # noqa: A002
                  spatial: int) -> Tensor:
    x, sizes, unbatched = _prepare(name, input, output_size, spatial)
    out = x
    for i in reversed(range(spatial)):  # the last dim first
        out = _mean_along(out, 2 + i, sizes[i])
    return out.squeeze(0) if unbatched else out


def _adaptive_max(name: str, input: Tensor, output_size: OutputSize,  # noqa: A002
                  spatial: int, return_indices: bool) -> Tensor | tuple[Tensor, Tensor]:
    x, sizes, unbatched = _prepare(name, input, output_size, spatial)
    out, found = x, {}  # found[i]: the position along dim i of each output's maximum
    for i in reversed(range(spatial)):  # the last dim first, as in the module docstring
        out, which = _max_along(out, 2 + i, sizes[i])
        # the maxima found along the later dims are those of the rows ``which`` picked
        found = {j: Gather.apply(p, 2 + i, which) for j, p in found.items()}
        found[i] = which
    if not return_indices:
        return out.squeeze(0) if unbatched else out
    # the flat input position, e.g. h * W + w, of each maximum, as PyTorch returns it
    index, stride = found[spatial - 1], 1
    for i in reversed(range(spatial - 1)):
        stride *= x.shape[3 + i]
        index = index + found[i] * stride
    if unbatched:
        return out.squeeze(0), index.squeeze(0)
    return out, index


def adaptive_avg_pool2d(input: Tensor, output_size: OutputSize2) -> Tensor:  # noqa: A002
    """Mean over adaptive windows of (N, C, H, W) or (C, H, W) inputs, giving an output of
    ``output_size`` (an int, or (OH, OW) with None keeping the input's size), as
    ``torch.nn.functional.adaptive_avg_pool2d``. ``output_size=1`` is a global mean.

    >>> adaptive_avg_pool2d(microtorch_core.randn(8, 512, 7, 7), 1).shape
    (8, 512, 1, 1)
    """
    return _adaptive_avg("adaptive_avg_pool2d", input, output_size, 2)


def adaptive_avg_pool1d(input: Tensor, output_size: int | Sequence[int]) -> Tensor:  # noqa: A002
    """Mean over adaptive windows of the last dim of (N, C, L) or (C, L) inputs, as
    ``torch.nn.functional.adaptive_avg_pool1d``."""
    return _adaptive_avg("adaptive_avg_pool1d", input, output_size, 1)


def adaptive_max_pool2d(input: Tensor, output_size: OutputSize2,  # noqa: A002
                        return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """Max over adaptive windows of (N, C, H, W) or (C, H, W) inputs, as
    ``torch.nn.functional.adaptive_max_pool2d``; with ``return_indices`` also the flat
    positions ``h * W + w`` of the maxima in the input."""
    return _adaptive_max("adaptive_max_pool2d", input, output_size, 2, return_indices)


def adaptive_max_pool1d(input: Tensor, output_size: int | Sequence[int],  # noqa: A002
                        return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """Max over adaptive windows of the last dim of (N, C, L) or (C, L) inputs, as
    ``torch.nn.functional.adaptive_max_pool1d``."""
    return _adaptive_max("adaptive_max_pool1d", input, output_size, 1, return_indices)


def adaptive_avg_pool3d(input: Tensor, output_size: OutputSize) -> Tensor:  # noqa: A002
    """Mean over adaptive windows of (N, C, D, H, W) or (C, D, H, W) inputs, giving an output
    of ``output_size`` (an int, or (OD, OH, OW) with None keeping the input's size), as
    ``torch.nn.functional.adaptive_avg_pool3d``."""
    return _adaptive_avg("adaptive_avg_pool3d", input, output_size, 3)


def adaptive_max_pool3d(input: Tensor, output_size: OutputSize,  # noqa: A002
                        return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """Max over adaptive windows of (N, C, D, H, W) or (C, D, H, W) inputs, as
    ``torch.nn.functional.adaptive_max_pool3d``; with ``return_indices`` also the flat
    positions ``(d * H + h) * W + w`` of the maxima in the input."""
    return _adaptive_max("adaptive_max_pool3d", input, output_size, 3, return_indices)
