"""``nn.functional``: layers and losses as plain functions, as ``torch.nn.functional``.

Everything here is a composite of Tensor ops, so it runs on every backend and its gradient
comes from autograd; the modules in ``nn`` are thin wrappers that hold parameters.

This file holds ``linear``, ``one_hot`` and the dropouts. The rest is
written by concept and re-exported from here:

=================================  ================================================================
``functional_activation.py``       ``relu``, ``gelu``, ``silu``, ``selu``, ``glu``, ``prelu``,
                                   ``softmin``, ``hardswish``, ``softshrink``... (every activation)
``functional_norm.py``             ``batch_norm``, ``instance_norm``, ``layer_norm``,
                                   ``group_norm``, ``rms_norm``, ``local_response_norm``
``functional_distance.py``         ``normalize``, ``cosine_similarity``, ``pairwise_distance``,
                                   ``pdist``
``functional_loss.py``             ``mse_loss``, ``l1_loss``, ``smooth_l1_loss``, ``huber_loss``,
                                   ``nll_loss``, ``cross_entropy``, ``binary_cross_entropy``,
                                   ``binary_cross_entropy_with_logits``, ``kl_div``
``functional_margin_loss.py``      ``margin_ranking_loss``, ``hinge_embedding_loss``,
                                   ``cosine_embedding_loss``, ``triplet_margin_loss``,
                                   ``soft_margin_loss``, ``multilabel_soft_margin_loss``,
                                   ``multi_margin_loss``, ``multilabel_margin_loss``
``functional_likelihood_loss.py``  ``poisson_nll_loss``, ``gaussian_nll_loss``
``functional_linear_loss.py``      ``linear_cross_entropy`` (chunked with
                                   ``nn.LinearCrossEntropyOptions``)
``functional_spatial.py``          ``pad``, ``conv1d``/``2d``/``3d`` (and the window helpers)
``functional_pooling.py``          ``max_pool1d``/``2d``/``3d``, ``avg_pool1d``/``2d``/``3d``
``functional_unpool.py``           ``max_unpool1d``/``2d``/``3d``
``functional_fractional_pool.py``  ``fractional_max_pool2d``/``3d``
``functional_adaptive.py``         ``adaptive_avg_pool1d``/``2d``/``3d``,
                                   ``adaptive_max_pool1d``/``2d``/``3d``
``functional_resample.py``         ``conv_transpose1d``/``2d``/``3d``, ``pixel_shuffle``,
                                   ``pixel_unshuffle``
``functional_interpolate.py``      ``interpolate`` (nearest, linear, bicubic, trilinear, area),
                                   the deprecated ``upsample``/``_nearest``/``_bilinear``
``functional_grid.py``             ``affine_grid``, ``grid_sample``
``functional_embedding.py``        ``embedding``, ``embedding_bag``
``functional_ctc.py``              ``ctc_loss``
``functional_fold.py``             ``unfold`` (im2col), ``fold`` (col2im)
``functional_bilinear.py``         ``bilinear``
``functional_attention.py``        ``scaled_dot_product_attention``,
                                   ``multi_head_attention_forward``
=================================  ================================================================
"""

from __future__ import annotations

import math
import warnings

