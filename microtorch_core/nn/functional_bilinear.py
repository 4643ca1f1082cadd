"""``bilinear``, as ``torch.nn.functional.bilinear``; ``nn.functional`` re-exports it and
``nn.Bilinear`` (in ``linear.py``) holds its parameters.

It lives apart from ``linear.py`` so that imports keep pointing down: ``nn.functional``
imports this file, and the modules import ``nn.functional``.
"""

from __future__ import annotations

from ..tensor import Tensor

__all__ = ["bilinear"]


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor,
             bias: Tensor | None = None) -> Tensor:
    """y_o = x1^T A_o x2 + b_o for each output o, with ``weight`` A of shape
    (out_features, in1_features, in2_features): inputs (*, in1) and (*, in2) with the same
    leading dims give (*, out_features). One matmul computes x1^T A_o for every o at once.

    >>> x1, x2 = microtorch_core.randn(5, 3), microtorch_core.randn(5, 4)
    >>> bilinear(x1, x2, microtorch_core.randn(2, 3, 4)).shape
    (5, 2)
    """
    if weight.dim() != 3:
        raise RuntimeError(f"bilinear(): expected a 3-D weight (out_features, in1_features, "
                           f"in2_features), got shape {tuple(weight.shape)}")
    if input1.dim() != input2.dim():
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {input1.dim()} and "
                           f"{input2.dim()}")
    for d, (a, b) in enumerate(zip(input1.shape[:-1], input2.shape[:-1])):
        if a != b:
            raise RuntimeError(f"bilinear(): input batch dimensions do not match at dim {d}: "
                               f"got {a} and {b}")
    out_features, in1, in2 = weight.shape
    for name, x, expected in (("input1", input1, in1), ("input2", input2, in2)):
        if x.dim() == 0 or x.shape[-1] != expected:
            got = x.shape[-1] if x.dim() else "a 0-d tensor"
            raise RuntimeError(f"bilinear(): {name} size does not match weight size: got {got} "
                               f"but expected {expected}")
    if bias is not None and tuple(bias.shape) != (out_features,):
        raise RuntimeError(f"bilinear(): bias size does not match weight size: got shape "
                           f"{tuple(bias.shape)} but expected ({out_features},)")
    x1, x2 = input1.reshape(-1, in1), input2.reshape(-1, in2)
    # (B, in1) @ (in1, out * in2) -> (B, out, in2): row o of sample b is x1_b^T A_o
    x1_a = (x1 @ weight.permute(1, 0, 2).reshape(in1, out_features * in2))
    terms = x1_a.reshape(-1, out_features, in2) * x2.unsqueeze(1)
    out = terms.sum(-1, dtype=terms.dtype)  # int32 stays int32, as PyTorch's (sum: int64)
    if bias is not None:
        out = out + bias
    return out.reshape(tuple(input1.shape[:-1]) + (out_features,))
