"""``CheckpointError``: what every checkpoint reader raises for a file it will not load."""

from __future__ import annotations


class CheckpointError(RuntimeError):
    """The file is not a checkpoint MicroTorch reads, or it is truncated, corrupted or crafted,
    or it holds what MicroTorch lacks (a dtype, a device). The message names the file and what
    is wrong with it."""
