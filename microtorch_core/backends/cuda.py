"""``backends.cuda``: cuBLAS's matmul flags and the float32 matmul precision, as
``torch.backends.cuda``.

In PyTorch, ``matmul.allow_tf32 = True`` (or ``set_float32_matmul_precision("high")``) lets
float32 matmuls on NVIDIA GPUs use TF32 tensor cores: about 10 bits of mantissa instead of
23, for speed. MicroTorch's matmul kernels always multiply and accumulate in the tensors' own
dtype (full float32), so these settings change nothing here. They are kept, linked and checked
as PyTorch's are (``allow_tf32`` is ``get_float32_matmul_precision() != "highest"``), so scripts
that set them run and read back what they set.
"""

from __future__ import annotations

import warnings

_PRECISIONS = ("highest", "high", "medium")
_state = {"float32_matmul_precision": "highest"}


def get_float32_matmul_precision() -> str:
    """``"highest"`` (the default), ``"high"`` or ``"medium"``: the precision float32 matmuls
    may use in PyTorch. MicroTorch always computes them in full float32."""
    return _state["float32_matmul_precision"]


def set_float32_matmul_precision(precision: str) -> None:
    """Allow lower-precision float32 matmuls (``"high"``: TF32, ``"medium"``: bfloat16) as
    PyTorch does; MicroTorch records the choice and always computes in full float32. An
    unknown value warns and changes nothing, as in PyTorch."""
    if precision not in _PRECISIONS:
        warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the current "
                      "set_float32_matmul_precision call has no effect.", stacklevel=2)
        return
    _state["float32_matmul_precision"] = precision


def is_built() -> bool:
    """Whether a CUDA backend is installed (PyTorch: built with CUDA); ``cuda.is_available()``
    says whether it can run here."""
    from ..registry import registry

    return registry.backend_info("cuda") is not None


class CuBLASModule:
    """``backends.cuda.matmul``: cuBLAS's flags. Setting one checks it is a bool; an unknown
    name raises ``AttributeError``, as PyTorch's does, so a typo is not silently kept."""

    _FLAGS = ("allow_fp16_reduced_precision_reduction", "allow_bf16_reduced_precision_reduction")

    def __init__(self) -> None:
        # PyTorch's defaults: float16/bfloat16 matmuls may reduce in reduced precision.
        object.__setattr__(self, "_flags", dict.fromkeys(self._FLAGS, True))

    def __getattr__(self, name: str) -> bool:
        if name == "allow_tf32":
            return get_float32_matmul_precision() != "highest"
        if name in self._flags:
            return self._flags[name]
        raise AttributeError(f"Unknown attribute {name} (backends.cuda.matmul has allow_tf32, "
                             f"{', '.join(self._FLAGS)})")

    def __setattr__(self, name: str, value: bool) -> None:
        if name != "allow_tf32" and name not in self._flags:
            raise AttributeError(f"Unknown attribute {name} (backends.cuda.matmul has "
                                 f"allow_tf32, {', '.join(self._FLAGS)})")
        if not isinstance(value, bool):
            raise RuntimeError(f"backends.cuda.matmul.{name} expects a bool, but got "
                               f"{type(value).__name__} ({value!r})")
        if name == "allow_tf32":
            _state["float32_matmul_precision"] = "high" if value else "highest"
        else:
            self._flags[name] = value

    def __repr__(self) -> str:
        flags = {"allow_tf32": self.allow_tf32, **self._flags}
        return f"CuBLASModule({', '.join(f'{k}={v}' for k, v in flags.items())})"


matmul = CuBLASModule()
