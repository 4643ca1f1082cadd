"""utils.data beyond the basic loader: Subset, ConcatDataset, ChainDataset, StackDataset,
random_split, IterableDataset, the samplers and the DataLoader options that use them.

Deterministic behaviour (lengths, sequential and batch orders, indexing, error messages) is
compared with PyTorch when it is installed. Random orders come from MicroTorch's Philox
generator, not PyTorch's, so for them the tests check properties: a permutation, the same
order for the same seed, another order for another seed, frequencies that follow the law.
"""

import itertools

import numpy as np
import pytest
from torch_reference import requires_torch, torch

import microtorch_core as mt
from microtorch_core.random import Generator
from microtorch_core.utils.data import (
    BatchSampler,
    ChainDataset,
    ConcatDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    RandomSampler,
    Sampler,
    SequentialSampler,
    StackDataset,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    default_collate,
    default_convert,
    get_worker_info,
    random_split,
)

if torch is not None:
    import torch.utils.data as tdata


def _dataset(n=10):
    return TensorDataset(mt.arange(n * 2).reshape(n, 2).float(), mt.arange(n))


def _labels(loader):
    return [y.tolist() for _, y in loader]


def _error(fn, *args, **kwargs):
    """The exception ``fn(*args, **kwargs)`` raises (it must raise one)."""
    with pytest.raises(Exception) as info:
        fn(*args, **kwargs)
    return info.value


def _same_error(ours, theirs):
    """Same exception type, and our message starts with PyTorch's (ours may add values)."""
    assert type(ours) is type(theirs), (ours, theirs)
    assert str(ours).startswith(str(theirs)), (str(ours), str(theirs))


class Count(IterableDataset):
    """A stream of 0 .. n-1, with a length."""

    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


class Stream(IterableDataset):
    """A stream of 0 .. n-1 without a length (a generator)."""

    def __init__(self, n):
        self.n = n

    def __iter__(self):
        yield from range(self.n)


# Subset, ConcatDataset, ChainDataset, StackDataset

def test_subset_reads_the_wrapped_dataset_at_its_indices():
    sub = Subset(_dataset(), [7, 2, 5])
    assert len(sub) == 3
    assert [sub[i][1].item() for i in range(3)] == [7, 2, 5]


def test_subset_indexed_with_a_list_forwards_the_mapped_list():
    x, y = Subset(_dataset(), [7, 2, 5])[[2, 0]]
    assert y.tolist() == [5, 7]


@requires_torch
def test_concat_dataset_indexes_across_datasets_like_pytorch():
    parts = [[0, 1, 2], [], [10, 11], [20]]
    ours, theirs = ConcatDataset(parts), tdata.ConcatDataset(parts)
    assert len(ours) == len(theirs) and ours.cumulative_sizes == theirs.cumulative_sizes
    assert [ours[i] for i in range(-6, 6)] == [theirs[i] for i in range(-6, 6)]


@requires_torch
def test_concat_dataset_rejects_a_negative_index_beyond_its_length_like_pytorch():
    parts = [[0, 1], [2]]
    _same_error(_error(ConcatDataset(parts).__getitem__, -4),
                _error(tdata.ConcatDataset(parts).__getitem__, -4))


def test_concat_dataset_index_past_the_end_raises_index_error_so_iteration_stops():
    ds = ConcatDataset([[0, 1], [2]])
    with pytest.raises(IndexError, match="index 3 is out of range .* length 3"):
        ds[3]
    assert list(ds) == [0, 1, 2]


def test_concat_dataset_rejects_an_empty_list():
    with pytest.raises(ValueError, match="datasets should not be an empty iterable"):
        ConcatDataset([])


def test_concat_dataset_rejects_an_iterable_dataset():
    with pytest.raises(TypeError, match=r"datasets\[1\] is a Count"):
        ConcatDataset([[0], Count(2)])


def test_adding_map_style_datasets_concatenates_them():
    both = _dataset(3) + _dataset(2)
    assert isinstance(both, ConcatDataset) and len(both) == 5 and both[3][1].item() == 0


def test_chain_dataset_yields_each_stream_in_turn_and_sums_lengths():
    chain = ChainDataset([Count(2), Count(3)])
    assert list(chain) == [0, 1, 0, 1, 2] and len(chain) == 5


def test_adding_iterable_datasets_chains_them():
    chain = Count(2) + Count(1)
    assert isinstance(chain, ChainDataset) and list(chain) == [0, 1, 0]


