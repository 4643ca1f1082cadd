"""Finding backends: entry-point plugins, in-process registration, lazy creation.

On first need (a tensor on a device, or a listing) the registry loads every distribution that
advertises an entry point in the ``microtorch.backends`` group, registers its module with
pluggy (which checks the hook implementation against ``hookspecs.py``) and calls its
``microtorch_register_backends(registry)`` hook, one plugin at a time so that one broken
plugin cannot hide the others. Each ``registry.add(name, cls)`` is checked against the backend
spec; problems are recorded and warned about once, naming the distribution. Loading happens
once, under a lock: threads that need a device meanwhile wait for it to finish.

A plugin that fails in any way, ``sys.exit()`` included, is reported as broken and skipped;
only ``KeyboardInterrupt`` goes through (the user asked to stop).

Two distributions that register the same device type are an error, not a race won by
whichever was found first: the device stays unusable, with an error naming both, until the
user chooses one. The other devices keep working. To choose:

* ``MICROTORCH_BACKEND_<NAME>=<distribution>``, e.g. ``MICROTORCH_BACKEND_CPU=microtorch-cpu``,
  uses that distribution's backend for device type ``cpu`` and ignores the others';
* or block the unwanted plugin with ``MICROTORCH_BLOCK_PLUGINS``;
* or register a backend in-process: the user's own registrations win over entry points.

Environment variables:

* ``MICROTORCH_DISABLE_PLUGIN_AUTOLOAD=1``: load no entry points (register in-process only).
* ``MICROTORCH_BLOCK_PLUGINS=name1,name2``: skip these entry points or distributions.
* ``MICROTORCH_BACKEND_<NAME>=<distribution>``: which distribution provides device type
  ``<name>`` when several do.
"""

from __future__ import annotations

import os
import re
import threading
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

import pluggy

from .backend import SPEC_VERSION, Availability, Backend, missing_primitives
from .hookspecs import ENTRY_POINT_GROUP, PROJECT_NAME, BackendHookSpecs

AUTOLOAD_ENV = "MICROTORCH_DISABLE_PLUGIN_AUTOLOAD"
BLOCK_ENV = "MICROTORCH_BLOCK_PLUGINS"
CHOICE_ENV_PREFIX = "MICROTORCH_BACKEND_"
IN_PROCESS = "in-process"


def choice_env(name: str) -> str:
    """The environment variable that chooses the distribution of device type ``name``:
    ``choice_env("cpu") == "MICROTORCH_BACKEND_CPU"``."""
    return CHOICE_ENV_PREFIX + name.upper()


class PluginWarning(UserWarning):
    """A backend plugin could not be loaded or registered."""


