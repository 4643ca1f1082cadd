"""Moving elements around: flip, rot90, roll, repeat, tile, repeat_interleave, meshgrid.

All are built from views, ``cat`` and the ``gather`` kernel, so they run on every backend and
need no kernel of their own. ``flip`` alone is a Function: reversing is its own inverse, so
its backward is one more flip instead of the ``scatter_add`` that gather's backward costs.
``repeat``, ``tile`` and ``repeat_interleave`` by an int are ``expand`` (a stride-0 view)
followed by a copying ``reshape``, so their gradient is the engine's sum over the expanded
dims.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ... import dtypes
from ...autograd.function import Function
from ...dispatch import broadcast_view, same_device
from ...tensor import Tensor, _numel, _wrap_dim
from ..declare import op
from ..primitive.copy import clone
from ..primitive.indexing import Gather, index_select_unchecked
from ..primitive.views import expand, flatten, reshape, unsqueeze
from .indexing import cat, narrow

IntOrInts = int | Sequence[int]


def _int_tuple(value: IntOrInts, name: str) -> tuple[int, ...]:
    """An int or a sequence of ints as a tuple of ints."""
    items = (value,) if not isinstance(value, (tuple, list)) else tuple(value)
    try:
        return tuple(int(v.__index__()) for v in items)
    except AttributeError:
        raise TypeError(f"{name} must be an int or a sequence of ints, got {value!r}") from None


def _varargs(args: tuple, name: str) -> tuple[int, ...]:
    """``f(x, 1, 2)`` and ``f(x, (1, 2))`` alike, as PyTorch's Tensor methods take them."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    return _int_tuple(args, name)


def _distinct_dims(dims: tuple[int, ...], ndim: int) -> tuple[int, ...]:
    wrapped = tuple(_wrap_dim(d, ndim) for d in dims)
    for i, d in enumerate(wrapped):
        if d in wrapped[:i]:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    return wrapped


# -- flip ----------------------------------------------------------------------------------
def _reversed_along(x: Tensor, dim: int) -> Tensor:
    """A new tensor with ``x`` reversed along ``dim`` (one gather kernel, no autograd)."""
    n = x.shape[dim]
    index = Tensor._from_numpy(np.arange(n - 1, -1, -1, dtype=np.int64), x.device)
    index = reshape(index, tuple(n if i == dim else 1 for i in range(x.dim())))
    return Gather.apply(x, dim, broadcast_view(index, x.shape))


class Flip(Function):
    """out = x with the order of elements reversed along each of dims"""

    @staticmethod
    def forward(ctx, x: Tensor, dims: tuple[int, ...]) -> Tensor:
        ctx.dims = dims
        out = x
        for d in dims:
            out = _reversed_along(out, d)
        return out

    @staticmethod
    def backward(ctx, grad):
        return Flip.apply(grad, ctx.dims), None


@op(variants="function, method")
def flip(x: Tensor, *args: IntOrInts, dims: IntOrInts | None = None) -> Tensor:
    """A copy of ``x`` with the order of elements reversed along ``dims``, as ``torch.flip``:
    ``flip(x, (0, 1))``, ``flip(x, dims=[0])``, ``x.flip(0, 1)``.

    >>> flip(arange(3), (0,))
    tensor([2, 1, 0])
    """
    if dims is None:
        dims = _varargs(args, "flip(): dims")
    elif args:
        raise TypeError("flip() got dims both as positional and as keyword arguments")
    wrapped = _distinct_dims(_int_tuple(dims, "flip(): dims"), x.dim())
    wrapped = tuple(d for d in wrapped if x.dim() and x.shape[d] > 1)  # the rest stay put
    return Flip.apply(x, wrapped) if wrapped else clone(x)


@op(variants="function, method")
def fliplr(x: Tensor) -> Tensor:
    """``x`` reversed left to right (along dim 1), as ``torch.fliplr``."""
    if x.dim() < 2:
        raise RuntimeError(f"Input must be >= 2-d. (got a {x.dim()}-d tensor of shape "
                           f"{tuple(x.shape)})")
    return flip(x, (1,))


@op(variants="function, method")
def flipud(x: Tensor) -> Tensor:
    """``x`` reversed upside down (along dim 0), as ``torch.flipud``."""
    if x.dim() < 1:
        raise RuntimeError("Input must be >= 1-d. (got a 0-d tensor)")
    return flip(x, (0,))


