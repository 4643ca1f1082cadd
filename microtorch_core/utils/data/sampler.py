"""Samplers: which indices the DataLoader reads, and in what order.

A ``Sampler`` yields dataset indices (``SequentialSampler``, ``RandomSampler``,
``SubsetRandomSampler``, ``WeightedRandomSampler``); a ``BatchSampler`` groups them into
lists, one per batch. Random orders come from MicroTorch's Philox generator (``generator=``,
else the default one), so a seed reproduces them; they differ from PyTorch's orders.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence, Sized
from typing import Generic, TypeVar

import numpy as np

from ... import dtypes
from ...creation import rand, randint, randperm, tensor
from ...random import Generator, default_generator
from ...tensor import Tensor

__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
           "WeightedRandomSampler", "BatchSampler"]

T_co = TypeVar("T_co", covariant=True)

_REPLACEMENT_CHUNK = 32  # indices RandomSampler(replacement=True) draws at a time (PyTorch's)


def _check_positive_int(name: str, value: object) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{name} should be a positive integer value, but got {name}={value}")


class Sampler(Generic[T_co]):
    """Base class: implement ``__iter__`` (yielding indices, or lists of indices for a batch
    sampler). ``__len__`` is optional; ``len(loader)`` needs it.

    >>> class Backwards(Sampler[int]):
    ...     def __init__(self, data): self.data = data
    ...     def __iter__(self): return iter(range(len(self.data) - 1, -1, -1))
    ...     def __len__(self): return len(self.data)
    """

    def __iter__(self) -> Iterator[T_co]:
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__")


class SequentialSampler(Sampler[int]):
    """``0, 1, ..., len(data_source) - 1``, every epoch."""

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler[int]):
    """A random order of ``data_source``'s indices, drawn anew each epoch.

    Without replacement it yields ``randperm(n)`` (one more permutation for every further
    ``n`` of ``num_samples``); with ``replacement=True``, ``num_samples`` independent uniform
    indices. ``num_samples`` defaults to ``len(data_source)``.
    """

    def __init__(self, data_source: Sized, replacement: bool = False,
                 num_samples: int | None = None, generator: Generator | None = None) -> None:
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got "
                            f"replacement={replacement}")
        _check_positive_int("num_samples", self.num_samples)

    @property
    def num_samples(self) -> int:
        """How many indices one epoch yields."""
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self) -> Iterator[int]:
        n, count = len(self.data_source), self.num_samples
        if n == 0:
            raise ValueError(f"RandomSampler cannot draw {count} samples from an empty "
                             "data_source")
        if self.replacement:
            # Drawn lazily, a chunk at a time as PyTorch does, so that num_samples=10**10
            # (an "infinite" loader) never builds the whole list. Philox is counter based:
            # reserving the epoch's counters now (randint takes one per index) and reading
            # them chunk by chunk from a private stream gives the numbers one
            # randint(size=(count,)) would, whatever else draws from the generator meanwhile.
            gen = self.generator or default_generator
            stream = Generator(gen.seed)
            stream.offset = gen.next_offset(count)
            for start in range(0, count, _REPLACEMENT_CHUNK):
                size = min(_REPLACEMENT_CHUNK, count - start)
                yield from randint(n, size=(size,), generator=stream).tolist()
            return
        for _ in range(count // n):
            yield from randperm(n, generator=self.generator).tolist()
        # PyTorch draws one more permutation here even when it keeps none of it; skipping it
        # keeps an epoch at one randperm, the order DataLoader(shuffle=True) always produced.
        if count % n:
            yield from randperm(n, generator=self.generator).tolist()[:count % n]

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler[int]):
    """The given ``indices`` in a random order, drawn anew each epoch (e.g. a validation
    subset of one dataset)."""

    def __init__(self, indices: Sequence[int], generator: Generator | None = None) -> None:
        self.indices = indices
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        for i in randperm(len(self.indices), generator=self.generator).tolist():
            yield self.indices[i]

    def __len__(self) -> int:
        return len(self.indices)


def _weighted_indices(weights: np.ndarray, num_samples: int, replacement: bool,
                      generator: Generator | None) -> np.ndarray:
    """``num_samples`` indices drawn with probability proportional to ``weights``.

    With replacement: inverse CDF, each uniform ``u`` picks the first index whose running
    total exceeds ``u * sum(weights)``. Without: every index draws an exponential ``E_i`` and
    the ``num_samples`` smallest ``E_i / w_i`` win (Efraimidis-Spirakis), the same law as
    drawing one at a time and removing each winner.
    """
    if replacement:
        u = rand(num_samples, dtype=dtypes.float64, generator=generator).numpy()
        cdf = np.cumsum(weights)
        picked = np.searchsorted(cdf, u * cdf[-1], side="right")
        return np.minimum(picked, len(weights) - 1)  # guards u * total rounding up to total
    u = rand(len(weights), dtype=dtypes.float64, generator=generator).numpy()
    with np.errstate(divide="ignore"):  # zero weight: key +inf, never among the winners
        keys = -np.log1p(-u) / weights
    return np.argsort(keys, kind="stable")[:num_samples]


class WeightedRandomSampler(Sampler[int]):
    """``num_samples`` indices into ``weights``, index ``i`` drawn with probability
    ``weights[i] / sum(weights)`` (weights need not sum to 1), e.g. to oversample rare
    classes. Without replacement an index is drawn at most once.

    >>> labels = [0, 0, 0, 1]
    >>> per_class = {0: 1 / 3, 1: 1.0}
    >>> sampler = WeightedRandomSampler([per_class[y] for y in labels], num_samples=8)
    """

    def __init__(self, weights: Sequence[float] | Tensor, num_samples: int,
                 replacement: bool = True, generator: Generator | None = None) -> None:
        _check_positive_int("num_samples", num_samples)
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got "
                             f"replacement={replacement}")
        values = weights.tolist() if isinstance(weights, Tensor) else weights
        w = np.asarray(values, dtype=np.float64)
        if w.ndim != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape "
                             f"{w.shape}")
        bad = np.flatnonzero(~np.isfinite(w) | (w < 0))
        if bad.size:
            raise ValueError(f"weights must be finite and non-negative, but "
                             f"weights[{bad[0]}]={w[bad[0]]}")
        nonzero = int(np.count_nonzero(w))
        if nonzero == 0:
            raise ValueError(f"weights must not all be zero (got {w.size} weights summing to 0)")
        if not replacement and num_samples > nonzero:
            raise ValueError(f"cannot draw num_samples={num_samples} without replacement from "
                             f"{nonzero} indices of non-zero weight")
        self.weights = tensor(w, dtype=dtypes.float64)
        self._weights = w
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        picked = _weighted_indices(self._weights, self.num_samples, self.replacement,
                                   self.generator)
        yield from picked.tolist()

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler[list[int]]):
    """Group the indices of ``sampler`` into lists of ``batch_size``; ``drop_last`` drops
    a final, shorter list.

    >>> list(BatchSampler(SequentialSampler(range(10)), batch_size=3, drop_last=False))
    [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    """

    def __init__(self, sampler: Sampler[int] | Iterable[int], batch_size: int,
                 drop_last: bool) -> None:
        _check_positive_int("batch_size", batch_size)
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list[int]]:
        indices = iter(self.sampler)
        while batch := list(itertools.islice(indices, self.batch_size)):
            if self.drop_last and len(batch) < self.batch_size:
                return
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)  # type: ignore[arg-type]
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
