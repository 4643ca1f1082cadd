"""Utilities: ``utils.data`` (datasets, samplers and the ``DataLoader``)."""

from . import checkpoint, data

__all__ = ["checkpoint", "data"]
