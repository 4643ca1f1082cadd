"""Conformance: every op MicroTorch has, on PyTorch's own samples (``op_db``).

For each OpInfo in scope with a MicroTorch equivalent (``opdb.py`` says which and why), one
test runs its samples (values, dtype, shape; float64 gradients) and one its error inputs,
against PyTorch. On the CPU each runs the first ``opdb.TEST_LIMIT`` samples per dtype; on any
other backend (the CUDA emulator and fake GPU take up to seconds per sample) only the smallest
of those, of one dtype (``opdb.run_samples``).

Known failures are listed, per sample, in ``opdb.KNOWN_FAILURES`` (``op@device`` entries
where a backend differs from the CPU): a test whose failures are exactly its listed ones is
reported as an expected failure; a new failure fails it, and so does a listed failure that now
passes (then shrink the table; ``python -m microtorch_core.testing.opdb --known-failures --op
NAME`` prints an op's entry as measured).
"""

from __future__ import annotations

import re

import pytest

pytest.importorskip("torch")
pytest.importorskip("expecttest", reason="torch's op_db module imports expecttest "
                                         "(pip install expecttest)")

from microtorch_core.testing import opdb  # noqa: E402 - needs torch, checked above
from pytest_microtorch import _NOT_IMPLEMENTED, _unsupported_ops  # noqa: E402

_TESTED = [e for e in opdb.catalog() if not e.out_of_scope and e.resolved is not None]


#: The refusal of a kernel the backend does not list in ``complex_ops`` (``dispatch.py``).
_NO_COMPLEX_KERNEL = re.compile(r"'(\w+)' is not implemented for complex\d+ tensors on "
                                r"backend '(\w+)'")


def _refused_kernel(problem: str, device: str) -> tuple[str, str] | None:
    """``("unsupported" | "complex", op)`` when ``problem`` is ``device`` refusing a kernel,
    else None."""
    for kind, pattern in (("unsupported", _NOT_IMPLEMENTED), ("complex", _NO_COMPLEX_KERNEL)):
        match = pattern.search(problem)
        if match and match.group(2) == device:
            return kind, match.group(1)
    return None


def _check(device: str, key: str, cases: list[opdb.Case]) -> None:
    problems = opdb.unexpected_outcomes(key, cases, device)
    if problems:
        unsupported = _unsupported_ops(device)
        refusals = [_refused_kernel(p, device) for p in problems]
        lacking = {r[1] for r in refusals if r and r[0] == "unsupported"}
        no_complex = {r[1] for r in refusals if r and r[0] == "complex"}
        explained = all(r and (r[0] == "complex" or r[1] in unsupported) for r in refusals)
        if explained and no_complex:  # the samples need complex kernels it does not list
            pytest.skip(f"backend {device!r} lists no complex kernel for "
                        f"{', '.join(sorted(no_complex))} (complex_ops)")
        declared = lacking & unsupported
        if declared and len(declared) == len(lacking):  # as the plugin treats a partial backend
            pytest.xfail(f"backend {device!r} declares {', '.join(sorted(declared))} "
                         "unsupported")
        pytest.fail(f"{key} on {device}: {len(problems)} samples differ from "
                    "opdb.KNOWN_FAILURES:\n  " + "\n  ".join(problems), pytrace=False)
    if any(case.failure for case in cases):
        known = opdb.KNOWN_FAILURES.get(f"{key}@{device}") or opdb.KNOWN_FAILURES[key]
        pytest.xfail(f"known failures of {key}: {known.reason}")


@pytest.mark.parametrize("key", [e.key for e in _TESTED])
def test_op_matches_pytorch_on_its_samples(device, key):
    cases = opdb.run_samples(opdb.entry(key), device, limit=opdb.TEST_LIMIT)
    if all(case.skipped for case in cases):
        pytest.skip(f"every sample of {key} needs what MicroTorch lacks: "
                    f"{sorted({case.skipped for case in cases})}")
    _check(device, key, cases)


@pytest.mark.parametrize("key", [e.key for e in _TESTED if e.op.error_inputs_func is not None])
def test_op_raises_on_its_error_inputs(device, key):
    _check(device, key, opdb.run_error_inputs(opdb.entry(key), device))
