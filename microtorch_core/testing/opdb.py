"""Run MicroTorch against PyTorch's operator database, ``op_db``.

PyTorch describes each of its operators with an ``OpInfo``: the sample inputs to call it
with, the inputs that must raise, and the dtypes it supports. This module turns every
sample into MicroTorch tensors, calls MicroTorch's equivalent of the op, and compares the
result with PyTorch's: values, dtype, shape and, in float64, the gradients of every input.
It needs PyTorch (the oracle) and ``expecttest`` (which ``op_db``'s module imports)::

    python -m microtorch_core.testing.opdb                  # summary, every op, CPU
    python -m microtorch_core.testing.opdb --op gather      # one op (name or name.variant)
    python -m microtorch_core.testing.opdb --report         # failures by cause, with examples

The pieces, in the order a sample meets them:

* **scope** (:func:`scope_reason`): complex-only, sparse, float16/bfloat16-only and private
  ops are left out, each with its reason.
* **resolution** (:func:`resolve`): ``torch.X`` -> ``mt.X``, ``torch.nn.functional.X`` ->
  ``mt.nn.functional.X`` (and ``linalg``, ``special``, ``fft``...), Tensor methods for
  method-only ops, and :data:`EQUIVALENTS` where PyTorch's sample calls a lambda.
* **conversion** (:func:`to_mt`): tensors (through lists, tuples and dicts) become MicroTorch
  tensors on the device under test with their dtype and ``requires_grad``; ``torch.dtype``
  and ``device=`` become MicroTorch's. A sample needing a dtype MicroTorch lacks is skipped.
* **comparison** (:func:`run_sample`): values within ``torch.testing``'s tolerance for the
  dtype (or the looser one the OpInfo itself declares), dtype, shape; in float64, the
  gradient of every input for ``sum(output * cotangent)`` with a fixed random cotangent,
  after the sample's ``output_process_fn_grad``. Random ops (:data:`RANDOM_OPS`,
  :data:`RANDOM_SAMPLES`) are compared by dtype and shape only; eigen- and singular vectors
  (:data:`SIGN_AMBIGUOUS`) up to sign; an index that differs only among equal input values
  (:data:`TIE_OPS`) is reported as its own kind of failure, ``ties``.
* **error inputs** (:func:`run_error_input`): MicroTorch must raise one of the errors
  PyTorch's tests accept; whether it raised PyTorch's own type is recorded.

Known failures live in one table, :data:`KNOWN_FAILURES`, which the conformance test
(``test_conformance_opdb.py``) checks in both directions. It runs :data:`TEST_LIMIT` samples
per op and dtype on the CPU, and one sample per op on other backends (:func:`run_samples`).
After changing an op, ``--known-failures --op NAME`` prints its entry as measured.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import math
import re
import sys
import textwrap
import time
import warnings
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

import microtorch_core as mt
from microtorch_core.dtypes import DType

# -- op_db and scope -------------------------------------------------------------------------

#: PyTorch's real dtypes MicroTorch has, and their MicroTorch names: every op's samples run in
#: each of these it supports.
DTYPES: dict[torch.dtype, str] = {
    torch.float32: "float32", torch.float64: "float64", torch.int64: "int64",
    torch.int32: "int32", torch.bool: "bool",
}
#: The complex dtypes: outputs and arguments in them convert and compare everywhere; samples
#: in them run only for the ops of :data:`COMPLEX_SAMPLE_OPS`.
COMPLEX_DTYPES: dict[torch.dtype, str] = {torch.complex64: "complex64",
                                          torch.complex128: "complex128"}
CONVERTIBLE: dict[torch.dtype, str] = {**DTYPES, **COMPLEX_DTYPES}
#: Samples in these dtypes also compare the gradients of every input.
GRADIENT_DTYPES = (torch.float64, torch.complex128)

#: Ops (key or name prefix ending in ".") whose complex samples run too: the ones built for
#: complex numbers. Elsewhere a backend runs only the complex kernels it lists, and the op
#: refuses the rest by name (``Backend.complex_ops``), so their complex samples are not run.
COMPLEX_SAMPLE_OPS: tuple[str, ...] = (
    "fft.", "stft", "istft", "view_as_real", "view_as_complex", "complex", "polar", "real",
    "imag", "conj", "conj_physical", "resolve_conj", "resolve_neg", "angle", "sgn",
)

#: Op-name prefixes out of scope, and why.
OUT_OF_SCOPE_PREFIXES: dict[str, str] = {
    "_": "private op (dunder operators such as __radd__ are in scope)",
    "torch.": "private aten operator (torch._* / torch.ops.aten)",
    "sparse.": "sparse layouts (MicroTorch tensors are strided only)",
    "jiterator_": "CUDA-only jiterator op",
}

#: Ops (name or name.variant) out of scope, and why. Dtype-only reasons are computed.
OUT_OF_SCOPE_OPS: dict[str, str] = {
    "to_sparse": "sparse layouts (MicroTorch tensors are strided only)",
    "byte": "returns uint8, a dtype MicroTorch lacks",
    "char": "returns int8, a dtype MicroTorch lacks",
    "short": "returns int16, a dtype MicroTorch lacks",
    "half": "returns float16, a dtype MicroTorch lacks",
    "bfloat16": "returns bfloat16, a dtype MicroTorch lacks",
    "chalf": "returns complex32, a dtype MicroTorch lacks",
    "slice": "aten-only (torch.ops.aten.slice.Tensor); Python slicing is __getitem__",
    "max_pool2d_with_indices_backward": "aten backward kernel, not a public Python API",
    "native_dropout_backward": "aten backward kernel, not a public Python API",
    "bmm.triton_optimized": "a Triton (GPU) code path of bmm",
}

#: Ops whose values are random (or uninitialised memory): only dtype and shape are compared,
#: and gradients are not.
RANDOM_OPS: frozenset[str] = frozenset({
    "cauchy", "exponential", "geometric", "log_normal", "normal.in_place", "uniform",
    "normal", "normal.number_mean", "bernoulli", "multinomial", "randn", "randn_like",
    "rand_like", "randint", "randint_like", "nn.functional.dropout", "nn.functional.dropout2d",
    "nn.functional.dropout3d", "nn.functional.alpha_dropout",
    "nn.functional.feature_alpha_dropout.with_train", "nn.functional.rrelu",
    "nn.functional.fractional_max_pool2d", "nn.functional.fractional_max_pool3d",
    "svd_lowrank", "pca_lowrank", "empty", "empty_like", "new_empty", "new_empty_strided",
    "empty_strided", "empty_permuted",
})


def _arg(sample: Any, position: int, name: str, default: Any) -> Any:
    """Argument ``name`` of a sample, passed at ``position`` (the input is 0) or by name."""
    if name in sample.kwargs:
        return sample.kwargs[name]
    return sample.args[position - 1] if len(sample.args) >= position else default


#: Ops whose samples are random only with some arguments (dropout), and the test for it.
RANDOM_SAMPLES: dict[str, Callable[[Any], bool]] = {
    "nn.functional.scaled_dot_product_attention":
        lambda s: _arg(s, 4, "dropout_p", 0.0) > 0,
    "nn.functional.multi_head_attention_forward":
        lambda s: _arg(s, 10, "dropout_p", 0.0) > 0 and _arg(s, 13, "training", True),
}

#: Ops whose outputs are defined up to sign (eigenvectors, singular vectors): where the raw
#: values differ, they are compared after the sample's ``output_process_fn_grad`` (``abs``
#: of the vectors), which PyTorch's own gradient tests use for the same reason.
SIGN_AMBIGUOUS: frozenset[str] = frozenset({"linalg.eigh", "linalg.eig", "linalg.svd", "svd"})

#: Ops that read their input's storage rather than its values: a sample whose input is a
#: view (an offset, strides, a larger storage) cannot be converted faithfully.
STORAGE_OPS: frozenset[str] = frozenset({"as_strided", "as_strided_copy", "as_strided_scatter"})


def _owns_storage(t: Any) -> bool:
    return (not isinstance(t, torch.Tensor) or t.storage_offset() == 0 and t.is_contiguous()
            and t.untyped_storage().nbytes() == t.numel() * t.element_size())


#: Ops returning indices of values: where the input has equal values PyTorch does not say
#: which index wins (sort without stable=True, topk, kthvalue, mode...), so a differing index
#: there is reported as its own kind, ``ties``, rather than as a wrong value.
TIE_OPS: frozenset[str] = frozenset({
    "sort", "argsort", "msort", "topk", "kthvalue", "mode", "median", "nanmedian",
    "max.reduction_with_dim", "min.reduction_with_dim", "cummax", "cummin",
})


@functools.cache
def load_op_db() -> tuple[Any, ...]:
    """PyTorch's ``op_db`` (imported once; about 4 s)."""
    argv = sys.argv
    sys.argv = argv[:1]  # torch's common_utils parses sys.argv when imported
    try:
        from torch.testing._internal.common_methods_invocations import op_db
    finally:
        sys.argv = argv
    return tuple(op_db)


