"""Normalisation functions, as in ``torch.nn.functional``: ``batch_norm``, ``instance_norm``,
``layer_norm``, ``group_norm``, ``rms_norm``, ``local_response_norm``. ``nn.functional``
re-exports them.

The first four compute (x - mean) / sqrt(var + eps) with the *biased* variance, then an
optional per-element scale and shift; they differ only in which elements share a mean:

* ``batch_norm``: each channel, over the batch and the spatial dims (N, *);
* ``instance_norm``: each sample and channel, over the spatial dims (computed as a batch
  norm of one sample with N * C channels);
* ``layer_norm``: each sample, over its last dims (``normalized_shape``);
* ``group_norm``: each sample and group of channels, over the group's channels and spatial
  dims (with one group per channel it is instance norm, with one group a layer norm over
  (C, *)).

``rms_norm`` is a layer norm without the centring: x / sqrt(mean(x^2) + eps).
``local_response_norm`` divides each channel by the energy of its neighbouring channels.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .. import dtypes, ops
from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled, no_grad
from ..tensor import Tensor
from .functional_spatial import pad


def _normalize(x: Tensor, dims: tuple[int, ...], eps: float) -> Tensor:
    """(x - mean) / sqrt(biased var + eps), the statistics taken over ``dims``."""
    centered = x - x.mean(dims, keepdim=True)
    var = (centered * centered).mean(dims, keepdim=True)
    return centered * ops.rsqrt(var + eps)


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,  # noqa: A002
               weight: Tensor | None = None, bias: Tensor | None = None,
               training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel (dim 1) of ``input`` (N, C, ...) to zero mean and unit
    variance, then scale by ``weight`` and shift by ``bias``, as ``torch.nn.functional
    .batch_norm``.

    In training (or without running statistics) the batch's own mean and biased variance are
    used, and ``running_mean``/``running_var`` move towards them in place:
    ``running = (1 - momentum) * running + momentum * batch``, with the *unbiased* variance,
    as PyTorch does. In evaluation the running statistics are used.
    """
    if input.dim() < 2:
        stats = [t for t in (running_mean, running_var, weight, bias) if t is not None]
        if input.numel() == 0 and all(t.numel() == 0 for t in stats):
            return input.clone()  # PyTorch: an empty 1-D input has no channels to normalise
        raise ValueError(f"batch_norm: expected an input of at least 2 dims (N, C, ...), got "
                         f"shape {tuple(input.shape)}")
    channels = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != (channels,):
            raise RuntimeError(f"batch_norm: {name} should have shape ({channels},) for an "
                               f"input with {channels} channels, got {tuple(t.shape)}")
    dims = (0,) + tuple(range(2, input.dim()))
    shape = (1, channels) + (1,) * (input.dim() - 2)
    if input.numel() and (training or running_mean is None or running_var is None):
        count = input.numel() // channels
        if count == 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input "
                             f"size {tuple(input.shape)}")
        out, mean, var = _BatchNorm.apply(input, weight, bias, dims, eps)
        if training and running_mean is not None and running_var is not None:
            with no_grad():
                unbiased = var.reshape(channels) * (count / (count - 1))
                running_mean.mul_(1 - momentum).add_(mean.reshape(channels) * momentum)
                running_var.mul_(1 - momentum).add_(unbiased * momentum)
        return out
    if input.numel() == 0:
        # nothing to normalise: PyTorch returns the empty shape and leaves the running
        # statistics alone (the mean of no values would be NaN)
        mean, var = input.new_zeros(shape), input.new_ones(shape)
    else:
        mean, var = running_mean.reshape(shape), running_var.reshape(shape)
    out = (input - mean) * ops.rsqrt(var + eps)
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


def _statistics(x: Tensor, dims: tuple[int, ...], eps: float
                ) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """(mean, biased var, xhat = (x - mean) / sqrt(var + eps), 1 / sqrt(var + eps)), the
    statistics taken over ``dims`` and kept as size-1 dims: (1, C, 1...) for a batch norm's
    channels, (..., 1) for a layer norm's rows."""
    mean = x.mean(dims, keepdim=True)
    centered = x - mean
    var = (centered * centered).mean(dims, keepdim=True)
    invstd = ops.rsqrt(var + eps)
    return mean, var, centered * invstd, invstd


