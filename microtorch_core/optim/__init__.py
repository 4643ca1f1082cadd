"""Optimizers, as ``torch.optim``, and learning-rate schedules in ``optim.lr_scheduler``.

==================  ==========================================================================
``SGD``             momentum, dampening, Nesterov, weight decay
``Adam``/``AdamW``  L2 or decoupled weight decay, amsgrad
``RMSprop``         running mean of squared gradients; momentum, centered variant
``Adagrad``         sum of squared gradients; lr_decay, initial_accumulator_value
``lr_scheduler``    ``StepLR``, ``MultiStepLR``, ``ExponentialLR``, ``CosineAnnealingLR``,
                    ``LambdaLR``, ``LinearLR``, ``OneCycleLR``, ``ReduceLROnPlateau``
==================  ==========================================================================

Every optimizer accepts ``maximize`` and param groups, and round-trips through
``state_dict()`` / ``load_state_dict()``.
"""

from . import lr_scheduler
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "lr_scheduler"]
