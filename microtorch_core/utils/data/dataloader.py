"""The ``DataLoader``: sampler -> batches of indices -> samples -> ``collate_fn`` -> tensors.

For a map-style dataset a sampler picks the indices (``SequentialSampler``, or a
``RandomSampler`` with ``shuffle=True``), a ``BatchSampler`` groups them, and each group of
samples goes through ``collate_fn``. An ``IterableDataset`` has no sampler: consecutive
samples of its stream are grouped instead. Everything runs in the calling process.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Generic, TypeVar

from ... import dtypes
from ...creation import tensor
from ...random import Generator
from ...tensor import Tensor
from .collate import default_collate, default_convert
from .dataset import Dataset, IterableDataset, Subset, TensorDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler, _check_positive_int

__all__ = ["DataLoader", "get_worker_info"]

T_co = TypeVar("T_co", covariant=True)

# Set once, then fixed: the samplers are built from them (as in PyTorch).
_FROZEN = ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset", "persistent_workers")


def get_worker_info() -> None:
    """Information about the worker process running the current ``IterableDataset.__iter__``,
    for a dataset that splits its stream between workers. MicroTorch loads every batch in the
    calling process, so this is always ``None``, as PyTorch's is outside a worker."""
    return None


def _check_single_process(num_workers: int, timeout: float, prefetch_factor: int | None,
                          persistent_workers: bool, multiprocessing_context: Any) -> None:
    """The worker-process options, with PyTorch's errors where it has them: only
    ``num_workers=0`` (no workers) is supported here."""
    if num_workers < 0:
        raise ValueError("num_workers option should be non-negative; use num_workers=0 to "
                         "disable multiprocessing.")
    if num_workers > 0:
        raise NotImplementedError(f"num_workers={num_workers} is not supported: MicroTorch's "
                                  "DataLoader has no worker processes and loads every batch in "
                                  "the calling process; pass num_workers=0")
    if timeout < 0:
        raise ValueError(f"timeout option should be non-negative, but got timeout={timeout}")
    if timeout > 0:
        raise ValueError(f"timeout={timeout} only applies to worker processes "
                         "(num_workers > 0); pass timeout=0")
    if prefetch_factor is not None:
        raise ValueError("prefetch_factor option could only be specified in multiprocessing."
                         "let num_workers > 0 to enable multiprocessing, otherwise set "
                         "prefetch_factor to None.")
    if persistent_workers:
        raise ValueError("persistent_workers option needs num_workers > 0")
    if multiprocessing_context is not None:
        raise ValueError("multiprocessing_context can only be used with multi-process loading "
                         f"(num_workers > 0), but got num_workers={num_workers}")


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