def test_chain_dataset_rejects_a_map_style_dataset():
    with pytest.raises(TypeError, match=r"datasets\[1\] is a list"):
        list(ChainDataset([Count(1), [5]]))


def test_stack_dataset_returns_tuples_or_dicts_of_samples():
    assert StackDataset([1, 2], ["a", "b"])[1] == (2, "b")
    assert StackDataset(x=[1, 2], y=["a", "b"])[0] == {"x": 1, "y": "a"}


def test_stack_dataset_rejects_datasets_of_different_lengths():
    with pytest.raises(ValueError, match=r"Size mismatch between datasets: lengths \[2, 3\]"):
        StackDataset([1, 2], [1, 2, 3])


def test_a_dataset_without_len_raises_type_error_as_len_does():
    class NoLen(Dataset):
        def __getitem__(self, i):
            return i

    with pytest.raises(TypeError, match="NoLen has no len()"):
        len(NoLen())


def test_an_iterable_dataset_without_len_can_still_be_listed():
    assert list(Stream(3)) == [0, 1, 2]


# random_split

SPLITS = [(10, [3, 7]), (10, [0.3, 0.3, 0.4]), (7, [0.5, 0.5]), (11, [0.1] * 10),
          (5, [0.33, 0.33, 0.34]), (3, [0.2] * 5), (10, [1]), (1, [1]), (0, [0.5, 0.5])]


@requires_torch
@pytest.mark.parametrize("n, lengths", SPLITS)
@pytest.mark.filterwarnings("ignore:Length of split")
def test_random_split_sizes_match_pytorch(n, lengths):
    ours = random_split(range(n), lengths, generator=Generator().manual_seed(0))
    theirs = tdata.random_split(range(n), lengths, generator=torch.Generator().manual_seed(0))
    assert [len(s) for s in ours] == [len(s) for s in theirs]


def test_random_split_parts_are_disjoint_and_cover_the_dataset():
    parts = random_split(range(20), [0.5, 0.3, 0.2], generator=Generator().manual_seed(1))
    seen = [parts[p][i] for p in range(3) for i in range(len(parts[p]))]
    assert sorted(seen) == list(range(20))


def test_random_split_is_reproducible_with_a_seed_and_differs_with_another():
    def split(seed):
        return [s.indices for s in random_split(range(30), [10, 20],
                                                generator=Generator().manual_seed(seed))]

    assert split(5) == split(5)
    assert split(5) != split(6)


def test_random_split_without_a_generator_follows_the_global_seed():
    mt.manual_seed(3)
    first = random_split(range(30), [10, 20])[0].indices
    mt.manual_seed(3)
    assert random_split(range(30), [10, 20])[0].indices == first


@requires_torch
def test_random_split_rejects_sizes_not_summing_to_the_length_like_pytorch():
    _same_error(_error(random_split, range(10), [3, 4]),
                _error(tdata.random_split, range(10), [3, 4]))


@requires_torch
def test_random_split_rejects_a_fraction_outside_0_and_1_like_pytorch():
    _same_error(_error(random_split, range(10), [1.5, -0.5]),
                _error(tdata.random_split, range(10), [1.5, -0.5]))


def test_random_split_rejects_lengths_that_are_neither_sizes_nor_fractions():
    with pytest.raises(ValueError, match=r"neither sizes .* nor fractions summing to 1"):
        random_split(range(10), [2.5, 7.5])


def test_random_split_warns_about_an_empty_split():
    with pytest.warns(UserWarning, match="Length of split at index 2 is 0"):
        parts = random_split(range(3), [0.5, 0.49, 0.01])  # floors 1, 1, 0; +1 to the first
    assert [len(p) for p in parts] == [2, 1, 0]


# Samplers

def test_sampler_base_class_requires_iter():
    with pytest.raises(NotImplementedError, match="Sampler must implement __iter__"):
        iter(Sampler())


@requires_torch
def test_sequential_sampler_order_matches_pytorch():
    assert list(SequentialSampler(range(7))) == list(tdata.SequentialSampler(range(7)))
    assert len(SequentialSampler(range(7))) == 7


@requires_torch
@pytest.mark.parametrize("drop_last", [False, True])
@pytest.mark.parametrize("n, batch_size", [(10, 3), (9, 3), (2, 5), (0, 2)])
def test_batch_sampler_batches_and_len_match_pytorch(n, batch_size, drop_last):
    ours = BatchSampler(SequentialSampler(range(n)), batch_size, drop_last)
    theirs = tdata.BatchSampler(tdata.SequentialSampler(range(n)), batch_size, drop_last)
    assert list(ours) == list(theirs) and len(ours) == len(theirs)


