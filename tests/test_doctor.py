"""``python -m microtorch_core`` reports versions, backends, broken plugins, a self-test per
available backend and allocator statistics; it exits non-zero when something installed fails."""

from __future__ import annotations

import subprocess
import sys
import types

import numpy as np
import pytest
from microtorch_cpu import CPUBackend

from microtorch_core.backend import Availability
from microtorch_core.doctor import main, self_test
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
