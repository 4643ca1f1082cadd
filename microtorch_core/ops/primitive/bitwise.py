"""Bitwise ops: ``&``, ``|``, ``^``, ``~``, ``<<`` and ``>>`` on integer and bool tensors.

Each is one kernel of the spec (``bitwise_and`` ... ``bitwise_right_shift``), run through
``dispatch.py`` with PyTorch's promotion (``int32 & int64`` is int64, a bool tensor with a
Python int is int64). They are exact in 64 bits, which a composite through float arithmetic
would not be. None has a gradient: integer and bool tensors never require grad.

As in PyTorch, floating point is refused (after promotion: ``int_tensor & 1.5`` too), and the
shifts refuse bool. Shift counts outside ``[0, bits)`` are defined as PyTorch defines them: 0
for ``<<``, the sign (0 or -1) for ``>>``.
"""

from __future__ import annotations

from ... import dtypes
from ...dispatch import (
    Scalar,
    check_operand,
    dispatch_binary,
    dispatch_binary_inplace,
    dispatch_unary,
)
from ...dtypes import DType, result_type
from ...tensor import Tensor
from ..declare import op
from .inplace import _check_shape

_SHIFTS = ("bitwise_left_shift", "bitwise_right_shift")


def _check_dtype(name: str, dtype: DType) -> None:
    if dtype.is_floating_point or (name in _SHIFTS and dtype is dtypes.bool_):
        kinds = "integer tensors" if name in _SHIFTS else "integer and bool tensors"
        raise NotImplementedError(f'"{name}" is not implemented for {dtype.name} tensors '
                                  f"(it takes {kinds})")


def _bitwise(name: str, a: Tensor | Scalar, b: Tensor | Scalar) -> Tensor:
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        raise TypeError(f"{name}(): expected at least one Tensor operand, got "
                        f"{type(a).__name__} and {type(b).__name__}")
    check_operand(a)
    check_operand(b)
    _check_dtype(name, result_type(a, b))
    return dispatch_binary(name, a, b)


def _bitwise_inplace(name: str, x: Tensor, other: Tensor | Scalar) -> Tensor:
    """``x <op>= other``: the kernel writes into ``x`` when the op computes in x's dtype;
    otherwise (``int32 <<= int64``) it computes in the promoted dtype and is copied back, so
    a shift count that does not fit x's dtype is not truncated first."""
    check_operand(other)
    dtype = result_type(x, other)
    _check_dtype(name, dtype)
    if dtype.category > x.dtype.category:
        raise RuntimeError(f"{name}_: result type {dtype.name} can't be cast to the desired "
                           f"output type {x.dtype.name}")
    _check_shape(x, other, name + "_")
    if dtype is x.dtype:
        return dispatch_binary_inplace(name, x, other)
    return x.copy_(dispatch_binary(name, x, other))


@op(variants="function, method")
def bitwise_and(input: Tensor | Scalar, other: Tensor | Scalar) -> Tensor:
    """``input & other``, bit by bit (for bool, logical and)."""
    return _bitwise("bitwise_and", input, other)


@op(variants="function, method")
def bitwise_or(input: Tensor | Scalar, other: Tensor | Scalar) -> Tensor:
    """``input | other``, bit by bit (for bool, logical or)."""
    return _bitwise("bitwise_or", input, other)


@op(variants="function, method")
def bitwise_xor(input: Tensor | Scalar, other: Tensor | Scalar) -> Tensor:
    """``input ^ other``, bit by bit (for bool, logical xor)."""
    return _bitwise("bitwise_xor", input, other)


@op(variants="function, method")
def bitwise_left_shift(input: Tensor | Scalar, other: Tensor | Scalar) -> Tensor:
    """``input << other`` for integers, wrapping in two's complement; a count that is negative
    or at least the bit width gives 0."""
    return _bitwise("bitwise_left_shift", input, other)


@op(variants="function, method")
def bitwise_right_shift(input: Tensor | Scalar, other: Tensor | Scalar) -> Tensor:
    """``input >> other`` for integers, arithmetic (the sign fills in); a count that is
    negative or at least the bit width gives 0 or -1, the sign of ``input``."""
    return _bitwise("bitwise_right_shift", input, other)


@op(variants="function, method")
def bitwise_not(input: Tensor) -> Tensor:
    """``~input``: every bit flipped (``~5 == -6``); for bool, logical not."""
    if not isinstance(input, Tensor):
        raise TypeError(f"bitwise_not(): argument 'input' must be Tensor, not "
                        f"{type(input).__name__}")
    _check_dtype("bitwise_not", input.dtype)
    return dispatch_unary("bitwise_not", input, float_only=False)


@op(variants="method")
def bitwise_and_(x: Tensor, other: Tensor | Scalar) -> Tensor:
    """``x &= other``, in place."""
    return _bitwise_inplace("bitwise_and", x, other)


@op(variants="method")
def bitwise_or_(x: Tensor, other: Tensor | Scalar) -> Tensor:
    """``x |= other``, in place."""
    return _bitwise_inplace("bitwise_or", x, other)


@op(variants="method")
def bitwise_xor_(x: Tensor, other: Tensor | Scalar) -> Tensor:
    """``x ^= other``, in place."""
    return _bitwise_inplace("bitwise_xor", x, other)


@op(variants="method")
def bitwise_left_shift_(x: Tensor, other: Tensor | Scalar) -> Tensor:
    """``x <<= other``, in place."""
    return _bitwise_inplace("bitwise_left_shift", x, other)


@op(variants="method")
def bitwise_right_shift_(x: Tensor, other: Tensor | Scalar) -> Tensor:
    """``x >>= other``, in place."""
    return _bitwise_inplace("bitwise_right_shift", x, other)


@op(variants="method")
def bitwise_not_(x: Tensor) -> Tensor:
    """``x = ~x``, in place."""
    _check_dtype("bitwise_not", x.dtype)
    x._kernels.bitwise_not(x, x)
    x._storage.version += 1
    return x