def op_key(op: Any) -> str:
    """``name`` or ``name.variant``: how ops are named here, in tests and in the tables."""
    return f"{op.name}.{op.variant_test_name}" if op.variant_test_name else op.name


def dtypes_in_scope(op: Any) -> list[torch.dtype]:
    """The dtypes PyTorch supports for ``op`` on the CPU that MicroTorch has, in a fixed
    order."""
    supported = op.supported_dtypes("cpu")
    key = op_key(op)
    complex_too = any(key == name or name.endswith(".") and key.startswith(name)
                      for name in COMPLEX_SAMPLE_OPS)
    return [d for d in (CONVERTIBLE if complex_too else DTYPES) if d in supported]


def scope_reason(op: Any) -> str | None:
    """Why ``op`` is out of scope, or ``None`` when it is in scope."""
    key = op_key(op)
    for name in (key, op.name):
        if name in OUT_OF_SCOPE_OPS:
            return OUT_OF_SCOPE_OPS[name]
    dunder = op.name.startswith("__") and op.name.endswith("__")  # __radd__: public API
    for prefix, reason in OUT_OF_SCOPE_PREFIXES.items():
        if op.name.startswith(prefix) and not dunder:
            return reason
    if not dtypes_in_scope(op):
        names = sorted(str(d).removeprefix("torch.") for d in op.supported_dtypes("cpu"))
        if names and all(d in COMPLEX_DTYPES for d in op.supported_dtypes("cpu")):
            return ("complex samples only, of an op not built for complex numbers (complex "
                    "tensors reach only a backend's complex_ops; see COMPLEX_SAMPLE_OPS)")
        return f"no dtype MicroTorch has (CPU dtypes: {', '.join(names) or 'none'})"
    return None


# -- resolution: PyTorch op -> MicroTorch callable -------------------------------------------

def _swap_first_two(fn: Callable[..., Any]) -> Callable[..., Any]:
    return lambda x, n, **kwargs: fn(n, x, **kwargs)


#: OpInfos whose ``op`` is a lambda over another call: key -> (MicroTorch path, adapter).
#: The adapter gets the MicroTorch callable and returns the function the samples are passed
#: to, mirroring the OpInfo's lambda. Paths starting with ``Tensor.`` are methods.
EQUIVALENTS: dict[str, tuple[str, Callable[[Any], Callable[..., Any]]]] = {
    "cauchy": ("Tensor.cauchy_", lambda f: f),
    "exponential": ("Tensor.exponential_", lambda f: f),
    "geometric": ("Tensor.geometric_", lambda f: f),
    "log_normal": ("Tensor.log_normal_", lambda f: f),
    "normal.in_place": ("Tensor.normal_", lambda f: f),
    "uniform": ("Tensor.uniform_", lambda f: f),
    "polygamma": ("polygamma", _swap_first_two),
    "special.polygamma": ("special.polygamma", _swap_first_two),
    "einsum": ("einsum", lambda f: lambda tensors, equation: f(equation, tensors)),
    "where": ("where", lambda f: lambda x, condition, other, **kw: f(condition, x, other, **kw)),
    "nn.functional.embedding": (
        "nn.functional.embedding", lambda f: lambda weight, idx, **kw: f(idx, weight, **kw)),
    "nn.functional.embedding_bag": (
        "nn.functional.embedding_bag", lambda f: lambda weight, idx, **kw: f(idx, weight, **kw)),
    "linalg.lstsq.grad_oriented": (
        "linalg.lstsq", lambda f: lambda a, b, driver: f(a, b, driver=driver)[:2]),
    "linalg.pinv.singular": ("linalg.pinv", lambda f: lambda a, b: f(a @ b.mT)),
    "svd_lowrank": ("svd_lowrank", lambda f: lambda a, b, **kw: f(a @ b.mT, **kw)),
    "pca_lowrank": ("pca_lowrank", lambda f: lambda a, b, **kw: f(a @ b.mT, **kw)),
    "resize_": ("Tensor.resize_", lambda f: lambda x, shape: f(x.clone(), shape)),
    "resize_as_": ("Tensor.resize_as_", lambda f: lambda x, other: f(x.clone(), other)),
    "zero_": ("Tensor.zero_", lambda f: lambda x: f(x.clone())),
}


@dataclass(frozen=True)
class Resolved:
    """MicroTorch's equivalent of an OpInfo: ``fn(input, *args, **kwargs)`` and where it
    came from (``mt.X``, ``Tensor.X``...)."""

    fn: Callable[..., Any]
    source: str


def _mt_attr(path: str) -> Any:
    obj: Any = mt
    for part in path.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def _torch_attr(path: str) -> Any:
    obj: Any = torch
    for part in path.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def _as_callable(path: str) -> Callable[..., Any] | None:
    attr = _mt_attr(path)
    if isinstance(attr, property):  # Tensor.T, .mT...: the sample's input is the tensor
        return attr.fget
    return attr if callable(attr) and not isinstance(attr, DType) else None


def resolve(op: Any) -> Resolved | None:
    """MicroTorch's equivalent of ``op``, or ``None`` when it has none.

    The OpInfo's own name decides: a function ``torch.<name>`` must exist as ``mt.<name>``
    (through ``nn.functional``, ``linalg``, ``special``, ``fft``... alike), and an op that
    PyTorch has only as a Tensor method (or property) must be a method of ``mt.Tensor``.
    :data:`EQUIVALENTS` covers the OpInfos whose ``op`` reorders its arguments.
    """
    for name in (op_key(op), op.name):
        if name in EQUIVALENTS:
            path, adapt = EQUIVALENTS[name]
            fn = _as_callable(path)
            return Resolved(adapt(fn), f"mt.{path}") if fn is not None else None
    names = [op.name, *(alias.name.removeprefix("torch.") for alias in op.aliases)]
    for name in names:
        torch_fn = _torch_attr(name)
        if torch_fn is not None and not isinstance(torch_fn, torch.dtype) and callable(torch_fn):
            fn = _as_callable(name)  # PyTorch has a function: MicroTorch needs the function
        elif "." not in name and hasattr(torch.Tensor, name):
            fn = _as_callable(f"Tensor.{name}")
            name = f"Tensor.{name}"
        else:
            fn = None
        if fn is not None:
            return Resolved(fn, f"mt.{name}")
    return None


@dataclass(frozen=True)
class OpEntry:
    """One OpInfo with its scope and its MicroTorch equivalent."""

    key: str
    op: Any
    out_of_scope: str | None
    resolved: Resolved | None


@functools.cache
def catalog() -> tuple[OpEntry, ...]:
    """Every OpInfo of ``op_db``, with its scope and resolution (cheap: no sample is made)."""
    entries = []
    for op in load_op_db():
        reason = scope_reason(op)
        entries.append(OpEntry(op_key(op), op, reason, None if reason else resolve(op)))
    return tuple(entries)


