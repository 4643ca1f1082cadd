"""The kernels of a training step where the NumPy formulation matters: MicroTorch against
PyTorch on the CPU, in one run, reported as ratios.

    python benchmarks/bench_kernels.py [--threads 1] [--repeat 7]

Each case is one op's forward and backward (unless it says forward) on the shapes of the
digits CNN (a batch of 32, 16 channels of 8x8), a Transformer layer (64 x 16 tokens of 64
features) and a character model's embedding. The code of each case is written once and run
with ``lib`` = MicroTorch or PyTorch (the same API). Each case runs interleaved and keeps the
best of ``--repeat`` rounds. PyTorch is optional: its column says "n/a" when it is missing.
"""

from __future__ import annotations

from collections.abc import Callable

from timing import interleaved, report, start


def cases(lib, np) -> dict[str, Callable[[], object]]:
    """The calls to time, built for ``lib`` (microtorch_core or torch) from the same data."""
    nn, F = lib.nn, lib.nn.functional
    rng = np.random.default_rng(0)

    def leaf(*shape: int):
        return lib.tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=True)

    def fwd_bwd(fn: Callable[[], object]) -> Callable[[], object]:
        def run():
            out = fn()
            out.backward(grad)
        probe = fn()
        grad = lib.ones(tuple(probe.shape))
        return run

    lib.manual_seed(0)
    tokens = leaf(64, 16, 64)
    linear = nn.Linear(64, 256)
    with lib.no_grad():
        linear.weight.copy_(lib.tensor(rng.standard_normal((256, 64)).astype(np.float32)))
    hidden = leaf(64, 16, 256)
    scores = leaf(64, 4, 16, 16)
    images = leaf(32, 16, 8, 8)
    bn = nn.BatchNorm2d(16)
    norm = nn.LayerNorm(64)
    conv = nn.Conv2d(16, 32, 3, padding=1)
    table = leaf(1000, 64)
    ids = lib.tensor(rng.integers(0, 1000, (32, 64)))
    mask_input = lib.ones(4096)
    return {
        "Linear (64,16,64)->256, forward": lambda: linear(tokens),
        "ReLU 64x16x256": fwd_bwd(lambda: hidden.relu()),
        "softmax 64x4x16x16": fwd_bwd(lambda: scores.softmax(-1)),
        "Conv2d 16->32 3x3 pad 1, 32x16x8x8": fwd_bwd(lambda: conv(images)),
        "BatchNorm2d 32x16x8x8 (train)": fwd_bwd(lambda: bn(images)),
        "LayerNorm 64x16x64": fwd_bwd(lambda: norm(tokens)),
        "max_pool2d 2x2 32x16x8x8": fwd_bwd(lambda: F.max_pool2d(images, 2)),
        "embedding 1000x64 by 32x64, forward": lambda: F.embedding(ids, table.detach()),
        "embedding 1000x64 by 32x64": fwd_bwd(lambda: F.embedding(ids, table)),
        "dropout of 4096, forward": lambda: F.dropout(mask_input, 0.1),
    }


def main() -> None:
    args, np, mt, torch = start(__doc__, repeat=7)
    print("float32, forward and backward unless the case says forward")
    ours = cases(mt, np)
    theirs = cases(torch, np) if torch else {}
    for name, fn in ours.items():
        report(name, interleaved({"microtorch": fn, "torch": theirs.get(name)},
                                 repeat=args.repeat), peers=("torch",), width=38)


if __name__ == "__main__":
    main()
