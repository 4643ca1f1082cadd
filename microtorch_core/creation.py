"""Creating tensors: from data, filled with a value, ranges, and random numbers.

Host data is built with NumPy and copied to the device through the allocator; fills and
random numbers run as kernels on the device itself.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import dtypes
from .device import DeviceLike, as_device
from .dtypes import DType
from .ops.primitive.copy import fill_into
from .ops.primitive.random import random_into
from .random import default_generator
from .tensor import Tensor


def _shape(size: tuple) -> tuple[int, ...]:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    try:
        shape = tuple(int(s.__index__()) for s in size)
    except AttributeError:
        raise TypeError(f"size must be a sequence of ints, got {size!r}") from None
    if any(s < 0 for s in shape):
        raise RuntimeError(f"Trying to create tensor with negative dimension: {list(shape)}")
    return shape


def _finish(t: Tensor, requires_grad: bool) -> Tensor:
    return t.requires_grad_() if requires_grad else t


def _host_array(data: Any) -> np.ndarray:
    """Nested lists/tuples of numbers or tensors, or an array, as a NumPy array."""
    if isinstance(data, Tensor):
        return data.detach()._to_host()
    if isinstance(data, (list, tuple)) and any(isinstance(d, (Tensor, list, tuple))
                                               for d in data):
        parts = [_host_array(d) for d in data]
        shapes = {p.shape for p in parts}
        if len(shapes) > 1:
            raise ValueError(f"expected sequence of equal-length elements, got shapes "
                             f"{sorted(shapes)}")
        return np.stack(parts) if parts else np.zeros((0,))
    return np.asarray(data)


def _infer_dtype(arr: np.ndarray) -> DType:
    if arr.dtype == object:
        raise TypeError("can't convert data to a tensor: expected numbers, nested lists of "
                        "numbers, tensors or a NumPy array")
    return dtypes.from_numpy(arr.dtype)  # raises for NumPy dtypes MicroTorch lacks


def _beyond_int64(data: Any, arr: np.ndarray, dtype: DType | None) -> np.ndarray:
    """Python ints past int64's range, which NumPy holds as uint64, objects or float64, read
    as PyTorch reads them: floats in a floating tensor (requested, or with a float among the
    numbers), else its ValueError."""
    values = list(_flat_numbers(data))
    if not all(isinstance(v, (bool, int, float)) for v in values):
        return arr  # not Python numbers: _infer_dtype says what is wrong
    floating = dtype.is_floating_point if dtype is not None else \
        any(isinstance(v, float) for v in values)
    if not floating and any(type(v) is int and not -2**63 <= v < 2**63 for v in values):
        raise ValueError("Overflow when unpacking long long")
    # an int past float64's range: Python's OverflowError, as PyTorch's
    return arr if arr.dtype.kind == "f" else arr.astype(np.float64)


def _flat_numbers(data: Any):
    """The leaves of nested lists and tuples, in order."""
    if isinstance(data, (list, tuple)):
        for d in data:
            yield from _flat_numbers(d)
    else:
        yield data


def _check_integer_range(arr: np.ndarray, dtype: DType) -> None:
    """PyTorch refuses Python numbers outside an integer dtype's range (NumPy would wrap
    them): ``tensor([2**31], dtype=int32)``."""
    if arr.size == 0 or arr.dtype.kind not in "iuf":
        return
    info = np.iinfo(dtype.np)
    # float bounds: 2**63 rounds to itself in float64, so int64's top is compared with <
    low, high = (arr.min(), arr.max())
    if low < info.min or high > info.max or (arr.dtype.kind == "f" and high >= 2.0**63):
        raise RuntimeError(f"value cannot be converted to type {dtype.name} without overflow")


def tensor(data: Any, dtype: DType | None = None, device: DeviceLike | None = None,
           requires_grad: bool = False) -> Tensor:
    """A new tensor with a copy of ``data`` (nested lists, numbers, a NumPy array, a tensor).

    Python floats become the default dtype (float32), ints int64, bools bool; NumPy arrays keep
    their dtype, as in PyTorch.

    >>> tensor([[1.0, 2.0], [3.0, 4.0]]).shape
    (2, 2)
    """
    dtype = dtypes.as_dtype(dtype)
    if isinstance(data, Tensor) and dtype is None:
        dtype = data.dtype
    from_python = not isinstance(data, (np.ndarray, np.generic, Tensor))
    arr = _host_array(data)
    if from_python and (arr.dtype.kind in "uO" or arr.dtype.kind == "f" and arr.size
                        and np.abs(arr).max() >= 2.0**63):
        arr = _beyond_int64(data, arr, dtype)
    if dtype is None:
        dtype = _infer_dtype(arr)
        if from_python and dtype.is_floating_point:
            dtype = dtypes.get_default_dtype()
        elif from_python and dtype.is_complex:  # complex64 while the default is float32
            dtype = dtypes.to_complex(dtypes.get_default_dtype())
    if arr.dtype.kind == "c" and not dtype.is_complex and from_python:
        raise RuntimeError(f"value cannot be converted to type {dtype.name} without overflow "
                           f"(complex numbers to a real dtype)")
    if from_python and dtype.category == 1:
        _check_integer_range(arr, dtype)
    if arr.dtype.kind == "f" and not dtype.is_inexact and not np.all(np.isfinite(arr)):
        raise ValueError(f"cannot convert non-finite float values to {dtype.name}")
    return _finish(Tensor._from_numpy(arr.astype(dtype.np, copy=False), as_device(device),
                                      dtype), requires_grad)


def as_tensor(data: Any, dtype: DType | None = None, device: DeviceLike | None = None) -> Tensor:
    """``data`` itself if it is already a tensor of that dtype and device, else a copy."""
    if isinstance(data, Tensor) and (dtype is None or data.dtype is dtypes.as_dtype(dtype)) \
            and (device is None or data.device == as_device(device)):
        return data
    return tensor(data, dtype=dtype, device=device)


def from_numpy(array: np.ndarray) -> Tensor:
    """A CPU tensor sharing memory with a C-contiguous NumPy array (copied when it cannot)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    dtype = dtypes.from_numpy(array.dtype)
    kernels = as_device("cpu").kernels
    wrap = getattr(kernels.allocator, "wrap_host", None)
    storage = wrap(array) if wrap is not None else None
    if storage is None:
        return Tensor._from_numpy(array, "cpu", dtype)
    shape = tuple(int(s) for s in array.shape)
    from .tensor import contiguous_strides

    return Tensor._make(storage, shape, contiguous_strides(shape), 0, dtype, as_device("cpu"),
                        kernels)


