"""The classic MicroTorch demo: fit ``((x * p0 + p1) * p2) + p3`` to a target with SGD.

Runs on CUDA when a CUDA backend is installed and a GPU is available, else on the CPU::

    python demo.py                      # 50 steps, the loss printed each step
    python demo.py --device cpu --steps 20
    python demo.py --graph demo_graph.png   # also draw the autograd graph of the loss
"""

from __future__ import annotations

import argparse
import time

import microtorch_core as mt


def pick_device(requested: str | None) -> str:
    if requested:
        return requested
    return "cuda" if mt.cuda.is_available() else "cpu"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default=None, help="cpu or cuda (default: cuda if usable)")
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--graph", default=None, help="write the loss's graph (.png/.svg/.dot)")
    args = parser.parse_args()

    device = pick_device(args.device)
    mt.manual_seed(0)
    n = 256
    x = mt.rand(n, device=device)
    target = mt.rand(n, device=device)
    params = [mt.rand(n, device=device, requires_grad=True) for _ in range(4)]
    p0, p1, p2, p3 = params
    optimizer = mt.optim.SGD(params, lr=0.001, momentum=0.9)
    print(f"MicroTorch demo on {device} ({n} elements, {args.steps} SGD steps)")

    start = time.perf_counter()
    for step in range(args.steps):
        optimizer.zero_grad()
        prediction = ((x * p0 + p1) * p2) + p3
        loss = ((prediction - target) ** 2).sum()
        loss.backward()
        optimizer.step()
        print(f"step {step:3d}  loss {loss.item():.6f}")
    elapsed = time.perf_counter() - start
    print(f"done in {elapsed * 1000:.1f} ms")

    if args.graph:
        from microtorch_core.viz import write_graph

        prediction = ((x * p0 + p1) * p2) + p3
        loss = ((prediction - target) ** 2).sum()
        written = write_graph(loss, args.graph, params={f"p{i}": p for i, p in enumerate(params)})
        print(f"graph of the loss written to {written}")


if __name__ == "__main__":
    main()
