"""Module hooks: the handles ``register_*_hook`` return, ``Module.__call__`` when a hook is
registered (``call_with_hooks``, PyTorch's ``_call_impl``), and the machinery of full backward
hooks (``BackwardHook``).

A *backward* hook wants the gradients with respect to the module's inputs and outputs, but
the engine knows nothing about modules: it sees the ops inside ``forward``. So, as PyTorch's
``BackwardHook`` does, the module's tensor inputs and outputs are passed through an identity
``Function`` on their way in and out::

    x --BackwardHookFunction--> x' --[module's ops]--> y --BackwardHookFunction--> y'

In backward, the node after the outputs runs first and receives ``grad_output``; it keeps it
(and runs the backward pre-hooks, which may replace it). The node before the inputs runs
after every op of the module and receives ``grad_input``; it calls the hooks with both, and
passes on what they return.

Limits (as PyTorch's): only positional tensor arguments count as inputs (not keyword
arguments, nor tensors inside lists or dicts); ``grad_input`` holds no gradient for the
parameters (use ``Tensor.register_hook`` on them); the output must be a tensor or a tuple
(other containers get no hook); a gradient that reaches the inputs without passing through
the outputs (e.g. a second-order ``autograd.grad``) skips the hooks.
"""

from __future__ import annotations

import itertools
import warnings
import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled
from ..tensor import Tensor

if TYPE_CHECKING:
    from .module import Module

_hook_ids = itertools.count()


class RemovableHandle:
    """What ``register_*_hook`` returns: ``handle.remove()`` unregisters the hook. Also a
    context manager that removes it on exit::

        with model.register_forward_hook(record):
            model(x)        # recorded
        model(x)            # not recorded

    The handle refers to the hook tables weakly, so it does not keep a module alive.
    """

    def __init__(self, hooks_dict: OrderedDict, *, extra_dict: OrderedDict | tuple = ()
                 ) -> None:
        self.id = next(_hook_ids)
        self.hooks_dict_ref = weakref.ref(hooks_dict)
        extras = (extra_dict,) if isinstance(extra_dict, OrderedDict) else extra_dict
        self.extra_dict_ref = tuple(weakref.ref(d) for d in extras)

    def remove(self) -> None:
        """Unregister the hook (removing twice is harmless)."""
        for ref in (self.hooks_dict_ref, *self.extra_dict_ref):
            table = ref()
            if table is not None:
                table.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()

    def __repr__(self) -> str:
        return f"<RemovableHandle id={self.id}>"


# -- forward --------------------------------------------------------------------------------
def call_with_hooks(module: Module, args: tuple, kwargs: dict) -> Any:
    """``module(*args, **kwargs)`` with its hooks: forward pre-hooks (may replace the
    arguments), the backward-hook wrapping of the inputs, ``forward``, forward hooks (may
    replace the result), the backward-hook wrapping of the outputs. If anything raises, the
    forward hooks registered with ``always_call=True`` that have not run yet still run."""
    result = None
    called: set[int] = set()
    try:
        for hook_id, hook in list(module._forward_pre_hooks.items()):
            if hook_id in module._forward_pre_hooks_with_kwargs:
                new = hook(module, args, kwargs)
                if new is not None:
                    if not (isinstance(new, tuple) and len(new) == 2
                            and isinstance(new[1], dict)):
                        raise RuntimeError("forward pre-hook must return None or a tuple of "
                                           f"(new_args, new_kwargs), but got {new!r}.")
                    args, kwargs = new
            else:
                new = hook(module, args)
                if new is not None:
                    args = new if isinstance(new, tuple) else (new,)

        backward_hook = None
        if module._backward_hooks or module._backward_pre_hooks:
            backward_hook = BackwardHook(module, list(module._backward_hooks.values()),
                                         list(module._backward_pre_hooks.values()))
            args = backward_hook.setup_input_hook(args)

        result = module.forward(*args, **kwargs)

        for hook_id, hook in list(module._forward_hooks.items()):
            if hook_id in module._forward_hooks_always_called:
                called.add(hook_id)
            new = _call_forward_hook(module, hook_id, hook, args, kwargs, result)
            if new is not None:
                result = new

        if backward_hook is not None:
            if not isinstance(result, (Tensor, tuple)):
                warnings.warn("For backward hooks to be called, module output should be a "
                              f"Tensor or a tuple of Tensors but received {type(result)}",
                              stacklevel=3)
            result = backward_hook.setup_output_hook(result)
        return result
    except Exception:
        for hook_id, hook in list(module._forward_hooks.items()):
            if hook_id not in module._forward_hooks_always_called or hook_id in called:
                continue
            try:
                new = _call_forward_hook(module, hook_id, hook, args, kwargs, result)
                if new is not None:
                    result = new
            except Exception as e:  # the error from forward is the one to report
                warnings.warn("forward hook with ``always_call=True`` raised an exception that "
                              f"was silenced as another error was raised in forward: {e}",
                              stacklevel=3)
        raise


