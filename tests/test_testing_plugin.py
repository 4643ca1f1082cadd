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


def test_a_mistyped_backend_is_a_usage_error_naming_the_installed_ones(run):
    result = run("--backend", "mdev", "test_fake.py")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: cannot test on MicroTorch backend 'mdev': unknown "
                                 "device type 'mdev': no backend provides it; installed "
                                 "backends: *nomatmul*cpu*"])


def test_the_namespaced_option_chooses_backends_too(run):
    result = run("--microtorch-backend", "nomatmul", "test_fake.py", "-v")
    result.assert_outcomes(passed=2, xfailed=2, failed=1)
    assert "[cpu]" not in result.stdout.str()


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


def test_loading_the_plugin_imports_nothing_of_microtorch(pytester):
    # the plugin loads in every pytest run of an environment that has microtorch-core: a
    # project that never uses MicroTorch must not pay for importing it
    pytester.makepyfile(test_unrelated="""
        import sys

        def test_it():
            assert "pytest_microtorch" in sys.modules
            assert not [m for m in sys.modules if m.startswith("microtorch_core")]
    """)
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=1)


# -- a well-behaved guest in other projects --------------------------------------------------------
BROKEN_PLUGIN = '''
import types

from microtorch_core import hookimpl
from microtorch_core.registry import registry

plugin = types.ModuleType("mydev_plugin")


@hookimpl
def microtorch_register_backends(registry):
    raise ImportError("No module named 'mydev_driver'")


plugin.microtorch_register_backends = microtorch_register_backends
registry.register_plugin(plugin)
'''


@pytest.fixture
def broken_plugin(pytester):
    """A ``-p broken_plugin`` module whose hook fails before it registers device 'mydev'."""
    pytester.makepyfile(broken_plugin=BROKEN_PLUGIN)
    pytester.syspathinsert()
    yield ("-p", "broken_plugin", "-W", "ignore::UserWarning")
    registry.reload()


def test_a_test_that_parametrizes_device_itself_is_left_alone(pytester):
    pytester.makepyfile(test_theirs="""
        import sys
        import pytest

        @pytest.mark.parametrize("device", ["gpu0", "gpu1"])
        def test_it(device):
            assert device.startswith("gpu")

        def test_no_backend_was_loaded():
            assert "microtorch_cpu" not in sys.modules
    """)
    result = pytester.runpytest_subprocess("-v")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["*test_it?gpu0? PASSED*", "*test_it?gpu1? PASSED*"])
    assert "microtorch backend" not in result.stdout.str()


def test_a_test_module_that_generates_device_itself_is_left_alone(pytester):
    pytester.makepyfile(test_theirs="""
        def pytest_generate_tests(metafunc):
            if "device" in metafunc.fixturenames:
                metafunc.parametrize("device", ["tpu"])

        def test_it(device):
            assert device == "tpu"
    """)
    result = pytester.runpytest()
    result.assert_outcomes(passed=1)
    assert "microtorch backend" not in result.stdout.str()  # no report on backends it skipped


def test_a_project_with_its_own_backend_option_keeps_it(pytester):
    pytester.makeconftest("""
        def pytest_addoption(parser):
            parser.addoption("--backend", default="sqlite", help="the database to test")
    """)
    pytester.makepyfile(test_theirs="""
        def test_their_option(request):
            assert request.config.getoption("backend") == "postgres"

        def test_ours_still_works(device):
            assert device == "cpu"
    """)
    result = pytester.runpytest("--backend", "postgres", "--microtorch-backend", "cpu")
    result.assert_outcomes(passed=2)


def test_a_backend_whose_plugin_is_broken_is_a_usage_error_with_its_error(pytester,
                                                                           broken_plugin):
    pytester.makepyfile(test_fake=TESTS)
    result = pytester.runpytest(*broken_plugin, "--backend", "mydev", "test_fake.py")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([
        "ERROR: cannot test on MicroTorch backend 'mydev': unknown device type 'mydev'*",
        "broken MicroTorch backend plugins:",
        "  mydev_plugin: microtorch_register_backends raised ImportError: No module named "
        "'mydev_driver'"])


def test_a_broken_plugin_fails_a_run_that_tests_every_backend(pytester, broken_plugin):
    pytester.makepyfile(test_fake=TESTS)
    result = pytester.runpytest(*broken_plugin, "test_fake.py")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: broken MicroTorch backend plugins, whose devices would "
                                 "not be tested:", "  mydev_plugin: *'mydev_driver'",
                                 "*MICROTORCH_BLOCK_PLUGINS*"])


def test_a_broken_plugin_does_not_fail_tests_that_do_not_use_a_device(pytester, broken_plugin):
    pytester.makepyfile(test_plain="def test_it():\n    pass\n")
    pytester.runpytest(*broken_plugin).assert_outcomes(passed=1)


def test_the_plugin_can_be_turned_off(pytester):
    pytester.makepyfile(test_theirs="""
        import pytest

        @pytest.fixture
        def device():
            return "theirs"

        def test_it(device, pytestconfig):
            assert device == "theirs"
            assert not pytestconfig.pluginmanager.has_plugin("microtorch")
    """)
    result = pytester.runpytest("-p", "no:microtorch")
    result.assert_outcomes(passed=1)
    assert "--microtorch-backend" not in pytester.runpytest("-p", "no:microtorch",
                                                            "--help").stdout.str()
