"""Neural-network building blocks, as ``torch.nn``.

====================  ===================================================================
``module.py``         ``Module``: parameters, sub-modules, hooks, train/eval, ``to``
``module_state.py``   ``Module.state_dict``/``load_state_dict``, their hooks, extra state
``module_paths.py``   ``Module.get_submodule``/``set_submodule``/``get_parameter``/``get_buffer``
``hooks.py``          forward and backward hooks: ``RemovableHandle``, ``call_with_hooks``
``parameter.py``      ``Parameter``: a tensor a module trains
``linear.py``         ``Linear``, ``Bilinear``, ``Identity``
``sparse.py``         ``Embedding``, ``EmbeddingBag``
``conv.py``           ``Conv1d``/``2d``/``3d``, ``ConvTranspose1d``/``2d``/``3d``
``pooling.py``        ``MaxPool1d``/``2d``/``3d``, ``AvgPool1d``/``2d``/``3d``,
                      ``AdaptiveAvgPool1d``/``2d``/``3d``, ``AdaptiveMaxPool1d``/``2d``/``3d``,
                      ``MaxUnpool1d``/``2d``/``3d``, ``FractionalMaxPool2d``/``3d``
``upsampling.py``     ``Upsample``, ``UpsamplingNearest2d``, ``UpsamplingBilinear2d``,
                      ``PixelShuffle``, ``PixelUnshuffle``, ``ChannelShuffle``
``batchnorm.py``      ``BatchNorm1d``, ``BatchNorm2d``, ``BatchNorm3d``
``normalization.py``  ``LayerNorm``, ``GroupNorm``, ``InstanceNorm1d``/``2d``/``3d``,
                      ``RMSNorm``, ``LocalResponseNorm``
``rnn.py``            ``RNNCell``, ``LSTMCell``, ``GRUCell``, ``RNN``, ``LSTM``, ``GRU``
``rnn_packed.py``     the layers of ``rnn.py`` over a ``PackedSequence``
``attention.py``      ``MultiheadAttention``
``transformer.py``    ``TransformerEncoderLayer``, ``TransformerEncoder``,
                      ``TransformerDecoderLayer``, ``TransformerDecoder``, ``Transformer``
``activation.py``     ``ReLU``, ``ReLU6``, ``GELU``, ``Sigmoid``, ``Tanh``, ``Softmax``,
                      ``LogSoftmax``, ``Softmin``, ``Softmax2d``, ``LeakyReLU``, ``RReLU``,
                      ``PReLU``,
                      ``ELU``, ``SELU``, ``CELU``, ``SiLU``, ``Mish``, ``Softplus``,
                      ``Hardtanh``, ``Hardswish``, ``Hardsigmoid``, ``LogSigmoid``,
                      ``Softsign``, ``GLU``, ``Threshold``, ``Tanhshrink``, ``Hardshrink``,
                      ``Softshrink``
``dropout.py``        ``Dropout``, ``Dropout1d``, ``Dropout2d``, ``Dropout3d``,
                      ``AlphaDropout``, ``FeatureAlphaDropout``
``padding.py``        ``ZeroPad1d``/``2d``/``3d``, ``ConstantPad1d``/``2d``/``3d``,
                      ``ReflectionPad1d``/``2d``/``3d``, ``ReplicationPad1d``/``2d``/``3d``,
                      ``CircularPad1d``/``2d``/``3d``
``distance.py``       ``CosineSimilarity``, ``PairwiseDistance``
``flatten.py``        ``Flatten``, ``Unflatten``
``fold.py``           ``Unfold`` (im2col), ``Fold`` (col2im)
``container.py``      ``Sequential``, ``ModuleList``, ``ModuleDict``, ``ParameterList``
``loss.py``           ``MSELoss``, ``L1Loss``, ``SmoothL1Loss``, ``HuberLoss``, ``NLLLoss``,
                      ``CrossEntropyLoss``, ``BCELoss``, ``BCEWithLogitsLoss``, ``KLDivLoss``,
                      ``PoissonNLLLoss``, ``GaussianNLLLoss``, ``MarginRankingLoss``,
                      ``HingeEmbeddingLoss``, ``CosineEmbeddingLoss``, ``TripletMarginLoss``,
                      ``TripletMarginWithDistanceLoss``,
                      ``SoftMarginLoss``, ``MultiLabelSoftMarginLoss``, ``MultiMarginLoss``,
                      ``MultiLabelMarginLoss``, ``CTCLoss``
``functional.py``     the same as functions (``F.linear``, ``F.relu``, ``F.conv2d``,
                      ``F.cross_entropy``...); the rest of the ``functional_*.py`` files,
                      written by concept, are listed in its docstring and re-exported by it
                      (``LinearCrossEntropyOptions``, the chunking of
                      ``F.linear_cross_entropy``, is in ``functional_linear_loss.py``)
``init.py``           weight initialisation (``kaiming_uniform_``, ``xavier_normal_``...)
``modules.py``        PyTorch's module paths: ``nn.modules.rnn.LSTM is nn.LSTM``
``utils/``            ``clip_grad_norm_``, ``clip_grad_value_``, ``parameters_to_vector``...;
                      ``utils.rnn``: ``pad_sequence``, ``pack_padded_sequence``,
                      ``PackedSequence``...
====================  ===================================================================
"""

