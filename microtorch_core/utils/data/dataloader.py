"""The ``DataLoader``: sampler -> batches of indices -> samples -> ``collate_fn`` -> tensors.

For a map-style dataset a sampler picks the indices (``SequentialSampler``, or a
``RandomSampler`` with ``shuffle=True``), a ``BatchSampler`` groups them, and each group of
samples goes through ``collate_fn`` (``fetch.py``). An ``IterableDataset`` has no sampler:
consecutive samples of its stream are grouped instead. With ``num_workers=0`` everything runs
in the calling process; with ``num_workers > 0`` worker processes load and collate the
batches while the calling process samples the indices and yields the batches in order
(``worker.py``).
"""

from __future__ import annotations

import math
import multiprocessing
import warnings
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.context import BaseContext
from typing import Any, Generic, TypeVar

from ...random import Generator
from .collate import default_collate, default_convert
from .dataset import Dataset, IterableDataset
from .fetch import _MapFetcher, _StreamFetcher
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler, _check_positive_int
from .worker import _MultiProcessingIterator, get_worker_info

__all__ = ["DataLoader", "get_worker_info"]

T_co = TypeVar("T_co", covariant=True)

# Set once, then fixed: the samplers are built from them (as in PyTorch).
_FROZEN = ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset", "persistent_workers")


def _check_worker_options(num_workers: int, timeout: float, prefetch_factor: int | None,
                          persistent_workers: bool, multiprocessing_context: Any
                          ) -> int | None:
    """The worker-process options, with PyTorch's errors where it has them; returns
    ``prefetch_factor`` (2 by default with workers, ``None`` without)."""
    if not isinstance(num_workers, int) or isinstance(num_workers, bool):
        raise TypeError(f"num_workers should be an integer, but got num_workers={num_workers!r}")
    if num_workers < 0:
        raise ValueError("num_workers option should be non-negative; use num_workers=0 to "
                         f"disable multiprocessing. (got num_workers={num_workers})")
    if timeout < 0:
        raise ValueError(f"timeout option should be non-negative, but got timeout={timeout}")
    if num_workers == 0:
        if timeout > 0:
            raise ValueError(f"timeout={timeout} only applies to worker processes "
                             "(num_workers > 0); pass timeout=0")
        if prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in "
                             "multiprocessing.let num_workers > 0 to enable multiprocessing, "
                             "otherwise set prefetch_factor to None.")
        if persistent_workers:
            raise ValueError("persistent_workers option needs num_workers > 0")
        if multiprocessing_context is not None:
            raise ValueError("multiprocessing_context can only be used with multi-process "
                             f"loading (num_workers > 0), but got num_workers={num_workers}")
        return None
    if prefetch_factor is None:
        prefetch_factor = 2
    elif prefetch_factor < 0:
        raise ValueError(f"prefetch_factor option should be non-negative, but got "
                         f"prefetch_factor={prefetch_factor}")
    elif not isinstance(prefetch_factor, int) or prefetch_factor == 0:
        raise ValueError(f"prefetch_factor should be a positive integer with worker processes "
                         f"(the batches each worker loads ahead), but got "
                         f"prefetch_factor={prefetch_factor}")
    if isinstance(multiprocessing_context, str):
        methods = multiprocessing.get_all_start_methods()
        if multiprocessing_context not in methods:
            raise ValueError(f"multiprocessing_context option should specify a valid start "
                             f"method in {methods!r}, but got "
                             f"multiprocessing_context={multiprocessing_context!r}")
    elif multiprocessing_context is not None and \
            not isinstance(multiprocessing_context, BaseContext):
        raise TypeError("multiprocessing_context option should be a valid context object or a "
                        "string specifying the start method, but got "
                        f"multiprocessing_context={multiprocessing_context}")
    return prefetch_factor


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
    * ``num_workers > 0`` loads and collates batches in that many worker processes
      (``multiprocessing_context``: a context or a start-method name, default the platform's)
      and yields exactly the batches of ``num_workers=0``, in order. Each worker has its own
      copy of the dataset, seeds its generators with ``base_seed + worker_id`` and calls
      ``worker_init_fn(worker_id)``; ``get_worker_info()`` tells dataset code which worker it
      runs in (an ``IterableDataset`` splits its stream with it). ``prefetch_factor``
      (default 2) batches per worker are loaded ahead; ``timeout`` > 0 limits the wait for a
      batch; ``persistent_workers=True`` keeps the workers from one epoch to the next.
    * ``pin_memory=True`` warns and has no effect (MicroTorch has no page-locked host
      memory); with ``num_workers=0``, ``worker_init_fn`` is kept but never called, as in
      PyTorch.

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
        prefetch_factor = _check_worker_options(num_workers, timeout, prefetch_factor,
                                                persistent_workers, multiprocessing_context)
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
        self._epochs_with_workers = 0  # numbers the workers' seeds, one per start
        self._persistent_iterator: _MultiProcessingIterator | None = None
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
        if self.num_workers > 0:
            return self._worker_iterator()
        if self._iterable:
            return _StreamFetcher(self.dataset, self.batch_size, self.collate_fn,
                                  self.drop_last)
        fetcher = _MapFetcher(self.dataset, self.batch_sampler is not None, self.collate_fn)
        indices = self.batch_sampler if self.batch_sampler is not None else self.sampler
        return (fetcher.fetch(index) for index in indices)

    def _worker_iterator(self) -> _MultiProcessingIterator:
        """This epoch's iterator over worker processes: new workers each epoch, or, with
        ``persistent_workers``, the same ones again once started (as in PyTorch)."""
        if self.persistent_workers:
            running = self._persistent_iterator
            if running is not None and not running.is_shut_down:
                running.reset(self)
                return running
        self._epochs_with_workers += 1
        iterator = _MultiProcessingIterator(self, epoch=self._epochs_with_workers)
        if self.persistent_workers:
            self._persistent_iterator = iterator
        return iterator
