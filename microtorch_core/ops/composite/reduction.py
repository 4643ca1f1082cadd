"""Reductions composed from the reduction kernels: ``max``/``min`` (values and indices
along a dim, or the elementwise form ``max(a, b)``), ``mean``, ``var``, ``std``,
``logsumexp`` and ``sum_to_size``.

``var`` centres first (two passes, as PyTorch) and divides by ``n - correction``; ``std`` is a
small Function over it whose gradient is 0 where the deviation is 0, as PyTorch's.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Sequence

from ... import dtypes
from ...autograd.function import Function
from ...dispatch import invalid_arguments
from ...tensor import Tensor, _wrap_dim
from ..declare import op
from ..primitive.elementwise import where
from ..primitive.indexing import Gather
from ..primitive.reduction import (
    DimArg,
    Mean,
    _arg_extreme,
    _drop_shape,
    amax,
    amin,
    reduce_dims,
    reduced_count,
    sum,
)
from ..primitive.views import reshape

MaxResult = namedtuple("max", ["values", "indices"])


MinResult = namedtuple("min", ["values", "indices"])


def _max_min(x: Tensor, dim, keepdim: bool, largest: bool):
    from ..primitive.elementwise import maximum, minimum

    if not isinstance(x, Tensor):
        args = (x,) if dim is None else (x, dim)
        raise invalid_arguments("max" if largest else "min", args, (
            "Tensor input", "Tensor input, Tensor other",
            "Tensor input, int dim, bool keepdim = False"))
    if isinstance(dim, Tensor):  # torch.max(a, b) is the elementwise maximum
        return maximum(x, dim) if largest else minimum(x, dim)
    if dim is None:
        return amax(x) if largest else amin(x)
    d = _wrap_dim(dim, x.dim())
    indices = _arg_extreme("argmax" if largest else "argmin", x, d, True)
    values = Gather.apply(x, d, indices) if x.dim() else x.clone()
    if not keepdim and x.dim():
        values, indices = values.squeeze(d), indices.squeeze(d)
    return (MaxResult if largest else MinResult)(values, indices)


@op(variants="function, method")
def max(x: Tensor, dim=None, keepdim: bool = False):  # noqa: A001
    """``x.max()``: the maximum; ``x.max(dim)``: ``(values, indices)`` along ``dim``;
    ``max(x, y)``: the elementwise maximum."""
    return _max_min(x, dim, keepdim, True)


@op(variants="function, method")
def min(x: Tensor, dim=None, keepdim: bool = False):  # noqa: A001
    """``x.min()``: the minimum; ``x.min(dim)``: ``(values, indices)`` along ``dim``;
    ``min(x, y)``: the elementwise minimum."""
    return _max_min(x, dim, keepdim, False)


# -- composites ----------------------------------------------------------------------------
@op(variants="function, method")
def mean(x: Tensor, dim: DimArg = None, keepdim: bool = False, *,
         dtype: dtypes.DType | None = None) -> Tensor:
    """Arithmetic mean over ``dim`` (floating dtypes)."""
    if dtype is not None:
        x = x.to(dtype)
    if not x.dtype.is_inexact:
        raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be a "
                           f"floating point dtype. Got: {x.dtype.name}")
    dims = reduce_dims(x, dim)
    return Mean.apply(x, dims, keepdim) if dims else x.clone()


def dim_and_correction(name: str, dim: DimArg | bool, unbiased: bool | None,
                       correction: int | float | None) -> tuple[DimArg, int | float]:
    """``(dim, correction)`` from var/std's arguments. As in PyTorch, a bool in ``dim``'s
    place is ``unbiased`` (``x.var(True)``, the ``var(input, unbiased)`` overload); the
    correction is 1 (Bessel's) unless ``unbiased=False`` or ``correction`` says otherwise."""
    if isinstance(dim, bool):
        if unbiased is not None:
            raise TypeError(f"{name}(): got unbiased twice (the bool in dim's place is "
                            "unbiased)")
        dim, unbiased = None, dim
    if correction is None:
        return dim, 1 if unbiased is None or unbiased else 0
    if unbiased is not None:
        raise TypeError(f"{name}(): give either unbiased or correction, not both")
    return dim, correction


@op(variants="function, method")
def var(x: Tensor, dim: DimArg = None, unbiased: bool | None = None, keepdim: bool = False,
        *, correction: int | None = None) -> Tensor:
    """Variance over ``dim`` with Bessel's correction by default (``correction=1``);
    ``x.var(False)`` is the biased variance of all elements, as in PyTorch."""
    dim, correction = dim_and_correction("var", dim, unbiased, correction)
    dims = reduce_dims(x, dim)
    centered = x - mean(x, dims, keepdim=True)
    n = reduced_count(x.shape, dims) - correction
    return sum(centered * centered, dims, keepdim) / (n if n > 0 else float("nan"))


class _StdFromVar(Function):
    """out = sqrt(v); the gradient is 0 where out is 0 (PyTorch's std backward), not nan"""

    @staticmethod
    def forward(ctx, v):
        out = v.sqrt()
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return where(out == 0, 0.0, grad / (2 * out))


@op(variants="function, method")
def std(x: Tensor, dim: DimArg = None, unbiased: bool | None = None, keepdim: bool = False,
        *, correction: int | None = None) -> Tensor:
    """Standard deviation: ``sqrt(var(...))`` (``x.std(False)``: biased, every element)."""
    dim, correction = dim_and_correction("std", dim, unbiased, correction)
    return _StdFromVar.apply(var(x, dim, keepdim=keepdim, correction=correction))


@op(variants="function, method", aliases=("special.logsumexp",))
def logsumexp(x: Tensor, dim: DimArg, keepdim: bool = False) -> Tensor:
    """``log(sum(exp(x)))`` over ``dim``, computed stably by shifting by the maximum (integers
    and bools in the default float dtype, as PyTorch)."""
    if not x.dtype.is_floating_point:
        x = x.to(dtypes.get_default_dtype())
    dims = reduce_dims(x, dim)
    m = amax(x, dims, keepdim=True).detach()
    m = where(m.abs() == float("inf"), 0.0, m)  # keep -inf inputs from producing nan
    out = sum((x - m).exp(), dims, keepdim=True).log() + m
    return out if keepdim else reshape(out, _drop_shape(x.shape, dims))


@op(variants="method")
def sum_to_size(x: Tensor, *size: int | Sequence[int]) -> Tensor:
    """Sum ``x`` down to ``size`` (the reverse of broadcasting), as ``Tensor.sum_to_size``."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    size = tuple(size)
    if not size:  # PyTorch's sum_to: the sum of everything, even of a 0-d tensor (int: int64)
        return sum(x)
    lead = x.dim() - len(size)
    dims = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(size) if n == 1 and x.shape[lead + i] != 1)
    out = sum(x, dims, keepdim=True) if dims else x
    return reshape(out, size) if out.shape != size else out
