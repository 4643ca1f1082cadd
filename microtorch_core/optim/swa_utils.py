"""Weight averaging, as ``torch.optim.swa_utils``: Stochastic Weight Averaging (SWA) and
exponential moving averages (EMA) of a model's weights, ``update_bn`` and ``SWALR``.

SWA (Izmailov et al., 2018) averages the weights visited late in training, with a constant or
cyclic learning rate; the average lies in a flatter region of the loss and generalises better.
An EMA weighs recent weights more (``decay`` per update) and is the usual "shadow model" of
diffusion and vision training.

>>> swa_model = AveragedModel(model)                         # a copy that holds the average
>>> swa_sched = SWALR(opt, swa_lr=0.05)
>>> for epoch in range(100):
...     train_one_epoch(model, opt)
...     if epoch >= 75:
...         swa_model.update_parameters(model)               # running mean of the weights
...         swa_sched.step()
>>> update_bn(loader, swa_model)                             # BatchNorm stats for the average

An averaging function ``avg_fn(averaged, current, num_averaged) -> new average`` works on one
tensor; a ``multi_avg_fn(averaged_list, current_list, num_averaged)`` updates a list of
tensors in place (PyTorch runs it with ``_foreach`` kernels; here it is a loop).
"""

from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Callable, Iterable
from typing import Any

from .. import dtypes
from ..autograd.grad_mode import no_grad
from ..creation import tensor
from ..device import DeviceLike
from ..nn.batchnorm import _BatchNorm
from ..nn.module import Module
from ..tensor import Tensor
from .lr_scheduler.base import LRScheduler, _per_group
from .optimizer import Optimizer

__all__ = ["AveragedModel", "update_bn", "SWALR", "get_ema_multi_avg_fn",
           "get_swa_multi_avg_fn", "get_ema_avg_fn", "get_swa_avg_fn"]

AvgFn = Callable[[Tensor, Tensor, "Tensor | int"], Tensor]
MultiAvgFn = Callable[[list[Tensor], list[Tensor], "Tensor | int"], None]


def _check_decay(decay: float) -> None:
    if not 0.0 <= decay <= 1.0:
        raise ValueError(f"Invalid decay value {decay} provided. Please provide a value in "
                         "[0,1] range.")


def get_ema_avg_fn(decay: float = 0.999) -> AvgFn:
    """The EMA of one tensor: ``decay * averaged + (1 - decay) * current``.

    >>> ema_model = AveragedModel(model, avg_fn=get_ema_avg_fn(0.99))
    """
    _check_decay(decay)

    @no_grad()
    def ema_update(ema_param: Tensor, current_param: Tensor, num_averaged: Tensor | int
                   ) -> Tensor:
        return decay * ema_param + (1 - decay) * current_param

    return ema_update


def get_swa_avg_fn() -> AvgFn:
    """The running mean of one tensor: ``averaged + (current - averaged) / (n + 1)``, where
    ``n`` models are averaged already."""

    @no_grad()
    def swa_update(averaged_param: Tensor, current_param: Tensor, num_averaged: Tensor | int
                   ) -> Tensor:
        return averaged_param + (current_param - averaged_param) / (num_averaged + 1)

    return swa_update


def _lerp_(start: Tensor, end: Tensor, weight: float) -> None:
    """``start += weight * (end - start)`` in place, with the two forms ``torch.lerp`` picks
    between so that the result is exact at weight 0 and 1 (and rounds as PyTorch's)."""
    if abs(weight) < 0.5:
        start.add_((end - start) * weight)
    else:
        start.copy_(end - (end - start) * (1 - weight))


def get_ema_multi_avg_fn(decay: float = 0.999) -> MultiAvgFn:
    """The EMA of a list of tensors, in place: each ``averaged`` moves ``1 - decay`` of the way
    to ``current`` (integer tensors are rounded towards zero, as PyTorch's ``copy_``).

    >>> ema_model = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(0.999))
    """
    _check_decay(decay)

    @no_grad()
    def ema_update(ema_param_list: list[Tensor], current_param_list: list[Tensor],
                   num_averaged: Tensor | int) -> None:
        for p_ema, p_model in zip(ema_param_list, current_param_list):
            if p_ema.dtype.is_floating_point:
                _lerp_(p_ema, p_model, 1 - decay)
            else:
                p_ema.copy_(p_ema * decay + p_model * (1 - decay))

    return ema_update


