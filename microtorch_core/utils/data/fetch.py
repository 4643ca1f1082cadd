"""Fetching one batch: the step the ``DataLoader`` runs in the calling process with
``num_workers=0`` and in each worker process otherwise (PyTorch's ``_utils/fetch.py``).

``_MapFetcher.fetch(indices)`` reads a map-style dataset at the indices the sampler chose and
collates them; ``_StreamFetcher`` reads the next batch of an ``IterableDataset``'s stream.
Both loaders share them, so they make the same batches by construction.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from ... import dtypes
from ...creation import tensor
from ...tensor import Tensor
from .collate import default_collate
from .dataset import Subset, TensorDataset


def _tensor_source(dataset: Any) -> TensorDataset | None:
    """The ``TensorDataset`` that ``dataset`` reads from (itself, or under plain
    ``Subset``\\ s), if its rows can be read by indexing its tensors; else ``None``."""
    while type(dataset) is Subset:  # exactly Subset: a subclass may change the lookup
        dataset = dataset.dataset
    if isinstance(dataset, TensorDataset) and \
            type(dataset).__getitem__ is TensorDataset.__getitem__:
        return dataset
    return None


def _stack_rows(dataset: Any, indices: Sequence[int]) -> list[Tensor]:
    """``default_collate([dataset[i] for i in indices])`` for a ``_tensor_source`` dataset,
    in one indexing op per tensor instead of one per sample followed by ``stack``."""
    while type(dataset) is Subset:
        indices = [int(dataset.indices[i]) for i in indices]
        dataset = dataset.dataset
    start, n = (indices[0], len(indices)) if indices else (0, 0)
    if start >= 0 and list(indices) == list(range(start, start + n)):
        rows = slice(start, start + n)  # consecutive rows: a view, no copy
        return [t[rows] for t in dataset.tensors]
    picked = tensor(list(indices), dtype=dtypes.int64)
    return [t[picked.to(t.device)] for t in dataset.tensors]


class _MapFetcher:
    """Reads a map-style dataset: ``fetch(indices)`` is one collated batch, or, without
    batching (``batched=False``), ``fetch(index)`` is one converted sample.

    A ``TensorDataset`` (or a plain ``Subset`` of one) with ``default_collate`` takes the fast
    path of ``_stack_rows``; a dataset with ``__getitems__`` reads a whole batch at once."""

    def __init__(self, dataset: Any, batched: bool, collate_fn: Callable[[Any], Any]) -> None:
        self.dataset = dataset
        self.batched = batched
        self.collate_fn = collate_fn
        self.fast = collate_fn is default_collate and _tensor_source(dataset) is not None
        getitems = getattr(dataset, "__getitems__", None)
        self.getitems = getitems if callable(getitems) else None

    def fetch(self, index: Any) -> Any:
        if not self.batched:
            return self.collate_fn(self.dataset[index])
        if self.fast:
            return _stack_rows(self.dataset, index)
        if self.getitems is not None:
            return self.collate_fn(self.getitems(index))
        return self.collate_fn([self.dataset[i] for i in index])


class _StreamFetcher:
    """Batches of an ``IterableDataset``'s stream, as an iterator: each ``next()`` collates
    the next ``batch_size`` samples (one sample through ``collate_fn`` with
    ``batch_size=None``); ``drop_last`` ends the stream before a short last batch."""

    def __init__(self, dataset: Any, batch_size: int | None, collate_fn: Callable[[Any], Any],
                 drop_last: bool) -> None:
        self.stream = iter(dataset)
        self.batch_size = batch_size
        self.collate_fn = collate_fn
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[Any]:
        return self

    def __next__(self) -> Any:
        if self.batch_size is None:
            return self.collate_fn(next(self.stream))
        batch = list(itertools.islice(self.stream, self.batch_size))
        if not batch or (self.drop_last and len(batch) < self.batch_size):
            raise StopIteration
        return self.collate_fn(batch)
