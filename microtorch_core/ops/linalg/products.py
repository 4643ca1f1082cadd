"""Products over ``matmul``: ``dot``, ``outer`` (``ger``), ``inner``, ``linalg.vecdot``,
``cross`` (and ``linalg.cross``), ``tensordot`` and ``matrix_power``.

``tensordot`` moves the contracted dims together and makes one ``mm``; ``matrix_power``
multiplies by repeated squaring (about 2 log2(n) products), and a negative power inverts first
(``linalg.inv``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ...autograd.function import Function
from ...creation import eye, zeros_like
from ...dispatch import broadcast_shapes, same_device
from ...tensor import Tensor, _wrap_dim
from ..composite.indexing import cat, narrow
from ..declare import op
from ..primitive.matmul import matmul, mm
from ..primitive.views import expand
from .lu import inv


@op(variants="function, method")
def dot(a: Tensor, b: Tensor) -> Tensor:
    """Inner product of two 1-D tensors."""
    if a.dim() != 1 or b.dim() != 1:
        raise RuntimeError(f"1D tensors expected, but got {a.dim()}D and {b.dim()}D tensors")
    if a.shape != b.shape:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src "
                           f"[{b.shape[0]}] to have the same number of elements, but got "
                           f"{a.shape[0]} and {b.shape[0]} elements respectively")
    return matmul(a, b)


@op(variants="function, method", aliases=("ger",))
def outer(a: Tensor, b: Tensor) -> Tensor:
    """Outer product of two 1-D tensors."""
    for name, t in (("self", a), ("vec2", b)):
        if t.dim() != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {t.dim()}-D")
    return a.reshape(-1, 1) * b.reshape(1, -1)


@op(namespace="linalg")
def vecdot(x: Tensor, y: Tensor, *, dim: int = -1) -> Tensor:
    """The dot products of the vectors along ``dim`` of ``x`` and ``y`` (broadcast), as
    ``torch.linalg.vecdot``: ``sum(x.conj() * y, dim)``; a real ``x`` is its own conjugate.
    """
    for name, t in (("x", x), ("y", y)):
        if not isinstance(t, Tensor):
            raise TypeError(f"linalg.vecdot(): argument '{name}' must be Tensor, not "
                            f"{type(t).__name__}")
    if x.dtype is not y.dtype:
        raise RuntimeError(f"linalg.vecdot: Expected x and y to have the same dtype, but found "
                           f"x of type {x.dtype.name} and y of type {y.dtype.name} instead")
    product = x * y
    return product.sum(_wrap_dim(dim, product.dim()))


@op(namespace="linalg", name="cross")
def linalg_cross(a: Tensor, b: Tensor, *, dim: int = -1) -> Tensor:
    """The cross product of 3-vectors along ``dim`` (size 3 in both), batch dims broadcast,
    as ``torch.linalg.cross``.

    >>> linalg_cross(tensor([1.0, 0.0, 0.0]), tensor([0.0, 1.0, 0.0]))
    tensor([0., 0., 1.])
    """
    if a.dim() != b.dim():
        raise RuntimeError(f"linalg.cross: inputs must have the same number of dimensions, "
                           f"got shapes {tuple(a.shape)} and {tuple(b.shape)}")
    if a.dtype is not b.dtype:
        raise RuntimeError(f"linalg.cross: inputs must have the same dtype, got "
                           f"{a.dtype.name} and {b.dtype.name}")
    same_device(a, b)
    d = _wrap_dim(dim, a.dim())
    if a.shape[d] != 3 or b.shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got "
                           f"{a.shape[d]} and {b.shape[d]}")
    shape = broadcast_shapes(a.shape, b.shape)
    a0, a1, a2 = (narrow(expand(a, shape), d, i, 1) for i in range(3))
    b0, b1, b2 = (narrow(expand(b, shape), d, i, 1) for i in range(3))
    return cat([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], d)


@op(variants="function, method")
def cross(a: Tensor, b: Tensor, dim: int | None = None) -> Tensor:
    """The cross product along ``dim``, as ``torch.cross``. Without ``dim`` it is the first
    dim of size 3 (PyTorch deprecates that default; ``linalg.cross`` takes the last dim)."""
    if dim is None:
        shape = broadcast_shapes(a.shape, b.shape)
        dim = next((i for i, n in enumerate(shape) if n == 3), None)
        if dim is None:
            raise RuntimeError(f"cross(): no dimension of size 3 in input of shape "
                               f"{tuple(shape)}")
    return linalg_cross(a, b, dim=dim)


@op
def tensordot(a: Tensor, b: Tensor, dims: int | tuple[Sequence[int], Sequence[int]] = 2
              ) -> Tensor:
    """Sum of products over pairs of dims, as ``torch.tensordot``: ``dims=k`` contracts the
    last ``k`` dims of ``a`` with the first ``k`` of ``b``; ``dims=([1, 0], [0, 2])`` names
    the pairs. One ``mm`` after moving the contracted dims together.

    >>> tensordot(ones(2, 3, 4), ones(3, 4, 5)).shape
    (2, 5)
    """
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > a.dim() or dims > b.dim():
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got "
                               f"dims={dims} (ndim_a={a.dim()}, ndim_b={b.dim()})")
        dims_a, dims_b = list(range(a.dim() - dims, a.dim())), list(range(dims))
    else:
        dims_a, dims_b = ([d] if isinstance(d, int) else list(d) for d in dims)
        if len(dims_a) != len(dims_b):
            raise RuntimeError(f"both dimension lists should have same length (got {dims_a} "
                               f"and {dims_b})")
    if a.dtype is not b.dtype:
        raise RuntimeError(f"both inputs should have same dtype (got {a.dtype.name} and "
                           f"{b.dtype.name})")
    dims_a = [_wrap_dim(d, a.dim()) for d in dims_a]
    dims_b = [_wrap_dim(d, b.dim()) for d in dims_b]
    for da, db in zip(dims_a, dims_b):
        # a size-1 dim broadcasts against the other: sum that one over its dim first, as
        # PyTorch (in the operand's own dtype: int32 stays int32)
        if b.shape[db] == 1 and a.shape[da] != 1:
            a = a.sum(da, keepdim=True, dtype=a.dtype)
        elif a.shape[da] == 1 and b.shape[db] != 1:
            b = b.sum(db, keepdim=True, dtype=b.dtype)
        if a.shape[da] != b.shape[db]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size "
                               f"{a.shape[da]} in dim {da} and second has size {b.shape[db]} "
                               f"in dim {db}")
    free_a = [d for d in range(a.dim()) if d not in dims_a]
    free_b = [d for d in range(b.dim()) if d not in dims_b]
    k = math.prod(a.shape[d] for d in dims_a)
    a2 = a.permute(free_a + dims_a).reshape(math.prod(a.shape[d] for d in free_a), k)
    b2 = b.permute(dims_b + free_b).reshape(k, math.prod(b.shape[d] for d in free_b))
    out_shape = tuple(a.shape[d] for d in free_a) + tuple(b.shape[d] for d in free_b)
    return mm(a2, b2).reshape(out_shape)


@op(variants="function, method")
def inner(a: Tensor, b: Tensor) -> Tensor:
    """Sum of products over the last dims of ``a`` and ``b`` (the dot product for vectors); a
    0-d operand multiplies instead, as ``torch.inner``."""
    if a.dim() == 0 or b.dim() == 0:
        return a * b
    if a.shape[-1] != b.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but "
                           f"got shapes {list(a.shape)} and {list(b.shape)}")
    return tensordot(a, b, ([a.dim() - 1], [b.dim() - 1]))


class _Identity(Function):
    """A^0 = I: constant, but an output PyTorch differentiates (with gradient 0)"""

    @staticmethod
    def forward(ctx, a):
        return eye(a.shape[-1], dtype=a.dtype, device=a.device).expand(a.shape).clone()

    @staticmethod
    def backward(ctx, grad):
        return zeros_like(grad)


@op(variants="function, method", aliases=("linalg.matrix_power",))
def matrix_power(A: Tensor, n: int) -> Tensor:  # noqa: N803 - PyTorch's name
    """``A @ A @ ... @ A`` (``n`` factors) for square matrices (..., m, m), by repeated
    squaring; ``n = 0`` is the identity and ``n < 0`` powers the inverse, as
    ``torch.linalg.matrix_power``."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"linalg_matrix_power(): argument 'n' (position 2) must be int, not "
                        f"{type(n).__name__}")
    if A.dim() < 2 or A.shape[-1] != A.shape[-2]:
        shape = A.shape[-2:] if A.dim() >= 2 else A.shape
        raise RuntimeError(f"linalg.matrix_power: A must be batches of square matrices, but "
                           f"they are {' by '.join(str(s) for s in shape)} matrices")
    if n == 0:
        return _Identity.apply(A)
    if n < 0:
        A, n = inv(A), -n
    result = None
    while True:  # binary powering: A^n = prod of A^(2^k) over the set bits of n
        if n & 1:
            result = A if result is None else matmul(result, A)
        n >>= 1
        if not n:
            return result
        A = matmul(A, A)
