"""Collation: turning the samples the dataset returns into the tensors a model takes.

``default_collate`` makes one batch out of a list of samples (the DataLoader's default when
it batches); ``default_convert`` converts a single sample (its default with
``batch_size=None``, which turns batching off).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ... import dtypes
from ...creation import tensor
from ...ops import stack
from ...tensor import Tensor

__all__ = ["default_collate", "default_convert"]


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


def default_convert(data: Any) -> Any:
    """Convert one sample without batching it: NumPy arrays and NumPy scalars become tensors,
    containers are converted element by element (keeping their type), anything else (tensors,
    Python numbers, strings) is returned as it is.

    >>> default_convert({"x": np.array([1, 2]), "label": 3})
    {'x': tensor([1, 2]), 'label': 3}
    """
    if isinstance(data, Tensor):
        return data
    if isinstance(data, (np.ndarray, np.generic)):
        if data.dtype.kind in "OSUV":  # objects, strings, raw bytes: no tensor dtype for them
            return data
        return tensor(data)
    if isinstance(data, (str, bytes)):
        return data
    if isinstance(data, Mapping):
        converted = {key: default_convert(value) for key, value in data.items()}
        try:
            return type(data)(converted)
        except TypeError:  # a mapping type that cannot be built from a dict
            return converted
    if isinstance(data, tuple) and hasattr(data, "_fields"):  # a namedtuple
        return type(data)(*(default_convert(value) for value in data))
    if isinstance(data, (tuple, list)):
        return type(data)(default_convert(value) for value in data)
    return data
