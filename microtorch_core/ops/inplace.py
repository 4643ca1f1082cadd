"""In-place ops (``add_``, ``mul_``, ``fill_``, ``copy_``...) and device/dtype conversion.

An in-place op writes into the tensor's own storage and bumps the storage's version counter,
so autograd notices if a tensor saved for backward was changed. When the graph must record
the op (the tensor requires grad), it is computed out of place and ``rebase_history`` copies
the result back and moves the tensor to the new node, as PyTorch does for non-leaf tensors.
In-place views (``t_``, ``unsqueeze_``...) write nothing: the tensor takes the view's shape
and strides, and its node.
"""

from __future__ import annotations

from collections.abc import Callable

from .. import dtypes
from ..autograd.function import Function
from ..autograd.grad_mode import _State
from ..device import device as Device
from ..dtypes import DType, result_type
from ..tensor import Tensor
from . import elementwise as ew
from .index_put import fill_diagonal, index_put, masked_scatter, put, scatter_with_reduce
from .indexing import check_inplace, rebase_history
from .views import broadcast_shapes, broadcast_view


def _check_castable(x: Tensor, other, name: str) -> None:
    dtype = result_type(x, other)
    if dtype.category > x.dtype.category:
        raise RuntimeError(f"{name}: result type {dtype.name} can't be cast to the desired "
                           f"output type {x.dtype.name}")


def _check_shape(x: Tensor, other, name: str) -> None:
    if isinstance(other, Tensor) and other.shape != x.shape:
        if broadcast_shapes(x.shape, other.shape) != x.shape:
            raise RuntimeError(f"{name}: output with shape {list(x.shape)} doesn't match the "
                               f"broadcast shape {list(broadcast_shapes(x.shape, other.shape))}")


def _inplace_binary(op: str, fn, x: Tensor, other, name: str) -> Tensor:
    if (isinstance(other, Tensor) and other.dtype is x.dtype and other.shape == x.shape
            and other.device is x.device and not (_State.enabled and (
                x.requires_grad or other.requires_grad))
            and (op != "div" or x.dtype.is_floating_point)):
        # the common case in optimizer steps: nothing to promote, broadcast or record
        getattr(x._kernels, op)(x, x, other)
        x._storage.version += 1
        return x
    _check_shape(x, other, name)
    if op == "div" and not x.dtype.is_floating_point:
        raise RuntimeError(f"{name}: result type {dtypes.get_default_dtype().name} can't be "
                           f"cast to the desired output type {x.dtype.name}")
    _check_castable(x, other, name)
    if check_inplace(x, other):
        # on a clone: the op may save its input for backward, and we overwrite x's storage
        return rebase_history(x, fn(x.clone(), other))
    if isinstance(other, Tensor):
        ew.same_device(x, other)
        operand = broadcast_view(ew.cast(other, x.dtype), x.shape)
    else:
        operand = dtypes.cast_scalar(other, x.dtype)
    getattr(x._kernels, op)(x, x, operand)
    x._storage.version += 1
    return x


def _times_alpha(other, alpha):
    """``other * alpha`` for ``add_``/``sub_``.

    An optimizer step does this for every parameter (``p.add_(g, alpha=-lr)``); when there is
    no graph to record, the product goes straight to ``dispatch_binary`` instead of through
    ``Mul.apply``.
    """
    if isinstance(other, Tensor) and not (_State.enabled and other.requires_grad):
        return ew.dispatch_binary("mul", other, alpha)
    return other * alpha


def add_(x: Tensor, other, *, alpha=1) -> Tensor:
    """x += alpha * other, in place."""
    if alpha != 1:
        other = _times_alpha(other, alpha)
    return _inplace_binary("add", ew.add, x, other, "add_")


def sub_(x: Tensor, other, *, alpha=1) -> Tensor:
    """x -= alpha * other, in place."""
    if alpha != 1:
        other = _times_alpha(other, alpha)
    return _inplace_binary("sub", ew.sub, x, other, "sub_")


def mul_(x: Tensor, other) -> Tensor:
    """x *= other, in place."""
    return _inplace_binary("mul", ew.mul, x, other, "mul_")


def div_(x: Tensor, other, *, rounding_mode: str | None = None) -> Tensor:
    """x /= other, in place (with ``rounding_mode``, as ``div``)."""
    if rounding_mode is not None:
        return _div_rounded_(x, other, rounding_mode=rounding_mode)
    return _inplace_binary("div", ew.div, x, other, "div_")


def pow_(x: Tensor, other) -> Tensor:
    """x **= other, in place."""
    return _inplace_binary("pow", ew.pow, x, other, "pow_")


def maximum_(x: Tensor, other) -> Tensor:
    return _inplace_binary("maximum", ew.maximum, x, other, "maximum_")


