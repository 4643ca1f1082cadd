"""What a pip user gets: the sdists and wheels of microtorch-core, microtorch-cpu,
microtorch-cuda and the trace example carry their license, readme and typing marker, declare
their metadata (an SPDX license, a versioned core dependency, classifiers), and ship nothing
that cannot work on its own.

Each distribution is built the way pip builds it from an index (sdist, then a wheel from that
sdist), from a copy of its source in a temporary folder, so the repository gets no build/ or
egg-info. The setuptools installed here builds them (``--no-build-isolation``): no network.
"""

from __future__ import annotations

import email.parser
import shutil
import subprocess
import sys
import tarfile
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
#: distribution name -> its project folder in the repository
PROJECTS = {
    "microtorch-core": ROOT,
    "microtorch-cpu": ROOT / "backends" / "microtorch_cpu",
    "microtorch-cuda": ROOT / "backends" / "microtorch_cuda",
    "microtorch-trace": ROOT / "examples" / "microtorch_trace",
}
BACKENDS = ["microtorch-cpu", "microtorch-cuda", "microtorch-trace"]
# Never copied into the build folder: build outputs, caches and (for the core, whose project
# folder is the repository root) what is not part of its sdist anyway.
NOT_SOURCES = shutil.ignore_patterns(".git", ".venv*", "__pycache__", "*.egg-info", "build",
                                     "dist", ".pytest_cache", ".ruff_cache", ".ci-wheels",
                                     ".gpu", "backends", "examples", "benchmarks")

SDIST = """
import sys
from setuptools import build_meta
print(build_meta.build_sdist(sys.argv[1]))
"""


@dataclass
class Built:
    """A distribution built from its sdist: the names in both archives, and its METADATA."""

    sdist: list[str]  # paths inside the sdist, without its top folder
    wheel: dict[str, bytes]
    metadata: Message


def build(name: str, work: Path) -> Built:
    source = work / "src"
    shutil.copytree(PROJECTS[name], source, ignore=NOT_SOURCES)
    out = work / "out"
    sdist = subprocess.run([sys.executable, "-c", SDIST, str(out)], cwd=source,
                           capture_output=True, text=True)
    assert sdist.returncode == 0, f"sdist of {name} failed:\n{sdist.stderr[-3000:]}"
    sdist_path = out / sdist.stdout.split()[-1]
    wheel = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                            "--no-build-isolation", "-w", str(out), str(sdist_path)],
                           cwd=work, capture_output=True, text=True)
    assert wheel.returncode == 0, f"wheel of {name} failed:\n{wheel.stderr[-3000:]}"
    with tarfile.open(sdist_path) as tar:
        sdist_names = [m.name.split("/", 1)[1] for m in tar.getmembers() if "/" in m.name]
    (wheel_path,) = out.glob("*.whl")
    with zipfile.ZipFile(wheel_path) as whl:
        files = {n: whl.read(n) for n in whl.namelist()}
    (meta,) = (v for n, v in files.items() if n.endswith(".dist-info/METADATA"))
    return Built(sdist_names, files, email.parser.BytesParser().parsebytes(meta))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Built]:
    """Every distribution, built once for this module (in parallel: each is a subprocess)."""
    work = tmp_path_factory.mktemp("dists")
    with ThreadPoolExecutor(len(PROJECTS)) as pool:
        jobs = {name: pool.submit(build, name, work / name) for name in PROJECTS}
        return {name: job.result() for name, job in jobs.items()}


def dist_info_file(dist: Built, name: str) -> bytes:
    (found,) = (v for n, v in dist.wheel.items() if n.split(".dist-info/", 1)[-1] == name)
    return found


# -- files --------------------------------------------------------------------------------------
def test_core_wheel_ships_the_typing_marker_it_declares(built):
    # py.typed (PEP 561) is what tells mypy and pyright to read the package's annotations.
    assert "microtorch_core/py.typed" in built["microtorch-core"].wheel


@pytest.mark.parametrize("name", PROJECTS)
def test_every_distribution_ships_the_repository_license(built, name):
    assert "LICENSE" in built[name].sdist
    assert dist_info_file(built[name], "licenses/LICENSE") == (ROOT / "LICENSE").read_bytes()


@pytest.mark.parametrize("name", PROJECTS)
def test_every_distribution_has_a_markdown_readme(built, name):
    metadata = built[name].metadata
    assert metadata["Description-Content-Type"] == "text/markdown"
    assert name in metadata.get_payload()  # the readme names its distribution


@pytest.mark.parametrize("name", ["microtorch-core", "microtorch-cuda"])
def test_sdists_ship_no_tests_that_need_the_repository(built, name):
    # These tests import helpers (conftest.py, torch_reference.py...), the other packages, the
    # examples and the benchmarks: none of that is in the distribution, so they could not run
    # from it. The conformance suite ships inside the core (microtorch_core/testing) and runs
    # from an installed wheel. (The trace example's tests need only its dependencies: it may
    # ship them.)
    assert [n for n in built[name].sdist if n.startswith("tests/")] == []


def test_cuda_wheel_ships_its_kernel_and_emulator_sources(built):
    # The .cu/.cuh kernels are compiled at run time, and the emulator (device cudaemu, the
    # fake GPU) compiles runtime.h and fake_libcuda.cpp: every file of the package must be there.
    package = PROJECTS["microtorch-cuda"] / "microtorch_cuda"
    sources = {f"microtorch_cuda/{p.relative_to(package).as_posix()}" for p in package.rglob("*")
               if p.is_file() and "__pycache__" not in p.parts}
    assert sources - set(built["microtorch-cuda"].wheel) == set()


# -- metadata -------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", PROJECTS)
def test_every_distribution_declares_an_spdx_license_expression(built, name):
    metadata = built[name].metadata
    assert metadata["License-Expression"] == "MIT"
    assert metadata.get_all("License-File") == ["LICENSE"]
    assert metadata["License"] is None  # the free-text field PEP 639 deprecates


@pytest.mark.parametrize("name", BACKENDS)
def test_backends_require_a_core_of_the_same_minor_version(built, name):
    requirements = [Requirement(r) for r in built[name].metadata.get_all("Requires-Dist")]
    (core,) = [r for r in requirements if r.name == "microtorch-core"]
    # 0.x minor versions may change the backend spec: the next one must not be accepted.
    assert core.specifier.contains("0.1.0") and core.specifier.contains("0.1.7")
    assert not core.specifier.contains("0.2.0") and not core.specifier.contains("0.0.9")


@pytest.mark.parametrize("name", PROJECTS)
def test_every_distribution_has_classifiers_matching_its_python_versions(built, name):
    metadata = built[name].metadata
    classifiers = metadata.get_all("Classifier") or []
    assert any(c.startswith("Development Status ::") for c in classifiers)
    minors = [int(c.rsplit(".", 1)[1]) for c in classifiers
              if c.startswith("Programming Language :: Python :: 3.")]
    assert minors and min(minors) == 10
    assert metadata["Requires-Python"] == ">=3.10"


def test_core_classifiers_say_it_is_typed(built):
    assert "Typing :: Typed" in built["microtorch-core"].metadata.get_all("Classifier")
