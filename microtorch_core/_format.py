"""``repr(tensor)`` in PyTorch's style: ``tensor([1.0000, 2.5000], requires_grad=True)``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from . import dtypes

if TYPE_CHECKING:
    from .tensor import Tensor

_IMPLIED = {dtypes.int64, dtypes.bool_}  # dtypes repr leaves out (besides the default float)


def _formatter(values: np.ndarray):
    if values.dtype.kind != "f":
        return None
    finite = values[np.isfinite(values)]
    if finite.size and np.all(finite == np.round(finite)) and np.abs(finite).max() < 1e8:
        return lambda v: (f"{v:.0f}." if np.isfinite(v) else str(v))
    big = finite.size and (np.abs(finite).max() >= 1e8 or
                           0 < np.abs(finite[finite != 0]).min(initial=1) < 1e-4)
    if big:
        return lambda v: f"{v:.4e}"
    return lambda v: f"{v:.4f}"


def format_tensor(t: Tensor) -> str:
    values = t.detach()._to_host()
    fmt = _formatter(values)
    opts = {"separator": ", ", "prefix": "tensor(", "threshold": 1000, "edgeitems": 3}
    if fmt is not None:
        opts["formatter"] = {"float_kind": fmt}
    if values.dtype == np.bool_:
        body = np.array2string(values, **opts).replace("True", "True").replace("False", "False")
    else:
        body = np.array2string(values, **opts)
    extras = []
    if t.device.type != "cpu":
        extras.append(f"device='{t.device}'")
    if t.numel() == 0 and t.dim() != 1:
        body = "[]"
        extras.append(f"size={tuple(t.shape)}")
    if t.dtype is not dtypes.get_default_dtype() and t.dtype not in _IMPLIED:
        extras.append(f"dtype={t.dtype!r}")
    if t.grad_fn is not None:
        extras.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        extras.append("requires_grad=True")
    return "tensor(" + body + "".join(", " + e for e in extras) + ")"