def fill_(x: Tensor, value) -> Tensor:
    """Set every element to ``value``, in place."""
    if isinstance(value, Tensor):
        value = value.item()
    if check_inplace(x):
        return rebase_history(x, _overwritten(x, value))
    x._kernels.fill(x, dtypes.cast_scalar(value, x.dtype))
    x._storage.version += 1
    return x


def _overwritten(x: Tensor, value) -> Tensor:
    """``value`` in ``x``'s shape, computed as ``where(True, value, x)`` so that ``x``'s old
    history stays in the graph and gets a zero gradient, as PyTorch's ``fill_``/``copy_``
    backward gives (``x * 0 + value`` would turn an inf or NaN in ``x`` into NaN)."""
    everywhere = x._empty_like(dtype=dtypes.bool_).fill_(True)
    return ew.where(everywhere, value, x)


def zero_(x: Tensor) -> Tensor:
    """Set every element to zero, in place."""
    return fill_(x, 0)


def copy_(x: Tensor, src: Tensor) -> Tensor:
    """Copy ``src`` (broadcast, cast, and moved across devices as needed) into ``x``."""
    if not isinstance(src, Tensor):
        raise TypeError(f"copy_(): argument 'src' must be Tensor, not {type(src).__name__}")
    _check_shape(x, src, "copy_")
    if check_inplace(x, src):
        return rebase_history(x, _overwritten(x, src.to(x.device, x.dtype)))
    if src.device != x.device:
        src = src.to(x.device)
    x._kernels.copy(x, broadcast_view(src, x.shape))
    x._storage.version += 1
    return x


def _inplace_of(name: str, fn: Callable[..., Tensor] | None = None):
    """The in-place form of the Tensor method ``name``: ``x.name_(*args)`` computes
    ``x.name(*args)`` (or ``fn(x, *args)``, for an op that is no Tensor method) and writes it
    into ``x`` (the result must keep x's shape and fit its dtype). Tensor arguments that
    require grad are recorded too, as in ``index_add_``."""

    def compute(t: Tensor, *args, **kwargs) -> Tensor:
        return fn(t, *args, **kwargs) if fn is not None else getattr(t, name)(*args, **kwargs)

    def op(x: Tensor, *args, **kwargs) -> Tensor:
        if check_inplace(x, *args, *kwargs.values()):  # on a clone: see _inplace_binary
            new = compute(x.clone(), *args, **kwargs)
            _check_result(x, new, name)
            return rebase_history(x, new)
        new = compute(x, *args, **kwargs)
        _check_result(x, new, name)
        x._kernels.copy(x, new)
        x._storage.version += 1
        return x

    op.__name__ = name + "_"
    op.__doc__ = f"In-place ``{name}``."
    return op


def _check_result(x: Tensor, new: Tensor, name: str) -> None:
    if new.dtype.category > x.dtype.category:  # e.g. sqrt_ of an integer tensor
        raise RuntimeError(f"{name}_: result type {new.dtype.name} can't be cast to the "
                           f"desired output type {x.dtype.name}")
    if new.shape != x.shape:  # e.g. addmm_ of a bias row: the result would not fit
        raise RuntimeError(f"{name}_: output with shape {list(x.shape)} doesn't match the "
                           f"broadcast shape {list(new.shape)}")


neg_, abs_, exp_, log_, sqrt_, sin_, cos_, tanh_, sigmoid_, relu_, clamp_, sign_ = (
    _inplace_of(n) for n in ("neg", "abs", "exp", "log", "sqrt", "sin", "cos", "tanh",
                             "sigmoid", "relu", "clamp", "sign"))
clip_ = clamp_


floor_ = _inplace_of("floor")
_div_rounded_ = _inplace_of("div")  # div_(other, rounding_mode=...)

# BLAS-style, index and pointwise ops (ops/blas.py, index_ops.py, pointwise.py)
addmm_, addmv_, addr_, baddbmm_, addbmm_, addcmul_, addcdiv_ = (
    _inplace_of(n) for n in ("addmm", "addmv", "addr", "baddbmm", "addbmm", "addcmul",
                             "addcdiv"))
index_add_, index_copy_, index_fill_, scatter_reduce_ = (
    _inplace_of(n) for n in ("index_add", "index_copy", "index_fill", "scatter_reduce"))
(trunc_, fix_, ceil_, round_, frac_, copysign_, heaviside_, sinh_, cosh_, log2_, log10_,
 exp2_, hypot_, logit_, xlogy_, nan_to_num_) = (
    _inplace_of(n) for n in ("trunc", "fix", "ceil", "round", "frac", "copysign", "heaviside",
                             "sinh", "cosh", "log2", "log10", "exp2", "hypot", "logit",
                             "xlogy", "nan_to_num"))

