"""The short-time Fourier transform, ``stft``, and its inverse, ``istft``, as PyTorch's:
composites over ``fft``/``rfft``/``irfft`` (``composite/fft.py``), ``unfold`` and
``nn.functional.fold``, so their gradients come from those parts.

``stft`` cuts the signal into frames of ``n_fft`` samples every ``hop_length`` (after padding
``n_fft // 2`` on each side with ``pad_mode`` when ``center``), multiplies each by the window
(zero-padded to ``n_fft``, centred) and transforms it: out[..., freq, frame]. ``istft``
inverts it by overlap-add: each frame's inverse transform times the window, summed into place,
divided by the summed squared window (the envelope). Where the envelope is (nearly) zero the
signal cannot be recovered: PyTorch's NOLA check raises there.

>>> import microtorch_core as mt
>>> x = mt.arange(16.0)
>>> spec = mt.stft(x, 4, window=mt.signal.windows.hann(4, sym=False), return_complex=True)
>>> spec.shape
(3, 17)
>>> mt.istft(spec, 4, window=mt.signal.windows.hann(4, sym=False)).allclose(x, atol=1e-5)
True
"""

from __future__ import annotations

import warnings
from typing import Any

from ... import dtypes
from ...creation import ones, zeros
from ...tensor import Tensor
from ..declare import op
from ..primitive.views import unfold, view_as_complex, view_as_real
from .complex_parts import complex_, imag, real
from .fft import fft, ifft, irfft, rfft
from .indexing import cat, narrow


def _functional() -> Any:
    from ...nn import functional

    return functional


def _centered(window: Tensor, n_fft: int) -> Tensor:
    """``window`` zero-padded on both sides to ``n_fft`` samples (left gets the smaller half)."""
    left = (n_fft - window.shape[0]) // 2
    right = n_fft - window.shape[0] - left
    if not left and not right:
        return window
    pieces = [zeros(left, dtype=window.dtype, device=window.device), window,
              zeros(right, dtype=window.dtype, device=window.device)]
    return _cat_last(pieces)


def _cat_last(pieces: list[Tensor]) -> Tensor:
    """Join along the last dim, complex tensors through their pairs."""
    if pieces[0].dtype.is_complex:
        return view_as_complex(cat([view_as_real(p) for p in pieces], -2))
    return cat(pieces, -1)


def _times_window(frames: Tensor, window: Tensor) -> Tensor:
    """``frames * window`` along the last dim (a complex side through its pairs)."""
    if frames.dtype.is_complex and window.dtype.is_complex:
        return frames * window
    if frames.dtype.is_complex:
        return view_as_complex(view_as_real(frames) * window.unsqueeze(-1))
    if window.dtype.is_complex:
        return view_as_complex(frames.unsqueeze(-1) * view_as_real(window))
    return frames * window


def _check_window(name: str, window: Tensor | None, win_length: int, message: str) -> None:
    if window is not None and (window.dim() != 1 or window.shape[0] != win_length):
        raise RuntimeError(f"{name}: {message}".format(shape=list(window.shape)))


