"""``onnx``: exporting a model to the ONNX format, as ``torch.onnx``; not supported here.

PyTorch's exporter traces a model into an ONNX graph. MicroTorch has no tracer or ONNX
writer, so ``export`` raises a clear error when called; importing this module (as scripts
do at the top, for an optional ``--onnx-export``) always works, and model code may ask
``is_in_onnx_export()``, which is False.
"""

from __future__ import annotations

from typing import Any, NoReturn

__all__ = ["export", "is_in_onnx_export"]


def is_in_onnx_export() -> bool:
    """False: MicroTorch never runs a model under an ONNX export."""
    return False


def export(model: Any, args: Any = (), f: Any = None, *rest: Any, **kwargs: Any) -> NoReturn:
    """Export ``model`` to ONNX: raises ``NotImplementedError`` (MicroTorch has no ONNX
    exporter); save the weights with ``save(model.state_dict(), path)`` instead."""
    raise NotImplementedError(
        f"onnx.export({type(model).__name__}, ...): MicroTorch cannot export to ONNX (it has "
        "no graph tracer or ONNX writer); save the weights with "
        "save(model.state_dict(), path) instead")
