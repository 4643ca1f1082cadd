"""softmax and log_softmax by a backend's fused kernel (``OPTIONAL_KERNELS``).

A backend may provide ``softmax``/``log_softmax`` kernels; ``composite/activation.py`` uses
:class:`FusedSoftmax` when it does and its own composite (max, exp, sum) otherwise. The
gradient is the same either way, written here with Tensor ops.
"""

from __future__ import annotations

from ...autograd.function import Function


class FusedSoftmax(Function):
    """out = softmax(x) by a backend's fused kernel; backward in Tensor ops"""

    @staticmethod
    def forward(ctx, x, dim, log):
        out = x._empty_like()
        (x._kernels.log_softmax if log else x._kernels.softmax)(out, x, dim)
        ctx.dim, ctx.log = dim, log
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        if ctx.log:
            return grad - out.exp() * grad.sum(ctx.dim, keepdim=True), None, None
        return out * (grad - (grad * out).sum(ctx.dim, keepdim=True)), None, None
