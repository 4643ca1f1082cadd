"""Views: new shape/strides/offset over the same storage, and their backward rules.

A view runs no kernel. Kernels run only in ``contiguous`` (a strided copy) and in the
backwards that build a new tensor from a view's gradient (``NarrowBackward`` and
``WindowsBackward``, which ``Unfold`` uses too: a fill, then copies or adds into strided
views of it). Broadcasting is a view too: ``expand`` sets the stride of a broadcast
dimension to 0, so every kernel that honours strides broadcasts for free.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Sequence

from ... import dtypes
from ...autograd.function import Function
from ...dispatch import broadcast_shapes, broadcast_view
from ...tensor import Tensor, _numel, _wrap_dim, contiguous_strides
from ..declare import op
from .copy import contiguous, copy_into, fill_into


def _infer_shape(shape: Sequence[int], numel: int, old: tuple[int, ...]) -> tuple[int, ...]:
    shape = [int(s) for s in shape]
    known, inferred = 1, -1  # the product of the given sizes; where the -1 is
    for i, s in enumerate(shape):
        if s != -1:
            known *= s
        elif inferred >= 0:
            raise RuntimeError("only one dimension can be inferred (-1)")
        else:
            inferred = i
    if inferred >= 0:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape[inferred] = numel // known
    elif known != numel or min(shape, default=0) < 0:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel} "
                           f"(input shape {list(old)})")
    return tuple(shape)


def _view_strides(old_shape, old_strides, new_shape) -> tuple[int, ...] | None:
    """Strides that let ``new_shape`` view memory laid out as (old_shape, old_strides), or
    None when a copy is needed (PyTorch's computeStride: merge runs of contiguous dims)."""
    if _numel(tuple(old_shape)) == 0 or not old_shape:  # empty, or a 0-d tensor's 1 element
        return contiguous_strides(tuple(new_shape))
    new_strides = [0] * len(new_shape)
    view_d = len(new_shape) - 1
    chunk_base = old_strides[-1] if old_strides else 1
    tensor_numel, view_numel = 1, 1
    for d in range(len(old_shape) - 1, -1, -1):
        tensor_numel *= old_shape[d]
        if d == 0 or (old_shape[d - 1] != 1 and old_strides[d - 1] != tensor_numel * chunk_base):
            while view_d >= 0 and (view_numel < tensor_numel or new_shape[view_d] == 1):
                new_strides[view_d] = view_numel * chunk_base
                view_numel *= new_shape[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return None
            if d > 0:
                chunk_base = old_strides[d - 1]
                tensor_numel, view_numel = 1, 1
    if view_d != -1:
        return None
    return tuple(new_strides)


class Reshape(Function):
    """out = x with a new shape (a view when the memory layout allows, else a copy)."""

    @staticmethod
    def forward(ctx, x: Tensor, shape: tuple[int, ...]) -> Tensor:
        strides = _view_strides(x.shape, x._strides, shape)
        if strides is None:
            x = contiguous(x)
            strides = contiguous_strides(shape)
        return x._view(shape, strides, x._offset)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.input_meta[0][0]), None


@op(variants="function, method")
def reshape(x: Tensor, *shape) -> Tensor:
    """``x`` with a new shape (one dimension may be -1); a view whenever possible."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    shape = _infer_shape(shape, x.numel(), x.shape)
    return x if shape == x.shape else Reshape.apply(x, shape)


@op(variants="method")
def view(x: Tensor, *shape) -> Tensor:
    """Like ``reshape`` but never copies: errors when the strides do not allow a view."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    shape = _infer_shape(shape, x.numel(), x.shape)
    if _view_strides(x.shape, x._strides, shape) is None:
        raise RuntimeError(f"view size {list(shape)} is not compatible with input tensor's size "
                           f"{list(x.shape)} and stride {list(x._strides)}; use .reshape(...) "
                           "instead")
    return x if shape == x.shape else Reshape.apply(x, shape)


@op(variants="method")
def view_as(x: Tensor, other: Tensor) -> Tensor:
    """``x`` viewed with ``other``'s shape (never copies)."""
    return view(x, other.shape)


@op(variants="method")
def reshape_as(x: Tensor, other: Tensor) -> Tensor:
    """``x`` reshaped to ``other``'s shape (a view when the strides allow)."""
    return reshape(x, other.shape)


@op(variants="function, method")
def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dims ``start_dim..end_dim`` into one."""
    if x.dim() == 0:
        return reshape(x, (1,))
    s, e = _wrap_dim(start_dim, x.dim()), _wrap_dim(end_dim, x.dim())
    if s > e:
        raise RuntimeError(f"flatten() has invalid args: start_dim {start_dim} cannot come "
                           f"after end_dim {end_dim}")
    return reshape(x, x.shape[:s] + (_numel(x.shape[s:e + 1]),) + x.shape[e + 1:])


@op(variants="function, method")
def unflatten(x: Tensor, dim: int, sizes: Sequence[int]) -> Tensor:
    """Dim ``dim`` of ``x`` split into ``sizes`` (a view), the inverse of ``flatten``."""
    d = _wrap_dim(dim, x.dim())
    return reshape(x, x.shape[:d] + tuple(sizes) + x.shape[d + 1:])


@op(variants="function, method")
def squeeze(x: Tensor, dim: int | Sequence[int] | None = None) -> Tensor:
    """Drop dims of size 1 (all, or the given ones)."""
    if dim is None:
        dims = {i for i, n in enumerate(x.shape) if n == 1}
    else:
        dims = {_wrap_dim(d, x.dim()) for d in ((dim,) if isinstance(dim, int) else dim)}
        dims = {d for d in dims if x.dim() and x.shape[d] == 1}
    return reshape(x, tuple(n for i, n in enumerate(x.shape) if i not in dims))


@op(variants="function, method")
def unsqueeze(x: Tensor, dim: int) -> Tensor:
    """Insert a dim of size 1 at ``dim``."""
    d = _wrap_dim(dim, x.dim() + 1)
    return reshape(x, x.shape[:d] + (1,) + x.shape[d:])


class Permute(Function):
    """out = x with its dims reordered."""

    @staticmethod
    def forward(ctx, x: Tensor, dims: tuple[int, ...]) -> Tensor:
        ctx.dims = dims
        shape, strides = x.shape, x._strides
        return x._view(tuple([shape[d] for d in dims]), tuple([strides[d] for d in dims]),
                       x._offset)

    @staticmethod
    def backward(ctx, grad, *_):
        dims = ctx.dims
        inverse = [0] * len(dims)
        for i, d in enumerate(dims):
            inverse[d] = i
        return grad.permute(tuple(inverse)), None


@op(variants="function, method")
def permute(x: Tensor, *dims) -> Tensor:
    """Reorder dims: ``x.permute(2, 0, 1)``."""
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = tuple(dims[0])
    ndim = len(x.shape)
    if len(dims) != ndim:
        raise RuntimeError(f"permute: number of dims don't match: tensor has {ndim} dims "
                           f"but {len(dims)} were given ({list(dims)})")
    dims = tuple([d if 0 <= d < ndim else _wrap_dim(d, ndim) for d in dims])
    if len(set(dims)) != ndim:
        raise RuntimeError(f"permute: repeated dim in {list(dims)}")
    if dims == tuple(range(ndim)):
        return x
    return Permute.apply(x, dims)


@op(variants="function, method")
def transpose(x: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap two dims (a view)."""
    ndim = len(x.shape)
    if ndim < 2 and dim0 in (0, -1) and dim1 in (0, -1):
        return x
    a, b = _wrap_dim(dim0, ndim), _wrap_dim(dim1, ndim)
    if a == b:
        return x
    dims = list(range(ndim))
    dims[a], dims[b] = b, a
    return Permute.apply(x, tuple(dims))


@op(variants="function, method")
def adjoint(x: Tensor) -> Tensor:
    """The conjugate transpose of the last two dims (a view), as ``torch.adjoint`` and
    ``x.mH``: ``x.mT`` for MicroTorch's real dtypes. A 0-d tensor is its own adjoint, with
    PyTorch's deprecation warning."""
    if x.dim() == 0:
        warnings.warn("adjoint() is deprecated on 0-D tensors. Consider using x.conj().",
                      UserWarning, stacklevel=2)
        return x
    if x.dim() == 1:
        raise RuntimeError("tensor.adjoint() is only supported on matrices or batches of "
                           "matrices. Got 1-D tensor.")
    return transpose(x, -2, -1)


@op(variants="function, method")
def t(x: Tensor) -> Tensor:
    """Transpose of a tensor with at most 2 dims."""
    if x.dim() > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {x.dim()}D")
    return transpose(x, 0, -1) if x.dim() == 2 else x


@op(variants="function, method", aliases=("moveaxis",))
def movedim(x: Tensor, source: int | Sequence[int], destination: int | Sequence[int]
            ) -> Tensor:
    """``x`` with the dims ``source`` moved to positions ``destination`` (ints or sequences
    of equal length), the others keeping their order: a view, as ``torch.movedim``."""
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({src} dims) "
                           f"should contain the same number of dims as destination ({dst} "
                           "dims)")
    src = [_wrap_dim(d, x.dim()) for d in src]
    dst = [_wrap_dim(d, x.dim()) for d in dst]
    for name, given in (("source", src), ("destination", dst)):
        if len(set(given)) != len(given):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({given})")
    rest = iter(d for d in range(x.dim()) if d not in src)
    placed = dict(zip(dst, src))
    return permute(x, tuple(placed[i] if i in placed else next(rest) for i in range(x.dim())))