# special functions (ops/trig.py, gamma.py, errorfunc.py, bessel.py, special.py, composite.py)
(atan_, atan2_, asin_, acos_, tan_, asinh_, acosh_, atanh_, lgamma_, digamma_, polygamma_,
 mvlgamma_, erf_, erfc_, erfinv_, sinc_, i0_, log1p_, expm1_) = (
    _inplace_of(n) for n in ("atan", "atan2", "asin", "acos", "tan", "asinh", "acosh", "atanh",
                             "lgamma", "digamma", "polygamma", "mvlgamma", "erf", "erfc",
                             "erfinv", "sinc", "i0", "log1p", "expm1"))
arctan_, arctan2_, arcsin_, arccos_ = atan_, atan2_, asin_, acos_
arcsinh_, arccosh_, arctanh_ = asinh_, acosh_, atanh_

# composites, scans and writes at positions (composite.py, diagonal.py, scan.py, index_put.py)
lerp_, clamp_min_, clamp_max_, tril_, triu_, cumsum_, cumprod_, scatter_add_ = (
    _inplace_of(n) for n in ("lerp", "clamp_min", "clamp_max", "tril", "triu", "cumsum",
                             "cumprod", "scatter_add"))
index_put_ = _inplace_of("index_put", index_put)
put_ = _inplace_of("put", put)
masked_scatter_ = _inplace_of("masked_scatter", masked_scatter)
fill_diagonal_ = _inplace_of("fill_diagonal", fill_diagonal)
_scatter_with_reduce_ = _inplace_of("scatter", scatter_with_reduce)


def scatter_(x: Tensor, dim: int, index: Tensor, src: Tensor | float | None = None, *,
             value: float | None = None, reduce: str | None = None) -> Tensor:
    """In-place ``scatter``: ``x[i][index[i][j]] = src[i][j]`` (for dim=1), or ``value``
    wherever ``index`` points; ``reduce="add"`` or ``"multiply"`` combines instead of
    replacing. ``src`` may be a number too, as in PyTorch."""
    if (src is None) == (value is None):
        raise TypeError("scatter_() takes a src tensor or a value (a number), exactly one of "
                        "them")
    return _scatter_with_reduce_(x, dim, index, src if value is None else value, reduce)


def masked_fill_(x: Tensor, mask: Tensor, value) -> Tensor:
    """Write ``value`` where ``mask`` is True, in place."""
    return copy_(x, ew.where(mask, value, x))


# -- in-place views: the tensor itself takes the view's shape and strides ---------------------
def _inplace_view(name: str):
    """The in-place form of the view op ``name`` (``t_``, ``transpose_``...): ``x`` keeps its
    storage and values and takes the view's shape, strides and offset, and, when it is in a
    graph, the view's node. The version counter goes up, as in PyTorch, so that a backward
    that saved ``x`` with its old shape refuses to run."""

    def op(x: Tensor, *args) -> Tensor:
        if x.requires_grad and x.grad_fn is None:
            check_inplace(x)  # a leaf that requires grad: refused unless under no_grad
        new = getattr(x, name)(*args)  # a view of x's storage, recorded as x's next node
        x.shape, x._strides, x._offset = new.shape, new._strides, new._offset
        x._native = None  # a backend's cached view of the old layout
        if new.grad_fn is not None:
            x.grad_fn, x._output_nr = new.grad_fn, new._output_nr
        x._storage.version += 1
        return x

    op.__name__ = name + "_"
    op.__doc__ = f"In-place ``{name}``: changes the tensor's own shape and strides."
    return op


t_, transpose_, unsqueeze_, squeeze_, swapaxes_, swapdims_ = (
    _inplace_view(n) for n in ("t", "transpose", "unsqueeze", "squeeze", "swapaxes",
                               "swapdims"))


# -- device and dtype conversion ------------------------------------------------------------
class ToDtype(Function):
    """out = x converted to another dtype"""

    @staticmethod
    def forward(ctx, x, dtype):
        return ew.cast(x, dtype) if x.dtype is not dtype else x.clone()

    @staticmethod
    def backward(ctx, grad):
        return grad, None  # the engine casts the gradient back to x's dtype


class ToDevice(Function):
    """out = x copied to another device (through host memory)"""

    @staticmethod
    def forward(ctx, x, dev):
        ctx.src = x.device
        return Tensor._from_numpy(x._to_host(), dev, x.dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad.to(ctx.src), None


def to_device_dtype(x: Tensor, dev: Device | None, dtype: DType | None, copy: bool) -> Tensor:
    out = x
    if dtype is not None and (dtype is not x.dtype or copy):
        out = ToDtype.apply(out, dtype)
        copy = False
    if dev is not None and dev != x.device:
        out = ToDevice.apply(out, dev)
    elif copy:
        out = out.clone()
    return out