@requires_torch
@pytest.mark.parametrize("batch_size, drop_last", [(0, False), (2.0, False), (True, False),
                                                   (2, 1)])
def test_batch_sampler_rejects_bad_arguments_like_pytorch(batch_size, drop_last):
    _same_error(_error(BatchSampler, range(4), batch_size, drop_last),
                _error(tdata.BatchSampler, range(4), batch_size, drop_last))


def test_random_sampler_yields_a_new_permutation_each_epoch():
    sampler = RandomSampler(range(50), generator=Generator().manual_seed(0))
    first, second = list(sampler), list(sampler)
    assert sorted(first) == sorted(second) == list(range(50)) and first != second


def test_random_sampler_is_reproducible_with_a_seed_and_differs_with_another():
    def order(seed):
        return list(RandomSampler(range(50), generator=Generator().manual_seed(seed)))

    assert order(1) == order(1) and order(1) != order(2)


def test_random_sampler_beyond_the_length_repeats_whole_permutations():
    drawn = list(RandomSampler(range(4), num_samples=10, generator=Generator().manual_seed(0)))
    assert len(drawn) == 10
    assert sorted(drawn[:4]) == sorted(drawn[4:8]) == [0, 1, 2, 3]
    assert len(set(drawn[8:])) == 2


def test_random_sampler_with_replacement_draws_num_samples_indices_in_range():
    drawn = list(RandomSampler(range(5), replacement=True, num_samples=200,
                               generator=Generator().manual_seed(0)))
    assert len(drawn) == 200 and set(drawn) == {0, 1, 2, 3, 4}  # repeats, and every index


@requires_torch
@pytest.mark.parametrize("kwargs", [dict(data_source=[]),
                                    dict(data_source=[1, 2], num_samples=0),
                                    dict(data_source=[1, 2], replacement=1)],
                         ids=["empty", "zero-samples", "replacement-not-bool"])
def test_random_sampler_rejects_bad_arguments_like_pytorch(kwargs):
    _same_error(_error(RandomSampler, **kwargs), _error(tdata.RandomSampler, **kwargs))


def test_subset_random_sampler_permutes_the_given_indices():
    drawn = list(SubsetRandomSampler([3, 8, 9, 20], generator=Generator().manual_seed(0)))
    assert sorted(drawn) == [3, 8, 9, 20] and len(SubsetRandomSampler([3, 8])) == 2


def test_weighted_sampler_never_draws_an_index_of_zero_weight():
    drawn = list(WeightedRandomSampler([0.0, 1.0, 0.0, 2.0], 500,
                                       generator=Generator().manual_seed(0)))
    assert set(drawn) == {1, 3}


def test_weighted_sampler_frequencies_follow_the_weights():
    weights = np.array([1.0, 2.0, 3.0, 4.0])
    drawn = list(WeightedRandomSampler(weights.tolist(), 20000,
                                       generator=Generator().manual_seed(0)))
    freq = np.bincount(drawn, minlength=4) / len(drawn)
    np.testing.assert_allclose(freq, weights / weights.sum(), atol=0.015)


def test_weighted_sampler_without_replacement_draws_distinct_indices():
    drawn = list(WeightedRandomSampler([1, 5, 1, 1, 9], 5, replacement=False,
                                       generator=Generator().manual_seed(0)))
    assert sorted(drawn) == [0, 1, 2, 3, 4]


def test_weighted_sampler_without_replacement_follows_drawing_one_at_a_time():
    # P(second = j) = sum over i != j of w_i / W * w_j / (W - w_i): draw, remove, redraw.
    w = np.array([1.0, 2.0, 3.0, 4.0])
    total = w.sum()
    second = [sum(w[i] / total * w[j] / (total - w[i]) for i in range(4) if i != j)
              for j in range(4)]
    sampler = WeightedRandomSampler(w, 2, replacement=False,
                                    generator=Generator().manual_seed(0))
    draws = np.array([list(sampler) for _ in range(4000)])
    np.testing.assert_allclose(np.bincount(draws[:, 0], minlength=4) / 4000, w / total,
                               atol=0.03)
    np.testing.assert_allclose(np.bincount(draws[:, 1], minlength=4) / 4000, second, atol=0.03)


