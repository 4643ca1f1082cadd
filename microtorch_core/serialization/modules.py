"""Whole modules in a checkpoint: saved as data, built again only when the caller allows it.

``torch.save(model, f)`` pickles the module: its class is stored by name and its instance
``__dict__`` (parameters, buffers, sub-modules, plain attributes) as the object's state.
Loading calls the class back into being, which is why PyTorch's ``torch.load`` refuses such a
file by default (``weights_only=True``) and builds it only with ``weights_only=False`` or
for classes the user allowlisted with ``add_safe_globals``/``safe_globals``.

MicroTorch keeps that contract without pickle. ``save`` writes a module as
``{"module": k, "class": [module, qualname], "state": <its __dict__, encoded>}`` in the native
format's JSON (``native.py``); loading it:

- ``weights_only=True`` (the default): refused with ``WeightsOnlyError`` (a
  ``pickle.UnpicklingError``, as PyTorch raises), unless the class is allowlisted here.
- ``weights_only=False``: the class's module is imported (this runs that module's top-level
  code: trust the file), the class must be a ``microtorch_core.nn.Module`` subclass, and the
  object is made as pickle's default reduce makes it: ``cls.__new__(cls)``, then
  ``__setstate__(state)`` if the class has one, else ``__dict__.update(state)``. Its
  ``__init__`` is not run.

Functions held as attributes (``TransformerEncoderLayer.activation = F.relu``) are saved by
reference, ``{"global": [module, qualname]}``, as pickle saves them, under the same rules.
"""

from __future__ import annotations

import importlib
import types
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from .errors import CheckpointError, WeightsOnlyError

__all__ = ["add_safe_globals", "clear_safe_globals", "get_safe_globals", "safe_globals"]

SafeGlobal = Callable[..., Any] | tuple[Callable[..., Any], str]
_SAFE: dict[str, Any] = {}  # "module.qualname" -> the class or function


# -- the allowlist, as torch.serialization's ---------------------------------------------------
def _entry(item: SafeGlobal) -> tuple[str, Any]:
    if isinstance(item, tuple):
        if len(item) != 2 or not isinstance(item[1], str):
            raise TypeError(f"a safe global is a class or function, or a (class or function, "
                            f"'module.qualname') pair; got {item!r:.80}")
        return item[1], item[0]
    if not callable(item):
        raise TypeError(f"a safe global is a class or function, got {type(item).__name__} "
                        f"{item!r:.80}")
    return f"{item.__module__}.{item.__qualname__}", item


def add_safe_globals(safe_globals: list[SafeGlobal]) -> None:
    """Allow ``load`` (with the default ``weights_only=True``) to build these classes and
    refer to these functions, as ``torch.serialization.add_safe_globals``. Allowlist a class
    only if you trust it: loading builds it without running its ``__init__``.

    >>> add_safe_globals([MyModel, microtorch_core.nn.Linear])
    """
    _SAFE.update(_entry(item) for item in safe_globals)


def get_safe_globals() -> list[Any]:
    """The classes and functions allowlisted by ``add_safe_globals``."""
    return list(_SAFE.values())


def clear_safe_globals() -> None:
    """Forget every class and function allowlisted by ``add_safe_globals``."""
    _SAFE.clear()


@contextmanager
def safe_globals(safe_globals: list[SafeGlobal]) -> Iterator[None]:
    """Allowlist these classes and functions inside a ``with`` block only.

    >>> with safe_globals([MyModel, microtorch_core.nn.Linear]):
    ...     model = load("model.mt")
    """
    saved = dict(_SAFE)
    add_safe_globals(safe_globals)
    try:
        yield
    finally:
        _SAFE.clear()
        _SAFE.update(saved)


# -- save --------------------------------------------------------------------------------------
def module_state(obj: Any, path: str) -> dict[str, Any]:
    """What pickle would store as the module's state: ``__getstate__()`` where the class
    defines one, else its instance ``__dict__``."""
    getstate = getattr(type(obj), "__getstate__", None)
    state = obj.__getstate__() if getstate not in (None, object.__getstate__) \
        else vars(obj)
    if not isinstance(state, dict):
        raise TypeError(f"save: the {type(obj).__name__} module at {path or 'the top level'} "
                        f"has a state of type {type(state).__name__} (from __getstate__ or "
                        "__slots__), not a dict of attributes; save its state_dict() instead")
    return state


