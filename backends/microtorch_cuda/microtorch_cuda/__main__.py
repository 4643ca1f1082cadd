"""``python -m microtorch_cuda``: can the CUDA backend run here, and on which GPU?

``python -m microtorch_cuda compile`` also compiles every kernel family for every dtype into
PyCUDA's disk cache, in parallel, so that later programs skip the first-use compilation.
"""

from __future__ import annotations

import sys
import time


def main(argv: list[str]) -> int:
    if argv not in ([], ["compile"]):
        print("usage: python -m microtorch_cuda [compile]", file=sys.stderr)
        return 2
    from microtorch_core.registry import registry

    from .backend import CUDABackend

    availability = CUDABackend.availability()
    if not availability.ok:
        print(f"cuda: unavailable: {availability.reason}")
        return 1
    backend = registry.get_backend("cuda")
    major, minor = backend.driver.compute_capability
    print(f"cuda: available: {backend.device_name()} (sm_{major}{minor}, "
          f"{backend.driver.multiprocessor_count} multiprocessors)")
    if argv == ["compile"]:
        start = time.perf_counter()
        backend.precompile()
        print(f"compiled and loaded every kernel module in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