def full(size: Sequence[int], fill_value: bool | int | float, *, dtype: DType | None = None,
         device: DeviceLike | None = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ``size`` filled with ``fill_value`` (dtype inferred from the value)."""
    dtype = dtypes.as_dtype(dtype) or dtypes.scalar_dtype(fill_value)
    out = Tensor._empty(_shape((size,) if isinstance(size, int) else tuple(size)), dtype,
                        as_device(device))
    if out.numel():
        fill_into(out, fill_value)
    return _finish(out, requires_grad)


def empty(*size, dtype: DType | None = None, device: DeviceLike | None = None,
          requires_grad: bool = False) -> Tensor:
    """A tensor with uninitialised values."""
    out = Tensor._empty(_shape(size), dtypes.as_dtype(dtype) or dtypes.get_default_dtype(),
                        as_device(device))
    return _finish(out, requires_grad)


def zeros(*size, dtype: DType | None = None, device: DeviceLike | None = None,
          requires_grad: bool = False) -> Tensor:
    """A tensor of zeros."""
    return full(_shape(size), 0, dtype=dtypes.as_dtype(dtype) or dtypes.get_default_dtype(),
                device=device, requires_grad=requires_grad)


def ones(*size, dtype: DType | None = None, device: DeviceLike | None = None,
         requires_grad: bool = False) -> Tensor:
    """A tensor of ones."""
    return full(_shape(size), 1, dtype=dtypes.as_dtype(dtype) or dtypes.get_default_dtype(),
                device=device, requires_grad=requires_grad)


def _like(fn, x: Tensor, dtype, device, requires_grad, *args) -> Tensor:
    return fn(x.shape, *args, dtype=dtype or x.dtype, device=device or x.device,
              requires_grad=requires_grad)


def zeros_like(x: Tensor, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    return _like(zeros, x, dtype, device, requires_grad)


def ones_like(x: Tensor, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    return _like(ones, x, dtype, device, requires_grad)


def empty_like(x: Tensor, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    return _like(empty, x, dtype, device, requires_grad)


def full_like(x: Tensor, fill_value, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    return _like(full, x, dtype, device, requires_grad, fill_value)


def _range_end(name: str, value: Any, which: str) -> bool | int | float:
    """A bound of linspace/logspace as a Python number: a 0-d tensor is read (``.item()``)."""
    if isinstance(value, Tensor):
        return value.item()
    if isinstance(value, (bool, int, float)) or hasattr(value, "__float__"):
        return value
    raise TypeError(f"{name}(): {which} must be a number or a 0-d tensor, got "
                    f"{type(value).__name__}")


def _check_range_ends(name: str, start: Any, end: Any, steps: Any) -> None:
    if isinstance(start, Tensor) and start.dim() or isinstance(end, Tensor) and end.dim():
        dims = [t.dim() if isinstance(t, Tensor) else 0 for t in (start, end)]
        raise RuntimeError(f"{name} only supports 0-dimensional start and end tensors, but got "
                           f"start with {dims[0]} dimension(s) and end with {dims[1]} "
                           "dimension(s).")
    if isinstance(steps, bool) or not isinstance(steps, int) and not hasattr(steps, "__index__"):
        raise TypeError(f"{name}(): steps must be an int, got {type(steps).__name__}")
    if steps < 0:
        raise RuntimeError(f"{name}: number of steps must be non-negative, got {steps}")


def _check_range_dtype(name: str, dtype: DType) -> None:
    if dtype is dtypes.bool_:  # PyTorch's range kernels have no bool instance
        raise NotImplementedError(f'"{name}_cpu" not implemented for \'Bool\'')


def _to_dtype_scalar(value: bool | int | float, dtype: DType) -> bool | int | float:
    """``value`` as PyTorch's ``Scalar.to<dtype>()``: truncated toward zero for integer
    dtypes, rounded to float32 for float32."""
    if dtype.is_floating_point:
        return float(np.asarray(value, dtype=dtype.np))
    if isinstance(value, float) and not math.isfinite(value):
        raise RuntimeError(f"value cannot be converted to type {dtype.name} without overflow: "
                           f"{value}")
    return math.trunc(value)


def arange(start: float, end: float | None = None, step: float = 1, *,
           dtype: DType | None = None, device: DeviceLike | None = None,
           requires_grad: bool = False) -> Tensor:
    """Values from ``start`` to ``end`` (exclusive) by ``step``; int64 unless a bound is a
    float, as ``torch.arange``.

    For an integer ``dtype`` the bounds and the step are truncated to integers first, as
    PyTorch does: ``arange(0.1, -7.9, -4.0, dtype=int64)`` is ``[0, -4]``.
    """
    if end is None:
        start, end = 0, start
    start, end, step = (v.item() if isinstance(v, Tensor) else v for v in (start, end, step))
    is_int = all(isinstance(v, int) for v in (start, end, step))
    dtype = dtypes.as_dtype(dtype) or (dtypes.int64 if is_int else dtypes.get_default_dtype())
    _check_range_dtype("arange", dtype)
    if not (math.isfinite(start) and math.isfinite(end)):
        raise RuntimeError(f"unsupported range: {start} -> {end}")
    if dtype.is_floating_point:
        x_start, x_end, x_step = float(start), float(end), float(step)
    else:  # PyTorch's accumulate type for integers is int64: every bound is truncated
        x_start, x_end, x_step = math.trunc(start), math.trunc(end), math.trunc(step)
    if x_step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if not (x_step > 0 and x_end >= x_start or x_step < 0 and x_end <= x_start):
        raise RuntimeError(f"arange: upper bound {end} and lower bound {start} inconsistent "
                           f"with step sign {step}")
    if dtype is dtypes.int64:  # exact integer arithmetic, as PyTorch's int64 corner case
        sign = 1 if x_step > 0 else -1
        n = _trunc_div(x_end - x_start + x_step - sign, x_step)
    else:  # the size from the untruncated bounds, in float64
        n = math.ceil((float(end) - float(start)) / float(step))
    if dtype.is_floating_point:
        arr = x_start + np.arange(n, dtype=np.float64) * x_step
    else:
        arr = x_start + np.arange(n, dtype=np.int64) * x_step
    return _finish(Tensor._from_numpy(arr.astype(dtype.np), as_device(device), dtype),
                   requires_grad)


def _trunc_div(a: int, b: int) -> int:
    """C's integer division (rounding toward zero)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def linspace(start: float | Tensor, end: float | Tensor, steps: int, *,
             dtype: DType | None = None, device: DeviceLike | None = None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive, as
    ``torch.linspace`` (``start``/``end`` may be 0-d tensors).

    As PyTorch: the ends are first converted to ``dtype`` (truncated for an integer dtype),
    the first half counts up from ``start`` and the second half down from ``end``, and the
    arithmetic is in ``dtype`` (float64 for integer dtypes, then truncated).
    """
    _check_range_ends("linspace", start, end, steps)
    start, end = _range_end("linspace", start, "start"), _range_end("linspace", end, "end")
    dtype = dtypes.as_dtype(dtype) or dtypes.get_default_dtype()
    _check_range_dtype("linspace", dtype)
    steps = int(steps)
    if steps <= 1:
        arr = np.full(steps, _to_dtype_scalar(start, dtype), dtype=dtype.np)
        return _finish(Tensor._from_numpy(arr, as_device(device), dtype), requires_grad)
    work = np.dtype(dtype.np if dtype.is_floating_point else np.float64).type
    first = work(_to_dtype_scalar(start, dtype))
    last = work(_to_dtype_scalar(end, dtype))
    step = (last - first) / work(steps - 1)
    i = np.arange(steps)
    half = i < steps // 2
    arr = np.where(half, first + step * i.astype(work), last - step * (steps - 1 - i).astype(work))
    return _finish(Tensor._from_numpy(_cast_from_float(arr, dtype), as_device(device), dtype),
                   requires_grad)


def _cast_from_float(arr: np.ndarray, dtype: DType) -> np.ndarray:
    """A float array in ``dtype``, truncated toward zero for integer dtypes (C's cast)."""
    if dtype.is_floating_point:
        return arr.astype(dtype.np)
    return np.trunc(arr).astype(dtype.np)


def logspace(start: float | Tensor, end: float | Tensor, steps: int, base: float = 10.0, *,
             dtype: DType | None = None, device: DeviceLike | None = None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` values from ``base ** start`` to ``base ** end``, evenly spaced in the
    exponent, as ``torch.logspace`` (``start``/``end`` may be 0-d tensors).

    As PyTorch: the ends are converted to ``dtype`` first (truncated for integer dtypes, so
    ``logspace(0, 1.2, 2, dtype=int64)`` is ``[1, 10]``), the exponents are computed in
    float64 from them, the powers in float64 (with ``base`` rounded to float32 for integer
    dtypes) and converted to ``dtype``.

    >>> logspace(0, 2, 3)
    tensor([  1.,  10., 100.])
    """
    _check_range_ends("logspace", start, end, steps)
    start, end = _range_end("logspace", start, "start"), _range_end("logspace", end, "end")
    dtype = dtypes.as_dtype(dtype) or dtypes.get_default_dtype()
    _check_range_dtype("logspace", dtype)
    steps = int(steps)
    if steps <= 1:  # PyTorch fills base ** start, start not converted to dtype first
        value = float(base) ** float(start) if steps else 0.0
        arr = _cast_from_float(np.full(steps, value, dtype=np.float64), dtype)
        return _finish(Tensor._from_numpy(arr, as_device(device), dtype), requires_grad)
    base = float(np.float32(base)) if not dtype.is_floating_point else float(base)
    first, last = _to_dtype_scalar(start, dtype), _to_dtype_scalar(end, dtype)
    # the difference in dtype's own arithmetic, then float64
    span = float(np.asarray(last, dtype.np) - np.asarray(first, dtype.np))
    step = span / (steps - 1)
    i = np.arange(steps)
    exponent = np.where(i < steps // 2, float(first) + step * i,
                        float(last) - step * (steps - 1 - i))
    with np.errstate(over="ignore"):
        arr = np.power(base, exponent)
    return _finish(Tensor._from_numpy(_cast_from_float(arr, dtype), as_device(device), dtype),
                   requires_grad)


def _triangle_indices(name: str, row: int, col: int, offset: int, dtype: DType | None,
                      device: DeviceLike | None, lower: bool) -> Tensor:
    """The (2, N) indices of a triangle of a ``row`` x ``col`` matrix, built on the host."""
    for what, n in (("row", row), ("col", col)):
        if n < 0:
            raise RuntimeError(f"{name}: {what} must be non-negative, got {n}")
    dtype = dtypes.as_dtype(dtype) or dtypes.int64
    if dtype.category != 1:
        raise RuntimeError(f"{name}: dtype must be an integer dtype, got {dtype.name}")
    indices = np.tril_indices if lower else np.triu_indices
    rows, cols = indices(row, offset, col)
    arr = np.stack([rows, cols]).astype(dtype.np)
    return Tensor._from_numpy(arr, as_device(device), dtype)


def tril_indices(row: int, col: int, offset: int = 0, *, dtype: DType | None = None,
                 device: DeviceLike | None = None) -> Tensor:
    """The (2, N) row and column indices of the lower triangle of a ``row`` x ``col``
    matrix (elements with ``j - i <= offset``), in row-major order, as ``torch.tril_indices``.
    """
    return _triangle_indices("tril_indices", row, col, offset, dtype, device, lower=True)


def triu_indices(row: int, col: int, offset: int = 0, *, dtype: DType | None = None,
                 device: DeviceLike | None = None) -> Tensor:
    """The (2, N) row and column indices of the upper triangle of a ``row`` x ``col``
    matrix (elements with ``j - i >= offset``), in row-major order, as ``torch.triu_indices``.
    """
    return _triangle_indices("triu_indices", row, col, offset, dtype, device, lower=False)


def eye(n: int, m: int | None = None, *, dtype: DType | None = None,
        device: DeviceLike | None = None, requires_grad: bool = False) -> Tensor:
    """The identity matrix (``n`` x ``m``)."""
    dtype = dtypes.as_dtype(dtype) or dtypes.get_default_dtype()
    arr = np.eye(n, m if m is not None else n, dtype=dtype.np)
    return _finish(Tensor._from_numpy(arr, as_device(device), dtype), requires_grad)


def _random(kind: str, size: tuple, dtype, device, requires_grad, generator=None) -> Tensor:
    dtype = dtypes.as_dtype(dtype) or dtypes.get_default_dtype()
    if dtype.is_complex:  # as PyTorch: each part drawn alone; normal parts have variance 1/2
        from .ops import mul_, view_as_complex

        parts = _random(kind, _shape(size) + (2,), dtypes.to_real(dtype), device, False,
                        generator)
        if kind == "normal":
            mul_(parts, math.sqrt(0.5))
        return _finish(view_as_complex(parts), requires_grad)
    if not dtype.is_floating_point:
        raise TypeError(f"{'rand' if kind == 'uniform' else 'randn'}: expected a floating "
                        f"point dtype, got {dtype.name}")
    gen = generator or default_generator
    out = Tensor._empty(_shape(size), dtype, as_device(device))
    n = out.numel()
    if n:
        random_into(out, kind, gen.seed, gen.next_offset(n))
    return _finish(out, requires_grad)


def rand(*size, dtype: DType | None = None, device: DeviceLike | None = None,
         requires_grad: bool = False, generator=None) -> Tensor:
    """Uniform random numbers in [0, 1)."""
    return _random("uniform", size, dtype, device, requires_grad, generator)


def randn(*size, dtype: DType | None = None, device: DeviceLike | None = None,
          requires_grad: bool = False, generator=None) -> Tensor:
    """Standard normal random numbers."""
    return _random("normal", size, dtype, device, requires_grad, generator)


def randint(low: int, high: int | Sequence[int] | None = None, size: Sequence[int] = (), *,
            dtype: DType | None = None, device: DeviceLike | None = None,
            generator=None) -> Tensor:
    """Random integers in [low, high) (``randint(high, size)`` means low = 0)."""
    if isinstance(high, (tuple, list)):  # randint(high, size)
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    if high <= low:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} "
                           f">= to={high}")
    u = rand(tuple(size), dtype=dtypes.float64, device=device, generator=generator)
    out = (u * (high - low)).to(dtypes.int64) + low
    return out.to(dtypes.as_dtype(dtype) or dtypes.int64)


def randperm(n: int, *, dtype: DType | None = None, device: DeviceLike | None = None,
             generator=None) -> Tensor:
    """A random permutation of 0..n-1 (argsort of uniform keys, on the host)."""
    keys = rand(n, dtype=dtypes.float64, generator=generator)._to_host()
    perm = np.argsort(keys, kind="stable")
    return Tensor._from_numpy(perm.astype(np.int64), as_device(device),
                              dtypes.as_dtype(dtype) or dtypes.int64)
