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

from ... import dtypes
from ...autograd.grad_mode import _State
from ...dispatch import (
    broadcast_shapes,
    dispatch_binary,
    dispatch_binary_inplace,
)
from ...dtypes import result_type
from ...tensor import Tensor
from ..declare import op
from ..primitive.copy import copy_into, fill_into
from ..primitive.elementwise import (
    add,
    div,
    eq,
    ge,
    gt,
    le,
    logical_and,
    logical_not,
    logical_or,
    lt,
    mul,
    ne,
    sub,
    where,
)
from .comparison import logical_xor
from .index_put import fill_diagonal, scatter_with_reduce
from .indexing import check_inplace, rebase_history
from .pointwise import float_power
from .rounding import div as div_with_rounding


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
        return dispatch_binary_inplace(op, x, other)
    _check_shape(x, other, name)
    if op == "div" and not x.dtype.is_floating_point:
        raise RuntimeError(f"{name}: result type {dtypes.get_default_dtype().name} can't be "
                           f"cast to the desired output type {x.dtype.name}")
    _check_castable(x, other, name)
    if check_inplace(x, other):
        # on a clone: the op may save its input for backward, and we overwrite x's storage
        return rebase_history(x, fn(x.clone(), other))
    return dispatch_binary_inplace(op, x, other)


def _times_alpha(other, alpha):
    """``other * alpha`` for ``add_``/``sub_``.

    An optimizer step does this for every parameter (``p.add_(g, alpha=-lr)``); when there is
    no graph to record, the product goes straight to ``dispatch_binary`` instead of through
    ``Mul.apply``.
    """
    if isinstance(other, Tensor) and not (_State.enabled and other.requires_grad):
        return dispatch_binary("mul", other, alpha)
    return other * alpha


@op(variants="method")
def add_(x: Tensor, other, *, alpha=1) -> Tensor:
    """x += alpha * other, in place."""
    if alpha != 1:
        other = _times_alpha(other, alpha)
    return _inplace_binary("add", add, x, other, "add_")


@op(variants="method", aliases=("subtract_",))
def sub_(x: Tensor, other, *, alpha=1) -> Tensor:
    """x -= alpha * other, in place."""
    if alpha != 1:
        other = _times_alpha(other, alpha)
    return _inplace_binary("sub", sub, x, other, "sub_")


@op(variants="method", aliases=("multiply_",))
def mul_(x: Tensor, other) -> Tensor:
    """x *= other, in place."""
    return _inplace_binary("mul", mul, x, other, "mul_")


@op(variants="method", aliases=("divide_", "true_divide_"))
def div_(x: Tensor, other, *, rounding_mode: str | None = None) -> Tensor:
    """x /= other, in place (with ``rounding_mode``, as ``div``)."""
    if rounding_mode is not None:
        return _div_rounded_(x, other, rounding_mode=rounding_mode)
    return _inplace_binary("div", div, x, other, "div_")


@op(variants="method")
def pow_(x: Tensor, other) -> Tensor:
    """x **= other, in place."""
    return _inplace_binary("pow", pow, x, other, "pow_")


@op(variants="method")
def fill_(x: Tensor, value) -> Tensor:
    """Set every element to ``value``, in place."""
    if isinstance(value, Tensor):
        value = value.item()
    if check_inplace(x):
        return rebase_history(x, _overwritten(x, value))
    fill_into(x, value)
    x._storage.version += 1
    return x


def _overwritten(x: Tensor, value) -> Tensor:
    """``value`` in ``x``'s shape, computed as ``where(True, value, x)`` so that ``x``'s old
    history stays in the graph and gets a zero gradient, as PyTorch's ``fill_``/``copy_``
    backward gives (``x * 0 + value`` would turn an inf or NaN in ``x`` into NaN)."""
    everywhere = x._empty_like(dtype=dtypes.bool_).fill_(True)
    return where(everywhere, value, x)


@op(variants="method")
def zero_(x: Tensor) -> Tensor:
    """Set every element to zero, in place."""
    return fill_(x, 0)


@op(variants="method")
def copy_(x: Tensor, src: Tensor) -> Tensor:
    """Copy ``src`` (broadcast, cast, and moved across devices as needed) into ``x``."""
    if not isinstance(src, Tensor):
        raise TypeError(f"copy_(): argument 'src' must be Tensor, not {type(src).__name__}")
    _check_shape(x, src, "copy_")
    if check_inplace(x, src):
        return rebase_history(x, _overwritten(x, src.to(x.device, x.dtype)))
    if src.device != x.device:
        src = src.to(x.device)
    copy_into(x, src)
    x._storage.version += 1
    return x


def inplace_of(name: str, fn: Callable[..., Tensor]) -> Callable[..., Tensor]:
    """The in-place form of the op ``fn`` (declared with ``@op(inplace=True)``):
    ``x.name_(*args)`` computes ``fn(x, *args)`` and writes it into ``x`` (the result must
    keep x's shape and fit its dtype). Tensor arguments that require grad are recorded too,
    as in ``index_add_``."""

    def inplace(x: Tensor, *args, **kwargs) -> Tensor:
        if check_inplace(x, *args, *kwargs.values()):  # on a clone: see _inplace_binary
            new = fn(x.clone(), *args, **kwargs)
            _check_result(x, new, name)
            return rebase_history(x, new)
        new = fn(x, *args, **kwargs)
        _check_result(x, new, name)
        copy_into(x, new)
        x._storage.version += 1
        return x

    inplace.__name__ = name + "_"
    inplace.__doc__ = f"In-place ``{name}``."
    return inplace


