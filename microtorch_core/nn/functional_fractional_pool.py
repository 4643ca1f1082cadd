"""Fractional max pooling: ``fractional_max_pool2d``/``3d``, as in ``torch.nn.functional``
(Graham, "Fractional Max-Pooling", 2014), which ``nn.functional`` re-exports.

The windows have the kernel's size, but their starts step by a pseudo-random amount so that
the output has any size asked for. Along a dim of size ``n`` pooled by ``k`` to ``m`` outputs,
each plane draws ``u`` in [0, 1) and PyTorch's interval sequence places window ``i`` at::

    alpha = (n - k) / (m - 1)
    start(i) = trunc((i + u) * alpha) - trunc(u * alpha)     for i < m - 1
    start(m - 1) = n - k                                      (the last window ends the dim)

computed in the input's dtype, as PyTorch's kernel does. Every plane (batch, channel) has its
own ``u`` per dim, so the windows differ between planes and cannot be a strided view: each
window's flat input positions are computed as an index tensor, and the windows are gathered
from the flattened planes. The maximum is then taken as ``max_pool`` does (``argmax`` over the
window elements, the first maximum winning and NaN counting as the largest), so the gradient
goes to that position, through ``_TakeMax`` and the gather's backward.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .. import ops
from ..creation import arange, rand
from ..tensor import Tensor
from .functional_pooling import _TakeMax

__all__ = ["fractional_max_pool2d", "fractional_max_pool3d"]

_DIM_NAMES = {2: ("height", "width"), 3: ("time", "height", "width")}


def _sizes(value: int | Sequence[int], spatial: int, what: str, name: str) -> tuple[int, ...]:
    """An int or a sequence of 1 or ``spatial`` ints as ``spatial`` ints, with PyTorch's
    message otherwise."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (value,) * spatial
    if isinstance(value, Sequence) and len(value) in (1, spatial) \
            and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        return tuple(value) * (spatial if len(value) == 1 else 1)
    count = "Ints" if spatial == 2 else "three Ints"
    raise RuntimeError(f"{name}: {what} must either be a single Int or tuple of {count}, "
                       f"got {value!r}")


def _output_size(input: Tensor, spatial: int, output_size: int | Sequence[int] | None,  # noqa: A002
                 output_ratio: float | Sequence[float] | None, name: str) -> tuple[int, ...]:
    """The output size asked for, or ``int(size * ratio)`` per dim as PyTorch computes it."""
    if output_size is None and output_ratio is None:
        raise ValueError(f"{name} requires specifying either an output_size or an "
                         f"output_ratio")
    if output_size is not None:
        return _sizes(output_size, spatial, "output_size", name)
    ratios = output_ratio if isinstance(output_ratio, Sequence) else (output_ratio,)
    if len(ratios) not in (1, spatial):
        raise ValueError(f"{name} requires output_ratio to either be a single number or a "
                         f"tuple of {spatial} numbers, got {output_ratio!r}")
    ratios = tuple(ratios) * (spatial if len(ratios) == 1 else 1)
    return tuple(int(n * r) for n, r in zip(input.shape[-spatial:], ratios, strict=True))


def _check(name: str, input: Tensor, spatial: int, kernel: Sequence[int],  # noqa: A002
           outs: Sequence[int], samples: Tensor) -> None:
    """PyTorch's checks on the input's sizes and ``_random_samples``, with its messages."""
    for d in range(input.dim() - spatial - 1, input.dim()):
        if input.shape[d] == 0:
            raise RuntimeError(f"{name}(): Expected input to have non-zero size for non-batch "
                               f"dimensions, but got{list(input.shape)} with dimension {d} "
                               f"being empty.")
    if min(kernel) <= 0:
        raise RuntimeError(f"{name}(): kernel_size must be greater than zero, got "
                           f"{tuple(kernel)}")
    if min(outs) < 0:
        raise RuntimeError(f"{name}(): output_size must be non-negative, got {tuple(outs)}")
    for what, n, k, m in zip(_DIM_NAMES[spatial], input.shape[-spatial:], kernel, outs,
                             strict=True):
        if m + k - 1 > n:
            raise RuntimeError(f"{name}(): pool {what} {k} too large relative to input "
                               f"{what} {n}")
    if samples.dtype is not input.dtype:
        raise RuntimeError(f"Expect _random_samples to have the same dtype as input, got "
                           f"{samples.dtype.name} and {input.dtype.name}")
    if samples.dim() != 3:
        raise RuntimeError(f"Expect _random_samples to have 3 dimensions, got {samples.dim()}")
    batch = input.shape[0] if input.dim() == spatial + 2 else 1
    if samples.shape[0] < batch:
        raise RuntimeError(f"Expect _random_samples.size(0) no less then input batch size, "
                           f"got {samples.shape[0]} and {batch}.")
    if samples.shape[1] != input.shape[-spatial - 1]:
        raise RuntimeError(f"Expect _random_samples.size(1) equals to input channel size, got "
                           f"{samples.shape[1]} and {input.shape[-spatial - 1]}.")
    if samples.shape[2] != spatial:
        raise RuntimeError(f"Expect _random_samples.size(2) equals to {spatial}; got "
                           f"{samples.shape[2]}.")


