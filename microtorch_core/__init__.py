"""MicroTorch: a small, readable PyTorch-like framework with pluggable device backends.

>>> import microtorch_core as mt
>>> a = mt.tensor([1.0, 2.0], requires_grad=True)
>>> (a * a).sum().backward()
>>> a.grad
tensor([2., 4.])

Backends (``microtorch-cpu``, ``microtorch-cuda``, third parties) are found through the
``microtorch.backends`` entry point group the first time a device is used.
"""

from __future__ import annotations

from . import (
    accelerator,
    amp,
    autograd,
    backend,
    backends,
    distributed,
    dtypes,
    linalg,
    onnx,
    ops,
    optim,
    random,
    special,
)
from .amp import autocast, is_autocast_enabled
from .autograd import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .autograd.grad_mode import inference_mode, is_inference_mode_enabled
from .backends.cuda import get_float32_matmul_precision, set_float32_matmul_precision
from .creation import (
    arange,
    as_tensor,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    logspace,
    ones,
    ones_like,
    rand,
    randint,
    randn,
    randperm,
    tensor,
    tril_indices,
    triu_indices,
    zeros,
    zeros_like,
)
from .device import device
from .dispatch import cpu_fallback_enabled, set_cpu_fallback
from .dtypes import (
    DType,
    bfloat16,
    complex64,
    complex128,
    finfo,
    float16,
    float32,
    float64,
    get_default_dtype,
    iinfo,
    int32,
    int64,
    promote_types,
    result_type,
    set_default_dtype,
)
from .hookspecs import hookimpl
from .memory import (
    empty_cache,
    max_memory_allocated,
    memory_allocated,
    memory_reserved,
    memory_stats,
    reset_peak_memory_stats,
)
from .ops import API as _OPS
from .random import Generator, get_rng_state, initial_seed, manual_seed, set_rng_state
from .registry import list_backends, register_backend, registry
from .sampling import (
    bernoulli,
    multinomial,
    normal,
    poisson,
    rand_like,
    randint_like,
    randn_like,
)
from .tensor import Tensor, is_tensor, numel

# Every op declared with ``variants="function"`` (``ops/declare.py``): mt.add, mt.softmax...
globals().update(_OPS)

__version__ = "0.1.0"

float = float32  # noqa: A001 - PyTorch's aliases
double = float64
cfloat = complex64
cdouble = complex128
half = float16  # named, not implemented yet: dtypes.UnsupportedDType
long = int64
int = int32  # noqa: A001
from .dtypes import bool_ as bool  # noqa: E402,A001 (last: shadows the builtin in this module)


def __getattr__(name: str):
    # Submodules with more imports are loaded on first use to keep `import` fast.
    import importlib

    if name in ("nn", "cuda", "utils", "testing", "viz", "distributions", "masked", "signal",
                "serialization", "fft"):
        return importlib.import_module(f"{__name__}.{name}")
    if name == "save" or name == "load":
        return getattr(importlib.import_module(f"{__name__}.serialization"), name)
    raise AttributeError(f"module 'microtorch_core' has no attribute {name!r}")