from .. import dtypes, ops
from ..creation import arange, rand
from ..ops.primitive.indexing import index_range
from ..ops.primitive.matmul import Linear
from ..tensor import Tensor
from .functional_activation import (
    _SELU_ALPHA,
    _SELU_SCALE,
    _maybe_inplace,
    celu,
    elu,
    gelu,
    glu,
    hardshrink,
    hardsigmoid,
    hardswish,
    hardtanh,
    leaky_relu,
    log_softmax,
    logsigmoid,
    mish,
    prelu,
    relu,
    relu6,
    rrelu,
    rrelu_,
    selu,
    sigmoid,
    silu,
    softmax,
    softmin,
    softplus,
    softshrink,
    softsign,
    tanh,
    tanhshrink,
    threshold,
)
from .functional_adaptive import (
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_avg_pool3d,
    adaptive_max_pool1d,
    adaptive_max_pool2d,
    adaptive_max_pool3d,
)
from .functional_attention import multi_head_attention_forward, scaled_dot_product_attention
from .functional_bilinear import bilinear
from .functional_ctc import ctc_loss
from .functional_distance import cosine_similarity, normalize, pairwise_distance, pdist
from .functional_embedding import embedding, embedding_bag
from .functional_fold import fold, unfold
from .functional_fractional_pool import fractional_max_pool2d, fractional_max_pool3d
from .functional_grid import affine_grid, grid_sample
from .functional_interpolate import interpolate, upsample, upsample_bilinear, upsample_nearest
from .functional_likelihood_loss import gaussian_nll_loss, poisson_nll_loss
from .functional_linear_loss import linear_cross_entropy
from .functional_loss import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    huber_loss,
    kl_div,
    l1_loss,
    mse_loss,
    nll_loss,
    smooth_l1_loss,
)
from .functional_margin_loss import (
    cosine_embedding_loss,
    hinge_embedding_loss,
    margin_ranking_loss,
    multi_margin_loss,
    multilabel_margin_loss,
    multilabel_soft_margin_loss,
    soft_margin_loss,
    triplet_margin_loss,
    triplet_margin_with_distance_loss,
)
from .functional_norm import (
    batch_norm,
    group_norm,
    instance_norm,
    layer_norm,
    local_response_norm,
    rms_norm,
)
from .functional_pooling import (
    avg_pool1d,
    avg_pool2d,
    avg_pool3d,
    max_pool1d,
    max_pool2d,
    max_pool3d,
)
from .functional_resample import (
    channel_shuffle,
    conv_transpose1d,
    conv_transpose2d,
    conv_transpose3d,
    pixel_shuffle,
    pixel_unshuffle,
)
from .functional_spatial import conv1d, conv2d, conv3d, pad
from .functional_unpool import max_unpool1d, max_unpool2d, max_unpool3d

__all__ = [
    "linear", "embedding", "embedding_bag", "one_hot", "dropout", "dropout1d", "dropout2d",
    "dropout3d", "alpha_dropout", "feature_alpha_dropout", "rrelu", "rrelu_",
    "relu", "relu6", "gelu", "sigmoid", "tanh", "softmax", "log_softmax", "softmin",
    "leaky_relu", "elu", "selu", "celu", "silu", "softplus", "mish", "hardtanh", "hardswish",
    "hardsigmoid", "logsigmoid", "softsign", "glu", "prelu", "threshold", "tanhshrink",
    "hardshrink", "softshrink",
    "batch_norm", "instance_norm", "layer_norm", "group_norm", "rms_norm", "local_response_norm",
    "normalize", "cosine_similarity", "pairwise_distance", "pdist",
    "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "nll_loss", "cross_entropy",
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div", "ctc_loss",
    "linear_cross_entropy",
    "pad", "conv1d", "conv2d", "conv3d", "max_pool1d", "max_pool2d", "max_pool3d",
    "avg_pool1d", "avg_pool2d", "avg_pool3d", "max_unpool1d", "max_unpool2d", "max_unpool3d",
    "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d", "adaptive_max_pool1d",
    "adaptive_max_pool2d", "adaptive_max_pool3d", "fractional_max_pool2d",
    "fractional_max_pool3d",
    "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "interpolate", "upsample",
    "upsample_nearest", "upsample_bilinear", "pixel_shuffle",
    "pixel_unshuffle", "channel_shuffle",
    "scaled_dot_product_attention", "multi_head_attention_forward",
    "margin_ranking_loss", "hinge_embedding_loss", "cosine_embedding_loss",
    "triplet_margin_loss", "triplet_margin_with_distance_loss", "soft_margin_loss",
    "multilabel_soft_margin_loss",
    "multi_margin_loss", "multilabel_margin_loss", "poisson_nll_loss", "gaussian_nll_loss",
    "unfold", "fold", "bilinear", "affine_grid", "grid_sample",
]

def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:  # noqa: A002
    """y = x W^T + b, with ``weight`` of shape (out_features, in_features).

    In general it is ``input @ weight.t() + bias`` (a 1-D weight or input, PyTorch's errors);
    a batch of rows (..., in) with a 2-D weight and a 1-D bias, the layer's usual case, is
    one ``Linear`` node over its leading dims folded into rows (:func:`_rows_linear`)."""
    if _is_rows_linear(input, weight, bias):
        return _rows_linear(input, weight, bias)
    out = input @ weight.t()
    return out + bias if bias is not None else out