moveaxis = movedim


class Expand(Function):
    """out = x broadcast to a larger shape (stride 0 on broadcast dims)."""

    @staticmethod
    def forward(ctx, x: Tensor, shape: tuple[int, ...]) -> Tensor:
        return broadcast_view(x, shape)

    @staticmethod
    def backward(ctx, grad):
        return grad, None  # the engine sums the gradient back to x's shape


@op(variants="method")
def expand(x: Tensor, *shape) -> Tensor:
    """Broadcast to ``shape`` without copying (-1 keeps a size)."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    lead = len(shape) - x.dim()
    if lead < 0:
        raise RuntimeError(f"expand: the number of sizes provided ({len(shape)}) must be greater "
                           f"or equal to the number of dimensions in the tensor ({x.dim()})")
    shape = tuple(x.shape[i - lead] if s == -1 and i >= lead else int(s)
                  for i, s in enumerate(shape))
    return x if shape == x.shape else Expand.apply(x, shape)


@op(variants="method")
def expand_as(x: Tensor, other: Tensor) -> Tensor:
    """``x`` expanded to ``other``'s shape (a view)."""
    return expand(x, other.shape)


@op(variants="function, method")
def broadcast_to(x: Tensor, shape: Sequence[int]) -> Tensor:
    """``x`` broadcast to ``shape`` (a view with stride 0 in the new dims), as ``expand``."""
    return expand(x, tuple(shape))


