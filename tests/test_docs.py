"""The documentation runs.

* Every ```python block of the READMEs and of ``docs/*.md`` runs, each file's blocks in order
  in one namespace, in a temporary folder, with warnings as errors. A block that is not meant
  to run says so on the line above its fence, with a reason: ``<!-- docs-test: skip: REASON
  -->``; one that needs something this machine may lack names it: ``<!-- docs-test: requires
  cuda -->`` (or a module name), and the file's test skips there, saying which.
* The backend tutorial, ``docs/writing-a-backend.md``, is built into its package: each of its
  code blocks starts with a comment naming its file (``# microtorch_mydev/backend.py,
  continued``). The package goes on ``PYTHONPATH`` with a ``.dist-info`` folder carrying the
  entry point of its ``pyproject.toml``, which is how pip installs it, so MicroTorch finds it
  exactly as the tutorial says; then the tutorial's commands run: the doctor, the session of
  section 5, the conformance suite before and after section 7, and the test of section 8.
* Every repository path the documentation names exists.
"""

from __future__ import annotations

import ast
import fnmatch
import importlib.util
import os
import re
import subprocess
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest

import microtorch_core as mt

ROOT = Path(__file__).resolve().parents[1]
TUTORIAL = ROOT / "docs" / "writing-a-backend.md"
DOCS = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md"),
               *(ROOT / "backends").glob("*/README.md"), *(ROOT / "examples").glob("*/README.md")])
RUNNABLE_DOCS = [doc for doc in DOCS if doc != TUTORIAL]

FENCE = re.compile(r"^```(\w*)[ \t]*\n(.*?)^```[ \t]*$", re.M | re.S)
MARKER = re.compile(r"^<!--\s*docs-test:\s*(.*?)\s*-->$")


@dataclass
class Block:
    path: Path
    line: int  # the line of the opening fence, 1-based
    lang: str
    code: str
    marker: str | None  # what a docs-test comment on the line above the fence says

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def code_blocks(path: Path) -> list[Block]:
    text = path.read_text()
    found = []
    for match in FENCE.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        above = text[:match.start()].rstrip("\n").rsplit("\n", 1)[-1].strip()
        marker = MARKER.match(above)
        found.append(Block(path, line, match.group(1), match.group(2),
                           marker.group(1) if marker else None))
    return found


def unmet_requirement(marker: str) -> str | None:
    """Why a ``requires NAME`` block cannot run here, or None when it can."""
    name = marker.removeprefix("requires").strip()
    if name == "cuda":
        return None if mt.cuda.is_available() else "no usable CUDA device here"
    return None if importlib.util.find_spec(name) else f"{name} is not installed"


def run_block(block: Block, namespace: dict) -> None:
    # Padded with newlines so that a traceback names the line in the markdown file.
    code = compile("\n" * block.line + block.code, str(block.path), "exec")
    exec(code, namespace)


def page_id(path: Path) -> str:
    return str(path.relative_to(ROOT))


