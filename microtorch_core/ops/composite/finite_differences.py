"""``gradient``: the derivative of sampled values by finite differences, as ``torch.gradient``
(and ``numpy.gradient``).

Along each dim, inside the samples, the derivative is a central difference: with a uniform
spacing ``h``, ``(f[i + 1] - f[i - 1]) / 2h``; with sample coordinates, where the spacing
left of ``i`` is ``hl`` and right of it ``hr``, the second-order formula that weighs the two
sides (it is exact for a parabola through the three points)::

    (hl**2 f[i + 1] - hr**2 f[i - 1] + (hr**2 - hl**2) f[i]) / (hl hr (hl + hr))

The two ends have one side only: ``edge_order=1`` takes the one-sided first difference,
``edge_order=2`` the one-sided second-order formula through the first (or last) three
samples. Everything is slices and arithmetic, so the result is differentiable in the values
and in the coordinates.

>>> gradient(tensor([1.0, 4.0, 9.0, 16.0]))
(tensor([3., 4., 6., 7.]),)
"""

from __future__ import annotations

from collections.abc import Sequence

from ... import dtypes
from ...tensor import Tensor, _wrap_dim
from ..declare import op
from ..primitive.views import reshape
from .indexing import cat, narrow

Spacing = float | int | Tensor | Sequence[float] | Sequence[Tensor] | None


def _dims(x: Tensor, dim: int | Sequence[int] | None) -> list[int]:
    if dim is None:
        return list(range(x.dim()))
    dims = [_wrap_dim(d, x.dim()) for d in ((dim,) if isinstance(dim, int) else dim)]
    for d in dims:
        if dims.count(d) > 1:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    return dims


def _spacings(x: Tensor, spacing: Spacing, dims: list[int], dim_given: bool
              ) -> list[float | Tensor]:
    """One spacing per dim: a number (uniform) or a 1-D tensor of coordinates."""
    if spacing is None:
        return [1.0] * len(dims)
    if isinstance(spacing, Tensor) and spacing.dim() == 0:
        spacing = spacing.item()
    if isinstance(spacing, (int, float)) and not isinstance(spacing, bool):
        return [spacing] * len(dims)
    spacing = list(spacing)
    if len(spacing) != len(dims):
        since = ("dim argument was given" if dim_given else
                 "dim argument was not given")
        what = f"len(dim) = {len(dims)}" if dim_given else f"self.dim() = {x.dim()}"
        raise RuntimeError(f"torch.gradient expected spacing to be unspecified, a scalar, or a "
                           f"list of length equal to '{what}', since {since}, but got a list "
                           f"of length {len(spacing)}")
    out: list[float | Tensor] = []
    for d, s in zip(dims, spacing):
        if isinstance(s, Tensor) and s.dim() == 0:
            s = s.item()
        if isinstance(s, Tensor):
            if s.dim() != 1 or s.shape[0] != x.shape[d]:
                raise RuntimeError(f"torch.gradient expected each tensor of coordinates to be "
                                   f"1-D with as many elements as the input has along dim {d} "
                                   f"({x.shape[d]}), but got shape {list(s.shape)}")
            if s.device != x.device:
                raise RuntimeError(f"torch.gradient expected each tensor to be on the same "
                                   f"device, but got devices {x.device} and {s.device}!")
        out.append(s)
    return out


def _uniform(f: Tensor, d: int, h: float, edge_order: int) -> Tensor:
    n = f.shape[d]

    def s(start: int, length: int) -> Tensor:
        return narrow(f, d, start % n, length)

    center = (s(2, n - 2) - s(0, n - 2)) / h / 2
    if edge_order == 1:
        first = (s(1, 1) - s(0, 1)) / h
        last = (s(-1, 1) - s(-2, 1)) / h
    else:
        first = (-1.5 * s(0, 1) + 2 * s(1, 1) - 0.5 * s(2, 1)) / h
        last = (0.5 * s(-3, 1) - 2 * s(-2, 1) + 1.5 * s(-1, 1)) / h
    return cat([first, center, last], d)


def _coordinates(f: Tensor, d: int, x: Tensor, edge_order: int) -> Tensor:
    n = f.shape[d]
    x = x.to(f.dtype) if not x.dtype.is_floating_point else x
    h = narrow(x, 0, 1, n - 1) - narrow(x, 0, 0, n - 1)  # h[i] = x[i + 1] - x[i]

    def s(start: int, length: int) -> Tensor:
        return narrow(f, d, start % n, length)

    def along(t: Tensor) -> Tensor:  # a 1-D tensor of weights, laid along dim d
        return reshape(t, tuple(t.shape[0] if i == d else 1 for i in range(f.dim())))

    hl, hr = narrow(h, 0, 0, n - 2), narrow(h, 0, 1, n - 2)
    a = along(-hr / (hl * (hl + hr)))
    b = along((hr - hl) / (hl * hr))
    c = along(hl / (hr * (hl + hr)))
    center = a * s(0, n - 2) + b * s(1, n - 2) + c * s(2, n - 2)
    h0, h1, h_1, h_2 = h[0], h[min(1, n - 2)], h[-1], h[max(-2, -(n - 1))]
    if edge_order == 1:
        first = (s(1, 1) - s(0, 1)) / h0
        last = (s(-1, 1) - s(-2, 1)) / h_1
    else:
        first = (-(2.0 * h0 + h1) / (h0 * (h0 + h1)) * s(0, 1)
                 + (h0 + h1) / (h0 * h1) * s(1, 1)
                 + -h0 / (h1 * (h0 + h1)) * s(2, 1))
        last = (h_1 / (h_2 * (h_1 + h_2)) * s(-3, 1)
                + -(h_1 + h_2) / (h_1 * h_2) * s(-2, 1)
                + (2 * h_1 + h_2) / (h_1 * (h_1 + h_2)) * s(-1, 1))
    return cat([first, center, last], d)


@op
def gradient(input: Tensor, *, spacing: Spacing = 1, dim: int | Sequence[int] | None = None,  # noqa: A002
             edge_order: int = 1) -> tuple[Tensor, ...]:
    """The derivative of ``input`` along each of ``dim`` (default: every dim) by central
    differences inside and one-sided ones at the ends, one tensor per dim, as
    ``torch.gradient``. ``spacing`` is a number (the same uniform spacing along every dim),
    one number per dim, or one 1-D tensor of sample coordinates per dim; ``edge_order`` (1 or
    2) is the accuracy at the ends. Integers give the default float dtype."""
    if edge_order not in (1, 2):
        raise RuntimeError("torch.gradient only supports edge_order=1 and edge_order=2.")
    dims = _dims(input, dim)
    spacings = _spacings(input, spacing, dims, dim is not None)
    for d in dims:
        if input.shape[d] < edge_order + 1:
            raise RuntimeError(f"torch.gradient expected each dimension size to be at least "
                               f"edge_order+1, but dim {d} has {input.shape[d]} elements "
                               f"(edge_order={edge_order})")
    f = input if input.dtype.is_floating_point else input.to(dtypes.get_default_dtype())
    return tuple(_coordinates(f, d, h, edge_order) if isinstance(h, Tensor)
                 else _uniform(f, d, h, edge_order) for d, h in zip(dims, spacings))