class _BatchNorm(Function):
    """y = xhat * weight + bias with the batch's own statistics, xhat = (x - mean) /
    sqrt(var + eps), as one node of the graph; also returns the batch's mean and biased
    variance (not differentiable) for the running statistics.

    Its backward is the closed form over the M values of a channel, written with Tensor ops:
    ``grad_bias = sum(g)``, ``grad_weight = sum(g * xhat)`` and
    ``grad_x = weight / sqrt(var + eps) * (g - sum(g) / M - xhat * sum(g * xhat) / M)``
    (the mean and variance depend on every x of the channel: the last two terms). Autograd
    through the op-by-op forward took about twice the kernels. ``weight`` and ``bias`` may be
    None.
    """

    @staticmethod
    def forward(ctx, x: Tensor, weight: Tensor | None, bias: Tensor | None,
                dims: tuple[int, ...], eps: float) -> tuple[Tensor, Tensor, Tensor]:
        mean, var, xhat, invstd = _statistics(x, dims, eps)
        shape = tuple(mean.shape)
        out = xhat if weight is None else xhat * weight.reshape(shape)
        if bias is not None:
            out = out + bias.reshape(shape)
        ctx.dims, ctx.eps = dims, eps
        ctx.save_for_backward(x, weight, xhat, invstd)
        ctx.mark_non_differentiable(mean, var)
        ctx.set_materialize_grads(False)  # no zeros built for the statistics' gradients
        return out, mean, var

    @staticmethod
    def backward(ctx, grad: Tensor | None, _mean_grad: Tensor | None,
                 _var_grad: Tensor | None):
        if grad is None:
            return None, None, None, None, None
        x, weight, xhat, invstd = ctx.saved_tensors
        dims = ctx.dims
        if is_grad_enabled():
            # create_graph: the gradient must itself be differentiable in x, so rebuild the
            # statistics from x with recorded ops instead of using the saved constants
            _, _, xhat, invstd = _statistics(x, dims, ctx.eps)
        shape = tuple(invstd.shape)
        need_x, need_weight, need_bias = ctx.needs_input_grad[:3]
        grad_sum = grad.sum(dims, keepdim=True) if need_x or need_bias else None
        grad_xhat_sum = (grad * xhat).sum(dims, keepdim=True) if need_x or need_weight \
            else None
        grad_x = None
        if need_x:
            count = x.numel() // x.shape[1]
            scale = invstd if weight is None else invstd * weight.reshape(shape)
            grad_x = (grad - grad_sum / count - xhat * (grad_xhat_sum / count)) * scale
        grad_weight = grad_xhat_sum.reshape(-1) if need_weight else None
        grad_bias = grad_sum.reshape(-1) if need_bias else None
        return grad_x, grad_weight, grad_bias, None, None


