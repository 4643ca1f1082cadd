"""The MicroTorch pytest plugin: run device-generic tests against any installed backend.

Installed with ``microtorch-core`` (entry point ``pytest11``), so in any project::

    pytest --backend cpu                                   # your tests, on the CPU backend
    pytest --pyargs microtorch_core.testing --backend mydev  # the conformance suite on yours

* ``--microtorch-backend NAME`` (repeatable, or comma-separated) picks the device types to
  test; without it every *available* backend is tested. ``--backend NAME`` is the same
  option, where the project does not define a ``--backend`` of its own.
* A test that takes the ``device`` fixture runs once per chosen backend and receives its
  device type name (``"cpu"``), ready for ``mt.zeros(3, device=device)``.
* A chosen backend that cannot run here skips its tests with the backend's own reason. A
  chosen name that no backend provides is a usage error naming the installed backends (and
  the broken plugins, with their errors); so is a broken plugin when no backend was chosen.
* The ``host_reads`` fixture counts the device-to-host copies a test makes on ``device``
  (each one a synchronisation on a GPU).
* ``@pytest.mark.ops("matmul", ...)`` names the primitives a test is about. On a backend that
  lists one of them in ``Backend.unsupported_ops`` the test is an expected failure. A test
  that fails with the NotImplementedError of any other op the backend declares unsupported
  is reported as an expected failure too, so a partial backend runs the whole suite.

This module is loaded by every pytest run where microtorch-core is installed, so it stays
inert unless a test asks for it. It is a top-level module, not part of the
``microtorch_core`` package, so loading it costs nothing: it imports MicroTorch only when a
test takes its ``device`` fixture or a backend is chosen, it leaves alone tests that
parametrize ``device`` themselves or define their own ``device`` fixture, and it claims
``--backend`` only when that option is free and given. ``pytest -p no:microtorch`` turns it
off altogether.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Generator
from typing import Any

import pytest

_NOT_IMPLEMENTED = re.compile(r"op '(\w+)' is not implemented by backend '(\w+)'")
OPTION, SHORT_OPTION, DEST = "--microtorch-backend", "--backend", "microtorch_backend"
#: Set on each test this plugin parametrizes with a backend: only those are its business.
_OURS = "microtorch_backend"
_HELP = ("run device-generic tests on this MicroTorch backend (repeatable, or comma-separated); "
         "default: every available backend")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("microtorch", "MicroTorch backends")
    group.addoption(OPTION, action="append", default=[], metavar="NAME", dest=DEST, help=_HELP)


@pytest.hookimpl(wrapper=True)
def pytest_load_initial_conftests(early_config: pytest.Config, parser: pytest.Parser,
                                  args: list[str]) -> Generator[None, Any, Any]:
    """After the project's conftest.py files have added their options, add ``--backend`` as
    a short spelling of ``--microtorch-backend``, if it is given and no one else owns it."""
    result = yield
    if any(arg == SHORT_OPTION or arg.startswith(SHORT_OPTION + "=") for arg in args):
        try:
            parser.getgroup("microtorch").addoption(
                SHORT_OPTION, action="append", default=[], metavar="NAME", dest=DEST,
                help=f"the same as {OPTION}")
        except (ValueError, argparse.ArgumentError):
            pass  # the project's own --backend: theirs wins, ours stays --microtorch-backend
    return result


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "ops(*names): the MicroTorch primitives a test exercises; the test is an "
                   "expected failure on a backend that lists one in unsupported_ops")
    config.addinivalue_line(
        "markers", f"{_OURS}: set by the MicroTorch plugin on each test it runs once per "
                   f"backend")


def chosen_backends(config: pytest.Config) -> list[str]:
    """The device types chosen with ``--microtorch-backend`` (or ``--backend``), in order."""
    names = [n.strip() for opt in config.getoption(DEST) or [] for n in opt.split(",")]
    return list(dict.fromkeys(n for n in names if n))


def selected_backends(config: pytest.Config) -> list[str]:
    """The device types chosen with ``--microtorch-backend``, or every available backend."""
    cached = getattr(config, "_microtorch_backends", None)
    if cached is None:
        cached = chosen_backends(config)
        if not cached:
            from microtorch_core.registry import registry

            cached = [info.name for info in registry.list_backends() if info.available]
        config._microtorch_backends = cached  # type: ignore[attr-defined]
    return cached


@pytest.hookimpl(trylast=True)  # after the test's own pytest_generate_tests, if any
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if ("device" not in metafunc.fixturenames or not _uses_our_fixture(metafunc)
            or _parametrized_elsewhere(metafunc)):
        return
    names = selected_backends(metafunc.config)
    params = [pytest.param(name, id=name, marks=getattr(pytest.mark, _OURS)) for name in names]
    if not params:  # nothing installed: one skipped test explains why
        params = [pytest.param("none", marks=[getattr(pytest.mark, _OURS),
                                              pytest.mark.skip(reason=_no_backend_reason())])]
    metafunc.parametrize("device", params, indirect=True)


@pytest.fixture
def device(request: pytest.FixtureRequest) -> str:
    """The device type under test (e.g. ``"cpu"``); skips when that backend can't run here."""
    name: str = request.param
    info = _backend_info(name)
    if info is None:  # a name the test passed itself (indirect=True): a mistake, not a skip
        from microtorch_core.registry import registry

        pytest.fail(registry._why_unknown(name), pytrace=False)
    if not info.available:
        pytest.skip(f"backend {name!r} is unavailable: {info.reason}")
    return name