@op(variants="function, method")
def stft(input: Tensor, n_fft: int, hop_length: int | None = None,  # noqa: A002
         win_length: int | None = None, window: Tensor | None = None, center: bool = True,
         pad_mode: str = "reflect", normalized: bool = False, onesided: bool | None = None,
         return_complex: bool | None = None, align_to_window: bool | None = None) -> Tensor:
    """The short-time Fourier transform of a 1-D signal or a batch (B, L), as
    ``torch.stft``: (..., n_fft // 2 + 1 or n_fft, frames), complex. ``return_complex`` must
    be given for a real signal; ``False`` (deprecated) gives the (re, im) pairs."""
    if not isinstance(input, Tensor):
        raise TypeError(f"stft(): argument 'input' must be Tensor, not {type(input).__name__}")
    if center and align_to_window is not None:
        raise RuntimeError("stft align_to_window should only be set when center = false")
    if return_complex is None:
        complex_in = input.dtype.is_complex or window is not None and window.dtype.is_complex
        if not complex_in:
            raise RuntimeError(
                "stft requires the return_complex parameter be given for real inputs, and will "
                "further require that return_complex=True in a future PyTorch release.")
        return_complex = True
    if center:
        signal_dim = input.dim()
        if signal_dim not in (1, 2):
            raise RuntimeError("stft: expected a 1D or 2D tensor")
        pad = n_fft // 2
        extended = input.reshape((1,) * (3 - signal_dim) + input.shape)
        if pad_mode not in ("constant", "reflect", "replicate", "circular"):
            raise NotImplementedError(f"Unrecognised padding mode {pad_mode}")
        if input.dtype.is_complex:  # pad the real and imaginary parts alike
            parts = [_functional().pad(p(extended), [pad, pad], pad_mode) for p in (real, imag)]
            input = complex_(*parts)
        else:
            input = _functional().pad(extended, [pad, pad], pad_mode)
        input = input.reshape(input.shape[-signal_dim:])
    if input.dim() not in (1, 2):
        raise RuntimeError("stft: expected a 1D or 2D tensor")
    if not (input.dtype.is_floating_point or input.dtype.is_complex):
        raise RuntimeError("stft: expected a tensor of floating point or complex values")
    length = input.shape[-1]
    hop_length = n_fft // 4 if hop_length is None else hop_length
    win_length = n_fft if win_length is None else win_length
    if not 0 < n_fft <= length:
        raise RuntimeError(f"stft: expected 0 < n_fft < {length}, but got n_fft={n_fft}")
    if hop_length <= 0:
        raise RuntimeError(f"stft: expected hop_length > 0, but got hop_length={hop_length}")
    if not 0 < win_length <= n_fft:
        raise RuntimeError(f"stft: expected 0 < win_length <= n_fft, but got "
                           f"win_length={win_length}")
    _check_window("stft", window, win_length, "expected a 1D window tensor of size equal to "
                  f"win_length={win_length}, but got window with size {{shape}}")
    complex_in = input.dtype.is_complex or window is not None and window.dtype.is_complex
    if onesided is None:
        onesided = not complex_in
    elif onesided and complex_in:
        raise RuntimeError("Cannot have onesided output if window or input is complex")
    if window is None:
        warnings.warn("A window was not provided. A rectangular window will be applied,which "
                      "is known to cause spectral leakage. Other windows such as hann_window or "
                      "hamming_window are recommended to reduce spectral leakage.To suppress "
                      "this warning and use a rectangular window, explicitly set "
                      "`window=ones(n_fft, device=<device>)`.", UserWarning, stacklevel=2)
        window = ones(win_length, dtype=dtypes.to_real(input.dtype), device=input.device)
    input, window = _promoted(input, window)
    # align_to_window: frames of win_length samples (the window over the signal's own
    # samples), each centred in n_fft; otherwise frames of n_fft samples, the window centred
    aligned = bool(align_to_window) and win_length < n_fft
    frames = unfold(input, -1, win_length if aligned else n_fft, hop_length)
    if aligned:
        frames = _times_window(frames, window)
        left = (n_fft - win_length) // 2
        frames = _cat_last([_zeros_like_frames(frames, left), frames,
                            _zeros_like_frames(frames, n_fft - win_length - left)])
    else:
        frames = _times_window(frames, _centered(window, n_fft))
    norm = "ortho" if normalized else "backward"
    spec = rfft(frames, n_fft, -1, norm) if onesided else fft(frames, n_fft, -1, norm)
    spec = spec.transpose(-1, -2)
    if return_complex:
        return spec
    warnings.warn("stft with return_complex=False is deprecated. In a future pytorch release, "
                  "stft will return complex tensors for all inputs, and return_complex=False "
                  "will raise an error.", UserWarning, stacklevel=2)
    return view_as_real(spec)


def _promoted(x: Tensor, window: Tensor) -> tuple[Tensor, Tensor]:
    """``x`` and ``window`` in their common dtype (a float64 window makes float32 frames
    complex128, as in PyTorch)."""
    common = dtypes.promote_types(x.dtype, window.dtype)
    real_common = dtypes.to_real(common) if common.is_complex else common
    if x.dtype.is_complex:
        x = x.to(dtypes.to_complex(real_common))
    else:
        x = x.to(real_common)
    if window.dtype.is_complex:
        window = window.to(dtypes.to_complex(real_common))
    else:
        window = window.to(real_common)
    return x, window


def _zeros_like_frames(frames: Tensor, count: int) -> Tensor:
    """Zeros shaped like ``frames`` with ``count`` in the last dim (complex through pairs)."""
    if frames.dtype.is_complex:
        pairs = zeros(*frames.shape[:-1], count, 2, dtype=dtypes.to_real(frames.dtype),
                      device=frames.device)
        return view_as_complex(pairs)
    return zeros(*frames.shape[:-1], count, dtype=frames.dtype, device=frames.device)


def _overlap_add(frames: Tensor, hop: int) -> Tensor:
    """Frames (B, n_frames, n) summed into (B, n + hop (n_frames - 1)) at hop steps."""
    batch, count, n = frames.shape
    total = n + hop * (count - 1)
    if frames.dtype.is_complex:
        return complex_(_overlap_add(real(frames).contiguous(), hop),
                        _overlap_add(imag(frames).contiguous(), hop))
    cols = frames.transpose(1, 2)  # (B, n, n_frames): fold's columns
    out = _functional().fold(cols, (1, total), (1, n), stride=(1, hop))
    return out.reshape(batch, total)