def instance_norm(input: Tensor, running_mean: Tensor | None = None,  # noqa: A002
                  running_var: Tensor | None = None, weight: Tensor | None = None,
                  bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel of each sample of ``input`` (N, C, *) over its spatial dims,
    then scale by ``weight`` and shift by ``bias`` (C,), as ``torch.nn.functional
    .instance_norm``.

    With ``use_input_stats`` each instance's own statistics are used, and the running ones,
    if given, move towards their average over the batch (as in ``batch_norm``); without it
    the running statistics are used.
    """
    if input.dim() < 2:
        raise ValueError(f"instance_norm: expected an input of at least 2 dims (N, C, ...), "
                         f"got shape {tuple(input.shape)}")
    n, channels = input.shape[0], input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != (channels,):
            raise RuntimeError(f"instance_norm: {name} should have shape ({channels},) for an "
                               f"input with {channels} channels, got {tuple(t.shape)}")
    if use_input_stats and input.numel() <= n * channels:
        raise ValueError(f"Expected more than 1 spatial element when training, got input size "
                         f"{tuple(input.shape)}")
    if not use_input_stats and (running_mean is None or running_var is None):
        raise RuntimeError("Expected running_mean and running_var to be defined when "
                           "use_input_stats is false")
    # Seen as one sample with N * C channels, each instance is a channel of its own: batch
    # norm then takes the statistics we want. Per-channel tensors repeat for every sample.
    repeated = [None if t is None else t.repeat(n)
                for t in (running_mean, running_var, weight, bias)]
    out = batch_norm(input.reshape((1, n * channels) + tuple(input.shape[2:])), *repeated,
                     training=use_input_stats, momentum=momentum, eps=eps)
    if use_input_stats and running_mean is not None and running_var is not None:
        with no_grad():  # each sample's update, averaged over the batch
            running_mean.copy_(repeated[0].reshape(n, channels).mean(0))
            running_var.copy_(repeated[1].reshape(n, channels).mean(0))
    return out.reshape(input.shape)


def _last_dims(input: Tensor, normalized_shape: int | Sequence[int],  # noqa: A002
               **params: Tensor | None) -> tuple[int, ...]:
    """The dims ``normalized_shape`` names (the input's last ones), after checking that the
    input ends with that shape and that each of ``params`` (weight, bias) has it."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if not shape:
        raise RuntimeError("Expected normalized_shape to be at least 1-dimensional, i.e., "
                           "containing at least one element, but got normalized_shape = []")
    k = len(shape)
    if input.dim() < k or tuple(input.shape[input.dim() - k:]) != shape:
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape "
                           f"[*, {', '.join(map(str, shape))}], but got input of size "
                           f"{list(input.shape)}")
    for name, t in params.items():
        if t is not None and tuple(t.shape) != shape:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but "
                               f"got {name} of shape {list(t.shape)} and normalized_shape = "
                               f"{list(shape)}")
    return tuple(range(input.dim() - k, input.dim()))


