"""Random numbers: the ``random_uniform`` and ``random_normal`` kernels.

Both fill a tensor from MicroTorch's counter-based Philox stream (``random.py``): element ``i``
of a draw at ``(seed, offset)`` depends on nothing but ``seed`` and ``offset + i``, so every
backend produces the same numbers. ``rand``, ``randn``, dropout and the samplers
(``sampling.py``, ``composite/inplace_random.py``) all draw through :func:`random_into`.
"""

from __future__ import annotations

from ...tensor import Tensor


def random_into(out: Tensor, kind: str, seed: int, offset: int) -> None:
    """Fill a contiguous floating ``out`` with ``kind`` ("uniform": U[0, 1), or "normal":
    N(0, 1)) numbers of the Philox stream at ``(seed, offset)`` (no autograd)."""
    if kind not in ("uniform", "normal"):
        raise ValueError(f"random_into: kind must be 'uniform' or 'normal', got {kind!r}")
    getattr(out._kernels, "random_" + kind)(out, seed, offset)
