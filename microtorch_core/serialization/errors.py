"""``CheckpointError``: what every checkpoint reader raises for a file it will not load, and
``WeightsOnlyError``: what a weights-only load raises for what it will not build."""

from __future__ import annotations

import pickle


class CheckpointError(RuntimeError):
    """The file is not a checkpoint MicroTorch reads, or it is truncated, corrupted or crafted,
    or it holds what MicroTorch lacks (a dtype, a device). The message names the file and what
    is wrong with it."""


class WeightsOnlyError(CheckpointError, pickle.UnpicklingError):
    """A weights-only load (``weights_only=True``, the default) met something it does not
    build: a whole module, or a class or function outside the allowlist. A
    ``pickle.UnpicklingError``, as PyTorch's ``torch.load`` raises, and a ``CheckpointError``."""