def layer_norm(input: Tensor, normalized_shape: int | Sequence[int],  # noqa: A002
               weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Normalise each sample over its last dims, ``normalized_shape``, then scale by
    ``weight`` and shift by ``bias`` (both of shape ``normalized_shape``), as
    ``torch.nn.functional.layer_norm``. The same in training and evaluation.

    >>> x = microtorch_core.tensor([[1.0, 2.0, 3.0]])
    >>> layer_norm(x, (3,))  # (x - 2) / sqrt(2/3 + 1e-5)
    tensor([[-1.2247,  0.0000,  1.2247]])
    """
    dims = _last_dims(input, normalized_shape, weight=weight, bias=bias)
    return _LayerNorm.apply(input, weight, bias, dims, eps)


class _LayerNorm(Function):
    """y = xhat * weight + bias, xhat = (x - mean) / sqrt(var + eps) over the last ``dims``,
    as one node of the graph, with the closed-form backward over the M values of a row:
    ``grad_x = (g' - mean(g') - xhat * mean(g' * xhat)) / sqrt(var + eps)`` where
    ``g' = g * weight`` and the means are over the row; ``grad_weight = sum(g * xhat)`` and
    ``grad_bias = sum(g)`` over the rows. Autograd through the nine recorded ops of the
    op-by-op forward took 1.7x the time (forward and backward of (64, 16, 64): 1196 against
    694 us). ``weight`` and ``bias`` may be None.
    """

    @staticmethod
    def forward(ctx, x: Tensor, weight: Tensor | None, bias: Tensor | None,
                dims: tuple[int, ...], eps: float) -> Tensor:
        _, _, xhat, invstd = _statistics(x, dims, eps)
        out = xhat if weight is None else xhat * weight
        if bias is not None:
            out = out + bias
        ctx.dims, ctx.eps = dims, eps
        ctx.save_for_backward(x, weight, xhat, invstd)
        return out

    @staticmethod
    def backward(ctx, grad: Tensor):
        x, weight, xhat, invstd = ctx.saved_tensors
        dims = ctx.dims
        if is_grad_enabled():  # create_graph: statistics recorded from x (see _BatchNorm)
            _, _, xhat, invstd = _statistics(x, dims, ctx.eps)
        need_x, need_weight, need_bias = ctx.needs_input_grad[:3]
        rows = tuple(range(x.dim() - len(dims)))  # the dims weight and bias are shared over
        grad_x = None
        if need_x:
            g = grad if weight is None else grad * weight
            grad_x = (g - g.mean(dims, keepdim=True)
                      - xhat * (g * xhat).mean(dims, keepdim=True)) * invstd
        grad_weight = _sum_over(grad * xhat, rows) if need_weight else None
        grad_bias = _sum_over(grad, rows) if need_bias else None
        return grad_x, grad_weight, grad_bias, None, None


def _sum_over(t: Tensor, dims: tuple[int, ...]) -> Tensor:
    """``t`` summed over ``dims``; ``t`` itself when there are none (``sum(())`` sums every
    dim, as in PyTorch)."""
    return t.sum(dims) if dims else t


def rms_norm(input: Tensor, normalized_shape: int | Sequence[int],  # noqa: A002
             weight: Tensor | None = None, eps: float | None = None) -> Tensor:
    """x / sqrt(mean(x^2) + eps) over the last dims, ``normalized_shape``, then scaled by
    ``weight``, as ``torch.nn.functional.rms_norm``: a layer norm that does not centre (and
    has no bias). ``eps=None`` is the input dtype's machine epsilon, as in PyTorch.

    >>> rms_norm(microtorch_core.tensor([[3.0, 4.0]]), (2,)).tolist()  # rms = sqrt(12.5)
    [[0.8485281467437744, 1.1313709020614624]]
    """
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"rms_norm is implemented for floating dtypes only, got "
                                  f"{input.dtype.name}")
    dims = _last_dims(input, normalized_shape, weight=weight)
    if eps is None:
        eps = float(np.finfo(input.dtype.np).eps)
    out = input * ops.rsqrt((input * input).mean(dims, keepdim=True) + eps)
    return out * weight if weight is not None else out


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,  # noqa: A002
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Split the channels (dim 1) of ``input`` (N, C, *) into ``num_groups`` groups and
    normalise each sample's group over its channels and spatial dims, then scale and shift
    each channel by ``weight`` and ``bias`` (C,), as ``torch.nn.functional.group_norm``.
    Unlike batch norm it does not depend on the batch, so it works with a batch of 1."""
    if input.dim() < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received "
                           f"{input.dim()}")
    n, channels = input.shape[0], input.shape[1]
    if num_groups <= 0 or channels % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by "
                           f"num_groups, but got input of shape {list(input.shape)} and "
                           f"num_groups={num_groups}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != (channels,):
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of "
                               f"channels in input, but got {name} of shape {list(t.shape)} "
                               f"and input of shape {list(input.shape)}")
    per_group = input.numel() // max(n * num_groups, 1)
    grouped = input.reshape(n, num_groups, per_group)
    out = _normalize(grouped, (2,), eps).reshape(input.shape)
    shape = (1, channels) + (1,) * (input.dim() - 2)
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4,  # noqa: A002
                        beta: float = 0.75, k: float = 1.0) -> Tensor:
    """x_c / (k + alpha * mean(x_c'^2))^beta, the mean over a window of ``size`` channels
    (dim 1) around c, zero-padded at the ends (so always divided by ``size``), as
    ``torch.nn.functional.local_response_norm`` (AlexNet's lateral inhibition)."""
    if input.dim() < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {input.dim()} "
                         f"dimensions)")
    if size < 1:
        raise ValueError(f"local_response_norm: size must be at least 1, got {size}")
    if not input.dtype.is_floating_point and input.dtype is not dtypes.int64:
        pool = "avg_pool2d" if input.dim() == 3 else "avg_pool3d"  # what PyTorch runs
        name = {"int32": "Int", "bool": "Bool"}.get(input.dtype.name, input.dtype.name)
        raise NotImplementedError(f'"{pool}" not implemented for \'{name}\'')
    if input.numel() == 0:
        return input
    # zeros before and after the channels (pad lists (before, after) from the last dim on),
    # then every window of ``size`` channels as a new last dim (a view)
    padding = (0, 0) * (input.dim() - 2) + (size // 2, (size - 1) // 2)
    windows = pad(input * input, padding).unfold(1, size, 1)
    # int64 averages in integers, as PyTorch's average pooling does (the squares are >= 0, so
    # floor division is its truncation); the rest is in the default float dtype
    mean = windows.mean(-1) if input.dtype.is_floating_point else windows.sum(-1) // size
    return input / (mean * alpha + k) ** beta
