"""Dotted paths into a module tree: ``get_submodule``, ``set_submodule``, ``get_parameter`` and
``get_buffer``, as ``torch.nn.Module``'s. ``Module`` inherits them from ``ModulePathsMixin``.

A target such as ``"encoder.layers.0.linear1.weight"`` is walked one name at a time with
``getattr``, so a lookup costs one step per dot (``named_modules()`` would visit the whole
tree). Each error starts with PyTorch's own text (``"Linear has no attribute `foo`"``,
``"`weight` is not an nn.Module"``), then says where the walk stopped and what is there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..tensor import Tensor
from .parameter import Parameter

if TYPE_CHECKING:
    from .module import Module


def _kind(mod: Module, name: str, value: Any) -> str:
    """What ``mod.<name>`` is, in words: "a buffer", "a Parameter", "a submodule"..."""
    if name in mod._buffers:
        return "a buffer"
    if name in mod._parameters:
        return "None (an unset parameter)" if value is None else "a Parameter"
    if name in mod._modules:
        return "None (an unset submodule)" if value is None else "a submodule"
    return f"a {type(value).__name__}"


def _missing(method: str, target: str, mod: Module, walked: list[str], name: str,
             what: str, names: list[str]) -> AttributeError:
    where = ".".join(walked) or "the root"
    has = f"it has {names}" if names else f"it has no {what}s"
    return AttributeError(f"{mod._get_name()} has no attribute `{name}` ({method}({target!r}): "
                          f"{type(mod).__name__} ({where}) has no {what} {name!r}; {has})")


def _walk(root: Module, atoms: list[str], method: str, target: str) -> Module:
    """The module at ``atoms`` under ``root``; errors name ``method`` and the whole target."""
    from .module import Module

    mod = root
    for depth, name in enumerate(atoms):
        if not hasattr(mod, name):
            raise _missing(method, target, mod, atoms[:depth], name, "submodule",
                           list(mod._modules))
        value = getattr(mod, name)
        if not isinstance(value, Module):
            path = ".".join(atoms[:depth + 1])
            raise AttributeError(f"`{name}` is not an nn.Module ({method}({target!r}): "
                                 f"{path!r} is {_kind(mod, name, value)})")
        mod = value
    return mod


class ModulePathsMixin:
    """``Module``'s accessors by dotted name (see the module docstring)."""

    def get_submodule(self, target: str) -> Module:
        """The sub-module at a dotted path (``""`` is the module itself).

        >>> model.get_submodule("encoder.layers.0")
        TransformerEncoderLayer(...)

        Raises ``AttributeError`` naming the part of the path that is missing or is not a
        module.
        """
        if target == "":
            return self
        return _walk(self, target.split("."), "get_submodule", target)

    def set_submodule(self, target: str, module: Module, strict: bool = False) -> None:
        """Put ``module`` at a dotted path, replacing the sub-module there or (unless
        ``strict``) adding a new one to an existing parent.

        >>> model.set_submodule("encoder.layers.0.linear1", Linear(512, 2048))
        """
        from .module import Module

        if target == "":
            raise ValueError("Cannot set the submodule without a target name!")
        if not isinstance(module, Module):
            raise ValueError(f"`module` is not an nn.Module, found {type(module)}")
        *parent_atoms, name = target.split(".")
        parent = _walk(self, parent_atoms, "set_submodule", target)
        exists = hasattr(parent, name)
        if strict and not exists:
            raise _missing("set_submodule", target, parent, parent_atoms, name, "submodule",
                           list(parent._modules))
        if exists:
            current = getattr(parent, name)
            if not isinstance(current, Module):
                raise AttributeError(f"`{name}` is not an nn.Module (set_submodule({target!r}): "
                                     f"{target!r} is {_kind(parent, name, current)}; "
                                     "set_submodule only replaces submodules)")
        setattr(parent, name, module)

    def get_parameter(self, target: str) -> Parameter:
        """The parameter at a dotted path: ``model.get_parameter("encoder.fc.weight")``.

        Raises ``AttributeError`` when the path is missing or ends at something that is not a
        ``Parameter`` (a buffer, a parameter set to None, a plain attribute).
        """
        *mod_atoms, name = target.split(".")
        mod = _walk(self, mod_atoms, "get_parameter", target)
        if not hasattr(mod, name):
            raise _missing("get_parameter", target, mod, mod_atoms, name, "parameter",
                           list(mod._parameters))
        value = getattr(mod, name)
        if not isinstance(value, Parameter):
            raise AttributeError(f"`{name}` is not an nn.Parameter (get_parameter({target!r}): "
                                 f"{target!r} is {_kind(mod, name, value)})")
        return value

    def get_buffer(self, target: str) -> Tensor | None:
        """The buffer at a dotted path: ``model.get_buffer("bn1.running_mean")``. A buffer
        registered as None is returned as None, as in PyTorch.

        Raises ``AttributeError`` when the path is missing or ends at something that is not a
        buffer.
        """
        *mod_atoms, name = target.split(".")
        mod = _walk(self, mod_atoms, "get_buffer", target)
        if not hasattr(mod, name):
            raise _missing("get_buffer", target, mod, mod_atoms, name, "buffer",
                           list(mod._buffers))
        value = getattr(mod, name)
        if name not in mod._buffers:
            raise AttributeError(f"`{name}` is not a buffer (get_buffer({target!r}): "
                                 f"{target!r} is {_kind(mod, name, value)})")
        return value
