"""Tensors with the same values in different memory layouts, for testing kernels' strides.

A kernel must honour shape, strides and offset: a transposed view, a slice with a step (and
an offset), and a broadcast (stride 0) view all reach it as they are, without a copy.
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: Every layout :func:`make_layout` builds.
LAYOUTS = ("contiguous", "transposed", "stepped", "expanded")


def make_layout(values: np.ndarray, layout: str, device: str) -> tuple[Any, np.ndarray]:
    """A tensor on ``device`` in ``layout``, and the NumPy array of the values it holds.

    * ``contiguous``: row-major.
    * ``transposed``: the last two dims swapped in memory (strides reversed); 1-D stays put.
    * ``stepped``: every other element of a larger buffer, starting at offset 1.
    * ``expanded``: the first row broadcast over dim 0 (stride 0), so the values are
      ``values[:1]`` repeated.
    """
    import microtorch_core as mt

    if layout == "contiguous" or values.ndim == 0:
        return mt.tensor(values, device=device), values
    if layout == "transposed":
        if values.ndim < 2:
            return mt.tensor(values, device=device), values
        base = mt.tensor(np.ascontiguousarray(np.swapaxes(values, -1, -2)), device=device)
        view = base.transpose(-1, -2)
        assert not view.is_contiguous()
        return view, values
    if layout == "stepped":
        big = np.zeros(values.shape[:-1] + (2 * values.shape[-1] + 1,), values.dtype)
        big[..., 1::2] = values
        view = mt.tensor(big, device=device)[..., 1::2]
        return view, values
    if layout == "expanded":
        row = values[:1]
        view = mt.tensor(row, device=device).expand(values.shape)
        return view, np.broadcast_to(row, values.shape)
    raise ValueError(f"unknown layout {layout!r}; expected one of {LAYOUTS}")