@op(variants="function, method")
def rot90(x: Tensor, k: int = 1, dims: Sequence[int] = (0, 1)) -> Tensor:
    """``x`` rotated by 90 degrees ``k`` times in the plane of ``dims``, from the first
    towards the second, as ``torch.rot90``: a flip and a transpose (a copy).

    >>> rot90(tensor([[1, 2], [3, 4]]))
    tensor([[2, 4],
            [1, 3]])
    """
    dims = _int_tuple(dims, "rot90(): dims")
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if x.dim() < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {x.dim()}")
    d0, d1 = (_wrap_dim(d, x.dim()) for d in dims)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {dims[0]} "
                           f"and dim1 = {dims[1]}")
    k %= 4
    if k == 1:
        return flip(x, (d1,)).transpose(d0, d1)
    if k == 2:
        return flip(x, (d0, d1))
    if k == 3:
        return flip(x, (d0,)).transpose(d0, d1)
    return clone(x)


# -- roll ----------------------------------------------------------------------------------
@op(variants="function, method")
def roll(x: Tensor, shifts: IntOrInts, dims: IntOrInts | None = None) -> Tensor:
    """Shift elements by ``shifts`` along ``dims``, wrapping around the end, as ``torch.roll``
    (``dims=None``: roll the flattened tensor and restore its shape).

    >>> roll(arange(5), 2)
    tensor([3, 4, 0, 1, 2])
    """
    shifts = _int_tuple(shifts, "roll(): shifts")
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, "
                               f"dims:0 (without dims, roll takes exactly one shift)")
        return reshape(roll(flatten(x), shifts, 0), x.shape)
    dims = _int_tuple(dims, "roll(): dims")
    if not shifts:
        raise RuntimeError("`shifts` required")
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, "
                           f"dims:{len(dims)}")
    if x.dim() == 0:  # only dims=None rolls a 0-d tensor
        raise IndexError(f"Dimension specified as {dims[0]} but tensor has no dimensions")
    out = x
    for shift, dim in zip(shifts, dims):
        d = _wrap_dim(dim, x.dim())
        n = x.shape[d]
        s = shift % n if n else 0
        if s:  # the last s elements move to the front
            out = cat([narrow(out, d, n - s, s), narrow(out, d, 0, n - s)], d)
    return clone(out) if out is x else out


# -- repeat, tile, repeat_interleave -----------------------------------------------------------
@op(variants="method")
def repeat(x: Tensor, *sizes: IntOrInts) -> Tensor:
    """``x`` repeated ``sizes[i]`` times along dim ``i``, as ``torch.Tensor.repeat``; extra
    leading sizes add dims: ``arange(3).repeat(2, 2)`` has shape (2, 6).
    """
    sizes = _varargs(sizes, "repeat(): sizes")
    if len(sizes) < x.dim():
        raise RuntimeError(f"Number of dimensions of repeat dims can not be smaller than number "
                           f"of dimensions of tensor (repeat dims {list(sizes)}, tensor shape "
                           f"{list(x.shape)})")
    shape = (1,) * (len(sizes) - x.dim()) + tuple(x.shape)
    out_shape = tuple(r * n for r, n in zip(sizes, shape))
    if any(r < 0 for r in sizes):
        bad = next(s for s, r in zip(out_shape, sizes) if r < 0)
        raise RuntimeError(f"Trying to create tensor with negative dimension {bad}: "
                           f"{list(out_shape)} (repeat sizes {list(sizes)})")
    # (..., n, ...) -> (..., 1, n, ...) -> expand to (..., r, n, ...) -> (..., r * n, ...)
    pairs = reshape(x, tuple(v for n in shape for v in (1, n)))
    pairs = expand(pairs, tuple(v for r, n in zip(sizes, shape) for v in (r, n)))
    out = reshape(pairs, out_shape)
    return clone(out) if out._storage is x._storage else out  # always a new tensor


@op(variants="function, method")
def tile(x: Tensor, *dims: IntOrInts) -> Tensor:
    """``x`` repeated ``dims[i]`` times along dim ``i``, as ``torch.tile``: like ``repeat``,
    but fewer ``dims`` than ``x`` has are padded with leading 1s."""
    reps = _varargs(dims, "tile(): dims")
    return repeat(x, (1,) * (x.dim() - len(reps)) + reps)


