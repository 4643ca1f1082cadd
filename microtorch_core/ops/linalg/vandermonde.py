"""``linalg.vander``: the Vandermonde matrix of a vector, the powers ``x**0, x**1, ...,
x**(N-1)`` of each element as a row, as ``torch.linalg.vander`` (increasing powers; NumPy's
``vander`` defaults to decreasing ones).

Fitting a polynomial of degree N - 1 through points ``(x_i, y_i)`` is the linear system
``vander(x) @ c = y`` for the coefficients ``c``. The powers are a running product along the
row, ``cumprod`` of ``x`` repeated N - 1 times after a column of ones (as PyTorch computes
them), so integers stay integers and the gradient is ``cumprod``'s.

>>> vander(tensor([1, 2, 3]))
tensor([[1, 1, 1],
        [1, 2, 4],
        [1, 3, 9]])
"""

from __future__ import annotations

from ... import dtypes
from ...tensor import Tensor
from ..composite.indexing import cat
from ..composite.scan import cumprod
from ..declare import op


@op(namespace="linalg")
def vander(x: Tensor, *, N: int | None = None) -> Tensor:  # noqa: N803 - PyTorch's name
    """The Vandermonde matrix of ``x`` (..., n): shape (..., n, N) with ``out[..., i, j] =
    x[..., i] ** j`` (``N`` defaults to n; a 0-d ``x`` is one element), as
    ``torch.linalg.vander``."""
    if not isinstance(x, Tensor):
        raise TypeError(f"linalg.vander(): argument 'x' must be Tensor, not {type(x).__name__}")
    if x.dtype is dtypes.bool_:
        raise RuntimeError("linalg.vander supports floating point, complex, and integer "
                           "tensors, but got Bool")
    if x.dim() == 0:
        x = x.unsqueeze(-1)
    n = x.shape[-1] if N is None else N
    if n <= 1:
        raise RuntimeError(f"N must be greater than 1, got N={n}.")
    powers = cumprod(x.unsqueeze(-1).expand(x.shape + (n - 1,)), -1)
    ones = powers._empty_like(x.shape + (1,)).fill_(1)
    return cat([ones, powers], -1)
