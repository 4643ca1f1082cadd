"""From flat positions to coordinates: ``argwhere`` and ``nonzero_static`` (the coordinates of
the non-zero elements) and ``unravel_index`` (flat indices into a shape as one index per dim).

``unravel_index`` is PyTorch's formula, ``(index // coef) % shape`` with ``coef`` the
row-major stride of each dim, which also defines what an index outside ``[0, numel)`` gives:
it wraps (``-1`` is the last element).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ... import dtypes
from ...tensor import Tensor
from ..declare import op
from ..primitive.elementwise import where
from ..primitive.views import reshape
from .indexing import cat, nonzero, unbind


@op(variants="function, method")
def argwhere(input: Tensor) -> Tensor:
    """The coordinates of the non-zero elements of ``input``, one row each (int64, shape
    ``(count, input.dim())``), in row-major order, as ``torch.argwhere``: ``nonzero``.

    >>> argwhere(tensor([[1, 0], [0, 3]]))
    tensor([[0, 0],
            [1, 1]])
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"argwhere(): argument 'input' must be Tensor, not "
                        f"{type(input).__name__}")
    if input.dim() == 0:  # one row per non-zero element, with no coordinates in it
        return nonzero(reshape(input, (1,)))[:, :0]
    return nonzero(input)


@op(variants="function, method")
def nonzero_static(input: Tensor, *, size: int, fill_value: int = -1) -> Tensor:  # noqa: A002
    """The coordinates of the first ``size`` non-zero elements of ``input`` (shape ``(size,
    input.dim())``, int64), as ``torch.nonzero_static``: ``argwhere`` cut to ``size`` rows,
    or padded with rows of ``fill_value``. A fixed result shape is what compiled graphs and
    captured replays need.

    >>> nonzero_static(tensor([0, 3, 0, 5]), size=3)
    tensor([[ 1],
            [ 3],
            [-1]])
    """
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise RuntimeError(f"nonzero_static: 'size' must be an non-negative integer, got "
                           f"{size!r}")
    found = argwhere(input)
    if found.shape[0] >= size:
        return found[:size]
    padding = found._empty_like((size - found.shape[0], found.shape[1])).fill_(fill_value)
    return cat([found, padding], 0)


@op
def unravel_index(indices: Tensor, shape: int | Sequence[int]) -> tuple[Tensor, ...]:
    """The coordinates in a tensor of ``shape`` of each flat (row-major) index in
    ``indices``: a tuple of ``len(shape)`` int64 tensors shaped as ``indices``, as
    ``torch.unravel_index``. Indices outside ``[0, numel)`` wrap around, as in PyTorch.

    >>> unravel_index(tensor([4, 1]), (2, 3))
    (tensor([1, 0]), tensor([1, 1]))
    """
    if not isinstance(indices, Tensor):
        raise TypeError(f"unravel_index(): expected 'indices' to be a Tensor, got "
                        f"{type(indices).__name__}")
    if indices.dtype.is_floating_point or indices.dtype is dtypes.bool_:
        raise TypeError(f"expected 'indices' to be integer dtype, but got {indices.dtype.name}")
    shape = _check_shape(shape)
    if 0 in shape:  # no element to point at (and a division by zero below)
        if indices.numel():
            raise RuntimeError(f"unravel_index(): shape {shape} has a zero-size dimension, "
                               "so no index falls in it")
        return tuple(indices.to(dtypes.int64).clone() for _ in shape)
    coefs = [1] * len(shape)  # row-major strides: coefs[i] = shape[i+1] * ... * shape[-1]
    for i in range(len(shape) - 2, -1, -1):
        coefs[i] = coefs[i + 1] * shape[i + 1]
    coef_t = Tensor._from_numpy(np.array(coefs, np.int64), indices.device)
    shape_t = Tensor._from_numpy(np.array(shape, np.int64), indices.device)
    quotient, _ = _floor_divmod(indices.to(dtypes.int64).unsqueeze(-1), coef_t)
    _, coords = _floor_divmod(quotient, shape_t)
    return unbind(coords, -1)


def _floor_divmod(a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    """``(a // b, a % b)`` for int64 tensors and ``b > 0``, exact in all 64 bits.

    There is no integer division kernel, and float64 holds 53 bits, so a float quotient can
    be off by about ``a / 2**52``. Its remainder ``a - q * b`` is still exact (int64 wraps
    modulo 2**64 and the true remainder is small), so a second float division, of that
    remainder, brings ``q`` within one of the answer, and one comparison each way ends it.
    """
    q = _float_quotient(a, b)
    q = q + _float_quotient(a - q * b, b)
    r = a - q * b
    low, high = r < 0, r >= b
    q = q - low.to(dtypes.int64) + high.to(dtypes.int64)
    r = r + where(low, b, 0) - where(high, b, 0)
    return q, r


def _float_quotient(a: Tensor, b: Tensor) -> Tensor:
    """``floor(a / b)`` in float64, clamped into int64's range before the cast back."""
    q = (a.to(dtypes.float64) / b.to(dtypes.float64)).floor()
    return q.clamp(-(2.0**63), 2.0**63 - 1024).to(dtypes.int64)


def _check_shape(shape) -> tuple[int, ...]:
    if isinstance(shape, bool) or not isinstance(shape, (int, Sequence)):
        raise TypeError(f"expected 'shape' to be int or sequence of ints, but got "
                        f"{type(shape).__name__}")
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    for n in shape:
        if isinstance(n, bool) or not isinstance(n, int):
            raise TypeError(f"expected 'shape' sequence to only contain ints, but got "
                            f"{type(n).__name__}")
    if any(n < 0 for n in shape):
        raise ValueError(f"'shape' cannot have negative values, but got {shape}")
    return shape

