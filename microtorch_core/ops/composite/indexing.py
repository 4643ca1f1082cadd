"""Indexing: ``x[key]``, ``x[key] = v``, and joining and splitting: ``cat``, ``stack``,
``split``, ``chunk``, ``unbind``, ``narrow``, ``nonzero``, ``masked_fill``.

Basic indexing (ints, slices with steps, ``None``, ``...``) is a view. Advanced indexing
(integer tensors or lists, boolean masks) moves the indexed dims to the front, flattens them,
and selects rows with ``Gather`` (``primitive/indexing.py``); its backward is a scatter-add.
``x[key] = v`` writes through the same views, or scatters rows. In-place writes that must be
recorded for autograd use ``check_inplace`` and ``rebase_history``, as PyTorch does.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ... import dtypes
from ...autograd.function import Function
from ...dispatch import broadcast_shapes, broadcast_view, cast, same_device
from ...tensor import Tensor, _numel, _wrap_dim
from ..declare import op
from ..primitive.copy import contiguous, copy_into, fill_into
from ..primitive.elementwise import where
from ..primitive.indexing import index_range, index_select_unchecked, scatter_into
from ..primitive.inplace import check_inplace, rebase_history
from ..primitive.views import permute, reshape


# -- x[key] ------------------------------------------------------------------------------
def _is_advanced(k) -> bool:
    return isinstance(k, (Tensor, list, np.ndarray))


def _is_bool_scalar(k) -> bool:
    """``True``, ``False`` or a 0-d bool tensor: PyTorch adds a dim of size 1 and indexes it
    with ``[0]`` (True) or with nothing (False), so ``x[True]`` is ``x[None]``."""
    return isinstance(k, bool) or (isinstance(k, Tensor) and k.dtype is dtypes.bool_
                                   and k.dim() == 0)


def _as_index_tensor(k, like: Tensor) -> Tensor:
    if isinstance(k, Tensor):
        t = k
    else:
        arr = np.asarray(k)
        if arr.size == 0:  # x[[]]: an empty float array from NumPy, an empty index here
            arr = arr.astype(np.int64)
        if arr.dtype == object or arr.dtype.kind not in "biu":
            raise IndexError(f"tensors used as indices must be long, int or bool, got {k!r}")
        t = Tensor._from_numpy(arr.astype(np.bool_ if arr.dtype.kind == "b" else np.int64),
                               like.device)
    if t.dtype is not dtypes.bool_ and t.dtype.is_floating_point:
        raise IndexError(f"tensors used as indices must be long, int or bool tensors, got "
                         f"{t.dtype.name}")
    return t if t.dtype is dtypes.bool_ else cast(t, dtypes.int64)


def _parse(x: Tensor, key) -> tuple[tuple, tuple, int, list]:
    """Walk the key: (view shape, view strides, offset, [(view dim, index tensor)])."""
    if not isinstance(key, tuple):
        key = (key,)
    key = tuple(_as_index_tensor(k, x) if _is_advanced(k) else k for k in key)
    consumed = sum(k.dim() if isinstance(k, Tensor) and k.dtype is dtypes.bool_ else
                            0 if k is None or k is Ellipsis or isinstance(k, bool) else 1
                            for k in key)
    if consumed > x.dim():
        raise IndexError(f"too many indices for tensor of dimension {x.dim()}")
    shape, strides, offset, advanced = [], [], x._offset, []
    d = 0
    for k in key:
        if k is None:
            shape.append(1)
            strides.append(0)
        elif k is Ellipsis:
            for _ in range(x.dim() - consumed):
                shape.append(x.shape[d])
                strides.append(x._strides[d])
                d += 1
            consumed = x.dim()  # a second Ellipsis expands to nothing
        elif _is_bool_scalar(k):
            kept = np.zeros(1 if bool(k) else 0, np.int64)
            advanced.append((len(shape), Tensor._from_numpy(kept, x.device)))
            shape.append(1)
            strides.append(0)
        elif isinstance(k, Tensor):
            if k.dtype is dtypes.bool_:
                if tuple(k.shape) != tuple(x.shape[d:d + k.dim()]):
                    raise IndexError(f"The shape of the mask {tuple(k.shape)} does not match "
                                     f"the shape of the indexed tensor "
                                     f"{tuple(x.shape[d:d + k.dim()])} at dimension {d}")
                for idx in nonzero(k, as_tuple=True):
                    advanced.append((len(shape), idx))
                    shape.append(x.shape[d])
                    strides.append(x._strides[d])
                    d += 1
            else:
                advanced.append((len(shape), k))
                shape.append(x.shape[d])
                strides.append(x._strides[d])
                d += 1
        elif isinstance(k, slice):
            n = x.shape[d]
            if k.step is not None and k.step <= 0:
                raise ValueError(f"step must be greater than zero, got {k.step}")
            start, stop, step = k.indices(n)
            length = max(0, (stop - start + step - 1) // step)
            if length:
                offset += start * x._strides[d]
            shape.append(length)
            strides.append(x._strides[d] * step)
            d += 1
        else:
            try:
                i = k.__index__()
            except AttributeError:
                raise IndexError(f"only integers, slices (`:`), ellipsis (`...`), None and "
                                 f"long or bool tensors are valid indices (got "
                                 f"{type(k).__name__})") from None
            if x.dim() == 0:
                raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` to "
                                 "convert a 0-dim tensor to a number")
            n = x.shape[d]
            if not -n <= i < n:
                raise IndexError(f"index {i} is out of bounds for dimension {d} with size {n}")
            offset += (i + n if i < 0 else i) * x._strides[d]
            d += 1
    shape += x.shape[d:]
    strides += x._strides[d:]
    return tuple(shape), tuple(strides), offset, advanced


class BasicIndex(Function):
    """out = x[key] for ints, slices, None and ... (a view)"""

    @staticmethod
    def forward(ctx, x, key, meta):
        ctx.key = key
        shape, strides, offset = meta
        return x._view(shape, strides, offset)

    @staticmethod
    def backward(ctx, grad):
        shape = ctx.input_meta[0][0]
        return IndexBackward.apply(grad, shape, ctx.key), None, None


class IndexBackward(Function):
    """out = zeros(shape) with out[key] = grad (the backward of basic indexing)"""

    @staticmethod
    def forward(ctx, grad, shape, key):
        ctx.key = key
        out = grad._empty_like(shape).zero_()
        s, st, off, _ = _parse(out, key)
        copy_into(out._view(s, st, off), grad)
        return out

    @staticmethod
    def backward(ctx, grad):
        return getitem(grad, ctx.key), None, None


def _wrapped_index(idx: Tensor, n: int) -> Tensor:
    """An index tensor of ``x[idx]`` or ``x[idx] = v`` along a dim of size ``n``, checked
    (negative values count from the end, as in PyTorch) and with negatives wrapped."""
    if idx.numel():
        lo, hi = index_range(idx)
        if lo < -n or hi >= n:
            raise IndexError(f"index {lo if lo < -n else hi} is out of bounds for dimension "
                             f"with size {n}")
    return where(idx < 0, idx + n, idx)


def _advanced(view: Tensor, advanced: list) -> Tensor:
    """Select with index tensors at view dims ``advanced`` (PyTorch's placement rules)."""
    positions = [p for p, _ in advanced]
    indices = [i for _, i in advanced]
    for idx in indices:
        same_device(view, idx)
    bshape = broadcast_shapes(*(i.shape for i in indices))
    sizes = [view.shape[p] for p in positions]
    flat = None
    for idx, n in zip(indices, sizes):
        idx = _wrapped_index(idx, n)
        flat = idx if flat is None else flat * n + idx
    others = [d for d in range(view.dim()) if d not in positions]
    moved = permute(view, tuple(positions + others))
    rest = tuple(view.shape[d] for d in others)
    rows = reshape(moved, (_numel(tuple(sizes)), _numel(rest)))
    picked = index_select_unchecked(rows, 0, reshape(broadcast_view(flat, bshape), (-1,)))
    out = reshape(picked, bshape + rest)
    if _result_in_place(positions):  # result dims go where the indexed dims were
        k, p = len(bshape), positions[0]
        order = list(range(k, k + p)) + list(range(k)) + list(range(k + p, out.dim()))
        out = permute(out, tuple(order))
    return out


def getitem(x: Tensor, key) -> Tensor:
    """``x[key]``: a view for basic keys; a gather for integer-tensor or mask keys."""
    shape, strides, offset, advanced = _parse(x, key)
    if not advanced:
        return BasicIndex.apply(x, key, (shape, strides, offset))
    view = x
    if (shape, strides, offset) != (x.shape, x._strides, x._offset):
        view = BasicIndex.apply(x, _basic_part(key, x), (shape, strides, offset))
    return _advanced(view, advanced)


def _basic_part(key, x: Tensor):
    """The key with every advanced entry replaced by a full slice (for BasicIndex backward)."""
    if not isinstance(key, tuple):
        key = (key,)
    out = []
    for k in key:
        if _is_bool_scalar(k):
            out.append(None)
        elif _is_advanced(k):
            t = _as_index_tensor(k, x)
            out.extend([slice(None)] * (t.dim() if t.dtype is dtypes.bool_ else 1))
        else:
            out.append(k)
    return tuple(out)


# -- x[key] = value and other in-place writes ----------------------------------------------
class IndexPut(Function):
    """out = x with out[key] = value (the out-of-place form of ``x[key] = value``)"""

    @staticmethod
    def forward(ctx, x, key, value):
        ctx.key = key
        out = x.clone()
        _write(out, key, value)
        return out

    @staticmethod
    def backward(ctx, grad):
        mask = grad._empty_like(dtype=dtypes.bool_).fill_(False)
        _write(mask, ctx.key, True)
        grad_value = getitem(grad, ctx.key) if ctx.needs_input_grad[2] else None
        return where(mask, 0.0, grad), None, grad_value


def _write(x: Tensor, key, value) -> None:
    """Write ``value`` into ``x[key]`` with kernels (no autograd)."""
    shape, strides, offset, advanced = _parse(x, key)
    view = x._view(shape, strides, offset)
    if not advanced:
        if isinstance(value, Tensor):
            same_device(x, value)
            copy_into(view, value)
        else:
            fill_into(view, value)
        return
    # advanced: write through the flattened rows with the scatter kernel
    positions = [p for p, _ in advanced]
    sizes = [view.shape[p] for p in positions]
    bshape = broadcast_shapes(*(i.shape for _, i in advanced))
    flat = None
    for (_, idx), n in zip(advanced, sizes):
        same_device(x, idx)
        idx = _wrapped_index(idx, n)
        flat = idx if flat is None else flat * n + idx
    others = [d for d in range(view.dim()) if d not in positions]
    moved = view.permute(tuple(positions + others)) if view.dim() else view
    rest = tuple(view.shape[d] for d in others)
    rows_shape = (_numel(tuple(sizes)), _numel(rest))
    if _view_ok(moved, rows_shape):
        rows, copy_back = moved.reshape(rows_shape), None
    else:
        rows, copy_back = contiguous(moved).reshape(rows_shape), moved
    flat = reshape(broadcast_view(flat, bshape), (-1, 1))
    index = broadcast_view(flat, (flat.shape[0], rows_shape[1]))
    if isinstance(value, Tensor):
        src = cast(value, x.dtype)
        k, p = len(bshape), positions[0]
        in_place = _result_in_place(positions)
        src = broadcast_view(src, rest[:p] + bshape + rest[p:] if in_place else bshape + rest)
        if in_place:  # undo PyTorch's placement to get row order
            inv = list(range(p, p + k)) + list(range(p)) + list(range(p + k, src.dim()))
            src = src.permute(tuple(inv))
        src = contiguous(src).reshape(index.shape)
    else:
        src = broadcast_view(x._empty_like(()).fill_(value), index.shape)
    scatter_into(rows, 0, contiguous(index), src)
    if copy_back is not None:
        copy_into(copy_back, rows.reshape(copy_back.shape))


def _view_ok(t: Tensor, shape: tuple) -> bool:
    from ..primitive.views import _view_strides

    return _view_strides(t.shape, t._strides, shape) is not None


def _result_in_place(positions: list[int]) -> bool:
    """True when the indexed dims' result goes where they were (PyTorch: adjacent advanced
    indices after the first dim), False when it goes to the front."""
    adjacent = positions == list(range(positions[0], positions[0] + len(positions)))
    return adjacent and positions[0] > 0


def setitem(x: Tensor, key, value) -> None:
    """``x[key] = value`` (value: a tensor broadcast to the selection, or a scalar)."""
    if isinstance(value, (np.ndarray, list)):
        value = Tensor._from_numpy(np.asarray(value), x.device, x.dtype)
    if check_inplace(x, value):
        rebase_history(x, IndexPut.apply(x, key, value))
        return
    _write(x, key, value)
    x._storage.version += 1


# -- joining and splitting -----------------------------------------------------------------
class Cat(Function):
    """out = the inputs joined along dim"""

    @staticmethod
    def forward(ctx, dim, *tensors):
        ctx.dim_ = dim
        ctx.sizes = [t.shape[dim] for t in tensors]
        first = tensors[0]
        dtype = first.dtype
        for t in tensors[1:]:
            dtype = dtypes.promote_types(dtype, t.dtype)
        shape = list(first.shape)
        shape[dim] = sum(ctx.sizes)
        out = first._empty_like(tuple(shape), dtype)
        start = 0
        for t in tensors:
            n = t.shape[dim]
            if n:
                sl = (slice(None),) * dim + (slice(start, start + n),)
                s, st, off, _ = _parse(out, sl)
                copy_into(out._view(s, st, off), t)
            start += n
        return out

    @staticmethod
    def backward(ctx, grad):
        dim, start, grads = ctx.dim_, 0, []
        for n in ctx.sizes:
            grads.append(grad.narrow(dim, start, n))
            start += n
        return (None, *grads)


@op(aliases=("concat", "concatenate"))
def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors along an existing dim; all other dims must match."""
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("cat(): expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{type(t).__name__}")
    same_device(*tensors)
    # PyTorch still accepts 1-D empty tensors next to any others (``cat([tensor([]), x])``)
    tensors = [t for t in tensors if t.shape != (0,)] or tensors[:1]
    ref = tensors[0]
    for i, t in enumerate(tensors):
        if t.dim() == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be "
                               "concatenated")
    d = _wrap_dim(dim, ref.dim())
    for i, t in enumerate(tensors):
        if t.dim() != ref.dim() or t.shape[:d] + t.shape[d + 1:] != ref.shape[:d] + \
                ref.shape[d + 1:]:
            raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. Expected "
                               f"shape like {tuple(ref.shape)} but got {tuple(t.shape)} for "
                               f"tensor number {i} in the list")
    return Cat.apply(d, *tensors)


concat = concatenate = cat


@op
def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors of equal shape along a new dim."""
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    for i, t in enumerate(tensors):
        if t.shape != tensors[0].shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"{tuple(tensors[0].shape)} at entry 0 and {tuple(t.shape)} at "
                               f"entry {i}")
    d = _wrap_dim(dim, tensors[0].dim() + 1)
    return cat([t.unsqueeze(d) for t in tensors], d)