class Unfold(Function):
    """out = every window of ``size`` elements, ``step`` apart, along ``dim``, as a new last dim.

    A view: window ``w`` starts ``w * step`` elements along ``dim``, so the window dim gets
    stride ``step * stride(dim)`` and the new last dim ``stride(dim)``. Windows overlap when
    ``step < size`` (convolutions), so in backward an element collects the gradient of every
    window that saw it.
    """

    @staticmethod
    def forward(ctx, x: Tensor, dim: int, size: int, step: int) -> Tensor:
        ctx.dim, ctx.size, ctx.step = dim, size, step
        n = (x.shape[dim] - size) // step + 1
        stride = x._strides[dim]
        return x._view(x.shape[:dim] + (n,) + x.shape[dim + 1:] + (size,),
                       x._strides[:dim] + (stride * step,) + x._strides[dim + 1:] + (stride,),
                       x._offset)

    @staticmethod
    def backward(ctx, grad):
        # The windows along dim are Windows' windows over a last dim: with dim moved next to
        # the window dim, WindowsBackward adds each window element back where it was read
        dim, shape = ctx.dim, ctx.input_meta[0][0]
        moved_shape = shape[:dim] + shape[dim + 1:] + (shape[dim],)
        moved = WindowsBackward.apply(movedim(grad, dim, -2), moved_shape, (ctx.size,),
                                      (ctx.step,), (1,))
        return movedim(moved, -1, dim), None, None, None


class Windows(Function):
    """out = every window of a kernel sliding over the last ``len(kernel)`` dims of x,
    ``stride`` apart, its elements ``dilation`` apart: shape (..., *O, *kernel), a view
    (im2col without the copy), as ``Unfold`` once per dim would give.

    ``counts`` overrides how many windows there are along each dim (*O; by default as many
    as fit). A convolution asks for a window at every column of a contiguous x: the last
    ones run on into the next row, which the caller has made room for and whose results it
    drops, but then the windows of a kernel element are one contiguous run per image.

    Its backward, ``WindowsBackward``, adds each kernel element's slice of the gradient back
    where that element was read: one add per kernel element over whole (..., *O) slices.
    """

    @staticmethod
    def forward(ctx, x: Tensor, kernel: tuple[int, ...], stride: tuple[int, ...],
                dilation: tuple[int, ...], counts: tuple[int, ...] | None = None) -> Tensor:
        ctx.kernel, ctx.stride, ctx.dilation = kernel, stride, dilation
        lead = x.dim() - len(kernel)
        outs = counts or tuple((n - d * (k - 1) - 1) // s + 1 for n, k, s, d in
                               zip(x.shape[lead:], kernel, stride, dilation))
        steps = x._strides[lead:]
        return x._view(x.shape[:lead] + outs + kernel,
                       x._strides[:lead] + tuple(a * s for a, s in zip(steps, stride)) +
                       tuple(a * d for a, d in zip(steps, dilation)), x._offset)

    @staticmethod
    def backward(ctx, grad):
        return WindowsBackward.apply(grad, ctx.input_meta[0][0], ctx.kernel, ctx.stride,
                                     ctx.dilation), None, None, None, None