def _starts(u: Tensor, size: int, kernel: int, outs: int) -> Tensor:
    """(N, C) samples -> (N, C, outs) int64 window starts, PyTorch's interval sequence."""
    last = arange(1, device=u.device).expand(*u.shape, 1) + (size - kernel)
    if outs <= 1:
        return last[..., :outs]
    # alpha in the input's dtype, as the kernel computes it (float32 inputs: float32 steps)
    alpha = float(np.asarray(size - kernel, u.dtype.np) / np.asarray(outs - 1, u.dtype.np))
    i = arange(outs - 1, dtype=u.dtype, device=u.device)
    u = u.unsqueeze(-1)
    steps = ((i + u) * alpha).trunc() - (u * alpha).trunc()
    return ops.cat([steps.long(), last], -1)


def _fractional_max_pool(name: str, input: Tensor, spatial: int,  # noqa: A002
                         kernel_size: int | Sequence[int],
                         output_size: int | Sequence[int] | None,
                         output_ratio: float | Sequence[float] | None, return_indices: bool,
                         _random_samples: Tensor | None) -> Tensor | tuple[Tensor, Tensor]:
    kernel = _sizes(kernel_size, spatial, "kernel_size", name)
    if input.dim() not in (spatial + 1, spatial + 2):
        raise RuntimeError(f"{name}(): Expected {spatial + 1}D or {spatial + 2}D tensor, but "
                           f"got: {list(input.shape)}")
    outs = _output_size(input, spatial, output_size, output_ratio, name)
    samples = _random_samples
    if samples is None:
        if not input.dtype.is_floating_point:  # rand() cannot make the samples, as PyTorch
            raise NotImplementedError(f'"check_uniform_bounds" not implemented for '
                                      f"{input.dtype.name}")
        batch = input.shape[0] if input.dim() == spatial + 2 else 1
        samples = rand(batch, input.shape[-spatial - 1], spatial, dtype=input.dtype,
                       device=input.device)
    _check(name, input, spatial, kernel, outs, samples)
    unbatched = input.dim() == spatial + 1
    x = input.unsqueeze(0) if unbatched else input
    n, c = x.shape[0], x.shape[1]
    sizes = tuple(x.shape[2:])
    samples = samples.detach()[:n]
    # the flat input position of each window element, (N, C, *k, *O): along dim d, window
    # o's element a sits at start(o) + a; the samples list the dims last first (W, H, T)
    positions = None
    for d in range(spatial):
        start = _starts(samples[:, :, spatial - 1 - d], sizes[d], kernel[d], outs[d])
        shape = [n, c] + [1] * (2 * spatial)
        shape[2 + spatial + d] = outs[d]
        along = [1] * (2 + 2 * spatial)
        along[2 + d] = kernel[d]
        offset = arange(kernel[d], device=x.device).reshape(along)
        term = (start.reshape(shape) + offset) * int(np.prod(sizes[d + 1:], dtype=np.int64))
        positions = term if positions is None else positions + term
    window = int(np.prod(kernel))
    positions = positions.expand(n, c, *kernel, *outs).reshape(n, c, window, *outs)
    planes = x.reshape(n, c, int(np.prod(sizes)))
    windows = planes.gather(2, positions.reshape(n, c, window * int(np.prod(outs))))
    windows = windows.reshape(positions.shape)
    # (N, C, K, *O) -> (K, N, C, *O): the window elements first, as max_pool lays them out
    flat = windows.movedim(2, 0)
    which = flat.argmax(0, keepdim=True)
    out = _TakeMax.apply(flat, 0, which).squeeze(0)
    if unbatched:
        out = out.squeeze(0)
    if not return_indices:
        return out
    index = positions.movedim(2, 0).gather(0, which).squeeze(0)
    return out, index.squeeze(0) if unbatched else index


def fractional_max_pool2d(input: Tensor, kernel_size: int | Sequence[int],  # noqa: A002
                          output_size: int | Sequence[int] | None = None,
                          output_ratio: float | Sequence[float] | None = None,
                          return_indices: bool = False,
                          _random_samples: Tensor | None = None
                          ) -> Tensor | tuple[Tensor, Tensor]:
    """Max over (kH, kW) windows of (N, C, H, W) or (C, H, W) inputs placed at
    pseudo-random steps so that the output is ``output_size`` (or ``int(size *
    output_ratio)``), as ``torch.nn.functional.fractional_max_pool2d``.

    ``_random_samples`` (N, C, 2) holds each plane's ``u`` in [0, 1) for W then H; without
    it they are drawn from MicroTorch's generator. With ``return_indices`` the flat positions
    ``h * W + w`` of the maxima are returned too::

        >>> x = mt.arange(16.0).reshape(1, 1, 4, 4)
        >>> F.fractional_max_pool2d(x, 2, output_size=2).tolist()
        [[[[5.0, 7.0], [13.0, 15.0]]]]
    """
    return _fractional_max_pool("fractional_max_pool2d", input, 2, kernel_size, output_size,
                                output_ratio, return_indices, _random_samples)


def fractional_max_pool3d(input: Tensor, kernel_size: int | Sequence[int],  # noqa: A002
                          output_size: int | Sequence[int] | None = None,
                          output_ratio: float | Sequence[float] | None = None,
                          return_indices: bool = False,
                          _random_samples: Tensor | None = None
                          ) -> Tensor | tuple[Tensor, Tensor]:
    """Max over (kT, kH, kW) windows of (N, C, T, H, W) or (C, T, H, W) inputs at
    pseudo-random steps, as ``torch.nn.functional.fractional_max_pool3d``;
    ``_random_samples`` is (N, C, 3) (W, H, T), indices are ``(t * H + h) * W + w``."""
    return _fractional_max_pool("fractional_max_pool3d", input, 3, kernel_size, output_size,
                                output_ratio, return_indices, _random_samples)