@op(variants="function, method")
def narrow(x: Tensor, dim: int, start: int | Tensor, length: int) -> Tensor:
    """The view ``x[..., start:start+length, ...]`` along ``dim`` (``start`` may be negative,
    counting from the end, or a 0-d integer tensor), with PyTorch's checks of the range."""
    if x.dim() == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    d = _wrap_dim(dim, x.dim())
    start = narrow_start(start, x.shape[d], length)
    return getitem(x, (slice(None),) * d + (slice(start, start + length),))


def narrow_start(start: int | Tensor, size: int, length: int) -> int:
    """``start`` of a narrow of ``length`` elements out of ``size``, as a non-negative int,
    after PyTorch's checks: a Tensor start is 0-d and integral, and the piece lies inside."""
    if isinstance(start, Tensor):
        if start.dim() != 0 or start.dtype.category != 1:  # 1: the integer dtypes, not bool
            raise RuntimeError("start must be an 0-dim integral Tensor.")
        start = int(start.item())
    if not -size <= start <= size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], "
                         f"but got {start})")
    start = start + size if start < 0 else start
    if start > size - length:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size "
                           f"({size}).")
    return start


class Pieces(Function):
    """outs = consecutive views of x along dim, of the given sizes (dim dropped if squeeze)"""

    @staticmethod
    def forward(ctx, x: Tensor, dim: int, sizes: tuple[int, ...], squeeze: bool):
        ctx.dim_, ctx.squeeze = dim, squeeze
        step, start, outs = x._strides[dim], 0, []
        for n in sizes:
            shape = x.shape[:dim] + ((n,) if not squeeze else ()) + x.shape[dim + 1:]
            strides = x._strides[:dim] + ((step,) if not squeeze else ()) + x._strides[dim + 1:]
            outs.append(x._view(shape, strides, x._offset + start * step))
            start += n
        return tuple(outs)

    @staticmethod
    def backward(ctx, *grads):
        # One cat of every piece's gradient (zeros for unused pieces, filled in by the
        # engine): linear in x's size, where a backward per slice would each build zeros of
        # x's full shape.
        if ctx.squeeze:
            grads = [g.unsqueeze(ctx.dim_) for g in grads]
        return cat(grads, ctx.dim_), None, None, None


