"""The decompositions (svd, qr, eigh) on the CPU: MicroTorch's LAPACK kernels and its
composites (Jacobi rotations, Householder reflections: what a backend without the kernels
runs) against NumPy and PyTorch, in one run, reported as ratios.

    python benchmarks/bench_linalg.py [--threads 1] [--repeat 5]

Each case runs interleaved (MicroTorch kernel, MicroTorch composite, NumPy, PyTorch, ...) and
keeps the best of ``--repeat`` rounds. Thread counts are pinned to the same number for
NumPy's BLAS and PyTorch before either is imported. Inputs are float64; the eigh input is
symmetric. PyTorch is optional: its column says "n/a" when it is not installed.
"""

from __future__ import annotations

from collections.abc import Callable

from timing import interleaved, report, start


def main() -> None:
    args, np, mt, torch = start(__doc__, repeat=5)
    print("float64; 'composite' is the core's fallback for backends without the kernels")
    rng = np.random.default_rng(0)
    for shape in ((64, 64), (16, 32, 32)):
        label = "x".join(map(str, shape))
        for name, cases in _cases(rng.standard_normal(shape), np, mt, torch).items():
            report(f"{name} {label}", interleaved(cases, repeat=args.repeat),
                   ours=("kernel", "composite"), width=22)


def _cases(a, np, mt, torch) -> dict[str, dict[str, Callable[[], object] | None]]:
    """The calls to time for matrices ``a`` (and, for eigh, ``a + a^T``)."""
    from microtorch_core.ops.linalg.jacobi import eigh_jacobi, svd_jacobi
    from microtorch_core.ops.linalg.qr import qr_householder

    s = a + np.swapaxes(a, -1, -2)
    x, sym = mt.tensor(a), mt.tensor(s)
    ta, ts = (torch.tensor(a), torch.tensor(s)) if torch else (None, None)
    return {
        "svd": {
            "kernel": lambda: mt.linalg.svd(x, full_matrices=False),
            "composite": lambda: svd_jacobi(x, False, True),
            "numpy": lambda: np.linalg.svd(a, full_matrices=False),
            "torch": (lambda: torch.linalg.svd(ta, full_matrices=False)) if torch else None,
        },
        "qr": {
            "kernel": lambda: mt.linalg.qr(x),
            "composite": lambda: qr_householder(x, "reduced"),
            "numpy": lambda: np.linalg.qr(a),
            "torch": (lambda: torch.linalg.qr(ta)) if torch else None,
        },
        "eigh": {
            "kernel": lambda: mt.linalg.eigh(sym),
            "composite": lambda: eigh_jacobi(sym, False, True),
            "numpy": lambda: np.linalg.eigh(s),
            "torch": (lambda: torch.linalg.eigh(ts)) if torch else None,
        },
    }


if __name__ == "__main__":
    main()