def entry(key: str) -> OpEntry:
    """The catalog entry named ``key`` (``name`` or ``name.variant``)."""
    for e in catalog():
        if e.key == key:
            return e
    raise KeyError(f"no OpInfo named {key!r} in op_db")


# -- conversion: PyTorch sample -> MicroTorch ------------------------------------------------

class Unconvertible(Exception):
    """A sample needs something MicroTorch does not model (a dtype, a memory format...)."""


def to_mt(obj: Any, device: str, memo: dict[int, Any] | None = None) -> Any:
    """``obj`` with every torch tensor (through lists, tuples and dicts) made a MicroTorch
    tensor on ``device`` with the same values, dtype and ``requires_grad``, and torch dtypes
    and devices made MicroTorch's. A tensor met twice becomes one MicroTorch tensor."""
    memo = {} if memo is None else memo
    if isinstance(obj, torch.Tensor):
        if id(obj) not in memo:
            memo[id(obj)] = _tensor_to_mt(obj, device)
        return memo[id(obj)]
    if isinstance(obj, torch.dtype):
        return _dtype_to_mt(obj)
    if isinstance(obj, torch.device):
        return device
    if isinstance(obj, torch.Size):
        return tuple(obj)
    if isinstance(obj, torch.memory_format):
        name = str(obj).removeprefix("torch.")
        if _mt_attr(name) is None:
            raise Unconvertible(f"memory_format argument {obj}")
        return _mt_attr(name)
    if isinstance(obj, torch.nn.Module):
        return _module_to_mt(obj)
    if isinstance(obj, torch.Generator):
        return mt.Generator().manual_seed(obj.initial_seed())
    if isinstance(obj, dict):
        return {k: (device if k == "device" and isinstance(v, str) else to_mt(v, device, memo))
                for k, v in obj.items() if not _default_memory_format(k, v)}
    if isinstance(obj, list):
        return [to_mt(x, device, memo) for x in obj]
    if isinstance(obj, tuple):
        return tuple(to_mt(x, device, memo) for x in obj)
    return obj


def _module_to_mt(module: torch.nn.Module) -> Any:
    """MicroTorch's module of the same class and settings (``__constants__``), for a module
    passed as an argument (``distance_function=nn.PairwiseDistance()``); stateless only."""
    name = type(module).__name__
    cls = getattr(mt.nn, name, None)
    if cls is None or list(module.parameters()) or list(module.buffers()):
        raise Unconvertible(f"a torch.nn.{name} argument")
    converted = cls()
    for attr in getattr(module, "__constants__", ()):
        setattr(converted, attr, getattr(module, attr))
    return converted


def _default_memory_format(name: str, value: Any) -> bool:
    """Whether ``name=value`` is a ``memory_format=`` keyword MicroTorch lacks, with the
    value that means "as by default" (tensors here are strided without memory formats), so
    it can be left out."""
    return (name == "memory_format" and value in (torch.preserve_format, torch.contiguous_format)
            and _mt_attr(str(value).removeprefix("torch.")) is None)


def _dtype_to_mt(dtype: torch.dtype) -> Any:
    if dtype not in CONVERTIBLE:
        raise Unconvertible(f"dtype {dtype}")
    return getattr(mt, CONVERTIBLE[dtype])


def _tensor_to_mt(t: torch.Tensor, device: str) -> Any:
    if t.layout != torch.strided:
        raise Unconvertible(f"layout {t.layout}")
    if t.device.type != "cpu":  # error inputs use "meta" tensors, which hold no values
        raise Unconvertible(f"a tensor on device {t.device.type!r}")
    if t.dim() > 64:
        raise Unconvertible(f"a {t.dim()}-dimensional tensor (NumPy holds at most 64)")
    dtype = _dtype_to_mt(t.dtype)
    return mt.tensor(_torch_values(t), dtype=dtype, device=device, requires_grad=t.requires_grad)


# -- comparison ------------------------------------------------------------------------------

#: (rtol, atol) of ``torch.testing.assert_close`` by dtype; exact for the others.
TOLERANCES: dict[str, tuple[float, float]] = {"float32": (1.3e-6, 1e-5),
                                              "float64": (1e-7, 1e-7),
                                              "complex64": (1.3e-6, 1e-5),
                                              "complex128": (1e-7, 1e-7)}


@functools.cache
def tolerance(key: str, dtype: torch.dtype) -> tuple[float, float]:
    """(rtol, atol) for ``dtype``: ``torch.testing``'s default, widened to the loosest
    ``toleranceOverride`` the OpInfo declares for that dtype in any of PyTorch's tests."""
    from torch.testing._internal.common_device_type import toleranceOverride

    rtol, atol = TOLERANCES.get(CONVERTIBLE.get(dtype, ""), (0.0, 0.0))
    for info in entry(key).op.decorators:
        for decorator in getattr(info, "decorators", ()):
            if isinstance(decorator, toleranceOverride) and dtype in decorator.d:
                over = decorator.d[dtype]
                rtol, atol = max(rtol, over.rtol), max(atol, over.atol)
    return rtol, atol


@dataclass
class Failure:
    """Why one sample failed: ``kind`` is the cause's family (``exception``, ``value``,
    ``dtype``, ``shape``, ``gradient``, ``structure``, ``no error``...), ``cause`` the
    grouping key, ``detail`` the specifics of this sample."""

    kind: str
    cause: str
    detail: str = ""


class _Mismatch(Exception):
    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.cause)
        self.failure = failure


def _fail(kind: str, cause: str, detail: str = "") -> None:
    raise _Mismatch(Failure(kind, cause, detail))


def _out_of_scope_output(obj: Any) -> str | None:
    """The first dtype in a PyTorch output that MicroTorch lacks, if any."""
    if isinstance(obj, torch.Tensor):
        return None if obj.dtype in CONVERTIBLE else str(obj.dtype)
    if isinstance(obj, (list, tuple)):
        for x in obj:
            bad = _out_of_scope_output(x)
            if bad:
                return bad
    return None


def _compare(expected: Any, actual: Any, tol: Callable[[torch.dtype], tuple[float, float]],
             where: str, values: bool) -> None:
    """Raise :class:`_Mismatch` where ``actual`` (MicroTorch) differs from ``expected``."""
    if isinstance(expected, torch.Tensor):
        if not isinstance(actual, mt.Tensor):
            _fail("structure", f"returns {type(actual).__name__} where PyTorch returns a "
                               "Tensor", where)
        _compare_tensor(expected, actual, tol, where, values)
    elif isinstance(expected, (tuple, list)) and not isinstance(expected, torch.Size):
        if not isinstance(actual, (tuple, list)) or len(actual) != len(expected):
            got = (f"{type(actual).__name__} of {len(actual)}"
                   if isinstance(actual, (tuple, list)) else type(actual).__name__)
            _fail("structure", f"returns {got} where PyTorch returns "
                               f"{type(expected).__name__} of {len(expected)}", where)
        for i, (e, a) in enumerate(zip(expected, actual)):
            _compare(e, a, tol, f"{where}[{i}]", values)
    elif isinstance(expected, torch.Size):
        if tuple(actual) != tuple(expected):
            _fail("value", "value mismatch", f"{where}: {tuple(actual)} != {tuple(expected)}")
    elif isinstance(expected, (bool, int, float)):
        if isinstance(actual, mt.Tensor) or not isinstance(actual, (bool, int, float)):
            _fail("structure", f"returns {type(actual).__name__} where PyTorch returns "
                               f"{type(expected).__name__}", where)
        if values and not (actual == expected or _both_nan(actual, expected)
                           or (isinstance(expected, float)
                               and math.isclose(actual, expected, rel_tol=1e-6, abs_tol=1e-6))):
            _fail("value", "value mismatch", f"{where}: {actual!r} != {expected!r}")
    elif expected is None:
        if actual is not None:
            _fail("structure", f"returns {type(actual).__name__} where PyTorch returns None",
                  where)
    elif isinstance(expected, torch.dtype):
        if actual != _dtype_to_mt(expected):
            _fail("value", "value mismatch", f"{where}: {actual} != {expected}")
    elif values and actual != expected:
        _fail("value", "value mismatch", f"{where}: {actual!r} != {expected!r}")


