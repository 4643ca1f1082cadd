"""FFT: the unscaled complex discrete Fourier transform, the one primitive under
``microtorch_core.fft`` (every transform there, and ``stft``/``istft``, is a composite over it
in ``composite/fft.py`` and ``composite/stft.py``).

Along each transformed dim of size n::

    out[k] = sum_j x[j] e^(-2 pi i j k / n)        (forward)
    out[k] = sum_j x[j] e^(+2 pi i j k / n)        (inverse; no 1/n: the caller scales)

The forward is the backend's optional ``fft`` kernel (pocketfft through NumPy on the CPU), or,
on a backend without it (CUDA) or without complex kernels, a composite any backend with real
float kernels runs: per dim, one real matmul of the (re, im) pairs (``view_as_real``) with the
DFT's cos/sin matrix, O(n^2) per dim where a kernel is O(n log n).

The backward is the same transform in the other direction: the DFT matrix F is symmetric, so
its adjoint is conj(F), the unscaled transform the other way, and with PyTorch's convention
(grad = dL/dRe + i dL/dIm) a linear map's gradient is its adjoint applied to the gradient.
"""

from __future__ import annotations

import functools

import numpy as np

from ...autograd.function import Function
from ...dispatch import has_kernel
from ...dtypes import to_real
from ...tensor import Tensor
from .copy import contiguous
from .matmul import matmul
from .views import movedim, reshape, view_as_complex, view_as_real


class FFT(Function):
    """out = sum_j x_j e^(-/+ 2 pi i jk/n) over dims (unscaled; + when inverse)"""

    @staticmethod
    def forward(ctx, x: Tensor, dims: tuple[int, ...], inverse: bool) -> Tensor:
        ctx.dims, ctx.inverse = dims, inverse
        if x.numel() == 0:
            return contiguous(x)
        if has_kernel(x, "fft"):
            out = x._empty_like()
            x._kernels.fft(out, x, dims, inverse)
            return out
        return dft_composite(x, dims, inverse)

    @staticmethod
    def backward(ctx, grad):
        return FFT.apply(grad, ctx.dims, not ctx.inverse), None, None


def fft_unscaled(x: Tensor, dims: tuple[int, ...], inverse: bool) -> Tensor:
    """The unscaled DFT of complex ``x`` over the distinct non-negative ``dims`` (sorted
    here), forward (``e^-i``) or ``inverse`` (``e^+i``); ``x`` itself when ``dims`` is
    empty."""
    if not x.dtype.is_complex:
        raise TypeError(f"fft_unscaled expects a complex tensor, got {x.dtype.name}")
    if not dims:
        return x
    return FFT.apply(x, tuple(sorted(dims)), inverse)


def dft_composite(x: Tensor, dims: tuple[int, ...], inverse: bool) -> Tensor:
    """The DFT as real matmuls: per dim, the (re, im) pairs of a row, laid out
    ``[re_0, im_0, re_1, im_1, ...]``, times a (2n, 2n) real matrix (:func:`_dft_matrix`)."""
    pairs = view_as_real(x)  # (..., 2): the last dim holds (re, im)
    for dim in dims:
        n = pairs.shape[dim]
        rows = movedim(pairs, dim, -2)  # (..., n, 2)
        batch = rows.shape[:-2]
        matrix = Tensor._from_numpy(_dft_matrix(n, inverse), x.device, to_real(x.dtype))
        out = matmul(reshape(rows, (*batch, 2 * n)), matrix)
        pairs = movedim(reshape(out, (*batch, n, 2)), -2, dim)
    return view_as_complex(contiguous(pairs))


@functools.lru_cache(maxsize=32)
def _dft_matrix(n: int, inverse: bool) -> np.ndarray:
    """M (2n, 2n) with ``pairs_row @ M`` the DFT of one interleaved row: for
    W_jk = cos t + i s sin t (t = 2 pi jk/n, s = -1 forward, +1 inverse), output j's real part
    is sum_k re_k cos t - s im_k sin t and its imaginary part sum_k s re_k sin t + im_k cos t.
    The angle is reduced mod n in integers first, so large jk keeps every digit."""
    k = np.arange(n)
    t = 2 * np.pi * (np.outer(k, k) % n) / n
    c, s = np.cos(t), (1.0 if inverse else -1.0) * np.sin(t)
    m = np.empty((n, 2, n, 2))
    m[:, 0, :, 0], m[:, 1, :, 0] = c, -s  # into the real part, from (re, im) of input k
    m[:, 0, :, 1], m[:, 1, :, 1] = s, c  # into the imaginary part
    m.flags.writeable = False  # cached: shared between calls
    return m.reshape(2 * n, 2 * n)
