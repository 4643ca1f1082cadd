"""Data types and PyTorch's type-promotion rules.

A ``DType`` is a small immutable description (name, item size, NumPy equivalent, C type name)
shared by every backend. Promotion follows PyTorch: operands are split into dimensioned
tensors, zero-dim tensors and Python scalars; a lower-priority group only changes the result
when it belongs to a higher *category* (bool < integer < floating point < complex).

The complex dtypes (``complex64``, ``complex128``) are a real and an imaginary part of the
matching floating dtype side by side. As in PyTorch, ``is_floating_point`` is False for them;
``is_complex`` says it. A backend runs complex tensors only through the kernels it lists in
``Backend.complex_ops`` (``dispatch.KernelTable``).
"""

from __future__ import annotations

import numpy as np


class DType:
    """A tensor element type, e.g. ``microtorch_core.float32``."""

    __slots__ = ("name", "itemsize", "np", "c_name", "is_floating_point", "is_complex",
                 "is_inexact", "category", "rank")

    def __init__(self, name: str, np_dtype: type, c_name: str, category: int, rank: int) -> None:
        self.name = name
        self.np = np.dtype(np_dtype)
        self.itemsize = self.np.itemsize
        self.c_name = c_name  # the element type as CUDA/C source spells it
        self.category = category  # 0 bool, 1 integer, 2 floating point, 3 complex
        self.is_floating_point = category == 2
        self.is_complex = category == 3
        # floating point or complex (NumPy's word): the dtypes that carry gradients, and the
        # ones integer and bool math (exp, mean, /) is not converted out of
        self.is_inexact = category >= 2
        self.rank = rank  # position in the promotion lattice (a total order for our dtypes)

    def __repr__(self) -> str:
        return f"microtorch.{self.name}"

    def __reduce__(self):  # keep dtypes singletons through copy/pickle
        return (from_name, (self.name,))


bool_ = DType("bool", np.bool_, "bool", 0, 0)
int32 = DType("int32", np.int32, "int", 1, 1)
int64 = DType("int64", np.int64, "long long", 1, 2)
float32 = DType("float32", np.float32, "float", 2, 3)
float64 = DType("float64", np.float64, "double", 2, 4)
complex64 = DType("complex64", np.complex64, "float2", 3, 5)
complex128 = DType("complex128", np.complex128, "double2", 3, 6)

class UnsupportedDType:
    """A PyTorch dtype that MicroTorch names but has no tensors of yet (``float16``,
    ``bfloat16``). Programs may spell it (nanoGPT's ``{'float16': torch.float16, ...}``) and
    pass it to ``autocast``, whose enabled form explains itself; making a tensor of it raises
    ``NotImplementedError`` naming it."""

    __slots__ = ("name", "itemsize", "is_floating_point")

    def __init__(self, name: str, itemsize: int) -> None:
        self.name = name
        self.itemsize = itemsize
        self.is_floating_point = True

    def __repr__(self) -> str:
        return f"microtorch.{self.name}"

    def __reduce__(self) -> str:  # a singleton through copy/pickle: the module's global
        return self.name

    def not_supported(self) -> NotImplementedError:
        supported = ", ".join(d.name for d in ALL_DTYPES)
        return NotImplementedError(f"dtype {self.name} is not supported yet: MicroTorch's "
                                   f"tensors are {supported}")


float16 = UnsupportedDType("float16", 2)
bfloat16 = UnsupportedDType("bfloat16", 2)

#: The real dtypes: every op that takes a tensor supports these (as PyTorch's OpInfo dtypes).
ALL_DTYPES = (float32, float64, int64, int32, bool_)
FLOATING_DTYPES = (float32, float64)
COMPLEX_DTYPES = (complex64, complex128)
_BY_NAME = {d.name: d for d in ALL_DTYPES + COMPLEX_DTYPES}
_BY_NAME.update({"float": float32, "double": float64, "long": int64, "int": int32,
                 "cfloat": complex64, "cdouble": complex128})
