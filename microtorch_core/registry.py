"""Finding backends: entry-point plugins, in-process registration, lazy creation.

On first need (a tensor on a device, or a listing) the registry loads every distribution that
advertises an entry point in the ``microtorch.backends`` group, registers its module with
pluggy (which checks the hook implementation against ``hookspecs.py``) and calls its
``microtorch_register_backends(registry)`` hook, one plugin at a time so that one broken
plugin cannot hide the others. Each ``registry.add(name, cls)`` is checked against the backend
spec; problems are recorded and warned about once, naming the distribution.

Environment variables:

* ``MICROTORCH_DISABLE_PLUGIN_AUTOLOAD=1``: load no entry points (register in-process only).
* ``MICROTORCH_BLOCK_PLUGINS=name1,name2``: skip these entry points or distributions.
"""

from __future__ import annotations

import os
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from typing import Any

import pluggy

from .backend import SPEC_VERSION, Availability, Backend, missing_primitives
from .hookspecs import ENTRY_POINT_GROUP, PROJECT_NAME, BackendHookSpecs

AUTOLOAD_ENV = "MICROTORCH_DISABLE_PLUGIN_AUTOLOAD"
BLOCK_ENV = "MICROTORCH_BLOCK_PLUGINS"


class PluginWarning(UserWarning):
    """A backend plugin could not be loaded or registered."""


@dataclass
class BackendInfo:
    """One registered device type, as :func:`list_backends` reports it."""

    name: str
    source: str  # distribution name, or "in-process"
    factory: Callable[[], Backend]
    backend_cls: type | None
    available: bool | None = None  # None until asked
    reason: str = ""
    instance: Backend | None = None

    def __repr__(self) -> str:
        state = "available" if self.available else f"unavailable: {self.reason}"
        return f"<backend {self.name!r} from {self.source}: {state}>"


@dataclass
class BrokenPlugin:
    """A plugin that failed to load or register, and why."""

    source: str
    error: str

    def __str__(self) -> str:
        return f"{self.source}: {self.error}"


