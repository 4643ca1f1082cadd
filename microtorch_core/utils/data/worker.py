"""Worker processes for ``DataLoader(num_workers > 0)``, as PyTorch's
``_MultiProcessingDataLoaderIter`` and ``_utils/worker.py``.

Processes and queues::

    main process --- index_queues[w] ---> worker w      one queue per worker
    worker w ------- result_queue ------> main process  one queue shared by all workers

* **Workers.** Each worker holds its own copy of the dataset (inherited with the 'fork' start
  method, pickled with 'spawn'), seeds its random generators with ``base_seed + worker_id``,
  calls ``worker_init_fn(worker_id)``, then loops: take ``(batch number, indices)`` from its
  index queue, load and collate the batch (``fetch.py``), put ``(batch number, batch)`` on
  the result queue. An exception is sent instead of the batch, with its traceback as text.
  For an ``IterableDataset`` the "indices" are ``None``: "your next batch, please"; a worker
  whose stream is exhausted answers once with ``_StreamEnd`` and then ignores further
  requests. ``None`` on the index queue means "exit".
* **Sending.** The main process hands out batch numbers round-robin: batch ``k`` goes to
  worker ``k % num_workers`` (skipping workers whose stream ended), and keeps at most
  ``prefetch_factor`` batches per worker in flight: one new batch is sent for each one
  yielded.
* **In-order reassembly.** Batches come back in whatever order the workers finish them.
  The main process yields batch ``0, 1, 2, ...`` in turn, keeping early arrivals in a
  buffer, so the batches are those of ``num_workers=0``, in the sampler's order.
* **Shutdown.** When the epoch ends (unless ``persistent_workers``), on an error, or when the
  iterator is garbage-collected (e.g. after ``break``), the main process sets ``done`` (the
  workers skip batches still queued), puts ``None`` on every index queue, joins each worker
  with a timeout, and terminates any that is still alive. A worker also exits by itself when
  the main process has died.

Everything crossing a queue is pickled: CPU tensors pickle as their NumPy values
(``Tensor.__reduce__``). The worker pickles its result itself rather than leaving it to the
queue's background thread, so a batch that cannot be pickled becomes an error the main
process reports instead of a batch that never arrives.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import pickle
import queue
import random
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.context import BaseContext
from typing import TYPE_CHECKING, Any

import numpy as np

from ... import random as mt_random
from ...random import Generator
from .fetch import _MapFetcher, _StreamFetcher

if TYPE_CHECKING:
    from .dataloader import DataLoader

__all__ = ["WorkerInfo", "get_worker_info"]

_POLL_S = 1.0  # how often a blocked wait checks that the other side is still alive
_JOIN_S = 5.0  # how long shutdown waits for the workers to exit before terminating them


@dataclass(frozen=True)
class WorkerInfo:
    """What ``get_worker_info()`` returns inside a worker process."""

    id: int  #: this worker's number, ``0 .. num_workers - 1``
    num_workers: int
    seed: int  #: ``base_seed + id``, the seed of this worker's generators
    dataset: Any  #: this process's copy of the dataset


_worker_info: WorkerInfo | None = None  # set in a worker process only


def get_worker_info() -> WorkerInfo | None:
    """Information about the DataLoader worker process running this code: its ``id``,
    ``num_workers``, ``seed`` and its copy of the ``dataset``; ``None`` in the main process.

    An ``IterableDataset`` uses it to split its stream between workers (each worker iterates
    its own copy, so without a split every worker yields the whole stream):

    >>> class Range(IterableDataset):
    ...     def __init__(self, n): self.n = n
    ...     def __iter__(self):
    ...         info = get_worker_info()
    ...         if info is None:  # num_workers=0: everything, in this process
    ...             return iter(range(self.n))
    ...         return iter(range(info.id, self.n, info.num_workers))
    """
    return _worker_info


def _base_seed(generator: Generator | None, epoch: int) -> int:
    """The seed of one epoch's workers, from the loader's generator (else the default one)
    and the epoch number: reproducible with a seeded generator, new each epoch.

    It is a hash of the generator's state, not a draw from it as in PyTorch: a draw would
    shift the shuffled order, and ``num_workers=2`` would no longer read the same batches as
    ``num_workers=0``, which draws nothing."""
    seed, offset = (generator or mt_random.default_generator).get_state()
    words = np.random.SeedSequence([seed, offset, epoch]).generate_state(1, np.uint64)
    return int(words[0]) >> 1  # 63 bits: base_seed + worker_id still fits a 64-bit seed


def _resolve_context(context: BaseContext | str | None) -> BaseContext:
    """The multiprocessing context: the one given, the one of a start-method name
    ('fork', 'spawn', 'forkserver'), or the platform's default."""
    if context is None or isinstance(context, str):
        return multiprocessing.get_context(context)
    return context


