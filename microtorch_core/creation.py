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
    if dtype is None:
        dtype = _infer_dtype(arr)
        if from_python and dtype.is_floating_point:
            dtype = dtypes.get_default_dtype()
    if arr.dtype.kind == "f" and dtype.category < 2 and not np.all(np.isfinite(arr)):
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


def arange(start: float, end: float | None = None, step: float = 1, *,
           dtype: DType | None = None, device: DeviceLike | None = None,
           requires_grad: bool = False) -> Tensor:
    """Values from ``start`` to ``end`` (exclusive) by ``step``; int64 unless a bound is a
    float."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if (end - start) / step < 0:
        raise RuntimeError(f"arange: upper bound {end} and lower bound {start} inconsistent "
                           f"with step sign {step}")
    is_int = all(isinstance(v, int) for v in (start, end, step))
    dtype = dtypes.as_dtype(dtype) or (dtypes.int64 if is_int else dtypes.get_default_dtype())
    n = math.ceil((end - start) / step)
    arr = start + np.arange(n, dtype=np.float64 if not is_int else np.int64) * step
    return _finish(Tensor._from_numpy(arr.astype(dtype.np), as_device(device), dtype),
                   requires_grad)


def linspace(start: float, end: float, steps: int, *, dtype: DType | None = None,
             device: DeviceLike | None = None, requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    if steps < 0:
        raise RuntimeError(f"linspace: number of steps must be non-negative, got {steps}")
    dtype = dtypes.as_dtype(dtype) or dtypes.get_default_dtype()
    arr = np.linspace(start, end, steps, dtype=np.float64).astype(dtype.np)
    return _finish(Tensor._from_numpy(arr, as_device(device), dtype), requires_grad)


def logspace(start: float, end: float, steps: int, base: float = 10.0, *,
             dtype: DType | None = None, device: DeviceLike | None = None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` values from ``base ** start`` to ``base ** end``, evenly spaced in the
    exponent (computed in float64, then converted to ``dtype``).

    >>> logspace(0, 2, 3)
    tensor([  1.,  10., 100.])
    """
    if steps < 0:
        raise RuntimeError(f"logspace: number of steps must be non-negative, got {steps}")
    dtype = dtypes.as_dtype(dtype) or dtypes.get_default_dtype()
    arr = np.power(float(base), np.linspace(start, end, steps, dtype=np.float64))
    return _finish(Tensor._from_numpy(arr.astype(dtype.np), as_device(device), dtype),
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
