"""Dispatch: from an op on tensors to one call into the device's kernel table.

Every primitive Function (``ops/primitive/``) reaches its kernel through here, in two steps:

1. **Running a kernel** (:func:`dispatch_binary`, :func:`dispatch_unary`): check that the
   tensor operands share a device, promote their dtypes with PyTorch's rules, broadcast them
   (a stride-0 view, so kernels never broadcast), allocate ``out`` on the device and call
   ``kernels.<op>(out, a, b)``. This is the path of ``a + b``.
2. **Finding the kernels** (:class:`KernelTable`): when a device is first used, the registry
   creates its backend and :func:`kernel_table` builds a plain object whose attributes are
   the backend's bound kernel methods. A tensor keeps a reference to its device's table, so
   "which kernel?" costs one attribute lookup (``a._kernels.add``): no pluggy, no dict of
   dicts, no string formatting on the hot path.

An op the backend lists in ``unsupported_ops`` becomes a stub that raises NotImplementedError
naming the op and the backend or, with CPU fallback enabled, runs the CPU kernel on copies.
Complex tensors carry a second table of the same device, holding only the kernels the backend
lists in ``complex_ops`` (:class:`KernelTable`).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from typing import Any

from . import dtypes
from .backend import FALLBACK_HINT, OPTIONAL_KERNELS, PRIMITIVES, Allocator, Backend
from .dtypes import DType, cast_scalar, result_type
from .tensor import Tensor

Scalar = bool | int | float | complex


# -- 1. running a kernel ---------------------------------------------------------------------
def dispatch_binary(op: str, a: Tensor | Scalar, b: Tensor | Scalar,
                    compute_dtype: DType | None = None, out_dtype: DType | None = None
                    ) -> Tensor:
    """Run the binary kernel ``op`` (``"add"``, ``"lt"``...) and return a new tensor.

    ``a`` and ``b`` are tensors or Python numbers, at least one a tensor. The steps:

    1. device: the tensor operands share one, whose kernel table runs the op;
    2. dtype: PyTorch's promotion (``result_type``), or ``compute_dtype`` if the op fixes it
       (``div`` computes integers in floating point);
    3. shape: both operands are broadcast to one shape by stride-0 views;
    4. ``out`` is allocated on the device, in ``out_dtype`` (bool for comparisons) or the
       computed dtype, and the kernel writes into it.
    """
    if compute_dtype is None and isinstance(a, Tensor) and (
            b.dtype is a.dtype and b.device is a.device if isinstance(b, Tensor)
            else a.dtype.is_floating_point and isinstance(b, (int, float))):
        return _binary_same_dtype(op, a, b, out_dtype)  # nothing to promote: see there
    like = _tensor_operand(a, b)                                 # 1. device
    dtype = compute_dtype or result_type(a, b)                   # 2. dtype
    shape = broadcast_shapes(*(x.shape for x in (a, b) if isinstance(x, Tensor)))  # 3. shape
    kernels = _table_for(like._kernels, dtype)                   # 4. kernel
    out = Tensor._empty(shape, out_dtype or dtype, like.device, kernels)
    getattr(kernels, op)(out, _operand(a, dtype, shape), _operand(b, dtype, shape))
    return out


def dispatch_unary(op: str, x: Tensor, float_only: bool = True) -> Tensor:
    """Run the unary kernel ``op`` and return a new tensor; with ``float_only`` (exp, log,
    sin...) integer and bool inputs are computed in the default float dtype, as PyTorch."""
    if float_only and not x.dtype.is_inexact:  # bool and integers to the default float
        x = cast(x, dtypes.get_default_dtype())
    out = x._empty_like()
    getattr(x._kernels, op)(out, x)
    return out


def dispatch_where(cond: Tensor, a: Tensor | Scalar, b: Tensor | Scalar) -> Tensor:
    """Run the ``where`` kernel: ``a`` where the bool tensor ``cond`` is True, else ``b``,
    with the steps of :func:`dispatch_binary` over three operands (two Python numbers
    promote by their own kinds: ``where(c, 1.0, 0)`` is float32)."""
    tensors = [t for t in (cond, a, b) if isinstance(t, Tensor)]
    like = same_device(*tensors)
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        dtype = result_type(a, b)
    else:
        dtype = dtypes.promote_types(dtypes.scalar_dtype(a), dtypes.scalar_dtype(b))
    shape = broadcast_shapes(*(t.shape for t in tensors))
    kernels = _table_for(like._kernels, dtype)
    out = Tensor._empty(shape, dtype, like.device, kernels)
    kernels.where(out, broadcast_view(cond, shape), _operand(a, dtype, shape),
                  _operand(b, dtype, shape))
    return out


def dispatch_binary_inplace(op: str, x: Tensor, other: Tensor | Scalar) -> Tensor:
    """Run the binary kernel ``op`` in place, ``x = x <op> other`` (``x.add_(y)``): ``other``
    is cast to x's dtype and broadcast to x's shape (the caller has checked that both fit),
    and x's version counter goes up so that autograd notices the change."""
    if isinstance(other, Tensor):
        same_device(x, other)
        operand = broadcast_view(cast(other, x.dtype), x.shape)
    else:
        operand = cast_scalar(other, x.dtype)
    getattr(x._kernels, op)(x, x, operand)
    x._storage.version += 1
    return x


