"""``nn.functional``: layers and losses as plain functions, as ``torch.nn.functional``.

Everything here is a composite of Tensor ops, so it runs on every backend and its gradient
comes from autograd; the modules in ``nn`` are thin wrappers that hold parameters.

This file holds ``linear``, ``embedding``, ``dropout`` and the activations. The rest is
written by concept and re-exported from here:

==========================  ===============================================================
``functional_norm.py``      ``batch_norm``, ``layer_norm``, ``group_norm``
``functional_loss.py``      ``mse_loss``, ``l1_loss``, ``smooth_l1_loss``, ``huber_loss``,
                            ``nll_loss``, ``cross_entropy``, ``binary_cross_entropy``,
                            ``binary_cross_entropy_with_logits``, ``kl_div``
``functional_spatial.py``   ``pad``, ``conv1d``/``2d``, ``max_pool1d``/``2d``,
                            ``avg_pool1d``/``2d``
``functional_adaptive.py``  ``adaptive_avg_pool1d``/``2d``, ``adaptive_max_pool1d``/``2d``
==========================  ===============================================================
"""

from __future__ import annotations

import math
from collections.abc import Callable

from .. import dtypes, ops
from ..autograd.grad_mode import no_grad
from ..creation import rand, tensor
from ..ops.indexing import index_range, index_select_unchecked
from ..tensor import Tensor
from .functional_adaptive import (
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_max_pool1d,
    adaptive_max_pool2d,
)
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
from .functional_norm import batch_norm, group_norm, layer_norm
from .functional_spatial import (
    avg_pool1d,
    avg_pool2d,
    conv1d,
    conv2d,
    max_pool1d,
    max_pool2d,
    pad,
)

__all__ = [
    "linear", "embedding", "dropout",
    "relu", "gelu", "sigmoid", "tanh", "softmax", "log_softmax", "leaky_relu", "elu", "silu",
    "softplus", "mish", "hardtanh", "softsign",
    "batch_norm", "layer_norm", "group_norm",
    "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "nll_loss", "cross_entropy",
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div",
    "pad", "conv1d", "conv2d", "max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d",
    "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_max_pool1d", "adaptive_max_pool2d",
]

softmax = ops.softmax
log_softmax = ops.log_softmax
sigmoid = ops.sigmoid
tanh = ops.tanh


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:  # noqa: A002
    """y = x W^T + b, with ``weight`` of shape (out_features, in_features)."""
    out = input @ weight.t()
    return out + bias if bias is not None else out


