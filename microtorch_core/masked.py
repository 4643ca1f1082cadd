"""``microtorch_core.masked``: reductions and normalizations that ignore masked-out elements,
as ``torch.masked`` (its functions on strided tensors; not the prototype ``MaskedTensor``).

Every function takes ``mask``, a tensor broadcastable to ``input`` (converted to bool; None
means every element is in). The idea is one line: replace the masked-out elements by the
*identity* of the operation, the value that changes nothing (0 for a sum, 1 for a product,
-inf for a max, +inf for a min), then run the ordinary op::

    masked.sum(x, mask=m) == sum(where(m, x, 0))
    masked.softmax(x, d, mask=m) == softmax(where(m, x, -inf), d)

So a fully masked-out row gives the identity (``amax`` gives -inf) or, where there is none
(``mean``, ``var``, ``std``, ``median``, ``softmax``), NaN. The gradient flows to the masked-in
elements only. Ops with no identity are built from the masked sum and the count of
masked-in elements (``mean``, ``var``).

>>> import microtorch_core as mt
>>> x = mt.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
>>> m = mt.tensor([[True, False, True], [False, True, True]])
>>> mt.masked.sum(x, 1, mask=m)
tensor([ 4., 11.])
>>> mt.masked.amax(x, 1, mask=m)
tensor([3., 6.])
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from . import dtypes
from .dtypes import DType
from .tensor import Tensor

DimOrDims = int | Sequence[int] | None

__all__ = [
    "amax", "amin", "argmax", "argmin", "cumprod", "cumsum", "log_softmax", "logaddexp",
    "logsumexp", "mean", "median", "norm", "normalize", "prod", "softmax", "softmin", "std",
    "sum", "var",
]


# -- the mask and the identity ---------------------------------------------------------------
def _input_mask(input: Tensor, mask: Tensor) -> Tensor:
    """``mask`` broadcast to ``input``'s shape, as bool."""
    import microtorch_core as mt

    if not isinstance(mask, Tensor):
        raise TypeError(f"mask must be a Tensor or None, not {type(mask).__name__}")
    if mask.shape != input.shape:
        if mask.dim() > input.dim():
            raise IndexError("_input_mask expected broadcastable mask (got mask dimensionality "
                             "higher than of the input)")
        mask = mt.broadcast_to(mask, input.shape)
    return mask.to(dtypes.bool_)


def _identity(op: str, input: Tensor, ord: float = 2.0) -> float | int:
    """The value that leaves ``op`` unchanged, in ``input``'s dtype (torch.masked's
    ``_reduction_identity``)."""
    floating = input.dtype.is_floating_point
    integer = not floating and input.dtype is not dtypes.bool_
    if op in ("sum", "cumsum"):
        return 0
    if op in ("prod", "cumprod"):
        return 1
    if op in ("amax", "argmax", "logsumexp", "logaddexp") and (floating or integer):
        return -math.inf if floating else dtypes.iinfo(input.dtype).min
    if op in ("amin", "argmin") and (floating or integer):
        return math.inf if floating else dtypes.iinfo(input.dtype).max
    if op == "norm":
        if ord == -math.inf and not floating:
            raise RuntimeError(f"masked norm with ord=-inf needs a floating point input, got "
                               f"{input.dtype.name}")
        return math.inf if ord == -math.inf else 0
    if op == "median":
        return math.nan
    raise NotImplementedError(f"identity of {op} on {input.dtype.name} input")


def _fill_masked_out(op: str, input: Tensor, mask: Tensor | None, ord: float = 2.0) -> Tensor:
    """``input`` with its masked-out elements replaced by ``op``'s identity (same dtype)."""
    import microtorch_core as mt

    if mask is None:
        return input
    keep = _input_mask(input, mask)
    identity = mt.full((), _identity(op, input, ord), dtype=input.dtype, device=input.device)
    return mt.where(keep, input, identity)


