"""Complex numbers: their parts (``real``, ``imag``, ``angle``, ``abs`` is a primitive), the
conjugate, building them (``complex``, ``polar``) and ``sgn``.

A complex tensor is pairs of floats in memory, and ``view_as_real`` (``ops/primitive/views.py``)
shows them as a float tensor with a last dim of 2, sharing memory. Everything here is written
over that view, so it runs on any backend that can copy and add floats, and its gradient comes
from its parts. PyTorch's convention for a complex gradient is ``dL/dRe + i dL/dIm``: through
``view_as_real`` that is exactly the pair of real gradients, so no formula here needs one.

On a real tensor the conjugate, ``real``, ``resolve_conj`` and ``resolve_neg`` are the input
itself (no copy: the same tensor, so the same autograd history), as in PyTorch; ``imag`` of a
real tensor is an error. PyTorch conjugates lazily, with a bit on the tensor that
``resolve_conj`` materialises; MicroTorch conjugates at once, so ``is_conj`` and ``is_neg``
are always False.

>>> z = complex(tensor([3.0]), tensor([4.0]))
>>> z.abs(), z.conj().imag, angle(tensor([-2.0, 0.0]))
(tensor([5.]), tensor([-4.]), tensor([3.1416, 0.0000]))
"""

from __future__ import annotations

import math

from ...autograd.function import Function
from ...dispatch import broadcast_shapes
from ...tensor import Tensor
from ..declare import op
from ..primitive.elementwise import abs, cos, sign, sin, where
from ..primitive.views import view_as_complex, view_as_real
from ..special.trig import atan2
from .comparison import isnan
from .indexing import stack
from .pointwise import _as_float


def _check_tensor(name: str, x: object) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(x).__name__}")


@op(variants="function, method")
def conj(x: Tensor) -> Tensor:
    """The complex conjugate (the imaginary part negated), as ``torch.conj``; a real tensor
    is its own conjugate: ``x`` itself."""
    _check_tensor("conj", x)
    if not x.dtype.is_complex:
        return x
    pairs = view_as_real(x)
    return view_as_complex(stack([pairs[..., 0], -pairs[..., 1]], -1))


@op(variants="function, method", inplace=True)
def conj_physical(x: Tensor) -> Tensor:
    """The complex conjugate, computed rather than marked lazily, as
    ``torch.conj_physical``: the same as ``conj`` here."""
    _check_tensor("conj_physical", x)
    return conj(x)


@op(variants="function, method")
def resolve_conj(x: Tensor) -> Tensor:
    """``x`` with a lazy conjugation carried out: MicroTorch never defers one, so ``x``."""
    _check_tensor("resolve_conj", x)
    return x


@op(variants="function, method")
def resolve_neg(x: Tensor) -> Tensor:
    """``x`` with a lazy negation carried out: MicroTorch never defers one, so ``x``."""
    _check_tensor("resolve_neg", x)
    return x


@op(variants="function, method")
def is_conj(x: Tensor) -> bool:
    """Whether ``x`` carries a lazy conjugation: never, in MicroTorch."""
    _check_tensor("is_conj", x)
    return False


@op(variants="function, method")
def is_neg(x: Tensor) -> bool:
    """Whether ``x`` carries a lazy negation: never, in MicroTorch."""
    _check_tensor("is_neg", x)
    return False


@op
def real(x: Tensor) -> Tensor:
    """The real part, a view sharing memory (``x.real`` too); a real tensor's is ``x``."""
    _check_tensor("real", x)
    return view_as_real(x)[..., 0] if x.dtype.is_complex else x


@op
def imag(x: Tensor) -> Tensor:
    """The imaginary part, a view sharing memory (``x.imag`` too); a real tensor has none:
    an error, as in PyTorch."""
    _check_tensor("imag", x)
    if not x.dtype.is_complex:
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return view_as_real(x)[..., 1]


def _set_part(index: int):
    def setter(x: Tensor, value: Tensor | float) -> None:
        if index and not x.dtype.is_complex:
            raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
        part = view_as_real(x)[..., index] if x.dtype.is_complex else x
        part.copy_(value) if isinstance(value, Tensor) else part.fill_(value)

    return setter


# ``x.real`` and ``x.imag`` are properties in PyTorch, not methods; assigning to them writes
# the part in place (``z.imag = 0``)
op(property(real, _set_part(0), doc=real.__doc__), variants="method", name="real")
op(property(imag, _set_part(1), doc=imag.__doc__), variants="method", name="imag")


class Angle(Function):
    """out = pi where x < 0, else 0 (NaN stays NaN); d out / dx = 0"""

    @staticmethod
    def forward(ctx, x: Tensor) -> Tensor:
        return where(isnan(x), x, where(x < 0, math.pi, 0.0).to(x.dtype))

    @staticmethod
    def backward(ctx, grad):
        return grad._empty_like().zero_()


@op(variants="function, method")
def angle(x: Tensor) -> Tensor:
    """The argument of each element as a complex number, as ``torch.angle``: ``atan2(imag,
    real)`` for complex tensors; for real ones pi for negative numbers, 0 otherwise, NaN for
    NaN, and integers give the default float dtype."""
    _check_tensor("angle", x)
    if x.dtype.is_complex:
        return atan2(imag(x), real(x))
    return Angle.apply(_as_float(x))


@op(variants="function, method", inplace=True)
def sgn(x: Tensor) -> Tensor:
    """``x / |x|`` for complex numbers (0 at 0), ``sign`` for real ones, as ``torch.sgn``."""
    _check_tensor("sgn", x)
    if not x.dtype.is_complex:
        return sign(x)
    magnitude = abs(x)
    zero = magnitude == 0
    return where(zero, 0, x / where(zero, 1.0, magnitude))  # no 0/0 in the unused branch


@op(name="complex")
def complex_(real: Tensor, imag: Tensor) -> Tensor:  # noqa: A002 - PyTorch's names
    """The complex tensor ``real + i imag``, as ``torch.complex``: both float32 (complex64)
    or both float64 (complex128), broadcast together.

    >>> complex(tensor([1.0]), tensor([2.0]))
    tensor([1.+2.j])
    """
    for name, t in (("real", real), ("imag", imag)):
        if not isinstance(t, Tensor):
            raise TypeError(f"complex(): argument '{name}' must be Tensor, not "
                            f"{type(t).__name__}")
    if not real.dtype.is_floating_point or not imag.dtype.is_floating_point:
        raise RuntimeError(f"Expected both inputs to be Half, Float or Double tensors but got "
                           f"{real.dtype.name} and {imag.dtype.name}")
    if real.dtype is not imag.dtype:
        raise RuntimeError(f"Expected object of scalar type {real.dtype.name} but got scalar "
                           f"type {imag.dtype.name} for second argument")
    shape = broadcast_shapes(real.shape, imag.shape)
    return view_as_complex(stack([real.broadcast_to(shape), imag.broadcast_to(shape)], -1))


@op
def polar(abs: Tensor, angle: Tensor) -> Tensor:  # noqa: A002 - PyTorch's names
    """The complex tensor ``abs * (cos(angle) + i sin(angle))``, as ``torch.polar``."""
    for name, t in (("abs", abs), ("angle", angle)):
        if not isinstance(t, Tensor):
            raise TypeError(f"polar(): argument '{name}' must be Tensor, not "
                            f"{type(t).__name__}")
    return complex_(abs * cos(angle), abs * sin(angle))
