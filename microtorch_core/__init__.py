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

from . import autograd, backend, dtypes, linalg, ops, optim, random
from .autograd import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
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
    normal,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
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
    float32,
    float64,
    get_default_dtype,
    int32,
    int64,
    promote_types,
    result_type,
    set_default_dtype,
)
from .hookspecs import hookimpl
from .memory import (
    max_memory_allocated,
    memory_allocated,
    memory_reserved,
    memory_stats,
    reset_peak_memory_stats,
)
from .ops import (
    abs,
    add,
    all,
    allclose,
    amax,
    amin,
    any,
    argmax,
    argmin,
    argsort,
    bmm,
    broadcast_shapes,
    broadcast_to,
    cat,
    chunk,
    clamp,
    clamp_max,
    clamp_min,
    clip,
    clone,
    concat,
    concatenate,
    cos,
    cumprod,
    cumsum,
    diag,
    diag_embed,
    diagonal,
    div,
    divide,
    dot,
    einsum,
    eq,
    equal,
    erf,
    exp,
    expm1,
    flatten,
    flip,
    fliplr,
    flipud,
    floor,
    floor_divide,
    gather,
    ge,
    greater,
    greater_equal,
    gt,
    index_select,
    isclose,
    isfinite,
    isinf,
    isnan,
    kthvalue,
    le,
    lerp,
    less,
    less_equal,
    log,
    log1p,
    log_softmax,
    logcumsumexp,
    logical_and,
    logical_not,
    logical_or,
    logsumexp,
    lt,
    masked_fill,
    matmul,
    max,
    maximum,
    mean,
    median,
    meshgrid,
    min,
    minimum,
    mm,
    movedim,
    msort,
    mul,
    multiply,
    narrow,
    ne,
    neg,
    nonzero,
    norm,
    not_equal,
    outer,
    permute,
    pow,
    prod,
    reciprocal,
    relu,
    remainder,
    repeat_interleave,
    reshape,
    roll,
    rsqrt,
    scatter,
    scatter_add,
    sigmoid,
    sign,
    sin,
    softmax,
    sort,
    split,
    sqrt,
    square,
    squeeze,
    stack,
    std,
    sub,
    subtract,
    sum,
    t,
    tanh,
    tensordot,
    tile,
    topk,
    trace,
    transpose,
    tril,
    triu,
    true_divide,
    unbind,
    unflatten,
    unsqueeze,
    var,
    where,
)
from .random import Generator, get_rng_state, initial_seed, manual_seed, set_rng_state
from .registry import list_backends, register_backend, registry
from .tensor import Tensor

__version__ = "0.1.0"

float = float32  # noqa: A001 - PyTorch's aliases
double = float64
long = int64
int = int32  # noqa: A001
from .dtypes import bool_ as bool  # noqa: E402,A001 (last: shadows the builtin in this module)


def __getattr__(name: str):
    # Submodules with more imports are loaded on first use to keep `import` fast.
    import importlib

    if name in ("nn", "cuda", "utils", "testing", "viz"):
        return importlib.import_module(f"{__name__}.{name}")
    if name == "save" or name == "load":
        return getattr(importlib.import_module(f"{__name__}.serialization"), name)
    raise AttributeError(f"module 'microtorch_core' has no attribute {name!r}")
