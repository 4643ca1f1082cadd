"""``LRScheduler``, the base of every schedule: it counts epochs, records each param group's
``initial_lr``, writes ``get_lr()`` into the groups at every ``step()``, and saves its state."""

from __future__ import annotations

from typing import Any

from ...tensor import Tensor
from ..optimizer import Optimizer


class LRScheduler:
    """Base class: counts epochs in ``last_epoch`` and sets ``group["lr"] = get_lr()[i]``.

    Like PyTorch, the constructor records ``initial_lr`` in each param group (``base_lrs``)
    and takes a first step to epoch 0 (or to ``last_epoch + 1`` when resuming). During that
    step ``self._is_initial`` is True, so that a recursive schedule resumed from a checkpoint
    keeps the loaded rates instead of moving them one epoch ahead.

    A subclass writes ``get_lr``: the rates at ``last_epoch``, usually derived from the
    groups' current rates (a recursive rule). To jump to an epoch instead of stepping to the
    next one, as ``SequentialLR`` does when it hands over to the next schedule,
    ``_update_lr(epoch)`` calls ``_get_closed_form_lr``, the rates from ``base_lrs`` alone;
    a recursive schedule overrides it.
    """

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        for i, group in enumerate(optimizer.param_groups):
            if last_epoch == -1:
                group.setdefault("initial_lr", lr_value(group))
            elif "initial_lr" not in group:
                raise KeyError(f"param 'initial_lr' is not specified in param_groups[{i}] "
                               "when resuming an optimizer (last_epoch != -1)")
        self.base_lrs: list[float] = [g["initial_lr"] for g in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self) -> None:
        """The constructor's first step (``SequentialLR`` repeats it when it starts a schedule)."""
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self) -> list[float]:
        """The learning rate of each param group at epoch ``self.last_epoch``."""
        raise NotImplementedError(f"{type(self).__name__} does not implement get_lr")

    def _get_closed_form_lr(self) -> list[float]:
        """The rates at ``last_epoch`` computed from ``base_lrs`` alone; by default ``get_lr``,
        right for schedules whose ``get_lr`` is already a closed form."""
        return self.get_lr()

    def step(self) -> None:
        """Advance one epoch and update the optimizer's learning rates."""
        self._update_lr()

    def _update_lr(self, epoch: int | None = None) -> None:
        """Move to the next epoch, or jump to ``epoch``, and write the rates into the groups."""
        if epoch is None:
            self.last_epoch += 1
            self._last_lr = self.get_lr()
        else:
            self.last_epoch = epoch
            self._last_lr = self._get_closed_form_lr()
        for group, lr in zip(self.optimizer.param_groups, self._last_lr):
            set_lr(group, lr)

    def get_last_lr(self) -> list[float]:
        """The rates set by the last ``step()``."""
        return self._last_lr

    def state_dict(self) -> dict[str, Any]:
        """Everything but the optimizer (save that with its own state_dict)."""
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what ``state_dict`` returned."""
        self.__dict__.update(state_dict)


def _group_lrs(optimizer: Optimizer) -> list[float]:
    return [lr_value(group) for group in optimizer.param_groups]


def lr_value(group: dict[str, Any]) -> float:
    """A param group's learning rate as a Python number (``lr`` may be a 0-d tensor)."""
    lr = group["lr"]
    return lr.item() if isinstance(lr, Tensor) else lr


def set_lr(group: dict[str, Any], lr: float) -> None:
    """Write a param group's learning rate. A tensor ``lr`` is filled in place, as PyTorch's
    schedulers do: a graph captured with it (``microtorch_core.graphs``) reads the new
    rate at its next replay."""
    if isinstance(group["lr"], Tensor):
        group["lr"].fill_(float(lr))
    else:
        group["lr"] = lr


def _per_group(name: str, optimizer: Optimizer, value: Any) -> list[Any]:
    """``value`` for each param group: a list or tuple holds one per group, else one for all."""
    n = len(optimizer.param_groups)
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(f"{name} must have one value per param group: got {len(value)} "
                             f"values for {n} param groups")
        return list(value)
    return [value] * n


def _uses_beta1(optimizer: Optimizer) -> bool:
    """Whether a momentum-cycling schedule moves ``betas[0]`` (Adam and kin) rather than
    ``momentum`` (SGD, RMSprop); raises if the optimizer has neither."""
    if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
        raise ValueError(f"optimizer must support momentum or beta1 with `cycle_momentum` "
                         f"option enabled; {type(optimizer).__name__} has neither (pass "
                         "cycle_momentum=False)")
    return "betas" in optimizer.defaults


def _set_momentum(group: dict[str, Any], momentum: float, use_beta1: bool) -> None:
    if use_beta1:
        group["betas"] = (momentum, *group["betas"][1:])
    else:
        group["momentum"] = momentum