def relu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """max(x, 0)"""
    return input.relu_() if inplace else ops.relu(input)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:  # noqa: A002
    """x * Phi(x), Phi the standard normal CDF: exact with ``erf``, or PyTorch's ``'tanh'``
    approximation 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""
    if approximate == "none":
        return 0.5 * input * (1 + ops.erf(input * (1 / math.sqrt(2.0))))
    if approximate == "tanh":
        inner = math.sqrt(2.0 / math.pi) * (input + 0.044715 * input * input * input)
        return 0.5 * input * (1 + ops.tanh(inner))
    raise ValueError(f"approximate argument must be either 'none' or 'tanh', got "
                     f"{approximate!r}")


def _maybe_inplace(input: Tensor, inplace: bool,  # noqa: A002
                   fn: Callable[[Tensor], Tensor]) -> Tensor:
    """``fn(input)``, or with ``inplace`` the same values written into ``input``. When the
    graph records it, ``fn`` runs on a copy, since its backward may need the old values."""
    if not inplace:
        return fn(input)
    return input.copy_(fn(input.clone() if input.requires_grad else input))


def _check_floating(name: str, input: Tensor) -> None:  # noqa: A002
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"{name} is implemented for floating dtypes only, got "
                                  f"{input.dtype.name}")


def leaky_relu(input: Tensor, negative_slope: float = 0.01,  # noqa: A002
               inplace: bool = False) -> Tensor:
    """x where x > 0, else negative_slope * x (the gradient at 0 is negative_slope, as in
    PyTorch)."""
    _check_floating("leaky_relu", input)
    return _maybe_inplace(input, inplace,
                          lambda x: ops.where(x > 0, x, x * negative_slope))


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """x where x > 0, else alpha * (exp(x) - 1)."""
    _check_floating("elu", input)
    # exp of min(x, 0): exp(x) of a large x would overflow, and its inf gradient (times the
    # 0 that ``where`` sends to the branch not taken) would make a nan
    return _maybe_inplace(input, inplace, lambda x: ops.where(
        x > 0, x, alpha * ops.expm1(ops.clamp(x, max=0.0))))


def silu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """x * sigmoid(x), also called swish."""
    _check_floating("silu", input)
    return _maybe_inplace(input, inplace, lambda x: x * ops.sigmoid(x))


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:  # noqa: A002
    """log(1 + exp(beta x)) / beta, a smooth ReLU; x itself where beta x > threshold (where
    the two agree to float precision and the exp could overflow)."""
    _check_floating("softplus", input)
    scaled = input * beta
    smooth = ops.log1p(ops.clamp(scaled, max=threshold).exp()) / beta
    return ops.where(scaled > threshold, input, smooth)


def mish(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """x * tanh(softplus(x))."""
    _check_floating("mish", input)
    return _maybe_inplace(input, inplace, lambda x: x * ops.tanh(softplus(x)))


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0,  # noqa: A002
             inplace: bool = False) -> Tensor:
    """x clamped to [min_val, max_val]. The gradient is 0 outside (min_val, max_val) and at
    its ends too, as in PyTorch (``clamp`` would pass it at the ends)."""
    if min_val > max_val:
        raise ValueError(f"min_val cannot be greater than max_val, got min_val={min_val} and "
                         f"max_val={max_val}")

    def clamped(x: Tensor) -> Tensor:
        inside = (x > min_val) & (x < max_val)
        return ops.where(inside, x, ops.clamp(x.detach(), min_val, max_val))

    return _maybe_inplace(input, inplace, clamped)


def softsign(input: Tensor) -> Tensor:  # noqa: A002
    """x / (1 + |x|)."""
    _check_floating("softsign", input)
    return input / (1 + input.abs())


def dropout(input: Tensor, p: float = 0.5, training: bool = True,  # noqa: A002
            inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by 1/(1-p), so the
    expected value is unchanged; the identity when not ``training``."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return _maybe_inplace(input, inplace, lambda x: x * 0)
    keep = rand(input.shape, dtype=input.dtype, device=input.device) < (1 - p)
    return _maybe_inplace(input, inplace, lambda x: ops.where(keep, x * (1.0 / (1 - p)), 0.0))


# -- embedding ----------------------------------------------------------------------------------
def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None,  # noqa: A002
              max_norm: float | None = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """The rows of ``weight`` (num_embeddings, embedding_dim) at the integer indices in
    ``input`` (any shape), giving shape ``input.shape + (embedding_dim,)``, as
    ``torch.nn.functional.embedding``. The gradient adds into the rows that were picked.

    ``padding_idx``: that row comes out as it is but gets no gradient. ``max_norm``: first
    rescale, in place, each picked row whose ``norm_type``-norm exceeds ``max_norm``.

    >>> embedding(microtorch_core.tensor([[0, 2]]), microtorch_core.eye(3)).tolist()
    [[[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]]
    """
    if weight.dim() != 2:
        raise RuntimeError(f"embedding: 'weight' must be 2-D (num_embeddings, embedding_dim), "
                           f"got shape {tuple(weight.shape)}")
    if not isinstance(input, Tensor) or input.dtype not in (dtypes.int64, dtypes.int32):
        got = input.dtype.name if isinstance(input, Tensor) else type(input).__name__
        raise RuntimeError(f"embedding: expected indices of dtype int64 or int32, got {got}")
    if scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding: scale_grad_by_freq and sparse gradients are not "
                                  "supported")
    rows = weight.shape[0]
    padding_idx = _padding_index(padding_idx, rows)
    index = input.reshape(-1).to(dtypes.int64)
    if index.numel():
        lo, hi = index_range(index)
        if lo < 0 or hi >= rows:
            raise IndexError(f"embedding: index {lo if lo < 0 else hi} is out of range for "
                             f"{rows} embeddings (valid indices: 0 to {rows - 1})")
    if max_norm is not None and index.numel():
        _renorm_rows_(weight, index, max_norm, norm_type)
    out = index_select_unchecked(weight, 0, index)  # checked above
    if padding_idx is not None:
        out = ops.where((index == padding_idx).unsqueeze(1), out.detach(), out)
    return out.reshape(tuple(input.shape) + (weight.shape[1],))


def _padding_index(padding_idx: int | None, num_embeddings: int) -> int | None:
    """``padding_idx`` as a row number (a negative one counts from the end), checked."""
    if padding_idx is None:
        return None
    if not -num_embeddings <= padding_idx < num_embeddings:
        raise ValueError(f"padding_idx must be within num_embeddings: got {padding_idx} for "
                         f"{num_embeddings} embeddings")
    return padding_idx % num_embeddings


def _renorm_rows_(weight: Tensor, index: Tensor, max_norm: float, norm_type: float) -> None:
    """Scale each row of ``weight`` listed in ``index`` whose norm exceeds ``max_norm`` by
    max_norm / (norm + 1e-7), in place, as PyTorch's ``embedding_renorm_``."""
    with no_grad():
        rows = tensor(sorted(set(index.tolist())), dtype=dtypes.int64, device=weight.device)
        picked = index_select_unchecked(weight, 0, rows)
        if norm_type == math.inf:
            norms = picked.abs().amax(1)
        else:
            norms = (picked.abs() ** norm_type).sum(1) ** (1.0 / norm_type)
        scale = ops.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
        weight[rows] = picked * scale.unsqueeze(1)