def has_kernel(x: Tensor, name: str) -> bool:
    """Whether the backend of ``x``'s device has the optional kernel ``name``
    (``OPTIONAL_KERNELS``); without it the core runs its own composite."""
    return getattr(x._kernels, name) is not None


def _binary_same_dtype(op: str, a: Tensor, b: Tensor | float, out_dtype: DType | None
                       ) -> Tensor:
    """:func:`dispatch_binary` when promotion has nothing to do: two tensors of one dtype on
    one device, or a floating tensor and a Python number (``x * 0.5``: the tensor's dtype
    wins). The type checks and ``result_type`` are skipped, about a third of a small op's
    cost."""
    kernels = a._kernels
    if not isinstance(b, Tensor):
        if type(b) is int:
            check_int_scalar(b)
        out = Tensor._empty(a.shape, out_dtype or a.dtype, a.device, kernels)
        getattr(kernels, op)(out, a, float(b))
    elif a.shape == b.shape:
        out = Tensor._empty(a.shape, out_dtype or a.dtype, a.device, kernels)
        getattr(kernels, op)(out, a, b)
    else:
        shape = broadcast_shapes(a.shape, b.shape)
        out = Tensor._empty(shape, out_dtype or a.dtype, a.device, kernels)
        getattr(kernels, op)(out, broadcast_view(a, shape), broadcast_view(b, shape))
    return out


def _table_for(kernels: KernelTable, dtype: DType) -> KernelTable:
    """The device's kernel table for computing in ``dtype``: the complex one for a complex
    dtype (``1j * real_tensor`` computes in complex64), else the real one."""
    return kernels if dtype.is_complex is kernels.is_complex else kernels.other


def _tensor_operand(a: Tensor | Scalar, b: Tensor | Scalar) -> Tensor:
    """The tensor operand whose device runs the op, after checking the operands' types and
    that two tensors share a device."""
    check_operand(a)
    check_operand(b)
    if isinstance(a, Tensor):
        return same_device(a, b) if isinstance(b, Tensor) else a
    return b


def check_operand(x: object) -> None:
    """Refuse an operand that is neither a tensor nor a Python number."""
    if not isinstance(x, (Tensor, bool, int, float, complex)):
        raise TypeError(f"unsupported operand type {type(x).__name__}; expected a Tensor or a "
                        "Python number")
    if type(x) is int:
        check_int_scalar(x)


def check_int_scalar(x: int) -> None:
    """Refuse a Python int that no 64-bit integer holds, as PyTorch does even for a floating
    tensor (``t + 2**70``: it reads the int as a 64-bit one first)."""
    if not -2**63 <= x < 2**64:
        raise OverflowError("int too big to convert")


def check_tensor_args(op_name: str, **args: object) -> None:
    """Refuse a non-Tensor where the op ``op_name`` takes only Tensors, with PyTorch's
    TypeError. ``args`` are the op's parameters in positional order, by name:
    ``check_tensor_args("atan2", input=a, other=b)`` raises "atan2(): argument 'other'
    (position 2) must be Tensor, not int" for ``atan2(t, 2)``."""
    for position, (name, value) in enumerate(args.items(), 1):
        if not isinstance(value, Tensor):
            raise TypeError(f"{op_name}(): argument '{name}' (position {position}) must be "
                            f"Tensor, not {type(value).__name__}")


