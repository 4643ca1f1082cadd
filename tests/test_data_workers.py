"""DataLoader with worker processes (num_workers > 0), and the tensor pickling it relies on.

The reference is the single-process loader: with workers, a loader must yield exactly the
batches of ``num_workers=0``, in the same order. Worker-specific behaviour (seeding,
``get_worker_info``, errors, timeouts, shutdown, persistent workers) is checked through what
the workers report back in their samples. The 'fork' context is used unless a test is about
'spawn', which is slow to start (each worker imports MicroTorch and this module afresh).
Datasets are defined at module level, so that 'spawn' can pickle them; PyTorch, the
reference for a few tests, is imported inside those tests only, so that a spawned worker
importing this module does not import it too.
"""

import multiprocessing
import os
import pickle
import random
import time

import numpy as np
import pytest

import microtorch_core as mt
from microtorch_core.device import device
from microtorch_core.nn.parameter import Parameter
from microtorch_core.random import Generator
from microtorch_core.tensor import Tensor
from microtorch_core.utils.data import (
    DataLoader,
    Dataset,
    IterableDataset,
    TensorDataset,
    WorkerInfo,
    default_collate,
    get_worker_info,
    random_split,
)

FORK = dict(multiprocessing_context="fork")


def _tensors(n=10):
    return TensorDataset(mt.arange(n * 2).reshape(n, 2).float(), mt.arange(n))


def _plain(batch):
    """A batch as nested Python lists, to compare batches of any structure."""
    if isinstance(batch, mt.Tensor):
        return ("tensor", batch.dtype.name, batch.tolist())
    if isinstance(batch, dict):
        return {key: _plain(value) for key, value in batch.items()}
    if isinstance(batch, (list, tuple)):
        return [_plain(value) for value in batch]
    return batch


def _batches(loader):
    return [_plain(batch) for batch in loader]


class Squares(Dataset):
    """(x, {"square": x^2, "name": str}) per index: per-sample collation of nested samples."""

    def __len__(self):
        return 11

    def __getitem__(self, i):
        return mt.tensor([float(i)]), {"square": i * i, "name": f"s{i}"}


class WhoLoads(Dataset):
    """Each sample says which worker loaded it: (index, worker id, pid, worker seed)."""

    def __len__(self):
        return 8

    def __getitem__(self, i):
        info = get_worker_info()
        return i, info.id, os.getpid(), info.seed


class RandomDraws(Dataset):
    """A random "augmentation" per sample, drawn from the worker's generators."""

    def __len__(self):
        return 4

    def __getitem__(self, i):
        return get_worker_info().id, mt.rand(1).item(), random.random(), np.random.rand()


class InitRecorder(Dataset):
    """Samples report the worker ids that ``record_init`` saw in this worker."""

    def __init__(self):
        self.init_calls = []

    def __len__(self):
        return 6

    def __getitem__(self, i):
        return get_worker_info().id, list(self.init_calls)


def record_init(worker_id):
    get_worker_info().dataset.init_calls.append(worker_id)


class FailsAt(Dataset):
    def __init__(self, bad_index):
        self.bad_index = bad_index

    def __len__(self):
        return 6

    def __getitem__(self, i):
        if i == self.bad_index:
            raise ValueError(f"sample {i} is corrupt")
        return i


