"""BLAS-style fused ops: ``beta * input + alpha * (product)`` for a matrix, matrix-vector,
batched or outer product (addmm addmv baddbmm addbmm addr), the plain products mv and vdot,
and the pointwise addcmul and addcdiv.

Each is a composite: a ``matmul`` plus elementwise ops, so the gradients are theirs. As in
PyTorch, ``beta=0`` ignores ``input`` entirely (a NaN in it does not reach the result). For
an integer result, PyTorch's products read a float ``alpha``/``beta`` as an integer (0.6 is
0), while ``addr``, ``addcmul`` and ``addcdiv`` refuse one; ``addr`` of bools is
``(beta and input) or (alpha and outer)``.
"""

from __future__ import annotations

from ... import dtypes
from ...dispatch import broadcast_shapes, same_device
from ...tensor import Tensor
from ..declare import op
from ..primitive.matmul import matmul
from .products import outer

Scalar = bool | int | float


def _dtype_names(*tensors: Tensor) -> str:
    names = [t.dtype.name for t in tensors]
    return ", ".join(names[:-1]) + " and " + names[-1]


def _check_same_dtype(name: str, labels: str, *tensors: Tensor) -> None:
    same_device(*tensors)
    if any(t.dtype is not tensors[0].dtype for t in tensors):
        raise RuntimeError(f"{name}(): {labels} must have the same dtype, but got "
                           f"{_dtype_names(*tensors)}")


def _check_integral_scalars(dtype: dtypes.DType, **scalars: Scalar) -> None:
    """PyTorch's rule: a float coefficient cannot scale an integer result."""
    if dtype.is_floating_point:
        return
    for label, value in scalars.items():
        if isinstance(value, float):
            raise RuntimeError(f"For integral input tensors, argument {label} must not be a "
                               f"floating point number (got {label}={value})")


def _scaled_sum(name: str, x: Tensor, product: Tensor, beta: Scalar, alpha: Scalar) -> Tensor:
    """``beta * x + alpha * product`` with ``x`` broadcast to ``product``'s shape."""
    try:
        fits = broadcast_shapes(x.shape, product.shape) == product.shape
    except RuntimeError:
        fits = False
    if not fits:
        raise RuntimeError(f"{name}(): input of shape {tuple(x.shape)} cannot be broadcast to "
                           f"the result shape {tuple(product.shape)}")
    if not product.dtype.is_floating_point:  # PyTorch casts them to the integer dtype
        beta, alpha = int(beta), int(alpha)
    if alpha != 1:
        product = product * alpha
    if beta == 0:  # input is ignored, NaNs and infinities included
        return product
    return product + (x if beta == 1 else x * beta)


def _matrix_desc(t: Tensor) -> str:
    return "x".join(map(str, t.shape))


@op(variants="function, method", inplace=True)
def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta: Scalar = 1,  # noqa: A002
          alpha: Scalar = 1) -> Tensor:
    """``beta * input + alpha * (mat1 @ mat2)``, as ``torch.addmm``: ``mat1`` is (n, m),
    ``mat2`` (m, p), and ``input`` broadcasts to (n, p). A linear layer is
    ``addmm(bias, x, weight.T)``.

    >>> addmm(zeros(2), ones(2, 3), ones(3, 2), beta=0.5, alpha=2)
    tensor([[6., 6.],
            [6., 6.]])
    """
    for label, m in (("mat1", mat1), ("mat2", mat2)):
        if m.dim() != 2:
            raise RuntimeError(f"addmm(): {label} must be a matrix, got {m.dim()}-D tensor of "
                               f"shape {tuple(m.shape)}")
    _check_same_dtype("addmm", "input, mat1 and mat2", input, mat1, mat2)
    return _scaled_sum("addmm", input, matmul(mat1, mat2), beta, alpha)


@op(variants="function, method")
def mv(mat: Tensor, vec: Tensor) -> Tensor:
    """Matrix-vector product ``mat @ vec`` of an (n, m) matrix and an (m,) vector, as
    ``torch.mv``."""
    if mat.dim() != 2 or vec.dim() != 1:
        raise RuntimeError(f"mv(): expected a 2-D matrix and a 1-D vector, got {mat.dim()}-D "
                           f"and {vec.dim()}-D tensors")
    if mat.shape[1] != vec.shape[0]:
        raise RuntimeError(f"mv(): size mismatch, got mat ({_matrix_desc(mat)}), vec "
                           f"({vec.shape[0]})")
    _check_same_dtype("mv", "mat and vec", mat, vec)
    return matmul(mat, vec)


@op(variants="function, method", inplace=True)
def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta: Scalar = 1,  # noqa: A002
          alpha: Scalar = 1) -> Tensor:
    """``beta * input + alpha * (mat @ vec)``, as ``torch.addmv``; ``input`` broadcasts to
    (n,)."""
    if mat.dim() != 2 or vec.dim() != 1:
        raise RuntimeError(f"addmv(): expected a 2-D matrix and a 1-D vector, got "
                           f"{mat.dim()}-D and {vec.dim()}-D tensors")
    if mat.shape[1] != vec.shape[0]:
        raise RuntimeError(f"addmv(): size mismatch, got input ({_matrix_desc(input)}), mat "
                           f"({_matrix_desc(mat)}), vec ({vec.shape[0]})")
    _check_same_dtype("addmv", "input, mat and vec", input, mat, vec)
    return _scaled_sum("addmv", input, matmul(mat, vec), beta, alpha)


