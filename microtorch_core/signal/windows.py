"""``microtorch_core.signal.windows``: window functions, as ``torch.signal.windows``.

Its functions are the ops declared with ``namespace="signal.windows"``, written in
``ops/composite/windows.py``: ``bartlett``, ``blackman``, ``cosine``, ``exponential``,
``gaussian``, ``general_cosine``, ``general_hamming``, ``hamming``, ``hann``, ``kaiser`` and
``nuttall``.

>>> import microtorch_core as mt
>>> mt.signal.windows.bartlett(5)
tensor([0.0000, 0.5000, 1.0000, 0.5000, 0.0000])
"""
from ..ops.declare import FUNCTIONS

# Every op declared with namespace="signal.windows" (ops/declare.py)
globals().update(FUNCTIONS["signal.windows"])
__all__ = sorted(FUNCTIONS["signal.windows"])
