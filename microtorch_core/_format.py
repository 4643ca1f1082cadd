"""``repr(tensor)`` in PyTorch's style: ``tensor([1.0000, 2.5000], requires_grad=True)``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from . import dtypes

if TYPE_CHECKING:
    from .tensor import Tensor

_IMPLIED = {dtypes.int64, dtypes.bool_}  # dtypes repr leaves out (besides the default float)


def _summarized(values: np.ndarray, edge: int = 3) -> np.ndarray:
    """The values repr shows when it elides (the first and last ``edge`` along each dim)."""
    for axis, n in enumerate(values.shape):
        if n > 2 * edge:
            values = np.concatenate([values.take(range(edge), axis),
                                     values.take(range(n - edge, n), axis)], axis)
    return values


def _formatter(values: np.ndarray):
    """PyTorch's float format: integral values as ``3.``, others with 4 decimals, scientific
    when the magnitudes span more than 1000x or leave [1e-4, 1e8]; every entry padded to one
    width so columns line up."""
    if values.dtype.kind != "f":
        return None
    if values.size > 1000:
        values = _summarized(values)
    shown = values[np.isfinite(values) & (values != 0)]  # PyTorch sizes by these only
    nonzero = np.abs(shown).astype(np.float64)  # max / min may overflow float32
    int_mode = bool(np.all(nonzero == np.round(nonzero)))
    with np.errstate(over="ignore"):  # [1e300, 1e-300]: the ratio is inf, still > 1000
        sci = bool(nonzero.size) and (nonzero.max() / nonzero.min() > 1000
                                      or nonzero.max() > 1e8
                                      or (not int_mode and nonzero.min() < 1e-4))

    def fmt(v) -> str:
        if sci:
            return f"{v:.4e}"
        if int_mode:
            return f"{v:.0f}." if np.isfinite(v) else f"{v:.0f}"
        return f"{v:.4f}"

    width = max((len(fmt(v)) for v in shown.flat), default=1)
    return lambda v: fmt(v).rjust(width)


def _complex_formatter(values: np.ndarray):
    """PyTorch's complex format: the real parts and the imaginary parts each formatted as
    floats (their own modes and widths), joined as ``1.5000-2.0000j``."""
    real, imag = _formatter(values.real), _formatter(np.abs(values.imag))

    def fmt(v) -> str:
        sign = "-" if np.signbit(v.imag) else "+"
        return f"{real(v.real)}{sign}{imag(abs(v.imag)).lstrip()}j"

    return fmt


def format_tensor(t: Tensor) -> str:
    values = t.detach()._to_host()
    opts = {"separator": ", ", "prefix": "tensor(", "threshold": 1000, "edgeitems": 3,
            "max_line_width": 81}  # NumPy wraps before the limit, PyTorch at 80
    if values.dtype.kind == "c":
        opts["formatter"] = {"complex_kind": _complex_formatter(values)}
    elif (fmt := _formatter(values)) is not None:
        opts["formatter"] = {"float_kind": fmt}
    if values.dtype == np.bool_:
        body = np.array2string(values, **opts).replace("True", "True").replace("False", "False")
    else:
        body = np.array2string(values, **opts)
    body = body.replace(", ..., ", ",  ..., ")  # PyTorch elides with " ..." in a row
    extras = []
    if t.device.type != "cpu":
        extras.append(f"device='{t.device}'")
    if t.numel() == 0 and t.dim() != 1:
        body = "[]"
        extras.append(f"size={tuple(t.shape)}")
    default = dtypes.get_default_dtype()
    # values show int64, bool and the default complex dtype; an empty tensor shows no values
    implied = {default} if t.numel() == 0 else _IMPLIED | {default, dtypes.to_complex(default)}
    if t.dtype not in implied:
        extras.append(f"dtype={t.dtype!r}")
    if t.grad_fn is not None:
        extras.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        extras.append("requires_grad=True")
    return "tensor(" + body + "".join(", " + e for e in extras) + ")"