# -- the code blocks -------------------------------------------------------------------------------
@pytest.mark.parametrize("doc", RUNNABLE_DOCS, ids=page_id)
def test_python_blocks_run(doc, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # blocks that save a checkpoint or a graph write here
    namespace: dict = {"__name__": "__docs__"}
    for block in code_blocks(doc):
        if block.lang != "python" or (block.marker or "").startswith("skip"):
            continue
        if block.marker and block.marker.startswith("requires"):
            reason = unmet_requirement(block.marker)
            if reason is not None:
                pytest.skip(f"{block.where} and the blocks after it: {reason}")
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            run_block(block, namespace)


@pytest.mark.parametrize("doc", DOCS, ids=page_id)
def test_markers_are_well_formed_and_skips_give_a_reason(doc):
    lines = doc.read_text().splitlines()
    for i, line in enumerate(lines):
        marker = MARKER.match(line.strip())
        if marker is None:
            continue
        what = marker.group(1)
        assert i + 1 < len(lines) and lines[i + 1].startswith("```"), \
            f"{doc.name}:{i + 1}: a docs-test marker must stand right above a code fence"
        assert re.fullmatch(r"skip: \S.{10,}|requires [\w.]+", what), \
            f"{doc.name}:{i + 1}: expected 'skip: REASON' or 'requires NAME', got {what!r}"


# -- the backend tutorial -------------------------------------------------------------------------
DIRECTIVE = re.compile(r"#\s*(?P<path>[\w/.-]+\.(?:py|toml))"
                       r"(?:,\s*(?P<where>continued|at the top|in class \w+))?\s*$")


class Tutorial:
    """The package the tutorial builds: stage 1 is sections 1 to 6 (some kernels, the rest in
    ``unsupported_ops``), stage 2 adds section 7 and the reference's optional kernel."""

    def __init__(self) -> None:
        text = TUTORIAL.read_text()
        finish = re.search(r"^## \d+\. Finish the primitives$", text, re.M)
        assert finish, "the tutorial has no section 'Finish the primitives'"
        self.finish_line = text.count("\n", 0, finish.start()) + 1
        self.blocks = code_blocks(TUTORIAL)
        self.sessions = [b for b in self.blocks if b.code.startswith(">>>")]

    def files(self, stage: int) -> dict[str, str]:
        """Path -> source of every file, with each block applied where its comment says."""
        files: dict[str, str] = {}
        for block in self.blocks:
            if block.lang not in ("python", "toml") or block.code.startswith(">>>"):
                continue
            if stage == 1 and block.line > self.finish_line:
                continue
            first, _, body = block.code.partition("\n")
            directive = DIRECTIVE.fullmatch(first.strip())
            assert directive, (f"{block.where}: a tutorial block must start with a comment "
                               f"naming its file, e.g. '# microtorch_mydev/backend.py', got "
                               f"{first!r}")
            path, where = directive["path"], directive["where"]
            if where is None:
                assert path not in files, f"{block.where}: {path} was already started"
                files[path] = block.code
            elif where == "continued":
                files[path] += "\n\n" + body
            elif where == "at the top":
                files[path] = insert_after_imports(files[path], body)
            else:
                files[path] = append_to_class(files[path], where.split()[-1], body)
        if stage == 2:  # "Delete unsupported_ops from MyBackend"
            files["microtorch_mydev/backend.py"] = delete_assignment(
                files["microtorch_mydev/backend.py"], "MyBackend", "unsupported_ops")
        return files

    def build(self, folder: Path, stage: int) -> dict[str, str]:
        """Write the package into ``folder`` as pip would install it; return the environment
        variables under which Python finds it."""
        import tomllib

        files = self.files(stage)
        for path, source in files.items():
            (folder / path).parent.mkdir(parents=True, exist_ok=True)
            (folder / path).write_text(source)
        (folder / "microtorch_mydev" / "__init__.py").touch()  # "(empty)"
        project = tomllib.loads(files["pyproject.toml"])["project"]
        info = folder / f"{project['name'].replace('-', '_')}-{project['version']}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {project['name']}\n"
                                       f"Version: {project['version']}\n")
        (info / "entry_points.txt").write_text("".join(
            f"[{group}]\n" + "".join(f"{k} = {v}\n" for k, v in points.items())
            for group, points in project["entry-points"].items()))
        return {**os.environ, "PYTHONPATH": os.pathsep.join(
            [str(folder), *filter(None, [os.environ.get("PYTHONPATH")])])}


def insert_after_imports(source: str, lines: str) -> str:
    tree = ast.parse(source)
    last = max(n.end_lineno for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom)))
    rows = source.split("\n")
    return "\n".join(rows[:last] + lines.rstrip("\n").split("\n") + rows[last:])


def append_to_class(source: str, name: str, methods: str) -> str:
    (cls,) = [n for n in ast.parse(source).body if isinstance(n, ast.ClassDef) and n.name == name]
    assert methods.startswith("    "), f"methods for class {name} must be indented"
    rows = source.split("\n")
    return "\n".join(rows[:cls.end_lineno] + [""] + methods.rstrip("\n").split("\n")
                     + rows[cls.end_lineno:])


def delete_assignment(source: str, cls_name: str, attribute: str) -> str:
    (cls,) = [n for n in ast.parse(source).body
              if isinstance(n, ast.ClassDef) and n.name == cls_name]
    (node,) = [n for n in cls.body if isinstance(n, ast.Assign)
               and [t.id for t in n.targets if isinstance(t, ast.Name)] == [attribute]]
    rows = source.split("\n")
    return "\n".join(rows[:node.lineno - 1] + rows[node.end_lineno:])


@dataclass
class Run:
    returncode: int
    output: str
    counts: dict[str, int]


SUMMARY = re.compile(r"(\d+) (passed|failed|skipped|xfailed|xpassed|errors?)\b")