@op(variants="function, method")
def repeat_interleave(x: Tensor, repeats: int | Tensor | None = None, dim: int | None = None,
                      *, output_size: int | None = None) -> Tensor:
    """Repeat each element (slice along ``dim``) ``repeats`` times in place, as
    ``torch.repeat_interleave``; ``repeats`` is an int or a 1-D integer tensor with one count
    per slice. ``dim=None`` works on the flattened tensor; ``repeat_interleave(counts)``
    repeats the indices ``0..len(counts)-1``.

    >>> repeat_interleave(tensor([1, 2]), tensor([1, 3]))
    tensor([1, 2, 2, 2])
    """
    if repeats is None:  # repeat_interleave(counts): index i repeated counts[i] times
        if x.dim() != 1 or x.dtype.is_floating_point or x.dtype is dtypes.bool_:
            raise RuntimeError(f"repeat_interleave(repeats): repeats must be a 1-D integer "
                               f"tensor, got {x.dim()}-D {x.dtype.name}")
        indices = Tensor._from_numpy(np.arange(x.shape[0], dtype=np.int64), x.device)
        return repeat_interleave(indices, x, 0, output_size=output_size)
    if dim is None:
        x, d = flatten(x), 0
    else:
        d = _wrap_dim(dim, x.dim())
        if x.dim() == 0:
            x = reshape(x, (1,))
    n = x.shape[d]
    if isinstance(repeats, Tensor):
        counts = _repeat_counts(repeats, n, d)
        if counts.size == 1 and n != 1:  # one count for every slice
            return repeat_interleave(x, int(counts[0]), d, output_size=output_size)
        _check_output_size(output_size, int(counts.sum()))
        index = Tensor._from_numpy(np.repeat(np.arange(n, dtype=np.int64), counts), x.device)
        return index_select_unchecked(x, d, index)
    r = int(repeats.__index__())
    if r < 0:
        raise RuntimeError(f"Repeats must be non-negative, got {r}")
    _check_output_size(output_size, n * r)
    # (..., n, ...) -> (..., n, 1, ...) -> expand to (..., n, r, ...) -> (..., n * r, ...)
    spread = expand(unsqueeze(x, d + 1), x.shape[:d + 1] + (r,) + x.shape[d + 1:])
    out = reshape(spread, x.shape[:d] + (n * r,) + x.shape[d + 1:])
    return clone(out) if out._storage is x._storage else out


def _repeat_counts(repeats: Tensor, n: int, d: int) -> np.ndarray:
    """The counts of a repeats tensor, checked: one per slice, or one for all of them.

    The counts go to the host: the output's size depends on them, as with ``nonzero``."""
    if repeats.dtype.is_floating_point or repeats.dtype is dtypes.bool_:
        raise RuntimeError(f"repeat_interleave: repeats must be an integer tensor, got "
                           f"{repeats.dtype.name}")
    if repeats.dim() > 1:
        raise RuntimeError(f"repeats must be 0-dim or 1-dim tensor, got shape "
                           f"{tuple(repeats.shape)}")
    counts = repeats.detach()._to_host().reshape(-1)
    if counts.size != n and counts.size != 1:
        raise RuntimeError(f"repeats must have the same size as input along dim, but got "
                           f"repeats.size(0) = {counts.size} and input.size({d}) = {n}")
    if counts.size and counts.min() < 0:
        raise RuntimeError(f"repeats can not be negative, got {counts.tolist()}")
    return counts


def _check_output_size(output_size: int | None, actual: int) -> None:
    if output_size is not None and output_size != actual:
        raise RuntimeError(f"repeat_interleave: output_size={output_size} does not match the "
                           f"sum of repeats ({actual})")


# -- meshgrid ------------------------------------------------------------------------------
@op
def meshgrid(*tensors: Tensor | Sequence[Tensor], indexing: str = "ij") -> tuple[Tensor, ...]:
    """Coordinate grids from 1-D tensors, as ``torch.meshgrid``: output ``i`` holds
    ``tensors[i]`` broadcast along every other dim (expanded views, no copies).

    ``indexing="ij"`` gives shape ``(len(t0), len(t1), ...)``; ``"xy"`` (NumPy's default)
    swaps the first two: ``(len(t1), len(t0), ...)``. PyTorch warns when ``indexing`` is not
    given; MicroTorch uses its current default, ``"ij"``, silently.
    """
    if len(tensors) == 1 and isinstance(tensors[0], (tuple, list)):
        tensors = tuple(tensors[0])
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but '
                           f"received: {indexing}")
    for i, t in enumerate(tensors):
        if t.dim() > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list "
                               f"but got a tensor of shape {tuple(t.shape)} at position {i}")
        if t.dtype is not tensors[0].dtype:
            raise RuntimeError(f"meshgrid expects all tensors to have the same dtype (got "
                               f"{tensors[0].dtype.name} and {t.dtype.name})")
    same_device(*tensors)
    positions = list(range(len(tensors)))
    if indexing == "xy" and len(tensors) > 1:
        positions[0], positions[1] = 1, 0
    shape = [0] * len(tensors)
    for t, p in zip(tensors, positions):
        shape[p] = _numel(t.shape)
    out = []
    for t, p in zip(tensors, positions):
        line = reshape(t, tuple(n if i == p else 1 for i, n in enumerate(shape)))
        out.append(expand(line, tuple(shape)))
    return tuple(out)