_BY_NUMPY = {d.np: d for d in ALL_DTYPES + COMPLEX_DTYPES}
_TO_REAL = {complex64: float32, complex128: float64}
_TO_COMPLEX = {float32: complex64, float64: complex128}

_default_dtype = float32


def from_name(name: str) -> DType:
    """Look a dtype up by its name (``"float32"``, ``"long"``, ...)."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise TypeError(f"unknown dtype name {name!r}; known: {sorted(_BY_NAME)}") from None


def from_numpy(np_dtype: np.dtype) -> DType:
    """The dtype matching a NumPy dtype; float16 and others we lack raise ``TypeError``."""
    try:
        return _BY_NUMPY[np.dtype(np_dtype)]
    except KeyError:
        supported = ", ".join(str(d.np) for d in ALL_DTYPES + COMPLEX_DTYPES)
        raise TypeError(
            f"NumPy dtype {np.dtype(np_dtype)} is not supported; supported: {supported}"
        ) from None


def as_dtype(dtype: DType | str | type | np.dtype | None) -> DType | None:
    """Accept a DType, a name, a Python type or a NumPy dtype. As in PyTorch, ``float`` is
    float64 (whatever the default dtype), ``int`` int64 and ``bool`` bool."""
    if dtype is None or isinstance(dtype, DType):
        return dtype
    if isinstance(dtype, UnsupportedDType):
        raise dtype.not_supported()
    if isinstance(dtype, str):
        return from_name(dtype)
    if dtype is float:
        return float64
    if dtype is int:
        return int64
    if dtype is bool:
        return bool_
    if dtype is complex:
        return complex128
    return from_numpy(dtype)


def get_default_dtype() -> DType:
    """The floating dtype used for Python floats and new float tensors (float32 unless set)."""
    return _default_dtype


def set_default_dtype(dtype: DType) -> None:
    """Set the default floating dtype, as ``torch.set_default_dtype``."""
    global _default_dtype
    if not isinstance(dtype, DType) or not dtype.is_floating_point:
        raise TypeError(f"default dtype must be a floating point dtype, got {dtype!r}")
    _default_dtype = dtype


def to_real(dtype: DType) -> DType:
    """The floating dtype of a complex dtype's parts (complex64 -> float32); others as is."""
    return _TO_REAL.get(dtype, dtype)


def to_complex(dtype: DType) -> DType:
    """The complex dtype whose parts are ``dtype`` (float64 -> complex128); integers and bool
    give the default's (complex64 for float32); a complex dtype as is."""
    if dtype.is_complex:
        return dtype
    return _TO_COMPLEX[dtype if dtype.is_floating_point else _default_dtype]


def promote_types(a: DType, b: DType) -> DType:
    """The smallest dtype both ``a`` and ``b`` convert to without losing category. The real
    dtypes are a chain; a complex one keeps the wider floating part of the two
    (float64 and complex64 give complex128)."""
    if a.is_complex or b.is_complex:
        if not (a.is_complex and b.is_complex or a.is_floating_point or b.is_floating_point):
            return a if a.is_complex else b  # int64 and complex64: complex64
        return to_complex(promote_types(to_real(a), to_real(b)))
    return a if a.rank >= b.rank else b


def scalar_dtype(value: bool | int | float | complex) -> DType:
    """The dtype a Python scalar takes when it is an operand (float -> default dtype,
    complex -> the default's complex dtype)."""
    if isinstance(value, bool):
        return bool_
    if isinstance(value, int):
        return int64
    if isinstance(value, float):
        return _default_dtype
    if isinstance(value, complex):
        return _TO_COMPLEX[_default_dtype]
    raise TypeError(f"expected a Python bool, int, float or complex, got "
                    f"{type(value).__name__}")


