"""The layout is the architecture: only the primitive layer and dispatch call kernels, and the
API is built from the ops' own declarations."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

import microtorch_core as mt
from microtorch_core.ops.declare import FUNCTIONS, INPLACE, METHODS

CORE = Path(mt.__file__).parent
# Where kernels may be called: dispatch (running one) and the primitive Functions. The
# conformance suite (testing/) calls kernels on purpose: it tests the backends themselves.
KERNEL_CALLERS = ("dispatch.py", "ops/primitive/", "testing/", "doctor.py")
# What a kernel table holds besides kernels (KernelTable's attributes).
NOT_KERNELS = {"allocator", "backend", "device_type", "is_complex", "other"}


def _kernel_uses(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, kernel) for every ``x._kernels.<kernel>`` and ``getattr(x._kernels, ...)``."""
    found = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute)
                and node.value.attr in ("_kernels", "kernels") and node.attr not in NOT_KERNELS):
            found.append((node.lineno, node.attr))
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id == "getattr" and isinstance(node.args[0], ast.Attribute)
                and node.args[0].attr in ("_kernels", "kernels")):
            found.append((node.lineno, "getattr(...)"))
    return found


def test_only_the_primitive_layer_and_dispatch_call_kernels():
    offenders = []
    for path in sorted(CORE.rglob("*.py")):
        rel = path.relative_to(CORE).as_posix()
        if rel.startswith(KERNEL_CALLERS):
            continue
        for line, kernel in _kernel_uses(ast.parse(path.read_text())):
            offenders.append(f"{rel}:{line} calls kernel {kernel}")
    assert not offenders, "\n".join(offenders)


def test_only_the_primitive_layer_runs_ops_through_dispatch():
    # composites build on the primitive Functions; dispatch's shared helpers (cast,
    # broadcast_view, same_device...) are for everyone
    runners = {"dispatch_binary", "dispatch_unary", "dispatch_where", "dispatch_binary_inplace"}
    offenders = []
    for path in sorted(CORE.rglob("*.py")):
        rel = path.relative_to(CORE).as_posix()
        if rel.startswith(KERNEL_CALLERS):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and \
                    node.module.endswith("dispatch"):
                offenders += [f"{rel}:{node.lineno} imports {a.name}" for a in node.names
                              if a.name in runners]
    assert not offenders, "\n".join(offenders)


def test_the_kernel_scan_sees_a_kernel_call():
    tree = ast.parse("x._kernels.add(out, a, b)\ngetattr(t._kernels, op)(out)\n"
                     "x._kernels.allocator.allocate(8)")
    assert _kernel_uses(tree) == [(1, "add"), (2, "getattr(...)")]


def test_every_declared_function_and_method_is_in_the_api():
    for name, fn in FUNCTIONS[""].items():
        assert getattr(mt, name) is fn, name
    for space in ("linalg", "special"):
        for name, fn in FUNCTIONS[space].items():
            assert getattr(getattr(mt, space), name) is fn, f"{space}.{name}"
    for name, fn in METHODS.items():
        assert getattr(mt.Tensor, name) is fn, f"Tensor.{name}"
    for name in INPLACE:
        assert callable(getattr(mt.Tensor, name + "_")), f"Tensor.{name}_"


def test_every_declared_op_has_a_docstring():
    undocumented = sorted({name for table in (*FUNCTIONS.values(), METHODS)
                           for name, fn in table.items() if not inspect.getdoc(fn)})
    assert not undocumented


def test_exports_are_pytorch_names():
    torch = pytest.importorskip("torch")
    not_in_torch = [n for n in FUNCTIONS[""] if not hasattr(torch, n)]
    not_in_torch += [f"linalg.{n}" for n in FUNCTIONS["linalg"] if not hasattr(torch.linalg, n)]
    not_in_torch += [f"special.{n}" for n in FUNCTIONS["special"]
                     if not hasattr(torch.special, n)]
    not_in_torch += [f"Tensor.{n}" for n in METHODS if not hasattr(torch.Tensor, n)]
    assert not not_in_torch


def test_internal_helpers_are_not_public():
    for name in ("prod_dims", "maximum_", "dispatch_binary", "sort_composite"):
        assert not hasattr(mt, name) and not hasattr(mt.Tensor, name), name


# What a plugin may import from the core: the spec, the hook marker, the registry (to find
# another backend, as the trace example does) and the graph recorder interface.
PLUGIN_API = {"microtorch_core.backend", "microtorch_core.hookspecs", "microtorch_core.registry",
              "microtorch_core.graphs", "microtorch_core.graphs.recorder",
              "microtorch_core.graphs.capture"}
PLUGINS = [CORE.parent / "backends" / "microtorch_cpu" / "microtorch_cpu",
           CORE.parent / "backends" / "microtorch_cuda" / "microtorch_cuda",
           CORE.parent / "examples" / "microtorch_trace" / "microtorch_trace"]


def test_plugins_import_only_the_spec_from_the_core():
    offenders = []
    for package in PLUGINS:
        for path in sorted(package.rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text())):
                names = [node.module] if isinstance(node, ast.ImportFrom) and node.module \
                    else [a.name for a in node.names] if isinstance(node, ast.Import) else []
                offenders += [f"{path.relative_to(CORE.parent)}:{node.lineno} imports {name}"
                              for name in names if name.startswith("microtorch_core")
                              and name not in PLUGIN_API and name != "microtorch_core"]
    assert not offenders, "\n".join(offenders)