@op(variants="function, method")
def istft(input: Tensor, n_fft: int, hop_length: int | None = None,  # noqa: A002
          win_length: int | None = None, window: Tensor | None = None, center: bool = True,
          normalized: bool = False, onesided: bool | None = None, length: int | None = None,
          return_complex: bool = False) -> Tensor:
    """The inverse of ``stft`` by overlap-add with the window's envelope, as
    ``torch.istft``: a complex (..., freq, frames) spectrum back to a signal, real unless
    ``return_complex``. Raises where the summed squared window is zero (no NOLA)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"istft(): argument 'input' must be Tensor, not {type(input).__name__}")
    if not input.dtype.is_complex:
        raise RuntimeError("istft requires a complex-valued input tensor matching the output "
                           "from stft with return_complex=True.")
    hop_length = n_fft // 4 if hop_length is None else hop_length
    win_length = n_fft if win_length is None else win_length
    if input.dim() not in (2, 3):
        raise RuntimeError(f"istft: expected a tensor with 3 or 4 dimensions, but got "
                           f"{input.dim() + 1}")
    batched = input.dim() == 3
    spec = input if batched else input.unsqueeze(0)
    fft_size, n_frames = spec.shape[1], spec.shape[2]
    if onesided is None:
        onesided = fft_size != n_fft
    if onesided and fft_size != n_fft // 2 + 1:
        raise RuntimeError(f"istft: expected the frequency dimension (3rd to the last) of the "
                           f"input tensor to match n_fft / 2 + 1 when onesided=True, but got "
                           f"{fft_size}")
    if not onesided and fft_size != n_fft:
        raise RuntimeError(f"istft: expected the frequency dimension (3rd to the last) of the "
                           f"input tensor to match n_fft when onesided=False, but got "
                           f"{fft_size}")
    if not 0 < hop_length <= win_length:
        raise RuntimeError("istft: expected 0 < hop_length <= win_length")
    if not 0 < win_length <= n_fft:
        raise RuntimeError("istft: expected 0 < win_length <= n_fft")
    _check_window("istft", window, win_length, "Invalid window shape. window has to be 1D "
                  "and length of `win_length`")
    if window is None:
        window = ones(win_length, dtype=dtypes.to_real(input.dtype), device=input.device)
    window = _centered(window, n_fft)
    frames = spec.transpose(1, 2)  # (B, n_frames, fft_size)
    norm = "ortho" if normalized else "backward"
    if return_complex:
        if onesided:
            raise RuntimeError("Cannot have onesided output if window or input is complex")
        frames = ifft(frames, n_fft, -1, norm)
    else:
        if window.dtype.is_complex:
            raise RuntimeError("Complex windows are incompatible with return_complex=False")
        if not onesided:
            frames = narrow(frames, -1, 0, n_fft // 2 + 1)
        frames = irfft(frames, n_fft, -1, norm)
    signal = _overlap_add(_times_window(frames, window), hop_length)
    squared = _square(window)  # PyTorch's envelope: window ** 2, complex for a complex window
    envelope = _overlap_add(squared.expand(1, n_frames, n_fft).contiguous(), hop_length)
    total = signal.shape[-1]
    start = n_fft // 2 if center else 0
    if length is not None:
        end = start + length
    else:
        end = total - n_fft // 2 if center else total
    stop = min(end, total)
    signal, envelope = narrow(signal, -1, start, stop - start), \
        narrow(envelope, -1, start, stop - start)
    if bool((envelope.abs() < 1e-11).any()):
        raise RuntimeError("istft: window overlap add min: 1")
    signal = _divide(signal, envelope)
    if end > total:
        warnings.warn("The length of signal is shorter than the length parameter. Result is "
                      "being padded with zeros in the tail. Please check your center and "
                      "hop_length settings.", UserWarning, stacklevel=2)
        signal = _cat_last([signal, _zeros_like_frames(signal, end - total)])
    return signal if batched else signal.squeeze(0)


def _square(window: Tensor) -> Tensor:
    """``window * window``; a complex one through its parts, (a + ib)^2 = a^2 - b^2 + 2abi."""
    if not window.dtype.is_complex:
        return window * window
    re, im = real(window), imag(window)
    return complex_(re * re - im * im, 2 * re * im)


def _divide(signal: Tensor, envelope: Tensor) -> Tensor:
    """``signal / envelope``: a real envelope divides a complex signal through its pairs; a
    complex envelope (a complex window's) takes the complex ``div`` kernel."""
    if envelope.dtype.is_complex:
        return signal / envelope
    if signal.dtype.is_complex:
        return view_as_complex(view_as_real(signal) / envelope.unsqueeze(-1))
    return signal / envelope