class BackendRegistry:
    """Device type -> backend. One process-wide instance: :data:`registry`."""

    def __init__(self) -> None:
        self._backends: dict[str, BackendInfo] = {}
        self.broken: list[BrokenPlugin] = []
        self._loaded = False
        self._lock = threading.RLock()
        self._current_source = "in-process"
        self._pm = pluggy.PluginManager(PROJECT_NAME)
        self._pm.add_hookspecs(BackendHookSpecs)

    # -- called by plugins ----------------------------------------------------------------
    def add(self, name: str, backend: type | Callable[[], Backend], *,
            override: bool = False) -> None:
        """Register ``backend`` (a Backend subclass or zero-argument factory) for device
        type ``name``. A problem is recorded as a broken plugin instead of raised, so that
        one bad plugin does not break the others; in-process callers get the error raised."""
        source = self._current_source
        try:
            info = self._check(name, backend, source)
        except (TypeError, ValueError) as exc:
            if source == "in-process":
                raise
            self._report(source, str(exc))
            return
        existing = self._backends.get(name)
        if existing is not None and not override:
            self._report(source, f"device type {name!r} is already provided by "
                                 f"{existing.source}; keeping {existing.source}'s backend")
            return
        self._backends[name] = info

    # -- called by the core and users ------------------------------------------------------
    def register_backend(self, name: str, backend: type | Callable[[], Backend], *,
                         override: bool = False) -> None:
        """Register a backend in-process (tests, notebooks), no install needed.

        >>> registry.register_backend("mydev", MyBackend)
        """
        with self._lock:
            self._current_source = "in-process"
            self.add(name, backend, override=override)

    def register_plugin(self, plugin: Any, name: str | None = None) -> None:
        """Register a plugin object or module (with a ``@hookimpl`` function) in-process, as
        if it had been found through an entry point; errors are recorded as broken."""
        with self._lock:
            self._register_plugin(plugin, name or getattr(plugin, "__name__", repr(plugin)))

    def unregister(self, name: str) -> None:
        """Forget device type ``name`` (tests)."""
        with self._lock:
            self._backends.pop(name, None)
            from .device import device

            for dev in list(device._interned.values()):
                if dev.type == name:
                    dev._kernels = None

    def get_backend(self, name: str) -> Backend:
        """The backend for device type ``name``, created on first use.

        Raises RuntimeError naming the reason when it is unknown or unavailable here.
        """
        self._ensure_loaded()
        info = self._backends.get(name)
        if info is None:
            raise RuntimeError(f"unknown device type {name!r}: no backend provides it; "
                               f"installed backends: {self._summary()}")
        if info.instance is not None:
            return info.instance
        with self._lock:
            if info.instance is None:
                ok, reason = self._probe(info)
                if not ok:
                    raise RuntimeError(f"device {name!r} is unavailable: {reason}; "
                                       f"installed backends: {self._summary()}")
                try:
                    instance = info.factory()
                except Exception as exc:  # a backend that fails to start is unavailable
                    info.available, info.reason = False, f"{type(exc).__name__}: {exc}"
                    raise RuntimeError(f"device {name!r} is unavailable: the backend from "
                                       f"{info.source} failed to start: {info.reason}") from exc
                if not isinstance(instance, Backend):
                    raise TypeError(f"backend factory for {name!r} from {info.source} returned "
                                    f"{type(instance).__name__}, not a Backend")
                problem = _spec_problem(type(instance))
                if problem:
                    raise TypeError(f"backend {name!r} from {info.source}: {problem}")
                info.instance = instance
        return info.instance

    def backend_info(self, name: str) -> BackendInfo | None:
        """What the registry knows of device type ``name`` (availability probed), or None."""
        self._ensure_loaded()
        info = self._backends.get(name)
        if info is not None:
            self._probe(info)
        return info

    def list_backends(self) -> list[BackendInfo]:
        """Every registered backend with whether it is available here and, if not, why."""
        self._ensure_loaded()
        for info in self._backends.values():
            self._probe(info)
        return list(self._backends.values())

    def reload(self) -> None:
        """Forget everything and load the entry points again (tests)."""
        with self._lock:
            self._backends.clear()
            self.broken.clear()
            self._loaded = False
            for plugin in list(self._pm.get_plugins()):
                self._pm.unregister(plugin)
            from .device import device

            for dev in device._interned.values():
                dev._kernels = None

    # -- internals ------------------------------------------------------------------------
    def _ensure_loaded(self) -> None:
        if self._loaded:
            return
        with self._lock:
            if self._loaded:
                return
            self._loaded = True
            if os.environ.get(AUTOLOAD_ENV, "").strip() not in ("", "0"):
                return
            blocked = {b.strip() for b in os.environ.get(BLOCK_ENV, "").split(",") if b.strip()}
            for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
                dist = ep.dist.name if ep.dist is not None else ep.value
                if ep.name in blocked or dist in blocked:
                    continue
                source = f"distribution {dist!r} (entry point {ep.name!r})"
                try:
                    plugin = ep.load()
                except Exception as exc:
                    self._report(source, f"import failed: {type(exc).__name__}: {exc}")
                    continue
                self._register_plugin(plugin, source)

    def _register_plugin(self, plugin: Any, source: str) -> None:
        if self._pm.is_registered(plugin):
            # e.g. one distribution found twice on sys.path: its backends are already here
            return
        try:
            self._pm.register(plugin, name=source)
        except Exception as exc:  # pluggy validates hook names and signatures here
            self._report(source, f"invalid plugin: {type(exc).__name__}: {exc}")
            return
        impls = [impl for impl in self._pm.hook.microtorch_register_backends.get_hookimpls()
                 if impl.plugin is plugin]
        if not impls:
            self._report(source, "the plugin has no @hookimpl microtorch_register_backends")
        for impl in impls:
            self._current_source = source
            try:
                impl.function(registry=self)
            except Exception as exc:
                self._report(source, f"microtorch_register_backends raised "
                                     f"{type(exc).__name__}: {exc}")
            finally:
                self._current_source = "in-process"

    def _check(self, name: str, backend: Any, source: str) -> BackendInfo:
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"backend name must be an identifier like 'cuda', got {name!r}")
        if isinstance(backend, type):
            if not issubclass(backend, Backend):
                raise TypeError(f"backend {name!r} from {source}: {backend.__name__} does not "
                                f"subclass microtorch_core.backend.Backend")
            problem = _spec_problem(backend)
            if problem:
                raise TypeError(f"backend {name!r} from {source}: {problem}")
            return BackendInfo(name, source, backend, backend)
        if callable(backend):
            return BackendInfo(name, source, backend, None)
        raise TypeError(f"backend {name!r} from {source} must be a Backend subclass or a "
                        f"zero-argument factory, got {type(backend).__name__}")

    def _probe(self, info: BackendInfo) -> tuple[bool, str]:
        if info.available is None:
            try:
                probe = getattr(info.backend_cls, "availability", None)
                result = probe() if probe else Availability(True)
            except Exception as exc:
                result = Availability(False, f"availability check raised {exc!r}")
            info.available, info.reason = result.ok, result.reason
        return bool(info.available), info.reason

    def _report(self, source: str, error: str) -> None:
        broken = BrokenPlugin(source, error)
        self.broken.append(broken)
        warnings.warn(f"MicroTorch backend plugin {broken}", PluginWarning, stacklevel=3)

    def _summary(self) -> str:
        if not self._backends:
            return "none (install microtorch-cpu, or register one in-process)"
        parts = []
        for info in self._backends.values():
            ok, reason = self._probe(info)
            parts.append(info.name if ok else f"{info.name} (unavailable: {reason})")
        return ", ".join(parts)


def _spec_problem(cls: type) -> str:
    """Why ``cls`` does not meet the backend spec, or '' if it does."""
    version = getattr(cls, "spec_version", None)
    if version != SPEC_VERSION:
        return (f"{cls.__name__} implements backend spec version {version}, but this "
                f"microtorch-core speaks version {SPEC_VERSION}")
    if "copy" in getattr(cls, "unsupported_ops", ()):
        return (f"{cls.__name__} lists 'copy' in unsupported_ops, but every backend needs it: "
                f"transfers to and from the device and the CPU fallback are built on it")
    missing = missing_primitives(cls)
    if missing:
        return (f"{cls.__name__} is missing required primitives: {', '.join(missing)} "
                f"(implement them or list them in unsupported_ops)")
    return ""


#: The process-wide registry.
registry = BackendRegistry()
register_backend = registry.register_backend
list_backends = registry.list_backends