def global_name(obj: Any) -> list[str] | None:
    """``[module, qualname]`` of a class or top-level function that importing ``module`` and
    looking up ``qualname`` finds again (what pickle saves by reference), else None: lambdas,
    nested functions and bound methods are not found that way."""
    if not isinstance(obj, (type, types.FunctionType, types.BuiltinFunctionType)):
        return None
    module, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", "")
    if not isinstance(module, str) or "<" in qualname:  # <lambda>, <locals>
        return None
    try:
        found = _lookup(importlib.import_module(module), qualname)
    except (ImportError, AttributeError):
        return None
    return [module, qualname] if found is obj else None


def warn_saved(modules: list[Any]) -> None:
    """The one warning ``save`` gives when it stored whole modules."""
    names = sorted({f"{type(m).__module__}.{type(m).__qualname__}" for m in modules})
    warnings.warn(f"save: stored a whole module ({', '.join(names)}) as its class name and "
                  "attributes. Loading it needs load(..., weights_only=False) and the same code "
                  "(the class importable under that name). The portable way is to save its "
                  "state_dict() instead (save(model.state_dict(), path)) and, after load, build "
                  "the model and call load_state_dict()", UserWarning, stacklevel=3)


# -- load --------------------------------------------------------------------------------------
def _lookup(root: Any, qualname: str) -> Any:
    obj = root
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def _refused(name: str, what: str, ref: str) -> WeightsOnlyError:
    return WeightsOnlyError(
        f"Weights only load failed: {name} holds {what} {ref}, which a weights-only load does "
        "not build (a whole module is saved by save(model) instead of "
        "save(model.state_dict())). Re-running load with weights_only=False will likely "
        "succeed, but it imports that class's module and builds the object without its "
        "__init__: do it only if you got the file from a trusted source. Alternatively, "
        f"allowlist it with microtorch_core.serialization.add_safe_globals([{ref}]) or the "
        f"safe_globals([{ref}]) context manager if you trust this class/function")


def resolve(ref: Any, weights_only: bool, name: str, what: str) -> Any:
    """The class or function ``ref`` (``[module, qualname]`` from the header) names: from the
    allowlist when ``weights_only``, else by importing its module. ``what`` is "a module of
    class" or "a reference to"."""
    if not (isinstance(ref, list) and len(ref) == 2 and all(isinstance(s, str) and s
                                                            for s in ref)):
        raise CheckpointError(f"{name} is corrupted: class reference {ref!r:.80} is not "
                              "[module, qualname]")
    dotted = f"{ref[0]}.{ref[1]}"
    if weights_only:
        if dotted not in _SAFE:
            raise _refused(name, what, dotted)
        return _SAFE[dotted]
    try:
        module = importlib.import_module(ref[0])
    except ImportError as err:
        raise CheckpointError(f"{name} holds {what} {dotted}, but its module {ref[0]!r} cannot "
                              f"be imported here ({err}): run load where that code is "
                              "importable") from err
    try:
        return _lookup(module, ref[1])
    except AttributeError:
        raise CheckpointError(f"{name} holds {what} {dotted}, but module {ref[0]!r} has no "
                              f"{ref[1]!r} (was it renamed or moved since the file was "
                              "saved?)") from None


def new_module(cls: Any, dotted: str, name: str) -> Any:
    """An empty instance of the module class ``cls``, made as pickle makes one."""
    from ..nn.module import Module

    if not (isinstance(cls, type) and issubclass(cls, Module)):
        raise CheckpointError(f"{name} asks to build {dotted}, which is not a "
                              "microtorch_core.nn.Module subclass; load builds only modules")
    return cls.__new__(cls)


def set_state(obj: Any, state: dict[str, Any]) -> None:
    """Give a module made by ``new_module`` its saved state, as pickle's default BUILD."""
    if getattr(type(obj), "__setstate__", None) is not None:
        obj.__setstate__(state)
    else:
        obj.__dict__.update(state)  # not setattr: Module.__setattr__ sorts values into tables
