"""``Module``: the base class of layers and models, as ``torch.nn.Module``.

A module keeps three ordered dicts, filled by ``__setattr__``: ``_parameters`` (``Parameter``
attributes), ``_buffers`` (tensors registered with ``register_buffer``, e.g. running
statistics) and ``_modules`` (sub-modules). Everything else, parameters(), state_dict(),
to(), train(), repr(), is a walk over that tree. Two parts live in their own files, mixed
into ``Module``: state dicts and their hooks (``module_state.py``) and the dotted-path
accessors ``get_submodule``/``get_parameter``/... (``module_paths.py``).

Calling a module runs ``forward``; with hooks registered (``register_forward_hook`` and
friends) the call goes through ``hooks.call_with_hooks`` instead, which also explains how
backward hooks reach the gradients of a module's inputs and outputs.
"""

from __future__ import annotations

import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any

from ..autograd.grad_mode import no_grad
from ..device import DeviceLike
from ..dtypes import DType
from ..tensor import Tensor
from .hooks import RemovableHandle, call_with_hooks
from .module_paths import ModulePathsMixin
from .module_state import STATE_DICT_HOOK_TABLES, ModuleStateMixin
from .parameter import Parameter

_HOOK_TABLES = ("_forward_pre_hooks", "_forward_pre_hooks_with_kwargs", "_forward_hooks",
                "_forward_hooks_with_kwargs", "_forward_hooks_always_called",
                "_backward_hooks", "_backward_pre_hooks", *STATE_DICT_HOOK_TABLES)


