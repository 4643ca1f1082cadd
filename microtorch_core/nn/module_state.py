"""State dicts: ``state_dict``, ``load_state_dict``, their hooks and a module's extra state, as
``torch.nn.Module``'s. ``Module`` inherits them from ``ModuleStateMixin``.

Both directions are a walk over the module tree, one module at a time, with the same override
points and hooks as PyTorch::

    state_dict(prefix)                      load_state_dict(sd)  (copies sd: hooks may edit it)
      pre-hooks(module, prefix, keep_vars)    load(module, the keys under prefix):
      _save_to_state_dict: own params,          _load_from_state_dict:
          persistent buffers, _extra_state          load pre-hooks (may rename keys), copy
      each child: state_dict(prefix.name.)          own tensors, set_extra_state, note
      post-hooks(module, sd, prefix, meta)          missing / unexpected keys
                                                each child: load(child, keys under its prefix)
                                                post-hooks(module, incompatible_keys)
                                              strict: raise on missing / unexpected keys

A module stores state that is not a tensor (a vocabulary, a step counter) by overriding both
``get_extra_state`` and ``set_extra_state``; it is saved under ``<prefix>_extra_state``. Keep
it to what ``microtorch_core.save`` stores (tensors, dicts, lists, tuples, str, int, float,
bool, None) so the state dict round-trips through a checkpoint.

As in PyTorch, loading is not atomic: tensors whose keys match are copied even when the call
raises at the end for a missing, unexpected or mis-shaped entry. The version metadata PyTorch
keeps in ``state_dict._metadata`` is kept the same way here, but ``save`` does not store it.
"""

from __future__ import annotations

import warnings
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from .. import dtypes
from ..autograd.grad_mode import no_grad
from ..tensor import Tensor
from .hooks import RemovableHandle
from .parameter import Parameter

if TYPE_CHECKING:
    from .module import Module

_EXTRA_STATE_KEY_SUFFIX = "_extra_state"

#: The hook tables this mixin uses, created by ``Module.__init__``. ``*_public`` marks post-hooks
#: registered with the public API (must return None); ``*_with_module`` marks load pre-hooks
#: that take the module as first argument.
STATE_DICT_HOOK_TABLES = ("_state_dict_pre_hooks", "_state_dict_hooks",
                          "_state_dict_hooks_public", "_load_state_dict_pre_hooks",
                          "_load_state_dict_pre_hooks_with_module",
                          "_load_state_dict_post_hooks")


class _IncompatibleKeys(NamedTuple):
    """What ``load_state_dict`` returns (and its post-hooks may edit in place)."""

    missing_keys: list[str]
    unexpected_keys: list[str]

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return (f"_IncompatibleKeys(missing_keys={self.missing_keys}, "
                f"unexpected_keys={self.unexpected_keys})")

    __str__ = __repr__


