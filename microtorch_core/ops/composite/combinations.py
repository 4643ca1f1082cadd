"""``combinations``: every ``r``-element combination of a 1-D tensor's elements, as rows.

Which positions make up each row depends only on the length and ``r``, not on the values, so
the positions are enumerated on the host (``itertools``, in its lexicographic order, which is
PyTorch's) and the values picked with one ``index_select``; the gradient is that op's.
"""

from __future__ import annotations

import itertools

import numpy as np

from ...tensor import Tensor
from ..declare import op
from ..primitive.indexing import index_select_unchecked
from ..primitive.views import reshape


@op
def combinations(input: Tensor, r: int = 2, with_replacement: bool = False) -> Tensor:
    """The length-``r`` combinations of the elements of the 1-D ``input``, one per row
    (shape ``(count, r)``), in lexicographic order of positions, as ``torch.combinations``
    and Python's ``itertools.combinations`` (``with_replacement=True``:
    ``itertools.combinations_with_replacement``). ``r=0`` gives an empty 1-D tensor.

    >>> combinations(tensor([1, 2, 3]))
    tensor([[1, 2],
            [1, 3],
            [2, 3]])
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"combinations(): argument 'input' must be Tensor, not "
                        f"{type(input).__name__}")
    if input.dim() != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(input.shape)}")
    if isinstance(r, bool) or not isinstance(r, int):
        raise TypeError(f"combinations(): argument 'r' must be int, not {type(r).__name__}")
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return input[:0]
    choose = itertools.combinations_with_replacement if with_replacement else \
        itertools.combinations
    positions = np.fromiter(itertools.chain.from_iterable(choose(range(input.shape[0]), r)),
                            np.int64)
    index = Tensor._from_numpy(positions, input.device)
    return reshape(index_select_unchecked(input, 0, index), (-1, r))