def _call_forward_hook(module: Module, hook_id: int, hook: Callable, args: tuple,
                       kwargs: dict, result: Any) -> Any:
    if hook_id in module._forward_hooks_with_kwargs:
        return hook(module, args, kwargs, result)
    return hook(module, args, result)


# -- backward -------------------------------------------------------------------------------
class BackwardHookFunction(Function):
    """Identity on its tensors; backward hands the gradients to ``callback``, which returns
    the gradients to pass on (the hooks may have replaced them)."""

    @staticmethod
    def forward(ctx, callback: Callable[[tuple], tuple], *tensors: Tensor) -> tuple:
        ctx.callback = callback
        ctx.mark_non_differentiable(*[t for t in tensors if not t.requires_grad])
        ctx.set_materialize_grads(False)  # the hooks see None for outputs that got no grad
        return tensors

    @staticmethod
    def backward(ctx, *grads: Tensor | None) -> tuple:
        return (None, *ctx.callback(grads))


def _pack_with_none(indices: list[int], values: tuple, size: int) -> tuple:
    """``values`` placed at ``indices`` of a ``size``-tuple of Nones."""
    res: list[Any] = [None] * size
    for i, value in zip(indices, values):
        res[i] = value
    return tuple(res)


class BackwardHook:
    """The backward hooks of one call of a module (a fresh one per call, so a module used
    twice in a graph gets its hooks called twice, each time with that call's gradients)."""

    def __init__(self, module: Module, hooks: list[Callable], pre_hooks: list[Callable]
                 ) -> None:
        self.module = module
        self.hooks, self.pre_hooks = hooks, pre_hooks
        self.grad_outputs: tuple | None = None  # set by the output node, used by the input's
        self.n_inputs = self.n_outputs = 0
        # positions of the tensors that were wrapped; None when none needed a gradient
        self.input_index: list[int] | None = None
        self.output_index: list[int] | None = None

    def setup_input_hook(self, args: tuple) -> tuple:
        """Wrap the tensor arguments; their node calls the hooks with grad_input."""
        self.n_inputs = len(args)
        args, self.input_index = self._wrap(args, self._on_grad_input)
        return args

    def setup_output_hook(self, result: Any) -> Any:
        """Wrap the output tensors; their node records grad_output."""
        is_tuple = isinstance(result, tuple)
        outputs = result if is_tuple else (result,)
        self.n_outputs = len(outputs)
        outputs, self.output_index = self._wrap(outputs, self._on_grad_output)
        return outputs if is_tuple else outputs[0]

    @staticmethod
    def _wrap(values: tuple, callback: Callable[[tuple], tuple]
              ) -> tuple[tuple, list[int] | None]:
        index = [i for i, v in enumerate(values) if isinstance(v, Tensor)]
        if not is_grad_enabled() or not any(values[i].requires_grad for i in index):
            return values, None
        wrapped = BackwardHookFunction.apply(callback, *(values[i] for i in index))
        out = list(values)
        for i, t in zip(index, wrapped):
            out[i] = t
        return tuple(out), index

    def _on_grad_output(self, grads: tuple) -> tuple:
        assert self.output_index is not None
        grad_outputs = _pack_with_none(self.output_index, grads, self.n_outputs)
        for hook in self.pre_hooks:
            new = hook(self.module, grad_outputs)
            if new is None:
                continue
            new = tuple(new) if isinstance(new, (tuple, list)) else (new,)
            if len(new) != len(grad_outputs):
                raise RuntimeError(f"Backward pre hook returned an invalid number of "
                                   f"grad_output, got {len(new)}, but expected "
                                   f"{len(grad_outputs)}")
            grad_outputs = new
        self.grad_outputs = grad_outputs
        if self.input_index is None:  # no input needs a gradient: the hooks run now
            grad_inputs = (None,) * self.n_inputs
            for hook in self.hooks:
                res = hook(self.module, grad_inputs, grad_outputs)
                if res is not None and not all(g is None for g in res):
                    raise RuntimeError("Backward hook for Modules where no input requires "
                                       "gradient should always return None or None for all "
                                       "gradients.")
            self.grad_outputs = None
        return tuple(grad_outputs[i] for i in self.output_index)

    def _on_grad_input(self, grads: tuple) -> tuple:
        assert self.input_index is not None
        if self.grad_outputs is None:  # reached the inputs without passing the outputs
            return grads
        grad_inputs = _pack_with_none(self.input_index, grads, self.n_inputs)
        for hook in self.hooks:
            new = hook(self.module, grad_inputs, self.grad_outputs)
            if new is None:
                continue
            new = tuple(new) if isinstance(new, (tuple, list)) else (new,)
            if len(new) != len(grad_inputs):
                raise RuntimeError(f"Backward hook returned an invalid number of grad_input, "
                                   f"got {len(new)}, but expected {len(grad_inputs)}")
            grad_inputs = new
        self.grad_outputs = None
        return tuple(grad_inputs[i] for i in self.input_index)