class ModuleStateMixin:
    """``Module``'s state-dict methods (see the module docstring)."""

    #: Bumped by a subclass whose state dict layout changes; ``_load_from_state_dict`` finds
    #: the saved one in ``local_metadata["version"]``.
    _version: int = 1

    # -- hooks -----------------------------------------------------------------------------
    def register_state_dict_pre_hook(self, hook: Callable[..., None]) -> RemovableHandle:
        """Call ``hook(module, prefix, keep_vars)`` before ``state_dict`` saves this module."""
        handle = RemovableHandle(self._state_dict_pre_hooks)
        self._state_dict_pre_hooks[handle.id] = hook
        return handle

    def register_state_dict_post_hook(self, hook: Callable[..., None]) -> RemovableHandle:
        """Call ``hook(module, state_dict, prefix, local_metadata)`` after ``state_dict`` has
        saved this module and its children. The hook edits ``state_dict`` in place and must
        return None.

        >>> model.register_state_dict_post_hook(
        ...     lambda m, sd, prefix, meta: sd.pop(prefix + "cache", None))
        """
        handle = RemovableHandle(self._state_dict_hooks,
                                 extra_dict=self._state_dict_hooks_public)
        self._state_dict_hooks[handle.id] = hook
        self._state_dict_hooks_public[handle.id] = True
        return handle

    def _register_state_dict_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        # PyTorch's older private form: a return value other than None replaces the state
        # dict, which only takes effect on the module state_dict() was called on.
        handle = RemovableHandle(self._state_dict_hooks)
        self._state_dict_hooks[handle.id] = hook
        return handle

    def register_load_state_dict_pre_hook(self, hook: Callable[..., None]) -> RemovableHandle:
        """Call ``hook(module, state_dict, prefix, local_metadata, strict, missing_keys,
        unexpected_keys, error_msgs)`` before this module loads its entries. ``state_dict`` is
        a copy holding the keys under ``prefix``; the hook may rename or convert entries in it
        (e.g. to read an old checkpoint layout)."""
        return self._register_load_state_dict_pre_hook(hook, with_module=True)

    def _register_load_state_dict_pre_hook(self, hook: Callable[..., None],
                                           with_module: bool = False) -> RemovableHandle:
        # PyTorch's private form: without with_module the hook does not get the module.
        handle = RemovableHandle(self._load_state_dict_pre_hooks,
                                 extra_dict=self._load_state_dict_pre_hooks_with_module)
        self._load_state_dict_pre_hooks[handle.id] = hook
        if with_module:
            self._load_state_dict_pre_hooks_with_module[handle.id] = True
        return handle

    def register_load_state_dict_post_hook(self, hook: Callable[..., None]
                                           ) -> RemovableHandle:
        """Call ``hook(module, incompatible_keys)`` after this module and its children have
        loaded. ``incompatible_keys.missing_keys`` / ``.unexpected_keys`` are the lists
        ``load_state_dict`` reports (for the whole call so far); the hook may edit them in
        place, which the ``strict`` check then sees. It must return None.

        >>> model.register_load_state_dict_post_hook(
        ...     lambda m, keys: keys.missing_keys.clear())  # tolerate a partial checkpoint
        """
        handle = RemovableHandle(self._load_state_dict_post_hooks)
        self._load_state_dict_post_hooks[handle.id] = hook
        return handle

    # -- extra state ------------------------------------------------------------------------
    def get_extra_state(self) -> Any:
        """Override (with ``set_extra_state``) to save state that is not a parameter or
        buffer: ``state_dict`` stores what this returns under ``<prefix>_extra_state``."""
        raise RuntimeError(f"{type(self).__name__}.get_extra_state() is not implemented; "
                           "state_dict only calls it on modules that override it (override "
                           "get_extra_state and set_extra_state together)")

    def set_extra_state(self, state: Any) -> None:
        """Override (with ``get_extra_state``) to restore what ``get_extra_state`` returned;
        ``load_state_dict`` calls it with the ``<prefix>_extra_state`` entry."""
        raise RuntimeError(f"{type(self).__name__}.set_extra_state() is not implemented; "
                           "load_state_dict only calls it on modules that override it "
                           "(override get_extra_state and set_extra_state together)")

    def _has_extra_state(self, method: str) -> bool:
        return getattr(type(self), method) is not getattr(ModuleStateMixin, method)

    # -- saving ------------------------------------------------------------------------------
    def state_dict(self, *args: Any, destination: dict[str, Any] | None = None,
                   prefix: str = "", keep_vars: bool = False) -> dict[str, Any]:
        """Every parameter and persistent buffer (and extra state) by dotted name, in an
        ``OrderedDict``. The tensors are detached (unless ``keep_vars``) but share storage
        with the module's: copy them to snapshot. ``prefix`` is prepended as it is (end it
        with a dot); ``destination`` is a dict to fill instead of a new one.

        >>> list(Linear(2, 3).state_dict())
        ['weight', 'bias']
        """
        if args:  # PyTorch's deprecated positional form: (destination, prefix, keep_vars)
            warnings.warn("Positional args are being deprecated, use kwargs instead: "
                          "state_dict(destination=..., prefix=..., keep_vars=...)",
                          FutureWarning, stacklevel=2)
            destination = args[0] if destination is None else destination
            prefix = args[1] if len(args) > 1 and prefix == "" else prefix
            keep_vars = args[2] if len(args) > 2 and keep_vars is False else keep_vars
        if destination is None:
            destination = OrderedDict()
            destination._metadata = OrderedDict()  # type: ignore[attr-defined]
        local_metadata = {"version": self._version}
        if hasattr(destination, "_metadata"):
            destination._metadata[prefix[:-1]] = local_metadata
        for hook in list(self._state_dict_pre_hooks.values()):
            hook(self, prefix, keep_vars)
        self._save_to_state_dict(destination, prefix, keep_vars)
        for name, child in self._modules.items():
            if child is not None:
                child.state_dict(destination=destination, prefix=f"{prefix}{name}.",
                                 keep_vars=keep_vars)
        for hook_id, hook in list(self._state_dict_hooks.items()):
            result = hook(self, destination, prefix, local_metadata)
            if hook_id in self._state_dict_hooks_public:
                if result is not None:
                    raise RuntimeError("state_dict post-hook must return None")
            elif result is not None:
                destination = result
        return destination

    def _save_to_state_dict(self, destination: dict[str, Any], prefix: str, keep_vars: bool
                            ) -> None:
        """Put this module's own entries (not its children's) in ``destination``; a subclass
        may override it to save differently."""
        for name, p in self._parameters.items():
            if p is not None:
                destination[prefix + name] = p if keep_vars else p.detach()
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent:
                destination[prefix + name] = b if keep_vars else b.detach()
        if self._has_extra_state("get_extra_state"):
            destination[prefix + _EXTRA_STATE_KEY_SUFFIX] = self.get_extra_state()

    # -- loading -----------------------------------------------------------------------------
    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True,
                        assign: bool = False) -> _IncompatibleKeys:
        """Copy values from ``state_dict`` into this module's parameters and buffers (and
        call ``set_extra_state``). Returns the ``(missing_keys, unexpected_keys)`` found.
        Values are MicroTorch tensors or, read through NumPy, PyTorch tensors, NumPy arrays
        and anything with ``__array__`` or ``__dlpack__`` (``model.load_state_dict(
        torch_model.state_dict())`` works).

        With ``strict`` a missing or unexpected key is an error; a shape mismatch always is.
        With ``assign`` the module keeps the given tensors themselves instead of copying them
        into its own (a tensor for a parameter is made a ``Parameter`` that shares its
        storage, with ``requires_grad`` of the parameter it replaces); build the optimizer
        after such a load, since it holds the old parameters.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        missing: list[str] = []
        unexpected: list[str] = []
        errors: list[str] = []
        metadata = getattr(state_dict, "_metadata", None)
        _load(self, OrderedDict(state_dict), "", metadata, assign, missing, unexpected, errors)
        if strict:
            if unexpected:
                errors.insert(0, "Unexpected key(s) in state_dict: "
                              + ", ".join(f'"{k}"' for k in unexpected) + ".")
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: "
                              + ", ".join(f'"{k}"' for k in missing) + ".")
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                               + "\n\t".join(errors))
        return _IncompatibleKeys(missing, unexpected)

    def _load_from_state_dict(self, state_dict: dict[str, Any], prefix: str,
                              local_metadata: dict[str, Any], strict: bool,
                              missing_keys: list[str], unexpected_keys: list[str],
                              error_msgs: list[str]) -> None:
        """Load this module's own entries (not its children's) from ``state_dict``, noting
        missing and unexpected keys and errors in the lists; a subclass may override it, e.g.
        to convert an older layout (``local_metadata.get("version")``)."""
        args = (state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                error_msgs)
        for hook_id, hook in list(self._load_state_dict_pre_hooks.items()):
            if hook_id in self._load_state_dict_pre_hooks_with_module:
                hook(self, *args)
            else:
                hook(*args)
        own = {name: t for name, t in self._parameters.items() if t is not None}
        own.update((name, b) for name, b in self._buffers.items()
                   if b is not None and name not in self._non_persistent)
        assign = local_metadata.get("assign_to_params_buffers", False)
        for name, target in own.items():
            key = prefix + name
            if key not in state_dict:
                if strict:
                    missing_keys.append(key)
                continue
            value = state_dict[key]
            if not isinstance(value, Tensor):
                try:
                    value = _from_foreign(value, target)
                except (TypeError, ValueError, RuntimeError, BufferError) as e:
                    error_msgs.append(f'While copying the parameter named "{key}", its '
                                      f"{_type_name(value)} could not be read as a tensor: {e}")
                    continue
            if value is None:
                error_msgs.append(f'While copying the parameter named "{key}", expected a '
                                  f"Tensor in the state dict, got {_type_name(state_dict[key])}.")
            elif value.shape != target.shape:
                error_msgs.append(f"size mismatch for {key}: copying a param with shape "
                                  f"{tuple(value.shape)} from checkpoint, the shape in current "
                                  f"model is {tuple(target.shape)}.")
            else:
                try:
                    with no_grad():
                        if assign:
                            setattr(self, name, _assignable(target, value))
                        else:
                            target.copy_(value)
                except Exception as e:  # reported with the others, as PyTorch does
                    error_msgs.append(f'While copying the parameter named "{key}", whose '
                                      f"dimensions in the model are {tuple(target.shape)} and "
                                      "whose dimensions in the checkpoint are "
                                      f"{tuple(value.shape)}, an exception occurred : {e.args}.")
        extra_key = prefix + _EXTRA_STATE_KEY_SUFFIX
        if self._has_extra_state("set_extra_state"):
            if extra_key in state_dict:
                self.set_extra_state(state_dict[extra_key])
            elif strict:
                missing_keys.append(extra_key)
        elif strict and extra_key in state_dict:
            unexpected_keys.append(extra_key)
        if strict:
            for key in state_dict:
                if not key.startswith(prefix) or key == extra_key:
                    continue
                first, dot, _ = key[len(prefix):].partition(".")
                if (first not in self._modules) if dot else (first not in own):
                    unexpected_keys.append(key)


def _type_name(value: Any) -> str:
    kind = type(value)
    return kind.__qualname__ if kind.__module__ == "builtins" \
        else f"{kind.__module__}.{kind.__qualname__}"


def _from_foreign(value: Any, target: Tensor) -> Tensor | None:
    """A state-dict entry that is not a MicroTorch tensor (a PyTorch tensor, a NumPy array,
    anything with ``__array__`` or ``__dlpack__``) as one on ``target``'s device, through
    NumPy; None for anything else. Its dtype is kept when MicroTorch has it, else the values
    are cast to ``target``'s (``copy_`` casts anyway)."""
    if callable(getattr(value, "detach", None)) and callable(getattr(value, "cpu", None)):
        value = value.detach().cpu()  # PyTorch's __array__ refuses a tensor that requires grad
    if hasattr(value, "__array__"):
        array = np.asarray(value)
    elif hasattr(value, "__dlpack__"):
        array = np.from_dlpack(value)
    else:
        return None
    if array.dtype.kind not in "biuf":
        raise TypeError(f"its dtype {array.dtype} is not a number type")
    try:
        dtype = dtypes.from_numpy(array.dtype)
    except TypeError:  # float16, uint8, ...: MicroTorch lacks them
        dtype = target.dtype
    return Tensor._from_numpy(array, target.device, dtype)


