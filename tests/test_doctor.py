"""``python -m microtorch_core`` reports versions, backends, broken plugins, a self-test per
available backend and allocator statistics; it exits non-zero when something installed fails."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import types

import numpy as np
import pytest
from microtorch_cpu import CPUBackend

from microtorch_core.backend import Availability
from microtorch_core.doctor import main, self_test, self_test_with_limit
from microtorch_core.registry import PluginWarning, registry


@pytest.fixture
def fresh_registry():
    registry.reload()
    yield registry
    registry.reload()


class WrongAdd(CPUBackend):
    """A backend whose add kernel is off by one."""

    name = "wrongadd"

    def add(self, out, a, b):
        super().add(out, a, b)
        np.asarray(out._storage.handle).view(out.dtype.np)[:] += 1


class WritesNothing(CPUBackend):
    """A backend whose add kernel leaves its output as the allocator made it."""

    name = "writesnothing"

    def add(self, out, a, b):
        pass


class ExitsInAKernel(CPUBackend):
    name = "exits"

    def mul(self, out, a, b):
        sys.exit("mul: unsupported hardware")


class Offline(CPUBackend):
    name = "offline"

    @classmethod
    def availability(cls):
        return Availability(False, "the device is switched off")


class NoMatmul(CPUBackend):
    name = "nomatmul"
    unsupported_ops = frozenset({"matmul"})
    matmul = None


def test_self_test_passes_on_the_cpu():
    assert self_test("cpu") == ([], [])


def test_self_test_names_the_failing_check(fresh_registry):
    registry.register_backend("wrongadd", WrongAdd)
    failures, _ = self_test("wrongadd")
    assert any(line.startswith("add (broadcast): AssertionError") for line in failures)


def test_self_test_fails_a_kernel_that_writes_nothing(fresh_registry):
    registry.register_backend("writesnothing", WritesNothing)
    failures, _ = self_test("writesnothing")
    assert any(line.startswith("add (broadcast): AssertionError") for line in failures)


def test_self_test_reports_a_kernel_that_calls_sys_exit(fresh_registry):
    registry.register_backend("exits", ExitsInAKernel)
    failures, _ = self_test("exits")
    assert "mul and exp: SystemExit: mul: unsupported hardware" in failures


def test_a_kernel_that_never_returns_fails_the_self_test_after_the_time_limit(fresh_registry):
    release = threading.Event()

    class Hangs(CPUBackend):
        name = "hangs"

        def matmul(self, out, a, b):
            release.wait(timeout=60)
            super().matmul(out, a, b)

    registry.register_backend("hangs", Hangs)
    try:
        failures, _ = self_test_with_limit("hangs", timeout=0.5)
    finally:
        release.set()
        for thread in threading.enumerate():  # let it finish before the next test
            if thread.name == "microtorch-self-test-hangs":
                thread.join()
    assert failures == ["did not finish within 0.5 s (hung in 'matmul')"]


def test_self_test_skips_checks_of_declared_unsupported_ops(capsys, fresh_registry):
    registry.register_backend("nomatmul", NoMatmul)
    assert self_test("nomatmul") == ([], ["matmul (needs matmul)", "backward (needs matmul)"])
    assert main([]) == 0
    assert "skipped, declared unsupported: matmul (needs matmul)" in capsys.readouterr().out


def test_report_and_exit_code_when_all_is_well(capsys, fresh_registry):
    assert main([]) == 0
    out = capsys.readouterr().out
    for expected in ("microtorch-core", "numpy", "pluggy", "python", "microtorch-cpu",
                     "cpu        available", "cpu        PASS", "broken plugins\n  none",
                     "allocator statistics", "allocations"):
        assert expected in out


def test_a_failing_backend_makes_the_exit_code_non_zero(capsys, fresh_registry):
    registry.register_backend("wrongadd", WrongAdd)
    registry.register_backend("offline", Offline)
    assert main([]) == 1
    out = capsys.readouterr().out
    assert "wrongadd   FAIL" in out and "add (broadcast)" in out
    assert "offline    unavailable: the device is switched off" in out
    assert "offline    skipped (unavailable)" in out


def test_broken_plugins_are_listed_with_their_error(capsys, fresh_registry):
    with pytest.warns(PluginWarning):
        registry.register_plugin(types.ModuleType("hookless_plugin"))
    assert main([]) == 1
    assert "hookless_plugin: the plugin has no @hookimpl" in capsys.readouterr().out


def test_python_dash_m():
    result = subprocess.run([sys.executable, "-m", "microtorch_core"], capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "MicroTorch doctor" in result.stdout and "PASS" in result.stdout


# -- plugins that hang or end the process, installed for real in a temporary folder -------------
BAD_PLUGINS = {
    "hangs": "import time\ntime.sleep(120)\n",
    "quits": "import sys\nsys.exit(3)\n",
    "dies": "import os\nos._exit(7)\n",
}


@pytest.fixture(scope="module")
def doctor_with_bad_plugins(tmp_path_factory) -> subprocess.CompletedProcess:
    """``python -m microtorch_core --timeout 2`` with three more distributions installed: one
    whose import hangs, one that calls sys.exit(3) and one that calls os._exit(7)."""
    site = tmp_path_factory.mktemp("site")
    for name, code in BAD_PLUGINS.items():
        (site / f"{name}_plugin.py").write_text(code)
        info = site / f"{name}_dist-0.1.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}-dist\n"
                                       f"Version: 0.1\n")
        (info / "entry_points.txt").write_text(f"[microtorch.backends]\n"
                                               f"{name} = {name}_plugin\n")
    path = os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])
    return subprocess.run([sys.executable, "-m", "microtorch_core", "--timeout", "2"],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": path})


def broken_line(result: subprocess.CompletedProcess, dist: str) -> str:
    broken = result.stdout.split("broken plugins\n")[1].split("\n\n")[0]
    (line,) = [line for line in broken.splitlines() if f"'{dist}'" in line]
    return line.strip()


def test_doctor_reports_a_plugin_whose_import_hangs(doctor_with_bad_plugins):
    assert broken_line(doctor_with_bad_plugins, "hangs-dist") == (
        "distribution 'hangs-dist' (entry point 'hangs'): loading did not finish within 2 s "
        "(its import or its microtorch_register_backends hook hangs)")


def test_doctor_reports_a_plugin_that_calls_sys_exit(doctor_with_bad_plugins):
    assert broken_line(doctor_with_bad_plugins, "quits-dist") == (
        "distribution 'quits-dist' (entry point 'quits'): import failed: SystemExit: the "
        "plugin called sys.exit(3)")


def test_doctor_reports_a_plugin_that_ends_the_process(doctor_with_bad_plugins):
    assert broken_line(doctor_with_bad_plugins, "dies-dist") == (
        "distribution 'dies-dist' (entry point 'dies'): loading it ended the Python process "
        "(exit code 7)")


def test_doctor_with_bad_plugins_tests_the_others_and_exits_1(doctor_with_bad_plugins):
    assert doctor_with_bad_plugins.returncode == 1, doctor_with_bad_plugins.stderr
    assert "cpu        PASS" in doctor_with_bad_plugins.stdout
