"""Kernel sources: which families exist, for which dtypes, and a compile-once cache.

The CUDA C sources live in ``kernels/`` as package files. A *family* is one ``.cu`` file
(elementwise, reduce, matmul, index, random, sort); it is compiled once per dtype into a
module holding all its kernels, so a dtype costs six compilations however many ops it has. The
dtype is chosen by a short preamble (``typedef float scalar_t; ...``) in front of
``common.cuh`` and the family's file; :func:`kernel_source` builds that text, and the nvcc test
compiles exactly the same text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class KernelDType:
    """What the kernels need to know of a core dtype."""

    name: str  # microtorch_core dtype name
    c_name: str  # element type in CUDA C
    arg: str  # struct/PyCUDA format character of a scalar kernel argument
    lowest: str  # C expression: identity of max (-inf for floats)
    highest: str  # C expression: identity of min
    is_float: bool = False
    is_bool: bool = False


_F32_INF = "__int_as_float(0x7f800000)"
_F64_INF = "__longlong_as_double(0x7ff0000000000000LL)"

DTYPES: dict[str, KernelDType] = {
    d.name: d
    for d in (
        KernelDType("float32", "float", "f", f"(-{_F32_INF})", f"({_F32_INF})", is_float=True),
        KernelDType("float64", "double", "d", f"(-{_F64_INF})", f"({_F64_INF})", is_float=True),
        KernelDType("int64", "long long", "q", "(-9223372036854775807LL - 1)",
                    "9223372036854775807LL"),
        KernelDType("int32", "int", "i", "(-2147483647 - 1)", "2147483647"),
        KernelDType("bool", "bool", "?", "false", "true", is_bool=True),
    )
}

FLOAT = ("float32", "float64")
INTEGER = ("int64", "int32")
NUMERIC = FLOAT + INTEGER
ALL = NUMERIC + ("bool",)

#: family -> dtypes it is compiled for.
FAMILIES: dict[str, tuple[str, ...]] = {
    "elementwise": ALL,
    "reduce": ALL,
    "matmul": NUMERIC,
    "index": ALL,
    "random": FLOAT,
    "sort": ALL,
}

#: primitive or optional kernel -> (family, dtypes it supports). The ``#if`` guards in the .cu
#: files follow this table; ``tests/test_cuda_compile.py`` checks that every entry has its
#: kernels.
OPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "fill": ("elementwise", ALL),
    "copy": ("elementwise", ALL),
    "where": ("elementwise", ALL),
    "abs": ("elementwise", ALL),
    "neg": ("elementwise", NUMERIC),
    "sign": ("elementwise", ALL),
    **{op: ("elementwise", FLOAT)
       for op in ("exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "erf")},
    "add": ("elementwise", ALL),
    "mul": ("elementwise", ALL),
    "maximum": ("elementwise", ALL),
    "minimum": ("elementwise", ALL),
    "sub": ("elementwise", NUMERIC),
    "pow": ("elementwise", NUMERIC),
    "div": ("elementwise", FLOAT),
    **{op: ("elementwise", ALL) for op in ("eq", "ne", "lt", "le", "gt", "ge")},
    **{op: ("elementwise", INTEGER + ("bool",))
       for op in ("bitwise_not", "bitwise_and", "bitwise_or", "bitwise_xor")},
    "bitwise_left_shift": ("elementwise", INTEGER),
    "bitwise_right_shift": ("elementwise", INTEGER),
    **{op: ("reduce", ALL) for op in ("sum", "prod", "amax", "amin", "argmax", "argmin")},
    "matmul": ("matmul", NUMERIC),
    "gather": ("index", ALL),
    "scatter": ("index", ALL),
    "scatter_add": ("index", NUMERIC),
    "random_uniform": ("random", FLOAT),
    "random_normal": ("random", FLOAT),
    "sort": ("sort", ALL),  # optional kernel (the core has a composite)
}


def check_dtype(op: str, dtype_name: str) -> None:
    """Raise a clear TypeError when ``op`` has no CUDA kernel for ``dtype_name``."""
    supported = OPS[op][1]
    if dtype_name not in supported:
        raise TypeError(
            f"cuda backend: op '{op}' does not support dtype {dtype_name}; "
            f"supported: {', '.join(supported)}"
        )


@cache
def _read(filename: str) -> str:
    return resources.files(__package__).joinpath("kernels").joinpath(filename).read_text()


def preamble(dtype_name: str) -> str:
    """The lines that instantiate a family for one dtype."""
    d = DTYPES[dtype_name]
    return (
        f"// MicroTorch CUDA kernels, instantiated for {d.name}\n"
        f"typedef {d.c_name} scalar_t;\n"
        f"#define MT_IS_FLOAT {int(d.is_float)}\n"
        f"#define MT_IS_BOOL {int(d.is_bool)}\n"
        f"#define MT_LOWEST {d.lowest}\n"
        f"#define MT_HIGHEST {d.highest}\n"
    )


def kernel_source(family: str, dtype_name: str) -> str:
    """The complete CUDA C++ source of ``family`` for ``dtype_name``."""
    if dtype_name not in FAMILIES[family]:
        raise TypeError(f"kernel family {family!r} is not built for dtype {dtype_name}")
    return "\n".join(
        [preamble(dtype_name), _read("common.cuh"), f"// ---- {family}.cu ----",
         _read(f"{family}.cu")]
    )


def all_sources() -> list[tuple[str, str, str]]:
    """(family, dtype, source) for every module the backend can build."""
    return [(f, d, kernel_source(f, d)) for f, dtypes in FAMILIES.items() for d in dtypes]


class KernelCache:
    """Compiles each (family, dtype) module once and prepares each kernel once.

    ``compile`` turns source text into a module with ``get_function(name)``; with PyCUDA it is
    a ``SourceModule``, in the tests the CPU emulator. Prepared functions are kept in a dict,
    so after the first call a launch costs one dict lookup plus PyCUDA's own argument packing.
    """

    def __init__(self, compile: Callable[[str], Any]) -> None:
        self._compile = compile
        self._modules: dict[tuple[str, str], Any] = {}
        self._functions: dict[tuple[str, str, str], Any] = {}

    def module(self, family: str, dtype_name: str) -> Any:
        key = (family, dtype_name)
        module = self._modules.get(key)
        if module is None:
            module = self._modules[key] = self._compile(kernel_source(family, dtype_name))
        return module

    def function(self, family: str, dtype_name: str, kernel: str, arg_format: str) -> Any:
        """The prepared kernel ``kernel`` of ``family`` for ``dtype_name``."""
        key = (family, dtype_name, kernel)
        func = self._functions.get(key)
        if func is None:
            func = self.module(family, dtype_name).get_function(kernel)
            func.prepare(arg_format)
            self._functions[key] = func
        return func


def entry_points(op: str) -> tuple[str, ...]:
    """The kernel names that implement ``op`` (the nvcc test checks each one is built)."""
    family = OPS[op][0]
    if op == "copy":
        return tuple(f"copy_from_{src}_{v}" for src in ALL for v in ("contig", "strided"))
    if family == "elementwise":
        return (f"{op}_contig", f"{op}_strided")
    if family == "reduce":
        return (f"{op}_rows", f"{op}_cols")
    if family == "matmul":
        return ("matmul_tiled",)
    if family == "sort":
        return ("sort_rows_shared", "sort_global_load", "sort_global_step", "sort_global_tiles",
                "sort_global_store")
    return (op,)