class Slow(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        time.sleep(0.5)
        return i


class DiesAt(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        if i == 1:
            os._exit(3)  # a crash: no exception, the process is just gone
        return i


class Sharded(IterableDataset):
    """0 .. n-1, split between workers by ``get_worker_info`` as PyTorch's docs show."""

    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = get_worker_info()
        if info is None:
            return iter(range(self.n))
        return iter(range(info.id, self.n, info.num_workers))


class Unsharded(IterableDataset):
    def __iter__(self):
        return iter(range(3))


# Same batches as num_workers=0

MAP_CASES = {
    "tensor-dataset": lambda: (_tensors(10), dict(batch_size=3)),
    "random-split-subset": lambda: (random_split(_tensors(12), [0.75, 0.25],
                                                 generator=Generator().manual_seed(0))[0],
                                    dict(batch_size=4)),
    "per-sample-collate": lambda: (Squares(), dict(batch_size=3)),
    "drop-last": lambda: (Squares(), dict(batch_size=3, drop_last=True)),
    "no-batching": lambda: (Squares(), dict(batch_size=None)),
    "batch-sampler": lambda: (_tensors(6), dict(batch_sampler=[[4, 5], [0], [1, 2, 3]])),
}


@pytest.mark.parametrize("case", MAP_CASES)
def test_map_style_batches_equal_single_process_batches(case):
    dataset, kwargs = MAP_CASES[case]()
    single = _batches(DataLoader(dataset, **kwargs))
    assert _batches(DataLoader(dataset, num_workers=2, **FORK, **kwargs)) == single


def test_shuffled_batches_with_a_seeded_generator_equal_single_process_batches():
    def two_epochs(**workers):
        loader = DataLoader(_tensors(30), batch_size=4, shuffle=True,
                            generator=Generator().manual_seed(5), **workers)
        return [_batches(loader) for _ in range(2)]

    single = two_epochs()
    assert single[0] != single[1]  # a new order each epoch
    assert two_epochs(num_workers=3, **FORK) == single


def test_spawned_workers_give_the_same_batches():
    dataset = Squares()
    single = _batches(DataLoader(dataset, batch_size=4))
    loader = DataLoader(dataset, batch_size=4, num_workers=2, multiprocessing_context="spawn")
    assert _batches(loader) == single


def test_a_multiprocessing_context_object_is_accepted():
    loader = DataLoader(_tensors(5), batch_size=2, num_workers=2,
                        multiprocessing_context=multiprocessing.get_context("fork"))
    assert _batches(loader) == _batches(DataLoader(_tensors(5), batch_size=2))


def test_batches_are_loaded_round_robin_by_the_workers():
    loader = DataLoader(WhoLoads(), batch_size=2, num_workers=2, **FORK)
    assert [batch[1].tolist() for batch in loader] == [[0, 0], [1, 1], [0, 0], [1, 1]]


def test_at_most_prefetch_factor_batches_per_worker_are_in_flight():
    loader = DataLoader(_tensors(40), batch_size=1, num_workers=2, prefetch_factor=3, **FORK)
    iterator = iter(loader)

    def in_flight():
        owners = list(iterator._owner.values())  # batch number -> worker, until yielded
        return [owners.count(worker_id) for worker_id in range(2)], max(iterator._owner)

    assert in_flight() == ([3, 3], 5)
    next(iterator)  # batch 0 yielded, so batch 6 is sent, to worker 0
    assert in_flight() == ([3, 3], 6)
    assert len(list(iterator)) == 39


# IterableDataset

def test_iterable_dataset_sharded_with_get_worker_info_yields_each_sample_once():
    loader = DataLoader(Sharded(23), batch_size=4, num_workers=3, **FORK)
    samples = [x for batch in loader for x in batch.tolist()]
    assert sorted(samples) == list(range(23))


@pytest.mark.parametrize("batch_size, drop_last", [(2, False), (2, True), (None, False)])
def test_iterable_dataset_batches_interleave_between_workers_like_pytorch(batch_size, drop_last):
    tdata = pytest.importorskip("torch.utils.data", reason="PyTorch is the reference here")

    class TorchSharded(tdata.IterableDataset):
        def __init__(self, n):
            self.n = n

        def __iter__(self):
            info = tdata.get_worker_info()
            return iter(range(info.id, self.n, info.num_workers))

    # Worker 0 reads 0, 2, 4, 6, 8, 10 and worker 1 reads 1, 3, 5, 7, 9: worker 1 ends first.
    ours = DataLoader(Sharded(11), batch_size=batch_size, drop_last=drop_last, num_workers=2,
                      **FORK)
    theirs = tdata.DataLoader(TorchSharded(11), batch_size=batch_size, drop_last=drop_last,
                              num_workers=2, multiprocessing_context="fork")

    def as_lists(loader):
        return [b.tolist() if batch_size else b for b in loader]  # unbatched: plain ints

    assert as_lists(ours) == as_lists(theirs)


def test_iterable_dataset_without_sharding_is_read_whole_by_every_worker():
    loader = DataLoader(Unsharded(), batch_size=None, num_workers=2, **FORK)
    assert sorted(loader) == [0, 0, 1, 1, 2, 2]


# Worker setup: worker_init_fn, get_worker_info, seeds

def test_worker_init_fn_is_called_once_per_worker_with_its_id():
    loader = DataLoader(InitRecorder(), batch_size=None, num_workers=3,
                        worker_init_fn=record_init, **FORK)
    reports = list(loader)
    assert {worker_id for worker_id, _ in reports} == {0, 1, 2}
    for worker_id, init_calls in reports:
        assert init_calls == [worker_id]


def test_get_worker_info_is_none_in_the_main_process_after_workers_ran():
    assert len(list(DataLoader(WhoLoads(), num_workers=2, **FORK))) == 8
    assert get_worker_info() is None


def test_worker_seeds_are_one_base_seed_plus_the_worker_id():
    loader = DataLoader(WhoLoads(), batch_size=None, num_workers=2, **FORK)
    seeds = {worker_id: seed for _, worker_id, _, seed in loader}
    assert seeds[1] == seeds[0] + 1


def test_worker_info_is_read_only():
    info = WorkerInfo(id=0, num_workers=2, seed=7, dataset=None)
    with pytest.raises(AttributeError):
        info.id = 1


def test_workers_draw_different_random_numbers():
    loader = DataLoader(RandomDraws(), batch_size=None, num_workers=2, **FORK)
    draws = {worker_id: tuple(values) for worker_id, *values in loader}  # last sample each
    for generator in range(3):  # MicroTorch's, Python's and NumPy's
        assert draws[0][generator] != draws[1][generator]


def test_worker_random_numbers_are_reproducible_with_a_seeded_generator():
    def epochs(seed):
        loader = DataLoader(RandomDraws(), batch_size=None, num_workers=2,
                            generator=Generator().manual_seed(seed), **FORK)
        return [list(loader) for _ in range(2)]

    first = epochs(1)
    assert epochs(1) == first
    assert first[0] != first[1]  # each epoch seeds its workers anew
    assert epochs(2) != first


# Errors, timeout and shutdown

def test_an_exception_in_a_worker_is_reraised_with_the_worker_id_and_traceback():
    loader = DataLoader(FailsAt(3), batch_size=None, num_workers=2, **FORK)
    with pytest.raises(ValueError, match="Caught ValueError in DataLoader worker process 1") \
            as info:
        list(loader)
    assert "Original Traceback (most recent call last)" in str(info.value)
    assert "in __getitem__" in str(info.value) and "sample 3 is corrupt" in str(info.value)


def test_an_exception_in_a_worker_shuts_the_workers_down():
    with pytest.raises(ValueError):
        list(DataLoader(FailsAt(0), num_workers=2, **FORK))
    assert multiprocessing.active_children() == []


def test_an_exception_in_worker_init_fn_is_reraised_with_the_worker_id():
    def failing_init(worker_id):
        raise KeyError(f"no shard for worker {worker_id}")

    loader = DataLoader(WhoLoads(), num_workers=2, worker_init_fn=failing_init, **FORK)
    with pytest.raises(KeyError, match="Caught KeyError in DataLoader worker process 0"):
        list(loader)


def test_a_batch_that_cannot_be_pickled_is_reported_as_an_error():
    loader = DataLoader(_tensors(4), batch_size=2, num_workers=2,
                        collate_fn=lambda samples: (lambda: samples), **FORK)
    with pytest.raises(AttributeError, match="Caught AttributeError in DataLoader worker "
                                             "process 0 while pickling a batch"):
        next(iter(loader))


def test_a_worker_that_dies_is_reported():
    loader = DataLoader(DiesAt(), batch_size=None, num_workers=2, **FORK)
    with pytest.raises(RuntimeError, match=r"worker exited unexpectedly: worker 1 \(pid \d+, "
                                           r"exit code 3\)"):
        list(loader)
    assert multiprocessing.active_children() == []


def test_exceeding_the_timeout_raises():
    loader = DataLoader(Slow(), batch_size=None, num_workers=2, timeout=0.1, **FORK)
    with pytest.raises(RuntimeError, match="DataLoader timed out after 0.1 seconds"):
        next(iter(loader))


def test_breaking_out_of_the_loop_leaves_no_child_processes():
    for _ in DataLoader(_tensors(40), batch_size=2, num_workers=2, **FORK):
        break
    assert multiprocessing.active_children() == []


def test_exhausting_the_loader_leaves_no_child_processes():
    iterator = iter(DataLoader(_tensors(6), batch_size=2, num_workers=2, **FORK))
    assert len(list(iterator)) == 3
    assert multiprocessing.active_children() == []


def test_an_unpicklable_dataset_with_spawn_raises_a_clear_error():
    class Local(Dataset):  # a local class cannot be pickled by reference
        def __len__(self):
            return 2

        def __getitem__(self, i):
            return i

    loader = DataLoader(Local(), num_workers=1, multiprocessing_context="spawn")
    with pytest.raises(RuntimeError, match="cannot start DataLoader worker 0 with the 'spawn'"):
        iter(loader)


# Persistent workers

def test_persistent_workers_serve_every_epoch_with_the_same_processes():
    loader = DataLoader(WhoLoads(), batch_size=2, num_workers=2, persistent_workers=True,
                        **FORK)
    epochs = [[batch for batch in loader] for _ in range(2)]
    pids = [{pid for _, _, pids, _ in epoch for pid in pids.tolist()} for epoch in epochs]
    assert len(pids[0]) == 2 and pids[0] == pids[1]
    assert [_plain(b[0]) for b in epochs[0]] == [_plain(b[0]) for b in epochs[1]]
    assert len(multiprocessing.active_children()) == 2  # still running between epochs
    del loader, epochs
    assert multiprocessing.active_children() == []


def test_new_workers_are_started_each_epoch_without_persistent_workers():
    loader = DataLoader(WhoLoads(), batch_size=None, num_workers=1, **FORK)
    assert {pid for *_, pid, _ in loader} != {pid for *_, pid, _ in loader}


def test_persistent_workers_restart_an_iterable_dataset_each_epoch():
    loader = DataLoader(Sharded(7), batch_size=3, num_workers=2, persistent_workers=True,
                        **FORK)
    first, second = [[b.tolist() for b in loader] for _ in range(2)]
    assert first == second
    assert sorted(x for batch in first for x in batch) == list(range(7))


def test_persistent_workers_after_a_broken_epoch_give_a_full_epoch():
    loader = DataLoader(_tensors(20), batch_size=2, num_workers=2, persistent_workers=True,
                        **FORK)
    for _ in loader:
        break
    assert _batches(loader) == _batches(DataLoader(_tensors(20), batch_size=2))


# Options

def test_prefetch_factor_defaults_to_two_with_workers():
    assert DataLoader(_tensors(), num_workers=2).prefetch_factor == 2


def test_prefetch_factor_zero_is_rejected_with_workers():
    with pytest.raises(ValueError, match="prefetch_factor should be a positive integer"):
        DataLoader(_tensors(), num_workers=2, prefetch_factor=0)


def _error(fn, *args, **kwargs):
    with pytest.raises(Exception) as info:
        fn(*args, **kwargs)
    return info.value


@pytest.mark.parametrize("kwargs", [dict(prefetch_factor=-1),
                                    dict(multiprocessing_context="threads"),
                                    dict(multiprocessing_context=3)],
                         ids=["negative-prefetch", "unknown-start-method", "not-a-context"])
def test_worker_options_with_workers_raise_like_pytorch(kwargs):
    tdata = pytest.importorskip("torch.utils.data", reason="PyTorch is the reference here")
    ours = _error(DataLoader, [0.0, 1.0], num_workers=2, **kwargs)
    theirs = _error(tdata.DataLoader, [0.0, 1.0], num_workers=2, **kwargs)
    assert type(ours) is type(theirs) and str(ours).startswith(str(theirs))


# Tensor pickling (how batches cross the process boundary)

@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "int64", "bool"])
def test_a_cpu_tensor_pickles_with_its_values_and_dtype(dtype):
    t = mt.tensor([[0, 1, 2], [3, 4, 5]]).to(getattr(mt, dtype))
    back = pickle.loads(pickle.dumps(t))
    assert back.dtype is t.dtype and back.shape == t.shape
    np.testing.assert_array_equal(back.numpy(), t.numpy())


