"""Window functions, ``microtorch_core.signal.windows`` (as ``torch.signal.windows``, after
SciPy's ``scipy.signal.windows``).

A window is a curve of ``M`` weights that tapers a signal's ends before a Fourier transform,
so that cutting the signal out of a longer one does not smear its spectrum. Each window here
is a formula over ``M`` evenly spaced points ``k`` (a ``linspace``), as PyTorch computes it:

* cosine sums, ``sum_i (-1)**i a_i cos(i k)`` with ``k`` from 0 to 2 pi: ``general_cosine``
  with any coefficients ``a``, ``general_hamming`` (``[alpha, 1 - alpha]``), ``hamming``
  (alpha 0.54), ``hann`` (0.5), ``blackman`` (``[0.42, 0.5, 0.08]``) and ``nuttall``;
* ``bartlett``, a triangle ``1 - |k|``; ``cosine``, ``sin(k)`` over half a period;
* ``gaussian``, ``exp(-k**2)`` with ``k`` in units of ``std * sqrt(2)``; ``exponential``,
  ``exp(-|k|)`` with ``k`` in units of ``tau``; ``kaiser``, ``i0(beta sqrt(1 - k**2)) /
  i0(beta)`` with ``k`` from -1 to 1 (``i0`` the modified Bessel function).

``sym=True`` (the default) gives a symmetric window, for filter design; ``sym=False`` a
periodic one, for spectral analysis: the symmetric window of ``M + 1`` points without its
last point, so that windows repeated end to end join smoothly.

>>> hann(5)
tensor([0.0000, 0.5000, 1.0000, 0.5000, 0.0000])
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from ... import dtypes
from ...creation import _finish, empty, linspace, ones, tensor
from ...device import DeviceLike
from ...dtypes import DType
from ...tensor import Tensor
from ..declare import op
from ..special.bessel import i0

_NAMESPACE = "signal.windows"


def _checks(name: str, M: int, dtype: DType | None, layout: object) -> DType:  # noqa: N803
    """PyTorch's checks of every window; the dtype to use."""
    dtype = dtypes.as_dtype(dtype) or dtypes.get_default_dtype()
    if M < 0:
        raise ValueError(f"{name} requires non-negative window length, got M={M}")
    if layout is not None and str(layout).rpartition(".")[2] != "strided":
        raise ValueError(f"{name} is implemented for strided tensors only, got: {layout}")
    if not dtype.is_floating_point:
        raise ValueError(f"{name} expects float32 or float64 dtypes, got: {dtype.name}")
    return dtype


def _short(M: int, dtype: DType, device: DeviceLike | None,  # noqa: N803
           requires_grad: bool) -> Tensor | None:
    """The window of 0 or 1 points (empty, or [1.]), or None for a longer one."""
    if M == 0:
        return empty((0,), dtype=dtype, device=device, requires_grad=requires_grad)
    if M == 1:
        return ones((1,), dtype=dtype, device=device, requires_grad=requires_grad)
    return None


def _span(M: int, sym: bool) -> int:  # noqa: N803
    """The number of gaps the window spans: M - 1 (symmetric) or M (periodic)."""
    return M - 1 if sym else M


@op(namespace=_NAMESPACE)
def general_cosine(M: int, *, a: Iterable[float], sym: bool = True,  # noqa: N803
                   dtype: DType | None = None, layout: object = None,
                   device: DeviceLike | None = None, requires_grad: bool = False) -> Tensor:
    """The generalised cosine window ``sum_i (-1)**i a[i] cos(2 pi i n / (M - 1))`` for n in
    0..M-1 (``M`` in the denominator when not ``sym``), as
    ``torch.signal.windows.general_cosine``."""
    dtype = _checks("general_cosine", M, dtype, layout)
    short = _short(M, dtype, device, requires_grad)
    if short is not None:
        return short
    if not isinstance(a, Iterable):
        raise TypeError("Coefficients must be a list/tuple")
    a = list(a)
    if not a:
        raise ValueError("Coefficients cannot be empty")
    step = 2 * math.pi / _span(M, sym)
    k = linspace(0, (M - 1) * step, M, dtype=dtype, device=device)
    coefficients = tensor([(-1) ** i * w for i, w in enumerate(a)], dtype=dtype, device=device)
    harmonics = tensor([float(i) for i in range(len(a))], dtype=dtype, device=device)
    window = (coefficients.unsqueeze(-1) * (harmonics.unsqueeze(-1) * k).cos()).sum(0)
    return _finish(window, requires_grad)