def _both_nan(a: Any, b: Any) -> bool:
    return isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b)


def _compare_tensor(expected: torch.Tensor, actual: Any,
                    tol: Callable[[torch.dtype], tuple[float, float]], where: str,
                    values: bool) -> None:
    want_dtype = CONVERTIBLE[expected.dtype]
    if actual.dtype.name != want_dtype:
        _fail("dtype", f"dtype {actual.dtype.name} where PyTorch gives {want_dtype}", where)
    if tuple(actual.shape) != tuple(expected.shape):
        _fail("shape", "shape mismatch",
              f"{where}: {tuple(actual.shape)} != {tuple(expected.shape)}")
    if values:
        _compare_arrays(_torch_values(expected), np.asarray(actual.detach()),
                        tol(expected.dtype), "value", where)


def _torch_values(t: torch.Tensor) -> np.ndarray:
    """A torch tensor's values, with PyTorch's lazy conjugation and negation carried out."""
    return t.detach().resolve_conj().resolve_neg().cpu().numpy()


def _compare_arrays(want: np.ndarray, got: np.ndarray, rtol_atol: tuple[float, float],
                    kind: str, where: str) -> None:
    if want.dtype.kind not in "fc":
        bad = got != want
        if bad.any():
            i = tuple(int(j) for j in np.argwhere(bad)[0])
            _fail(kind, f"{kind} mismatch", f"{where}: {bad.sum()} of {bad.size} differ; "
                                            f"at {i}: {got[i]!r} != {want[i]!r}")
        return
    rtol, atol = rtol_atol
    got = got.astype(want.dtype, copy=False)
    same_nan = np.isnan(want) == np.isnan(got)
    with np.errstate(invalid="ignore", over="ignore"):
        close = np.isclose(got, want, rtol=rtol, atol=atol, equal_nan=True)
        close |= (got == want)  # equal infinities
    bad = ~(close & same_nan)
    if bad.any():
        i = tuple(int(j) for j in np.argwhere(bad)[0])
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            err = np.abs(got.astype(np.complex128 if want.dtype.kind == "c" else np.float64)
                         - want)
            finite = np.isfinite(err)
            worst = float(err[finite].max()) if finite.any() else float("nan")
            rel = err / np.abs(want)
            worst_rel = float(rel[finite].max()) if finite.any() else float("nan")
        _fail(kind, f"{kind} mismatch",
              f"{where}: {int(bad.sum())} of {bad.size} differ (rtol {rtol:g}, atol {atol:g});"
              f" at {i}: {got[i]!r} != {want[i]!r}; max abs err {worst:.3g}, "
              f"max rel err {worst_rel:.3g}")


def _exception_failure(exc: BaseException, kind: str = "exception") -> Failure:
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    name = type(exc).__name__
    return Failure(kind, f"{name}: {_normalise(message)}", f"{name}: {message[:300]}")


_NUMBER = re.compile(r"(?<![\w.])-?\d+(\.\d+)?(e[-+]?\d+)?(?!\w)")


def _normalise(message: str) -> str:
    """The message with numbers as ``N``, so failures differing only in values group."""
    return _NUMBER.sub("N", message)[:200]


# -- running one sample ----------------------------------------------------------------------

@dataclass
class Case:
    """One sample of one op in one dtype, and how it went (``failure`` and ``skipped`` both
    ``None``: it passed)."""

    key: str
    sample_id: str  # "float32/3", or "error/2" for error inputs
    summary: str
    failure: Failure | None = None
    skipped: str | None = None
    seconds: float = 0.0
    error_type_matches: bool | None = None  # error inputs: raised PyTorch's exception type


def run_sample(e: OpEntry, sample: Any, dtype: torch.dtype, device: str, sample_id: str) -> Case:
    """Run one sample through PyTorch and MicroTorch and compare them (see module doc)."""
    case = Case(e.key, sample_id, summarize(sample))
    assert e.resolved is not None
    try:
        memo: dict[int, Any] = {}
        mt_input = to_mt(sample.input, device, memo)
        mt_args = to_mt(sample.args, device, memo)
        mt_kwargs = to_mt(sample.kwargs, device, memo)
    except Unconvertible as exc:
        case.skipped = f"sample uses {exc}"
        return case
    if e.op.name in STORAGE_OPS and not _owns_storage(sample.input):
        case.skipped = "as_strided of a view: its storage is not converted, only its values"
        return case
    random = (e.key in RANDOM_OPS or e.op.name in RANDOM_OPS
              or (e.key in RANDOM_SAMPLES and RANDOM_SAMPLES[e.key](sample)))
    try:
        expected = e.op.op(sample.input, *sample.args, **sample.kwargs)
    except Exception as exc:  # noqa: BLE001 - a sample PyTorch itself refuses tests nothing
        case.skipped = f"PyTorch raised {type(exc).__name__}"
        return case
    bad = _out_of_scope_output(expected)
    if bad:
        case.skipped = f"PyTorch returns {bad}"
        return case
    try:
        actual = e.resolved.fn(mt_input, *mt_args, **mt_kwargs)
    except Exception as exc:  # noqa: BLE001 - every error is a finding
        case.failure = _exception_failure(exc)
        return case
    key, tol = e.key, (lambda d: tolerance(e.key, d))
    try:
        _compare(expected, actual, tol, "output", values=not random)
        if dtype in GRADIENT_DTYPES and not random:
            _compare_gradients(key, sample, expected, actual, memo, tol)
    except _Mismatch as mismatch:
        case.failure = mismatch.failure
        if (e.key in SIGN_AMBIGUOUS and case.failure.kind == "value"
                and _equal_up_to_sign(sample, expected, actual, tol)):
            case.failure = None
            if dtype in GRADIENT_DTYPES:
                try:
                    _compare_gradients(key, sample, expected, actual, memo, tol)
                except _Mismatch as grad_mismatch:
                    case.failure = grad_mismatch.failure
        elif (e.key in TIE_OPS and case.failure.kind == "value" and "np.int64(" in
                case.failure.detail and _has_ties(sample.input)
                and _indices_point_at_equal_values(e.key, sample, expected, actual, tol)):
            if dtype == torch.float64:  # the gradient follows the index: not comparable
                case.failure.kind = "ties"
                case.failure.cause = ("an index differs where the input has equal values "
                                      "(PyTorch leaves which one unspecified)")
            else:
                case.failure = None
    except Exception as exc:  # noqa: BLE001 - MicroTorch raised while its result was read
        case.failure = _exception_failure(exc)
        case.failure.cause = f"while comparing: {case.failure.cause}"
        case.failure.detail += f" (raised in {_innermost_frame(exc)})"
    return case


def _equal_up_to_sign(sample: Any, expected: Any, actual: Any,
                      tol: Callable[[torch.dtype], tuple[float, float]]) -> bool:
    """Whether the outputs agree after the sample's ``output_process_fn_grad``, which for
    :data:`SIGN_AMBIGUOUS` ops removes the freedom of sign (``abs`` of eigenvectors...)."""
    try:
        _compare(sample.output_process_fn_grad(expected), sample.output_process_fn_grad(actual),
                 tol, "output", values=True)
    except Exception:  # noqa: BLE001 - any difference, or a hook MicroTorch's output fails
        return False
    return True


#: Where a :data:`TIE_OPS` op's sample passes ``dim`` (position after the input, default).
TIE_DIMS: dict[str, tuple[int, int | None]] = {
    "sort": (1, -1), "argsort": (1, -1), "topk": (2, -1), "kthvalue": (2, -1), "mode": (1, -1),
    "median": (1, None), "nanmedian": (1, None), "max.reduction_with_dim": (1, None),
    "min.reduction_with_dim": (1, None), "cummax": (1, None), "cummin": (1, None),
}


