"""The twin of ``train_digits.py`` in PyTorch: same data split, model, optimizer, schedule,
loss and batch size, so the two can be timed side by side.

    python examples/train_digits_torch.py [--device cuda] [--threads 1]
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def load_digits_split(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """1797 images of 64 pixels scaled to [0, 1], split 80/20 stratified by label."""
    try:
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split
    except ImportError:
        sys.exit("this example needs scikit-learn: pip install scikit-learn")
    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float32)
    y = digits.target.astype(np.int64)
    return tuple(train_test_split(x, y, test_size=0.2, stratify=y, random_state=seed))


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


@torch.no_grad()
def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    model.eval()
    return (model(x).argmax(1) == y).float().mean().item()


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
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: default)")
    args = parser.parse_args(argv)
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        sys.exit("--device cuda: torch.cuda.is_available() is False here")
    if args.threads:
        torch.set_num_threads(args.threads)

    x_train, x_test, y_train, y_test = load_digits_split(args.seed)
    if args.model == "cnn":  # images, with one channel
        x_train, x_test = x_train.reshape(-1, 1, 8, 8), x_test.reshape(-1, 1, 8, 8)
    dev = args.device
    x_train, y_train = torch.tensor(x_train, device=dev), torch.tensor(y_train, device=dev)
    x_test, y_test = torch.tensor(x_test, device=dev), torch.tensor(y_test, device=dev)

    torch.manual_seed(args.seed)
    model = make_model(args.model, args.hidden, args.dropout).to(dev)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr,
                                  weight_decay=args.weight_decay)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=args.label_smoothing)
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=args.batch_size,
                        shuffle=True, generator=torch.Generator().manual_seed(args.seed))

    print(f"PyTorch {torch.__version__}: {len(x_train)} train / {len(x_test)} test images, "
          f"device {dev}")
    start = time.perf_counter()
    for _ in range(args.epochs):
        model.train()
        for xb, yb in loader:
            loss = loss_fn(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            loss.item()  # the MicroTorch script reads the loss each step too
        scheduler.step()
    if dev.startswith("cuda"):
        torch.cuda.synchronize()
    train_time = time.perf_counter() - start

    acc = accuracy(model, x_test, y_test)
    print(f"test accuracy {acc:.2%}  train time {train_time:.2f} s "
          f"({args.epochs} epochs, {train_time / args.epochs * 1e3:.0f} ms/epoch)")
    return acc


if __name__ == "__main__":
    main()
