"""Schedules made of schedules: ``SequentialLR`` runs them one after another, switching at
milestone epochs; ``ChainedScheduler`` steps them all together, each scaling what the last
one left."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from typing import Any

from ..optimizer import Optimizer
from .base import LRScheduler, _group_lrs, set_lr
from .plateau import ReduceLROnPlateau


def _check_schedulers(owner: str, optimizer: Optimizer,
                      schedulers: Sequence[LRScheduler]) -> None:
    """Each of ``schedulers`` is an epoch-stepped schedule of ``optimizer``."""
    for i, scheduler in enumerate(schedulers):
        if not hasattr(scheduler, "optimizer"):
            raise TypeError(f"{owner} at index {i} should have `optimizer` as its attribute "
                            f"(got a {type(scheduler).__name__})")
        if isinstance(scheduler, ReduceLROnPlateau):
            raise ValueError(f"{owner} does not support `ReduceLROnPlateau` scheduler as it "
                             "requires additional kwargs to be specified when calling `step`, "
                             f"but got one at index {i} in the given schedulers sequence.")
        if scheduler.optimizer is not optimizer:
            raise ValueError(f"{owner} expects all schedulers to belong to the same optimizer, "
                             f"but got scheduler {type(scheduler).__name__} at index {i} "
                             f"with another {type(scheduler.optimizer).__name__}")


def _nested_state_dict(scheduler: LRScheduler) -> dict[str, Any]:
    """A composite's state: its own attributes, and its schedulers' state dicts in a list."""
    state = {k: v for k, v in scheduler.__dict__.items()
             if k not in ("optimizer", "_schedulers")}
    state["_schedulers"] = [s.state_dict() for s in scheduler._schedulers]
    return state


def _load_nested_state_dict(scheduler: LRScheduler, state_dict: dict[str, Any]) -> None:
    scheduler.__dict__.update({k: v for k, v in state_dict.items() if k != "_schedulers"})
    for s, saved in zip(scheduler._schedulers, state_dict["_schedulers"]):
        s.load_state_dict(saved)


class SequentialLR(LRScheduler):
    """Run ``schedulers[0]`` until epoch ``milestones[0]``, then ``schedulers[1]``, and so on;
    each one starts at its own epoch 0 from the groups' ``initial_lr``.

    Build the schedulers first, then this: it undoes the first step their constructors took,
    and the one that runs from epoch 0 takes it again. At a milestone the next schedule jumps
    to its epoch 0 with its closed form, from ``base_lrs``, whatever rate the previous left.

    >>> warmup = LinearLR(opt, start_factor=0.1, total_iters=5)
    >>> decay = CosineAnnealingLR(opt, T_max=95)
    >>> sched = SequentialLR(opt, schedulers=[warmup, decay], milestones=[5])
    """

    def __init__(self, optimizer: Optimizer, schedulers: Sequence[LRScheduler],
                 milestones: Sequence[int], last_epoch: int = -1) -> None:
        if len(schedulers) < 1:
            raise ValueError("SequentialLR expects at least one scheduler, but got no scheduler.")
        _check_schedulers("SequentialLR", optimizer, schedulers)
        if len(milestones) != len(schedulers) - 1:
            raise ValueError("Sequential Schedulers expects number of schedulers provided to be "
                             "one more than the number of milestone points, but got number of "
                             f"schedulers {len(schedulers)} and the number of milestones to be "
                             f"equal to {len(milestones)}")
        if list(milestones) != sorted(milestones):
            raise ValueError(f"milestones must be in increasing order, got {list(milestones)}")
        self._schedulers = list(schedulers)
        self._milestones = list(milestones)
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            set_lr(group, group["initial_lr"])
        for scheduler in self._schedulers:
            _undo_initial_step(scheduler)
        first = self._schedulers[bisect_right(self._milestones, 0)]
        first._initial_step()
        self._last_lr = first.get_last_lr()

    def step(self) -> None:
        """Advance one epoch: the current schedule steps, or the next one starts."""
        self.last_epoch += 1
        idx = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[idx]
        if idx > 0 and self._milestones[idx - 1] == self.last_epoch:
            scheduler._update_lr(0)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()

    def state_dict(self) -> dict[str, Any]:
        """Its own counters and each schedule's state dict (not the optimizer)."""
        return _nested_state_dict(self)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what ``state_dict`` returned, into this scheduler and its schedules."""
        _load_nested_state_dict(self, state_dict)


def _undo_initial_step(scheduler: LRScheduler) -> None:
    """Take back the epoch a constructor counted (in each schedule of a composite)."""
    if hasattr(scheduler, "_schedulers"):
        for s in scheduler._schedulers:
            _undo_initial_step(s)
    elif hasattr(scheduler, "last_epoch"):
        scheduler.last_epoch -= 1


class ChainedScheduler(LRScheduler):
    """Step every one of ``schedulers`` at each ``step()``, in order; recursive schedules
    (``StepLR``, ``ExponentialLR``, ``CosineAnnealingLR``, ``LinearLR``, ``ConstantLR``...)
    each scale the rate the previous one left, so their factors multiply.

    ``LambdaLR`` computes the rate from ``base_lr`` instead (as in PyTorch): chained, it
    overrides the schedules before it.

    >>> warmup = ConstantLR(opt, factor=0.1, total_iters=2)
    >>> decay = ExponentialLR(opt, gamma=0.9)
    >>> sched = ChainedScheduler([warmup, decay])  # 0.1, 0.09, 0.81, 0.729... x lr
    """

    def __init__(self, schedulers: Sequence[LRScheduler],
                 optimizer: Optimizer | None = None) -> None:
        if len(schedulers) < 1:
            raise ValueError("ChainedScheduler expects at least one scheduler to be chained, "
                             "but got no scheduler.")
        optimizer = optimizer if optimizer is not None else schedulers[0].optimizer
        _check_schedulers("ChainedScheduler", optimizer, schedulers)
        self._schedulers = list(schedulers)
        self.optimizer = optimizer
        self._last_lr = _group_lrs(optimizer)

    def step(self) -> None:
        """Step each schedule, in order."""
        for scheduler in self._schedulers:
            scheduler.step()
        self._last_lr = _group_lrs(self.optimizer)

    def state_dict(self) -> dict[str, Any]:
        """Its own attributes and each schedule's state dict (not the optimizer)."""
        return _nested_state_dict(self)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what ``state_dict`` returned, into this scheduler and its schedules."""
        _load_nested_state_dict(self, state_dict)
