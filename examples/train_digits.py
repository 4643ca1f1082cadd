"""Train a small MLP or CNN on the 8x8 handwritten digits that ship with scikit-learn.

    pip install -e ".[examples]"          # scikit-learn (the data) and tqdm (progress bar)
    python examples/train_digits.py       # about 97-98% test accuracy in a few seconds on CPU
    python examples/train_digits.py --model cnn    # convolutions: about 99%, slower
    python examples/train_digits.py --device cuda --save digits.mt
    python examples/train_digits.py --graph        # capture one step, replay it: faster

``--graph`` trains the first epoch eagerly, then captures one training step (forward,
backward, ``optimizer.step()``) in a graph (``microtorch_core.graphs``) and replays it for
every later batch, after copying the batch into the captured input tensors; it prints the
time of an eager step next to a replayed one. The optimizer keeps its step count and
learning rate in tensors (``capturable=True``, ``lr`` a tensor that the schedule updates in
place), and every batch has the same size (``drop_last``), as a graph replays fixed shapes.

``train_digits_torch.py`` is the same script in PyTorch: same data split, model, optimizer,
schedule and batch order logic, for side-by-side timing (see ``benchmarks/``).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Iterable, Iterator

import numpy as np

import microtorch_core as mt
from microtorch_core import nn
from microtorch_core.random import Generator
from microtorch_core.utils.data import DataLoader, TensorDataset


def load_digits_split(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """1797 images of 64 pixels scaled to [0, 1], split 80/20 stratified by label."""
    try:
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split
    except ImportError:
        sys.exit("this example needs scikit-learn for its data set: "
                 "pip install 'microtorch-core[examples]' (or pip install scikit-learn)")
    digits = load_digits()  # bundled with scikit-learn: no download
    x = (digits.data / 16.0).astype(np.float32)
    y = digits.target.astype(np.int64)
    return tuple(train_test_split(x, y, test_size=0.2, stratify=y, random_state=seed))


def progress(epochs: int) -> tuple[Iterable[int], Callable[[float], None]]:
    """Epoch numbers with a progress bar (tqdm when installed, else a line every few
    epochs); returns the iterable and a function to report the latest loss."""
    try:
        from tqdm import tqdm
    except ImportError:
        state = {"epoch": 0}

        def plain() -> Iterator[int]:
            for e in range(epochs):
                state["epoch"] = e
                yield e

        def report(loss: float) -> None:
            e = state["epoch"] + 1
            if e == 1 or e == epochs or e % max(1, epochs // 10) == 0:
                print(f"epoch {e:3d}/{epochs}  loss {loss:.4f}", flush=True)

        return plain(), report
    bar = tqdm(range(epochs), desc="training", unit="epoch")
    return bar, lambda loss: bar.set_postfix(loss=f"{loss:.4f}")


def make_model(kind: str, hidden: int, dropout: float) -> nn.Module:
    """``mlp``: two hidden layers over the 64 pixels. ``cnn``: two 3x3 convolutions with
    batch norm and 2x2 max pooling over the 1 x 8 x 8 image (8x8 -> 4x4 -> 2x2)."""
    if kind == "cnn":
        return nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Dropout(dropout), nn.Linear(32 * 2 * 2, 10),
        )
    return nn.Sequential(
        nn.Linear(64, hidden), nn.ReLU(), nn.Dropout(dropout),
        nn.Linear(hidden, hidden), nn.ReLU(), nn.Dropout(dropout),
        nn.Linear(hidden, 10),
    )


class GraphedTrainer:
    """Training steps on static input tensors: eager ones, then one captured step replayed
    (PyTorch's "whole network capture"). Keeps the time of each kind of step."""

    def __init__(self, model: nn.Module, optimizer, loss_fn, x: mt.Tensor, y: mt.Tensor):
        self.model, self.optimizer, self.loss_fn = model, optimizer, loss_fn
        self.static_x, self.static_y = x.clone(), y.clone()
        self.graph: mt.graphs.Graph | None = None
        self.static_loss: mt.Tensor | None = None
        self.times: dict[str, list[float]] = {"eager": [], "replayed": []}

    def _step(self) -> mt.Tensor:
        self.optimizer.zero_grad(set_to_none=True)  # the captured backward makes the grads
        loss = self.loss_fn(self.model(self.static_x), self.static_y)
        loss.backward()
        self.optimizer.step()
        return loss

    def step(self, x: mt.Tensor, y: mt.Tensor, replay: bool) -> mt.Tensor:
        self.static_x.copy_(x)
        self.static_y.copy_(y)
        start = time.perf_counter()
        if not replay:
            loss = self._step()
            self.times["eager"].append(time.perf_counter() - start)
            return loss
        if self.graph is None:  # capture once; the capture itself computes nothing
            self.graph = mt.graphs.Graph()
            with mt.graphs.graph(self.graph):
                self.static_loss = self._step()
            start = time.perf_counter()
        self.graph.replay()
        self.times["replayed"].append(time.perf_counter() - start)
        return self.static_loss

    def report(self) -> None:
        # the median: the first eager steps also build the optimizer state
        eager, replayed = (float(np.median(self.times[k])) * 1e3 for k in ("eager", "replayed"))
        print(f"step time: eager {eager:.2f} ms, replayed {replayed:.2f} ms "
              f"({eager / replayed:.1f}x faster; {self.graph.num_calls} calls per replay)")


@mt.no_grad()
def accuracy(model: nn.Module, x: mt.Tensor, y: mt.Tensor) -> float:
    model.eval()
    return (model(x).argmax(1) == y).float().mean().item()


def cuda_available() -> bool:
    try:
        return bool(mt.cuda.is_available())
    except (ImportError, AttributeError):
        return False


def main(argv: list[str] | None = None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--model", choices=["mlp", "cnn"], default="mlp")
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--dropout", type=float, default=0.2)
    parser.add_argument("--weight-decay", type=float, default=1e-4)
    parser.add_argument("--label-smoothing", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument("--save", metavar="PATH", help="write a checkpoint, then reload it")
    parser.add_argument("--graph", action="store_true",
                        help="after one eager epoch, replay a captured training step")
    args = parser.parse_args(argv)
    if args.device.startswith("cuda") and not cuda_available():
        sys.exit("--device cuda: no usable CUDA device here (see microtorch_core.list_backends())")

    x_train, x_test, y_train, y_test = load_digits_split(args.seed)
    if args.model == "cnn":  # images, with one channel
        x_train, x_test = x_train.reshape(-1, 1, 8, 8), x_test.reshape(-1, 1, 8, 8)
    dev = args.device
    x_train, y_train = mt.tensor(x_train, device=dev), mt.tensor(y_train, device=dev)
    x_test, y_test = mt.tensor(x_test, device=dev), mt.tensor(y_test, device=dev)

    mt.manual_seed(args.seed)
    model = make_model(args.model, args.hidden, args.dropout).to(dev)
    if args.graph:  # the step count and the scheduled lr must be tensors the replays read
        optimizer = mt.optim.AdamW(model.parameters(), lr=mt.tensor(args.lr, device=dev),
                                   weight_decay=args.weight_decay, capturable=True)
    else:
        optimizer = mt.optim.AdamW(model.parameters(), lr=args.lr,
                                   weight_decay=args.weight_decay)
    scheduler = mt.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=args.label_smoothing)
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=args.batch_size,
                        shuffle=True, generator=Generator().manual_seed(args.seed),
                        drop_last=args.graph)

    print(f"MicroTorch: {len(x_train)} train / {len(x_test)} test images, device {dev}")
    start = time.perf_counter()
    epochs, report = progress(args.epochs)
    if args.graph:
        trainer = GraphedTrainer(model, optimizer, loss_fn, x_train[:args.batch_size],
                                 y_train[:args.batch_size])
    for epoch in epochs:
        model.train()
        total, batches = 0.0, 0
        for xb, yb in loader:
            if args.graph:
                loss = trainer.step(xb, yb, replay=epoch > 0)
            else:
                loss = loss_fn(model(xb), yb)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            total, batches = total + loss.item(), batches + 1
        scheduler.step()
        report(total / batches)
    train_time = time.perf_counter() - start
    if args.graph:
        trainer.report()

    acc = accuracy(model, x_test, y_test)
    print(f"test accuracy {acc:.2%}  train time {train_time:.2f} s "
          f"({args.epochs} epochs, {train_time / args.epochs * 1e3:.0f} ms/epoch)")
    if args.save:
        mt.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                 "epoch": args.epochs}, args.save)
        restored = make_model(args.model, args.hidden, args.dropout).to(dev)
        restored.load_state_dict(mt.load(args.save, map_location=dev)["model"])
        print(f"saved {args.save}; reloaded model test accuracy "
              f"{accuracy(restored, x_test, y_test):.2%}")
    return acc


if __name__ == "__main__":
    main()
