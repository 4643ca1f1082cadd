"""Neural-network building blocks, as ``torch.nn``.

====================  ===================================================================
``module.py``         ``Module``: parameters, sub-modules, state dicts, train/eval, ``to``
``parameter.py``      ``Parameter``: a tensor a module trains
``linear.py``         ``Linear``, ``Identity``
``sparse.py``         ``Embedding``
``conv.py``           ``Conv1d``, ``Conv2d``
``pooling.py``        ``MaxPool1d``, ``MaxPool2d``, ``AvgPool1d``, ``AvgPool2d``,
                      ``AdaptiveAvgPool1d``, ``AdaptiveAvgPool2d``, ``AdaptiveMaxPool1d``,
                      ``AdaptiveMaxPool2d``
``batchnorm.py``      ``BatchNorm1d``, ``BatchNorm2d``
``normalization.py``  ``LayerNorm``, ``GroupNorm``
``rnn.py``            ``RNNCell``, ``LSTMCell``, ``GRUCell``, ``RNN``, ``LSTM``, ``GRU``
``activation.py``     ``ReLU``, ``GELU``, ``Sigmoid``, ``Tanh``, ``Softmax``, ``LogSoftmax``,
                      ``LeakyReLU``, ``ELU``, ``SiLU``, ``Mish``, ``Softplus``, ``Hardtanh``,
                      ``Softsign``
``dropout.py``        ``Dropout``
``flatten.py``        ``Flatten``, ``Unflatten``
``container.py``      ``Sequential``, ``ModuleList``, ``ModuleDict``, ``ParameterList``
``loss.py``           ``MSELoss``, ``L1Loss``, ``SmoothL1Loss``, ``HuberLoss``, ``NLLLoss``,
                      ``CrossEntropyLoss``, ``BCELoss``, ``BCEWithLogitsLoss``, ``KLDivLoss``
``functional.py``     the same as functions (``F.linear``, ``F.embedding``, ``F.silu``...),
                      with the rest written by concept and re-exported: ``functional_norm.py``
                      (``F.layer_norm``...), ``functional_loss.py`` (``F.cross_entropy``...),
                      ``functional_spatial.py`` (``F.conv2d``, ``F.max_pool2d``, ``F.pad``...)
                      and ``functional_adaptive.py`` (``F.adaptive_avg_pool2d``...)
``init.py``           weight initialisation (``kaiming_uniform_``, ``xavier_normal_``...)
``utils.py``          ``clip_grad_norm_``, ``clip_grad_value_``, ``parameters_to_vector``...
====================  ===================================================================
"""

from . import functional, init, utils
from .activation import (
    ELU,
    GELU,
    Hardtanh,
    LeakyReLU,
    LogSoftmax,
    Mish,
    ReLU,
    Sigmoid,
    SiLU,
    Softmax,
    Softplus,
    Softsign,
    Tanh,
)
from .batchnorm import BatchNorm1d, BatchNorm2d
from .container import ModuleDict, ModuleList, ParameterList, Sequential
from .conv import Conv1d, Conv2d
from .dropout import Dropout
from .flatten import Flatten, Unflatten
from .linear import Identity, Linear
from .loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
)
from .module import Module
from .normalization import GroupNorm, LayerNorm
from .parameter import Parameter
from .pooling import (
    AdaptiveAvgPool1d,
    AdaptiveAvgPool2d,
    AdaptiveMaxPool1d,
    AdaptiveMaxPool2d,
    AvgPool1d,
    AvgPool2d,
    MaxPool1d,
    MaxPool2d,
)
from .rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell, RNNCellBase
from .sparse import Embedding

__all__ = [
    "functional", "init", "utils", "Module", "Parameter",
    "Linear", "Identity", "Embedding", "Conv1d", "Conv2d",
    "MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d", "AdaptiveAvgPool1d",
    "AdaptiveAvgPool2d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d",
    "BatchNorm1d", "BatchNorm2d", "LayerNorm", "GroupNorm",
    "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell", "RNNBase", "RNN", "LSTM", "GRU",
    "ReLU", "GELU", "Sigmoid", "Tanh", "Softmax", "LogSoftmax", "LeakyReLU", "ELU", "SiLU",
    "Mish", "Softplus", "Hardtanh", "Softsign",
    "Dropout", "Flatten", "Unflatten", "Sequential", "ModuleList", "ModuleDict",
    "ParameterList",
    "MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "NLLLoss", "CrossEntropyLoss", "BCELoss",
    "BCEWithLogitsLoss", "KLDivLoss",
]
