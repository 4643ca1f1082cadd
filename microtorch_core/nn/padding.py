"""Padding layers over ``F.pad``, as in ``torch.nn``: ``ZeroPad1d``/``2d``/``3d``,
``ConstantPad1d``/``2d``/``3d``, ``ReflectionPad1d``/``2d``/``3d``,
``ReplicationPad1d``/``2d``/``3d`` and ``CircularPad1d``/``2d``/``3d``.

Each pads the last one (``1d``), two (``2d``) or three (``3d``) dims. ``padding`` is an int
(the same on every side) or a tuple in ``F.pad``'s order, from the last dim on:
``(left, right)``, ``(left, right, top, bottom)``, or ``(left, right, top, bottom, front,
back)``. Negative amounts crop.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..tensor import Tensor
from . import functional as F
from .module import Module


class _PadNd(Module):
    """Pads ``_spatial`` dims in ``_mode``. The modes other than ``'constant'`` take, as in
    PyTorch, only an input with the spatial dims and a channel dim, and an optional batch
    dim."""

    _mode: str  # F.pad's mode
    _spatial: int  # how many trailing dims are padded

    def __init__(self, padding: int | Sequence[int]) -> None:
        super().__init__()
        sides = 2 * self._spatial
        if isinstance(padding, int) and not isinstance(padding, bool):
            padding = (padding,) * sides
        elif not (isinstance(padding, Sequence) and len(padding) == sides
                  and all(isinstance(p, int) for p in padding)):
            raise TypeError(f"{type(self).__name__}: padding must be an int or a tuple of "
                            f"{sides} ints, got {padding!r}")
        self.padding = tuple(padding)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        dims = (self._spatial + 1, self._spatial + 2)
        if input.dim() not in dims:
            raise ValueError(f"{type(self).__name__}: expected {dims[0]}D or {dims[1]}D input "
                             f"(got {input.dim()}D input of shape {tuple(input.shape)})")
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    """Pads with ``value``; any input with at least the padded dims."""

    _mode = "constant"

    def __init__(self, padding: int | Sequence[int], value: float) -> None:
        super().__init__(padding)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pads the last dim with ``value``."""

    _spatial = 1


class ConstantPad2d(_ConstantPadNd):
    """Pads the last two dims with ``value``.

    >>> ConstantPad2d((1, 1, 2, 0), 3.5)(microtorch_core.zeros(1, 3, 3)).shape
    (1, 5, 5)
    """

    _spatial = 2


class ConstantPad3d(_ConstantPadNd):
    """Pads the last three dims with ``value``."""

    _spatial = 3


class ZeroPad1d(ConstantPad1d):
    """Pads the last dim with zeros."""

    def __init__(self, padding: int | Sequence[int]) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    """Pads the last two dims with zeros."""

    def __init__(self, padding: int | Sequence[int]) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad3d(ConstantPad3d):
    """Pads the last three dims with zeros."""

    def __init__(self, padding: int | Sequence[int]) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ReflectionPad1d(_PadNd):
    """Mirrors the last dim at its ends, without repeating the edge: ``[1, 2, 3]`` padded by
    2 is ``[3, 2, 1, 2, 3, 2, 1]``."""

    _mode, _spatial = "reflect", 1


class ReflectionPad2d(_PadNd):
    """Mirrors the last two dims at their ends, without repeating the edge."""

    _mode, _spatial = "reflect", 2


class ReflectionPad3d(_PadNd):
    """Mirrors the last three dims at their ends, without repeating the edge."""

    _mode, _spatial = "reflect", 3


class ReplicationPad1d(_PadNd):
    """Repeats the edge values of the last dim: ``[1, 2, 3]`` padded by 2 is
    ``[1, 1, 1, 2, 3, 3, 3]``."""

    _mode, _spatial = "replicate", 1


class ReplicationPad2d(_PadNd):
    """Repeats the edge values of the last two dims."""

    _mode, _spatial = "replicate", 2


class ReplicationPad3d(_PadNd):
    """Repeats the edge values of the last three dims."""

    _mode, _spatial = "replicate", 3


class CircularPad1d(_PadNd):
    """Wraps the last dim around: ``[1, 2, 3]`` padded by 2 is ``[2, 3, 1, 2, 3, 1, 2]``."""

    _mode, _spatial = "circular", 1


class CircularPad2d(_PadNd):
    """Wraps the last two dims around (a torus)."""

    _mode, _spatial = "circular", 2


class CircularPad3d(_PadNd):
    """Wraps the last three dims around."""

    _mode, _spatial = "circular", 3
