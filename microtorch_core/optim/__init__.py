"""Optimizers: ``SGD`` (and, with the training toolkit, ``Adam``/``AdamW``)."""

from .optimizer import Optimizer
from .sgd import SGD

__all__ = ["Optimizer", "SGD"]