def _dims(dim: DimOrDims, ndim: int) -> tuple[int, ...]:
    """``dim`` as a sorted tuple of non-negative dims; None or () is every dim."""
    if dim is None or dim == ():
        return tuple(range(ndim))
    wrap = max(ndim, 1)
    found: list[int] = []
    for d in (dim,) if isinstance(dim, int) else dim:
        if d in found or d % wrap in found:
            raise RuntimeError(f"dim={d} appears multiple times in the list of dims")
        if not -wrap <= d < wrap:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-wrap}, "
                             f"{wrap - 1}], but got {d})")
        found.append(d % wrap)
    return tuple(sorted(found))


def _sum_dtype(input: Tensor, dtype: DType | None) -> DType:
    # as torch.sum: bool and int32 add up in int64 unless a dtype is given
    if dtype is not None:
        return dtype
    return dtypes.int64 if input.dtype in (dtypes.bool_, dtypes.int32) else input.dtype


# -- reductions ------------------------------------------------------------------------------
def sum(input: Tensor, dim: DimOrDims = None, *, keepdim: bool = False,  # noqa: A001
        dtype: DType | None = None, mask: Tensor | None = None) -> Tensor:
    """The sum of the masked-in elements over ``dim`` (every dim by default); 0 where all
    are masked out."""
    import microtorch_core as mt

    dtype = _sum_dtype(input, dtype)
    return mt.sum(_fill_masked_out("sum", input, mask), _dims(dim, input.dim()), keepdim,
                  dtype=dtype)


def prod(input: Tensor, dim: DimOrDims = None, *, keepdim: bool = False,
         dtype: DType | None = None, mask: Tensor | None = None) -> Tensor:
    """The product of the masked-in elements over ``dim``; 1 where all are masked out."""
    result = _fill_masked_out("prod", input, mask).to(_sum_dtype(input, dtype))
    for d in reversed(_dims(dim, input.dim())):
        result = result.prod(dim=d, keepdim=keepdim)
    return result


def amax(input: Tensor, dim: DimOrDims = None, *, keepdim: bool = False,
         dtype: DType | None = None, mask: Tensor | None = None) -> Tensor:
    """The largest masked-in element over ``dim``; -inf (the dtype's lowest integer) where
    all are masked out."""
    import microtorch_core as mt

    out = mt.amax(_fill_masked_out("amax", input, mask), _dims(dim, input.dim()), keepdim)
    return out.to(dtype or input.dtype)


def amin(input: Tensor, dim: DimOrDims = None, *, keepdim: bool = False,
         dtype: DType | None = None, mask: Tensor | None = None) -> Tensor:
    """The smallest masked-in element over ``dim``; +inf (the dtype's highest integer)
    where all are masked out."""
    import microtorch_core as mt

    out = mt.amin(_fill_masked_out("amin", input, mask), _dims(dim, input.dim()), keepdim)
    return out.to(dtype or input.dtype)


def argmax(input: Tensor, dim: int | None = None, *, keepdim: bool = False,
           dtype: DType | None = None, mask: Tensor | None = None) -> Tensor:
    """The position of the largest masked-in element along ``dim`` (of the flattened input
    when None), in ``dtype``, which is ``input``'s dtype by default, as in PyTorch."""
    import microtorch_core as mt

    out = mt.argmax(_fill_masked_out("argmax", input, mask), dim, keepdim)
    return out.to(dtype or input.dtype)


def argmin(input: Tensor, dim: int | None = None, *, keepdim: bool = False,
           dtype: DType | None = None, mask: Tensor | None = None) -> Tensor:
    """The position of the smallest masked-in element along ``dim``, as :func:`argmax`."""
    import microtorch_core as mt

    out = mt.argmin(_fill_masked_out("argmin", input, mask), dim, keepdim)
    return out.to(dtype or input.dtype)


def _count(input: Tensor, dims: tuple[int, ...], keepdim: bool, mask: Tensor | None
           ) -> Tensor:
    """How many elements are masked in, over ``dims`` (int64)."""
    import microtorch_core as mt

    if mask is None:
        everything = mt.ones(input.shape, dtype=dtypes.int64, device=input.device)
        return mt.sum(everything, dims, keepdim)
    return mt.sum(_input_mask(input, mask), dims, keepdim)