# -- messages between the processes ----------------------------------------------------------
@dataclass(frozen=True)
class _StreamEnd:
    """A worker's answer to a request after its ``IterableDataset`` stream ran out."""

    worker_id: int


@dataclass(frozen=True)
class _Resume:
    """Main to worker, for persistent workers: a new epoch starts (restart the stream)."""


class _KeyErrorMessage(str):
    """``str(KeyError(msg))`` is ``repr(msg)``, which would print the traceback on one line
    with ``\\n`` escapes; this message's repr is itself."""

    def __repr__(self) -> str:
        return self


class _WorkerError:
    """An exception raised in a worker, sent to the main process to be raised there."""

    def __init__(self, worker_id: int, error: BaseException, during: str = "") -> None:
        exc_type: type[BaseException] = type(error)
        try:  # the main process raises the same type if it can be pickled (by reference)
            pickle.dumps(exc_type)
        except Exception:
            exc_type = RuntimeError
        self.exc_type = exc_type
        self.message = (f"Caught {type(error).__name__} in DataLoader worker process "
                        f"{worker_id}{during}.\n"
                        f"Original {''.join(traceback.format_exception(error))}")

    def reraise(self) -> None:
        """Raise it in this (the main) process, with the worker's traceback in the message."""
        message: str = self.message
        if self.exc_type is KeyError:
            message = _KeyErrorMessage(message)
        try:
            error = self.exc_type(message)
        except Exception:  # an exception type whose constructor needs other arguments
            raise RuntimeError(message) from None
        raise error


# -- the worker process ----------------------------------------------------------------------
@dataclass
class _WorkerSpec:
    """What a worker needs: the dataset and how to batch it. Pickled for 'spawn'."""

    dataset: Any
    iterable: bool  # an IterableDataset: fetch from its stream, no indices
    batched: bool  # map-style: are tasks lists of indices (True) or single indices?
    batch_size: int | None
    drop_last: bool
    collate_fn: Callable[[Any], Any]
    worker_init_fn: Callable[[int], None] | None
    num_workers: int

    def fetcher(self) -> _MapFetcher | _StreamFetcher:
        if self.iterable:
            return _StreamFetcher(self.dataset, self.batch_size, self.collate_fn, self.drop_last)
        return _MapFetcher(self.dataset, self.batched, self.collate_fn)


def _seed_worker(seed: int, worker_id: int, base: int) -> None:
    """Different random streams per worker, as PyTorch seeds them: MicroTorch's default
    generator and Python's ``random`` with ``seed``, NumPy's global one from both numbers."""
    random.seed(seed)
    mt_random.manual_seed(seed)
    np.random.seed(np.random.SeedSequence([worker_id, base]).generate_state(4))


