"""``RandomSampler(replacement=True)`` draws its indices lazily, a chunk at a time, as
PyTorch's does: an "infinite" loader (``num_samples=10**10``, makemore's) starts at once, and
the indices are those one ``randint`` of the whole epoch would give."""

import itertools

import microtorch_core as mt
from microtorch_core.utils.data import DataLoader, RandomSampler, TensorDataset


def test_huge_num_samples_yields_the_first_indices_without_drawing_the_rest():
    mt.manual_seed(3)
    first = list(itertools.islice(iter(RandomSampler(range(7), replacement=True,
                                                      num_samples=10**10)), 70))
    mt.manual_seed(3)
    assert first == mt.randint(7, size=(70,)).tolist()


def test_chunked_epoch_equals_one_randint_and_advances_the_generator_as_one():
    gen = mt.Generator().manual_seed(11)
    drawn = list(RandomSampler(range(5), replacement=True, num_samples=100, generator=gen))
    ref = mt.Generator().manual_seed(11)
    assert drawn == mt.randint(5, size=(100,), generator=ref).tolist()
    assert gen.get_state() == ref.get_state()


def test_draws_between_chunks_do_not_change_the_epoch():
    mt.manual_seed(5)
    it = iter(RandomSampler(range(9), replacement=True, num_samples=80))
    drawn = []
    for i in it:
        drawn.append(i)
        mt.rand(3)  # e.g. dropout in the training step, between two batches
    mt.manual_seed(5)
    assert drawn == mt.randint(9, size=(80,)).tolist()


def test_infinite_loader_gives_batches():
    ds = TensorDataset(mt.arange(10))
    loader = DataLoader(ds, batch_size=4,
                        sampler=RandomSampler(ds, replacement=True, num_samples=10**10))
    (batch,) = next(iter(loader))
    assert batch.shape == (4,) and len(loader) == 10**10 // 4