def _indices_point_at_equal_values(key: str, sample: Any, expected: Any, actual: Any,
                                   tol: Callable[[torch.dtype], tuple[float, float]]) -> bool:
    """Whether MicroTorch's result differs from PyTorch's only in which of equal input values
    its indices point at: every other output equal, and the input read along ``dim`` at
    MicroTorch's indices equal to the input read at PyTorch's."""
    x = sample.input
    if key not in TIE_DIMS or not isinstance(x, torch.Tensor) or x.dim() == 0:
        return False
    position, default = TIE_DIMS[key]
    dim = _arg(sample, position, "dim", default)
    if not isinstance(dim, int):
        return False
    pairs = [(expected, actual)] if isinstance(expected, torch.Tensor) else \
        list(zip(expected, actual))
    *others, (want, got) = pairs  # the indices are the last output
    try:
        for w, g in others:
            _compare(w, g, tol, "output", values=True)
    except _Mismatch:
        return False
    d = dim % x.dim()
    got = torch.from_numpy(np.array(got.detach())).to(torch.int64)
    if want.dim() < x.dim():  # keepdim=False dropped the dim
        want, got = want.unsqueeze(d), got.unsqueeze(d)
    if got.numel() and (int(got.min()) < 0 or int(got.max()) >= x.shape[d]):
        return False
    x = x.detach()
    return torch.equal(x.gather(d, want), x.gather(d, got))


def _has_ties(t: Any) -> bool:
    if not isinstance(t, torch.Tensor) or t.numel() < 2:
        return False
    values = t.detach().flatten()
    return int(torch.unique(values).numel()) < values.numel()


def _innermost_frame(exc: BaseException) -> str:
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is None:
        return "?"
    code = tb.tb_frame.f_code
    return f"{code.co_filename.rpartition('/')[2]}:{tb.tb_lineno} {code.co_name}"


def _flat_tensors(obj: Any) -> Iterator[Any]:
    if isinstance(obj, (torch.Tensor, mt.Tensor)):
        yield obj
    elif isinstance(obj, (list, tuple)):
        for x in obj:
            yield from _flat_tensors(x)
    elif isinstance(obj, dict):
        for x in obj.values():
            yield from _flat_tensors(x)


def _compare_gradients(key: str, sample: Any, expected: Any, actual: Any,
                       memo: dict[int, Any],
                       tol: Callable[[torch.dtype], tuple[float, float]]) -> None:
    """Compare the gradients of ``sum(output_i * cotangent_i)`` for every input that requires
    grad (after ``output_process_fn_grad``, as PyTorch's gradient tests do)."""
    inputs = [t for t in _flat_tensors((sample.input, sample.args, sample.kwargs))
              if t.requires_grad]
    inputs = list({id(t): t for t in inputs}.values())
    if not inputs:
        return
    want_out = list(_flat_tensors(sample.output_process_fn_grad(expected)))
    try:
        got_out = list(_flat_tensors(sample.output_process_fn_grad(actual)))
    except Exception as exc:  # noqa: BLE001 - the hook uses Tensor API MicroTorch may lack
        failure = _exception_failure(exc)
        failure.cause = f"the sample's output_process_fn_grad raised {failure.cause}"
        raise _Mismatch(failure) from exc
    if len(got_out) != len(want_out):
        _fail("structure", f"{len(got_out)} differentiable outputs where PyTorch has "
                           f"{len(want_out)}", "gradient outputs")
    rng = np.random.default_rng(0)
    torch_pairs, mt_pairs = [], []
    for i, (w, g) in enumerate(zip(want_out, got_out)):
        if not (w.requires_grad and (w.dtype.is_floating_point or w.dtype.is_complex)):
            continue
        if not g.requires_grad:
            _fail("gradient", "output is not differentiable (PyTorch's is)", f"output[{i}]")
        # a complex cotangent c is the gradient of sum(Re(c) Re(out) + Im(c) Im(out))
        cotangent = rng.uniform(-1.0, 1.0, size=tuple(w.shape))
        if w.dtype.is_complex:
            cotangent = cotangent + 1j * rng.uniform(-1.0, 1.0, size=tuple(w.shape))
        torch_pairs.append((w, torch.tensor(cotangent, dtype=w.dtype)))
        mt_pairs.append((g, mt.tensor(cotangent, dtype=g.dtype, device=g.device)))
    if not torch_pairs:
        return
    want = torch.autograd.grad([w for w, _ in torch_pairs], inputs,
                               [c for _, c in torch_pairs], allow_unused=True)
    mt_inputs = [memo[id(t)] for t in inputs]
    try:
        got = mt.autograd.grad([g for g, _ in mt_pairs], mt_inputs, [c for _, c in mt_pairs],
                               allow_unused=True)
    except Exception as exc:  # noqa: BLE001 - every error of the backward pass is a finding
        failure = _exception_failure(exc, kind="gradient")
        failure.cause = f"backward: {failure.cause}"
        raise _Mismatch(failure) from exc
    for i, (w, g, t) in enumerate(zip(want, got, inputs)):
        zero = w is None or w._is_zerotensor()  # PyTorch's lazily materialised zeros
        w_np = np.zeros(tuple(t.shape)) if zero else _torch_values(w)
        if g is None:
            if np.any(w_np != 0):
                _fail("gradient", "gradient is missing (None) where PyTorch's is nonzero",
                      f"input {i}")
            continue
        if tuple(g.shape) != tuple(t.shape):
            _fail("gradient", "gradient has the wrong shape",
                  f"input {i}: {tuple(g.shape)} != {tuple(t.shape)}")
        # at the input's own precision: a float32 input (a float64 sample's float32 weights)
        # has a float32 gradient, rounded wherever autograd casts to it
        _compare_arrays(w_np, np.asarray(g.detach()),
                        tol(t.dtype if t.dtype in (torch.float32, torch.complex64)
                            else torch.float64),
                        "gradient", f"grad of input {i}")


def run_error_input(e: OpEntry, error: Any, device: str, sample_id: str) -> Case:
    """MicroTorch must raise for ``error`` (an ``ErrorInput``): one of the exception types
    PyTorch's own errors are (RuntimeError, ValueError, IndexError, TypeError,
    NotImplementedError). ``Case.failure.kind`` is ``"no error"`` when it returned, and
    ``"wrong error"`` when it raised something else (an AttributeError, a KeyError...)."""
    sample = error.sample_input
    case = Case(e.key, sample_id, summarize(sample))
    assert e.resolved is not None
    if e.resolved.source.startswith("mt.Tensor.") and not isinstance(sample.input, torch.Tensor):
        # torch.Tensor.__radd__(2, t): a C method checks its self, a Python method never does
        case.skipped = "error input calls a Tensor method on a non-Tensor"
        return case
    try:
        memo: dict[int, Any] = {}
        args = (to_mt(sample.input, device, memo), *to_mt(sample.args, device, memo))
        kwargs = to_mt(sample.kwargs, device, memo)
    except Unconvertible as exc:
        case.skipped = f"error input uses {exc}"
        return case
    try:  # PyTorch's own message says more than the OpInfo's regex (often empty)
        e.op.op(sample.input, *sample.args, **sample.kwargs)
    except Exception as exc:  # noqa: BLE001 - the error this input is about
        torch_error = _exception_failure(exc).detail
    else:
        case.skipped = "error input PyTorch itself accepts"
        return case
    try:
        e.resolved.fn(*args, **kwargs)
    except ACCEPTED_ERRORS as exc:
        case.error_type_matches = isinstance(exc, error.error_type)
        return case
    except Exception as exc:  # noqa: BLE001 - a crash instead of a clear error
        case.failure = _exception_failure(exc, kind="wrong error")
        return case
    case.failure = Failure("no error", "returned where PyTorch raises",
                           f"PyTorch raises {torch_error}")
    return case