def test_weighted_sampler_is_reproducible_with_a_seed_and_differs_with_another():
    def drawn(seed):
        return list(WeightedRandomSampler(mt.tensor([1.0, 2.0, 3.0]), 30,
                                          generator=Generator().manual_seed(seed)))

    assert drawn(0) == drawn(0) and drawn(0) != drawn(1)


def test_weighted_sampler_rejects_a_negative_weight_naming_it():
    with pytest.raises(ValueError, match=r"weights\[1\]=-2.0"):
        WeightedRandomSampler([1.0, -2.0], 3)


def test_weighted_sampler_rejects_more_draws_than_nonzero_weights_without_replacement():
    with pytest.raises(ValueError, match="num_samples=3 without replacement from 2 indices"):
        WeightedRandomSampler([1.0, 0.0, 1.0], 3, replacement=False)


@requires_torch
@pytest.mark.parametrize("weights, num_samples, replacement",
                         [([1.0, 2.0], 0, True), ([1.0, 2.0], 2.5, True),
                          ([[1.0], [2.0]], 2, True), ([1.0, 2.0], 2, "yes")],
                         ids=["zero-samples", "float-samples", "2d-weights", "replacement"])
def test_weighted_sampler_rejects_bad_arguments_like_pytorch(weights, num_samples, replacement):
    _same_error(_error(WeightedRandomSampler, weights, num_samples, replacement),
                _error(tdata.WeightedRandomSampler, weights, num_samples, replacement))


# DataLoader with samplers

def test_shuffled_order_is_one_randperm_of_the_generator_per_epoch():
    loader = DataLoader(_dataset(20), batch_size=6, shuffle=True,
                        generator=Generator().manual_seed(9))
    epochs = [sum(_labels(loader), []) for _ in range(2)]
    gen = Generator().manual_seed(9)
    assert epochs == [mt.randperm(20, generator=gen).tolist() for _ in range(2)]


def test_loader_reads_in_the_order_of_a_given_sampler():
    loader = DataLoader(_dataset(6), batch_size=4, sampler=[5, 0, 3, 1, 2])
    assert _labels(loader) == [[5, 0, 3, 1], [2]] and len(loader) == 2


def test_loader_uses_the_batches_of_a_given_batch_sampler():
    loader = DataLoader(_dataset(6), batch_sampler=[[4, 5], [0], [1, 2, 3]])
    assert _labels(loader) == [[4, 5], [0], [1, 2, 3]] and len(loader) == 3
    assert loader.batch_size is None and loader.drop_last is False


def test_loader_without_shuffle_reads_in_order_when_shuffle_is_none():
    assert _labels(DataLoader(_dataset(5), batch_size=2, shuffle=None)) == [[0, 1], [2, 3], [4]]


def test_loader_over_a_random_split_subset_equals_per_sample_collation():
    train, _ = random_split(_dataset(30), [0.7, 0.3], generator=Generator().manual_seed(0))
    per_sample = lambda samples: default_collate(samples)  # not the fast path
    fast = DataLoader(train, batch_size=4, shuffle=True, generator=Generator().manual_seed(2))
    slow = DataLoader(train, batch_size=4, shuffle=True, generator=Generator().manual_seed(2),
                      collate_fn=per_sample)
    for (xa, ya), (xb, yb) in itertools.zip_longest(fast, slow):
        np.testing.assert_array_equal(xa.numpy(), xb.numpy())
        np.testing.assert_array_equal(ya.numpy(), yb.numpy())


def test_loader_reads_batches_through_getitems_when_the_dataset_has_it():
    class Batched(Dataset):
        def __init__(self):
            self.calls = []

        def __len__(self):
            return 5

        def __getitems__(self, indices):
            self.calls.append(list(indices))
            return [float(i) for i in indices]

    ds = Batched()
    assert [b.tolist() for b in DataLoader(ds, batch_size=3)] == [[0, 1, 2], [3, 4]]
    assert ds.calls == [[0, 1, 2], [3, 4]]


