"""Kernel sources: which families exist, for which dtypes, and a compile-once cache.

The CUDA C sources live in ``kernels/`` as package files. A *family* is one ``.cu`` file
(elementwise, reduce, matmul, index, random, sort); it is compiled once per dtype into a
module holding all its kernels, so a dtype costs at most six compilations however many ops it
has (complex64 and complex128 four: they need no random or sort kernels). The dtype is chosen
by a short preamble (``typedef float scalar_t; ...``) in front of ``common.cuh`` and the
family's file; :func:`kernel_source` builds that text, and the nvcc test compiles exactly the
same text.

Dtypes: float32, float64, int64, int32, bool, and complex64/complex128 (the struct
``mt_complex<R>`` of common.cuh) for the ops of ``COMPLEX_OPS``.
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
    arg: str  # struct/PyCUDA format char of a scalar kernel argument (of each complex part)
    lowest: str  # C expression: identity of max (-inf for floats; unused for complex)
    highest: str  # C expression: identity of min
    is_float: bool = False
    is_bool: bool = False
    real: str = ""  # complex only: the dtype of each part (float32 for complex64)


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
        # A complex scalar argument is packed as its two parts, "ff" (the struct mt_complex<R>).
        KernelDType("complex64", "mt_complex<float>", "f", "0", "0", real="float32"),
        KernelDType("complex128", "mt_complex<double>", "d", "0", "0", real="float64"),
    )
}

FLOAT = ("float32", "float64")
INTEGER = ("int64", "int32")
NUMERIC = FLOAT + INTEGER
ALL = NUMERIC + ("bool",)
#: Complex dtypes are compiled only into the families their kernels need: each (family,
#: dtype) module is one more compilation (a few seconds with nvcc or g++).
COMPLEX = ("complex64", "complex128")

#: family -> dtypes it is compiled for.
FAMILIES: dict[str, tuple[str, ...]] = {
    "elementwise": ALL + COMPLEX,
    "reduce": ALL + COMPLEX,
    "matmul": NUMERIC + COMPLEX,
    "index": ALL + COMPLEX,
    "random": FLOAT,
    "sort": ALL,
}

#: primitive or optional kernel -> (family, dtypes it supports). The ``#if`` guards in the .cu
#: files follow this table; ``tests/test_cuda_compile.py`` checks that every entry has its
#: kernels.
OPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "fill": ("elementwise", ALL + COMPLEX),
    "copy": ("elementwise", ALL + COMPLEX),
    "where": ("elementwise", ALL + COMPLEX),
    "abs": ("elementwise", ALL + COMPLEX),  # of a complex x: its magnitude, in a real out
    "neg": ("elementwise", NUMERIC + COMPLEX),
    "sign": ("elementwise", ALL),
    **{op: ("elementwise", FLOAT + COMPLEX)
       for op in ("exp", "log", "sqrt", "sin", "cos", "tanh")},
    **{op: ("elementwise", FLOAT) for op in ("sigmoid", "erf")},
    "add": ("elementwise", ALL + COMPLEX),
    "mul": ("elementwise", ALL + COMPLEX),
    "maximum": ("elementwise", ALL),
    "minimum": ("elementwise", ALL),
    "sub": ("elementwise", NUMERIC + COMPLEX),
    "pow": ("elementwise", NUMERIC + COMPLEX),
    "div": ("elementwise", FLOAT + COMPLEX),
    **{op: ("elementwise", ALL + COMPLEX) for op in ("eq", "ne")},
    **{op: ("elementwise", ALL) for op in ("lt", "le", "gt", "ge")},
    **{op: ("elementwise", INTEGER + ("bool",))
       for op in ("bitwise_not", "bitwise_and", "bitwise_or", "bitwise_xor")},
    "bitwise_left_shift": ("elementwise", INTEGER),
    "bitwise_right_shift": ("elementwise", INTEGER),
    **{op: ("reduce", ALL + COMPLEX) for op in ("sum", "prod")},
    **{op: ("reduce", ALL) for op in ("amax", "amin", "argmax", "argmin")},
    "matmul": ("matmul", NUMERIC + COMPLEX),
    "gather": ("index", ALL + COMPLEX),
    "scatter": ("index", ALL + COMPLEX),
    "scatter_add": ("index", NUMERIC + COMPLEX),
    "random_uniform": ("random", FLOAT),
    "random_normal": ("random", FLOAT),
    "sort": ("sort", ALL),  # optional kernel (the core has a composite)
}

#: The kernels that take complex tensors: those with complex64 in the table above
#: (``CUDABackend.complex_ops``; every kernel has complex64 and complex128 or neither).
COMPLEX_OPS = frozenset(op for op, (_, dtypes) in OPS.items() if "complex64" in dtypes)


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
    # real_t: the type of a complex number's parts (abs writes it); the type itself otherwise.
    real = DTYPES[d.real].c_name if d.real else d.c_name
    # The complex struct is defined in common.cuh, after the preamble: declare it first.
    declare = "template <class R> struct mt_complex;\n" if d.real else ""
    return (
        f"// MicroTorch CUDA kernels, instantiated for {d.name}\n"
        f"{declare}typedef {d.c_name} scalar_t;\n"
        f"typedef {real} real_t;\n"
        f"#define MT_IS_FLOAT {int(d.is_float)}\n"
        f"#define MT_IS_BOOL {int(d.is_bool)}\n"
        f"#define MT_IS_COMPLEX {int(bool(d.real))}\n"
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


def entry_points(op: str, dtype_name: str = "float32") -> tuple[str, ...]:
    """The kernel names that implement ``op`` in ``dtype_name``'s module (the nvcc test checks
    each one is built)."""
    family = OPS[op][0]
    if op == "copy":
        # A module copies into its own dtype from every other one; a complex module also
        # copies out to the real dtypes (real modules stay unaware of complex numbers).
        names = [f"copy_from_{src}" for src in ALL]
        if dtype_name in COMPLEX:
            names += [f"copy_from_{src}" for src in COMPLEX] + [f"copy_to_{d}" for d in ALL]
        return tuple(f"{name}_{v}" for name in names for v in ("contig", "strided"))
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
