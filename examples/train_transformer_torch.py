"""The twin of ``train_transformer.py`` in PyTorch: the same digit-sorting task, batches (drawn
by the same NumPy code), model, initialisation scheme, optimizer, schedule and clipping, so
the two can be timed side by side.

    python examples/train_transformer_torch.py [--device cuda] [--threads 1]
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.distributions import Categorical

VOCAB = "0123456789="  # the ten digits, then the separator between a string and its sorting
SEP = VOCAB.index("=")
IGNORE = -100  # cross_entropy's ignore_index: no loss on this position


# -- data: the same NumPy code as in train_transformer.py ------------------------------------
def make_strings(rng: np.random.Generator, n: int, digits: int) -> np.ndarray:
    """``n`` sequences of token ids: ``digits`` random digits, ``=``, the digits sorted;
    shape (n, 2 * digits + 1)."""
    x = rng.integers(0, 10, size=(n, digits))
    return np.concatenate([x, np.full((n, 1), SEP), np.sort(x, axis=1)], axis=1)


def string_codes(seqs: np.ndarray, digits: int) -> np.ndarray:
    """Each sequence's unsorted digits read as one integer, to tell strings apart."""
    return seqs[:, :digits] @ (10 ** np.arange(digits, dtype=np.int64))


def training_batch(rng: np.random.Generator, batch_size: int, digits: int,
                   held_out: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A batch of fresh strings, none of them a test string: inputs (B, 2 * digits) and
    targets (B, 2 * digits), the next character, or ``IGNORE`` before the sorted half."""
    seqs = make_strings(rng, batch_size, digits)
    while True:
        seen = np.isin(string_codes(seqs, digits), held_out)
        if not seen.any():
            break
        seqs[seen] = make_strings(rng, int(seen.sum()), digits)
    inputs, targets = seqs[:, :-1], seqs[:, 1:].copy()
    targets[:, :digits] = IGNORE
    return inputs, targets


# -- the model --------------------------------------------------------------------------------
class GPT(nn.Module):
    """A decoder-only Transformer: token + position embeddings, ``num_layers`` pre-norm
    encoder layers made causal by the mask, a final ``LayerNorm``, a head to the vocabulary."""

    def __init__(self, vocab_size: int, block_size: int, d_model: int, nhead: int,
                 num_layers: int, dim_feedforward: int, dropout: float) -> None:
        super().__init__()
        self.block_size = block_size
        self.tok_emb = nn.Embedding(vocab_size, d_model)
        self.pos_emb = nn.Embedding(block_size, d_model)
        layer = nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout,
                                           batch_first=True, norm_first=True)
        self.blocks = nn.TransformerEncoder(layer, num_layers, enable_nested_tensor=False)
        self.ln_f = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab_size)
        for p in self.parameters():  # GPT-2's scheme: every weight matrix N(0, 0.02)
            if p.dim() > 1:
                nn.init.normal_(p, 0.0, 0.02)

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        t = idx.shape[1]
        if t > self.block_size:
            raise ValueError(f"sequence of {t} tokens, longer than block_size {self.block_size}")
        pos = torch.arange(t, device=idx.device)
        x = self.tok_emb(idx) + self.pos_emb(pos)
        mask = nn.Transformer.generate_square_subsequent_mask(t, device=idx.device)
        x = self.blocks(x, mask=mask, is_causal=True)
        return self.head(self.ln_f(x))


@torch.no_grad()
def generate(model: GPT, prompt: torch.Tensor, new_tokens: int,
             temperature: float = 0.0) -> torch.Tensor:
    """Extend each row of ``prompt`` by ``new_tokens`` characters: the most likely one
    (``temperature`` 0) or one sampled from softmax(logits / T)."""
    model.eval()
    idx = prompt
    for _ in range(new_tokens):
        logits = model(idx)[:, -1, :]
        if temperature == 0.0:
            nxt = logits.argmax(-1, keepdim=True)
        else:
            nxt = Categorical(logits=logits / temperature).sample().unsqueeze(-1)
        idx = torch.cat([idx, nxt], 1)
    return idx[:, prompt.shape[1]:]


def evaluate(model: GPT, test: np.ndarray, digits: int, device: str) -> tuple[float, float]:
    """(share of test strings sorted exactly right, share of output digits right)."""
    prompt = torch.tensor(test[:, :digits + 1], device=device)
    out = generate(model, prompt, digits).cpu().numpy()
    right = out == test[:, digits + 1:]
    return float(right.all(1).mean()), float(right.mean())


def warmup_cosine(warmup: int, total: int) -> Callable[[int], float]:
    """Linear warm-up from 0, then a cosine decay to a tenth of the peak at ``total``."""
    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        progress = min(1.0, (step - warmup) / max(1, total - warmup))
        return 0.1 + 0.9 * 0.5 * (1.0 + math.cos(math.pi * progress))
    return factor


def show(test: np.ndarray, out: np.ndarray, digits: int, label: str) -> None:
    """Print a few prompts and the model's answers, marking the wrong ones."""
    print(label)
    for row, answer in zip(test, out):
        text = "".join(VOCAB[i] for i in row[:digits + 1])
        written = "".join(VOCAB[i] for i in answer)
        mark = "" if (answer == row[digits + 1:]).all() else "   <- wrong"
        print(f"  {text}{written}{mark}")


def main(argv: list[str] | None = None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--digits", type=int, default=8, help="length of the strings to sort")
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--weight-decay", type=float, default=0.01)
    parser.add_argument("--clip", type=float, default=1.0, help="max gradient norm")
    parser.add_argument("--d-model", type=int, default=64)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--dropout", type=float, default=0.0)
    parser.add_argument("--test-size", type=int, default=1000)
    parser.add_argument("--temperature", type=float, default=1.0,
                        help="for the sampled examples at the end (0: greedy)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: default)")
    args = parser.parse_args(argv)
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        sys.exit("--device cuda: torch.cuda.is_available() is False here")
    if args.threads:
        torch.set_num_threads(args.threads)
    dev, digits = args.device, args.digits

    rng = np.random.default_rng(args.seed)
    test = make_strings(rng, args.test_size, digits)
    _, first = np.unique(string_codes(test, digits), return_index=True)
    test = test[np.sort(first)]
    held_out = string_codes(test, digits)

    torch.manual_seed(args.seed)
    model = GPT(len(VOCAB), 2 * digits, args.d_model, args.heads, args.layers,
                4 * args.d_model, args.dropout).to(dev)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.99),
                                  weight_decay=args.weight_decay)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer,
                                                  warmup_cosine(args.warmup, args.steps))
    n_params = sum(p.numel() for p in model.parameters())
    print(f"PyTorch {torch.__version__}: sorting {digits} digits, {n_params} parameters, "
          f"{len(test)} test strings, device {dev}")

    start = time.perf_counter()
    for _ in range(args.steps):
        model.train()
        x, y = training_batch(rng, args.batch_size, digits, held_out)
        x, y = torch.tensor(x, device=dev), torch.tensor(y, device=dev)
        logits = model(x)
        loss = F.cross_entropy(logits.reshape(-1, len(VOCAB)), y.reshape(-1),
                               ignore_index=IGNORE)
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), args.clip)
        optimizer.step()
        scheduler.step()
        loss.item()  # the MicroTorch script reads the loss each step too
    if dev.startswith("cuda"):
        torch.cuda.synchronize()
    train_time = time.perf_counter() - start

    acc, digit_acc = evaluate(model, test, digits, dev)
    print(f"final loss {loss.item():.4f}  test accuracy {acc:.2%} (strings sorted exactly; "
          f"{digit_acc:.2%} of digits)  train time {train_time:.2f} s "
          f"({args.steps} steps, {train_time / args.steps * 1e3:.1f} ms/step)")
    examples = test[:5]
    prompt = torch.tensor(examples[:, :digits + 1], device=dev)
    show(examples, generate(model, prompt, digits).cpu().numpy(), digits, "greedy:")
    if args.temperature > 0:
        out = generate(model, prompt, digits, args.temperature).cpu().numpy()
        show(examples, out, digits, f"sampled at temperature {args.temperature}:")
    return acc


if __name__ == "__main__":
    main()
