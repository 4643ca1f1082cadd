"""Datasets and the ``DataLoader``, as ``torch.utils.data``.

A ``Dataset`` maps an index to a sample; the ``DataLoader`` picks indices (in order, or in a
random order drawn from MicroTorch's generator), groups them into batches and turns each batch
of samples into tensors with ``collate_fn`` (``default_collate`` stacks them).

>>> ds = TensorDataset(features, labels)
>>> for x, y in DataLoader(ds, batch_size=64, shuffle=True, generator=Generator().manual_seed(0)):
...     loss = loss_fn(model(x), y)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from .. import dtypes
from ..creation import randperm, tensor
from ..ops import stack
from ..random import Generator
from ..tensor import Tensor

__all__ = ["Dataset", "TensorDataset", "DataLoader", "default_collate"]


class Dataset:
    """Base class: implement ``__getitem__(index)`` and ``__len__()``."""

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must implement __len__")


class TensorDataset(Dataset):
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


def default_collate(batch: Sequence[Any]) -> Any:
    """Stack a list of samples into a batch, keeping their structure: tensors are stacked
    along a new first dim; numbers and NumPy arrays become tensors; tuples, lists and dicts
    are collated field by field.

    >>> default_collate([(tensor([1, 2]), 0), (tensor([3, 4]), 1)])
    [tensor([[1, 2],
            [3, 4]]), tensor([0, 1])]
    """
    first = batch[0]
    if isinstance(first, Tensor):
        return stack(list(batch))
    if isinstance(first, np.ndarray):
        return tensor(np.stack(batch))
    if isinstance(first, (bool, int, float, np.number, np.bool_)):
        dtype = dtypes.float64 if isinstance(first, float) else None  # as PyTorch
        return tensor(list(batch), dtype=dtype)
    if isinstance(first, str):
        return list(batch)
    if isinstance(first, Mapping):
        return {key: default_collate([sample[key] for sample in batch]) for key in first}
    if isinstance(first, (tuple, list)):
        if any(len(sample) != len(first) for sample in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        return [default_collate(list(column)) for column in zip(*batch)]  # a list, as PyTorch
    raise TypeError(f"default_collate: batch must contain tensors, NumPy arrays, numbers, "
                    f"strings, dicts or lists; found {type(first).__name__}")


class DataLoader:
    """Iterate over ``dataset`` in batches of ``batch_size``.

    ``shuffle=True`` draws a new random order each epoch (each ``iter()``) from ``generator``,
    or from the default generator when none is given: ``generator=Generator().manual_seed(s)``
    or a global ``manual_seed(s)`` make the orders reproducible. ``drop_last`` drops the final
    batch when it is smaller than ``batch_size``.

    A ``TensorDataset`` with the default collate takes a fast path: one indexing op per
    tensor and batch instead of one per sample followed by ``stack`` (same result).
    """

    def __init__(self, dataset: Dataset, batch_size: int = 1, shuffle: bool = False,
                 drop_last: bool = False, collate_fn: Callable[[list], Any] | None = None,
                 generator: Generator | None = None) -> None:
        if not isinstance(batch_size, int) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got "
                             f"batch_size={batch_size}")
        self.dataset, self.batch_size = dataset, batch_size
        self.shuffle, self.drop_last = shuffle, drop_last
        self.collate_fn = collate_fn or default_collate
        self.generator = generator

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def _order(self) -> list[int] | Tensor:
        n = len(self.dataset)
        if not self.shuffle:
            return list(range(n))
        return randperm(n, generator=self.generator)  # None: the default generator

    def __iter__(self) -> Iterator[Any]:
        order = self._order()
        fast = isinstance(self.dataset, TensorDataset) and self.collate_fn is default_collate
        for b in range(len(self)):
            idx = order[b * self.batch_size:(b + 1) * self.batch_size]
            if fast:
                if not isinstance(idx, Tensor):
                    idx = slice(idx[0], idx[-1] + 1)  # in order: a view, no copy
                yield [t[idx.to(t.device) if isinstance(idx, Tensor) else idx]
                       for t in self.dataset.tensors]
            else:
                indices = idx.tolist() if isinstance(idx, Tensor) else idx
                yield self.collate_fn([self.dataset[i] for i in indices])
