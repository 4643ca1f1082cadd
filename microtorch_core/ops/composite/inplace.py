"""The in-place form of every op (``x.sqrt_()``, ``x.index_add_(...)``), in-place views
(``t_``, ``unsqueeze_``...), comparisons written back in the tensor's own dtype (``eq_``...),
and the in-place ops with arguments of their own (``div_`` with ``rounding_mode``,
``scatter_``, ``masked_fill_``, ``float_power_``).

``inplace_of`` builds the in-place form of an op declared with ``@op(inplace=True)``: compute
the op out of place, check the result fits, and write it into the tensor (or, when autograd
must record it, ``rebase_history``). The elementwise kernels that write in place directly
(``add_``, ``mul_``, ``fill_``, ``copy_``...) are in ``primitive/inplace.py``. In-place views
write nothing: the tensor takes the view's shape and strides, and its node.
"""

from __future__ import annotations

from collections.abc import Callable

from ... import dtypes
from ...tensor import Tensor
from ..declare import op
from ..primitive.copy import copy_into
from ..primitive.elementwise import (
    div,
    eq,
    ge,
    gt,
    le,
    logical_and,
    logical_not,
    logical_or,
    lt,
    ne,
    where,
)
from ..primitive.inplace import _check_shape, _inplace_binary, check_inplace, copy_, rebase_history
from .comparison import logical_xor
from .index_put import fill_diagonal, scatter_with_reduce
from .pointwise import float_power
from .rounding import div as div_with_rounding


@op(variants="method", aliases=("divide_", "true_divide_"))
def div_(x: Tensor, other, *, rounding_mode: str | None = None) -> Tensor:
    """x /= other, in place (with ``rounding_mode``, as ``div``)."""
    if rounding_mode is not None:
        return _div_rounded_(x, other, rounding_mode=rounding_mode)
    return _inplace_binary("div", div, x, other, "div_")


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