def _is_rows_linear(x: Tensor, weight: Tensor, bias: Tensor | None) -> bool:
    """Whether ``linear`` is a product of rows (..., in) with a real (out, in) weight, with
    no bias or an (out,) one, all of one dtype on one device."""
    return (isinstance(x, Tensor) and isinstance(weight, Tensor) and x.dim() >= 2
            and weight.dim() == 2 and x.shape[-1] == weight.shape[1]
            and x.dtype is weight.dtype and x.dtype.is_floating_point
            and x.device == weight.device
            and (bias is None or isinstance(bias, Tensor) and bias.shape == weight.shape[:1]
                 and bias.dtype is x.dtype and bias.device == x.device))


def _rows_linear(x: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
    """``linear`` as one ``Linear`` node, the leading dims of ``x`` folded into rows."""
    if x.dim() == 2:
        return Linear.apply(x, weight, bias)
    lead = x.shape[:-1]
    rows = Linear.apply(x.reshape(math.prod(lead), x.shape[-1]), weight, bias)
    return rows.reshape(lead + weight.shape[:1])


# -- dropout ------------------------------------------------------------------------------------
def _check_probability(p: float) -> None:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _dropout(input: Tensor, p: float, training: bool, inplace: bool,  # noqa: A002
             noise_shape: tuple[int, ...]) -> Tensor:
    """Zero with probability ``p`` and scale the rest by 1/(1-p), one draw per element of
    ``noise_shape`` (the input's shape, or 1 along the dims a whole channel shares)."""
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return _maybe_inplace(input, inplace, lambda x: x * 0)
    keep = rand(noise_shape, dtype=input.dtype, device=input.device) < (1 - p)
    return _maybe_inplace(input, inplace, lambda x: ops.where(keep, x * (1.0 / (1 - p)), 0.0))


def dropout(input: Tensor, p: float = 0.5, training: bool = True,  # noqa: A002
            inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by 1/(1-p), so the
    expected value is unchanged; the identity when not ``training``."""
    _check_probability(p)
    return _dropout(input, p, training, inplace, tuple(input.shape))


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True,  # noqa: A002
              inplace: bool = False) -> Tensor:
    """Zero whole channels of a (N, C, L) or unbatched (C, L) input with probability ``p``,
    and scale the rest by 1/(1-p), as ``torch.nn.functional.dropout1d``. Neighbouring
    elements of a channel are correlated, so dropping them one by one would regularise
    little."""
    _check_probability(p)
    if input.dim() not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a "
                           f"{input.dim()}D input. Note that dropout1d exists to provide "
                           f"channel-wise dropout on inputs with 1 spatial dimension, a channel "
                           f"dimension, and an optional batch dimension (i.e. 2D or 3D inputs).")
    return _dropout(input, p, training, inplace, tuple(input.shape[:-1]) + (1,))


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True,  # noqa: A002
              inplace: bool = False) -> Tensor:
    """Zero whole channels (dim 1) of a (N, C, H, W) input with probability ``p``, and scale
    the rest by 1/(1-p), as ``torch.nn.functional.dropout2d``. Like PyTorch it reads a 3-D
    input as (N, C, L), and warns about it and about inputs that are not 4-D."""
    _check_probability(p)
    if input.dim() not in (3, 4):
        warnings.warn(f"dropout2d: Received a {input.dim()}-D input to dropout2d, which is "
                      f"deprecated and will result in an error in a future release. To retain "
                      f"the behavior and silence this warning, please use dropout instead.",
                      stacklevel=2)
    if input.dim() == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that "
                      "channel-wise 1D dropout behavior is desired - input is interpreted as "
                      "shape (N, C, L), where C is the channel dim. To maintain the 1D "
                      "channel-wise dropout behavior, please switch to using dropout1d instead.",
                      stacklevel=2)
    if input.dim() < 2:
        raise RuntimeError(f"Feature dropout requires at least 2 dimensions in the input, got "
                           f"shape {tuple(input.shape)}")
    return _dropout(input, p, training, inplace,
                    tuple(input.shape[:2]) + (1,) * (input.dim() - 2))


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True,  # noqa: A002
              inplace: bool = False) -> Tensor:
    """Zero whole channels of a (N, C, D, H, W) or unbatched (C, D, H, W) input with
    probability ``p``, and scale the rest by 1/(1-p), as ``torch.nn.functional.dropout3d``
    (which warns about inputs that are not 4-D or 5-D, and reads them as unbatched)."""
    _check_probability(p)
    if input.dim() not in (4, 5):
        warnings.warn(f"dropout3d: Received a {input.dim()}-D input to dropout3d, which is "
                      f"deprecated and will result in an error in a future release. To retain "
                      f"the behavior and silence this warning, please use dropout instead. Note "
                      f"that dropout3d exists to provide channel-wise dropout on inputs with 3 "
                      f"spatial dimensions, a channel dimension, and an optional batch dimension "
                      f"(i.e. 4D or 5D inputs).", stacklevel=2)
    if input.dim() < 1:
        raise RuntimeError(f"Feature dropout requires at least 2 dimensions in the input, got "
                           f"shape {tuple(input.shape)} (1 once a batch dim is added)")
    batched = input.dim() == 5
    channels = 2 if batched else 1  # the dims a channel's draw is not shared across
    return _dropout(input, p, training, inplace,
                    tuple(input.shape[:channels]) + (1,) * (input.dim() - channels))


# SELU's outputs saturate at -scale * alpha for very negative inputs: alpha dropout sets a
# dropped unit to that value, where SELU would put an "off" unit, rather than to 0
_ALPHA_PRIME = _SELU_SCALE * _SELU_ALPHA


def _alpha_dropout(input: Tensor, p: float, training: bool, inplace: bool,  # noqa: A002
                   noise_shape: tuple[int, ...]) -> Tensor:
    """Alpha dropout with one draw per element of ``noise_shape`` (broadcast to the input)."""
    _check_probability(p)
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return _maybe_inplace(input, inplace, lambda x: x * 0)
    keep = rand(noise_shape, dtype=input.dtype, device=input.device) < (1 - p)
    a = 1.0 / math.sqrt((_ALPHA_PRIME ** 2 * p + 1) * (1 - p))
    b = _ALPHA_PRIME * a * p
    return _maybe_inplace(input, inplace,
                          lambda x: ops.where(keep, x * a, -_ALPHA_PRIME * a) + b)


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,  # noqa: A002
                  inplace: bool = False) -> Tensor:
    """Dropout for self-normalising networks (``selu``), as ``torch.nn.functional
    .alpha_dropout``: each element is set with probability ``p`` to SELU's saturation value
    -alpha' (instead of 0), then all go through an affine map a x + b chosen so that an input
    of mean 0 and variance 1 keeps them. Note ``training`` is False by default, as in
    PyTorch."""
    return _alpha_dropout(input, p, training, inplace, tuple(input.shape))


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,  # noqa: A002
                          inplace: bool = False) -> Tensor:
    """``alpha_dropout`` of whole channels (dim 1 of an (N, C, ...) input): a dropped channel
    takes SELU's saturation value everywhere, as ``torch.nn.functional
    .feature_alpha_dropout``. ``training`` is False by default, as in PyTorch."""
    if training and p not in (0.0, 1.0) and input.numel() and input.dim() < 2:
        raise RuntimeError(f"Feature dropout requires at least 2 dimensions in the input, got "
                           f"shape {tuple(input.shape)}")
    noise_shape = tuple(input.shape[:2]) + (1,) * (input.dim() - 2)
    return _alpha_dropout(input, p, training, inplace, noise_shape)


# -- one-hot ------------------------------------------------------------------------------------
def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """An int64 tensor of shape ``tensor.shape + (num_classes,)``, 1 at each class index of
    ``tensor`` and 0 elsewhere, as ``torch.nn.functional.one_hot``. ``num_classes=-1`` means
    one more than the largest index.

    >>> one_hot(microtorch_core.tensor([0, 2]), 3).tolist()
    [[1, 0, 0], [0, 0, 1]]
    """
    if not isinstance(tensor, Tensor) or tensor.dtype is not dtypes.int64:
        got = tensor.dtype.name if isinstance(tensor, Tensor) else type(tensor).__name__
        raise RuntimeError(f"one_hot is only applicable to index tensor of type LongTensor, "
                           f"got {got}")
    if tensor.numel() == 0:
        if num_classes <= 0:
            raise RuntimeError(f"Can not infer total number of classes from empty tensor (got "
                               f"num_classes={num_classes}).")
    else:
        lo, hi = index_range(tensor)
        if lo < 0:
            raise RuntimeError(f"Class values must be non-negative, got {lo}.")
        if num_classes == -1:
            num_classes = hi + 1
        elif hi >= num_classes:
            raise RuntimeError(f"Class values must be smaller than num_classes, got {hi} for "
                               f"num_classes={num_classes}.")
    classes = arange(num_classes, dtype=dtypes.int64, device=tensor.device)
    return (tensor.unsqueeze(-1) == classes).to(dtypes.int64)