from . import functional, init, parallel, utils
from .activation import (
    CELU,
    ELU,
    GELU,
    GLU,
    SELU,
    Hardshrink,
    Hardsigmoid,
    Hardswish,
    Hardtanh,
    LeakyReLU,
    LogSigmoid,
    LogSoftmax,
    Mish,
    PReLU,
    ReLU,
    ReLU6,
    RReLU,
    Sigmoid,
    SiLU,
    Softmax,
    Softmax2d,
    Softmin,
    Softplus,
    Softshrink,
    Softsign,
    Tanh,
    Tanhshrink,
    Threshold,
)
from .attention import MultiheadAttention
from .batchnorm import BatchNorm1d, BatchNorm2d, BatchNorm3d
from .container import ModuleDict, ModuleList, ParameterList, Sequential
from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .distance import CosineSimilarity, PairwiseDistance
from .dropout import (
    AlphaDropout,
    Dropout,
    Dropout1d,
    Dropout2d,
    Dropout3d,
    FeatureAlphaDropout,
)
from .flatten import Flatten, Unflatten
from .fold import Fold, Unfold
from .functional_linear_loss import LinearCrossEntropyOptions
from .linear import Bilinear, Identity, Linear
from .loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CosineEmbeddingLoss,
    CrossEntropyLoss,
    CTCLoss,
    GaussianNLLLoss,
    HingeEmbeddingLoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    MarginRankingLoss,
    MSELoss,
    MultiLabelMarginLoss,
    MultiLabelSoftMarginLoss,
    MultiMarginLoss,
    NLLLoss,
    PoissonNLLLoss,
    SmoothL1Loss,
    SoftMarginLoss,
    TripletMarginLoss,
    TripletMarginWithDistanceLoss,
)
from .module import Module
from .normalization import (
    GroupNorm,
    InstanceNorm1d,
    InstanceNorm2d,
    InstanceNorm3d,
    LayerNorm,
    LocalResponseNorm,
    RMSNorm,
)
from .padding import (
    CircularPad1d,
    CircularPad2d,
    CircularPad3d,
    ConstantPad1d,
    ConstantPad2d,
    ConstantPad3d,
    ReflectionPad1d,
    ReflectionPad2d,
    ReflectionPad3d,
    ReplicationPad1d,
    ReplicationPad2d,
    ReplicationPad3d,
    ZeroPad1d,
    ZeroPad2d,
    ZeroPad3d,
)
from .parallel import DataParallel
from .parameter import Parameter
from .pooling import (
    AdaptiveAvgPool1d,
    AdaptiveAvgPool2d,
    AdaptiveAvgPool3d,
    AdaptiveMaxPool1d,
    AdaptiveMaxPool2d,
    AdaptiveMaxPool3d,
    AvgPool1d,
    AvgPool2d,
    AvgPool3d,
    FractionalMaxPool2d,
    FractionalMaxPool3d,
    MaxPool1d,
    MaxPool2d,
    MaxPool3d,
    MaxUnpool1d,
    MaxUnpool2d,
    MaxUnpool3d,
)
from .rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell, RNNCellBase
from .sparse import Embedding, EmbeddingBag
from .transformer import (
    Transformer,
    TransformerDecoder,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
)
from .upsampling import (
    ChannelShuffle,
    PixelShuffle,
    PixelUnshuffle,
    Upsample,
    UpsamplingBilinear2d,
    UpsamplingNearest2d,
)

__all__ = [
    "functional", "init", "utils", "Module", "Parameter",
    "Linear", "Identity", "Embedding", "EmbeddingBag", "Conv1d", "Conv2d", "Conv3d",
    "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d",
    "MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d",
    "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d", "AdaptiveMaxPool1d",
    "AdaptiveMaxPool2d", "AdaptiveMaxPool3d", "MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d",
    "FractionalMaxPool2d", "FractionalMaxPool3d",
    "Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d", "PixelShuffle", "PixelUnshuffle",
    "BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "LayerNorm", "GroupNorm", "InstanceNorm1d",
    "InstanceNorm2d", "InstanceNorm3d",
    "RMSNorm", "LocalResponseNorm",
    "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell", "RNNBase", "RNN", "LSTM", "GRU",
    "MultiheadAttention", "TransformerEncoderLayer", "TransformerEncoder",
    "TransformerDecoderLayer", "TransformerDecoder", "Transformer",
    "ReLU", "GELU", "Sigmoid", "Tanh", "Softmax", "LogSoftmax", "LeakyReLU", "ELU", "SiLU",
    "Mish", "Softplus", "Hardtanh", "Softsign", "ReLU6", "Hardswish", "Hardsigmoid",
    "LogSigmoid", "SELU", "CELU", "GLU", "PReLU", "Softmin", "Softmax2d", "Threshold",
    "Tanhshrink", "Hardshrink", "Softshrink",
    "Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout",
    "RReLU", "ChannelShuffle", "TripletMarginWithDistanceLoss",
    "ZeroPad1d", "ZeroPad2d", "ZeroPad3d", "ConstantPad1d", "ConstantPad2d", "ConstantPad3d",
    "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d",
    "ReplicationPad2d", "ReplicationPad3d", "CircularPad1d", "CircularPad2d", "CircularPad3d",
    "CosineSimilarity", "PairwiseDistance",
    "Flatten", "Unflatten", "Sequential", "ModuleList", "ModuleDict",
    "ParameterList",
    "MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "NLLLoss", "CrossEntropyLoss", "BCELoss",
    "BCEWithLogitsLoss", "KLDivLoss", "PoissonNLLLoss", "GaussianNLLLoss", "MarginRankingLoss",
    "HingeEmbeddingLoss", "CosineEmbeddingLoss", "TripletMarginLoss", "SoftMarginLoss",
    "MultiLabelSoftMarginLoss", "MultiMarginLoss", "MultiLabelMarginLoss", "CTCLoss",
    "Bilinear", "Unfold", "Fold", "DataParallel", "LinearCrossEntropyOptions",
]

from . import modules  # noqa: E402 (PyTorch's paths, torch.nn.modules.rnn.LSTM)
