"""The registry under bad plugins: each failure is reported once, clearly, naming its source,
and never breaks ``import microtorch_core`` or the other backends.

Plugins here need no install: modules made in the test are registered in-process, or served
to the registry as fake entry points (as pluggy's own tests do).
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import types
import warnings
from collections.abc import Callable
from importlib import metadata
from typing import Any

import pytest
from microtorch_cpu import CPUBackend

import microtorch_core as mt
from microtorch_core.backend import SPEC_VERSION, Availability
from microtorch_core.hookspecs import ENTRY_POINT_GROUP, hookimpl
from microtorch_core.registry import (
    AUTOLOAD_ENV,
    BLOCK_ENV,
    BackendRegistry,
    PluginWarning,
    registry,
)

registry_module = sys.modules["microtorch_core.registry"]


# -- fakes -----------------------------------------------------------------------------------------
def make_plugin(name: str, register: Callable[[Any], None]) -> types.ModuleType:
    """A plugin module whose hook runs ``register(registry)``."""
    module = types.ModuleType(name)

    @hookimpl
    def microtorch_register_backends(registry):
        register(registry)

    module.microtorch_register_backends = microtorch_register_backends
    return module


class FakeEntryPoint:
    """What the registry reads from an ``importlib.metadata`` entry point."""

    group = ENTRY_POINT_GROUP

    def __init__(self, name: str, dist: str, load: Callable[[], Any]) -> None:
        self.name, self.value, self._load = name, f"{dist.replace('-', '_')}.plugin", load
        self.dist = types.SimpleNamespace(name=dist, version="0.0.1")

    def load(self) -> Any:
        return self._load()


def backend_class(device: str, **attrs: Any) -> type:
    """A CPU backend under another device type name, with ``attrs`` overridden."""
    return type(f"{device.title()}Backend", (CPUBackend,), {"name": device, **attrs})


@pytest.fixture
def fresh_registry():
    """The process registry, reloaded before and after the test so fakes never leak."""
    registry.reload()
    yield registry
    registry.reload()


@pytest.fixture
def entry_points(monkeypatch, fresh_registry) -> list[FakeEntryPoint]:
    """Append to this list to make the registry find extra entry points (the real ones too)."""
    fakes: list[FakeEntryPoint] = []

    def fake_entry_points(group: str):
        return [*metadata.entry_points(group=group), *fakes]

    monkeypatch.setattr(registry_module, "metadata",
                        types.SimpleNamespace(entry_points=fake_entry_points))
    return fakes


def load_quietly() -> list[warnings.WarningMessage]:
    """Load plugins now; return the PluginWarnings issued about this file's fakes."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        registry.list_backends()
    return [w for w in caught
            if issubclass(w.category, PluginWarning) and "-dist'" in str(w.message)]


# -- entry points ----------------------------------------------------------------------------------
def test_broken_import_is_reported_once_and_others_still_load(entry_points):
    def fail():
        raise ImportError("No module named 'pycuda'")

    entry_points.append(FakeEntryPoint("broken", "broken-dist", fail))
    caught = load_quietly()
    assert len(caught) == 1
    message = str(caught[0].message)
    assert "'broken-dist'" in message and "import failed: ImportError: No module named 'pycuda'" \
        in message
    assert [b.source for b in registry.broken] == [
        "distribution 'broken-dist' (entry point 'broken')"]
    assert "cpu" in [info.name for info in registry.list_backends()]
    assert mt.ones(2).sum().item() == 2.0
    assert load_quietly() == []  # reported once


def test_exception_in_the_hook_names_the_distribution(entry_points):
    def register(reg):
        raise RuntimeError("no licence file")

    entry_points.append(FakeEntryPoint("bad", "bad-dist", lambda: make_plugin("bad", register)))
    (warning,) = load_quietly()
    assert "'bad-dist'" in str(warning.message)
    assert "microtorch_register_backends raised RuntimeError: no licence file" in \
        str(warning.message)
    assert mt.zeros(1).device.type == "cpu"


def add_duplicate_providers(entry_points: list[FakeEntryPoint], name: str) -> tuple[type, type]:
    """Two distributions, first-dist and second-dist, that both register device ``name``."""
    first, second = backend_class(name), backend_class(name)
    entry_points.append(FakeEntryPoint(
        "one", "first-dist", lambda: make_plugin("one", lambda r: r.add(name, first))))
    entry_points.append(FakeEntryPoint(
        "two", "second-dist", lambda: make_plugin("two", lambda r: r.add(name, second))))
    return first, second


