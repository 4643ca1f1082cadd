"""``microtorch_core.special``: special functions under ``torch.special``'s names.

Its functions are the ops declared with ``namespace="special"`` or a ``"special.<name>"``
alias. Most are top-level functions under another name (``gammaln`` is ``lgamma``, ``psi`` is
``digamma``, ``expit`` is ``sigmoid``, ``multigammaln`` is ``mvlgamma``); a few live only here,
as in PyTorch (``erfcx``, ``ndtr``, ``ndtri``, ``log_ndtr``, ``i0e``, ``i1``, ``i1e``, ``entr``,
``xlog1py``, ``zeta``, ``gammainc``, ``gammaincc``). The algorithms are described in the
modules of ``ops/special/``.

>>> import microtorch_core as mt
>>> mt.special.ndtr(mt.tensor([0.0, 1.0]))
tensor([0.5000, 0.8413])
"""
from .ops.declare import FUNCTIONS

# Every op declared with namespace="special" or a "special.<name>" alias (ops/declare.py)
globals().update(FUNCTIONS["special"])
__all__ = sorted(FUNCTIONS["special"])