#: The exception types PyTorch's error inputs use; raising any of them is accepted.
ACCEPTED_ERRORS = (RuntimeError, ValueError, IndexError, TypeError, NotImplementedError)


def summarize(sample: Any) -> str:
    """A one-line description of a sample: tensors as ``float32[2, 3]`` (with their values
    when there are at most 6), everything else as ``repr``."""
    parts = [_describe(sample.input)]
    parts += [_describe(a) for a in sample.args]
    parts += [f"{k}={_describe(v)}" for k, v in sample.kwargs.items()]
    return f"({', '.join(parts)})"


def _describe(obj: Any) -> str:
    if isinstance(obj, torch.Tensor):
        dtype = str(obj.dtype).removeprefix("torch.")
        text = f"{dtype}{list(obj.shape)}"
        if obj.numel() <= 6 and obj.layout == torch.strided and obj.device.type == "cpu":
            text += f"={obj.detach().resolve_conj().resolve_neg().tolist()}"
        if obj.layout == torch.strided and not obj.is_contiguous():
            text += "(noncontiguous)"
        return text
    if isinstance(obj, (list, tuple)) and not isinstance(obj, torch.Size):
        inner = ", ".join(_describe(x) for x in obj)
        return f"[{inner}]" if isinstance(obj, list) else f"({inner}{',' if len(obj) == 1 else ''})"
    if isinstance(obj, dict):
        return "{" + ", ".join(f"{k!r}: {_describe(v)}" for k, v in obj.items()) + "}"
    return repr(obj)


# -- running one op --------------------------------------------------------------------------

#: On non-CPU backends each op runs one sample: the CUDA emulator and the fake GPU run every
#: CUDA thread as an OS thread, so a sample costs up to seconds there (every op's first
#: sample took 224 s of CPU on ``cudaemu``). The sample is the smallest (fewest elements) of
#: the first :data:`TEST_LIMIT` of float32, or of the op's first dtype without float32.
SUBSET_DTYPE = torch.float32


def sample_plan(e: OpEntry, device: str) -> list[torch.dtype]:
    """The dtypes whose samples run for ``e`` on ``device``: every in-scope dtype on the CPU,
    one elsewhere (see :data:`SUBSET_DTYPE`)."""
    dtypes = dtypes_in_scope(e.op)
    if device == "cpu":
        return dtypes
    return [SUBSET_DTYPE if SUBSET_DTYPE in dtypes else dtypes[0]]


def _numel(sample: Any) -> int:
    return sum(t.numel() for t in _flat_tensors((sample.input, sample.args, sample.kwargs))
               if isinstance(t, torch.Tensor))


def _sample_inputs(op: Any, dtype: torch.dtype, requires_grad: bool) -> Iterable[Any]:
    """The OpInfo's samples, the same every run. This calls ``sample_inputs_func`` itself:
    ``op.sample_inputs`` wraps it in an iterator that reseeds every RNG before each sample
    (``torch.manual_seed`` also records a stack trace for each lazy GPU generator) and
    inspects the call stack, which took more than half of the harness's time."""
    torch.default_generator.manual_seed(0)  # sample values are random
    return op.sample_inputs_func(op, "cpu", dtype, requires_grad)


def run_samples(e: OpEntry, device: str = "cpu", limit: int | None = None) -> list[Case]:
    """The samples of ``e`` (the first ``limit`` per dtype), compared on ``device``; on a
    device other than the CPU only the smallest of them, of one dtype (:func:`sample_plan`).
    """
    cases = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for dtype in sample_plan(e, device):
            grad = dtype in GRADIENT_DTYPES and e.op.supports_autograd
            indexed = list(enumerate(itertools.islice(_sample_inputs(e.op, dtype, grad),
                                                      limit)))
            if device != "cpu" and indexed:
                indexed = [min(indexed, key=lambda item: _numel(item[1]))]
            for i, sample in indexed:
                start = time.perf_counter()
                case = run_sample(e, sample, dtype, device, f"{CONVERTIBLE[dtype]}/{i}")
                case.seconds = time.perf_counter() - start
                cases.append(case)
    return cases


def run_error_inputs(e: OpEntry, device: str = "cpu") -> list[Case]:
    """Every error input of ``e``, run on ``device``."""
    cases: list[Case] = []
    if e.op.error_inputs_func is None:  # the OpInfo declares no error inputs
        return cases
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.default_generator.manual_seed(0)  # error inputs are random too
        for i, error in enumerate(e.op.error_inputs_func(e.op, "cpu")):
            start = time.perf_counter()
            case = run_error_input(e, error, device, f"error/{i}")
            case.seconds = time.perf_counter() - start
            cases.append(case)
    return cases


@dataclass
class OpResult:
    """The cases of one op: its samples and its error inputs."""

    entry: OpEntry
    samples: list[Case] = field(default_factory=list)
    errors: list[Case] = field(default_factory=list)
    seconds: float = 0.0


def run_op(e: OpEntry, device: str = "cpu", limit: int | None = None) -> OpResult:
    """Samples and error inputs of one op with a MicroTorch equivalent."""
    start = time.perf_counter()
    result = OpResult(e, run_samples(e, device, limit), run_error_inputs(e, device))
    result.seconds = time.perf_counter() - start
    return result


# -- known failures --------------------------------------------------------------------------

@dataclass(frozen=True)
class Known:
    """Known failures of one op: ``reason``, and the ids of the samples that fail
    (``"float32/3"``, ``"error/0"``, a range ``"float64/2-5"``; space-separated)."""

    reason: str
    ids: str

    def sample_ids(self) -> frozenset[str]:
        """The failing ids, ranges expanded."""
        out = set()
        for item in self.ids.split():
            prefix, _, index = item.rpartition("/")
            first, _, last = index.partition("-")
            out.update(f"{prefix}/{i}" for i in range(int(first), int(last or first) + 1))
        return frozenset(out)


#: The samples each op fails today, measured with ``--known-failures`` (at :data:`TEST_LIMIT`
#: samples per dtype) on the CPU. An ``"op@device"`` entry replaces the op's entry on a
#: backend where other samples fail (``--known-failures --device cpu,trace,cudaemu`` writes
#: them). The conformance test fails on a failure not listed here and on a listed one that
#: passes, so fixing an op means shrinking this table.
KNOWN_FAILURES: dict[str, Known] = {
    'as_strided_scatter': Known(
        "PyTorch's gradient for input is wrong (inside the view, not outside; its own "
        'gradcheck fails); ours is the true one',
        'float64/0-6'),
    'fft.hfft2': Known(
        "PyTorch's float32 pocketfft is off by 2.2e-5 on a 5x6x7 transform (values near 100); "
        'MicroTorch transforms in complex128 through NumPy and rounds (1.2e-5)',
        'float32/5 int64/5 int32/5 complex64/5'),
    'istft': Known(
        "PyTorch's autograd gives no gradient (None) for the window on these samples, though "
        "the output depends on it; ours equals finite differences of torch.istft itself",
        'complex128/8-9'),
    'matrix_exp': Known(
        "PyTorch's float32 result is off by 1.6e-6 of the norm (7e-6 elementwise); MicroTorch "
        "computes in float64 and rounds (4e-8 from SciPy's expm)",
        'float32/1'),
    'polygamma.polygamma_n_0': Known(
        'value mismatch: output: 2 of 25 differ (rtol 1.3e-06, atol 1e-05); at (2, 3): np.float',
        'float32/0'),
    'special.bessel_j0': Known(
        "PyTorch's kernel drops the leading 1 of Cephes' monic denominator for |x| > 5 (errors "
        "up to 3e-5); MicroTorch follows Cephes as SciPy does (1e-15 from mpmath)",
        'float64/0 float64/2'),
    'special.bessel_j1': Known(
        "PyTorch's kernel drops the leading 1 of Cephes' monic denominator for |x| > 5 (errors "
        "up to 5e-6); MicroTorch follows Cephes as SciPy does (1e-15 from mpmath)",
        'float64/0 float64/2'),
    'special.bessel_y1': Known(
        "PyTorch's kernel drops the leading 1 of Cephes' monic denominator for x > 5 (errors "
        "up to 2e-2); MicroTorch follows Cephes as SciPy does (5e-15 from mpmath)",
        'float64/0'),
    'special.hermite_polynomial_he': Known(
        "PyTorch recurs in float32 (2.4e-6 off here); MicroTorch recurs in float64 and rounds "
        "(88.109388 where the exact He_8(4.149159) is 88.1093885)",
        'float32/6'),
    'special.polygamma.special_polygamma_n_0': Known(
        'value mismatch: output: 2 of 25 differ (rtol 1.3e-06, atol 1e-05); at (2, 3): np.float',
        'float32/0'),
}


