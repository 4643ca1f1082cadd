"""Products, distances and matrix functions built on matmul, norms and ``linalg.inv``:
``inner``, ``dist``, ``renorm``, ``matrix_power`` (``linalg.matrix_power``),
``linalg.matrix_norm`` and ``linalg.norm``, and the statistics ``cov`` and ``corrcoef``.

``matrix_power`` multiplies by repeated squaring (about 2 log2(n) products); a negative power
inverts first. The matrix 2-norm and nuclear norm (``ord`` 2, -2, ``'nuc'``) are sums or
extremes of singular values: MicroTorch has no SVD, so those raise ``NotImplementedError``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

from .. import dtypes
from ..creation import eye
from ..tensor import Tensor, _wrap_dim
from .composite import clamp, tensordot
from .elementwise import where
from .linalg import matmul
from .lu import inv
from .norms import vector_norm
from .reduction import amax, amin
from .reduction import sum as _sum


def inner(a: Tensor, b: Tensor) -> Tensor:
    """Sum of products over the last dims of ``a`` and ``b`` (the dot product for vectors); a
    0-d operand multiplies instead, as ``torch.inner``."""
    if a.dim() == 0 or b.dim() == 0:
        return a * b
    if a.shape[-1] != b.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but "
                           f"got shapes {list(a.shape)} and {list(b.shape)}")
    return tensordot(a, b, ([a.dim() - 1], [b.dim() - 1]))


def dist(a: Tensor, b: Tensor, p: float = 2) -> Tensor:
    """The ``p``-norm of ``a - b`` (broadcast), as ``torch.dist``."""
    if not (a.dtype.is_floating_point and b.dtype.is_floating_point):
        raise RuntimeError(f"dist(): input dtype should be floating point, got {a.dtype.name} "
                           f"and {b.dtype.name}")
    return vector_norm(a - b, p)


def renorm(x: Tensor, p: float, dim: int, maxnorm: float) -> Tensor:
    """``x`` with every slice along ``dim`` whose ``p``-norm exceeds ``maxnorm`` scaled down
    to norm ``maxnorm`` (the others unchanged), as ``torch.renorm``."""
    if x.dim() < 2:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {x.dim()} "
                           "dimensions")
    if p <= 0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    d = _wrap_dim(dim, x.dim())
    norms = vector_norm(x, p, tuple(i for i in range(x.dim()) if i != d), keepdim=True)
    # PyTorch's 1e-7 keeps a zero slice finite; the factor is differentiated, as PyTorch's
    return x * where(norms > maxnorm, maxnorm / (norms + 1e-7), 1.0)


def matrix_power(A: Tensor, n: int) -> Tensor:  # noqa: N803 - PyTorch's name
    """``A @ A @ ... @ A`` (``n`` factors) for square matrices (..., m, m), by repeated
    squaring; ``n = 0`` is the identity and ``n < 0`` powers the inverse, as
    ``torch.linalg.matrix_power``."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"linalg_matrix_power(): argument 'n' (position 2) must be int, not "
                        f"{type(n).__name__}")
    if A.dim() < 2 or A.shape[-1] != A.shape[-2]:
        shape = A.shape[-2:] if A.dim() >= 2 else A.shape
        raise RuntimeError(f"linalg.matrix_power: A must be batches of square matrices, but "
                           f"they are {' by '.join(str(s) for s in shape)} matrices")
    if n == 0:
        identity = eye(A.shape[-1], dtype=A.dtype, device=A.device)
        return identity.expand(A.shape).clone()
    if n < 0:
        A, n = inv(A), -n
    result = None
    while True:  # binary powering: A^n = prod of A^(2^k) over the set bits of n
        if n & 1:
            result = A if result is None else matmul(result, A)
        n >>= 1
        if not n:
            return result
        A = matmul(A, A)


def matrix_norm(A: Tensor, ord: float | str = "fro", dim: tuple[int, int] = (-2, -1),  # noqa: A002
                keepdim: bool = False, *, dtype: dtypes.DType | None = None) -> Tensor:
    """A matrix norm over the two dims ``dim``, as ``torch.linalg.matrix_norm``: ``'fro'``
    (sqrt of the sum of squares), ``1``/``-1`` (largest/smallest column sum of ``|A|``) and
    ``inf``/``-inf`` (rows). ``'nuc'``, ``2`` and ``-2`` need an SVD: not available."""
    if A.dim() < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 "
                           "dimensions.")
    if dtype is not None:
        A = A.to(dtypes.as_dtype(dtype))
    if not A.dtype.is_floating_point:
        raise RuntimeError(f"linalg.matrix_norm: Expected a floating point or complex tensor "
                           f"as input. Got {A.dtype.name}")
    rows, cols = (_wrap_dim(d, A.dim()) for d in dim)
    if ord == "fro":
        return vector_norm(A, 2, (rows, cols), keepdim)
    if ord in ("nuc", 2, -2):
        raise NotImplementedError(f"linalg.matrix_norm(ord={ord!r}) needs a singular value "
                                  "decomposition, which MicroTorch does not have")
    if ord not in (1, -1, math.inf, -math.inf):
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    summed, other = (rows, cols) if abs(ord) == 1 else (cols, rows)
    sums = _sum(A.abs(), summed, keepdim=True)
    out = (amax if ord > 0 else amin)(sums, other, keepdim=True)
    return out if keepdim else out.squeeze((rows, cols))