@op(variants="function, method")
def split(x: Tensor, split_size: int | Sequence[int], dim: int = 0) -> tuple[Tensor, ...]:
    """Views of ``x`` in chunks of ``split_size`` (or of the listed sizes) along ``dim``."""
    d = _wrap_dim(dim, x.dim())
    n = x.shape[d]
    sizes = list(split_size) if not isinstance(split_size, int) else \
        [split_size] * (n // split_size) + ([n % split_size] if n % split_size else [])
    if sum(sizes) != n:
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input "
                           f"tensor's size at dimension {d}), but got split_sizes={sizes}")
    return Pieces.apply(x, d, tuple(sizes), False) if sizes else ()


@op(variants="function, method")
def unbind(x: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    """The slices of ``x`` along ``dim``, that dim removed (views), as ``torch.unbind``:
    ``unbind(x, 0)`` is ``(x[0], x[1], ...)``, with one backward for all of them."""
    if x.dim() == 0:
        raise IndexError("unbind(): a 0-d tensor has no dimension to unbind")
    d = _wrap_dim(dim, x.dim())
    n = x.shape[d]
    return Pieces.apply(x, d, (1,) * n, True) if n else ()


@op(variants="function, method")
def chunk(x: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """Split into ``chunks`` nearly equal views."""
    n = x.shape[_wrap_dim(dim, x.dim())]
    return split(x, max(1, -(-n // chunks)), dim)


@op(variants="function, method")
def nonzero(x: Tensor, as_tuple: bool = False):
    """Indices of non-zero elements (a host round trip: the result size depends on data).
    A 0-d tensor is one element with no coordinates, as in PyTorch: ``(1, 0)`` or ``(0, 0)``
    indices, or as a tuple the indices ``[0]`` or ``[]`` of it as a 1-D tensor."""
    host = x.detach()._to_host()
    if host.ndim == 0:  # NumPy refuses a 0-d array here
        count = int(host != 0)
        if as_tuple:
            return (Tensor._from_numpy(np.zeros(count, np.int64), x.device),)
        return Tensor._from_numpy(np.zeros((count, 0), np.int64), x.device)
    idx = np.nonzero(host)
    if as_tuple:
        return tuple(Tensor._from_numpy(i.astype(np.int64), x.device) for i in idx)
    stacked = np.stack(idx, axis=1) if idx else np.zeros((0, 0))
    return Tensor._from_numpy(stacked.astype(np.int64), x.device)


@op(variants="function, method")
def masked_fill(x: Tensor, mask: Tensor, value) -> Tensor:
    """``x`` with ``value`` (a number or a 0-d tensor) where ``mask`` is True."""
    if isinstance(value, Tensor) and value.dim() != 0:
        raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got "
                           f"tensor with {value.dim()} dimension(s).")
    complex_value = isinstance(value, complex) or \
        isinstance(value, Tensor) and value.dtype.is_complex
    if complex_value and not x.dtype.is_complex:
        raise RuntimeError(f"value cannot be converted to type {x.dtype.name} without "
                           f"overflow: {value}")
    out = where(mask, value, x)
    # the result keeps x's dtype, as PyTorch's in-place kernel (masked_fill(ints, m, 2.7): 2)
    return out if out.dtype is x.dtype else out.to(x.dtype)
