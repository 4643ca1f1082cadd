"""Every CUDA kernel source compiles with nvcc, for every dtype it is built for.

This runs in CI without a GPU: ``nvcc -cubin`` needs only the toolkit. It compiles exactly the
text PyCUDA's SourceModule gets at run time (``compiler.kernel_source``) for sm_75 (Turing,
the oldest architecture CUDA 13 still targets) and sm_90 (Hopper), treats warnings as errors,
and checks that each primitive's entry points are in the cubin for each dtype it supports.
Skipped only when nvcc is absent.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from microtorch_cuda.compiler import FAMILIES, OPS, all_sources, entry_points

ARCHS = ("sm_75", "sm_90")


def find_nvcc() -> str | None:
    found = shutil.which("nvcc")
    if found:
        return found
    fallback = "/usr/local/cuda/bin/nvcc"
    return fallback if os.path.isfile(fallback) else None


NVCC = find_nvcc()
pytestmark = pytest.mark.skipif(NVCC is None, reason="nvcc not found (PATH, /usr/local/cuda/bin)")


@pytest.fixture(scope="module")
def cubins() -> dict[tuple[str, str, str], tuple[int, str, bytes]]:
    """(family, dtype, arch) -> (nvcc exit code, its messages, cubin bytes), built in parallel."""
    tmp = Path(tempfile.mkdtemp(prefix="microtorch-nvcc-"))

    def build(job: tuple[str, str, str, str]) -> tuple[tuple[str, str, str], tuple]:
        family, dtype, _source, arch = job
        src = tmp / f"{family}_{dtype}.cu"  # written once below: two archs read the same file
        cubin = tmp / f"{family}_{dtype}_{arch}.cubin"
        result = subprocess.run(
            [NVCC, "-cubin", f"-arch={arch}", "-Werror", "all-warnings", "-o", str(cubin),
             str(src)],
            capture_output=True, text=True,
        )
        data = cubin.read_bytes() if result.returncode == 0 else b""
        return (family, dtype, arch), (result.returncode, result.stdout + result.stderr, data)

    jobs = [(f, d, s, arch) for f, d, s in all_sources() for arch in ARCHS]
    # Write each source once before the parallel builds read it.
    for f, d, s in all_sources():
        (tmp / f"{f}_{d}.cu").write_text(s)
    with ThreadPoolExecutor(os.cpu_count() or 4) as pool:
        results = dict(pool.map(build, jobs))
    shutil.rmtree(tmp, ignore_errors=True)
    return results


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("family,dtype",
                         [(f, d) for f, dtypes in FAMILIES.items() for d in dtypes])
def test_kernel_source_compiles(cubins, family, dtype, arch):
    code, messages, _ = cubins[(family, dtype, arch)]
    assert code == 0, f"nvcc failed for {family}.cu / {dtype} / {arch}:\n{messages}"


@pytest.mark.parametrize("op", sorted(OPS))
def test_every_op_has_its_kernels_for_every_supported_dtype(cubins, op):
    family, dtypes = OPS[op]
    for dtype in dtypes:
        for arch in ARCHS:
            code, _, cubin = cubins[(family, dtype, arch)]
            assert code == 0
            for name in entry_points(op):
                # extern "C" names appear verbatim in the cubin's ELF symbol table.
                assert name.encode() + b"\0" in cubin, f"{name} missing for {dtype} ({arch})"


def test_ops_table_covers_every_primitive_and_only_spec_kernels():
    from microtorch_core.backend import OPTIONAL_KERNELS, PRIMITIVES

    assert set(PRIMITIVES) <= set(OPS)
    assert set(OPS) - set(PRIMITIVES) <= set(OPTIONAL_KERNELS)
