"""Neural-network building blocks, as ``torch.nn``.

==================  ====================================================================
``module.py``       ``Module``: parameters, sub-modules, state dicts, train/eval, ``to``
``parameter.py``    ``Parameter``: a tensor a module trains
``linear.py``       ``Linear``, ``Identity``
``conv.py``         ``Conv1d``, ``Conv2d``
``pooling.py``      ``MaxPool1d``, ``MaxPool2d``, ``AvgPool1d``, ``AvgPool2d``
``batchnorm.py``    ``BatchNorm1d``, ``BatchNorm2d``
``activation.py``   ``ReLU``, ``GELU``, ``Sigmoid``, ``Tanh``, ``Softmax``, ``LogSoftmax``
``dropout.py``      ``Dropout``
``flatten.py``      ``Flatten``
``container.py``    ``Sequential``, ``ModuleList``
``loss.py``         ``MSELoss``, ``CrossEntropyLoss``, ``NLLLoss``
``functional.py``   the same as functions (``F.linear``, ``F.cross_entropy``...), with the
                    spatial ones (``F.conv2d``, ``F.max_pool2d``, ``F.pad``...) written in
                    ``functional_spatial.py``
``init.py``         weight initialisation (``kaiming_uniform_``, ``xavier_normal_``...)
==================  ====================================================================
"""

from . import functional, init
from .activation import GELU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from .batchnorm import BatchNorm1d, BatchNorm2d
from .container import ModuleList, Sequential
from .conv import Conv1d, Conv2d
from .dropout import Dropout
from .flatten import Flatten
from .linear import Identity, Linear
from .loss import CrossEntropyLoss, MSELoss, NLLLoss
from .module import Module
from .parameter import Parameter
from .pooling import AvgPool1d, AvgPool2d, MaxPool1d, MaxPool2d

__all__ = ["functional", "init", "Module", "Parameter", "Linear", "Identity", "ReLU", "GELU",
           "Sigmoid", "Tanh", "Softmax", "LogSoftmax", "Dropout", "Flatten", "Sequential",
           "ModuleList", "MSELoss", "CrossEntropyLoss", "NLLLoss", "Conv1d", "Conv2d",
           "MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d", "BatchNorm1d", "BatchNorm2d"]
