"""utils.data: Dataset, TensorDataset, DataLoader batching, shuffling and collation."""

import numpy as np
import pytest

import microtorch_core as mt
from microtorch_core.random import Generator
from microtorch_core.utils.data import DataLoader, Dataset, TensorDataset, default_collate


def _dataset(n=10):
    return TensorDataset(mt.arange(n * 2).reshape(n, 2).float(), mt.arange(n))


def _labels(loader):
    return [y.tolist() for _, y in loader]


class Squares(Dataset):
    """A map-style dataset written by hand: (index, index^2)."""

    def __len__(self):
        return 7

    def __getitem__(self, i):
        return mt.tensor([float(i)]), i * i


def test_batches_in_order_without_shuffle_with_a_short_last_batch():
    assert _labels(DataLoader(_dataset(), batch_size=4)) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


def test_drop_last_drops_the_short_batch_and_len_agrees():
    loader = DataLoader(_dataset(), batch_size=4, drop_last=True)
    assert _labels(loader) == [[0, 1, 2, 3], [4, 5, 6, 7]] and len(loader) == 2
    assert len(DataLoader(_dataset(), batch_size=4)) == 3


def test_features_and_labels_stay_paired():
    for x, y in DataLoader(_dataset(), batch_size=3, shuffle=True):
        np.testing.assert_array_equal(x.numpy()[:, 0], 2 * y.numpy())


def test_shuffle_visits_every_sample_once_per_epoch():
    labels = sum(_labels(DataLoader(_dataset(), batch_size=3, shuffle=True)), [])
    assert sorted(labels) == list(range(10))


def test_shuffle_with_a_seeded_generator_is_reproducible():
    def orders(seed):
        loader = DataLoader(_dataset(50), batch_size=8, shuffle=True,
                            generator=Generator().manual_seed(seed))
        return [_labels(loader) for _ in range(2)]  # two epochs

    first, again, other = orders(3), orders(3), orders(4)
    assert first == again
    assert first != other
    assert first[0] != first[1]  # each epoch draws a new order


def test_shuffle_with_the_global_seed_is_reproducible():
    mt.manual_seed(11)
    a = _labels(DataLoader(_dataset(50), batch_size=8, shuffle=True))
    mt.manual_seed(11)
    assert _labels(DataLoader(_dataset(50), batch_size=8, shuffle=True)) == a


def test_custom_dataset_is_collated_into_tensors():
    batches = list(DataLoader(Squares(), batch_size=3))
    x, y = batches[0]
    assert x.shape == (3, 1) and y.tolist() == [0, 1, 4] and y.dtype is mt.int64
    assert len(batches) == 3


def test_fast_tensor_dataset_path_equals_per_sample_collation():
    ds = _dataset(9)
    kwargs = dict(batch_size=4, shuffle=True)
    fast = DataLoader(ds, generator=Generator().manual_seed(1), **kwargs)
    per_sample = lambda samples: default_collate(samples)  # noqa: E731 - not the fast path
    slow = DataLoader(ds, generator=Generator().manual_seed(1), collate_fn=per_sample, **kwargs)
    for (xa, ya), (xb, yb) in zip(fast, slow):
        np.testing.assert_array_equal(xa.numpy(), xb.numpy())
        np.testing.assert_array_equal(ya.numpy(), yb.numpy())


def test_default_collate_keeps_dicts_and_converts_numbers_and_arrays():
    batch = default_collate([{"x": np.zeros(2), "y": 1.5}, {"x": np.ones(2), "y": 2.5}])
    assert batch["x"].shape == (2, 2) and batch["y"].dtype is mt.float64


def test_collate_fn_receives_the_list_of_samples():
    loader = DataLoader(Squares(), batch_size=7, collate_fn=lambda samples: len(samples))
    assert list(loader) == [7]


def test_tensor_dataset_rejects_tensors_of_different_lengths():
    with pytest.raises(ValueError, match="Size mismatch between tensors"):
        TensorDataset(mt.zeros(3, 2), mt.zeros(4))


def test_batch_size_must_be_positive():
    with pytest.raises(ValueError, match="batch_size should be a positive integer"):
        DataLoader(_dataset(), batch_size=0)
