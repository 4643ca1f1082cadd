"""``Parameter``: a tensor that a ``Module`` registers as one of its learnable weights."""

from __future__ import annotations

from ..tensor import Tensor


class Parameter(Tensor):
    """A leaf tensor that requires grad by default and that ``Module.__setattr__`` registers.

    It shares storage with ``data`` (no copy), as ``torch.nn.Parameter`` does.

    >>> w = Parameter(microtorch_core.zeros(3, 2))
    >>> w.requires_grad, w.is_leaf
    (True, True)
    """

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True) -> Parameter:
        if data is None:
            from ..creation import empty

            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter data must be a Tensor, got {type(data).__name__}")
        p = object.__new__(cls)
        for name in ("_storage", "shape", "_strides", "_offset", "dtype", "device", "_kernels"):
            setattr(p, name, getattr(data, name))
        p.grad_fn, p._output_nr, p._native, p.requires_grad = None, 0, None, False
        if requires_grad:
            p.requires_grad_(True)  # checks the dtype is floating point
        return p

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True) -> None:
        pass  # everything happens in __new__ (Tensor.__init__ would build a new tensor)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()
