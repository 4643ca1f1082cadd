"""fill, copy (with dtype cast), unary, binary, comparison and where: ``kernels/elementwise.cu``.

All of them go through :meth:`ElementwiseOps._launch_elementwise`, which picks the kernel
variant: ``NAME_contig`` when every tensor operand is dense in the same order (the common
case, and the fast one), ``NAME_strided`` with a packed Layout otherwise.

Complex tensors run the kernels of their own modules (``compiler.COMPLEX_OPS``); a complex
scalar argument travels as its two parts (``"ff"`` for complex64), the layout of the kernels'
``mt_complex`` struct.
"""

from __future__ import annotations

import functools
from typing import Any

from microtorch_core.backend import BINARY_OPS, COMPARISON_OPS, UNARY_OPS

from .compiler import DTYPES, check_dtype
from .launch import BLOCK, Launcher, device_ptr, is_dense
from .layout import (
    LAYOUT_FORMAT,
    collapsed_layout,
    dense_strides,
    numel,
    pack_layout,
    split_leading,
)

ILP = 4  # elements per thread per step in the contiguous kernels (MT_ILP in the .cu)


class ElementwiseOps(Launcher):
    """Elementwise primitives of the CUDA backend."""

    def _launch_elementwise(self, dtype: str, kernel: str, out: Any, inputs: list[Any],
                            values: tuple = ()) -> None:
        """Run elementwise ``kernel`` (compiled for ``dtype``) over ``out``'s elements.

        ``inputs`` are tensors, or None for an operand that is a Python scalar; ``values``
        are the scalar arguments the kernel takes after its pointers (one per binary/where
        operand, 0 where that operand is a tensor; the fill value for fill).
        """
        shape = out.shape
        n = numel(shape)
        if n == 0:
            return
        operands = [out, *inputs]
        # device_ptr(t), inlined: this runs for every op, and small ops are host-bound.
        ptrs = [0 if t is None else t._storage.handle.ptr + t._offset * t.dtype.itemsize
                for t in operands]
        # Fast path first, checked without collapsing: every tensor dense, same shape.
        dense = dense_strides(shape)
        for t in operands:
            if t is not None and t._strides != dense:
                break
        else:
            self._contig_kernel(dtype, kernel, len(operands), len(values)).prepared_call(
                self._grid(n, ILP), BLOCK, *ptrs, *values, n)
            return
        no_strides = (0,) * len(shape)
        shape, strides, layout_args = collapsed_layout(
            shape, tuple(no_strides if t is None else t._strides for t in operands))
        tensors = [s for s, t in zip(strides, operands, strict=True) if t is not None]
        if len(shape) == 0 or all(s == (1,) for s in tensors):  # dense once size-1 dims go
            self._contig_kernel(dtype, kernel, len(operands), len(values)).prepared_call(
                self._grid(n, ILP), BLOCK, *ptrs, *values, n)
            return
        head = _arg_head(dtype, len(operands), len(values))
        func = self.kernels.function("elementwise", dtype, f"{kernel}_strided",
                                     head + LAYOUT_FORMAT + "i")
        if layout_args is not None:
            func.prepared_call(self._grid(n), BLOCK, *ptrs, *values, n, *layout_args)
            return
        itemsizes = [0 if t is None else t.dtype.itemsize for t in operands]
        for offsets, sub_shape, sub_strides in split_leading(shape, strides):
            sub_ptrs = [p and p + o * size
                        for p, o, size in zip(ptrs, offsets, itemsizes, strict=True)]
            sub_n = numel(sub_shape)
            func.prepared_call(self._grid(sub_n), BLOCK, *sub_ptrs, *values, sub_n,
                               *pack_layout(sub_shape, sub_strides), len(sub_shape))

    def _contig_kernel(self, dtype: str, kernel: str, n_pointers: int, n_values: int) -> Any:
        """The prepared ``{kernel}_contig`` for ``dtype``, from a dict keyed by exactly the
        arguments (the fast path's one lookup; ``KernelCache.function`` builds it once)."""
        key = (dtype, kernel, n_pointers, n_values)
        func = self._contig_kernels.get(key)
        if func is None:
            func = self._contig_kernels[key] = self.kernels.function(
                "elementwise", dtype, f"{kernel}_contig", _arg_head(dtype, n_pointers, n_values))
        return func

    # -- creation and copies ------------------------------------------------------------
    def fill(self, out: Any, value: bool | int | float | complex) -> None:
        """``out[...] = value``."""
        dtype = out.dtype.name
        check_dtype("fill", dtype)
        self._launch_elementwise(dtype, "fill", out, [], _scalar_args(dtype, [value]))

    def copy(self, out: Any, x: Any) -> None:
        """``out[...] = x``, converting ``x``'s dtype to ``out``'s (C cast rules; complex to
        real keeps the real part, real to complex sets the imaginary part to 0)."""
        check_dtype("copy", out.dtype.name)
        check_dtype("copy", x.dtype.name)
        if out.dtype is x.dtype and is_dense(out) and is_dense(x):
            # Same bytes in the same order: the driver's copy engine does it best.
            nbytes = numel(out.shape) * out.dtype.itemsize
            if nbytes:
                self.driver.memcpy_dtod(device_ptr(out), device_ptr(x), nbytes)
            return
        if x.dtype.is_complex and not out.dtype.is_complex:
            # Kept in the complex module, so that the real ones know nothing of complex.
            self._launch_elementwise(x.dtype.name, f"copy_to_{out.dtype.name}", out, [x])
            return
        self._launch_elementwise(out.dtype.name, f"copy_from_{x.dtype.name}", out, [x])

    def where(self, out: Any, cond: Any, a: Any, b: Any) -> None:
        """``out = a if cond else b``; ``a`` and ``b`` may be Python scalars."""
        dtype = out.dtype.name
        check_dtype("where", dtype)
        self._launch_elementwise(dtype, "where", out,
                                 [cond, _tensor_or_none(a), _tensor_or_none(b)],
                                 _scalar_args(dtype, [_scalar_or_zero(a), _scalar_or_zero(b)]))

    # -- unary, binary and comparison ops: one launcher each, methods made below ---------
    def _unary(self, op: str, out: Any, x: Any) -> None:
        check_dtype(op, x.dtype.name)
        if x.dtype.is_complex and op == "abs" and out.dtype.name != DTYPES[x.dtype.name].real:
            raise TypeError(f"cuda backend: abs of a {x.dtype.name} tensor writes its "
                            f"{DTYPES[x.dtype.name].real} magnitude; got out of dtype "
                            f"{out.dtype.name}")
        self._launch_elementwise(x.dtype.name, op, out, [x])

    def _binary(self, op: str, out: Any, a: Any, b: Any) -> None:
        a_is_tensor, b_is_tensor = not isinstance(a, _SCALAR), not isinstance(b, _SCALAR)
        # Comparisons compute in the operands' dtype and write bool; the others in out's.
        if a_is_tensor:
            dtype = a.dtype.name
        elif b_is_tensor:
            dtype = b.dtype.name
        else:
            raise TypeError(f"cuda backend: op '{op}' needs at least one tensor operand")
        check_dtype(op, dtype)
        self._launch_elementwise(dtype, op, out,
                                 [a if a_is_tensor else None, b if b_is_tensor else None],
                                 _scalar_args(dtype, [0 if a_is_tensor else a,
                                                      0 if b_is_tensor else b]))


