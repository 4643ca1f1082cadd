"""``DistributedDataParallel``: one model replica per process, gradients all-reduced, as
``torch.nn.parallel.DistributedDataParallel``. It needs a process group, and MicroTorch has
no distributed support (``microtorch_core.distributed.is_available()`` is False), so building
one raises; importing it works, as training scripts import it before deciding to use it."""

from __future__ import annotations

from typing import Any

from ..module import Module


class DistributedDataParallel(Module):
    """Raises ``RuntimeError`` when constructed: there is no process group to synchronise
    gradients over. Train the module directly in one process (or wrap it in
    ``DataParallel``)."""

    def __init__(self, module: Module, *args: Any, **kwargs: Any) -> None:
        raise RuntimeError(
            f"DistributedDataParallel({type(module).__name__}): MicroTorch has no distributed "
            "support (distributed.is_available() is False), so there is no process group to "
            "synchronise gradients over; train the module directly in one process")