#: Samples per op and dtype that the conformance test runs on the CPU (the first ones, in
#: op_db's order). Measured on 2 cores, 509 ops: every sample (48,654) takes 152 s of CPU,
#: the first 16 (15,088) 40 s, the first 8 (10,858) 19 s. The CLI runs every sample.
TEST_LIMIT = 16


def known_ids(key: str, device: str = "cpu") -> frozenset[str]:
    """The ids of ``key``'s known failures on ``device``: its ``key@device`` entry where there
    is one, else its entry."""
    known = KNOWN_FAILURES.get(f"{key}@{device}") or KNOWN_FAILURES.get(key)
    return known.sample_ids() if known is not None else frozenset()


def unexpected_outcomes(key: str, cases: list[Case], device: str = "cpu") -> list[str]:
    """What differs from :data:`KNOWN_FAILURES` among ``cases`` (run on ``device``): failures
    not listed, and listed failures that now pass. Empty when ``cases`` went as listed."""
    listed = known_ids(key, device)
    problems = []
    for case in cases:
        if case.skipped:
            continue
        expected_to_fail = case.sample_id in listed
        if case.failure and not expected_to_fail:
            problems.append(f"{case.sample_id} fails: {case.failure.kind}: "
                            f"{case.failure.detail or case.failure.cause}; sample {case.summary}")
        elif not case.failure and expected_to_fail:
            problems.append(f"{case.sample_id} now passes: remove it from KNOWN_FAILURES "
                            f"({key!r} or {key + '@' + device!r})")
    return problems


def known_failures_source(results: dict[str, list[OpResult]]) -> str:
    """:data:`KNOWN_FAILURES` as Python source, from the failures in ``results`` (by device):
    the CPU's entries, then a ``key@device`` entry wherever another backend's failures among
    the samples it ran differ from the CPU's."""
    lines = ["KNOWN_FAILURES: dict[str, Known] = {"]
    cpu_ids: dict[str, frozenset[str]] = {}
    for device in sorted(results, key=lambda d: d != "cpu"):
        for r in sorted(results[device], key=lambda r: r.entry.key):
            ran = [c for c in r.samples + r.errors if not c.skipped]
            failing = [c for c in ran if c.failure]
            key = r.entry.key
            if device == "cpu":
                cpu_ids[key] = frozenset(c.sample_id for c in failing)
            else:
                on_cpu = cpu_ids.get(key, known_ids(key)) & {c.sample_id for c in ran}
                if on_cpu == {c.sample_id for c in failing}:
                    continue
                key = f"{key}@{device}"
                if not failing:
                    lines += [f"    {key!r}: Known(", "        'passes where the CPU fails', ''),"]
                    continue
            if failing:
                lines += _known_entry(key, failing)
    lines.append("}")
    return "\n".join(lines)


def _known_entry(key: str, failing: list[Case]) -> list[str]:
    causes = Counter(c.failure.cause for c in failing if c.failure)
    reason = causes.most_common(1)[0][0]
    example = next(c.failure for c in failing if c.failure and c.failure.cause == reason)
    if example.kind != "exception" and example.detail:
        reason = f"{reason}: {example.detail}"
    if len(causes) > 1:
        reason = f"{reason[:60]} (and {len(causes) - 1} other causes)"
    lines = [f"    {key!r}: Known(", f"        {reason[:86]!r},"]
    chunks = textwrap.wrap(_ranges([c.sample_id for c in failing]), 84, break_on_hyphens=False)
    for i, chunk in enumerate(chunks):
        last = i == len(chunks) - 1
        lines.append(f"        {chunk + ('' if last else ' ')!r}{'),' if last else ''}")
    return lines


def _ranges(ids: list[str]) -> str:
    """``["float32/1", "float32/2", "float32/3", "error/0"]`` -> ``"float32/1-3 error/0"``."""
    by_prefix: dict[str, list[int]] = defaultdict(list)
    for sample_id in ids:
        prefix, _, index = sample_id.rpartition("/")
        by_prefix[prefix].append(int(index))
    parts = []
    for prefix, indices in by_prefix.items():
        indices.sort()
        start = prev = indices[0]
        for i in [*indices[1:], None]:
            if i is not None and i == prev + 1:
                prev = i
                continue
            parts.append(f"{prefix}/{start}" if start == prev else f"{prefix}/{start}-{prev}")
            if i is not None:
                start = prev = i
    return " ".join(parts)


# -- the report ------------------------------------------------------------------------------

def _pct(part: int, whole: int) -> str:
    return f"{100.0 * part / whole:.1f}%" if whole else "n/a"


def _family(name: str) -> str:
    return name.rpartition(".")[0] or "torch"