def test_duplicate_device_name_is_an_error_naming_both_distributions(entry_points):
    add_duplicate_providers(entry_points, "dup")
    (warning,) = load_quietly()
    assert "device type 'dup': provided by 2 distributions, 'first-dist' and 'second-dist'" \
        in str(warning.message)
    with pytest.raises(RuntimeError, match="device type 'dup' is provided by 2 distributions, "
                                           "'first-dist' and 'second-dist'; choose one with "
                                           "MICROTORCH_BACKEND_DUP=first-dist or "
                                           "MICROTORCH_BACKEND_DUP=second-dist"):
        mt.zeros(1, device="dup")
    assert registry.backend_info("dup") is None
    assert mt.ones(2).sum().item() == 2.0  # the other devices keep working


def test_a_package_registering_cpu_cannot_take_over_the_cpu(monkeypatch, fresh_registry):
    class ZerosAdd(CPUBackend):  # found before microtorch-cpu, as a package on PYTHONPATH was
        def add(self, out, a, b):
            self.fill(out, 0)

    fake = FakeEntryPoint("cpu", "shadow-dist",
                          lambda: make_plugin("shadow", lambda r: r.add("cpu", ZerosAdd)))
    monkeypatch.setattr(registry_module, "metadata", types.SimpleNamespace(
        entry_points=lambda group: [fake, *metadata.entry_points(group=group)]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PluginWarning)
        with pytest.raises(RuntimeError, match="device type 'cpu' is provided by 2 "
                                               "distributions, 'shadow-dist' and "
                                               "'microtorch-cpu'"):
            mt.ones(3) + mt.ones(3)
    assert [b.source for b in registry.broken] == ["device type 'cpu'"]


@pytest.mark.parametrize("chosen", ["second-dist", "Second_Dist"])
def test_the_environment_chooses_which_distribution_provides_a_device(
        monkeypatch, entry_points, chosen):
    _, second = add_duplicate_providers(entry_points, "dup")
    monkeypatch.setenv("MICROTORCH_BACKEND_DUP", chosen)
    assert load_quietly() == []
    assert type(registry.get_backend("dup")) is second


def test_blocking_one_distribution_settles_a_duplicate(monkeypatch, entry_points):
    first, _ = add_duplicate_providers(entry_points, "dup")
    monkeypatch.setenv(BLOCK_ENV, "second-dist")
    assert load_quietly() == []
    assert type(registry.get_backend("dup")) is first


def test_choosing_a_distribution_that_does_not_provide_the_device_is_reported(
        monkeypatch, entry_points):
    add_duplicate_providers(entry_points, "dup")
    monkeypatch.setenv("MICROTORCH_BACKEND_DUP", "third-dist")
    (warning,) = load_quietly()
    assert "MICROTORCH_BACKEND_DUP='third-dist' names no distribution that provides it; it is " \
           "provided by 'first-dist', 'second-dist'" in str(warning.message)
    with pytest.raises(RuntimeError, match="MICROTORCH_BACKEND_DUP='third-dist' names no"):
        registry.get_backend("dup")


def test_an_in_process_backend_wins_over_installed_ones_quietly(entry_points):
    add_duplicate_providers(entry_points, "dup")
    mine = backend_class("dup")
    registry.register_backend("dup", mine)
    assert load_quietly() == []
    assert type(registry.get_backend("dup")) is mine


def test_a_plugin_cannot_override_another_distribution(entry_points):
    first, second = backend_class("dup"), backend_class("dup")
    entry_points.append(FakeEntryPoint(
        "one", "first-dist", lambda: make_plugin("one", lambda r: r.add("dup", first))))
    entry_points.append(FakeEntryPoint("two", "second-dist", lambda: make_plugin(
        "two", lambda r: r.add("dup", second, override=True))))
    (warning,) = load_quietly()
    assert "provided by 2 distributions" in str(warning.message)
    assert registry.backend_info("dup") is None


def test_autoload_off_loads_no_entry_points(monkeypatch, fresh_registry):
    monkeypatch.setenv(AUTOLOAD_ENV, "1")
    assert registry.list_backends() == []
    with pytest.raises(RuntimeError, match="unknown device type 'cpu'.*install microtorch-cpu"):
        mt.zeros(1, device="cpu")
    registry.register_backend("cpu", CPUBackend)  # in-process still works
    assert mt.ones(3, device="cpu").sum().item() == 3.0


@pytest.mark.parametrize("blocked", ["fake", "fake-dist"])
def test_blocked_plugin_is_skipped_by_entry_point_or_distribution_name(
        monkeypatch, entry_points, blocked):
    loaded = []
    entry_points.append(FakeEntryPoint("fake", "fake-dist", lambda: loaded.append(1)))
    monkeypatch.setenv(BLOCK_ENV, f" other, {blocked} ")
    load_quietly()
    assert loaded == [] and not any("fake" in b.source for b in registry.broken)
    assert "cpu" in [info.name for info in registry.list_backends()]


def test_same_distribution_found_twice_registers_once(entry_points):
    calls = []
    plugin = make_plugin("twice", lambda r: (calls.append(1), r.add("twice", backend_class(
        "twice"))))
    entry_points.append(FakeEntryPoint("twice", "twice-dist", lambda: plugin))
    entry_points.append(FakeEntryPoint("twice", "twice-dist", lambda: plugin))
    assert load_quietly() == []
    assert calls == [1] and registry.broken == []


# -- threads ---------------------------------------------------------------------------------------
def test_first_use_from_eight_threads_at_once_loads_the_plugins_once(entry_points):
    imports = []

    def slow_import():  # a plugin that takes a while to import widens the window of the race
        imports.append(1)
        time.sleep(0.05)
        return make_plugin("slow", lambda r: r.add("slow", backend_class("slow")))

    entry_points.append(FakeEntryPoint("slow", "slow-dist", slow_import))
    fresh = BackendRegistry()
    start = threading.Barrier(8)
    results, errors = [], []

    def first_use():
        start.wait()
        try:
            results.append((fresh.get_backend("slow").name, fresh.get_backend("cpu").name))
        except Exception as exc:  # collected: the assertion below shows them
            errors.append(repr(exc))

    threads = [threading.Thread(target=first_use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert results == [("slow", "cpu")] * 8 and imports == [1]


# -- plugins that end the process ------------------------------------------------------------------
def test_sys_exit_at_import_is_reported_and_the_process_goes_on(entry_points):
    def exit_at_import():
        sys.exit(3)

    entry_points.append(FakeEntryPoint("quits", "quits-dist", exit_at_import))
    (warning,) = load_quietly()
    assert "'quits-dist'" in str(warning.message)
    assert "import failed: SystemExit: the plugin called sys.exit(3)" in str(warning.message)
    assert mt.ones(2).sum().item() == 2.0


def test_sys_exit_in_the_hook_is_reported_and_the_process_goes_on(entry_points):
    def register(reg):
        sys.exit("no GPU, bye")

    entry_points.append(FakeEntryPoint("quits", "quits-dist",
                                       lambda: make_plugin("quits", register)))
    (warning,) = load_quietly()
    assert "'quits-dist'" in str(warning.message)
    assert "microtorch_register_backends raised SystemExit: the plugin called " \
           "sys.exit('no GPU, bye')" in str(warning.message)


def test_sys_exit_in_a_backend_constructor_makes_it_unavailable(fresh_registry):
    def factory():
        sys.exit(1)

    registry.register_backend("quitter", factory)
    with pytest.raises(RuntimeError, match=r"failed to start: SystemExit: the plugin called "
                                           r"sys.exit\(1\)"):
        mt.zeros(1, device="quitter")


def test_keyboard_interrupt_at_import_is_not_swallowed(entry_points):
    def interrupted():
        raise KeyboardInterrupt

    entry_points.append(FakeEntryPoint("slow", "slow-dist", interrupted))
    with pytest.raises(KeyboardInterrupt):
        registry.list_backends()


# -- in-process registration -----------------------------------------------------------------------
def test_register_plugin_in_process(fresh_registry):
    plugin = make_plugin("notebook_plugin", lambda r: r.add("nb", backend_class("nb")))
    registry.register_plugin(plugin)
    registry.register_plugin(plugin)  # the same plugin again: a no-op
    info = registry.backend_info("nb")
    assert info.source == "notebook_plugin" and info.available
    assert registry.broken == []
    assert mt.ones(2, device="nb").device.type == "nb"


def test_plugin_without_a_hook_is_reported(fresh_registry):
    with pytest.warns(PluginWarning, match="has no @hookimpl microtorch_register_backends"):
        registry.register_plugin(types.ModuleType("empty_plugin"))


def test_hook_with_a_wrong_signature_is_reported(fresh_registry):
    module = types.ModuleType("wrong_signature")

    @hookimpl
    def microtorch_register_backends(reg):  # the spec's argument is called `registry`
        pass

    module.microtorch_register_backends = microtorch_register_backends
    with pytest.warns(PluginWarning, match="wrong_signature: invalid plugin"):
        registry.register_plugin(module)


def test_class_missing_primitives_is_refused_with_the_list(fresh_registry):
    class Partial(CPUBackend):
        name = "partial"
        matmul = gather = None  # not implemented, and not declared unsupported

    plugin = make_plugin("partial_plugin", lambda r: r.add("partial", Partial))
    with pytest.warns(PluginWarning, match="missing required primitives: matmul, gather"):
        registry.register_plugin(plugin)
    assert registry.backend_info("partial") is None
    with pytest.raises(TypeError, match=r"missing required primitives: matmul, gather \("
                                        r"implement them or list them in unsupported_ops\)"):
        registry.register_backend("partial", Partial)


def test_declared_unsupported_ops_are_accepted(fresh_registry):
    registry.register_backend("nomm", backend_class("nomm", matmul=None,
                                                    unsupported_ops=frozenset({"matmul"})))
    assert registry.backend_info("nomm").available


def test_copy_cannot_be_declared_unsupported(fresh_registry):
    nocopy = backend_class("nocopy", copy=None, unsupported_ops=frozenset({"copy"}))
    with pytest.raises(TypeError, match="lists 'copy' in unsupported_ops, but every backend "
                                        "needs it"):
        registry.register_backend("nocopy", nocopy)


def test_wrong_spec_version_is_refused(fresh_registry):
    old = backend_class("old", spec_version=0)
    with pytest.raises(TypeError, match=f"implements backend spec version 0, but this "
                                        f"microtorch-core speaks version {SPEC_VERSION}"):
        registry.register_backend("old", old)


@pytest.mark.parametrize(("name", "backend", "error", "match"), [
    ("not a name", CPUBackend, ValueError, "must be an identifier"),
    ("obj", dict, TypeError, "dict does not subclass microtorch_core.backend.Backend"),
    ("num", 42, TypeError, "must be a Backend subclass or a zero-argument factory"),
])
def test_invalid_registrations_raise_in_process(fresh_registry, name, backend, error, match):
    with pytest.raises(error, match=match):
        registry.register_backend(name, backend)


def test_duplicate_in_process_registration_warns_unless_override(fresh_registry):
    registry.register_backend("twin", backend_class("twin"))
    with pytest.warns(PluginWarning, match="already provided by in-process"):
        registry.register_backend("twin", backend_class("twin"))
    replacement = backend_class("twin")
    registry.register_backend("twin", replacement, override=True)
    assert type(registry.get_backend("twin")) is replacement


# -- using backends --------------------------------------------------------------------------------
def test_backend_is_created_lazily_once(fresh_registry):
    created = []

    def factory():
        created.append(1)
        return backend_class("lazy")()

    registry.register_backend("lazy", factory)
    assert created == []
    mt.zeros(2, device="lazy") + mt.ones(2, device="lazy")
    assert created == [1]


def test_kernel_that_raises_propagates_unchanged_and_breaks_nothing_else(fresh_registry):
    def add(self, out, a, b):
        raise ValueError("kernel exploded: register file overflow")

    registry.register_backend("faulty", backend_class("faulty", add=add))
    a = mt.ones(2, device="faulty")
    with pytest.raises(ValueError, match="kernel exploded"):
        a + a
    assert (a * a).sum().item() == 2.0  # its other kernels still work
    assert (mt.ones(2) + mt.ones(2)).sum().item() == 4.0  # and so do other backends


def test_unavailable_backend_gives_its_reason(fresh_registry):
    class NeedsHardware(CPUBackend):
        name = "frob"

        @classmethod
        def availability(cls):
            return Availability(False, "no frobnicator found (libfrob.so.1)")

    registry.register_backend("frob", NeedsHardware)
    info = registry.backend_info("frob")
    assert not info.available and info.reason == "no frobnicator found (libfrob.so.1)"
    with pytest.raises(RuntimeError, match=r"device 'frob' is unavailable: no frobnicator found "
                                           r"\(libfrob.so.1\); installed backends: .*cpu"):
        mt.zeros(1, device="frob")


def test_availability_probe_that_raises_makes_the_backend_unavailable(fresh_registry):
    def probe():
        raise OSError("driver crashed")

    registry.register_backend("probe", backend_class("probe", availability=staticmethod(probe)))
    info = registry.backend_info("probe")
    assert not info.available and "driver crashed" in info.reason


def test_backend_that_fails_to_start(fresh_registry):
    def factory():
        raise OSError("cannot open /dev/frob0")

    registry.register_backend("dead", factory)
    with pytest.raises(RuntimeError, match="failed to start: OSError: cannot open /dev/frob0"):
        mt.zeros(1, device="dead")
    assert registry.backend_info("dead").available is False


def test_import_loads_no_plugin():
    code = "import sys, microtorch_core; print('microtorch_cpu' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