class Module(ModuleStateMixin, ModulePathsMixin):
    """Base class for all neural network modules: subclass it, assign layers and
    ``Parameter``s as attributes in ``__init__``, and write ``forward``.

    >>> class Net(Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.fc = Linear(4, 2)
    ...     def forward(self, x):
    ...         return self.fc(x).relu()
    >>> Net()(microtorch_core.randn(3, 4)).shape
    (3, 2)
    """

    training: bool

    def __init__(self) -> None:
        # object.__setattr__: our own __setattr__ needs these dicts to exist already.
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", OrderedDict())
        # Hook tables: hook id -> hook, in call order; the *_with_kwargs / *_always_called
        # tables mark ids registered with that flag (PyTorch's layout).
        for table in _HOOK_TABLES:
            object.__setattr__(self, table, OrderedDict())
        # None until a backward hook is registered: True for full hooks, False for the
        # deprecated register_backward_hook (PyTorch refuses to mix the two on one module).
        object.__setattr__(self, "_is_full_backward_hook", None)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"Module [{type(self).__name__}] is missing the required "
                                  "\"forward\" function")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if (self._forward_pre_hooks or self._forward_hooks or self._backward_hooks
                or self._backward_pre_hooks):
            return call_with_hooks(self, args, kwargs)
        return self.forward(*args, **kwargs)

    # -- hooks (run by hooks.call_with_hooks) ----------------------------------------------
    def register_forward_pre_hook(self, hook: Callable[..., Any], *, prepend: bool = False,
                                  with_kwargs: bool = False) -> RemovableHandle:
        """Call ``hook(module, args)`` before each ``forward``; a return value other than
        None replaces ``args`` (a non-tuple is wrapped in one). With ``with_kwargs``, the
        hook is ``hook(module, args, kwargs)`` and may return ``(args, kwargs)``.
        ``prepend`` runs it before the hooks already registered."""
        handle = RemovableHandle(self._forward_pre_hooks,
                                 extra_dict=self._forward_pre_hooks_with_kwargs)
        self._forward_pre_hooks[handle.id] = hook
        if with_kwargs:
            self._forward_pre_hooks_with_kwargs[handle.id] = True
        if prepend:
            self._forward_pre_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_forward_hook(self, hook: Callable[..., Any], *, prepend: bool = False,
                              with_kwargs: bool = False, always_call: bool = False
                              ) -> RemovableHandle:
        """Call ``hook(module, args, output)`` after each ``forward``; a return value other
        than None replaces the output. With ``with_kwargs`` the hook is
        ``hook(module, args, kwargs, output)``; with ``always_call`` it also runs when
        ``forward`` (or an earlier hook) raises.

        >>> with model.register_forward_hook(lambda m, args, out: print(out.shape)):
        ...     model(x)
        """
        handle = RemovableHandle(self._forward_hooks,
                                 extra_dict=(self._forward_hooks_with_kwargs,
                                             self._forward_hooks_always_called))
        self._forward_hooks[handle.id] = hook
        if with_kwargs:
            self._forward_hooks_with_kwargs[handle.id] = True
        if always_call:
            self._forward_hooks_always_called[handle.id] = True
        if prepend:
            self._forward_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_full_backward_hook(self, hook: Callable[..., Any], prepend: bool = False
                                    ) -> RemovableHandle:
        """Call ``hook(module, grad_input, grad_output)`` when the gradients with respect to
        the module's positional tensor inputs have been computed. Both are tuples with None
        where an input/output is not a tensor or gets no gradient; a return value other than
        None replaces ``grad_input``. Parameters are not in ``grad_input``. See ``hooks.py``
        for how it works and its limits."""
        return self._add_backward_hook(hook, prepend, full=True)

    def register_backward_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """Deprecated (in PyTorch too): use ``register_full_backward_hook``, which is what
        MicroTorch runs this hook as, with a ``FutureWarning``.

        The difference: PyTorch attaches such a hook to the autograd node that made the
        module's output, so its ``grad_input`` are the gradients of that last op's inputs
        (for ``Linear``: bias, input and weight, in the op's order), which match the module's
        inputs only for a module made of a single op with the same inputs. MicroTorch calls
        it with the gradients of the module's positional tensor inputs, as a full hook."""
        handle = self._add_backward_hook(hook, False, full=False)
        warnings.warn("register_backward_hook is deprecated: MicroTorch runs the hook as a full "
                      "backward hook (grad_input for the module's positional tensor inputs, "
                      "not the inputs of its last op); use register_full_backward_hook",
                      FutureWarning, stacklevel=2)
        return handle

    def _add_backward_hook(self, hook: Callable[..., Any], prepend: bool, full: bool
                           ) -> RemovableHandle:
        if self._is_full_backward_hook not in (None, full):
            raise RuntimeError("Cannot use both regular backward hooks and full backward hooks "
                               "on a single Module. Please use only one of them.")
        object.__setattr__(self, "_is_full_backward_hook", full)
        handle = RemovableHandle(self._backward_hooks)
        self._backward_hooks[handle.id] = hook
        if prepend:
            self._backward_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_full_backward_pre_hook(self, hook: Callable[..., Any], prepend: bool = False
                                        ) -> RemovableHandle:
        """Call ``hook(module, grad_output)`` when the gradients with respect to the module's
        outputs have been computed, before those flow into the module; a return value other
        than None replaces ``grad_output``."""
        handle = RemovableHandle(self._backward_pre_hooks)
        self._backward_pre_hooks[handle.id] = hook
        if prepend:
            self._backward_pre_hooks.move_to_end(handle.id, last=False)
        return handle

    # -- registration through attributes ---------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign attributes before Module.__init__() call")
        params, buffers, modules = self._parameters, self._buffers, self._modules
        if isinstance(value, (Parameter, Module)):
            if isinstance(getattr(type(self), name, None), property):
                # e.g. a parametrized weight (nn.utils.parametrize): the property would hide
                # the new parameter, so PyTorch refuses
                raise KeyError(f"attribute '{name}' already exists")
            target = params if isinstance(value, Parameter) else modules
            # Clear the name from the other tables only: a reassigned parameter or child
            # keeps its place in its own (ordered) table, so parameters(), state_dict()
            # and anything that pairs parameters by position stay as they were (PyTorch).
            for table in (self.__dict__, params, buffers, modules):
                if table is not target:
                    table.pop(name, None)
            self._non_persistent.discard(name)
            target[name] = value
            if isinstance(value, Parameter) and value._name is None:
                value._name = name  # for graph pictures; named_parameters() qualifies it
        elif name in params or name in modules:
            if value is not None:
                kind = "parameter" if name in params else "child module"
                raise TypeError(f"cannot assign '{type(value).__name__}' as {kind} '{name}' "
                                f"({'nn.Parameter' if name in params else 'nn.Module'} or "
                                "None expected)")
            (params if name in params else modules)[name] = None
        elif name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{type(value).__name__}' as buffer '{name}' "
                                "(Tensor or None expected)")
            buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails: look in the three tables.
        d = self.__dict__
        for table in ("_parameters", "_buffers", "_modules"):
            if table in d and name in d[table]:
                return d[table][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for table in (self._parameters, self._buffers, self._modules):
            if name in table:
                del table[name]
                self._non_persistent.discard(name)
                return
        object.__delattr__(self, name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a parameter (or None, a placeholder for an optional one such as a bias)."""
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{type(param).__name__}' object to parameter "
                            f"'{name}' (nn.Parameter or None required)")
        self.__dict__.pop(name, None)
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True
                        ) -> None:
        """Add a tensor that is part of the module's state but not a parameter (not trained);
        ``persistent=False`` leaves it out of ``state_dict``."""
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{type(tensor).__name__}' object to buffer "
                            f"'{name}' (Tensor or None required)")
        self.__dict__.pop(name, None)
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent.discard(name)
        else:
            self._non_persistent.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Add a sub-module under ``name`` (what ``self.name = module`` does)."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        self.__dict__.pop(name, None)
        self._modules[name] = module

    register_module = add_module

    # -- walking the tree ------------------------------------------------------------------
    def named_modules(self, prefix: str = "", memo: set | None = None
                      ) -> Iterator[tuple[str, Module]]:
        """This module and every sub-module (each once), with dotted names."""
        memo = set() if memo is None else memo
        if id(self) in memo:
            return
        memo.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is not None:
                yield from child.named_modules(f"{prefix}.{name}" if prefix else name, memo)

    def modules(self) -> Iterator[Module]:
        """This module and every sub-module (each once)."""
        for _, m in self.named_modules():
            yield m

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """The direct sub-modules."""
        for name, child in self._modules.items():
            if child is not None:
                yield name, child

    def children(self) -> Iterator[Module]:
        for _, m in self.named_children():
            yield m

    def _named_members(self, table: str, prefix: str, recurse: bool
                       ) -> Iterator[tuple[str, Tensor]]:
        seen: set[int] = set()
        mods = self.named_modules(prefix) if recurse else iter([(prefix, self)])
        for mod_prefix, mod in mods:
            for name, t in getattr(mod, table).items():
                if t is None or id(t) in seen:
                    continue
                seen.add(id(t))  # a weight shared by two layers is listed once
                yield (f"{mod_prefix}.{name}" if mod_prefix else name), t

    def named_parameters(self, prefix: str = "", recurse: bool = True
                         ) -> Iterator[tuple[str, Parameter]]:
        """``("layer.weight", parameter)`` pairs. Also records the name on the parameter
        (``_name``), so that ``viz.to_dot`` can label the graph's leaves."""
        for name, p in self._named_members("_parameters", prefix, recurse):
            p._name = name
            yield name, p  # type: ignore[misc]

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True
                      ) -> Iterator[tuple[str, Tensor]]:
        return self._named_members("_buffers", prefix, recurse)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    # -- modes, devices, gradients -------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        """Set training mode (Dropout active) on this module and every sub-module."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self) -> Module:
        """Evaluation mode: ``train(False)``."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of every parameter (to None by default, as PyTorch 2)."""
        for p in self.parameters():
            if p.grad is not None:
                if set_to_none:
                    p.grad = None
                else:
                    p.grad = p.grad.detach().zero_()

    def _apply(self, fn: Callable[[Tensor], Tensor], recurse: bool = True) -> Module:
        # Parameters keep their identity (optimizers hold them): swap their data in place.
        with no_grad():
            for m in self.modules() if recurse else (self,):
                for p in m._parameters.values():
                    if p is not None:
                        p.data = fn(p)
                        if p.grad is not None:
                            p.grad = fn(p.grad)
                for name, b in m._buffers.items():
                    if b is not None:
                        m._buffers[name] = fn(b)
        return self

    def to(self, *args: Any, **kwargs: Any) -> Module:
        """Move every parameter and buffer to a device and/or floating dtype:
        ``model.to("cuda")``, ``model.to(float64)``. Returns ``self``."""
        def convert(t: Tensor) -> Tensor:
            moved = t.to(*args, **kwargs)
            if not t.dtype.is_floating_point and moved.dtype is not t.dtype:
                return t.to(device=moved.device)  # integer buffers keep their dtype
            return moved

        return self._apply(convert)

    def cpu(self) -> Module:
        return self.to("cpu")

    def cuda(self, device: int | None = None) -> Module:
        return self.to("cuda" if device is None else f"cuda:{device}")

    def float(self) -> Module:
        from .. import dtypes

        return self.to(dtypes.float32)

    def double(self) -> Module:
        from .. import dtypes

        return self.to(dtypes.float64)

    def half(self) -> Module:
        """Not available: MicroTorch has no float16 dtype (raises ``TypeError``)."""
        raise TypeError(_no_dtype_message("half", "float16"))

    def bfloat16(self) -> Module:
        """Not available: MicroTorch has no bfloat16 dtype (raises ``TypeError``)."""
        raise TypeError(_no_dtype_message("bfloat16", "bfloat16"))

    def type(self, dst_type: DType | str) -> Module:
        """Convert every parameter and buffer, integer ones included (unlike ``to``), to
        ``dst_type``: ``model.type(float64)`` or ``model.type("double")``. Returns ``self``."""
        return self._apply(lambda t: t.type(dst_type))

    def to_empty(self, *, device: DeviceLike | None, recurse: bool = True) -> Module:
        """Give every parameter and buffer new, uninitialised storage on ``device`` (same
        shapes and dtypes, values not copied), e.g. to materialise a model built as a
        template before loading a state dict into it. Returns ``self``."""
        from ..creation import empty_like

        return self._apply(lambda t: empty_like(t, device=device), recurse=recurse)

    def share_memory(self) -> Module:
        """A no-op returning ``self``, kept so PyTorch code runs. PyTorch moves CPU tensors
        to shared memory for ``torch.multiprocessing``; MicroTorch has no shared-memory
        tensors, and a model sent to another process is copied."""
        return self

    def compile(self, *args: Any, **kwargs: Any) -> None:
        """Leaves the module as it is, with a warning: MicroTorch has no graph compiler.
        ``torch.compile`` only changes speed, never results, so a script that calls
        ``model.compile()`` still computes the same thing here, eagerly."""
        warnings.warn(f"{self._get_name()}.compile(): MicroTorch has no compiler; the module is "
                      "left unchanged and its forward runs eagerly", UserWarning, stacklevel=2)

    def apply(self, fn: Callable[[Module], None]) -> Module:
        """Call ``fn`` on every sub-module (children first) and on this module."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # -- repr ------------------------------------------------------------------------------
    def _get_name(self) -> str:
        return type(self).__name__

    def extra_repr(self) -> str:
        """The text between the parentheses of this module's repr (override it)."""
        return ""

    def __repr__(self) -> str:
        lines = [self.extra_repr()] if self.extra_repr() else []
        for name, child in self._modules.items():
            body = repr(child).replace("\n", "\n  ")
            lines.append(f"({name}): {body}")
        if not self._modules:
            return f"{self._get_name()}({''.join(lines)})"
        return f"{self._get_name()}(\n  " + "\n  ".join(lines) + "\n)"

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._buffers)
                      | set(self._modules))


def _no_dtype_message(method: str, dtype: str) -> str:
    from .. import dtypes

    names = ", ".join(d.name for d in dtypes.FLOATING_DTYPES)
    return (f"Module.{method}(): MicroTorch has no {dtype} dtype (its floating dtypes are "
            f"{names}); use .float() or .double()")
