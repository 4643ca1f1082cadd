"""``backends.cudnn``: cuDNN's switches, as ``torch.backends.cudnn``.

PyTorch runs convolutions and RNNs on NVIDIA GPUs through cuDNN, and training scripts tune it:
``cudnn.benchmark = True`` (try algorithms, keep the fastest), ``deterministic = True``,
``allow_tf32``, ``enabled``. MicroTorch does not use cuDNN (its convolutions are its own
kernels), so ``is_available()`` is False and the flags change nothing; they are kept with
PyTorch's defaults and checked to be bools, as PyTorch checks them.
"""

from __future__ import annotations

import sys
import types

enabled = True
benchmark = False
deterministic = False
allow_tf32 = True
benchmark_limit = 10  # PyTorch's: cuDNN algorithms tried per convolution when benchmarking

_BOOL_FLAGS = ("enabled", "benchmark", "deterministic", "allow_tf32")


def is_available() -> bool:
    """False: MicroTorch does not use cuDNN."""
    return False


def version() -> int | None:
    """cuDNN's version: None, as PyTorch's when cuDNN is not available."""
    return None


class _CudnnModule(types.ModuleType):
    # A module cannot check assignments to its attributes; this module's class is swapped
    # for this subclass (PyTorch's CudnnModule does the same) so that
    # ``cudnn.benchmark = "yes"`` fails as in PyTorch instead of being silently kept.
    def __setattr__(self, name: str, value: object) -> None:
        if name in _BOOL_FLAGS and not isinstance(value, bool):
            raise RuntimeError(f"backends.cudnn.{name} expects a bool, but got "
                               f"{type(value).__name__} ({value!r})")
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _CudnnModule
