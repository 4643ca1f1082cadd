"""Higher-level autograd, as ``torch.autograd.functional``: ``vjp``, ``jvp``, ``jacobian``,
``hessian``, ``vhp`` and ``hvp`` of a Python function of tensors.

Everything here is ``autograd.grad`` called once or twice. MicroTorch has no forward mode, so
``jvp`` and ``hvp`` use the *double-backward trick*: for ``g(u) = J^T u`` (a vjp, linear in
``u``), the vjp of ``g`` with ``v`` is ``J v``. Because backward formulas are Tensor ops, the
first backward (with ``create_graph=True``) is itself a graph we can differentiate.

Return structures follow PyTorch: a function given a single tensor (not a tuple) gets single
tensors back, a tuple gets tuples; ``jacobian`` nests as ``[output][input]`` and ``hessian``
as ``[input][input]``. The inputs are copied out of the caller's graph first (detached, or a
view when ``create_graph=True``), so a gradient is never mixed up with one flowing through a
tensor the function captured from outside.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Union

from . import grad as _grad
from .grad_mode import enable_grad, is_grad_enabled, set_grad_enabled

if TYPE_CHECKING:
    from ..tensor import Tensor

TensorOrTensors = Union["Tensor", tuple["Tensor", ...]]

__all__ = ["vjp", "jvp", "jacobian", "hessian", "vhp", "hvp"]


# -- helpers (PyTorch's names, so the two files can be read side by side) ------------------
def _as_tuple(value: Any, arg_name: str, fn_name: str) -> tuple[bool, tuple[Tensor, ...]]:
    """``(was_a_tuple, value_as_a_tuple)``, checking that every element is a Tensor."""
    from ..tensor import Tensor

    is_tuple = isinstance(value, tuple)
    values = value if is_tuple else (value,)
    for i, el in enumerate(values):
        if not isinstance(el, Tensor):
            where = f"the value at index {i}" if is_tuple else f"the given {arg_name}"
            raise TypeError(f"The {arg_name} given to {fn_name} must be either a Tensor or a "
                            f"tuple of Tensors but {where} has type {type(el).__name__}.")
    return is_tuple, values


def _tuple_postprocess(res: tuple, to_unpack: bool | tuple[bool, bool]) -> Any:
    """Undo ``_as_tuple``: unwrap one level (or two, for nested results) of 1-tuples that
    were made from single tensors."""
    if isinstance(to_unpack, tuple):
        if not to_unpack[1]:
            res = tuple(el[0] for el in res)
        if not to_unpack[0]:
            res = res[0]
    elif not to_unpack:
        res = res[0]
    return res


def _grad_preprocess(inputs: tuple[Tensor, ...], create_graph: bool, need_graph: bool
                     ) -> tuple[Tensor, ...]:
    """New tensor objects for the inputs: a view that stays in the caller's graph when
    ``create_graph`` (so higher-order gradients reach the caller's tensors), else a detached
    copy that requires grad if ``need_graph``."""
    return tuple(inp.view_as(inp) if create_graph and inp.requires_grad
                 else inp.detach().requires_grad_(need_graph) for inp in inputs)


def _grad_postprocess(values: tuple, create_graph: bool) -> tuple:
    """Detach the results unless the caller asked for a graph (recursing into nested
    tuples)."""
    from ..tensor import Tensor

    if values and not isinstance(values[0], Tensor):
        return tuple(_grad_postprocess(v, create_graph) for v in values)
    return values if create_graph else tuple(v.detach() for v in values)


def _validate_v(v: tuple[Tensor, ...], other: tuple[Tensor, ...], is_other_tuple: bool
                ) -> None:
    """``v`` has one tensor per element of ``other``, each of the same shape."""
    if len(v) != len(other):
        if is_other_tuple:
            raise RuntimeError(f"v is a tuple of invalid length: should be {len(other)} but "
                               f"got {len(v)}.")
        raise RuntimeError("The given v should contain a single Tensor.")
    for i, (el_v, el_other) in enumerate(zip(v, other)):
        if el_v.shape != el_other.shape:
            prefix = f"Entry {i} in " if is_other_tuple else ""
            raise RuntimeError(f"{prefix}v has invalid size: should be {tuple(el_other.shape)}"
                               f" but got {tuple(el_v.shape)}.")


def _check_requires_grad(values: tuple, what: str, strict: bool) -> None:
    """In strict mode, refuse results that do not depend on the inputs."""
    if not strict:
        return
    for i, value in enumerate(values):
        if value is None:
            raise RuntimeError(f"The output of the user-provided function is independent of "
                               f"input {i}. This is not allowed in strict mode.")
        if not value.requires_grad:
            messages = {
                "outputs": f"Output {i} of the user-provided function does not require "
                           "gradients. The outputs must be computed in a differentiable "
                           "manner from the input when running in strict mode.",
                "grad_inputs": f"The gradient with respect to input {i} is independent of "
                               "the inputs of the user-provided function. This is not "
                               "allowed in strict mode.",
                "jacobian": "While computing the hessian, found that the jacobian of the "
                            f"user-provided function with respect to input {i} is "
                            "independent of the input. This is not allowed in strict mode.",
                "hessian": f"The hessian of the user-provided function with respect to "
                           f"input {i} is independent of the input. This is not allowed in "
                           "strict mode.",
            }
            raise RuntimeError(messages[what])


def _autograd_grad(outputs: tuple, inputs: tuple[Tensor, ...], grad_outputs: tuple | None = None,
                   create_graph: bool = False, retain_graph: bool | None = None
                   ) -> tuple[Tensor | None, ...]:
    """``autograd.grad`` that skips outputs which are None or need no grad, and gives None
    for inputs that do not influence the outputs."""
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    pairs = [(out, g) for out, g in zip(outputs, grad_outputs)
             if out is not None and out.requires_grad]
    if not pairs:
        return (None,) * len(inputs)
    outs, grads = zip(*pairs)
    return _grad(list(outs), list(inputs), list(grads), retain_graph=retain_graph,
                 create_graph=create_graph, allow_unused=True)


def _fill_in_zeros(grads: tuple, refs: tuple[Tensor, ...], strict: bool, create_graph: bool,
                   stage: str) -> tuple[Tensor, ...]:
    """Replace None gradients with zeros shaped like ``refs`` (or raise, in strict mode)."""
    from ..creation import zeros_like

    res = []
    for i, g in enumerate(grads):
        if g is None:
            if strict:
                what = {"back": f"the output of the user-provided function is independent of "
                                f"input {i}",
                        "back_trick": f"the gradient with respect to the input is independent"
                                      f" of entry {i} in the grad_outputs (double-backward "
                                      "trick)",
                        "double_back": f"the jacobian of the user-provided function is "
                                       f"independent of input {i}",
                        "double_back_trick": f"the hessian of the user-provided function is "
                                             f"independent of entry {i} in the "
                                             "grad_jacobian (double-backward trick)"}[stage]
                raise RuntimeError(f"{what[0].upper()}{what[1:]}. This is not allowed in "
                                   "strict mode.")
            g = zeros_like(refs[i])
        elif strict and create_graph and not g.requires_grad:
            what = "hessian" if "double" in stage else "jacobian"
            raise RuntimeError(f"The {what} of the user-provided function is independent of "
                               f"input {i}. This is not allowed in strict mode when "
                               "create_graph=True.")
        res.append(g)
    return tuple(res)


def _prepare_v(v: Any, like: tuple[Tensor, ...], is_like_tuple: bool, create_graph: bool,
               fn_name: str, like_name: str) -> tuple[Tensor, ...] | None:
    """Check ``v`` against ``like`` (the outputs for vjp, the inputs otherwise). v may be
    omitted only when ``like`` is a single one-element tensor."""
    if v is None:
        if len(like) != 1 or like[0].numel() != 1:
            raise RuntimeError(f"The vector v can only be None if the {like_name} is a single "
                               f"Tensor with a single element (got shapes "
                               f"{[tuple(t.shape) for t in like]}).")
        return None
    _, v = _as_tuple(v, "v", fn_name)
    v = _grad_preprocess(v, create_graph=create_graph, need_graph=False)
    _validate_v(v, like, is_like_tuple)
    return v


def _single_scalar_output(outputs: tuple, is_outputs_tuple: bool, fn_name: str) -> None:
    if is_outputs_tuple:
        raise RuntimeError(f"The function given to {fn_name} should return a single Tensor")
    if outputs[0].numel() != 1:
        raise RuntimeError(f"The Tensor returned by the function given to {fn_name} should "
                           f"contain a single element, got shape {tuple(outputs[0].shape)}")


# -- public API ------------------------------------------------------------------------------
def vjp(func: Callable[..., TensorOrTensors], inputs: TensorOrTensors,
        v: TensorOrTensors | None = None, create_graph: bool = False, strict: bool = False
        ) -> tuple[TensorOrTensors, TensorOrTensors]:
    """``(func(inputs), v^T J)``: the vector-Jacobian product, one backward pass.

    ``v`` has the outputs' shapes; it may be omitted when ``func`` returns a one-element
    tensor. With ``create_graph`` the results stay differentiable.

    >>> vjp(lambda x: x ** 2, tensor([1.0, 2.0]), tensor([1.0, 1.0]))
    (tensor([1., 4.]), tensor([2., 4.]))
    """
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
        inputs = _grad_preprocess(inputs, create_graph=create_graph, need_graph=True)
        outputs = func(*inputs)
        is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function",
                                              "vjp")
        _check_requires_grad(outputs, "outputs", strict)
        v = _prepare_v(v, outputs, is_outputs_tuple, create_graph, "vjp",
                       "output of the user-provided function")
    with set_grad_enabled(create_graph or is_grad_enabled()):
        grad_res = _autograd_grad(outputs, inputs, v, create_graph=create_graph)
        result = _fill_in_zeros(grad_res, inputs, strict, create_graph, "back")
    return (_tuple_postprocess(_grad_postprocess(outputs, create_graph), is_outputs_tuple),
            _tuple_postprocess(_grad_postprocess(result, create_graph), is_inputs_tuple))


def jvp(func: Callable[..., TensorOrTensors], inputs: TensorOrTensors,
        v: TensorOrTensors | None = None, create_graph: bool = False, strict: bool = False
        ) -> tuple[TensorOrTensors, TensorOrTensors]:
    """``(func(inputs), J v)``: the Jacobian-vector product, by the double-backward trick.

    ``v`` has the inputs' shapes; it may be omitted when the input is a one-element tensor.

    >>> jvp(lambda x: x ** 2, tensor([1.0, 2.0]), tensor([1.0, 0.0]))
    (tensor([1., 4.]), tensor([2., 0.]))
    """
    from ..creation import zeros_like

    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
        inputs = _grad_preprocess(inputs, create_graph=create_graph, need_graph=True)
        v = _prepare_v(v, inputs, is_inputs_tuple, create_graph, "jvp",
                       "input to the user-provided function")
        outputs = func(*inputs)
        is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function",
                                              "jvp")
        _check_requires_grad(outputs, "outputs", strict)
        # u's value does not matter: J^T u is linear in u, so u leaves no trace in d(J^T u)/du
        u = tuple(zeros_like(out, requires_grad=True) for out in outputs)
        grad_inputs = _autograd_grad(outputs, inputs, u, create_graph=True)
        _check_requires_grad(grad_inputs, "grad_inputs", strict)
    with set_grad_enabled(create_graph or is_grad_enabled()):
        grad_res = _autograd_grad(grad_inputs, u, v, create_graph=create_graph)
        result = _fill_in_zeros(grad_res, outputs, strict, create_graph, "back_trick")
    return (_tuple_postprocess(_grad_postprocess(outputs, create_graph), is_outputs_tuple),
            _tuple_postprocess(_grad_postprocess(result, create_graph), is_outputs_tuple))


def jacobian(func: Callable[..., TensorOrTensors], inputs: TensorOrTensors,
             create_graph: bool = False, strict: bool = False, vectorize: bool = False,
             strategy: str = "reverse-mode") -> Any:
    """The Jacobian of ``func`` at ``inputs``: one backward pass per output element.

    ``J[i][j]`` has shape ``outputs[i].shape + inputs[j].shape``; the nesting is dropped
    where ``func`` returns, or ``inputs`` is, a single tensor rather than a tuple.
    ``vectorize`` (PyTorch batches the backward passes with vmap) is accepted and gives the
    same values from the plain loop; ``strategy="forward-mode"`` is not available (MicroTorch
    has no forward-mode AD).

    >>> jacobian(lambda x: x ** 2, tensor([1.0, 2.0]))
    tensor([[2., 0.],
            [0., 4.]])
    """
    from ..creation import zeros
    from ..ops import stack

    if strategy != "reverse-mode":
        if strategy == "forward-mode":
            raise NotImplementedError("jacobian: strategy='forward-mode' is not supported: "
                                      "MicroTorch has no forward-mode AD; use 'reverse-mode'")
        raise ValueError(f"jacobian: expected strategy 'forward-mode' or 'reverse-mode', got "
                         f"{strategy!r}")
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
        inputs = _grad_preprocess(inputs, create_graph=create_graph, need_graph=True)
        outputs = func(*inputs)
        is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function",
                                              "jacobian")
        _check_requires_grad(outputs, "outputs", strict)
        jac: list[tuple[Tensor, ...]] = []
        for i, out in enumerate(outputs):
            rows: list[list[Tensor]] = [[] for _ in inputs]  # rows[j]: d out[k] / d input j
            flat = out.reshape(-1)
            for k in range(out.numel()):
                grads = _autograd_grad((flat[k],), inputs, retain_graph=True,
                                       create_graph=create_graph)
                for j, (g, inp) in enumerate(zip(grads, inputs)):
                    if g is None:
                        if strict:
                            raise RuntimeError(f"Output {i} of the user-provided function is "
                                               f"independent of input {j}. This is not "
                                               "allowed in strict mode.")
                        g = zeros(inp.shape, dtype=inp.dtype, device=inp.device)
                    elif strict and create_graph and not g.requires_grad:
                        raise RuntimeError(f"The jacobian of the user-provided function is "
                                           f"independent of input {j}. This is not allowed "
                                           "in strict mode when create_graph=True.")
                    rows[j].append(g)
            jac.append(tuple(
                stack(rows[j]).reshape(out.shape + inp.shape) if rows[j]
                else zeros(out.shape + inp.shape, dtype=inp.dtype, device=inp.device)
                for j, inp in enumerate(inputs)))
        result = _grad_postprocess(tuple(jac), create_graph)
    return _tuple_postprocess(result, (is_outputs_tuple, is_inputs_tuple))


def hessian(func: Callable[..., Tensor], inputs: TensorOrTensors, create_graph: bool = False,
            strict: bool = False, vectorize: bool = False,
            outer_jacobian_strategy: str = "reverse-mode") -> Any:
    """The Hessian of a scalar function: the jacobian of its gradient.

    ``H[i][j]`` has shape ``inputs[i].shape + inputs[j].shape``; a single input tensor gives
    a single tensor.

    >>> hessian(lambda x: (x ** 3).sum(), tensor([1.0, 2.0]))
    tensor([[ 6.,  0.],
            [ 0., 12.]])
    """
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")

    def scalar_func(*inp: Tensor) -> Tensor:
        out = func(*inp)
        is_out_tuple, outs = _as_tuple(out, "outputs of the user-provided function", "hessian")
        _check_requires_grad(outs, "outputs", strict)
        _single_scalar_output(outs, is_out_tuple, "hessian")
        return out.reshape(())

    def jac_func(*inp: Tensor) -> tuple[Tensor, ...]:
        jac = jacobian(scalar_func, inp, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict)
        return jac

    res = jacobian(jac_func, inputs, create_graph=create_graph, strict=strict,
                   vectorize=vectorize, strategy=outer_jacobian_strategy)
    return _tuple_postprocess(res, (is_inputs_tuple, is_inputs_tuple))


def _hessian_product(func: Callable[..., Tensor], inputs: TensorOrTensors,
                     v: TensorOrTensors | None, create_graph: bool, strict: bool,
                     fn_name: str) -> tuple[Tensor, TensorOrTensors]:
    """vhp and hvp: the gradient of ``func`` with a graph, then one more backward pass
    (two for hvp, with the double-backward trick)."""
    from ..creation import zeros_like

    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", fn_name)
        inputs = _grad_preprocess(inputs, create_graph=create_graph, need_graph=True)
        v = _prepare_v(v, inputs, is_inputs_tuple, create_graph, fn_name,
                       "input to the user-provided function")
        outputs = func(*inputs)
        is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function",
                                              fn_name)
        _check_requires_grad(outputs, "outputs", strict)
        _single_scalar_output(outputs, is_outputs_tuple, fn_name)
        jac = _autograd_grad(outputs, inputs, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict)
        if fn_name == "hvp":
            # Double-backward trick: g(u) = H^T u is linear in u, and the vjp of g with v is
            # H v (exactly, symmetric Hessian or not). u's value does not matter.
            u = tuple(zeros_like(inp, requires_grad=True) for inp in inputs)
            double_back = _autograd_grad(jac, inputs, u, create_graph=True)
            _check_requires_grad(double_back, "hessian", strict)
    with set_grad_enabled(create_graph or is_grad_enabled()):
        if fn_name == "hvp":
            grad_res = _autograd_grad(double_back, u, v, create_graph=create_graph)
            result = _fill_in_zeros(grad_res, inputs, strict, create_graph, "double_back_trick")
        else:
            grad_res = _autograd_grad(jac, inputs, v, create_graph=create_graph)
            result = _fill_in_zeros(grad_res, inputs, strict, create_graph, "double_back")
    return (_tuple_postprocess(_grad_postprocess(outputs, create_graph), is_outputs_tuple),
            _tuple_postprocess(_grad_postprocess(result, create_graph), is_inputs_tuple))


def vhp(func: Callable[..., Tensor], inputs: TensorOrTensors,
        v: TensorOrTensors | None = None, create_graph: bool = False, strict: bool = False
        ) -> tuple[Tensor, TensorOrTensors]:
    """``(func(inputs), v^T H)`` for a scalar ``func``: a backward pass through its gradient.

    >>> vhp(lambda x: (x ** 3).sum(), tensor([1.0, 2.0]), tensor([1.0, 1.0]))
    (tensor(9.), tensor([ 6., 12.]))
    """
    return _hessian_product(func, inputs, v, create_graph, strict, "vhp")


def hvp(func: Callable[..., Tensor], inputs: TensorOrTensors,
        v: TensorOrTensors | None = None, create_graph: bool = False, strict: bool = False
        ) -> tuple[Tensor, TensorOrTensors]:
    """``(func(inputs), H v)`` for a scalar ``func``, by the double-backward trick (equal to
    ``vhp`` for twice-differentiable functions, whose Hessian is symmetric).

    >>> hvp(lambda x: (x ** 3).sum(), tensor([1.0, 2.0]), tensor([1.0, 1.0]))
    (tensor(9.), tensor([ 6., 12.]))
    """
    return _hessian_product(func, inputs, v, create_graph, strict, "hvp")