def get_swa_multi_avg_fn() -> MultiAvgFn:
    """The running mean of a list of tensors, in place: each ``averaged`` moves
    ``1 / (n + 1)`` of the way to ``current``, where ``n`` models are averaged already.

    (PyTorch computes that weight from the int64 tensor ``n``, which makes it a float32
    number; here it is exact, so float64 averages differ from PyTorch's by about 1e-8.)"""

    @no_grad()
    def swa_update(averaged_param_list: list[Tensor], current_param_list: list[Tensor],
                   num_averaged: Tensor | int) -> None:
        n = int(num_averaged.item()) if isinstance(num_averaged, Tensor) else int(num_averaged)
        for p_avg, p_model in zip(averaged_param_list, current_param_list):
            if p_avg.dtype.is_floating_point:
                _lerp_(p_avg, p_model, 1 / (n + 1))
            else:  # integer buffers: PyTorch's foreach path divides, rounding towards zero
                p_avg.copy_(p_avg + (p_model - p_avg) / (n + 1))

    return swa_update


class AveragedModel(Module):
    """A copy of ``model`` (on ``device``, if given) that holds a running average of the
    weights passed to ``update_parameters``; calling it runs the copy.

    The first ``update_parameters(model)`` copies the weights; each later one averages with
    ``avg_fn`` (one tensor at a time) or ``multi_avg_fn`` (a list at once), by default the
    equal-weight SWA mean. ``n_averaged`` (a buffer, saved in ``state_dict``) counts the
    models averaged. With ``use_buffers`` the buffers (BatchNorm's running statistics) are
    averaged too; otherwise they are copied from ``model`` at every update.

    >>> ema = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(0.999), use_buffers=True)
    >>> ema.update_parameters(model)          # after each optimizer step
    """

    def __init__(self, model: Module, device: DeviceLike | None = None,
                 avg_fn: AvgFn | None = None, multi_avg_fn: MultiAvgFn | None = None,
                 use_buffers: bool = False) -> None:
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
        self.module = copy.deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer("n_averaged", tensor(0, dtype=dtypes.int64, device=device))
        self.avg_fn, self.multi_avg_fn, self.use_buffers = avg_fn, multi_avg_fn, use_buffers

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Run the averaged copy."""
        return self.module(*args, **kwargs)

    @no_grad()
    def update_parameters(self, model: Module) -> None:
        """Fold ``model``'s current weights (and buffers, with ``use_buffers``) into the
        average; ``model`` must have the same structure as the averaged copy."""
        if self.use_buffers:
            mine = list(itertools.chain(self.module.parameters(), self.module.buffers()))
            theirs = list(itertools.chain(model.parameters(), model.buffers()))
        else:
            mine, theirs = list(self.parameters()), list(model.parameters())
        if len(mine) != len(theirs):
            raise ValueError(f"update_parameters: the model has {len(theirs)} tensors to "
                             f"average, the averaged copy {len(mine)}: pass a model of the "
                             "same structure as the one AveragedModel was built from")
        averaged = [p.detach() for p in mine]
        current = [p.detach().to(a.device) for p, a in zip(theirs, averaged)]
        n = int(self.n_averaged.item())
        if n == 0:
            for a, c in zip(averaged, current):
                a.copy_(c)
        elif self.avg_fn is not None:
            for a, c in zip(averaged, current):
                a.copy_(self.avg_fn(a, c, self.n_averaged.to(a.device)))
        elif self.multi_avg_fn is not None:
            for group_avg, group_cur in _group_by_device_and_dtype(averaged, current):
                self.multi_avg_fn(group_avg, group_cur,
                                  self.n_averaged.to(group_avg[0].device))
        else:
            # PyTorch's CPU path: the per-tensor mean (its foreach kernels are GPU only).
            swa = get_swa_avg_fn()
            for a, c in zip(averaged, current):
                a.copy_(swa(a, c, self.n_averaged.to(a.device)))
        if not self.use_buffers:
            for b_avg, b_model in zip(self.module.buffers(), model.buffers()):
                b_avg.detach().copy_(b_model.detach().to(b_avg.device))
        self.n_averaged.add_(1)


def _group_by_device_and_dtype(averaged: list[Tensor], current: list[Tensor]
                               ) -> list[tuple[list[Tensor], list[Tensor]]]:
    """Pairs of lists, one per (device, dtype) of the averaged tensors, in first-seen order."""
    groups: dict[tuple[str, str], tuple[list[Tensor], list[Tensor]]] = {}
    for a, c in zip(averaged, current):
        group = groups.setdefault((str(a.device), a.dtype.name), ([], []))
        group[0].append(a)
        group[1].append(c)
    return list(groups.values())


@no_grad()
def update_bn(loader: Iterable[Any], model: Module, device: DeviceLike | None = None) -> None:
    """Recompute the running statistics of ``model``'s BatchNorm layers with one pass over
    ``loader`` (batches are tensors, or lists/tuples whose first item is the input).

    The statistics are reset and accumulated as a cumulative average (``momentum=None``), so
    every batch counts equally; momenta and training mode are restored afterwards. Needed after
    SWA: the averaged weights never ran forward, so their statistics are unknown.

    >>> update_bn(train_loader, swa_model)
    """
    momenta: dict[_BatchNorm, float | None] = {}
    for module in model.modules():
        if isinstance(module, _BatchNorm):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    for batch in loader:
        if isinstance(batch, (list, tuple)):
            batch = batch[0]
        if device is not None:
            batch = batch.to(device)
        model(batch)
    for module, momentum in momenta.items():
        module.momentum = momentum
    model.train(was_training)


class SWALR(LRScheduler):
    """Anneal each param group's rate from its current value to ``swa_lr`` over
    ``anneal_epochs`` epochs, along a cosine (``"cos"``) or a line (``"linear"``), then hold it.

    As in PyTorch the rule is recursive: step ``t`` of ``T`` recovers the rate the annealing
    started from out of the group's current one, then moves ``alpha(t/T)`` of the way to
    ``swa_lr``; so it continues from whatever rate the previous schedule left.

    >>> swa_sched = SWALR(opt, swa_lr=0.05, anneal_epochs=5, anneal_strategy="linear")
    """

    def __init__(self, optimizer: Optimizer, swa_lr: float | list[float],
                 anneal_epochs: int = 10, anneal_strategy: str = "cos",
                 last_epoch: int = -1) -> None:
        for lr, group in zip(_per_group("swa_lr", optimizer, swa_lr), optimizer.param_groups):
            group["swa_lr"] = lr
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError("anneal_strategy must be one of 'cos' or 'linear', instead got "
                             f"{anneal_strategy!r}")
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got "
                             f"{anneal_epochs!r}")
        self.anneal_strategy, self.anneal_epochs = anneal_strategy, anneal_epochs
        self._step_count = 0
        super().__init__(optimizer, last_epoch)

    def anneal_func(self, t: float) -> float:
        """The fraction of the way to ``swa_lr`` at progress ``t`` in [0, 1]."""
        if self.anneal_strategy == "cos":
            return (1 - math.cos(math.pi * t)) / 2
        return t

    @staticmethod
    def _get_initial_lr(lr: float, swa_lr: float, alpha: float) -> float:
        """The rate the annealing started from, given the rate ``lr`` at fraction ``alpha``."""
        if alpha == 1:
            return swa_lr
        return (lr - alpha * swa_lr) / (1 - alpha)

    def _initial_step(self) -> None:
        self._step_count = 0  # PyTorch counts steps, not epochs: a resumed schedule restarts
        super()._initial_step()

    def _update_lr(self, epoch: int | None = None) -> None:
        self._step_count += 1
        super()._update_lr(epoch)

    def get_lr(self) -> list[float]:
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        prev_alpha = self.anneal_func(max(0, min(1, (step - 1) / max(1, self.anneal_epochs))))
        alpha = self.anneal_func(max(0, min(1, step / max(1, self.anneal_epochs))))
        groups = self.optimizer.param_groups
        return [g["swa_lr"] * alpha
                + self._get_initial_lr(g["lr"], g["swa_lr"], prev_alpha) * (1 - alpha)
                for g in groups]
