"""Learning-rate schedules, as ``torch.optim.lr_scheduler``: call ``scheduler.step()`` once
per epoch (``OneCycleLR``, ``CyclicLR``: once per batch), after ``optimizer.step()``; it writes
the new rate into every param group's ``"lr"``. ``ReduceLROnPlateau`` instead takes the metric
it watches: ``scheduler.step(val_loss)``.

>>> sched = StepLR(opt, step_size=10, gamma=0.1)
>>> for epoch in range(30):
...     train_one_epoch(); sched.step()

Most schedules here, as in PyTorch, are recursive: ``get_lr`` derives the next rate from the
group's current ``"lr"`` (``ExponentialLR``: ``lr * gamma``), so the sequence is PyTorch's to
the last bit, and chained schedules compose. A jump to an epoch (``SequentialLR`` handing
over) uses each schedule's closed form, ``_get_closed_form_lr``.

=================  ============================================================================
``base``           ``LRScheduler``: epochs, ``initial_lr``, the step, state dicts
``decay``          ``StepLR``, ``MultiStepLR``, ``ExponentialLR``, ``CosineAnnealingLR``,
                   ``LambdaLR``, ``LinearLR``, ``ConstantLR``, ``PolynomialLR``
``one_cycle``      ``OneCycleLR``
``cyclic``         ``CyclicLR``, ``CosineAnnealingWarmRestarts``
``plateau``        ``ReduceLROnPlateau``
``compose``        ``SequentialLR``, ``ChainedScheduler``
=================  ============================================================================
"""

from .base import LRScheduler
from .compose import ChainedScheduler, SequentialLR
from .cyclic import CosineAnnealingWarmRestarts, CyclicLR
from .decay import (
    ConstantLR,
    CosineAnnealingLR,
    ExponentialLR,
    LambdaLR,
    LinearLR,
    MultiStepLR,
    PolynomialLR,
    StepLR,
)
from .one_cycle import OneCycleLR
from .plateau import ReduceLROnPlateau

__all__ = [
    "LRScheduler", "StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "LambdaLR",
    "LinearLR", "ConstantLR", "PolynomialLR", "OneCycleLR", "CyclicLR",
    "CosineAnnealingWarmRestarts", "ReduceLROnPlateau", "SequentialLR", "ChainedScheduler",
]