def invalid_arguments(op_name: str, args: tuple, signatures: tuple[str, ...]) -> TypeError:
    """PyTorch's TypeError for arguments that match none of an op's signatures, e.g.
    ``torch.eq(2, t)``: "eq() received an invalid combination of arguments - got (int,
    Tensor), but expected one of: (Tensor input, Tensor other) ..."."""
    got = ", ".join("Tensor" if isinstance(a, Tensor) else type(a).__name__ for a in args)
    expected = "".join(f"\n * ({s})" for s in signatures)
    return TypeError(f"{op_name}() received an invalid combination of arguments - got ({got}),"
                     f" but expected one of:{expected}")


def _operand(x: Tensor | Scalar, dtype: DType, shape: tuple[int, ...]) -> Tensor | Scalar:
    """An operand as the kernel wants it: a tensor cast to ``dtype`` and broadcast to
    ``shape``, or a Python number converted to ``dtype``'s kind."""
    if isinstance(x, Tensor):
        return broadcast_view(cast(x, dtype), shape)
    return cast_scalar(x, dtype)


def same_device(*tensors: Tensor) -> Tensor:
    """The first tensor, after checking that all are on one device."""
    first = tensors[0]
    for t in tensors[1:]:
        if t.device is not first.device and t.device != first.device:
            raise RuntimeError(f"Expected all tensors to be on the same device, but found at "
                               f"least two devices, {first.device} and {t.device}!")
    return first


def cast(x: Tensor, dtype: DType) -> Tensor:
    """``x`` converted to ``dtype`` by the backend's ``copy`` kernel (no autograd); ``x``
    itself when it has that dtype already."""
    if x.dtype is dtype:
        return x
    if x.dtype.is_complex and not dtype.is_complex:
        warnings.warn("Casting complex values to real discards the imaginary part",
                      UserWarning, stacklevel=2)
    out = x._empty_like(dtype=dtype)
    copy_table(out, x).copy(out, x)
    return out


def copy_table(out: Tensor, src: Tensor) -> KernelTable:
    """The kernel table whose ``copy`` writes ``src`` into ``out``: the complex one when
    either is complex (converting from or to complex numbers is complex work), which is
    ``src``'s own table or ``out``'s."""
    return src._kernels if src.dtype.is_complex else out._kernels


def broadcast_shapes(*shapes: tuple[int, ...]) -> tuple[int, ...]:
    """The shape all ``shapes`` broadcast to, as ``torch.broadcast_shapes``."""
    ndim = max(map(len, shapes))
    out = [1] * ndim
    for shape in shapes:
        for i, n in enumerate(shape, ndim - len(shape)):
            if n != out[i]:
                if out[i] == 1:
                    out[i] = n
                elif n != 1:
                    listed = " and ".join(str(tuple(s)) for s in shapes)
                    raise RuntimeError(f"shapes {listed} cannot be broadcast (dimension "
                                       f"{i - ndim}: {out[i]} vs {n})")
    return tuple(out)


def broadcast_view(t: Tensor, shape: tuple[int, ...]) -> Tensor:
    """``t`` seen with ``shape`` (no autograd): broadcast dimensions get stride 0."""
    if t.shape == shape:
        return t
    lead = len(shape) - len(t.shape)
    if lead < 0:
        raise RuntimeError(f"cannot expand a tensor of shape {tuple(t.shape)} to fewer "
                           f"dimensions {tuple(shape)}")
    strides = [0] * lead
    for i, (n, s) in enumerate(zip(t.shape, t._strides)):
        target = shape[lead + i]
        if n == target:
            strides.append(s)
        elif n == 1:
            strides.append(0)
        else:
            raise RuntimeError(f"The expanded size of the tensor ({target}) must match the "
                               f"existing size ({n}) at non-singleton dimension {lead + i}. "
                               f"Target sizes: {list(shape)}. Tensor sizes: {list(t.shape)}")
    return t._view(tuple(shape), tuple(strides), t._offset)


# -- 2. finding the kernels --------------------------------------------------------------------
FALLBACK_ENV = "MICROTORCH_CPU_FALLBACK"
_fallback_enabled: bool | None = None  # None: read the environment variable on first use
_fallback_warned: set[tuple[str, str]] = set()


