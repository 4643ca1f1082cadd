"""``autocast``: run a region in mixed precision, as ``torch.autocast``.

MicroTorch has no float16/bfloat16 yet, so a region never actually autocasts. ``autocast``
follows PyTorch's decisions on whether the region *would* autocast: disabled by
``enabled=False``, disabled with PyTorch's warning on CUDA without a usable GPU or with a dtype
the device's autocast does not support; when PyTorch would autocast, it raises a
``RuntimeError`` instead of silently running in float32.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_AUTOCAST_DEVICE_TYPES = ("cpu", "cuda")
_DEFAULT_DTYPE_NAME = {"cpu": "bfloat16", "cuda": "float16"}  # PyTorch's defaults
_REDUCED_DTYPE_NAMES = ("float16", "bfloat16")  # what autocast casts to


def is_autocast_available(device_type: str) -> bool:
    """Whether ``autocast`` accepts ``device_type`` (``"cpu"`` and ``"cuda"``, as PyTorch
    without its other accelerators)."""
    return device_type in _AUTOCAST_DEVICE_TYPES


def is_autocast_enabled(device_type: str | None = None) -> bool:
    """Whether ops run under an enabled autocast: always False here, since an enabled
    autocast raises (MicroTorch has no float16/bfloat16 yet)."""
    if device_type is not None and not is_autocast_available(device_type):
        raise RuntimeError(f"unsupported autocast device_type {device_type!r}; autocast "
                           f"supports {', '.join(_AUTOCAST_DEVICE_TYPES)}")
    return False


def _dtype_name(dtype: Any) -> str:
    return getattr(dtype, "name", str(dtype))


class autocast:  # noqa: N801 - PyTorch's spelling
    """Mixed precision for a region: a context manager or a decorator.

    ``device_type`` is ``"cpu"`` or ``"cuda"``; ``dtype`` defaults to bfloat16 on the CPU and
    float16 on CUDA, as in PyTorch. ``enabled=False`` makes the region an ordinary one, which
    is how training scripts switch mixed precision off::

        with autocast(device_type="cuda", enabled=use_amp):
            loss = model(x)

    Raises ``RuntimeError`` where PyTorch would autocast, since MicroTorch has no float16 or
    bfloat16 dtype yet.
    """

    def __init__(self, device_type: str, dtype: Any = None, enabled: bool = True,
                 cache_enabled: bool | None = None) -> None:
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: "
                             f"`{type(device_type)}`")
        if not is_autocast_available(device_type):
            raise RuntimeError(f"User specified an unsupported autocast device_type "
                               f"'{device_type}' (autocast supports "
                               f"{', '.join(_AUTOCAST_DEVICE_TYPES)})")
        self.device = device_type
        self.fast_dtype = dtype
        self._cache_enabled = True if cache_enabled is None else cache_enabled
        dtype_name = _DEFAULT_DTYPE_NAME[device_type] if dtype is None else _dtype_name(dtype)
        if enabled:
            enabled = self._would_autocast(dtype_name)
        if enabled:
            raise RuntimeError(
                f"autocast(device_type={device_type!r}) would run ops in {dtype_name}, and "
                "MicroTorch has no float16 or bfloat16 dtype yet; pass enabled=False to run "
                "the region in float32")
        self._enabled = False

    def _would_autocast(self, dtype_name: str) -> bool:
        """PyTorch's checks before autocasting: it warns and turns autocast off on CUDA
        without a GPU, and for a dtype the CPU's autocast does not support."""
        if self.device == "cuda":
            from .. import cuda

            if not cuda.is_available():
                warnings.warn("CUDA is not available. Disabling autocast.", stacklevel=3)
                return False
            return True
        if dtype_name not in _REDUCED_DTYPE_NAMES:
            warnings.warn(f"In {self.device.upper()} autocast, but the target dtype is not "
                          f"supported. Disabling autocast.\n{self.device.upper()} Autocast "
                          "only supports dtypes of torch.bfloat16, torch.float16 currently.",
                          stacklevel=3)
            return False
        return True

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc: object) -> None:
        pass

    def __call__(self, fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self:
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]
