"""The reduction kernels: ``sum``, ``prod``, ``amax``, ``amin`` over any dims, ``argmax``
and ``argmin`` along one, and ``all``/``any`` (amin/amax of a bool tensor).

Kernels write a *keepdim*-shaped output (reduced dims of size 1); dropping those dims is a
view taken here, so backends implement one signature. The composites over these (``mean``,
``var``, ``max(dim)``...) are in ``composite/reduction.py``.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence

from ... import dtypes
from ...autograd.function import Function
from ...dispatch import cast
from ...tensor import Tensor, _wrap_dim
from ..declare import op
from .elementwise import where
from .views import reshape

DimArg = int | Sequence[int] | None


def reduce_dims(x: Tensor, dim: DimArg) -> tuple[int, ...]:
    """``dim`` as a sorted tuple of distinct non-negative dims (``None`` or ``()``: all)."""
    ndim = len(x.shape)
    if isinstance(dim, int):  # one dim (a 0-d tensor accepts 0 and -1, and reduces none)
        d = _wrap_dim(dim, ndim)
        return (d,) if d < ndim else ()
    dims = () if dim is None else tuple(dim)
    if not dims:
        return tuple(range(ndim))
    wrapped = sorted({_wrap_dim(d, ndim) for d in dims})
    if len(wrapped) != len(dims):
        raise RuntimeError(f"dim {list(dims)} appears multiple times in the list of dims")
    return tuple([d for d in wrapped if d < ndim])


def _keep_shape(shape: tuple[int, ...], dims: tuple[int, ...]) -> tuple[int, ...]:
    return tuple([1 if i in dims else n for i, n in enumerate(shape)])


def reduced_count(shape: tuple[int, ...], dims: tuple[int, ...]) -> int:
    """How many elements each result of a reduction over ``dims`` combines."""
    n = 1
    for d in dims:
        n *= shape[d]
    return n


def _drop_shape(shape: tuple[int, ...], dims: tuple[int, ...]) -> tuple[int, ...]:
    return tuple([n for i, n in enumerate(shape) if i not in dims])


def _reduce(op: str, x: Tensor, dims: tuple[int, ...], keepdim: bool,
            out_dtype: dtypes.DType | None = None) -> Tensor:
    """Run the reduction kernel ``op`` over ``dims`` (no autograd)."""
    if not dims:  # a 0-d tensor reduces to itself
        out = x._empty_like(dtype=out_dtype)
        x._kernels.copy(out, x)
        return out
    out = x._empty_like(_keep_shape(x.shape, dims), dtype=out_dtype)
    getattr(x._kernels, op)(out, x, dims)
    if keepdim:
        return out
    return out._view(_drop_shape(x.shape, dims), _drop_shape(out._strides, dims), 0)


def _grad_to_input(grad: Tensor, x_shape: tuple[int, ...], dims: tuple[int, ...]) -> Tensor:
    """Reshape a reduced gradient to keepdim form and broadcast it over the input."""
    return reshape(grad, _keep_shape(x_shape, dims)).expand(x_shape)


def _check_nonempty(name: str, x: Tensor, dims: tuple[int, ...]) -> None:
    if builtins.any(x.shape[d] == 0 for d in dims) or (not dims and x.numel() == 0):
        raise IndexError(f"{name}(): cannot reduce over a zero-size dimension of a tensor of "
                         f"shape {tuple(x.shape)} (the operation has no identity)")


class Sum(Function):
    """out = sum of x over dims"""

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.dims = dims
        if not x.dtype.is_inexact:
            x = cast(x, dtypes.int64)  # as PyTorch: integer and bool sums are int64
        return _reduce("sum", x, dims, keepdim)

    @staticmethod
    def backward(ctx, grad):
        return _grad_to_input(grad, ctx.input_meta[0][0], ctx.dims), None, None


@op(variants="function, method")
def sum(x: Tensor, dim: DimArg = None, keepdim: bool = False, *,  # noqa: A001
        dtype: dtypes.DType | None = None) -> Tensor:
    """Sum over ``dim`` (an int, a tuple, or None for all dims); integers add as int64 unless
    ``dtype`` names the result's dtype."""
    if dtype is not None:
        x = x.to(dtype)
    out = Sum.apply(x, reduce_dims(x, dim), keepdim)
    # an int64 sum cast down wraps as the narrower sum would
    return out if dtype is None or out.dtype is dtype else out.to(dtype)


class Mean(Function):
    """out = sum of x over dims / how many elements each sum has (one graph node: the
    division is done in place on the sums)"""

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.dims = dims
        ctx.count = count = reduced_count(x.shape, dims)
        out = _reduce("sum", x, dims, keepdim)
        out._kernels.div(out, out, float(count))
        return out

    @staticmethod
    def backward(ctx, grad):
        return _grad_to_input(grad / ctx.count, ctx.input_meta[0][0], ctx.dims), None, None