class HostReads(list):
    """The copies ``host_reads`` counted. ``per_bounds_check`` is how many one index bounds
    check makes on the device: 1, or 0 where the backend reads the index in place."""

    per_bounds_check: int


@pytest.fixture
def host_reads(device: str, monkeypatch: pytest.MonkeyPatch) -> HostReads:
    """A list that gets one entry per device-to-host copy on ``device`` (on a GPU each one
    is a synchronisation, which stalls the launch queue): for tests that count them."""
    from microtorch_core.backend import has_host_memory
    from microtorch_core.registry import registry

    backend = registry.get_backend(device)
    allocator = backend.allocator
    reads = HostReads()
    # as ops/primitive/indexing.index_range: a backend whose memory is the host's is read in
    # place
    reads.per_bounds_check = 0 if has_host_memory(backend) else 1
    copy = allocator.copy_to_host

    def counted(*args: Any, **kwargs: Any) -> Any:
        reads.append(args[1:2])  # the byte count
        return copy(*args, **kwargs)

    monkeypatch.setattr(allocator, "copy_to_host", counted)
    return reads


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Fail the run if a chosen backend does not exist or, with none chosen, if a plugin is
    broken (a green run that skipped it would hide it); mark tests of ops a backend declares
    unsupported as expected failures."""
    problem = _selection_problem(config, any(_device_param(item) for item in items))
    if problem:
        config._microtorch_problem = problem  # type: ignore[attr-defined]
        raise pytest.UsageError(problem)
    for item in items:
        marker = item.get_closest_marker("ops")
        name = _device_param(item)
        if marker is None or name is None:
            continue
        lacking = sorted(set(marker.args) & _unsupported_ops(name))
        if lacking:
            item.add_marker(pytest.mark.xfail(
                raises=NotImplementedError, strict=False,
                reason=f"backend {name!r} declares {', '.join(lacking)} unsupported"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    """Turn a failure caused by a declared-unsupported op into an expected failure."""
    outcome = yield
    report = outcome.get_result()
    name = _device_param(item)
    if report.when != "call" or not report.failed or name is None or call.excinfo is None:
        return
    if not isinstance(call.excinfo.value, NotImplementedError):
        return
    match = _NOT_IMPLEMENTED.search(str(call.excinfo.value))
    if match and match.group(2) == name and match.group(1) in _unsupported_ops(name):
        report.outcome = "skipped"
        report.wasxfail = f"backend {name!r} declares {match.group(1)} unsupported"


def pytest_report_collectionfinish(config: pytest.Config, items: list[pytest.Item]) -> Any:
    if getattr(config, "_microtorch_problem", None) or not any(map(_device_param, items)):
        return None  # (after a usage error, only the error)
    from microtorch_core.registry import registry

    lines = []
    for name in selected_backends(config):
        info = registry.backend_info(name)
        state = ("not installed" if info is None else "available" if info.available
                 else f"unavailable: {info.reason}")
        lines.append(f"microtorch backend {name}: {state}")
    return lines


def op_params(*names: str) -> list[Any]:
    """Parameters for ``@pytest.mark.parametrize("op", op_params("exp", "log"))``: each
    carries ``@pytest.mark.ops(name)`` so a backend lacking that op xfails only its case."""
    return [pytest.param(name, marks=pytest.mark.ops(name), id=name) for name in names]


# -- helpers ---------------------------------------------------------------------------------
def _selection_problem(config: pytest.Config, tests_use_device: bool) -> str:
    """Why the run cannot test what was asked, or '' when it can."""
    chosen = chosen_backends(config)
    if not chosen and not tests_use_device:
        return ""  # no one asked: do not even import MicroTorch
    from microtorch_core.registry import registry

    installed = {info.name for info in registry.list_backends()}
    broken = "".join(f"\n  {b}" for b in registry.broken)
    if chosen:
        unknown = [name for name in chosen if name not in installed]
        if not unknown:
            return ""
        reasons = "\n".join(f"cannot test on MicroTorch backend {name!r}: "
                            f"{registry._why_unknown(name)}" for name in unknown)
        return reasons + (f"\nbroken MicroTorch backend plugins:{broken}" if broken else "")
    if broken:
        return (f"broken MicroTorch backend plugins, whose devices would not be tested:"
                f"{broken}\nfix or uninstall them, block one with "
                f"MICROTORCH_BLOCK_PLUGINS=<distribution>, or choose the backends to test "
                f"with {OPTION} NAME")
    return ""


def _uses_our_fixture(metafunc: pytest.Metafunc) -> bool:
    """False when a project defines its own ``device`` fixture: leave its tests alone."""
    defs = getattr(metafunc, "_arg2fixturedefs", {}).get("device")
    return not defs or getattr(defs[-1].func, "__module__", __name__) == __name__


def _parametrized_elsewhere(metafunc: pytest.Metafunc) -> bool:
    """True when the test parametrizes ``device`` itself (``@pytest.mark.parametrize`` or its
    own ``pytest_generate_tests``): leave it alone."""
    for marker in metafunc.definition.iter_markers("parametrize"):
        argnames = marker.args[0] if marker.args else marker.kwargs.get("argnames", ())
        if isinstance(argnames, str):
            argnames = [name.strip() for name in argnames.split(",")]
        if "device" in argnames:
            return True
    return any("device" in call.params for call in getattr(metafunc, "_calls", ()))


def _device_param(item: pytest.Item) -> str | None:
    """The backend this plugin runs ``item`` on, or None when the test is not ours."""
    callspec = getattr(item, "callspec", None)
    if callspec is None or item.get_closest_marker(_OURS) is None:
        return None
    return callspec.params.get("device")


def _backend_info(name: str) -> Any:
    from microtorch_core.registry import registry

    return registry.backend_info(name)


def _unsupported_ops(name: str) -> set[str]:
    """The ops backend ``name`` declares it lacks (empty when it can't run here)."""
    from microtorch_core.registry import registry

    info = registry.backend_info(name)
    if info is None or not info.available:
        return set()
    cls = info.backend_cls
    if cls is None:  # registered as a factory: only an instance tells
        try:
            cls = type(registry.get_backend(name))
        except Exception:  # reported by the tests themselves
            return set()
    return set(cls.unsupported_ops)


def _no_backend_reason() -> str:
    from microtorch_core.registry import registry

    return (f"no MicroTorch backend is available here; installed backends: "
            f"{registry._summary()}")
