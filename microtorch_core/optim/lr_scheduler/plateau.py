"""``ReduceLROnPlateau``: cut the rate when a watched metric stops improving."""

from __future__ import annotations

import math

from ..optimizer import Optimizer
from .base import LRScheduler, _group_lrs, _per_group, lr_value, set_lr


class ReduceLROnPlateau(LRScheduler):
    """lr = max(lr * factor, min_lr) once the watched metric has not improved for more than
    ``patience`` epochs in a row; then wait ``cooldown`` epochs before counting again.

    "Improved" means, with ``mode="min"``, below ``best * (1 - threshold)``
    (``threshold_mode="rel"``) or ``best - threshold`` (``"abs"``); ``mode="max"`` mirrors it.
    A reduction smaller than ``eps`` is skipped. Unlike the other schedules it takes the
    metric, and its constructor leaves the rates alone:

    >>> sched = ReduceLROnPlateau(opt, mode="min", patience=3)
    >>> for epoch in range(50):
    ...     train_one_epoch(); sched.step(validation_loss())
    """

    def __init__(self, optimizer: Optimizer, mode: str = "min", factor: float = 0.1,
                 patience: int = 10, threshold: float = 1e-4, threshold_mode: str = "rel",
                 cooldown: int = 0, min_lr: float | list[float] = 0, eps: float = 1e-8) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        if not 0 <= factor < 1.0:
            raise ValueError(f"Factor should be < 1.0 (and >= 0), got factor={factor}")
        if mode not in ("min", "max"):
            raise ValueError(f"mode {mode!r} is unknown! (expected 'min' or 'max')")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"threshold mode {threshold_mode!r} is unknown! (expected 'rel' "
                             "or 'abs')")
        for name, value in (("patience", patience), ("cooldown", cooldown)):
            if not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be a non-negative integer, got {value}")
        self.optimizer = optimizer
        self.mode, self.factor, self.patience = mode, factor, patience
        self.threshold, self.threshold_mode = threshold, threshold_mode
        self.cooldown, self.eps = cooldown, eps
        # a scalar min_lr also covers param groups added later; a list is fixed (as PyTorch)
        self.default_min_lr = None if isinstance(min_lr, (list, tuple)) else min_lr
        self.min_lrs = _per_group("min_lr", optimizer, min_lr)
        self.last_epoch = 0
        self._last_lr = _group_lrs(optimizer)
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.cooldown_counter = 0

    @property
    def in_cooldown(self) -> bool:
        """True while waiting after a reduction (bad epochs are not counted)."""
        return self.cooldown_counter > 0

    def _is_better(self, current: float, best: float) -> bool:
        rel = self.threshold_mode == "rel"
        if self.mode == "min":
            return current < (best * (1.0 - self.threshold) if rel else best - self.threshold)
        return current > (best * (1.0 + self.threshold) if rel else best + self.threshold)

    def step(self, metrics: float) -> None:  # type: ignore[override]
        """Record one epoch's ``metrics`` (a number or 1-element tensor); reduce the rates
        if it has stopped improving."""
        current = float(metrics)
        self.last_epoch += 1
        if self._is_better(current, self.best):
            self.best, self.num_bad_epochs = current, 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs during the cooldown don't count
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = _group_lrs(self.optimizer)

    def _reduce_lr(self) -> None:
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise RuntimeError(f"the optimizer has {len(groups)} param groups but min_lr "
                                   f"lists {len(self.min_lrs)} (was a group added?); set "
                                   "scheduler.min_lrs to one value per group")
            self.min_lrs = [self.default_min_lr] * len(groups)
        for group, min_lr in zip(groups, self.min_lrs):
            old = float(lr_value(group))
            new = max(old * self.factor, min_lr)
            if old - new > self.eps:
                set_lr(group, new)
