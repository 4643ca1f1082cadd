"""Datasets: where samples come from.

A map-style ``Dataset`` maps an index to a sample (``ds[i]``) and knows its length; the
DataLoader's sampler decides which indices to read. An ``IterableDataset`` is a stream
(``iter(ds)``) read in its own order. ``Subset``, ``ConcatDataset``, ``ChainDataset`` and
``StackDataset`` combine datasets without copying samples; ``random_split`` cuts one into
random, non-overlapping ``Subset``\\ s.
"""

from __future__ import annotations

import bisect
import itertools
import math
import numbers
import warnings
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Generic, TypeVar

from ...creation import randperm
from ...random import Generator
from ...tensor import Tensor

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "StackDataset", "ConcatDataset",
           "ChainDataset", "Subset", "random_split"]

T_co = TypeVar("T_co", covariant=True)


class Dataset(Generic[T_co]):
    """Map-style dataset: implement ``__getitem__(index)`` and ``__len__()``.

    A subclass may also implement ``__getitems__(indices) -> list of samples`` to read a
    whole batch at once; the DataLoader then calls it instead of ``__getitem__`` per index.
    ``a + b`` is ``ConcatDataset([a, b])``.
    """

    def __getitem__(self, index: Any) -> T_co:
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    def __len__(self) -> int:
        # TypeError, as len() raises for an object without __len__: list(ds) and
        # operator.length_hint then carry on without a length instead of failing.
        raise TypeError(f"{type(self).__name__} has no len(): implement __len__ (the default "
                        "samplers need it)")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class IterableDataset(Dataset[T_co]):
    """Iterable-style dataset: implement ``__iter__``; samples come in the stream's order.

    The DataLoader reads it without a sampler (``shuffle``, ``sampler`` and ``batch_sampler``
    are errors) and batches consecutive samples. ``__len__`` is optional; ``len(loader)``
    needs it. ``a + b`` is ``ChainDataset([a, b])``.

    >>> class Count(IterableDataset):
    ...     def __init__(self, n): self.n = n
    ...     def __iter__(self): return iter(range(self.n))
    >>> [b.tolist() for b in DataLoader(Count(5), batch_size=2)]
    [[0, 1], [2, 3], [4]]
    """

    def __iter__(self) -> Iterator[T_co]:
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__")

    def __add__(self, other: Dataset) -> ChainDataset:  # type: ignore[override]
        return ChainDataset([self, other])


class TensorDataset(Dataset[tuple[Tensor, ...]]):
    """Samples are rows of the given tensors: ``ds[i] == (t0[i], t1[i], ...)``."""

    def __init__(self, *tensors: Tensor) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        sizes = [t.shape[0] if t.dim() else None for t in tensors]
        if len(set(sizes)) != 1 or sizes[0] is None:
            raise ValueError(f"Size mismatch between tensors: first dimensions {sizes} must "
                             "all be equal")
        self.tensors = tensors

    def __getitem__(self, index: Any) -> tuple[Tensor, ...]:
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]


class StackDataset(Dataset):
    """Samples of equally long datasets side by side: ``StackDataset(a, b)[i] == (a[i], b[i])``
    and ``StackDataset(x=a, y=b)[i] == {"x": a[i], "y": b[i]}``."""

    def __init__(self, *args: Dataset, **kwargs: Dataset) -> None:
        if args and kwargs:
            raise ValueError("Supported either ``tuple``- (via ``args``) or ``dict``- (via "
                             "``kwargs``) like input/output, but both types are given.")
        if not args and not kwargs:
            raise ValueError("At least one dataset should be passed")
        self.datasets: tuple[Dataset, ...] | dict[str, Dataset] = args or kwargs
        parts = args or tuple(kwargs.values())
        lengths = [len(d) for d in parts]
        if len(set(lengths)) != 1:
            raise ValueError(f"Size mismatch between datasets: lengths {lengths}")
        self._length = lengths[0]

    def __getitem__(self, index: Any) -> tuple | dict:
        if isinstance(self.datasets, dict):
            return {key: d[index] for key, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __len__(self) -> int:
        return self._length


class ConcatDataset(Dataset[T_co]):
    """Map-style datasets one after another: indices ``0 .. len(a) - 1`` read ``a``, the next
    ``len(b)`` read ``b``, and so on (found by bisecting ``cumulative_sizes``).

    >>> ds = ConcatDataset([range(3), range(10, 12)])
    >>> [ds[i] for i in range(len(ds))], ds.cumulative_sizes
    ([0, 1, 2, 10, 11], [3, 5])
    """

    @staticmethod
    def cumsum(sequence: Iterable[Any]) -> list[int]:
        """Running totals of the lengths: the end index of each dataset."""
        return list(itertools.accumulate(len(d) for d in sequence))

    def __init__(self, datasets: Iterable[Dataset[T_co]]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("datasets should not be an empty iterable")
        for i, d in enumerate(self.datasets):
            if isinstance(d, IterableDataset):
                raise TypeError(f"ConcatDataset does not support IterableDataset: datasets[{i}] "
                                f"is a {type(d).__name__} (use ChainDataset for streams)")
        self.cumulative_sizes = self.cumsum(self.datasets)

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx: int) -> T_co:
        n = len(self)
        if idx < 0:
            if -idx > n:
                raise ValueError(f"absolute value of index should not exceed dataset length: "
                                 f"index {idx}, length {n}")
            idx += n
        if idx >= n:  # IndexError also ends `for sample in ds` (the sequence protocol)
            raise IndexError(f"index {idx} is out of range for a ConcatDataset of length {n}")
        which = bisect.bisect_right(self.cumulative_sizes, idx)
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][idx - start]