def _assignable(target: Tensor, value: Tensor) -> Tensor:
    """``value`` as ``load_state_dict(assign=True)`` stores it in place of ``target``."""
    if not isinstance(target, Parameter):
        return value
    if isinstance(value, Parameter):
        return value.requires_grad_(target.requires_grad)
    return Parameter(value, requires_grad=target.requires_grad)


def _load(module: Module, state_dict: dict[str, Any], prefix: str,
          metadata: Mapping[str, dict] | None, assign: bool, missing: list[str],
          unexpected: list[str], errors: list[str]) -> None:
    """Load ``module`` and its children from the entries of ``state_dict`` under ``prefix``,
    then run its load post-hooks."""
    local_metadata = dict(metadata.get(prefix[:-1], {})) if metadata is not None else {}
    if assign:
        local_metadata["assign_to_params_buffers"] = True
    # strict=True: the keys are always collected; load_state_dict's strict decides on raising
    module._load_from_state_dict(state_dict, prefix, local_metadata, True, missing, unexpected,
                                 errors)
    for name, child in module._modules.items():
        if child is not None:
            child_prefix = f"{prefix}{name}."
            child_state = {k: v for k, v in state_dict.items() if k.startswith(child_prefix)}
            _load(child, child_state, child_prefix, metadata, assign, missing, unexpected,
                  errors)
    incompatible = _IncompatibleKeys(missing, unexpected)
    for hook in list(module._load_state_dict_post_hooks.values()):
        if hook(module, incompatible) is not None:
            raise AssertionError("Hooks registered with ``register_load_state_dict_post_hook`` "
                                 "are not expected to return new values, if incompatible_keys "
                                 "need to be modified, it should be done inplace.")
