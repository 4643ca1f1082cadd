"""Neural-network building blocks, as ``torch.nn``.

==================  ====================================================================
``module.py``       ``Module``: parameters, sub-modules, state dicts, train/eval, ``to``
``parameter.py``    ``Parameter``: a tensor a module trains
``linear.py``       ``Linear``, ``Identity``
``activation.py``   ``ReLU``, ``GELU``, ``Sigmoid``, ``Tanh``, ``Softmax``, ``LogSoftmax``
``dropout.py``      ``Dropout``
``flatten.py``      ``Flatten``
``container.py``    ``Sequential``, ``ModuleList``
``loss.py``         ``MSELoss``, ``CrossEntropyLoss``, ``NLLLoss``
``functional.py``   the same as functions (``F.linear``, ``F.cross_entropy``...)
``init.py``         weight initialisation (``kaiming_uniform_``, ``xavier_normal_``...)
==================  ====================================================================
"""

from . import functional, init
from .activation import GELU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from .container import ModuleList, Sequential
from .dropout import Dropout
from .flatten import Flatten
from .linear import Identity, Linear
from .loss import CrossEntropyLoss, MSELoss, NLLLoss
from .module import Module
from .parameter import Parameter

__all__ = ["functional", "init", "Module", "Parameter", "Linear", "Identity", "ReLU", "GELU",
           "Sigmoid", "Tanh", "Softmax", "LogSoftmax", "Dropout", "Flatten", "Sequential",
           "ModuleList", "MSELoss", "CrossEntropyLoss", "NLLLoss"]