def _combine(higher: DType | None, lower: DType | None) -> DType | None:
    # PyTorch's combine_categories: a lower-priority group only wins on a higher category; a
    # complex one keeps a floating higher group's precision (float64 tensor + 1j: complex128).
    if higher is None:
        return lower
    if lower is None or higher.is_complex:
        return higher
    if lower.is_complex:
        return to_complex(higher) if higher.is_floating_point else lower
    if higher.is_floating_point:
        return higher
    if higher is bool_ or lower.is_floating_point:
        return promote_types(higher, lower)
    return higher


def result_type(*operands) -> DType:
    """The dtype of an elementwise op over tensors and Python scalars, as ``torch.result_type``.

    >>> result_type(tensor([1, 2], dtype=int32), 2.5)
    microtorch.float32
    """
    dim = zero = scalar = None
    for x in operands:
        if isinstance(x, (bool, int, float, complex)):
            d = scalar_dtype(x)
            scalar = d if scalar is None else promote_types(scalar, d)
        elif x.shape:
            dim = x.dtype if dim is None else promote_types(dim, x.dtype)
        else:
            zero = x.dtype if zero is None else promote_types(zero, x.dtype)
    result = _combine(dim, _combine(zero, scalar))
    if result is None:
        raise TypeError("result_type needs at least one operand")
    return result


def cast_scalar(value: bool | int | float | complex, dtype: DType
                ) -> bool | int | float | complex:
    """Convert a Python scalar to the Python type that holds values of ``dtype``."""
    if dtype.is_floating_point:
        if isinstance(value, complex):
            raise RuntimeError(f"value cannot be converted to type {dtype.name} without "
                               f"overflow: {value} (a complex number to a real dtype)")
        return float(value)
    if dtype.is_complex:
        return complex(value)
    if dtype is bool_:
        return bool(value)
    return int(value)


class finfo:  # noqa: N801 - PyTorch's spelling
    """Machine limits of a floating dtype, as ``torch.finfo``: ``bits``, ``eps`` (the gap
    between 1 and the next value), ``max``, ``min`` (the lowest finite value), ``tiny`` and
    ``smallest_normal`` (the smallest positive normal value), ``resolution`` (about
    10**-digits) and ``dtype`` (its name). ``finfo()`` describes the default dtype.

    >>> finfo(float32).eps
    1.1920928955078125e-07
    """

    __slots__ = ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype")

    def __init__(self, dtype: DType | None = None) -> None:
        dtype = _default_dtype if dtype is None else to_real(as_dtype(dtype))  # as PyTorch
        if not dtype.is_floating_point:
            raise TypeError(f"finfo() requires a floating point dtype, got {dtype!r}; use "
                            f"iinfo for integer dtypes")
        info = np.finfo(dtype.np)
        self.bits = int(info.bits)
        self.eps, self.resolution = float(info.eps), 10.0 ** -info.precision
        self.max, self.min = float(info.max), float(info.min)
        self.tiny = self.smallest_normal = float(info.smallest_normal)
        self.dtype = dtype.name

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, "
                f"tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:  # noqa: N801 - PyTorch's spelling
    """Limits of an integer dtype, as ``torch.iinfo``: ``bits``, ``max``, ``min`` and
    ``dtype`` (its name).

    >>> iinfo(int32).max
    2147483647
    """

    __slots__ = ("bits", "max", "min", "dtype")

    def __init__(self, dtype: DType) -> None:
        dtype = as_dtype(dtype)
        if dtype is bool_:
            raise TypeError("iinfo() does not support microtorch.bool (it has no numeric "
                            "range)")
        if dtype.is_floating_point or dtype.is_complex:
            raise TypeError(f"iinfo() requires an integer dtype, got {dtype!r}; use finfo "
                            f"for floating point dtypes")
        info = np.iinfo(dtype.np)
        self.bits, self.max, self.min = int(info.bits), int(info.max), int(info.min)
        self.dtype = dtype.name

    def __repr__(self) -> str:
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"