def _check_batches(name: str, batch1: Tensor, batch2: Tensor) -> None:
    for label, b in (("batch1", batch1), ("batch2", batch2)):
        if b.dim() != 3:
            raise RuntimeError(f"{name}(): {label} must be a 3-D tensor, got {b.dim()}-D of "
                               f"shape {tuple(b.shape)}")
    if batch1.shape[0] != batch2.shape[0]:
        raise RuntimeError(f"{name}(): batch1 and batch2 must have the same number of "
                           f"batches, got {batch1.shape[0]} and {batch2.shape[0]}")
    if batch1.shape[2] != batch2.shape[1]:
        raise RuntimeError(f"{name}(): incompatible matrix sizes for bmm "
                           f"({batch1.shape[1]}x{batch1.shape[2]} and "
                           f"{batch2.shape[1]}x{batch2.shape[2]})")


@op(variants="function, method", inplace=True)
def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta: Scalar = 1,  # noqa: A002
            alpha: Scalar = 1) -> Tensor:
    """``beta * input + alpha * bmm(batch1, batch2)``, as ``torch.baddbmm``: ``batch1`` is
    (b, n, m), ``batch2`` (b, m, p), and ``input`` broadcasts to (b, n, p)."""
    _check_batches("baddbmm", batch1, batch2)
    _check_same_dtype("baddbmm", "input, batch1 and batch2", input, batch1, batch2)
    return _scaled_sum("baddbmm", input, matmul(batch1, batch2), beta, alpha)


@op(variants="function, method", inplace=True)
def addbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta: Scalar = 1,  # noqa: A002
           alpha: Scalar = 1) -> Tensor:
    """``beta * input + alpha * sum_i batch1[i] @ batch2[i]``, as ``torch.addbmm``; ``input``
    broadcasts to (n, p).

    The sum of the b products is one (n, b*m) @ (b*m, p) product: the batch dim joins the
    contracted one, so no (b, n, p) intermediate is made.
    """
    _check_batches("addbmm", batch1, batch2)
    _check_same_dtype("addbmm", "input, batch1 and batch2", input, batch1, batch2)
    b, n, m = batch1.shape
    p = batch2.shape[2]
    product = matmul(batch1.permute(1, 0, 2).reshape(n, b * m), batch2.reshape(b * m, p))
    return _scaled_sum("addbmm", input, product, beta, alpha)


@op(variants="function, method", inplace=True)
def addr(input: Tensor, vec1: Tensor, vec2: Tensor, *, beta: Scalar = 1,  # noqa: A002
         alpha: Scalar = 1) -> Tensor:
    """``beta * input + alpha * outer(vec1, vec2)``, as ``torch.addr``; ``input`` broadcasts
    to (len(vec1), len(vec2))."""
    for label, v in (("vec1", vec1), ("vec2", vec2)):
        if v.dim() != 1:
            raise RuntimeError(f"addr(): expected 1-D argument {label}, but got {v.dim()}-D")
    same_device(input, vec1, vec2)
    product = outer(vec1, vec2)
    dtype = dtypes.result_type(input, product)
    for label, value in (("beta", beta), ("alpha", alpha)):
        if isinstance(value, bool) and dtype is not dtypes.bool_:
            raise RuntimeError(f"Boolean {label} only supported for Boolean results.")
    _check_integral_scalars(dtype, beta=beta, alpha=alpha)
    if dtype is dtypes.bool_:  # logical: (beta and input) or (alpha and outer), as PyTorch
        _scaled_sum("addr", input, product, 0, 1)  # the shape check
        product = product if alpha else product & False
        return product | input if beta else product
    return _scaled_sum("addr", input, product, beta, alpha)


@op(variants="function, method")
def vdot(a: Tensor, b: Tensor) -> Tensor:
    """Inner product of two 1-D tensors, as ``torch.vdot`` (the first would be conjugated;
    MicroTorch has no complex dtypes, so this is ``dot``)."""
    if a.dim() != 1 or b.dim() != 1:
        raise RuntimeError(f"vdot(): 1D tensors expected, but got {a.dim()}D and {b.dim()}D "
                           f"tensors")
    if a.dtype is not b.dtype:
        raise RuntimeError(f"vdot(): expected both vectors to have the same dtype, but found "
                           f"{a.dtype.name} and {b.dtype.name}")
    if a.shape != b.shape:
        raise RuntimeError(f"vdot(): inconsistent tensor size, got {a.shape[0]} and "
                           f"{b.shape[0]} elements")
    return matmul(a, b)


@op(variants="function, method", inplace=True)
def addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, *,  # noqa: A002
            value: Scalar = 1) -> Tensor:
    """``input + value * tensor1 * tensor2``, elementwise and broadcast, as
    ``torch.addcmul`` (the dtype is promoted over all three)."""
    dtype = dtypes.result_type(input, tensor1, tensor2)
    _check_integral_scalars(dtype, value=value)
    product = tensor1 * tensor2 if value == 1 else value * tensor1 * tensor2
    return input + product


@op(variants="function, method", inplace=True)
def addcdiv(input: Tensor, tensor1: Tensor, tensor2: Tensor, *,  # noqa: A002
            value: Scalar = 1) -> Tensor:
    """``input + value * tensor1 / tensor2``, elementwise and broadcast, as
    ``torch.addcdiv`` (an Adam step is ``p.addcdiv_(m, v.sqrt() + eps, value=-lr)``)."""
    if not tensor1.dtype.is_floating_point and not tensor2.dtype.is_floating_point:
        raise RuntimeError(f"addcdiv(): integer division is not supported (tensor1 is "
                           f"{tensor1.dtype.name}, tensor2 is {tensor2.dtype.name}); use "
                           f"(input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) "
                           f"or convert one to a floating dtype")
    dtype = dtypes.result_type(input, tensor1, tensor2)
    _check_integral_scalars(dtype, value=value)
    quotient = tensor1 / tensor2 if value == 1 else value * tensor1 / tensor2
    return input + quotient