class WindowsBackward(Function):
    """out = zeros of ``shape`` plus every window of ``grad`` (..., *O, *kernel) added back
    where ``Windows`` read it: for each kernel element, one ``add`` of the slice
    ``grad[..., *element]`` into the strided view of ``out`` that element saw, so
    overlapping windows sum. Its backward is ``Windows`` of the gradient."""

    @staticmethod
    def forward(ctx, grad: Tensor, shape: tuple[int, ...], kernel: tuple[int, ...],
                stride: tuple[int, ...], dilation: tuple[int, ...]) -> Tensor:
        ctx.kernel, ctx.stride, ctx.dilation = kernel, stride, dilation
        out = grad._empty_like(shape)
        fill_into(out, 0)
        spatial = len(kernel)
        lead = len(shape) - spatial
        sliced = grad.shape[:lead + spatial]  # (..., *O)
        steps = out._strides[lead:]
        strides = out._strides[:lead] + tuple(a * s for a, s in zip(steps, stride))
        for element in itertools.product(*(range(k) for k in kernel)):
            start = sum(e * d * a for e, d, a in zip(element, dilation, steps))
            window = out._view(sliced, strides, out._offset + start)
            at = sum(e * a for e, a in zip(element, grad._strides[lead + spatial:]))
            part = grad._view(sliced, grad._strides[:lead + spatial], grad._offset + at)
            out._kernels.add(window, window, part)
        return out

    @staticmethod
    def backward(ctx, grad):
        counts = ctx.input_meta[0][0][-2 * len(ctx.kernel):-len(ctx.kernel)]  # the forward's *O
        return Windows.apply(grad, ctx.kernel, ctx.stride, ctx.dilation, counts), None, None, \
            None, None


