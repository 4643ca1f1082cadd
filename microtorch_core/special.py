"""``microtorch_core.special``: special functions under ``torch.special``'s names.

Most are the top-level functions under another name (``gammaln`` is ``lgamma``, ``psi`` is
``digamma``, ``expit`` is ``sigmoid``, ``multigammaln`` is ``mvlgamma``); a few live only here,
as in PyTorch (``erfcx``, ``ndtr``, ``ndtri``, ``log_ndtr``, ``i0e``, ``i1``, ``i1e``, ``entr``,
``xlog1py``, ``zeta``, ``gammainc``, ``gammaincc``). The algorithms are described in
``ops/trig.py``, ``ops/gamma.py``, ``ops/igamma.py``, ``ops/errorfunc.py``, ``ops/bessel.py`` and
``ops/special.py``.

>>> import microtorch_core as mt
>>> mt.special.ndtr(mt.tensor([0.0, 1.0]))
tensor([0.5000, 0.8413])
"""

from .ops.bessel import i0, i0e, i1, i1e
from .ops.composite import expm1, log1p, log_softmax, softmax
from .ops.elementwise import erf
from .ops.elementwise import sigmoid as expit
from .ops.errorfunc import erfc, erfcx, erfinv, log_ndtr, ndtr, ndtri
from .ops.gamma import digamma, polygamma, zeta
from .ops.gamma import digamma as psi
from .ops.gamma import lgamma as gammaln
from .ops.gamma import mvlgamma as multigammaln
from .ops.igamma import gammainc, gammaincc
from .ops.pointwise import exp2, logit, round, xlogy
from .ops.reduction import logsumexp
from .ops.special import entr, sinc, xlog1py

__all__ = ["digamma", "entr", "erf", "erfc", "erfcx", "erfinv", "exp2", "expit", "expm1",
           "gammainc", "gammaincc", "gammaln", "i0", "i0e", "i1", "i1e", "log1p", "log_ndtr",
           "log_softmax", "logit", "logsumexp", "multigammaln", "ndtr", "ndtri", "polygamma",
           "psi", "round", "sinc", "softmax", "xlog1py", "xlogy", "zeta"]