def pytest_run(env: dict[str, str], cwd: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                             "-rfEXxs", *args], env={**env, "COLUMNS": "400"}, cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def finish(process: subprocess.Popen) -> Run:
    output, _ = process.communicate(timeout=600)
    counts = {kind.rstrip("s") if kind.startswith("error") else kind: int(n)
              for n, kind in SUMMARY.findall(output.strip().splitlines()[-1])}
    return Run(process.returncode, output, counts)


@dataclass
class Stage:
    folder: Path  # the installed package
    env: dict[str, str]  # under which Python finds it
    suite: Run  # `pytest --pyargs microtorch_core.testing --backend mydev` there


@pytest.fixture(scope="module")
def stages(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Stage]:
    """Both stages built, and the conformance suite run on each as sections 6 and 7 run it
    (at the same time: they are separate processes)."""
    pytest.importorskip("tomllib", reason="reading pyproject.toml needs Python 3.11")
    guide, built = Tutorial(), {}
    for stage in (1, 2):
        folder = tmp_path_factory.mktemp(f"stage{stage}")
        built[stage] = folder, guide.build(folder, stage)
    suite = ("--pyargs", "microtorch_core.testing", "--backend", "mydev")
    running = {stage: pytest_run(env, folder, *suite) for stage, (folder, env) in built.items()}
    return {stage: Stage(*built[stage], finish(p)) for stage, p in running.items()}


def test_tutorial_blocks_all_belong_to_the_package():
    # Every code block of the page is used: it names its file (files() refuses one that does
    # not), or it is the section 5 session.
    guide = Tutorial()
    assert set(guide.files(2)) == {"pyproject.toml", "microtorch_mydev/plugin.py",
                                   "microtorch_mydev/backend.py", "tests/test_my_layer.py"}
    assert len(guide.sessions) == 1
    assert {b.lang for b in guide.blocks} <= {"", "python", "pycon", "toml"}


def reference_table(text: str, heading: str) -> set[str]:
    """The names in the first column of the first table after ``heading``."""
    rows = text.split(heading, 1)[1].split("\n\n| ", 1)[1].split("\n\n", 1)[0]
    return {name for row in rows.splitlines()[2:]
            for name in re.findall(r"`(\w+)`", row.split(" | ")[0])}


def test_tutorial_reference_lists_every_primitive_and_optional_kernel_of_the_spec():
    from microtorch_core import backend

    text = TUTORIAL.read_text()
    assert reference_table(text, "## Reference: the primitives") == set(backend.PRIMITIVES)
    assert reference_table(text, "Optional kernels (`OPTIONAL_KERNELS`)") == \
        set(backend.OPTIONAL_KERNELS)
    assert f"has {len(backend.PRIMITIVES)} primitives" in text


def test_readme_counts_the_primitives_of_the_spec():
    from microtorch_core import backend

    readme = (ROOT / "README.md").read_text()
    assert f"implements {len(backend.PRIMITIVES)} primitive kernels" in readme


def test_tutorial_starts_by_installing_the_core_the_cpu_backend_and_pytest():
    before_section_1 = TUTORIAL.read_text().split("\n## 1.", 1)[0]
    install = [line for line in before_section_1.splitlines() if "pip install" in line]
    assert install, "the tutorial does not say what to install first"
    assert all(name in install[0] for name in ("microtorch-core", "microtorch-cpu", "pytest"))


