"""The pytest plugin: ``--backend`` selection, skips with the backend's own reason, and
expected failures for ops a backend declares unsupported. Each test runs pytest on a small
test file (pytester), with fake backends registered by a ``-p`` plugin module."""

from __future__ import annotations

import pytest

from microtorch_core.registry import registry

BACKENDS = '''
from microtorch_cpu import CPUBackend
from microtorch_core.backend import Availability
from microtorch_core.registry import registry


class NoMatmul(CPUBackend):
    name = "nomatmul"
    unsupported_ops = frozenset({"matmul"})
    matmul = None


class Frob(CPUBackend):
    name = "frob"

    @classmethod
    def availability(cls):
        return Availability(False, "no frobnicator found")


registry.register_backend("nomatmul", NoMatmul, override=True)
registry.register_backend("frob", Frob, override=True)
'''

TESTS = '''
import pytest
import microtorch_core as mt


def test_uses_matmul_without_saying_so(device):
    mt.ones(2, 2, device=device) @ mt.ones(2, 2, device=device)


@pytest.mark.ops("matmul")
def test_about_matmul(device):
    assert (mt.ones(1, 2, device=device) @ mt.ones(2, 1, device=device)).item() == 2


@pytest.mark.ops("add")
def test_about_add(device):
    assert (mt.ones(2, device=device) + 1).sum().item() == 4


def test_real_failure(device):
    if device == "nomatmul":
        raise NotImplementedError("this backend lacks something undeclared")


def test_without_device():
    pass
'''


@pytest.fixture
def run(pytester):
    """Run pytest on TESTS with the fake backends; restore the registry afterwards."""
    pytester.makepyfile(fake_backends=BACKENDS, test_fake=TESTS)
    pytester.syspathinsert()

    def run_pytest(*args: str):
        return pytester.runpytest("-p", "fake_backends", "-rsx", *args)

    yield run_pytest
    registry.reload()


def test_unsupported_ops_become_expected_failures(run):
    result = run("--backend", "nomatmul", "test_fake.py")
    result.assert_outcomes(passed=2, xfailed=2, failed=1)
    result.stdout.fnmatch_lines(["*XFAIL*test_about_matmul*declares matmul unsupported*"])


def test_a_backend_with_every_op_passes_the_same_tests(run):
    run("--backend", "cpu", "test_fake.py").assert_outcomes(passed=5)


def test_repeated_and_comma_separated_backends(run):
    result = run("--backend", "cpu,nomatmul", "--backend", "cpu", "test_fake.py", "-v")
    result.stdout.fnmatch_lines(["*test_about_add?cpu?*PASSED*",
                                 "*test_about_add?nomatmul?*PASSED*"])


def test_default_is_every_available_backend(run):
    out = run("test_fake.py", "-v").stdout.str()
    assert "test_about_add[cpu] PASSED" in out and "test_about_add[nomatmul] PASSED" in out
    assert "frob" not in out


def test_unavailable_backend_skips_with_its_reason(run):
    result = run("--backend", "frob", "test_fake.py")
    result.assert_outcomes(passed=1, skipped=4)
    result.stdout.fnmatch_lines(["microtorch backend frob: unavailable: no frobnicator found",
                                 "*backend 'frob' is unavailable: no frobnicator found*"])


def test_unknown_backend_skips_naming_the_installed_ones(run):
    result = run("--backend", "nosuchdev", "test_fake.py")
    result.assert_outcomes(passed=1, skipped=4)
    result.stdout.fnmatch_lines(["*no backend provides device 'nosuchdev'; installed backends:*"])


def test_conformance_module_on_a_partial_backend(run):
    result = run("--backend", "nomatmul", "--pyargs",
                 "microtorch_core.testing.test_conformance_linalg")
    outcomes = result.parseoutcomes()
    assert outcomes.get("xfailed", 0) > 30 and "failed" not in outcomes


def test_a_project_with_its_own_device_fixture_is_left_alone(pytester):
    pytester.makepyfile(test_own="""
        import pytest

        @pytest.fixture
        def device():
            return "my-own-device"

        def test_it(device):
            assert device == "my-own-device"
    """)
    result = pytester.runpytest("-v")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*test_it PASSED*"])
