"""``microtorch_core.fft``: the discrete Fourier transforms of ``torch.fft``.

Its functions are the ops declared with ``namespace="fft"``, written in
``ops/composite/fft.py`` over one primitive, the unscaled complex transform
(``ops/primitive/fft.py``: the backend's optional ``fft`` kernel, or real matmuls where there
is none):

* ``fft``, ``ifft``, ``fft2``, ``ifft2``, ``fftn``, ``ifftn``: complex to complex;
* ``rfft``, ``irfft``, ``rfft2``, ``irfft2``, ``rfftn``, ``irfftn``: real signals and their
  one-sided spectra;
* ``hfft``, ``ihfft``, ``hfft2``, ``ihfft2``, ``hfftn``, ``ihfftn``: Hermitian signals;
* ``fftfreq``, ``rfftfreq``, ``fftshift``, ``ifftshift``: frequencies and reordering.

The short-time transforms are top-level functions, as in PyTorch: ``stft`` and ``istft``
(``ops/composite/stft.py``).

>>> import microtorch_core as mt
>>> mt.fft.fft(mt.tensor([0.0, 1.0, 0.0, -1.0]))
tensor([0.+0.j, 0.-2.j, 0.+0.j, 0.+2.j])
"""
from .ops.declare import FUNCTIONS

# Every op declared with namespace="fft" (ops/declare.py)
globals().update(FUNCTIONS["fft"])
__all__ = sorted(FUNCTIONS["fft"])
