"""``cuda.amp``: the older, CUDA-only spellings of ``microtorch_core.amp``, as
``torch.cuda.amp`` (deprecated there in favour of ``torch.amp``, with the same warning)."""

from __future__ import annotations

import warnings
from typing import Any

from .. import amp


class autocast(amp.autocast):  # noqa: N801 - PyTorch's spelling
    """``amp.autocast("cuda", ...)``."""

    def __init__(self, enabled: bool = True, dtype: Any = None,
                 cache_enabled: bool = True) -> None:
        warnings.warn("`cuda.amp.autocast(args...)` is deprecated (as in PyTorch). "
                      "Please use `amp.autocast('cuda', args...)` instead.", FutureWarning,
                      stacklevel=2)
        super().__init__("cuda", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)


class GradScaler(amp.GradScaler):
    """``amp.GradScaler("cuda", ...)``."""

    def __init__(self, init_scale: float = 2.0 ** 16, growth_factor: float = 2.0,
                 backoff_factor: float = 0.5, growth_interval: int = 2000,
                 enabled: bool = True) -> None:
        warnings.warn("`cuda.amp.GradScaler(args...)` is deprecated (as in PyTorch). "
                      "Please use `amp.GradScaler('cuda', args...)` instead.", FutureWarning,
                      stacklevel=2)
        super().__init__("cuda", init_scale, growth_factor, backoff_factor, growth_interval,
                         enabled)