def mean(input: Tensor, dim: DimOrDims = None, *, keepdim: bool = False,
         dtype: DType | None = None, mask: Tensor | None = None) -> Tensor:
    """The mean of the masked-in elements over ``dim``: their sum over their count (NaN
    where all are masked out). ``dtype`` (default: ``input``'s) must be floating point."""
    source = "Optional" if dtype is not None else "Input"
    dtype = dtype or input.dtype
    if not dtype.is_floating_point:
        raise ValueError(f"mean(): Could not infer output dtype. {source} dtype must be either "
                         f"a floating point or complex dtype. Got: {dtype.name}")
    dims = _dims(dim, input.dim())
    total = sum(input, dims, keepdim=keepdim, dtype=dtype, mask=mask)
    return total / _count(input, dims, keepdim, mask)


def median(input: Tensor, dim: int = -1, *, keepdim: bool = False,
           dtype: DType | None = None, mask: Tensor | None = None) -> Tensor:
    """The median of the masked-in elements along ``dim`` (the lower of the two middle
    ones, as ``torch.median``); NaN where all are masked out, which an integer input
    cannot hold (ValueError)."""
    import microtorch_core as mt

    dtype = dtype or input.dtype
    d = _dims(dim, input.dim())[0]
    floating = input.dtype.is_floating_point
    values = input if floating else input.to(dtypes.float32)
    out = mt.nanmedian(_fill_masked_out("median", values, mask), d, keepdim).values
    if floating:
        return out
    if bool(out.isnan().any()):
        raise ValueError("masked median expects no fully masked out rows if dtype is not "
                         "floating point")
    return out.to(dtype)


def logsumexp(input: Tensor, dim: DimOrDims = None, *, keepdim: bool = False,
              dtype: DType | None = None, mask: Tensor | None = None) -> Tensor:
    """``log(sum(exp(x)))`` of the masked-in elements over ``dim``; -inf where all are
    masked out."""
    import microtorch_core as mt

    out = mt.logsumexp(_fill_masked_out("logsumexp", input, mask), _dims(dim, input.dim()),
                       keepdim=keepdim)
    return out.to(dtype or input.dtype)


def logaddexp(input: Tensor, other: Tensor, *, dtype: DType | None = None,
              input_mask: Tensor | None = None, other_mask: Tensor | None = None) -> Tensor:
    """``log(exp(input) + exp(other))`` elementwise, a masked-out element of either counting
    as -inf (so both masked out gives -inf)."""
    import microtorch_core as mt

    out = mt.logaddexp(_fill_masked_out("logaddexp", input, input_mask),
                       _fill_masked_out("logaddexp", other, other_mask))
    return out.to(dtype or input.dtype)


def norm(input: Tensor, ord: float = 2.0, dim: DimOrDims = None, *, keepdim: bool = False,
         dtype: DType | None = None, mask: Tensor | None = None) -> Tensor:
    """The vector ``ord``-norm of the masked-in elements over ``dim``
    (``linalg.vector_norm``); 0 where all are masked out (+inf for ``ord=-inf``)."""
    import microtorch_core as mt

    filled = _fill_masked_out("norm", input, mask, ord)
    return mt.linalg.vector_norm(filled, ord, _dims(dim, input.dim()), keepdim,
                                 dtype=dtype or input.dtype)


def _std_var(input: Tensor, dim: DimOrDims, unbiased: bool | None, correction: float | None,
             keepdim: bool, dtype: DType | None, mask: Tensor | None, take_sqrt: bool
             ) -> Tensor:
    """``sum((x - mean)^2) / max(count - correction, 0)`` over the masked-in elements."""
    import microtorch_core as mt

    if unbiased is not None and correction is not None:
        raise RuntimeError("Only one of unbiased and correction may be given")
    if correction is None:
        correction = 0.0 if unbiased is False else 1.0
    if dtype is None:
        dtype = input.dtype if input.dtype.is_floating_point else dtypes.float32
    compute = dtype if dtype.is_floating_point else dtypes.float32
    dims = _dims(dim, input.dim())
    count = _count(input, dims, True, mask)
    sample_mean = sum(input, dims, keepdim=True, dtype=dtype, mask=mask) / count
    x = input - sample_mean
    total = sum(x * x, dims, keepdim=keepdim, dtype=compute, mask=mask)
    if not keepdim:
        count = count.reshape(total.shape)
    if correction != 0:
        count = mt.clamp(count.to(compute) - correction, min=0)
    output = (total / count).to(dtype)
    return output.sqrt() if take_sqrt else output


