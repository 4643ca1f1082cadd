"""Every CUDA kernel source compiles with nvcc, for every dtype it is built for.

This runs in CI without a GPU: ``nvcc -cubin`` needs only the toolkit. It compiles exactly the
text PyCUDA's SourceModule gets at run time (``compiler.kernel_source``) for sm_75 (Turing,
the oldest architecture CUDA 13 still targets) and sm_90 (Hopper), treats warnings as errors,
checks that each primitive's entry points are in the cubin for each dtype it supports, and reads
ptxas's resource report (``-Xptxas -v``) to check that every kernel fits the blocks we launch it
with: a kernel that needs more registers or shared memory than a block may have compiles fine
and fails only at launch on a GPU (``CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES``), which neither the
emulator nor the fake GPU would notice. Skipped only when nvcc is absent.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from microtorch_cuda.compiler import FAMILIES, OPS, all_sources, entry_points
from microtorch_cuda.launch import THREADS
from microtorch_cuda.ops_matmul import MATMUL_BLOCK

ARCHS = ("sm_75", "sm_90")
#: The most threads any launch puts in one block (ops_*.py never go past these).
LARGEST_BLOCK = max(THREADS, MATMUL_BLOCK[0])
REGISTERS_PER_BLOCK = 65536  # sm_75 to sm_90
STATIC_SHARED_PER_BLOCK = 48 * 1024  # more needs dynamic shared memory and an opt-in


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
            [NVCC, "-cubin", f"-arch={arch}", "-Werror", "all-warnings", "-Xptxas", "-v", "-o",
             str(cubin), str(src)],
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
            for name in entry_points(op, dtype):
                # extern "C" names appear verbatim in the cubin's ELF symbol table.
                assert name.encode() + b"\0" in cubin, f"{name} missing for {dtype} ({arch})"


def test_ops_table_covers_every_primitive_and_only_spec_kernels():
    from microtorch_core.backend import OPTIONAL_KERNELS, PRIMITIVES

    assert set(PRIMITIVES) <= set(OPS)
    assert set(OPS) - set(PRIMITIVES) <= set(OPTIONAL_KERNELS)


def kernel_resources(messages: str) -> dict[str, dict[str, int]]:
    """ptxas's report, per kernel: registers, static shared memory bytes, spilled bytes."""
    found: dict[str, dict[str, int]] = {}
    name = None
    for line in messages.splitlines():
        entry = re.search(r"Compiling entry function '(\w+)'", line)
        if entry:
            name = entry.group(1)
            found[name] = {"registers": 0, "smem": 0, "spill": 0}
        elif name is not None:
            for key, pattern in (("registers", r"Used (\d+) registers"),
                                 ("smem", r"(\d+) bytes smem"),
                                 ("spill", r"(\d+) bytes spill stores")):
                value = re.search(pattern, line)
                if value:
                    found[name][key] += int(value.group(1))
    return found


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("family,dtype",
                         [(f, d) for f, dtypes in FAMILIES.items() for d in dtypes])
def test_every_kernel_fits_the_largest_block_we_launch(cubins, family, dtype, arch):
    code, messages, _ = cubins[(family, dtype, arch)]
    assert code == 0
    resources = kernel_resources(messages)
    assert resources, f"no ptxas resource report for {family}.cu / {dtype} / {arch}"
    for name, used in resources.items():
        assert used["registers"] * LARGEST_BLOCK <= REGISTERS_PER_BLOCK, (
            f"{name} ({dtype}, {arch}) uses {used['registers']} registers per thread: a block "
            f"of {LARGEST_BLOCK} threads would need {used['registers'] * LARGEST_BLOCK} of "
            f"{REGISTERS_PER_BLOCK}")
        assert used["smem"] <= STATIC_SHARED_PER_BLOCK, (
            f"{name} ({dtype}, {arch}) uses {used['smem']} bytes of static shared memory, over "
            f"{STATIC_SHARED_PER_BLOCK}")


@pytest.mark.parametrize("family,dtype",
                         [(f, d) for f, dtypes in FAMILIES.items() for d in dtypes])
def test_no_kernel_spills_registers_to_local_memory(cubins, family, dtype):
    # A spill turns register traffic into memory traffic; in matmul's inner loop it would
    # cost a large part of the speed the register blocking is there for.
    _, messages, _ = cubins[(family, dtype, "sm_90")]
    spilled = {name: used["spill"] for name, used in kernel_resources(messages).items()
               if used["spill"]}
    assert not spilled, f"{family}.cu / {dtype} spills (bytes per thread): {spilled}"
