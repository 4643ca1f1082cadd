"""Automatic differentiation: the graph (``function.py``), the engine (``engine.py``),
grad mode, the user-facing ``backward``, ``grad`` and ``gradcheck``, and ``functional``
(``vjp``, ``jvp``, ``jacobian``, ``hessian``, ``vhp``, ``hvp``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .engine import run_backward
from .function import Function, Node
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import gradcheck

if TYPE_CHECKING:
    from ..tensor import Tensor

__all__ = ["Function", "Node", "backward", "grad", "gradcheck", "no_grad", "enable_grad",
           "set_grad_enabled", "is_grad_enabled", "functional"]


def _as_list(x: Tensor | Sequence[Tensor] | None) -> list:
    if x is None:
        return []
    from ..tensor import Tensor

    return [x] if isinstance(x, Tensor) else list(x)


def _make_grads(outputs: list[Tensor], grads: list[Tensor | None]) -> list[Tensor]:
    from ..tensor import Tensor

    result = []
    for i, out in enumerate(outputs):
        if not out.requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not "
                               "have a grad_fn")
        g = grads[i] if i < len(grads) else None
        if g is None:
            if out.numel() != 1:
                raise RuntimeError(f"grad can be implicitly created only for scalar outputs; "
                                   f"got an output of shape {tuple(out.shape)}: pass "
                                   "gradient= (a tensor of that shape)")
            if out.dtype.is_complex:  # which direction would "1" be? PyTorch asks too
                raise RuntimeError("grad can be implicitly created only for real scalar "
                                   f"outputs; got {out.dtype.name}: take .abs(), .real or "
                                   "pass gradient=")
            g = out._ones_like_detached()
        elif not isinstance(g, Tensor):
            raise TypeError(f"gradient must be a Tensor, got {type(g).__name__}")
        elif g.shape != out.shape:
            raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of "
                               f"{tuple(g.shape)} and output[{i}] has a shape of "
                               f"{tuple(out.shape)}")
        result.append(g)
    return result


def backward(tensors: Tensor | Sequence[Tensor], grad_tensors=None,
             retain_graph: bool | None = None, create_graph: bool = False) -> None:
    """Accumulate gradients of ``tensors`` into the ``.grad`` of the leaves they depend on."""
    outputs = _as_list(tensors)
    grads = _make_grads(outputs, _as_list(grad_tensors))
    run_backward(outputs, grads, retain_graph if retain_graph is not None else create_graph,
                 create_graph)


def grad(outputs: Tensor | Sequence[Tensor], inputs: Tensor | Sequence[Tensor],
         grad_outputs=None, retain_graph: bool | None = None, create_graph: bool = False,
         allow_unused: bool = False) -> tuple[Tensor | None, ...]:
    """The gradients of ``outputs`` with respect to ``inputs`` (``.grad`` is left alone).

    >>> x = tensor([3.0], requires_grad=True)
    >>> (dx,) = grad((x ** 3).sum(), x, create_graph=True)   # 3x^2 = 27
    >>> grad(dx.sum(), x)                                     # 6x = 18
    """
    outs = _as_list(outputs)
    grads = _make_grads(outs, _as_list(grad_outputs))
    ins = _as_list(inputs)
    return run_backward(outs, grads, retain_graph if retain_graph is not None else create_graph,
                        create_graph, inputs=ins, allow_unused=allow_unused)


# Last: functional.py is built on grad() above.
from . import functional  # noqa: E402
