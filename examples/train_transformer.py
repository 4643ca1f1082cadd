"""Train a small GPT-style Transformer to sort strings of digits, one character at a time.

    OPENBLAS_NUM_THREADS=1 python examples/train_transformer.py   # 100% of unseen strings
    python examples/train_transformer.py --steps 150 --digits 4      # a quick look
    python examples/train_transformer.py --device cuda --save sorter.mt

(Small matrix products run faster on one BLAS thread, several times so on a busy machine.)

The model reads text like ``"52907=0"`` and predicts the next character: after the ``=`` it
has to write the digits before it in sorted order (``"52907=02579"``). It is a decoder-only
(GPT) language model over the 11 characters ``0123456789=``: token and learned position
embeddings, a stack of pre-norm ``TransformerEncoderLayer``s with a causal mask (each
position sees only the ones before it), a final ``LayerNorm`` and a linear head; trained
with ``cross_entropy`` on the characters after the ``=`` (the digits before it are random,
nothing to learn), ``AdamW``, a warm-up then cosine learning-rate schedule and gradient
clipping. It is tested on strings it has never seen, by letting it write each answer
greedily, and counting the strings it sorts exactly right (a guess among the sorted strings
of 8 digits is right once in 24,310). A few answers are then also sampled at a temperature.

``train_transformer_torch.py`` is the same script in PyTorch: same data and batch order
(drawn by NumPy), model, initialisation scheme, optimizer and schedule, for side-by-side
timing (``benchmarks/bench_transformer.py``).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable, Iterable, Iterator

import numpy as np

import microtorch_core as mt
import microtorch_core.nn.functional as F
from microtorch_core import nn
from microtorch_core.distributions import Categorical

VOCAB = "0123456789="  # the ten digits, then the separator between a string and its sorting
SEP = VOCAB.index("=")
IGNORE = -100  # cross_entropy's ignore_index: no loss on this position


# -- data: the same NumPy code in the PyTorch twin, so both see the same batches -------------
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
    """A batch of fresh strings, none of them a test string: inputs (B, 2 * digits), the
    sequences without their last character, and targets (B, 2 * digits), the next
    character at each position, or ``IGNORE`` before the sorted half begins."""
    seqs = make_strings(rng, batch_size, digits)
    while True:  # replace any test string, so that the test measures generalisation
        seen = np.isin(string_codes(seqs, digits), held_out)
        if not seen.any():
            break
        seqs[seen] = make_strings(rng, int(seen.sum()), digits)
    inputs, targets = seqs[:, :-1], seqs[:, 1:].copy()
    targets[:, :digits] = IGNORE  # the digits are random and the "=" always comes next
    return inputs, targets


# -- the model --------------------------------------------------------------------------------
class GPT(nn.Module):
    """A decoder-only Transformer: token + position embeddings, ``num_layers`` pre-norm
    encoder layers made causal by the mask, a final ``LayerNorm``, a head to the vocabulary.
    ``forward`` maps token ids (B, T) to next-token logits (B, T, vocab_size)."""

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
        # GPT-2's scheme: every weight matrix N(0, 0.02). It also gives each layer its own
        # start: TransformerEncoder deep-copies one layer, so all begin identical.
        for p in self.parameters():
            if p.dim() > 1:
                nn.init.normal_(p, 0.0, 0.02)

    def forward(self, idx: mt.Tensor) -> mt.Tensor:
        t = idx.shape[1]
        if t > self.block_size:
            raise ValueError(f"sequence of {t} tokens, longer than block_size {self.block_size}")
        pos = mt.arange(t, device=idx.device)
        x = self.tok_emb(idx) + self.pos_emb(pos)
        mask = nn.Transformer.generate_square_subsequent_mask(t, device=idx.device)
        x = self.blocks(x, mask=mask, is_causal=True)
        return self.head(self.ln_f(x))


@mt.no_grad()
def generate(model: GPT, prompt: mt.Tensor, new_tokens: int,
             temperature: float = 0.0) -> mt.Tensor:
    """Extend each row of ``prompt`` (B, T) by ``new_tokens`` characters, one at a time:
    the most likely one (``temperature`` 0) or one sampled from softmax(logits / T)."""
    model.eval()
    idx = prompt
    for _ in range(new_tokens):
        logits = model(idx)[:, -1, :]
        if temperature == 0.0:
            nxt = logits.argmax(-1, keepdim=True)
        else:
            nxt = Categorical(logits=logits / temperature).sample().unsqueeze(-1)
        idx = mt.cat([idx, nxt], 1)
    return idx[:, prompt.shape[1]:]


def evaluate(model: GPT, test: np.ndarray, digits: int, device: str) -> tuple[float, float]:
    """(share of test strings sorted exactly right, share of output digits right), the
    answers written greedily from the prompt "digits=" ."""
    prompt = mt.tensor(test[:, :digits + 1], device=device)
    out = generate(model, prompt, digits).cpu().numpy()
    right = out == test[:, digits + 1:]
    return float(right.all(1).mean()), float(right.mean())


def warmup_cosine(warmup: int, total: int) -> Callable[[int], float]:
    """The learning-rate factor at each step: linear warm-up from 0, then a cosine decay to
    a tenth of the peak at ``total``."""
    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        progress = min(1.0, (step - warmup) / max(1, total - warmup))
        return 0.1 + 0.9 * 0.5 * (1.0 + math.cos(math.pi * progress))
    return factor


def progress(steps: int) -> tuple[Iterable[int], Callable[[float], None]]:
    """Step numbers with a progress bar (tqdm when installed, else a line every tenth of
    the run); returns the iterable and a function to report the latest loss."""
    try:
        from tqdm import tqdm
    except ImportError:
        state = {"step": 0}

        def plain() -> Iterator[int]:
            for s in range(steps):
                state["step"] = s
                yield s

        def report(loss: float) -> None:
            s = state["step"] + 1
            if s == 1 or s == steps or s % max(1, steps // 10) == 0:
                print(f"step {s:5d}/{steps}  loss {loss:.4f}", flush=True)

        return plain(), report
    bar = tqdm(range(steps), desc="training", unit="step", mininterval=0.5)
    return bar, lambda loss: bar.set_postfix(loss=f"{loss:.4f}", refresh=False)


def cuda_available() -> bool:
    try:
        return bool(mt.cuda.is_available())
    except (ImportError, AttributeError):
        return False


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
    parser.add_argument("--save", metavar="PATH", help="write a checkpoint, then reload it")
    args = parser.parse_args(argv)
    if args.device.startswith("cuda") and not cuda_available():
        sys.exit("--device cuda: no usable CUDA device here (see microtorch_core.list_backends())")
    dev, digits = args.device, args.digits

    rng = np.random.default_rng(args.seed)
    test = make_strings(rng, args.test_size, digits)
    _, first = np.unique(string_codes(test, digits), return_index=True)
    test = test[np.sort(first)]  # without repeats, in the order drawn
    held_out = string_codes(test, digits)

    def make_model() -> GPT:
        return GPT(len(VOCAB), 2 * digits, args.d_model, args.heads, args.layers,
                   4 * args.d_model, args.dropout).to(dev)

    mt.manual_seed(args.seed)
    model = make_model()
    optimizer = mt.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.99),
                               weight_decay=args.weight_decay)
    scheduler = mt.optim.lr_scheduler.LambdaLR(optimizer,
                                               warmup_cosine(args.warmup, args.steps))
    n_params = sum(p.numel() for p in model.parameters())
    print(f"MicroTorch: sorting {digits} digits, {n_params} parameters, "
          f"{len(test)} test strings, device {dev}")

    start = time.perf_counter()
    steps, report = progress(args.steps)
    for _ in steps:
        model.train()
        x, y = training_batch(rng, args.batch_size, digits, held_out)
        x, y = mt.tensor(x, device=dev), mt.tensor(y, device=dev)
        logits = model(x)
        loss = F.cross_entropy(logits.reshape(-1, len(VOCAB)), y.reshape(-1),
                               ignore_index=IGNORE)
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), args.clip)
        optimizer.step()
        scheduler.step()
        report(loss.item())
    train_time = time.perf_counter() - start

    acc, digit_acc = evaluate(model, test, digits, dev)
    print(f"final loss {loss.item():.4f}  test accuracy {acc:.2%} (strings sorted exactly; "
          f"{digit_acc:.2%} of digits)  train time {train_time:.2f} s "
          f"({args.steps} steps, {train_time / args.steps * 1e3:.1f} ms/step)")
    examples = test[:5]
    prompt = mt.tensor(examples[:, :digits + 1], device=dev)
    show(examples, generate(model, prompt, digits).cpu().numpy(), digits, "greedy:")
    if args.temperature > 0:
        out = generate(model, prompt, digits, args.temperature).cpu().numpy()
        show(examples, out, digits, f"sampled at temperature {args.temperature}:")
    if args.save:
        mt.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                 "step": args.steps}, args.save)
        restored = make_model()
        restored.load_state_dict(mt.load(args.save, map_location=dev)["model"])
        print(f"saved {args.save}; reloaded model test accuracy "
              f"{evaluate(restored, test, digits, dev)[0]:.2%}")
    return acc


if __name__ == "__main__":
    main()