def test_batch_size_none_yields_single_samples_through_default_convert():
    class Arrays(Dataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            return np.full(3, i), i

    samples = list(DataLoader(Arrays(), batch_size=None))
    assert isinstance(samples[1][0], mt.Tensor) and samples[1][0].tolist() == [1, 1, 1]
    assert samples[1][1] == 1 and len(DataLoader(Arrays(), batch_size=None)) == 2


def test_default_convert_makes_arrays_tensors_and_keeps_containers_and_numbers():
    out = default_convert({"x": np.array([1, 2]), "pair": (np.float32(0.5), 3), "name": "a"})
    assert out["x"].tolist() == [1, 2] and isinstance(out["pair"], tuple)
    assert isinstance(out["pair"][0], mt.Tensor) and out["pair"][1] == 3 and out["name"] == "a"


EXCLUSIVE = [dict(sampler=[0, 1], shuffle=True),
             dict(batch_sampler=[[0]], batch_size=2),
             dict(batch_sampler=[[0]], shuffle=True),
             dict(batch_sampler=[[0]], sampler=[0]),
             dict(batch_sampler=[[0]], drop_last=True),
             dict(batch_size=None, drop_last=True),
             dict(batch_size=0)]


@requires_torch
@pytest.mark.parametrize("kwargs", EXCLUSIVE, ids=lambda kw: "+".join(kw))
def test_loader_rejects_conflicting_options_like_pytorch(kwargs):
    data = [0.0, 1.0]
    _same_error(_error(DataLoader, data, **kwargs), _error(tdata.DataLoader, data, **kwargs))


# DataLoader with an IterableDataset

def test_loader_batches_an_iterable_dataset_in_stream_order():
    loader = DataLoader(Stream(7), batch_size=3)
    assert [b.tolist() for b in loader] == [[0, 1, 2], [3, 4, 5], [6]]


def test_loader_drop_last_drops_the_short_batch_of_a_stream():
    assert [b.tolist() for b in DataLoader(Stream(7), batch_size=3, drop_last=True)] == [
        [0, 1, 2], [3, 4, 5]]


def test_loader_with_batch_size_none_yields_the_stream_items():
    assert list(DataLoader(Stream(3), batch_size=None)) == [0, 1, 2]


@requires_torch
@pytest.mark.parametrize("drop_last", [False, True])
def test_loader_len_of_an_iterable_dataset_matches_pytorch(drop_last):
    class TorchCount(tdata.IterableDataset):
        def __iter__(self):
            return iter(range(7))

        def __len__(self):
            return 7

    ours = DataLoader(Count(7), batch_size=3, drop_last=drop_last)
    assert len(ours) == len(tdata.DataLoader(TorchCount(), batch_size=3, drop_last=drop_last))


@requires_torch
@pytest.mark.parametrize("kwargs", [dict(shuffle=True), dict(sampler=[0]),
                                    dict(batch_sampler=[[0]])], ids=lambda kw: "+".join(kw))
def test_loader_rejects_sampling_options_for_an_iterable_dataset_like_pytorch(kwargs):
    class TorchStream(tdata.IterableDataset):
        def __iter__(self):
            return iter(range(3))

    theirs = _error(tdata.DataLoader, TorchStream(), **kwargs)
    _same_error(_error(DataLoader, Stream(3), **kwargs), theirs)


# DataLoader options for worker processes

@requires_torch
@pytest.mark.parametrize("kwargs", [dict(num_workers=-1), dict(timeout=-1),
                                    dict(prefetch_factor=2), dict(persistent_workers=True),
                                    dict(multiprocessing_context="spawn")],
                         ids=lambda kw: "+".join(kw))
def test_worker_options_without_workers_raise_like_pytorch(kwargs):
    data = [0.0, 1.0]
    _same_error(_error(DataLoader, data, **kwargs), _error(tdata.DataLoader, data, **kwargs))


def test_pin_memory_warns_that_it_has_no_effect():
    with pytest.warns(UserWarning, match="pin_memory=True has no effect"):
        loader = DataLoader(_dataset(4), batch_size=2, pin_memory=True)
    assert _labels(loader) == [[0, 1], [2, 3]]


def test_get_worker_info_is_none_in_the_main_process():
    assert get_worker_info() is None


@requires_torch
@pytest.mark.parametrize("name", ["batch_size", "sampler", "drop_last", "dataset"])
def test_loader_options_cannot_change_after_construction_like_pytorch(name):
    ours, theirs = DataLoader([0.0, 1.0]), tdata.DataLoader([0.0, 1.0])
    _same_error(_error(setattr, ours, name, None), _error(setattr, theirs, name, None))


def test_loader_collate_fn_can_change_after_construction():
    loader = DataLoader(_dataset(4), batch_size=2)
    loader.collate_fn = len
    assert list(loader) == [2, 2]
