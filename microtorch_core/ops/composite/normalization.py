"""``torch.native_layer_norm``, ``native_group_norm`` and ``native_batch_norm``: the
normalisations with the statistics they used, ``(output, mean, rstd)``.

``nn.functional.layer_norm`` and friends return only the output; the ``native_`` forms, which
PyTorch's backward formulas and compilers are written against, also return the mean and the
reciprocal standard deviation ``rstd = 1 / sqrt(var + eps)`` (biased variance) of each group
of elements normalised together. The output here is ``nn.functional``'s (imported when first
called: ``nn`` is loaded lazily); the statistics are computed beside it. As in PyTorch, the
statistics of layer and batch norm are not differentiable outputs, those of group norm are.

>>> out, mean, rstd = native_layer_norm(tensor([[1.0, 3.0]]), (2,), None, None, 0.0)
>>> mean, rstd
(tensor([[2.]]), tensor([[1.]]))
"""

from __future__ import annotations

from collections.abc import Sequence

from ...tensor import Tensor
from ..declare import op
from ..primitive.views import reshape
from .pointwise import rsqrt


def _statistics(x: Tensor, dims: tuple[int, ...], eps: float) -> tuple[Tensor, Tensor]:
    """The mean and 1 / sqrt(biased var + eps) over ``dims`` (kept, size 1)."""
    mean = x.mean(dims, keepdim=True)
    centered = x - mean
    return mean, rsqrt((centered * centered).mean(dims, keepdim=True) + eps)


@op
def native_layer_norm(input: Tensor, normalized_shape: Sequence[int],  # noqa: A002
                      weight: Tensor | None, bias: Tensor | None, eps: float
                      ) -> tuple[Tensor, Tensor, Tensor]:
    """``layer_norm`` over the last ``len(normalized_shape)`` dims, with its statistics:
    ``(out, mean, rstd)``, the latter two of shape ``input.shape[:axis] + (1,) * len(
    normalized_shape)``, as ``torch.native_layer_norm``."""
    from ...nn.functional import layer_norm

    out = layer_norm(input, normalized_shape, weight, bias, eps)
    dims = tuple(range(input.dim() - len(tuple(normalized_shape)), input.dim()))
    mean, rstd = _statistics(input.detach(), dims, eps)
    return out, mean, rstd


@op
def native_group_norm(input: Tensor, weight: Tensor | None, bias: Tensor | None,  # noqa: A002
                      N: int, C: int, HxW: int, group: int, eps: float  # noqa: N803
                      ) -> tuple[Tensor, Tensor, Tensor]:
    """``group_norm`` of ``input`` (N, C, *) in ``group`` groups of channels, with its
    statistics ``(out, mean, rstd)``, each of shape (N, group), as
    ``torch.native_group_norm`` (``N``, ``C`` and ``HxW``, the product of the spatial sizes,
    describe ``input``)."""
    from ...nn.functional import group_norm

    if input.numel() != N * C * HxW or (input.dim() > 1 and input.shape[1] != C):
        raise RuntimeError(f"native_group_norm: expected an input of {N} x {C} x {HxW} "
                           f"elements (N, C, HxW), got shape {list(input.shape)}")
    out = group_norm(input, group, weight, bias, eps)
    grouped = reshape(input, (N, group, (C // group) * HxW))
    mean, rstd = _statistics(grouped, (2,), eps)
    return out, reshape(mean, (N, group)), reshape(rstd, (N, group))


@op
def native_batch_norm(input: Tensor, weight: Tensor | None, bias: Tensor | None,  # noqa: A002
                      running_mean: Tensor | None, running_var: Tensor | None,
                      training: bool, momentum: float, eps: float
                      ) -> tuple[Tensor, Tensor, Tensor]:
    """``batch_norm`` of ``input`` (N, C, *) with the batch's statistics ``(out, save_mean,
    save_invstd)``, each of shape (C,), as ``torch.native_batch_norm``. In training (or
    without running statistics) the running statistics, if given, are updated in place; in
    evaluation the running statistics are used and the saved ones are empty."""
    from ...nn.functional import batch_norm

    out = batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)
    if not training and running_mean is not None and running_var is not None:
        empty = input._empty_like((0,))
        return out, empty, empty._empty_like()
    channels = input.shape[1]
    dims = (0,) + tuple(range(2, input.dim()))
    mean, invstd = _statistics(input.detach(), dims, eps)
    return out, reshape(mean, (channels,)), reshape(invstd, (channels,))
