"""Optimizers, as ``torch.optim``, and learning-rate schedules in ``optim.lr_scheduler``.

==================  ==========================================================================
``SGD``             momentum, dampening, Nesterov, weight decay
``ASGD``            SGD with a decaying step and an average of the iterates
``Adam``/``AdamW``  L2 or decoupled weight decay, amsgrad
``Adamax``          Adam with an infinity norm for the second moment
``NAdam``           Adam with Nesterov momentum; momentum_decay, decoupled weight decay
``RAdam``           Adam with a rectified (warmed-up) adaptive rate; decoupled weight decay
``RMSprop``         running mean of squared gradients; momentum, centered variant
``Adagrad``         sum of squared gradients; lr_decay, initial_accumulator_value
``Adadelta``        running means of squared gradients and of squared steps
``Rprop``           per-weight step sizes from gradient signs (full batch)
``LBFGS``           quasi-Newton on a closure; history_size, strong-Wolfe line search
``lr_scheduler``    ``StepLR``, ``MultiStepLR``, ``ExponentialLR``, ``CosineAnnealingLR``,
                    ``LambdaLR``, ``LinearLR``, ``ConstantLR``, ``PolynomialLR``,
                    ``OneCycleLR``, ``CyclicLR``, ``CosineAnnealingWarmRestarts``,
                    ``ReduceLROnPlateau``, ``SequentialLR``, ``ChainedScheduler``
``swa_utils``       ``AveragedModel`` (SWA, EMA), ``update_bn``, ``SWALR`` (loaded on first
                    use: it needs ``nn``)
==================  ==========================================================================

Every optimizer round-trips through ``state_dict()`` / ``load_state_dict()``, and all but
``LBFGS`` accept param groups and ``maximize``. Each writes only its update rule for one
parameter, ``_update``; the loop over parameters is ``Optimizer.step``. ``LBFGS``, which moves
all parameters as one vector and re-evaluates a closure, overrides ``step`` instead.
"""

from . import lr_scheduler
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .adamax import Adamax
from .asgd import ASGD
from .lbfgs import LBFGS
from .nadam import NAdam
from .optimizer import Optimizer
from .radam import RAdam
from .rmsprop import RMSprop
from .rprop import Rprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "ASGD", "Adam", "AdamW", "Adamax", "NAdam", "RAdam", "RMSprop",
           "Adagrad", "Adadelta", "Rprop", "LBFGS", "lr_scheduler", "swa_utils"]


def __getattr__(name: str):
    # swa_utils imports nn, which `import microtorch_core` leaves for first use
    if name == "swa_utils":
        import importlib

        return importlib.import_module(f"{__name__}.swa_utils")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