def var(input: Tensor, dim: DimOrDims = None, unbiased: bool | None = None, *,
        correction: float | None = None, keepdim: bool = False, dtype: DType | None = None,
        mask: Tensor | None = None) -> Tensor:
    """The variance of the masked-in elements over ``dim``, dividing by ``count -
    correction`` (``correction=1`` by default, 0 with ``unbiased=False``); NaN where all are
    masked out."""
    return _std_var(input, dim, unbiased, correction, keepdim, dtype, mask, take_sqrt=False)


def std(input: Tensor, dim: DimOrDims = None, unbiased: bool | None = None, *,
        correction: float | None = None, keepdim: bool = False, dtype: DType | None = None,
        mask: Tensor | None = None) -> Tensor:
    """The standard deviation of the masked-in elements over ``dim`` (the square root of
    :func:`var`)."""
    return _std_var(input, dim, unbiased, correction, keepdim, dtype, mask, take_sqrt=True)


# -- normalizations: the output has input's shape ---------------------------------------------
def softmax(input: Tensor, dim: int, *, dtype: DType | None = None,
            mask: Tensor | None = None) -> Tensor:
    """Softmax along ``dim`` over the masked-in elements: masked-out ones get 0, and a row
    with none masked in is NaN."""
    from .nn import functional as F

    d = _dims(dim, input.dim())[0]
    return F.softmax(_fill_masked_out("amax", input, mask), d, dtype=dtype or input.dtype)


def log_softmax(input: Tensor, dim: int, *, dtype: DType | None = None,
                mask: Tensor | None = None) -> Tensor:
    """Log-softmax along ``dim`` over the masked-in elements: masked-out ones get -inf, and
    a row with none masked in is NaN."""
    from .nn import functional as F

    d = _dims(dim, input.dim())[0]
    return F.log_softmax(_fill_masked_out("amax", input, mask), d, dtype=dtype or input.dtype)


def softmin(input: Tensor, dim: int, *, dtype: DType | None = None,
            mask: Tensor | None = None) -> Tensor:
    """Softmin (softmax of ``-input``) along ``dim`` over the masked-in elements."""
    from .nn import functional as F

    d = _dims(dim, input.dim())[0]
    return F.softmin(_fill_masked_out("amin", input, mask), d, dtype=dtype or input.dtype)


def normalize(input: Tensor, ord: float, dim: int, *, eps: float = 1e-12,
              dtype: DType | None = None, mask: Tensor | None = None) -> Tensor:
    """``input`` divided by the masked ``ord``-norm along ``dim`` (at least ``eps``);
    masked-out elements become 0."""
    import microtorch_core as mt

    dtype = dtype or input.dtype
    length = norm(input, ord, dim, keepdim=True, dtype=dtype, mask=mask)
    return _fill_masked_out("sum", input, mask) / mt.clamp(length, min=eps)


def cumsum(input: Tensor, dim: int, *, dtype: DType | None = None,
           mask: Tensor | None = None) -> Tensor:
    """The running sum along ``dim``, masked-out elements counting as 0."""
    import microtorch_core as mt

    dtype = dtype or input.dtype
    d = _dims(dim, input.dim())[0]
    return mt.cumsum(_fill_masked_out("sum", input, mask), d, dtype=dtype).to(dtype)


def cumprod(input: Tensor, dim: int, *, dtype: DType | None = None,
            mask: Tensor | None = None) -> Tensor:
    """The running product along ``dim``, masked-out elements counting as 1."""
    import microtorch_core as mt

    dtype = dtype or input.dtype
    d = _dims(dim, input.dim())[0]
    return mt.cumprod(_fill_masked_out("prod", input, mask), d, dtype=dtype).to(dtype)
