"""A stand-in for ``nvcc`` that builds emulator libraries instead of cubins (see fakegpu.py).

PyCUDA's ``SourceModule`` runs ``nvcc --cubin [options] kernel.cu`` in a temporary folder and
hands the bytes of ``kernel.cubin`` to ``cuModuleLoadDataEx``. This script answers the same
command line: it compiles ``kernel.cu`` with g++ against ``runtime.h`` (the emulator's
``build_library``) and writes a small "cubin" naming that library, which the fake libcuda
loads. It also answers ``nvcc --version``, which PyCUDA asks for its compile cache's key.

Invoked through the ``nvcc`` shell wrapper that ``fakegpu.build`` writes.
"""

from __future__ import annotations

import sys
from pathlib import Path

from . import CACHE_DIR, build_library, find_cxx

CUBIN_MAGIC = b"MTFAKECUBIN "  # must match fake_libcuda.cpp


def main(argv: list[str]) -> int:
    if "--version" in argv:
        print("nvcc: MicroTorch fake nvcc (kernels run on the CPU emulator)")
        return 0
    sources = [a for a in argv if a.endswith(".cu")]
    if "--cubin" not in argv or len(sources) != 1:
        print(f"fake nvcc: only 'nvcc --version' and 'nvcc --cubin ... FILE.cu' are "
              f"emulated, got: {' '.join(argv)}", file=sys.stderr)
        return 2
    cxx = find_cxx()
    if cxx is None:
        print("fake nvcc: the emulator needs a C++20 compiler (g++ or clang++)", file=sys.stderr)
        return 2
    source = Path(sources[0])
    try:
        library = build_library(source.read_text(), CACHE_DIR, cxx)
    except RuntimeError as exc:
        print(f"fake nvcc: {exc}", file=sys.stderr)
        return 1
    source.with_suffix(".cubin").write_bytes(CUBIN_MAGIC + str(library).encode() + b"\0")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
