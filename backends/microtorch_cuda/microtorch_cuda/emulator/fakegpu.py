"""A fake GPU for the real PyCUDA path: a ``libcuda.so.1`` and an ``nvcc`` that run the kernels on
the CPU emulator.

``EmulatedDriver`` replaces :class:`~microtorch_cuda.driver.PyCudaDriver` and so never runs
PyCUDA. The fake GPU keeps PyCudaDriver and PyCUDA and replaces what lies *below* them:

* ``fake_libcuda.cpp`` becomes ``libcuda.so.1``, found first through ``LD_LIBRARY_PATH``; it
  implements the driver functions PyCUDA calls for us (context, memory, modules, launches);
* ``fake_nvcc.py`` answers PyCUDA's ``nvcc --cubin`` with a library built by the emulator;
  the backend uses it because ``MICROTORCH_NVCC`` names it.

So ``device("cuda")`` runs exactly as on a GPU down to ``cuLaunchKernel``: the availability
probe, the primary context, PyCUDA's ``SourceModule`` and argument packing, our format
strings, out-of-memory handling. It needs PyCUDA installed (``.ci/run`` builds it from source
against a stub driver) and g++. Run a command on it with::

    python -m microtorch_cuda.emulator.fakegpu -- python -m pytest --backend cuda ...
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).parent


def pycuda_driver_symbols() -> list[str]:
    """The driver functions PyCUDA's compiled module links against (``cu*`` names)."""
    spec = importlib.util.find_spec("pycuda")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the fake GPU needs PyCUDA installed (pip install pycuda)")
    modules = sorted(Path(spec.submodule_search_locations[0]).glob("_driver*.so"))
    nm = shutil.which("nm")
    if not modules or nm is None:
        raise RuntimeError(f"cannot list PyCUDA's driver symbols (module: {modules}, nm: {nm})")
    listing = subprocess.run([nm, "-D", "--undefined-only", str(modules[0])],
                             capture_output=True, text=True, check=True).stdout
    return sorted({line.split()[-1] for line in listing.splitlines()
                   if line.split() and line.split()[-1].startswith("cu")})


def build(directory: Path) -> dict[str, str]:
    """Build the fake ``libcuda.so.1`` and ``nvcc`` in ``directory``; return the environment
    variables that make a new process use them."""
    cxx = shutil.which(os.environ.get("CXX", "g++"))
    if cxx is None:
        raise RuntimeError("the fake GPU needs g++ (or $CXX)")
    directory.mkdir(parents=True, exist_ok=True)
    # Every driver function PyCUDA links but we do not fake gets a weak stub that says so.
    stubs = directory / "stubs.cpp"
    stubs.write_text('#include <cstdio>\n' + "".join(
        f'extern "C" __attribute__((weak)) int {name}() {{ std::fprintf(stderr, "fake libcuda: '
        f'{name} is not emulated\\n"); return 801; }}\n'
        for name in pycuda_driver_symbols()))
    library = directory / "libcuda.so.1"
    subprocess.run([cxx, "-std=c++17", "-O1", "-shared", "-fPIC", "-Wl,-soname,libcuda.so.1",
                    str(HERE / "fake_libcuda.cpp"), str(stubs), "-ldl",
                    "-o", str(library)], check=True)
    nvcc = directory / "nvcc"
    nvcc.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m microtorch_cuda.emulator.fake_nvcc '
                    f'"$@"\n')
    nvcc.chmod(0o755)
    path = os.environ.get("LD_LIBRARY_PATH")
    return {"LD_LIBRARY_PATH": f"{directory}{os.pathsep + path if path else ''}",
            "MICROTORCH_NVCC": str(nvcc)}


def main(argv: list[str]) -> int:
    if "--" not in argv or argv.index("--") == len(argv) - 1:
        print("usage: python -m microtorch_cuda.emulator.fakegpu -- COMMAND [ARGS...]",
              file=sys.stderr)
        return 2
    command = argv[argv.index("--") + 1:]
    with tempfile.TemporaryDirectory(prefix="microtorch-fake-gpu-") as directory:
        env = {**os.environ, **build(Path(directory))}
        return subprocess.run(command, env=env).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