class Prod(Function):
    """out = product of x over dims"""

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.dims = dims
        ctx.save_for_backward(x)
        if not x.dtype.is_inexact:
            x = cast(x, dtypes.int64)
        return _reduce("prod", x, dims, keepdim)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        dims = ctx.dims
        g = _grad_to_input(grad, x.shape, dims)
        # d(prod)/dx_i = product of the others; computed without dividing by zero:
        # no zero -> prod / x; one zero -> the product of the non-zeros at the zero; else 0.
        is_zero = x == 0
        safe = where(is_zero, 1.0, x)
        prod_nonzero = Prod.apply(safe, dims, True)
        zeros = is_zero.sum(dims, keepdim=True)
        others = where(zeros == 0, prod_nonzero / safe,
                       where((zeros == 1) & is_zero, prod_nonzero, 0.0))
        return g * others, None, None


@op(variants="function, method")
def prod(x: Tensor, dim: int | None = None, keepdim: bool = False, *,
         dtype: dtypes.DType | None = None) -> Tensor:
    """Product over ``dim`` (or all elements); integers multiply as int64 unless ``dtype``
    names the result's dtype (``dtype=bool``: True where all are non-zero)."""
    if dtype is not None:
        x = x.to(dtype)
    out = Prod.apply(x, reduce_dims(x, dim), keepdim)
    # an int64 product cast down wraps as the narrower product would
    return out if dtype is None or out.dtype is dtype else out.to(dtype)


class _Extreme(Function):
    """out = max (amax) or min (amin) over dims; ties share the gradient evenly"""

    op = "amax"

    @classmethod
    def forward(cls, ctx, x, dims, keepdim):
        _check_nonempty(cls.op, x, dims)
        out = _reduce(cls.op, x, dims, True)
        ctx.dims = dims
        ctx.save_for_backward(x, out)
        if keepdim:
            return out
        return out._view(_drop_shape(x.shape, dims),
                         tuple(s for i, s in enumerate(out._strides) if i not in dims), 0)

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        mask = (x == out).to(grad.dtype)
        g = reshape(grad, out.shape)
        return g * mask / mask.sum(ctx.dims, keepdim=True), None, None


class Amax(_Extreme):
    op = "amax"


class Amin(_Extreme):
    op = "amin"


@op(variants="function, method")
def amax(x: Tensor, dim: DimArg = (), keepdim: bool = False) -> Tensor:
    """Maximum over ``dim`` (default: all dims)."""
    return Amax.apply(x, reduce_dims(x, dim), keepdim)


@op(variants="function, method")
def amin(x: Tensor, dim: DimArg = (), keepdim: bool = False) -> Tensor:
    """Minimum over ``dim`` (default: all dims)."""
    return Amin.apply(x, reduce_dims(x, dim), keepdim)


def _arg_extreme(op: str, x: Tensor, dim: int | None, keepdim: bool) -> Tensor:
    if dim is None:
        flat = x.reshape(-1)
        _check_nonempty(op, flat, (0,))
        out = x._empty_like((1,), dtype=dtypes.int64)
        getattr(x._kernels, op)(out, flat.contiguous(), 0)
        return out.reshape((1,) * x.dim()) if keepdim else out.reshape(())
    d = _wrap_dim(dim, x.dim())
    if x.dim() == 0:
        return x._empty_like(dtype=dtypes.int64).zero_()
    _check_nonempty(op, x, (d,))
    out = x._empty_like(_keep_shape(x.shape, (d,)), dtype=dtypes.int64)
    getattr(x._kernels, op)(out, x, d)
    return out if keepdim else out.squeeze(d)


@op(variants="function, method")
def argmax(x: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the (first) maximum, over all elements or along ``dim``."""
    return _arg_extreme("argmax", x, dim, keepdim)


@op(variants="function, method")
def argmin(x: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the (first) minimum, over all elements or along ``dim``."""
    return _arg_extreme("argmin", x, dim, keepdim)


@op(variants="function, method")
def all(x: Tensor, dim: DimArg = None, keepdim: bool = False) -> Tensor:  # noqa: A001
    """True where every element over ``dim`` is non-zero (True over no elements)."""
    return _logical_reduce("amin", x, dim, keepdim, empty=True)


@op(variants="function, method")
def any(x: Tensor, dim: DimArg = None, keepdim: bool = False) -> Tensor:  # noqa: A001
    """True where some element over ``dim`` is non-zero (False over no elements)."""
    return _logical_reduce("amax", x, dim, keepdim, empty=False)


def _logical_reduce(op: str, x: Tensor, dim: DimArg, keepdim: bool, empty: bool) -> Tensor:
    dims = reduce_dims(x, dim)
    if x.numel():
        return _reduce(op, cast(x, dtypes.bool_), dims, keepdim)
    # no elements: amin/amax have no identity for bool, so fill the result's shape
    shape = _keep_shape(x.shape, dims) if keepdim else \
        tuple(n for i, n in enumerate(x.shape) if i not in dims)
    return x._empty_like(shape, dtypes.bool_).fill_(empty)