def linalg_norm(A: Tensor, ord: float | str | None = None,  # noqa: A002
                dim: int | Sequence[int] | None = None, keepdim: bool = False, *,
                dtype: dtypes.DType | None = None) -> Tensor:
    """``torch.linalg.norm``: a vector norm over one dim (or over a 1-D input), a matrix norm
    over two dims (or over a 2-D input when ``ord`` is given), else the 2-norm of all
    elements."""
    if isinstance(dim, int):
        dim = (dim,)
    if dim is None and ord is not None:
        if A.dim() not in (1, 2):
            raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input "
                               f"must be 1D or 2D. Got {A.dim()}D.")
        dim = tuple(range(A.dim()))
    if dim is not None and len(dim) == 2:
        return matrix_norm(A, "fro" if ord is None else ord, tuple(dim), keepdim, dtype=dtype)
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.norm: the matrix norm ord={ord!r} needs two dims")
    return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)


# -- statistics -------------------------------------------------------------------------------
def cov(x: Tensor, *, correction: int = 1, fweights: Tensor | None = None,
        aweights: Tensor | None = None) -> Tensor:
    """The covariance matrix of the variables in the rows of ``x`` (observations in columns;
    a 1-D ``x`` is one variable and gives a 0-d variance), as ``torch.cov`` and ``numpy.cov``.
    ``fweights`` (integer counts) and ``aweights`` weigh the observations."""
    if x.dim() > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an "
                           f"input with {x.dim()} dimensions")
    x = x if x.dim() == 2 else x.reshape(1, -1)
    if not x.dtype.is_floating_point:
        x = x.to(dtypes.get_default_dtype())
    n = x.shape[1]
    w = None
    if fweights is not None:
        if fweights.dtype.is_floating_point:
            raise RuntimeError(f"cov(): expected fweights to have integral dtype but got "
                               f"fweights with {fweights.dtype.name} dtype")
        w = fweights.to(x.dtype)
    if aweights is not None:
        if not aweights.dtype.is_floating_point:
            raise RuntimeError(f"cov(): expected aweights to have floating point dtype but got "
                               f"aweights with {aweights.dtype.name} dtype")
        w = aweights.to(x.dtype) if w is None else w * aweights.to(x.dtype)
    for name, t in (("fweights", fweights), ("aweights", aweights)):
        if t is not None and (t.dim() != 1 or t.shape[0] != n):
            raise RuntimeError(f"cov(): expected {name} to be a 1-D tensor of {n} elements "
                               f"(one per observation), got shape {list(t.shape)}")
    if w is None:
        avg, norm = x.mean(1), float(n - correction)
        xm = x - avg.unsqueeze(1)
        c = matmul(xm, xm.mT)
    else:
        w_sum = w.sum()
        avg = _sum(x * w, 1) / w_sum
        if correction == 0:
            norm = w_sum
        elif aweights is None:
            norm = w_sum - correction
        else:
            norm = w_sum - correction * _sum(w * aweights.to(x.dtype)) / w_sum
        xm = x - avg.unsqueeze(1)
        c = matmul(xm * w, xm.mT)
    if (norm <= 0).item() if isinstance(norm, Tensor) else norm <= 0:
        warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less "
                      "than the number of observations.", UserWarning, stacklevel=2)
        norm = norm * 0 if isinstance(norm, Tensor) else 0.0
    return (c / norm).squeeze()


def corrcoef(x: Tensor) -> Tensor:
    """Pearson correlation coefficients of the variables in the rows of ``x``: ``cov`` scaled
    by the standard deviations, clipped to [-1, 1], as ``torch.corrcoef``."""
    c = cov(x)
    if c.dim() == 0:
        return c / c
    d = c.diagonal().sqrt()
    return clamp(c / d.unsqueeze(1) / d.unsqueeze(0), -1, 1)

