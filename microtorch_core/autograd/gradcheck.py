"""``gradcheck``: compare autograd's gradients with central finite differences."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ..tensor import Tensor


def _numerical_jacobian(fn: Callable, inputs: list, i: int, eps: float) -> np.ndarray:
    """d(flattened outputs) / d(flattened input i), by central differences on the host.

    Grad mode stays on and the perturbed input requires grad like the original, so ``fn`` may
    itself call ``autograd.grad`` (checking second-order gradients)."""
    x = inputs[i]
    base = x.detach().cpu().numpy().astype(np.float64).copy()
    columns = []
    for j in range(base.size):
        cols = []
        for sign in (1, -1):
            pert = base.copy()
            pert.reshape(-1)[j] += sign * eps
            args = list(inputs)
            args[i] = x.__class__._from_numpy(pert.astype(x.dtype.np), x.device)
            args[i].requires_grad = x.requires_grad
            cols.append(_flat_outputs(fn(*args)))
        columns.append((cols[0] - cols[1]) / (2 * eps))
    return np.stack(columns, axis=1) if columns else np.zeros((0, 0))


def _flat_outputs(out) -> np.ndarray:
    outs = out if isinstance(out, (tuple, list)) else (out,)
    return np.concatenate([o.detach().cpu().numpy().astype(np.float64).reshape(-1) for o in outs])


def gradcheck(fn: Callable[..., Tensor], inputs: Sequence, *, eps: float = 1e-6,
              atol: float = 1e-5, rtol: float = 1e-3, raise_exception: bool = True) -> bool:
    """Check ``fn``'s gradients against finite differences, as ``torch.autograd.gradcheck``.

    Use float64 inputs: float32 finite differences are too coarse to be meaningful.

    >>> x = randn(3, dtype=float64, requires_grad=True)
    >>> gradcheck(lambda t: (t.sin() * t).sum(), (x,))
    True
    """
    from ..autograd import grad
    from ..tensor import Tensor

    inputs = list(inputs) if isinstance(inputs, (tuple, list)) else [inputs]
    diff = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    for i in diff:
        if inputs[i].dtype.name != "float64":
            raise TypeError(f"gradcheck: input {i} is {inputs[i].dtype.name}; use float64 "
                            "inputs for finite differences to be accurate")
    out = fn(*inputs)
    outs = out if isinstance(out, (tuple, list)) else (out,)
    n_out = sum(o.numel() for o in outs)
    analytical = {i: np.zeros((n_out, inputs[i].numel())) for i in diff}
    row = 0
    for o in outs:
        flat = o.reshape(-1)
        for k in range(o.numel()):
            seed = np.zeros(o.numel(), dtype=o.dtype.np)
            seed[k] = 1
            g_out = Tensor._from_numpy(seed, o.device)
            if not flat.requires_grad:
                row += 1
                continue
            grads = grad(flat, [inputs[i] for i in diff], grad_outputs=g_out,
                         retain_graph=True, allow_unused=True)
            for i, g in zip(diff, grads):
                if g is not None:
                    analytical[i][row] = g.detach().cpu().numpy().reshape(-1)
            row += 1
    for i in diff:
        numerical = _numerical_jacobian(fn, inputs, i, eps)
        if not np.allclose(analytical[i], numerical, atol=atol, rtol=rtol):
            if not raise_exception:
                return False
            worst = np.abs(analytical[i] - numerical).max()
            raise AssertionError(
                f"gradcheck failed for input {i} (max abs difference {worst:.3g}):\n"
                f"analytical:\n{analytical[i]}\nnumerical:\n{numerical}")
    return True
