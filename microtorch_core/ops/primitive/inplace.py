"""In-place writes: the kernels writing into a tensor's own storage (``x.add_(y)``,
``x.mul_(y)``, ``x.pow_(y)``, ``x.fill_(v)``, ``x.copy_(y)``), and autograd's rules for them.

An in-place op writes into the tensor's own storage and bumps the storage's version counter,
so autograd notices if a tensor saved for backward was changed. When the graph must record
the op (``check_inplace``), it is computed out of place and ``rebase_history`` copies the
result back and moves the tensor to the new node, as PyTorch does for non-leaf tensors. The
in-place form of every other op is built the same way in ``composite/inplace.py``.
"""

from __future__ import annotations

from ... import dtypes
from ...autograd.grad_mode import _State
from ...dispatch import broadcast_shapes, dispatch_binary, dispatch_binary_inplace
from ...dtypes import result_type
from ...tensor import Tensor
from ..declare import op
from .copy import copy_into, fill_into
from .elementwise import add, mul, sub, where
from .elementwise import pow as pow_out_of_place


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
    ``Mul.apply`` (which would save its operands for a backward that never comes).
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


@op(variants="method")
def pow_(x: Tensor, other) -> Tensor:
    """x **= other, in place."""
    return _inplace_binary("pow", pow_out_of_place, x, other, "pow_")


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


def check_inplace(x: Tensor, *others) -> bool:
    """Validate an in-place op on ``x``; return True when it must be recorded for autograd."""
    if not _State.enabled:
        return False
    needs = x.requires_grad or any(isinstance(o, Tensor) and o.requires_grad for o in others)
    if not needs:
        return False
    if x.grad_fn is None and x.requires_grad:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                           "operation. Wrap it in `with microtorch_core.no_grad():` (e.g. in "
                           "an optimizer step) or use an out-of-place op.")
    if x._base is not None:
        raise RuntimeError("MicroTorch's autograd does not support in-place operations on a "
                           "view of a tensor that is part of the graph; use the out-of-place "
                           "form (e.g. torch.where or x = x + y) instead.")
    return True


def rebase_history(x: Tensor, new: Tensor) -> Tensor:
    """Make ``x`` hold ``new``'s values and take over its place in the graph."""
    copy_into(x, new)
    x._storage.version += 1
    x.grad_fn, x._output_nr, x.requires_grad = new.grad_fn, new._output_nr, new.requires_grad
    return x