class ChainDataset(IterableDataset):
    """Iterable datasets one after another, read lazily: ``iter`` yields all of the first,
    then all of the second, ...; ``len`` is the sum of their lengths."""

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = datasets

    def _checked(self) -> Iterator[IterableDataset]:
        for i, d in enumerate(self.datasets):
            if not isinstance(d, IterableDataset):
                raise TypeError(f"ChainDataset only supports IterableDataset: datasets[{i}] is "
                                f"a {type(d).__name__} (use ConcatDataset for map-style ones)")
            yield d

    def __iter__(self) -> Iterator[Any]:
        for d in self._checked():
            yield from d

    def __len__(self) -> int:
        return sum(len(d) for d in self._checked())


class Subset(Dataset[T_co]):
    """The samples of ``dataset`` at ``indices``, in that order: ``Subset(ds, idx)[i]`` is
    ``ds[idx[i]]``. Nothing is copied."""

    def __init__(self, dataset: Dataset[T_co], indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx: int | list[int]) -> Any:
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices: list[int]) -> list[T_co]:
        """Read a batch (the DataLoader's entry point), through the wrapped dataset's own
        ``__getitems__`` when it has one."""
        if type(self).__getitem__ is not Subset.__getitem__:  # a subclass changed the lookup
            return [self[i] for i in indices]
        inner = [self.indices[i] for i in indices]
        if callable(getattr(self.dataset, "__getitems__", None)):
            return self.dataset.__getitems__(inner)
        return [self.dataset[i] for i in inner]

    def __len__(self) -> int:
        return len(self.indices)


def _split_lengths(n: int, lengths: Sequence[int | float]) -> list[int]:
    """Sizes from ``lengths``: ints kept; fractions summing to 1 become ``floor(n * frac)``,
    then the remainder is handed out one by one, round-robin from the first split."""
    total = sum(lengths)
    if math.isclose(total, 1) and total <= 1:  # fractions (so [1] means "everything")
        sizes = []
        for i, frac in enumerate(lengths):
            if frac < 0 or frac > 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1: {frac}")
            sizes.append(math.floor(n * frac))
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
        for i, size in enumerate(sizes):
            if size == 0:
                warnings.warn(f"Length of split at index {i} is 0. This might result in an "
                              "empty dataset.", stacklevel=3)
        return sizes
    if not all(isinstance(x, numbers.Integral) for x in lengths):
        raise ValueError(f"lengths {list(lengths)} are neither sizes (ints summing to the "
                         f"dataset length {n}) nor fractions summing to 1")
    for i, size in enumerate(lengths):
        if size < 0:
            raise ValueError(f"Length at index {i} is negative: {size}")
    if total != n:
        raise ValueError(f"Sum of input lengths does not equal the length of the input dataset!"
                         f" lengths {list(lengths)} sum to {total}, the dataset has {n} samples")
    return [int(x) for x in lengths]


def random_split(dataset: Dataset[T_co], lengths: Sequence[int | float],
                 generator: Generator | None = None) -> list[Subset[T_co]]:
    """Split ``dataset`` into non-overlapping random ``Subset``\\ s of the given ``lengths``:
    sizes, or fractions summing to 1 (each split gets ``floor(len * frac)`` samples, and the
    leftover samples go one each to the first splits, as in PyTorch).

    One ``randperm(len(dataset), generator=generator)`` is cut into consecutive pieces, so the
    same seed gives the same split; with no generator the default one is used.

    >>> train, val = random_split(range(10), [0.8, 0.2], generator=Generator().manual_seed(0))
    >>> len(train), len(val)
    (8, 2)
    """
    sizes = _split_lengths(len(dataset), lengths)
    indices = randperm(sum(sizes), generator=generator).tolist()
    ends = itertools.accumulate(sizes)
    return [Subset(dataset, indices[end - size:end]) for end, size in zip(ends, sizes)]