def format_report(results: list[OpResult], device: str, limit: int | None, seconds: float,
                  detail: bool, keys: Iterable[str] | None = None) -> str:
    """The coverage, pass rates and failures by cause of ``results`` as text. ``detail``
    adds every cause with an example per op, the failing ops, error inputs, missing and
    out-of-scope ops, API gaps and the slowest ops."""
    wanted = set(keys) if keys is not None else None
    entries = [e for e in catalog() if wanted is None or e.key in wanted]
    in_scope = [e for e in entries if not e.out_of_scope]
    have = [e for e in in_scope if e.resolved]
    samples = [c for r in results for c in r.samples]
    errors = [c for r in results for c in r.errors]
    run = [c for c in samples if not c.skipped]
    failed = [c for c in run if c.failure]
    err_run = [c for c in errors if not c.skipped]
    err_failed = [c for c in err_run if c.failure]
    grads = sum(1 for c in run if c.sample_id.startswith(("float64/", "complex128/")))
    out = [f"MicroTorch against PyTorch {torch.__version__}'s op_db on device {device!r}: "
           f"{'every sample' if limit is None else f'the first {limit} samples'} per op and "
           f"dtype, in {seconds:.1f} s",
           "",
           f"coverage: {len(have)} of {len(in_scope)} in-scope OpInfos have a MicroTorch "
           f"equivalent ({_pct(len(have), len(in_scope))}); {len(entries) - len(in_scope)} "
           f"of {len(entries)} out of scope",
           f"samples: {len(run) - len(failed)} of {len(run)} pass "
           f"({_pct(len(run) - len(failed), len(run))}; {grads} of them float64 or complex128 "
           f"with gradients); {len(samples) - len(run)} skipped",
           f"error inputs: {len(err_run) - len(err_failed)} of {len(err_run)} raise "
           f"({_pct(len(err_run) - len(err_failed), len(err_run))}; "
           f"{sum(1 for c in err_run if c.error_type_matches)} with PyTorch's exception type);"
           f" {len(errors) - len(err_run)} skipped"]
    rates = [sum(1 for c in ran if not c.failure) / len(ran)
             for r in results for ran in [[c for c in r.samples if not c.skipped]] if ran]
    if rates:
        mean = 100 * sum(rates) / len(rates)
        out.append(f"per op: {sum(1 for x in rates if x == 1.0)} of {len(rates)} ops pass every "
                   f"sample; the mean of the ops' pass rates is {mean:.1f}% (each op weighs "
                   "the same, however many samples it has)")
    skips = Counter(_normalise(c.skipped) for c in samples + errors if c.skipped)
    if skips:
        out.append("skipped: " + "; ".join(f"{n} {why}" for why, n in skips.most_common()))
    kinds = Counter(c.failure.kind for c in failed + err_failed if c.failure)
    if kinds:
        out.append("failures by kind: " + ", ".join(f"{k} {n}" for k, n in kinds.most_common()))
    out += ["", "== failures by cause (most common first; per op: failures, an example)"]
    out += _causes(failed + err_failed, limit=None if detail else 25,
                   examples=detail)
    if not detail:
        return "\n".join(out)
    out += ["", "== ops with failures (failed/run samples, failed/run error inputs, causes)"]
    for r in sorted(results, key=lambda r: -sum(1 for c in r.samples + r.errors
                                                 if c.failure)):
        s_run = [c for c in r.samples if not c.skipped]
        e_run = [c for c in r.errors if not c.skipped]
        s_bad = [c for c in s_run if c.failure]
        e_bad = [c for c in e_run if c.failure]
        if not s_bad and not e_bad:
            continue
        causes = Counter(c.failure.cause for c in s_bad + e_bad if c.failure)
        top = "; ".join(f"{n}x {cause}" for cause, n in causes.most_common(3))
        out.append(f"  {r.entry.key:40} {len(s_bad):4}/{len(s_run):<4} {len(e_bad):3}/"
                   f"{len(e_run):<3} {top}")
    mismatched = [c for c in err_run if not c.failure and c.error_type_matches is False]
    out += ["", f"== error inputs raising another exception type than PyTorch's "
                f"({len(mismatched)}; accepted)"]
    for key, n in Counter(c.key for c in mismatched).most_common():
        out.append(f"  {key}: {n}")
    missing = [e for e in in_scope if not e.resolved]
    out += ["", f"== in-scope OpInfos without a MicroTorch equivalent ({len(missing)})"]
    by_family: dict[str, list[str]] = defaultdict(list)
    for e in missing:
        by_family[_family(e.op.name)].append(e.key)
    for family, names in sorted(by_family.items(), key=lambda kv: -len(kv[1])):
        out.append(f"  {family} ({len(names)}): {', '.join(names)}")
    out += ["", f"== out of scope ({len(entries) - len(in_scope)})"]
    reasons: dict[str, list[str]] = defaultdict(list)
    for e in entries:
        if e.out_of_scope:
            reasons[e.out_of_scope].append(e.key)
    for reason, names in sorted(reasons.items(), key=lambda kv: -len(kv[1])):
        out.append(f"  {reason} ({len(names)}): {', '.join(names)}")
    out += ["", "== API gaps of ops that have an equivalent (PyTorch's method variant or "
                "alias that MicroTorch lacks)"]
    for e in have:
        gaps = [f"Tensor.{e.op.name}" for _ in [0] if e.op.method_variant is not None
                and "." not in e.op.name and _as_callable(f"Tensor.{e.op.name}") is None]
        aliases = [a.name.removeprefix("torch.") for a in e.op.aliases]
        gaps += [f"mt.{name}" for name in aliases if _as_callable(name) is None]
        if gaps:
            out.append(f"  {e.key}: {', '.join(gaps)}")
    out += ["", "== slowest ops (seconds, samples + error inputs)"]
    for r in sorted(results, key=lambda r: -r.seconds)[:15]:
        out.append(f"  {r.seconds:7.2f}  {r.entry.key} ({len(r.samples)} samples)")
    return "\n".join(out)


def _causes(failed: list[Case], limit: int | None, examples: bool) -> list[str]:
    groups: dict[tuple[str, str], list[Case]] = defaultdict(list)
    for c in failed:
        assert c.failure is not None
        groups[(c.failure.kind, c.failure.cause)].append(c)
    ranked = sorted(groups.items(), key=lambda kv: -len(kv[1]))
    out = []
    for (kind, cause), cases in ranked[:limit]:
        by_op: dict[str, list[Case]] = defaultdict(list)
        for c in cases:
            by_op[c.key].append(c)
        ops = sorted(by_op.items(), key=lambda kv: -len(kv[1]))
        out.append(f"{len(cases):6}  [{kind}] {cause}  ({len(ops)} ops)")
        if not examples:
            c = cases[0]
            out.append(f"          e.g. {c.key} {c.sample_id} {c.summary[:150]}")
            continue
        for key, op_cases in ops:
            c = op_cases[0]
            out.append(f"          {key} ({len(op_cases)}): {c.sample_id} {c.summary[:300]}")
            if c.failure and c.failure.detail:
                out.append(f"              {c.failure.detail[:300]}")
    if limit is not None and len(ranked) > limit:
        out.append(f"   ... {len(ranked) - limit} more causes (--report lists them all)")
    return out


def run_all(device: str = "cpu", keys: Iterable[str] | None = None, limit: int | None = None,
            progress: bool = False) -> list[OpResult]:
    """Run every in-scope op with an equivalent (or those named by ``keys``)."""
    wanted = set(keys) if keys is not None else None
    results = []
    for e in catalog():
        if e.out_of_scope or e.resolved is None or (wanted is not None and e.key not in wanted):
            continue
        if progress:
            print(f"\r{e.key:60}", end="", file=sys.stderr, flush=True)
        try:
            results.append(run_op(e, device, limit))
        except Exception as exc:  # noqa: BLE001 - a harness bug: report it, run the others
            case = Case(e.key, "harness/0", "", _exception_failure(exc, kind="harness"))
            assert case.failure is not None
            case.failure.detail += f" (raised in {_innermost_frame(exc)})"
            results.append(OpResult(e, [case]))
    if progress:
        print("\r" + " " * 60 + "\r", end="", file=sys.stderr, flush=True)
    return results


def main(argv: list[str] | None = None) -> int:
    """The command line: see the module docstring."""
    parser = argparse.ArgumentParser(
        prog="python -m microtorch_core.testing.opdb",
        description="Run MicroTorch against PyTorch's op_db and report what differs.")
    parser.add_argument("--device", default="cpu",
                        help="MicroTorch device (default cpu); with --known-failures, a "
                             "comma-separated list (cpu,trace)")
    parser.add_argument("--op", action="append", metavar="NAME",
                        help="only this op: name (every variant) or name.variant; repeatable")
    parser.add_argument("--limit", type=int, default=None, metavar="N",
                        help="the first N samples per op and dtype (default: all)")
    parser.add_argument("--report", action="store_true",
                        help="every cause with an example per op, failing ops, missing ops...")
    parser.add_argument("--known-failures", action="store_true",
                        help="print KNOWN_FAILURES as measured (at --limit "
                             f"{TEST_LIMIT} unless given, as the conformance test runs)")
    args = parser.parse_args(argv)
    keys = None
    if args.op:
        names = set(args.op)
        keys = [e.key for e in catalog() if e.key in names or e.op.name in names]
        if not keys:
            parser.error(f"no OpInfo named {', '.join(args.op)} in op_db")
        for e in catalog():
            if e.key in keys and (e.out_of_scope or not e.resolved):
                print(f"{e.key}: " + (f"out of scope: {e.out_of_scope}" if e.out_of_scope
                                      else "no MicroTorch equivalent"))
    limit = TEST_LIMIT if args.known_failures and args.limit is None else args.limit
    devices = [d.strip() for d in args.device.split(",") if d.strip()]
    if args.known_failures:
        by_device = {d: run_all(d, keys, limit, progress=sys.stderr.isatty()) for d in devices}
        print(known_failures_source(by_device))
        return 0
    if len(devices) != 1:
        parser.error("--device takes several devices only with --known-failures")
    start = time.perf_counter()
    results = run_all(args.device, keys, limit, progress=sys.stderr.isatty())
    seconds = time.perf_counter() - start
    print(format_report(results, args.device, limit, seconds, args.report, keys))
    return 0


if __name__ == "__main__":
    sys.exit(main())
