"""``backends.mps``: Apple's Metal (MPS) GPUs, as ``torch.backends.mps``. MicroTorch has no
Metal backend, so both answers are False and scripts fall back to another device."""

from __future__ import annotations


def is_available() -> bool:
    """False: no Metal (MPS) backend exists for MicroTorch."""
    return False


def is_built() -> bool:
    """False: no Metal (MPS) backend exists for MicroTorch."""
    return False
