"""Graph capture and replay (``microtorch_core.graphs``) against eager MicroTorch and PyTorch.

    python benchmarks/bench_graphs.py [--repeat 7] [--quick]

One training step, three ways, interleaved in one run with one thread (MicroTorch eager,
MicroTorch replayed, PyTorch eager, again...), best of ``--repeat`` rounds:

1. a 64-128-10 MLP, batch 64, SGD with momentum (the step of ``bench_cpu.py``);
2. the digits CNN of ``examples/train_digits.py`` (two convolutions with batch norm and max
   pooling, dropout, label-smoothed cross-entropy, AdamW), batch 32;
3. on CUDA, the host's cost of a replayed launch: the MLP step captured on the fake GPU
   (``microtorch_cuda.emulator.fakegpu``, kernels skipped, so what is left is the host's
   work) and replayed, divided by its number of launches; next to the eager step's host time
   per launch. Needs PyCUDA (the fake GPU runs the real PyCUDA); skipped without it.

PyTorch is optional (its column says n/a). On a loaded machine the absolute times move from
round to round; the interleaving keeps the ratios comparable.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from timing import interleaved, on_fake_gpu, pin_threads, rerun_on_fake_gpu

pin_threads(1)  # before NumPy and PyTorch load their BLAS


def report(title: str, times: dict[str, float | None]) -> None:
    def fmt(t: float | None) -> str:
        return "n/a" if t is None else f"{t * 1e6:9.1f} us"

    print(title)
    for name, t in times.items():
        print(f"  {name:<28} {fmt(t)}")
    eager, replay, torch_t = times["microtorch eager"], times["microtorch replay"], \
        times["pytorch eager"]
    print(f"  replay / microtorch eager   {replay / eager:6.2f}x")
    if torch_t:
        print(f"  replay / pytorch eager      {replay / torch_t:6.2f}x")
        print(f"  eager / pytorch eager       {eager / torch_t:6.2f}x")


# -- the steps, written once for MicroTorch and PyTorch (same API) ----------------------------
def mlp_step(lib, device: str = "cpu", loss: str = "nll") -> Callable[[], object]:
    """One SGD step of a 64-128-10 MLP on a fixed batch of 64 (``bench_cpu.py``'s)."""
    lib.manual_seed(0)
    x = lib.randn(64, 64, device=device)
    y = lib.randint(0, 10, (64,), device=device)
    target = lib.randn(64, 10, device=device)
    w1 = (lib.randn(64, 128, device=device) * 0.1).requires_grad_()
    b1 = lib.zeros(128, device=device, requires_grad=True)
    w2 = (lib.randn(128, 10, device=device) * 0.1).requires_grad_()
    b2 = lib.zeros(10, device=device, requires_grad=True)
    opt = lib.optim.SGD([w1, b1, w2, b2], lr=0.1, momentum=0.9)

    def step():
        opt.zero_grad()
        h = (x @ w1 + b1).relu()
        out = h @ w2 + b2
        if loss == "nll":
            value = -out.log_softmax(-1).gather(1, y.unsqueeze(1)).mean()
        else:  # no index (a bounds check would read the device)
            value = ((out - target) ** 2).mean()
        value.backward()
        opt.step()
        return value

    return step


def cnn_step(lib, capturable: bool) -> Callable[[], object]:
    """One AdamW step of the digits CNN (``examples/train_digits.py --model cnn``), batch 32."""
    nn = lib.nn
    lib.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(0.2), nn.Linear(32 * 2 * 2, 10))
    opt = (lib.optim.AdamW(model.parameters(), lr=lib.tensor(2e-3), weight_decay=1e-4,
                           capturable=True) if capturable else
           lib.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4))
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.1)
    x, y = lib.rand(32, 1, 8, 8), lib.randint(0, 10, (32,))

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss

    return step


def replayed(mt, step: Callable[[], object], device: str | None = None):
    """``step`` captured after two eager warm-up steps. Returns the graph and the step: the
    caller keeps the step (its model, optimizer and data) alive while it replays the graph."""
    step()
    step()
    g = mt.graphs.Graph()
    with mt.graphs.graph(g, device=device):
        step()
    return g, step


def cpu_cases(repeat: int, quick: bool) -> None:
    import microtorch_core as mt

    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:
        torch = None
    number = 5 if quick else 200
    g, _mlp = replayed(mt, mlp_step(mt))
    report(f"MLP 64-128-10 SGD step, batch 64 (replay: {g.num_calls} calls)", interleaved({
        "microtorch eager": mlp_step(mt), "microtorch replay": g.replay,
        "pytorch eager": mlp_step(torch) if torch else None}, number, repeat))
    g, _cnn = replayed(mt, cnn_step(mt, capturable=True))
    report(f"digits CNN AdamW step, batch 32 (replay: {g.num_calls} calls)", interleaved({
        "microtorch eager": cnn_step(mt, capturable=False), "microtorch replay": g.replay,
        "pytorch eager": cnn_step(torch, capturable=False) if torch else None},
        max(1, number // 4), repeat))


def cuda_host_cost(repeat: int, quick: bool) -> None:
    """Runs on the fake GPU with kernels skipped (this script re-runs itself there)."""
    import microtorch_core as mt

    number = 5 if quick else 200
    eager = mlp_step(mt, "cuda", loss="mse")
    g, _step = replayed(mt, mlp_step(mt, "cuda", loss="mse"), "cuda")
    times = interleaved({"eager": eager, "replay": g.replay}, number, repeat)
    launches = g.num_calls
    print(f"CUDA host cost, MLP SGD step (MSE loss) on the fake GPU, kernels skipped "
          f"({mt.cuda.get_device_name()})")
    print(f"  eager step                  {times['eager'] * 1e6:9.1f} us   "
          f"{times['eager'] * 1e6 / launches:6.2f} us per launch")
    print(f"  replayed step               {times['replay'] * 1e6:9.1f} us   "
          f"{times['replay'] * 1e6 / launches:6.2f} us per launch ({launches} launches)")
    print(f"  replay / eager              {times['replay'] / times['eager']:6.2f}x")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="few calls: checks the script runs")
    args = parser.parse_args()
    if on_fake_gpu():
        cuda_host_cost(args.repeat, args.quick)
        return 0
    cpu_cases(args.repeat, args.quick)
    return rerun_on_fake_gpu(__file__, "CUDA host cost")


if __name__ == "__main__":
    sys.exit(main())
