"""``microtorch_core.signal``: signal processing, as ``torch.signal``. It holds
:mod:`~microtorch_core.signal.windows`, the window functions.

>>> import microtorch_core as mt
>>> mt.signal.windows.hann(3)
tensor([0., 1., 0.])
"""
from . import windows  # noqa: F401 (mt.signal.windows)

__all__ = ["windows"]
