"""Complex-number ops on real tensors: ``conj``, ``conj_physical``, ``resolve_conj``,
``resolve_neg``, ``real``, ``imag``, ``angle``, ``is_conj`` and ``is_neg``.

MicroTorch has no complex dtypes, but code written for PyTorch calls these on real tensors
too (``x.conj()`` in a generic dot product, ``x.real`` in plotting code), and PyTorch defines
them there: a real number is its own conjugate and its own real part, so ``conj``,
``conj_physical``, ``resolve_conj``, ``resolve_neg`` and ``real`` return the input itself, as
PyTorch does (no copy; the same tensor, so the same autograd history). PyTorch conjugates and
negates complex tensors lazily, with a bit on the tensor that ``resolve_conj`` and
``resolve_neg`` materialise; a real tensor never has those bits, so ``is_conj`` and
``is_neg`` are False. ``imag`` of a real tensor is an error, as in PyTorch.

``angle`` of a real number is its argument as a complex number: 0 for x >= 0, pi for x < 0
(and NaN for NaN); its derivative is zero.

>>> x = tensor([-2.0, 0.0, 3.0])
>>> x.conj() is x, x.real is x
(True, True)
>>> angle(x)
tensor([3.1416, 0.0000, 0.0000])
"""

from __future__ import annotations

import math

from ...autograd.function import Function
from ...tensor import Tensor
from ..declare import op
from ..primitive.elementwise import where
from .comparison import isnan
from .pointwise import _as_float


def _check_tensor(name: str, x: object) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(x).__name__}")


@op(variants="function, method")
def conj(x: Tensor) -> Tensor:
    """The complex conjugate: ``x`` itself for a real tensor, as ``torch.conj``."""
    _check_tensor("conj", x)
    return x


@op(variants="function, method", inplace=True)
def conj_physical(x: Tensor) -> Tensor:
    """The complex conjugate, computed rather than marked lazily: ``x`` itself for a real
    tensor, as ``torch.conj_physical``."""
    _check_tensor("conj_physical", x)
    return x


@op(variants="function, method")
def resolve_conj(x: Tensor) -> Tensor:
    """``x`` with a lazy conjugation carried out: a real tensor has none, so ``x`` itself."""
    _check_tensor("resolve_conj", x)
    return x


@op(variants="function, method")
def resolve_neg(x: Tensor) -> Tensor:
    """``x`` with a lazy negation carried out: a real tensor has none, so ``x`` itself."""
    _check_tensor("resolve_neg", x)
    return x


@op(variants="function, method")
def is_conj(x: Tensor) -> bool:
    """Whether ``x`` carries a lazy conjugation: never, for a real tensor."""
    _check_tensor("is_conj", x)
    return False


@op(variants="function, method")
def is_neg(x: Tensor) -> bool:
    """Whether ``x`` carries a lazy negation: never, for a real tensor."""
    _check_tensor("is_neg", x)
    return False


@op
def real(x: Tensor) -> Tensor:
    """The real part: ``x`` itself for a real tensor, as ``torch.real`` (and the property
    ``x.real``)."""
    _check_tensor("real", x)
    return x


@op
def imag(x: Tensor) -> Tensor:
    """The imaginary part, which a real tensor does not have: an error, as in PyTorch."""
    _check_tensor("imag", x)
    raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")


# ``x.real`` and ``x.imag`` are properties in PyTorch, not methods
op(property(real, doc=real.__doc__), variants="method", name="real")
op(property(imag, doc=imag.__doc__), variants="method", name="imag")


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
    """The argument of each element as a complex number, as ``torch.angle``: pi for negative
    numbers, 0 otherwise, NaN for NaN; integers give the default float dtype."""
    _check_tensor("angle", x)
    return Angle.apply(_as_float(x))
