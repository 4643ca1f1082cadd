"""Matrix products: ``matmul`` (``@``) for 1-D, 2-D and batched inputs with
broadcasting, ``mm`` and ``bmm``, all one :class:`MatMul` over the batched ``matmul`` kernel.
"""

from __future__ import annotations

import math

from ... import dtypes
from ...autograd.function import Function
from ...dispatch import broadcast_shapes, broadcast_view, same_device
from ...tensor import Tensor
from ..declare import op


class MatMul(Function):
    """out[..., m, n] = sum_k a[..., m, k] * b[..., k, n] (both at least 2-D)"""

    @staticmethod
    def forward(ctx, a: Tensor, b: Tensor) -> Tensor:
        ctx.save_for_backward(a, b)
        a_batch, b_batch = a.shape[:-2], b.shape[:-2]  # two 2-D matrices: no batch
        batch = a_batch if a_batch == b_batch else broadcast_shapes(a_batch, b_batch)
        m, k, n = a.shape[-2], a.shape[-1], b.shape[-1]
        out = a._empty_like(batch + (m, n))
        a._kernels.matmul(out, broadcast_view(a, batch + (m, k)),
                          broadcast_view(b, batch + (k, n)))
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        # the engine sums broadcast batch dims back to each input's shape
        if a.dtype.is_complex:  # the conjugate transposes (see elementwise._conj)
            return (grad @ b.mH if ctx.needs_input_grad[0] else None,
                    a.mH @ grad if ctx.needs_input_grad[1] else None)
        return (grad @ b.mT if ctx.needs_input_grad[0] else None,
                a.mT @ grad if ctx.needs_input_grad[1] else None)


class Linear(Function):
    """out = x @ weight^T + bias, for x (N, in), weight (out, in), bias (out,) or None: one
    node of the graph (PyTorch's addmm) where ``x @ weight.t() + bias`` records three (the
    transpose, the product and the sum). The transpose is a strided view the matmul kernel
    reads as it is, and the bias is added in place into the product."""

    @staticmethod
    def forward(ctx, x: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
        ctx.save_for_backward(x, weight)
        (n_out, n_in), (s_out, s_in) = weight.shape, weight._strides
        out = x._empty_like((x.shape[0], n_out))
        kernels = x._kernels
        kernels.matmul(out, x, weight._view((n_in, n_out), (s_in, s_out), weight._offset))
        if bias is not None:
            kernels.add(out, out, broadcast_view(bias, out.shape))
        return out

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        need_x, need_weight, need_bias = ctx.needs_input_grad
        return (grad @ weight if need_x else None,
                grad.mT @ x if need_weight else None,
                grad.sum(0) if need_bias else None)


@op(variants="function, method", aliases=("linalg.matmul",))
def matmul(a: Tensor, b: Tensor) -> Tensor:
    """Matrix product with PyTorch's rules: 1-D x 1-D is a dot product, a 1-D operand is
    treated as a row (left) or column (right) vector, and batch dims broadcast."""
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        raise TypeError(f"matmul: both operands must be tensors, got {type(a).__name__} and "
                        f"{type(b).__name__}")
    same_device(a, b)
    a_dims, b_dims = len(a.shape), len(b.shape)
    if a_dims == 0 or b_dims == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{a_dims}D and {b_dims}D")
    if a.dtype is dtypes.bool_ or b.dtype is dtypes.bool_:
        raise RuntimeError("matmul is not implemented for bool tensors")
    if a.dtype is not b.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{a.dtype.name} != {b.dtype.name}")
    if a.shape[-1] != b.shape[-2 if b_dims > 1 else 0]:
        a_desc = "x".join(map(str, a.shape if a_dims > 1 else (1,) + a.shape))
        b_desc = "x".join(map(str, b.shape if b_dims > 1 else b.shape + (1,)))
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a_desc} and {b_desc})")
    a2 = a.unsqueeze(0) if a_dims == 1 else a
    b2 = b.unsqueeze(-1) if b_dims == 1 else b
    if a2.dim() > 2 and b2.dim() == 2:
        # (..., m, k) @ (k, n), as in a Linear layer: fold the leading dims into one matrix
        # and make one 2-D product, as PyTorch does, instead of a batch of products against a
        # broadcast weight (whose backward would then sum the batch of weight gradients)
        lead = a2.shape[:-1]
        rows = a2.reshape(math.prod(lead), a2.shape[-1])
        out = MatMul.apply(rows, b2).reshape(lead + b2.shape[-1:])
    else:
        out = MatMul.apply(a2, b2)
    if b_dims == 1:
        out = out.squeeze(-1)
    if a_dims == 1:
        out = out.squeeze(-2 if b_dims > 1 else -1)
    return out


@op(variants="function, method")
def mm(a: Tensor, b: Tensor) -> Tensor:
    """2-D matrix product."""
    if a.dim() != 2 or b.dim() != 2:
        raise RuntimeError(f"mm: expected 2-D tensors, got {a.dim()}D and {b.dim()}D")
    return matmul(a, b)


@op(variants="function, method")
def bmm(a: Tensor, b: Tensor) -> Tensor:
    """Batched 3-D matrix product (no broadcasting)."""
    if a.dim() != 3 or b.dim() != 3 or a.shape[0] != b.shape[0]:
        raise RuntimeError(f"bmm: expected 3-D tensors with equal batch size, got shapes "
                           f"{tuple(a.shape)} and {tuple(b.shape)}")
    return matmul(a, b)