def test_tutorial_backend_is_found_by_the_doctor(stages):
    result = subprocess.run([sys.executable, "-m", "microtorch_core"], env=stages[1].env,
                            cwd=stages[1].folder, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    listed = [line for line in result.stdout.splitlines()
              if line.split()[:2] == ["mydev", "available"]]
    assert len(listed) == 1 and "microtorch-mydev" in listed[0], result.stdout
    assert re.search(r"^\s+mydev\s+PASS", result.stdout, re.M), result.stdout


def test_tutorial_session_prints_what_the_page_shows(stages):
    (session,) = Tutorial().sessions
    (stages[1].folder / "session.txt").write_text(session.code)
    result = subprocess.run([sys.executable, "-m", "doctest", "-o", "NORMALIZE_WHITESPACE",
                             "-o", "ELLIPSIS", "session.txt"], env=stages[1].env,
                            cwd=stages[1].folder,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def test_tutorial_first_backend_fails_no_conformance_test(stages):
    run = stages[1].suite
    assert run.returncode == 0 and "failed" not in run.counts and "error" not in run.counts, \
        run.output[-6000:]
    assert run.counts["passed"] > 0 and run.counts["xfailed"] > 0  # as section 6 says


def known_op_db_failures(run: Run) -> int:
    """Expected failures that are PyTorch op_db samples MicroTorch itself is known to fail
    (``opdb.KNOWN_FAILURES``): the same on every backend, so no backend's doing."""
    return len(re.findall(r"^XFAIL .* - known failures of ", run.output, re.M))


def test_tutorial_finished_backend_passes_every_test_that_was_xfailed(stages):
    first, finished = stages[1].suite, stages[2].suite
    assert finished.returncode == 0, finished.output[-6000:]
    assert set(finished.counts) <= {"passed", "skipped", "xfailed"}, finished.counts
    known = known_op_db_failures(finished)
    assert finished.counts.get("xfailed", 0) == known == known_op_db_failures(first)
    # op_db samples that need complex kernels the tutorial's backend does not list: skipped,
    # and a test that also needed a kernel declared unsupported was xfailed in section 6
    newly_skipped = needs_complex(finished) - needs_complex(first)
    assert finished.counts["passed"] == \
        first.counts["passed"] + first.counts["xfailed"] - known - newly_skipped
    assert finished.counts.get("skipped") == first.counts.get("skipped", 0) + newly_skipped


def needs_complex(run: Run) -> int:
    """Tests skipped because their samples need complex kernels (``complex_ops``): pytest
    groups equal reasons as ``SKIPPED [n] file:line: reason``."""
    return sum(int(n) for n in re.findall(r"^SKIPPED \[(\d+)\] .* lists no complex kernel ",
                                          run.output, re.M))


def test_tutorial_test_of_your_own_code_passes_on_the_backend(stages):
    run = finish(pytest_run(stages[2].env, stages[2].folder, "tests/test_my_layer.py",
                            "--backend", "mydev"))
    assert run.returncode == 0 and run.counts == {"passed": 1}, run.output[-6000:]


# -- paths ----------------------------------------------------------------------------------------
# A path with folders may be relative to the repository or to a package the page is about.
BASES = [ROOT, ROOT / "microtorch_core", ROOT / "microtorch_core" / "ops",
         ROOT / "backends" / "microtorch_cuda",
         ROOT / "backends" / "microtorch_cuda" / "microtorch_cuda",
         ROOT / "backends" / "microtorch_cpu", ROOT / "examples" / "microtorch_trace"]
# folders (dotted ones too: .ci), then a file or folder name, possibly a glob (test_*.py)
PATHLIKE = re.compile(r"(?:\.?[\w-]+/)+[\w.*-]*|[\w*-]+\.(?:py|md|cu|cuh|cpp|toml|sh)")
NOT_SOURCES = {".git", "__pycache__", "build", "dist", ".pytest_cache", ".ruff_cache"}


def named_paths(text: str) -> set[str]:
    """Paths in backticks outside code blocks (``ops/views.py``, ``.ci/run``, ``reduce.cu``)."""
    prose = FENCE.sub("", text)
    return {span for span in re.findall(r"`([^`\s]+)`", prose) if PATHLIKE.fullmatch(span)}


def repository_names() -> set[str]:
    """The name of every file and folder in the repository (where bare file names resolve)."""
    names = set()
    for _folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in NOT_SOURCES and not d.startswith(".venv")
                   and not d.endswith(".egg-info")]
        names.update(dirs, files)
    return names


def missing_paths(doc: Path, names: set[str]) -> list[str]:
    missing = []
    for path in sorted(named_paths(doc.read_text())):
        if "/" in path.rstrip("/"):
            found = any(list(base.glob(path.rstrip("/"))) for base in BASES)
        else:  # a bare name, in a table or sentence that says where (`nn/`: `linear.py`)
            found = any(fnmatch.fnmatch(name, path.rstrip("/")) for name in names)
        if not found:
            missing.append(path)
    return missing


@pytest.mark.parametrize("doc", RUNNABLE_DOCS, ids=page_id)
def test_every_path_a_page_names_exists(doc):
    assert missing_paths(doc, repository_names()) == []


def test_every_path_the_tutorial_names_exists_or_is_built_by_it():
    built = set(Tutorial().files(2)) | {"microtorch_mydev/__init__.py"}
    assert [p for p in missing_paths(TUTORIAL, repository_names()) if p not in built] == []


def test_cuda_kernel_comments_name_existing_python_files():
    kernels = ROOT / "backends" / "microtorch_cuda" / "microtorch_cuda" / "kernels"
    package = kernels.parent
    for source in sorted(kernels.glob("*.cu*")):
        for name in re.findall(r"\b(\w+\.py)\b", source.read_text()):
            assert (package / name).exists(), f"{source.name} names {name}, which is not there"
