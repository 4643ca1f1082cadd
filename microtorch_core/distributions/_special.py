"""``betaln``, the one special function the distributions use that core does not have (nor
does ``torch.special``): log B(a, b), for ``Beta`` and its KL divergence.

Everything else comes from core: ``lgamma`` and ``digamma`` (``ops/special/gamma.py``), ``ndtri``
(``ops/special/errorfunc.py``) and ``gammainc`` (``ops/special/igamma.py``); their tests are core's
(``tests/test_ops_special_*.py``).
"""

from __future__ import annotations

from ..ops.special.gamma import lgamma
from ..tensor import Tensor

__all__ = ["betaln"]


def betaln(a: Tensor, b: Tensor) -> Tensor:
    """log B(a, b) = lgamma(a) + lgamma(b) - lgamma(a + b)."""
    return lgamma(a) + lgamma(b) - lgamma(a + b)