@op(namespace=_NAMESPACE)
def general_hamming(M: int, *, alpha: float = 0.54, sym: bool = True,  # noqa: N803
                    dtype: DType | None = None, layout: object = None,
                    device: DeviceLike | None = None, requires_grad: bool = False) -> Tensor:
    """The generalised Hamming window, ``alpha - (1 - alpha) cos(2 pi n / (M - 1))``, as
    ``torch.signal.windows.general_hamming``."""
    _checks("general_hamming", M, dtype, layout)
    return general_cosine(M, a=[alpha, 1.0 - alpha], sym=sym, dtype=dtype, device=device,
                          requires_grad=requires_grad)


@op(namespace=_NAMESPACE)
def hamming(M: int, *, sym: bool = True, dtype: DType | None = None,  # noqa: N803
            layout: object = None, device: DeviceLike | None = None,
            requires_grad: bool = False) -> Tensor:
    """The Hamming window, ``general_hamming`` with alpha 0.54, as
    ``torch.signal.windows.hamming``."""
    _checks("hamming", M, dtype, layout)
    return general_hamming(M, sym=sym, dtype=dtype, device=device, requires_grad=requires_grad)


@op(namespace=_NAMESPACE)
def hann(M: int, *, sym: bool = True, dtype: DType | None = None,  # noqa: N803
         layout: object = None, device: DeviceLike | None = None,
         requires_grad: bool = False) -> Tensor:
    """The Hann window, ``general_hamming`` with alpha 0.5 (zero at both ends), as
    ``torch.signal.windows.hann``."""
    _checks("hann", M, dtype, layout)
    return general_hamming(M, alpha=0.5, sym=sym, dtype=dtype, device=device,
                           requires_grad=requires_grad)


@op(namespace=_NAMESPACE)
def blackman(M: int, *, sym: bool = True, dtype: DType | None = None,  # noqa: N803
             layout: object = None, device: DeviceLike | None = None,
             requires_grad: bool = False) -> Tensor:
    """The Blackman window, the cosine sum with coefficients ``[0.42, 0.5, 0.08]``, as
    ``torch.signal.windows.blackman``."""
    _checks("blackman", M, dtype, layout)
    return general_cosine(M, a=[0.42, 0.5, 0.08], sym=sym, dtype=dtype, device=device,
                          requires_grad=requires_grad)


@op(namespace=_NAMESPACE)
def nuttall(M: int, *, sym: bool = True, dtype: DType | None = None,  # noqa: N803
            layout: object = None, device: DeviceLike | None = None,
            requires_grad: bool = False) -> Tensor:
    """Nuttall's minimum 4-term Blackman-Harris window, the cosine sum with coefficients
    ``[0.3635819, 0.4891775, 0.1365995, 0.0106411]``, as ``torch.signal.windows.nuttall``."""
    _checks("nuttall", M, dtype, layout)
    return general_cosine(M, a=[0.3635819, 0.4891775, 0.1365995, 0.0106411], sym=sym,
                          dtype=dtype, device=device, requires_grad=requires_grad)


@op(namespace=_NAMESPACE)
def bartlett(M: int, *, sym: bool = True, dtype: DType | None = None,  # noqa: N803
             layout: object = None, device: DeviceLike | None = None,
             requires_grad: bool = False) -> Tensor:
    """The Bartlett (triangular) window, ``1 - |2 n / (M - 1) - 1|``, as
    ``torch.signal.windows.bartlett``."""
    dtype = _checks("bartlett", M, dtype, layout)
    short = _short(M, dtype, device, requires_grad)
    if short is not None:
        return short
    step = 2 / _span(M, sym)
    k = linspace(-1, -1 + (M - 1) * step, M, dtype=dtype, device=device)
    return _finish(1 - k.abs(), requires_grad)