def _worker_loop(spec: _WorkerSpec, worker_id: int, base: int, index_queue: Any,
                 result_queue: Any, done: Any) -> None:
    """The body of worker process ``worker_id``; see the module docstring."""
    global _worker_info
    seed = base + worker_id
    _seed_worker(seed, worker_id, base)
    _worker_info = WorkerInfo(worker_id, spec.num_workers, seed, spec.dataset)
    init_error = None
    try:
        if spec.worker_init_fn is not None:
            spec.worker_init_fn(worker_id)
        fetcher = spec.fetcher()
    except Exception as err:
        init_error = _WorkerError(worker_id, err)  # the answer to every request from now on

    def send(batch_number: int | None, result: Any) -> None:
        try:
            message = pickle.dumps((batch_number, result), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as err:  # e.g. a tensor on a GPU, or a lambda inside the batch
            error = _WorkerError(worker_id, err, " while pickling a batch for the main process")
            message = pickle.dumps((batch_number, error))
        result_queue.put(message)

    parent = os.getppid()
    stream_ended = False
    try:
        while True:
            try:
                task = index_queue.get(timeout=_POLL_S)
            except queue.Empty:
                if os.getppid() != parent:  # the main process died without telling us
                    break
                continue
            if task is None:
                break
            if isinstance(task, _Resume):
                if init_error is None:
                    fetcher = spec.fetcher()
                stream_ended = False
                send(None, task)
                continue
            if done.is_set() or stream_ended:
                continue
            batch_number, index = task
            if init_error is not None:
                send(batch_number, init_error)
                continue
            try:
                send(batch_number, next(fetcher) if spec.iterable else fetcher.fetch(index))
            except StopIteration:
                stream_ended = True
                send(batch_number, _StreamEnd(worker_id))
            except Exception as err:
                send(batch_number, _WorkerError(worker_id, err))
    except KeyboardInterrupt:  # Ctrl-C reaches every process: the main process handles it
        pass
    # The main process may have stopped reading: exit without waiting for the queue's
    # background thread to flush results nobody will take.
    result_queue.cancel_join_thread()


# -- the main process ------------------------------------------------------------------------
class _MultiProcessingIterator(Iterator[Any]):
    """One epoch of a ``DataLoader`` with worker processes (or, with ``persistent_workers``,
    every epoch: ``reset`` starts the next one on the same workers)."""

    def __init__(self, loader: DataLoader, epoch: int) -> None:
        self._pid = os.getpid()
        self._shut_down = False
        self._workers: list[Any] = []
        self._index_queues: list[Any] = []
        self._num_workers = loader.num_workers
        self._prefetch = loader.prefetch_factor or 2
        self._timeout = loader.timeout
        self._persistent = loader.persistent_workers
        self._iterable = loader._iterable
        context = _resolve_context(loader.multiprocessing_context)
        spec = _WorkerSpec(loader.dataset, loader._iterable, loader.batch_sampler is not None,
                           loader.batch_size, loader.drop_last, loader.collate_fn,
                           loader.worker_init_fn, loader.num_workers)
        seed = _base_seed(loader.generator, epoch)
        self._result_queue = context.Queue()
        self._done = context.Event()
        try:
            for worker_id in range(self._num_workers):
                index_queue = context.Queue()
                # Shutdown may put None on the queue of a worker that already exited: don't
                # let the main process wait, at its exit, to flush it.
                index_queue.cancel_join_thread()
                worker = context.Process(
                    target=_worker_loop, daemon=True,  # daemon: never outlives the main process
                    args=(spec, worker_id, seed, index_queue, self._result_queue, self._done))
                _start(worker, worker_id, context)
                self._index_queues.append(index_queue)
                self._workers.append(worker)
            self._start_epoch(loader)
        except BaseException:
            self._shutdown()
            raise

    # -- epochs ------------------------------------------------------------------------------
    def reset(self, loader: DataLoader) -> None:
        """Start a new epoch on the same (persistent) workers. Each worker restarts its
        stream and acknowledges; results of an unfinished epoch are thrown away."""
        for index_queue in self._index_queues:
            index_queue.put(_Resume())
        acknowledged = 0
        while acknowledged < self._num_workers:
            _, message = self._receive()
            acknowledged += isinstance(message, _Resume)
        self._start_epoch(loader)

    def _start_epoch(self, loader: DataLoader) -> None:
        sampler = loader.batch_sampler if loader.batch_sampler is not None else loader.sampler
        # For a stream there are no indices: every request is "the next batch".
        self._tasks_to_send = itertools.repeat(None) if self._iterable else iter(sampler)
        self._sent = 0  # batch numbers 0 .. sent - 1 went to workers
        self._next = 0  # the batch number to yield next
        self._owner: dict[int, int] = {}  # batch number -> worker, until it is yielded
        self._arrived: dict[int, Any] = {}  # batches that came before their turn
        self._active = [True] * self._num_workers  # False: that worker's stream ended
        self._cycle = itertools.cycle(range(self._num_workers))
        self._fill()

    # -- sending ------------------------------------------------------------------------------
    def _fill(self) -> None:
        """Send batches until ``prefetch_factor`` per active worker are in flight."""
        while len(self._owner) < self._prefetch * sum(self._active) and self._send_one():
            pass

    def _send_one(self) -> bool:
        """Send the next batch to the next active worker, round-robin; False when there is
        nothing left to send."""
        try:
            task = next(self._tasks_to_send)
        except StopIteration:
            return False
        worker_id = next(self._cycle)
        while not self._active[worker_id]:
            worker_id = next(self._cycle)
        self._index_queues[worker_id].put((self._sent, task))
        self._owner[self._sent] = worker_id
        self._sent += 1
        return True

    # -- receiving ---------------------------------------------------------------------------
    def __iter__(self) -> _MultiProcessingIterator:
        return self

    def __next__(self) -> Any:
        while True:
            if self._shut_down or self._next == self._sent:  # everything sent was yielded
                if not self._persistent:
                    self._shutdown()
                raise StopIteration
            if self._next not in self._owner:  # its worker's stream ended before it
                self._next += 1
                continue
            if self._next in self._arrived:
                result = self._arrived.pop(self._next)
                del self._owner[self._next]
                self._next += 1
                if isinstance(result, _WorkerError):
                    self._shutdown()
                    result.reraise()
                self._fill()
                return result
            batch_number, result = self._receive()
            if isinstance(result, _StreamEnd):
                self._end_stream(result.worker_id)
            else:
                self._arrived[batch_number] = result

    def _end_stream(self, worker_id: int) -> None:
        """Worker ``worker_id``'s stream ran out: the batches it still owed will never come,
        and it gets no more requests."""
        self._active[worker_id] = False
        for batch_number, owner in list(self._owner.items()):
            if owner == worker_id and batch_number not in self._arrived:
                del self._owner[batch_number]
        if any(self._active):
            self._fill()

    def _receive(self) -> tuple[int | None, Any]:
        """The next ``(batch number, result)`` from any worker, waiting at most ``timeout``
        seconds (``0``: forever) while checking that every worker is still alive."""
        deadline = time.monotonic() + self._timeout if self._timeout > 0 else None
        while True:
            wait = _POLL_S if deadline is None else min(_POLL_S, deadline - time.monotonic())
            try:
                return pickle.loads(self._result_queue.get(timeout=max(wait, 0)))
            except queue.Empty:
                pass
            dead = [(i, w) for i, w in enumerate(self._workers) if not w.is_alive()]
            if dead:
                self._shutdown()
                details = ", ".join(f"worker {i} (pid {w.pid}, exit code {w.exitcode})"
                                    for i, w in dead)
                raise RuntimeError(f"DataLoader worker exited unexpectedly: {details}; the "
                                   "other workers were shut down")
            if deadline is not None and time.monotonic() >= deadline:
                self._shutdown()
                raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds "
                                   f"waiting for batch {self._next} from its workers; loading "
                                   "a batch takes longer, or a worker is stuck: raise timeout "
                                   "(0 waits forever)")

    # -- shutdown ----------------------------------------------------------------------------
    @property
    def is_shut_down(self) -> bool:
        """True once the workers are gone (the epoch ended, or an error stopped them)."""
        return self._shut_down

    def _shutdown(self) -> None:
        """Stop the workers: ask them to exit, join them for a while, terminate the rest."""
        if self._shut_down:
            return
        self._shut_down = True
        self._done.set()  # workers skip the batches still in their queues
        for index_queue in self._index_queues:
            index_queue.put(None)
        deadline = time.monotonic() + _JOIN_S
        for worker in self._workers:
            worker.join(timeout=max(deadline - time.monotonic(), 0))
        for worker in self._workers:
            if worker.is_alive():  # stuck in the dataset's code: don't wait for it
                worker.terminate()
                worker.join(timeout=_POLL_S)
        for q in [*self._index_queues, self._result_queue]:
            q.cancel_join_thread()
            q.close()

    def __del__(self) -> None:
        # Only the process that started the workers stops them (a forked worker holds a copy
        # of this object); at interpreter exit multiprocessing has already terminated them.
        if hasattr(self, "_result_queue") and os.getpid() == self._pid \
                and not sys.is_finalizing():
            self._shutdown()


def _start(worker: Any, worker_id: int, context: BaseContext) -> None:
    """Start one worker process; a spawned one needs its arguments pickled, say so."""
    try:
        worker.start()
    except (pickle.PicklingError, AttributeError, TypeError) as err:
        raise RuntimeError(
            f"cannot start DataLoader worker {worker_id} with the "
            f"{context.get_start_method()!r} start method: the dataset, collate_fn and "
            f"worker_init_fn are pickled for it, and pickling failed: {err}. Define them at "
            "module level (not lambdas or local classes), or use "
            "multiprocessing_context='fork'") from err