class DataLoader(Generic[T_co]):
    """Iterate over ``dataset`` in batches, as ``torch.utils.data.DataLoader``.

    * ``batch_size`` samples per batch (``None``: no batching, each sample goes through
      ``collate_fn``, by default ``default_convert``); ``drop_last`` drops a short last batch.
    * ``shuffle=True`` reads a map-style dataset in a new random order each epoch (each
      ``iter()``): ``RandomSampler(dataset, generator=generator)``, from ``generator`` or, when
      none is given, the default generator, so ``generator=Generator().manual_seed(s)`` or a
      global ``manual_seed(s)`` make the orders reproducible.
    * ``sampler`` (indices) or ``batch_sampler`` (lists of indices) replace the default order;
      ``batch_sampler`` also decides the batches, so it excludes ``batch_size``, ``shuffle``,
      ``sampler`` and ``drop_last``.
    * ``collate_fn`` turns a list of samples into a batch (default ``default_collate``).
    * An ``IterableDataset`` is read in its own order: no ``shuffle``, ``sampler`` or
      ``batch_sampler``.
    * Only ``num_workers=0`` is supported (no worker processes); ``pin_memory=True`` warns
      and has no effect (MicroTorch has no page-locked host memory); ``worker_init_fn`` is
      kept but never called, as in PyTorch with no workers.

    A ``TensorDataset`` (or a ``Subset`` of one, e.g. from ``random_split``) with the default
    collate takes a fast path: one indexing op per tensor and batch instead of one per sample
    followed by ``stack`` (same result).

    >>> loader = DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True,
    ...                     generator=Generator().manual_seed(0))
    >>> for xb, yb in loader:
    ...     loss = loss_fn(model(xb), yb)
    """

    def __init__(self, dataset: Dataset[T_co] | Any, batch_size: int | None = 1,
                 shuffle: bool | None = None, sampler: Sampler | Iterable | None = None,
                 batch_sampler: Sampler[list] | Iterable[list] | None = None,
                 num_workers: int = 0, collate_fn: Callable[[Any], Any] | None = None,
                 pin_memory: bool = False, drop_last: bool = False, timeout: float = 0,
                 worker_init_fn: Callable[[int], None] | None = None,
                 multiprocessing_context: Any = None, generator: Generator | None = None, *,
                 prefetch_factor: int | None = None, persistent_workers: bool = False) -> None:
        _check_single_process(num_workers, timeout, prefetch_factor, persistent_workers,
                              multiprocessing_context)
        if pin_memory:
            warnings.warn("pin_memory=True has no effect: MicroTorch has no pinned "
                          "(page-locked) host memory, batches stay in ordinary memory",
                          stacklevel=2)
        iterable = isinstance(dataset, IterableDataset)
        if iterable:
            # Checked first: for a stream, no sampler option can work, whatever its value.
            if shuffle not in (False, None):
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified shuffle "
                                 f"option, but got shuffle={shuffle}")
            if sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified sampler "
                                 f"option, but got sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                                 f"batch_sampler option, but got batch_sampler={batch_sampler}")
        shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None:
            if drop_last:
                raise ValueError("batch_size=None option disables auto-batching and is "
                                 "mutually exclusive with drop_last")
        else:
            _check_positive_int("batch_size", batch_size)

        if sampler is None and not iterable:
            sampler = (RandomSampler(dataset, generator=generator) if shuffle
                       else SequentialSampler(dataset))
        if batch_size is not None and not iterable:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        auto_batching = batch_size is not None or batch_sampler is not None

        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler  # None for an IterableDataset
        self.batch_sampler = batch_sampler  # None without batching or for an IterableDataset
        self.collate_fn = collate_fn or (default_collate if auto_batching else default_convert)
        self.generator = generator
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = persistent_workers
        self._iterable = iterable
        self._initialized = True

    def __setattr__(self, name: str, value: Any) -> None:
        if self.__dict__.get("_initialized") and name in _FROZEN:
            raise ValueError(f"{name} attribute should not be set after "
                             f"{type(self).__name__} is initialized")
        super().__setattr__(name, value)

    def __len__(self) -> int:
        """Batches per epoch (samples without batching). For an ``IterableDataset`` it is
        computed from ``len(dataset)``, which the dataset must define."""
        if not self._iterable:
            return len(self.batch_sampler if self.batch_sampler is not None else self.sampler)
        n = len(self.dataset)
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self) -> Iterator[Any]:
        if self._iterable:
            return self._iter_stream()
        if self.batch_sampler is None:
            return (self.collate_fn(self.dataset[index]) for index in self.sampler)
        return self._iter_batches()

    def _iter_batches(self) -> Iterator[Any]:
        fast = self.collate_fn is default_collate and _tensor_source(self.dataset) is not None
        getitems = getattr(self.dataset, "__getitems__", None)
        for indices in self.batch_sampler:
            if fast:
                yield _stack_rows(self.dataset, indices)
            elif callable(getitems):
                yield self.collate_fn(getitems(indices))
            else:
                yield self.collate_fn([self.dataset[i] for i in indices])

    def _iter_stream(self) -> Iterator[Any]:
        stream = iter(self.dataset)
        if self.batch_size is None:
            for sample in stream:
                yield self.collate_fn(sample)
            return
        while batch := list(itertools.islice(stream, self.batch_size)):
            if self.drop_last and len(batch) < self.batch_size:
                return
            yield self.collate_fn(batch)