def test_a_pickled_view_is_a_compact_copy_of_its_values():
    view = mt.arange(12).reshape(3, 4)[1:, ::2]
    back = pickle.loads(pickle.dumps(view))
    assert back.tolist() == [[4, 6], [8, 10]] and back.is_contiguous()


def test_a_pickled_tensor_keeps_requires_grad_and_drops_the_graph():
    x = mt.ones(2, requires_grad=True)
    back = pickle.loads(pickle.dumps(x * 2))
    assert back.requires_grad and back.is_leaf and back.tolist() == [2.0, 2.0]


def test_a_pickled_parameter_stays_a_parameter():
    back = pickle.loads(pickle.dumps(Parameter(mt.zeros(2))))
    assert type(back) is Parameter and back.requires_grad


def test_pickling_a_tensor_on_another_device_names_the_device():
    cpu = mt.ones(2)
    on_gpu = Tensor._make(cpu._storage, cpu.shape, cpu._strides, 0, cpu.dtype,
                          device("cuda:0"), cpu._kernels)  # only its device matters here
    with pytest.raises(TypeError, match="cannot pickle a tensor on device 'cuda:0'.*cpu()"):
        pickle.dumps(on_gpu)


def test_collated_batches_survive_pickling():
    batch = default_collate([(mt.tensor([1.0]), 2), (mt.tensor([3.0]), 4)])
    assert _plain(pickle.loads(pickle.dumps(batch))) == _plain(batch)
