"""``distributed``: multi-process training, as ``torch.distributed``; not available here.

PyTorch trains one model over many processes (``init_process_group``, then collectives such
as ``all_reduce`` over NCCL or Gloo). MicroTorch has no communication backend, so, as in a
PyTorch build without distributed support, ``is_available()`` is False. Importing this module
always works (training scripts import it at the top and use it only under ``torchrun``); the
query functions answer, and every function that would need a process group raises a
``RuntimeError`` saying so when called.

>>> import microtorch_core.distributed as dist
>>> dist.is_available(), dist.is_initialized()
(False, False)
"""

from __future__ import annotations

import os
from typing import Any, NoReturn

__all__ = ["is_available", "is_initialized", "is_torchelastic_launched",
           "init_process_group", "destroy_process_group", "get_rank", "get_world_size",
           "barrier", "broadcast", "all_reduce", "reduce", "all_gather"]


def is_available() -> bool:
    """False: MicroTorch has no distributed communication backend."""
    return False


def is_initialized() -> bool:
    """False: no process group can exist without a communication backend."""
    return False


def is_torchelastic_launched() -> bool:
    """Whether this process was started by ``torchrun`` (its environment variable is set)."""
    return os.environ.get("TORCHELASTIC_RUN_ID") is not None


def _unavailable(name: str) -> NoReturn:
    raise RuntimeError(f"distributed.{name}: MicroTorch has no distributed support "
                       "(distributed.is_available() is False); train in one process, without "
                       "torchrun and without init_process_group")


def init_process_group(*args: Any, **kwargs: Any) -> None:
    """Join a process group: raises, since MicroTorch has no distributed support."""
    _unavailable("init_process_group")


def destroy_process_group(*args: Any, **kwargs: Any) -> None:
    """Leave the process group: raises, since none can have been created."""
    _unavailable("destroy_process_group")


def get_rank(*args: Any, **kwargs: Any) -> int:
    """This process's rank in the group: raises, since there is no process group."""
    _unavailable("get_rank")


def get_world_size(*args: Any, **kwargs: Any) -> int:
    """The number of processes in the group: raises, since there is no process group."""
    _unavailable("get_world_size")


def barrier(*args: Any, **kwargs: Any) -> None:
    """Wait for every process: raises, since there is no process group."""
    _unavailable("barrier")


def broadcast(*args: Any, **kwargs: Any) -> None:
    """Collective: raises, since there is no process group."""
    _unavailable("broadcast")


def all_reduce(*args: Any, **kwargs: Any) -> None:
    """Collective: raises, since there is no process group."""
    _unavailable("all_reduce")


def reduce(*args: Any, **kwargs: Any) -> None:
    """Collective: raises, since there is no process group."""
    _unavailable("reduce")


def all_gather(*args: Any, **kwargs: Any) -> None:
    """Collective: raises, since there is no process group."""
    _unavailable("all_gather")








def __getattr__(name: str) -> Any:
    # Anything else PyTorch's module has (ReduceOp, new_group, send...) gets a clear error.
    if name.startswith("__"):
        raise AttributeError(name)
    raise AttributeError(f"module 'microtorch_core.distributed' has no attribute {name!r}: "
                         "MicroTorch has no distributed support (is_available() is False)")