_SCALAR = (bool, int, float, complex)


def _scalar_args(dtype: str, values: list[Any]) -> tuple:
    """The kernel arguments of scalar ``values`` for a ``dtype`` module: the values
    themselves, or for a complex dtype each one's real and imaginary parts."""
    if not DTYPES[dtype].real:
        return tuple(values)
    return tuple(part for v in values for part in (complex(v).real, complex(v).imag))


@functools.cache
def _arg_head(dtype: str, n_pointers: int, n_values: int) -> str:
    """Format of the arguments every elementwise kernel starts with: pointers, scalar
    values (``n_values`` of them, a complex value counting as its two parts), element
    count."""
    return "P" * n_pointers + DTYPES[dtype].arg * n_values + "q"


def _tensor_or_none(x: Any) -> Any:
    return None if isinstance(x, _SCALAR) else x


def _scalar_or_zero(x: Any) -> bool | int | float | complex:
    return x if isinstance(x, _SCALAR) else 0


def _make_unary(op: str):
    def kernel(self: ElementwiseOps, out: Any, x: Any) -> None:
        self._unary(op, out, x)

    kernel.__name__ = kernel.__qualname__ = op
    kernel.__doc__ = f"``out = {op}(x)`` (kernel ``{op}_contig``/``{op}_strided``)."
    return kernel


def _make_binary(op: str):
    def kernel(self: ElementwiseOps, out: Any, a: Any, b: Any) -> None:
        self._binary(op, out, a, b)

    kernel.__name__ = kernel.__qualname__ = op
    kernel.__doc__ = f"``out = {op}(a, b)`` (kernel ``{op}_contig``/``{op}_strided``)."
    return kernel


for _op in UNARY_OPS:
    setattr(ElementwiseOps, _op, _make_unary(_op))
for _op in BINARY_OPS + COMPARISON_OPS:
    setattr(ElementwiseOps, _op, _make_binary(_op))