@dataclass
class BackendInfo:
    """One registered device type, as :func:`list_backends` reports it."""

    name: str
    source: str  # "distribution 'x' (entry point 'y')", a plugin's name, or "in-process"
    factory: Callable[[], Backend]
    backend_cls: type | None
    available: bool | None = None  # None until asked
    reason: str = ""
    instance: Backend | None = None
    distribution: str | None = None  # None: registered in-process
    # one lock per backend: a factory that hangs blocks its own device, not the registry
    _create_lock: threading.Lock = field(default_factory=threading.Lock, repr=False,
                                         compare=False)

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
        # device type -> every distribution's registration, while more than one claims it
        self._conflicts: dict[str, list[BackendInfo]] = {}
        # device type -> registrations ignored because MICROTORCH_BACKEND_<NAME> chose another
        self._not_chosen: dict[str, list[BackendInfo]] = {}
        # (distribution, entry point) -> why not to load it (the doctor: its import hangs)
        self._skipped: dict[tuple[str, str], str] = {}
        self.broken: list[BrokenPlugin] = []
        self._loaded = False  # set once loading has *finished*: threads may then skip the lock
        self._loading = False  # a plugin's hook that asks for a device must not load again
        self._lock = threading.RLock()
        self._current_source = IN_PROCESS
        self._current_dist: str | None = None
        self._pm = pluggy.PluginManager(PROJECT_NAME)
        self._pm.add_hookspecs(BackendHookSpecs)

    # -- called by plugins ----------------------------------------------------------------
    def add(self, name: str, backend: type | Callable[[], Backend], *,
            override: bool = False) -> None:
        """Register ``backend`` (a Backend subclass or zero-argument factory) for device
        type ``name``. A problem is recorded as a broken plugin instead of raised, so that
        one bad plugin does not break the others; in-process callers get the error raised.

        ``override=True`` replaces an earlier in-process registration. It has no effect in a
        plugin loaded from an entry point: which distribution provides a device type that
        several claim is the user's choice (see the module docstring)."""
        with self._lock:  # held already when a hook calls this; a direct call waits for it
            source, dist = self._current_source, self._current_dist
            try:
                info = self._check(name, backend, source)
            except (TypeError, ValueError) as exc:
                if source == IN_PROCESS:
                    raise
                self._report(source, str(exc))
                return
            info.distribution = dist
            if dist is None:
                self._add_in_process(info, override)
            else:
                self._add_from_distribution(info)

    # -- called by the core and users ------------------------------------------------------
    def register_backend(self, name: str, backend: type | Callable[[], Backend], *,
                         override: bool = False) -> None:
        """Register a backend in-process (tests, notebooks), no install needed. It wins over
        a backend of the same name from an installed distribution.

        >>> registry.register_backend("mydev", MyBackend)
        """
        with self._lock:
            self._current_source, self._current_dist = IN_PROCESS, None
            self.add(name, backend, override=override)

    def register_plugin(self, plugin: Any, name: str | None = None) -> None:
        """Register a plugin object or module (with a ``@hookimpl`` function) in-process;
        errors are recorded as broken. Its backends count as in-process registrations."""
        with self._lock:
            self._register_plugin(plugin, name or getattr(plugin, "__name__", repr(plugin)),
                                  None)

    def skip_entry_point(self, distribution: str, entry_point: str, reason: str) -> None:
        """Do not load this entry point; report it as broken with ``reason``. The doctor
        calls this for a plugin whose import hung or ended the process in a child process."""
        with self._lock:
            self._skipped[(distribution, entry_point)] = reason
            if self._loaded:  # too late to skip: report it all the same
                self._report(_source(distribution, entry_point), reason)

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

        Raises RuntimeError naming the reason when it is unknown, unavailable, or provided
        by several distributions of which the user has chosen none.
        """
        self._ensure_loaded()
        info = self._backends.get(name)
        if info is None:
            raise RuntimeError(self._why_unknown(name))
        if info.instance is not None:
            return info.instance
        with info._create_lock:
            if info.instance is None:
                ok, reason = self._probe(info)
                if not ok:
                    raise RuntimeError(f"device {name!r} is unavailable: {reason}; "
                                       f"installed backends: {self._summary()}")
                try:
                    instance = info.factory()
                except KeyboardInterrupt:
                    raise
                except BaseException as exc:  # a backend that fails to start is unavailable
                    info.available, info.reason = False, _describe(exc)
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
        """What the registry knows of device type ``name`` (availability probed), or None
        when no backend provides it (or several do and none was chosen)."""
        self._ensure_loaded()
        info = self._backends.get(name)
        if info is not None:
            self._probe(info)
        return info

    def list_backends(self) -> list[BackendInfo]:
        """Every registered backend with whether it is available here and, if not, why."""
        self._ensure_loaded()
        for info in list(self._backends.values()):
            self._probe(info)
        return list(self._backends.values())

    def reload(self) -> None:
        """Forget everything and load the entry points again (tests)."""
        with self._lock:
            self._backends.clear()
            self._conflicts.clear()
            self._not_chosen.clear()
            self._skipped.clear()
            self.broken.clear()
            self._loaded = False
            for plugin in list(self._pm.get_plugins()):
                self._pm.unregister(plugin)
            from .device import device

            for dev in device._interned.values():
                dev._kernels = None

    # -- loading --------------------------------------------------------------------------
    def _ensure_loaded(self) -> None:
        if self._loaded:
            return
        with self._lock:  # other threads wait here until the plugins are loaded
            if self._loaded or self._loading:
                return
            self._loading = True
            try:
                for ep, dist in self._entry_points():
                    self._load_entry_point(ep, dist)
                self._report_conflicts()
                self._loaded = True
            finally:
                self._loading = False

    def _entry_points(self) -> Iterator[tuple[Any, str]]:
        """The entry points to load, with their distribution's name: none when autoloading is
        off, and not the blocked ones."""
        if os.environ.get(AUTOLOAD_ENV, "").strip() not in ("", "0"):
            return
        blocked = {b.strip() for b in os.environ.get(BLOCK_ENV, "").split(",") if b.strip()}
        blocked |= {_normalize(b) for b in blocked}
        for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
            dist = ep.dist.name if ep.dist is not None else ep.value
            if ep.name in blocked or dist in blocked or _normalize(dist) in blocked:
                continue
            yield ep, dist

    def _load_entry_point(self, ep: Any, dist: str) -> None:
        """Import one entry point and run its hook; every failure is reported, not raised."""
        source = _source(dist, ep.name)
        skipped = self._skipped.get((dist, ep.name))
        if skipped is not None:
            self._report(source, skipped)
            return
        try:
            plugin = ep.load()
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # SystemExit too: a plugin must not end the process
            self._report(source, f"import failed: {_describe(exc)}")
            return
        self._register_plugin(plugin, source, dist)

    def _register_plugin(self, plugin: Any, source: str, dist: str | None) -> None:
        if self._pm.is_registered(plugin):
            # e.g. one distribution found twice on sys.path: its backends are already here
            return
        try:
            self._pm.register(plugin, name=source)
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # pluggy validates hook names and signatures here
            self._report(source, f"invalid plugin: {_describe(exc)}")
            return
        impls = [impl for impl in self._pm.hook.microtorch_register_backends.get_hookimpls()
                 if impl.plugin is plugin]
        if not impls:
            self._report(source, "the plugin has no @hookimpl microtorch_register_backends")
        for impl in impls:
            self._current_source, self._current_dist = source, dist
            try:
                impl.function(registry=self)
            except KeyboardInterrupt:
                raise
            except BaseException as exc:
                self._report(source, f"microtorch_register_backends raised {_describe(exc)}")
            finally:
                self._current_source, self._current_dist = IN_PROCESS, None

    # -- duplicate device types ------------------------------------------------------------
    def _add_in_process(self, info: BackendInfo, override: bool) -> None:
        existing = self._backends.get(info.name)
        if existing is not None and not override:
            self._report(info.source, f"device type {info.name!r} is already provided by "
                                      f"{existing.source}; keeping {existing.source}'s "
                                      f"backend (pass override=True to replace it)")
            return
        self._backends[info.name] = info
        self._conflicts.pop(info.name, None)  # the user's own backend settles a conflict

    def _add_from_distribution(self, info: BackendInfo) -> None:
        name, dist = info.name, info.distribution
        existing = self._backends.get(name)
        if existing is not None and existing.distribution is None:
            return  # the user registered this device type in-process: theirs wins
        chosen = os.environ.get(choice_env(name), "").strip()
        if chosen and _normalize(chosen) != _normalize(dist):
            self._not_chosen.setdefault(name, []).append(info)
            return
        if name in self._conflicts:
            self._conflicts[name].append(info)
        elif existing is None:
            self._backends[name] = info
        elif existing.distribution == dist:
            self._report(info.source, f"registers device type {name!r} twice; keeping the "
                                      f"first registration")
        else:  # two distributions claim it: neither is used until the user chooses
            self._conflicts[name] = [existing, info]
            del self._backends[name]

    def _report_conflicts(self) -> None:
        for name in self._conflicts:
            self._report(f"device type {name!r}", self._conflict_message(name))
        for name in self._not_chosen:
            if name not in self._backends and name not in self._conflicts:
                self._report(f"device type {name!r}", self._why_unknown(name))

    def _conflict_message(self, name: str) -> str:
        dists = [str(info.distribution) for info in self._conflicts[name]]
        listed = " and ".join(f"{d!r}" for d in dists)
        choices = " or ".join(f"{choice_env(name)}={d}" for d in dists)
        return (f"provided by {len(dists)} distributions, {listed}; choose one with "
                f"{choices}, or block the others with {BLOCK_ENV}")

    def _why_unknown(self, name: str) -> str:
        if name in self._conflicts:
            return f"device type {name!r} is {self._conflict_message(name)}"
        not_chosen = self._not_chosen.get(name)
        if not_chosen:
            env, found = choice_env(name), ", ".join(f"{i.distribution!r}" for i in not_chosen)
            return (f"device type {name!r}: {env}={os.environ.get(env, '')!r} names no "
                    f"distribution that provides it; it is provided by {found}")
        return (f"unknown device type {name!r}: no backend provides it; installed backends: "
                f"{self._summary()}")

    # -- checks ---------------------------------------------------------------------------
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
            except KeyboardInterrupt:
                raise
            except BaseException as exc:
                result = Availability(False, f"availability check raised {_describe(exc)}")
            info.available, info.reason = result.ok, result.reason
        return bool(info.available), info.reason

    def _report(self, source: str, error: str) -> None:
        broken = BrokenPlugin(source, error)
        self.broken.append(broken)
        warnings.warn(f"MicroTorch backend plugin {broken}", PluginWarning, stacklevel=3)

    def _summary(self) -> str:
        parts = []
        for info in list(self._backends.values()):
            ok, reason = self._probe(info)
            parts.append(info.name if ok else f"{info.name} (unavailable: {reason})")
        parts += [f"{name} (provided by several distributions)" for name in self._conflicts]
        if not parts:
            return "none (install microtorch-cpu, or register one in-process)"
        return ", ".join(parts)


def _source(dist: str, entry_point: str) -> str:
    return f"distribution {dist!r} (entry point {entry_point!r})"


def _normalize(dist: str) -> str:
    """A distribution name as pip compares them (PEP 503): ``Microtorch_CPU`` is
    ``microtorch-cpu``."""
    return re.sub(r"[-_.]+", "-", dist).lower()


def _describe(exc: BaseException) -> str:
    if isinstance(exc, SystemExit):
        return f"SystemExit: the plugin called sys.exit({exc.code!r})"
    return f"{type(exc).__name__}: {exc}"


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
