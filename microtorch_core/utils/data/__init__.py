"""Datasets, samplers and the ``DataLoader``, as ``torch.utils.data``.

Reading order, following one batch:

* ``dataset.py``: where samples come from. A map-style ``Dataset`` maps an index to a sample;
  an ``IterableDataset`` is a stream. ``Subset``, ``ConcatDataset``, ``ChainDataset``,
  ``StackDataset`` and ``random_split`` combine and cut them.
* ``sampler.py``: which indices to read, in what order (``SequentialSampler``,
  ``RandomSampler``, ...), and ``BatchSampler``, which groups them into batches.
* ``collate.py``: ``default_collate`` turns a list of samples into batched tensors.
* ``fetch.py``: reading and collating one batch, the step both loaders below run.
* ``dataloader.py``: ``DataLoader`` wires the three together.
* ``worker.py``: with ``num_workers > 0``, worker processes load the batches, and the
  ``DataLoader`` yields them in order; ``get_worker_info()`` inside a worker.

>>> ds = TensorDataset(features, labels)
>>> train, val = random_split(ds, [0.8, 0.2], generator=Generator().manual_seed(0))
>>> for x, y in DataLoader(train, batch_size=64, shuffle=True,
...                        generator=Generator().manual_seed(0)):
...     loss = loss_fn(model(x), y)
"""

from .collate import default_collate, default_convert
from .dataloader import DataLoader
from .dataset import (
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    StackDataset,
    Subset,
    TensorDataset,
    random_split,
)
from .sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)
from .worker import WorkerInfo, get_worker_info

__all__ = [
    "Dataset", "IterableDataset", "TensorDataset", "StackDataset", "ConcatDataset",
    "ChainDataset", "Subset", "random_split",
    "Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
    "WeightedRandomSampler", "BatchSampler",
    "DataLoader", "get_worker_info", "WorkerInfo", "default_collate", "default_convert",
]