@op(variants="method")
def unfold(x: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """All windows of ``size`` elements, ``step`` apart, along ``dimension``, as a new last
    dim (a view), as ``torch.Tensor.unfold``: ``arange(7).unfold(0, 3, 2)`` is
    ``[[0, 1, 2], [2, 3, 4], [4, 5, 6]]``."""
    d = _wrap_dim(dimension, max(x.dim(), 1))
    length = x.shape[d] if x.dim() else 1
    if size < 0 or size > length:
        raise RuntimeError(f"unfold: maximum size for tensor at dimension {d} is {length} but "
                           f"size is {size}")
    if step <= 0:
        raise RuntimeError(f"unfold: step is {step} but must be > 0")
    if x.dim() == 0:
        return reshape(x, (1,))
    return Unfold.apply(x, d, int(size), int(step))


@op(variants="function, method")
def swapaxes(x: Tensor, axis0: int, axis1: int) -> Tensor:
    """Swap two dims (a view): NumPy's name for ``transpose``."""
    return transpose(x, axis0, axis1)


@op(variants="function, method")
def swapdims(x: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap two dims (a view): another name for ``transpose``."""
    return transpose(x, dim0, dim1)


class Narrow(Function):
    """out = x[..., start:start + length, ...] along dim (a view)"""

    @staticmethod
    def forward(ctx, x: Tensor, dim: int, start: int, length: int) -> Tensor:
        ctx.dim, ctx.start = dim, start
        shape = x.shape[:dim] + (length,) + x.shape[dim + 1:]
        offset = x._offset + start * x._strides[dim] if length else x._offset
        return x._view(shape, x._strides, offset)

    @staticmethod
    def backward(ctx, grad):
        return NarrowBackward.apply(grad, ctx.input_meta[0][0], ctx.dim, ctx.start), None, None, \
            None


class NarrowBackward(Function):
    """out = zeros of ``shape`` with ``grad`` at [start:start + len] along dim (the backward
    of ``Narrow``)"""

    @staticmethod
    def forward(ctx, grad: Tensor, shape: tuple[int, ...], dim: int, start: int) -> Tensor:
        ctx.dim, ctx.start, ctx.length = dim, start, grad.shape[dim]
        out = grad._empty_like(shape)
        fill_into(out, 0)
        copy_into(Narrow.forward(ctx, out, dim, start, grad.shape[dim]), grad)
        return out

    @staticmethod
    def backward(ctx, grad):
        return Narrow.apply(grad, ctx.dim, ctx.start, ctx.length), None, None, None


class ViewAsReal(Function):
    """out = a complex tensor seen as its (real, imaginary) float pairs: shape + (2,), the
    storage reinterpreted (complex64 -> float32), so writes show through both."""

    @staticmethod
    def forward(ctx, x: Tensor) -> Tensor:
        if not x.dtype.is_complex:
            raise RuntimeError("view_as_real is only supported for complex tensors")
        out = Tensor._make(x._storage, x.shape + (2,), tuple(2 * s for s in x._strides) + (1,),
                           2 * x._offset, dtypes.to_real(x.dtype), x.device, x._kernels)
        out._base = x._base if x._base is not None else x
        return out

    @staticmethod
    def backward(ctx, grad):
        return view_as_complex(grad.contiguous())


class ViewAsComplex(Function):
    """out = float pairs (a last dim of 2, stride 1) seen as complex numbers: the inverse of
    ``view_as_real``, with PyTorch's conditions on the layout."""

    @staticmethod
    def forward(ctx, x: Tensor) -> Tensor:
        if not x.dtype.is_floating_point:
            raise RuntimeError(f"view_as_complex is only supported for float and double "
                               f"tensors, but got a tensor of scalar type: {x.dtype.name}")
        if not x.shape or x.shape[-1] != 2:
            raise RuntimeError(f"Tensor must have a last dimension of size 2, got shape "
                               f"{list(x.shape)}")
        if x._strides[-1] != 1:
            raise RuntimeError(f"Tensor must have a last dimension with stride 1, got strides "
                               f"{list(x._strides)}")
        if any(s % 2 for s in x._strides[:-1]):
            raise RuntimeError(f"Tensor must have a stride divisible by 2 for all but last "
                               f"dimension, got strides {list(x._strides)}")
        if x._offset % 2:
            raise RuntimeError(f"Tensor must have a storage_offset divisible by 2, got "
                               f"{x._offset}")
        out = Tensor._make(x._storage, x.shape[:-1], tuple(s // 2 for s in x._strides[:-1]),
                           x._offset // 2, dtypes.to_complex(x.dtype), x.device, x._kernels)
        out._base = x._base if x._base is not None else x
        return out

    @staticmethod
    def backward(ctx, grad):
        return view_as_real(grad)


@op(variants="function")
def view_as_real(x: Tensor) -> Tensor:
    """A complex tensor's elements as (real, imaginary) pairs in a last dim of 2, sharing
    memory, as ``torch.view_as_real``.

    >>> view_as_real(tensor([1 + 2j]))
    tensor([[1., 2.]])
    """
    return ViewAsReal.apply(x)


@op(variants="function")
def view_as_complex(x: Tensor) -> Tensor:
    """Float pairs in a last dim of 2 (stride 1) as complex numbers, sharing memory, as
    ``torch.view_as_complex``."""
    return ViewAsComplex.apply(x)


@op(name="broadcast_shapes")
def broadcast_shapes_op(*shapes: int | Sequence[int]) -> tuple[int, ...]:
    """The shape all ``shapes`` broadcast to, as ``torch.broadcast_shapes``: each a sequence
    of sizes or one int (the shape ``(n,)``), checked as PyTorch checks them.

    >>> broadcast_shapes((5, 1), 5)
    (5, 5)
    """
    # dispatch.broadcast_shapes does the work: it sees only tuples, on every broadcasting op
    as_tuples = []
    for shape in shapes:
        sizes = (shape,) if isinstance(shape, int) else shape
        if not isinstance(sizes, Sequence) or not all(isinstance(n, int) for n in sizes):
            raise RuntimeError(f"Input shapes should be of type ints, a tuple of ints, or a "
                               f"list of ints, got {shape}")
        if any(n < 0 for n in sizes):
            raise ValueError("Attempting to broadcast a dimension with negative length!")
        as_tuples.append(tuple(sizes))
    return broadcast_shapes(*as_tuples) if as_tuples else ()
