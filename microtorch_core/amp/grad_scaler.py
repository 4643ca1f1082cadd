"""``GradScaler``: loss scaling for float16 training, as ``torch.amp.GradScaler``.

Scaling exists because small float16 gradients underflow to zero; MicroTorch's tensors are
float32/float64, which need none, and it has no float16 yet. A *disabled* scaler is what
PyTorch's is: ``scale`` returns its argument, ``step`` calls ``optimizer.step()``, the rest do
nothing, and ``state_dict()`` is empty. So scripts that build
``GradScaler(enabled=use_fp16)`` run unchanged. As in PyTorch, a scaler for CUDA on a machine
without a usable GPU warns and disables itself; any other enabled scaler raises.
"""

from __future__ import annotations

import warnings
from typing import Any


class GradScaler:
    """Scale the loss, unscale the gradients, skip steps with inf/NaN gradients.

    Only ``enabled=False`` is supported (see the module docstring); with it every method
    behaves as PyTorch's disabled scaler::

        scaler = GradScaler("cuda", enabled=use_fp16)
        scaler.scale(loss).backward()
        scaler.unscale_(optimizer)      # before clipping gradients
        scaler.step(optimizer)
        scaler.update()
    """

    def __init__(self, device: str = "cuda", init_scale: float = 2.0 ** 16,
                 growth_factor: float = 2.0, backoff_factor: float = 0.5,
                 growth_interval: int = 2000, enabled: bool = True) -> None:
        self._device = device
        self._init_scale = init_scale
        self._growth_factor = growth_factor
        self._backoff_factor = backoff_factor
        self._growth_interval = growth_interval
        if enabled and device == "cuda":
            from .. import cuda

            if not cuda.is_available():
                warnings.warn("GradScaler is enabled for 'cuda', but CUDA is not "
                              "available. Disabling.", stacklevel=2)
                enabled = False
        if enabled:
            raise RuntimeError(
                f"GradScaler(device={device!r}, enabled=True) scales float16 gradients, and "
                "MicroTorch has no float16 yet (its float32/float64 gradients need no "
                "scaling); pass enabled=False")
        self._enabled = False

    def is_enabled(self) -> bool:
        """Whether the scaler scales: always False here (see the class docstring)."""
        return self._enabled

    def scale(self, outputs: Any) -> Any:
        """The loss (or tensors) times the scale: unchanged when disabled."""
        return outputs

    def unscale_(self, optimizer: Any) -> None:
        """Divide the optimizer's gradients by the scale: nothing to do when disabled."""

    def step(self, optimizer: Any, *args: Any, **kwargs: Any) -> Any:
        """``optimizer.step(*args, **kwargs)`` (an enabled scaler would skip it when a
        gradient is inf or NaN)."""
        return optimizer.step(*args, **kwargs)

    def update(self, new_scale: Any = None) -> None:
        """Grow or back off the scale: nothing to do when disabled."""

    def get_scale(self) -> float:
        """The current scale: 1.0 when disabled."""
        return 1.0

    def get_growth_factor(self) -> float:
        return self._growth_factor

    def set_growth_factor(self, new_factor: float) -> None:
        self._growth_factor = new_factor

    def get_backoff_factor(self) -> float:
        return self._backoff_factor

    def set_backoff_factor(self, new_factor: float) -> None:
        self._backoff_factor = new_factor

    def get_growth_interval(self) -> int:
        return self._growth_interval

    def set_growth_interval(self, new_interval: int) -> None:
        self._growth_interval = new_interval

    def state_dict(self) -> dict[str, Any]:
        """The scaler's state for a checkpoint: empty when disabled, as in PyTorch."""
        return {}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore :meth:`state_dict`: a disabled scaler ignores it, as PyTorch's does."""