@op(namespace=_NAMESPACE)
def cosine(M: int, *, sym: bool = True, dtype: DType | None = None,  # noqa: N803
           layout: object = None, device: DeviceLike | None = None,
           requires_grad: bool = False) -> Tensor:
    """The cosine (sine) window, ``sin(pi (n + 0.5) / M)``, as
    ``torch.signal.windows.cosine``."""
    dtype = _checks("cosine", M, dtype, layout)
    if M == 0:
        return empty((0,), dtype=dtype, device=device, requires_grad=requires_grad)
    step = math.pi / (M + 1 if not sym and M > 1 else M)
    k = linspace(0.5 * step, (0.5 + (M - 1)) * step, M, dtype=dtype, device=device)
    return _finish(k.sin(), requires_grad)


@op(namespace=_NAMESPACE)
def gaussian(M: int, *, std: float = 1.0, sym: bool = True,  # noqa: N803
             dtype: DType | None = None, layout: object = None,
             device: DeviceLike | None = None, requires_grad: bool = False) -> Tensor:
    """The Gaussian window, ``exp(-((n - (M - 1) / 2) / std)**2 / 2)``, as
    ``torch.signal.windows.gaussian``."""
    dtype = _checks("gaussian", M, dtype, layout)
    if std <= 0:
        raise ValueError(f"Standard deviation must be positive, got: {std} instead.")
    if M == 0:
        return empty((0,), dtype=dtype, device=device, requires_grad=requires_grad)
    start = -(M if not sym and M > 1 else M - 1) / 2.0
    scale = 1 / (std * math.sqrt(2))
    k = linspace(start * scale, (start + (M - 1)) * scale, M, dtype=dtype, device=device)
    return _finish((-(k * k)).exp(), requires_grad)


@op(namespace=_NAMESPACE)
def exponential(M: int, *, center: float | None = None, tau: float = 1.0,  # noqa: N803
                sym: bool = True, dtype: DType | None = None, layout: object = None,
                device: DeviceLike | None = None, requires_grad: bool = False) -> Tensor:
    """The exponential (Poisson) window, ``exp(-|n - center| / tau)``, ``center`` the middle
    unless given (only for a periodic window), as ``torch.signal.windows.exponential``."""
    dtype = _checks("exponential", M, dtype, layout)
    if tau <= 0:
        raise ValueError(f"Tau must be positive, got: {tau} instead.")
    if sym and center is not None:
        raise ValueError("Center must be None for symmetric windows")
    if M == 0:
        return empty((0,), dtype=dtype, device=device, requires_grad=requires_grad)
    if center is None:
        center = (M if not sym and M > 1 else M - 1) / 2.0
    k = linspace(-center / tau, (-center + (M - 1)) / tau, M, dtype=dtype, device=device)
    return _finish((-k.abs()).exp(), requires_grad)


@op(namespace=_NAMESPACE)
def kaiser(M: int, *, beta: float = 12.0, sym: bool = True,  # noqa: N803
           dtype: DType | None = None, layout: object = None,
           device: DeviceLike | None = None, requires_grad: bool = False) -> Tensor:
    """The Kaiser window, ``i0(sqrt(beta**2 - k**2)) / i0(beta)`` for ``k`` evenly spaced from
    -beta to beta, as ``torch.signal.windows.kaiser`` (``beta`` 0 is a rectangle; larger ones
    taper more)."""
    dtype = _checks("kaiser", M, dtype, layout)
    if beta < 0:
        raise ValueError(f"beta must be non-negative, got: {beta} instead.")
    short = _short(M, dtype, device, requires_grad)
    if short is not None:
        return short
    beta_t = tensor(float(beta), dtype=dtype, device=device)  # as PyTorch: beta in the dtype
    b = beta_t.item()
    step = 2.0 * b / _span(M, sym)
    end = min(b, -b + (M - 1) * step)  # rounding must not take k past beta: sqrt(< 0)
    k = linspace(-b, end, M, dtype=dtype, device=device)
    return _finish(i0((beta_t * beta_t - k * k).sqrt()) / i0(beta_t), requires_grad)
