"""``OneCycleLR``: the 1cycle policy, a warm-up to a large rate and a long anneal, with the
momentum cycled the opposite way."""

from __future__ import annotations

import math
from typing import NamedTuple

from ..optimizer import Optimizer
from .base import LRScheduler, _per_group, _set_momentum, _uses_beta1


class _Phase(NamedTuple):
    """One leg of ``OneCycleLR``: it ends at ``end_step``, moving each group's lr and momentum
    between the values stored under these param-group keys."""
    end_step: float
    start_lr: str
    end_lr: str
    start_momentum: str
    end_momentum: str


class OneCycleLR(LRScheduler):
    """The 1cycle policy (Smith & Topin, 2018); call ``step()`` after every batch.

    The lr rises from ``initial_lr = max_lr / div_factor`` to ``max_lr`` over the first
    ``pct_start`` of ``total_steps`` (or ``epochs * steps_per_epoch``), then anneals to
    ``min_lr = initial_lr / final_div_factor`` along a cosine (or a line). With
    ``cycle_momentum``, the optimizer's ``momentum`` (or Adam's beta1) moves the opposite way,
    between ``max_momentum`` and ``base_momentum``. ``three_phase`` comes back down to
    ``initial_lr`` symmetrically before the final anneal. Stepping past ``total_steps`` raises.

    >>> sched = OneCycleLR(opt, max_lr=0.1, epochs=10, steps_per_epoch=len(loader))
    """

    def __init__(self, optimizer: Optimizer, max_lr: float | list[float],
                 total_steps: int | None = None, epochs: int | None = None,
                 steps_per_epoch: int | None = None, pct_start: float = 0.3,
                 anneal_strategy: str = "cos", cycle_momentum: bool = True,
                 base_momentum: float | list[float] = 0.85,
                 max_momentum: float | list[float] = 0.95, div_factor: float = 25.0,
                 final_div_factor: float = 1e4, three_phase: bool = False,
                 last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        if total_steps is not None:
            if not isinstance(total_steps, int) or total_steps <= 0:
                raise ValueError(f"Expected positive integer total_steps, but got {total_steps}")
        elif epochs is not None and steps_per_epoch is not None:
            for name, value in (("epochs", epochs), ("steps_per_epoch", steps_per_epoch)):
                if not isinstance(value, int) or value <= 0:
                    raise ValueError(f"Expected positive integer {name}, but got {value}")
            total_steps = epochs * steps_per_epoch
        else:
            raise ValueError("You must define either total_steps OR (epochs AND steps_per_epoch)")
        if not 0 <= pct_start <= 1:
            raise ValueError(f"Expected float between 0 and 1 pct_start, but got {pct_start}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError("anneal_strategy must be one of 'cos' or 'linear', instead got "
                             f"{anneal_strategy!r}")
        self.total_steps, self.anneal_strategy = total_steps, anneal_strategy
        up = float(pct_start * total_steps) - 1
        if three_phase:
            self._phases = [
                _Phase(up, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                _Phase(float(2 * pct_start * total_steps) - 2, "max_lr", "initial_lr",
                       "base_momentum", "max_momentum"),
                _Phase(total_steps - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum")]
        else:
            self._phases = [
                _Phase(up, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                _Phase(total_steps - 1, "max_lr", "min_lr", "base_momentum", "max_momentum")]
        ends = [0.0] + [phase.end_step for phase in self._phases]
        if any(a >= b for a, b in zip(ends, ends[1:])):
            # a phase of zero length would divide by zero in get_lr
            raise ValueError(f"pct_start={pct_start} and total_steps={total_steps} leave a phase "
                             f"without steps (phases end at steps {ends[1:]}); use more steps "
                             "or a pct_start further from 0 and 1")
        max_lrs = _per_group("max_lr", optimizer, max_lr)
        if last_epoch == -1:
            for group, top in zip(optimizer.param_groups, max_lrs):
                group["initial_lr"] = top / div_factor
                group["max_lr"] = top
                group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self.use_beta1 = _uses_beta1(optimizer)
            tops = _per_group("max_momentum", optimizer, max_momentum)
            bases = _per_group("base_momentum", optimizer, base_momentum)
            if last_epoch == -1:
                for group, top, base in zip(optimizer.param_groups, tops, bases):
                    _set_momentum(group, top, self.use_beta1)
                    group["max_momentum"], group["base_momentum"] = top, base
        super().__init__(optimizer, last_epoch)

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self) -> list[float]:
        """The lr of each group at ``last_epoch``; also sets the momentum when cycling it."""
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(f"Tried to step {step} times. The specified number of total steps "
                             f"is {self.total_steps}")
        start = 0.0
        for i, phase in enumerate(self._phases):
            if step <= phase.end_step or i == len(self._phases) - 1:
                pct = (step - start) / (phase.end_step - start)
                break
            start = phase.end_step
        lrs = []
        for group in self.optimizer.param_groups:
            lrs.append(self._anneal(group[phase.start_lr], group[phase.end_lr], pct))
            if self.cycle_momentum:
                _set_momentum(group, self._anneal(group[phase.start_momentum],
                                                  group[phase.end_momentum], pct),
                              self.use_beta1)
        return lrs