def _check_result(x: Tensor, new: Tensor, name: str) -> None:
    if new.dtype.category > x.dtype.category:  # e.g. sqrt_ of an integer tensor
        raise RuntimeError(f"{name}_: result type {new.dtype.name} can't be cast to the "
                           f"desired output type {x.dtype.name}")
    if new.shape != x.shape:  # e.g. addmm_ of a bias row: the result would not fit
        raise RuntimeError(f"{name}_: output with shape {list(x.shape)} doesn't match the "
                           f"broadcast shape {list(new.shape)}")


_div_rounded_ = inplace_of("div", div_with_rounding)  # div_(other, rounding_mode=...)
fill_diagonal_ = op(inplace_of("fill_diagonal", fill_diagonal), variants="method")
_scatter_with_reduce_ = inplace_of("scatter", scatter_with_reduce)


@op(variants="method")
def scatter_(x: Tensor, dim: int, index: Tensor, src: Tensor | float | None = None, *,
             value: float | None = None, reduce: str | None = None) -> Tensor:
    """In-place ``scatter``: ``x[i][index[i][j]] = src[i][j]`` (for dim=1), or ``value``
    wherever ``index`` points; ``reduce="add"`` or ``"multiply"`` combines instead of
    replacing. ``src`` may be a number too, as in PyTorch."""
    if (src is None) == (value is None):
        raise TypeError("scatter_() takes a src tensor or a value (a number), exactly one of "
                        "them")
    return _scatter_with_reduce_(x, dim, index, src if value is None else value, reduce)


@op(variants="method")
def masked_fill_(x: Tensor, mask: Tensor, value) -> Tensor:
    """Write ``value`` where ``mask`` is True, in place."""
    return copy_(x, where(mask, value, x))


# -- in-place views: the tensor itself takes the view's shape and strides ---------------------
def _inplace_view(name: str):
    """The in-place form of the view op ``name`` (``t_``, ``transpose_``...): ``x`` keeps its
    storage and values and takes the view's shape, strides and offset, and, when it is in a
    graph, the view's node. The version counter goes up, as in PyTorch, so that a backward
    that saved ``x`` with its old shape refuses to run."""

    def inplace(x: Tensor, *args) -> Tensor:
        if x.requires_grad and x.grad_fn is None:
            check_inplace(x)  # a leaf that requires grad: refused unless under no_grad
        new = getattr(x, name)(*args)  # a view of x's storage, recorded as x's next node
        x.shape, x._strides, x._offset = new.shape, new._strides, new._offset
        x._native = None  # a backend's cached view of the old layout
        if new.grad_fn is not None:
            x.grad_fn, x._output_nr = new.grad_fn, new._output_nr
        x._storage.version += 1
        return x

    inplace.__name__ = name + "_"
    inplace.__doc__ = f"In-place ``{name}``: changes the tensor's own shape and strides."
    return inplace


t_, transpose_, unsqueeze_, squeeze_, swapaxes_, swapdims_ = (
    op(_inplace_view(n), variants="method")
    for n in ("t", "transpose", "unsqueeze", "squeeze", "swapaxes", "swapdims"))


# -- comparisons and logical ops written back in the tensor's own dtype, PyTorch's aliases --
def _written_back(name: str, fn: Callable[..., Tensor]) -> Callable[..., Tensor]:
    """``x.name_(other)``: ``fn(x, other)`` copied into ``x`` in x's dtype."""

    def inplace(x: Tensor, *args) -> Tensor:
        if args:
            _check_shape(x, args[0], name + "_")
        return copy_(x, fn(x, *args))

    inplace.__name__ = name + "_"
    inplace.__doc__ = f"In-place ``{name}``: the result is written in the tensor's own dtype."
    return inplace


eq_, ne_, lt_, le_, gt_, ge_ = (
    op(_written_back(fn.__name__, fn), variants="method", aliases=aliases)
    for fn, aliases in ((eq, ()), (ne, ("not_equal_",)), (lt, ("less_",)),
                        (le, ("less_equal_",)), (gt, ("greater_",)), (ge, ("greater_equal_",))))
logical_and_, logical_or_, logical_xor_, logical_not_ = (
    op(_written_back(fn.__name__, fn), variants="method")
    for fn in (logical_and, logical_or, logical_xor, logical_not))


@op(variants="method")
def float_power_(x: Tensor, exponent) -> Tensor:
    """In-place ``float_power``: only a float64 tensor can hold the float64 result."""
    if x.dtype is not dtypes.float64:
        raise RuntimeError(f"the base given to float_power_ has dtype {x.dtype.name} but the "
                           "operation's result requires dtype float64")
    return _float_power_(x, exponent)


_float_power_ = inplace_of("float_power", float_power)