class KernelTable:
    """The kernels of one device: ``table.add(out, a, b)``, ``table.matmul(out, a, b)``...

    Attributes: ``backend``, ``allocator``, ``device_type``, one callable per name in
    ``PRIMITIVES``, and one per name in ``OPTIONAL_KERNELS`` (None when the backend has no
    faster kernel for that composite).

    A device has two tables: the real one, and the one its complex tensors carry
    (``is_complex``), which holds only the kernels the backend lists in ``complex_ops``; any
    other primitive there raises NotImplementedError naming the op and the dtype, so an op
    PyTorch does not define for complex numbers (``lt``, ``amax``...) is refused instead of
    computing something else. ``other`` is the counterpart; ``Tensor._make`` picks by dtype.
    """

    def __init__(self, backend: Backend, device_type: str, is_complex: bool = False) -> None:
        self.backend = backend
        self.allocator: Allocator = backend.allocator
        self.device_type = device_type
        self.is_complex = is_complex
        self.other: KernelTable = self
        unsupported = set(type(backend).unsupported_ops)
        complex_ops = backend.complex_ops
        for op in PRIMITIVES:
            if is_complex and op not in complex_ops:
                setattr(self, op, _no_complex_kernel(op, device_type))
            elif op in unsupported:
                setattr(self, op, _missing_kernel(op, device_type))
            else:
                setattr(self, op, getattr(backend, op))
        for op in OPTIONAL_KERNELS:
            kernel = getattr(backend, op, None)  # the spec's default means "not provided"
            if getattr(kernel, "is_spec_default", False) or is_complex and op not in complex_ops:
                kernel = None
            setattr(self, op, kernel)

    def __repr__(self) -> str:
        kind = " (complex)" if self.is_complex else ""
        return f"<KernelTable {self.device_type}{kind}: {type(self.backend).__name__}>"


def kernel_table(device_type: str, index: int | None = None) -> KernelTable:
    """Build the kernel tables of a device type (creates its backend on first use): the
    real one is returned, the complex one is its ``other``."""
    from .registry import registry

    backend = registry.get_backend(device_type)
    if index is not None and index >= backend.device_count():
        raise RuntimeError(f"device '{device_type}:{index}' does not exist: backend "
                           f"'{device_type}' has {backend.device_count()} device(s)")
    real, complex_ = KernelTable(backend, device_type), KernelTable(backend, device_type, True)
    real.other, complex_.other = complex_, real
    return real


def _no_complex_kernel(op: str, device_type: str) -> Callable[..., None]:
    def kernel(*args: Any) -> None:
        found = next((a.dtype.name for a in args
                      if isinstance(a, Tensor) and a.dtype.is_complex), "complex")
        raise NotImplementedError(f"'{op}' is not implemented for {found} tensors on backend "
                                  f"'{device_type}': its complex_ops do not list it (PyTorch "
                                  f"itself defines some ops, such as lt, for real numbers only)")

    kernel.__name__ = f"{op}_no_complex_on_{device_type}"
    return kernel


def set_cpu_fallback(enabled: bool) -> None:
    """Run ops a backend lacks on the CPU backend (with copies and a one-time warning)."""
    global _fallback_enabled
    _fallback_enabled = bool(enabled)


def cpu_fallback_enabled() -> bool:
    """Whether ops a backend lacks run on the CPU (``MICROTORCH_CPU_FALLBACK=1``)."""
    if _fallback_enabled is None:
        return os.environ.get(FALLBACK_ENV, "").strip() not in ("", "0")
    return _fallback_enabled


def _missing_kernel(op: str, device_type: str) -> Callable[..., None]:
    def kernel(*args: Any) -> None:
        if device_type == "cpu" or not cpu_fallback_enabled():
            raise NotImplementedError(
                f"op '{op}' is not implemented by backend '{device_type}'; {FALLBACK_HINT}")
        _run_on_cpu(op, device_type, args)

    kernel.__name__ = f"{op}_unsupported_on_{device_type}"
    return kernel


def _run_on_cpu(op: str, device_type: str, args: tuple[Any, ...]) -> None:
    """Run a destination-passing kernel on the CPU backend: copy every tensor argument to
    the CPU (the first one is ``out``), run, and copy ``out`` back."""
    from .device import device
    from .tensor import Tensor

    if (op, device_type) not in _fallback_warned:
        _fallback_warned.add((op, device_type))
        warnings.warn(f"op '{op}' is not implemented by backend '{device_type}'; running it on "
                      f"the CPU with copies (CPU fallback is on)", RuntimeWarning, stacklevel=4)
    cpu_args = [a.to("cpu").contiguous() if isinstance(a, Tensor) else a for a in args]
    getattr(device("cpu").kernels, op)(*cpu_args)
    out = args[0]
    out._kernels.copy(out, cpu_args[0].to(out.device))
