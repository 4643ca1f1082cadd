"""Set membership: ``isin``, whether each element occurs among some test elements.

Every element is compared with every test element (a broadcast ``==``, then ``any``), in
row blocks so that the boolean table in flight stays below :data:`TABLE_LIMIT` entries. That
is PyTorch's small-input algorithm; its other one sorts both tensors, which here would not be
cheaper (``sort`` and ``searchsorted`` are comparisons too on a backend without a sort kernel).
"""

from __future__ import annotations

from ... import dtypes
from ...dispatch import Scalar, same_device
from ...dtypes import result_type
from ...tensor import Tensor
from ..declare import op
from ..primitive.views import reshape
from .indexing import cat

#: The most (element, test element) pairs compared at once.
TABLE_LIMIT = 1 << 22


@op
def isin(elements: Tensor | Scalar, test_elements: Tensor | Scalar, *,
         assume_unique: bool = False, invert: bool = False) -> Tensor:
    """A bool tensor shaped as ``elements``: True where the element equals one of
    ``test_elements`` (False with ``invert=True``), as ``torch.isin``. Both are compared in
    their promoted dtype; either may be a Python number; NaN is in no set.
    ``assume_unique`` is accepted for PyTorch's signature and changes nothing here.

    >>> isin(tensor([[1, 2], [3, 4]]), tensor([2, 3]))
    tensor([[False,  True],
            [ True, False]])
    """
    if not isinstance(elements, Tensor) and not isinstance(test_elements, Tensor):
        raise TypeError(f"isin(): expected at least one Tensor argument, got "
                        f"{type(elements).__name__} and {type(test_elements).__name__}")
    like = elements if isinstance(elements, Tensor) else test_elements
    elements, test_elements = _as_tensor(elements, like), _as_tensor(test_elements, like)
    same_device(elements, test_elements)
    for t in (elements, test_elements):
        if t.dtype is dtypes.bool_:  # as PyTorch
            raise RuntimeError("Unsupported input type encountered for isin(): Bool")
    dtype = result_type(elements, test_elements)
    flat = reshape(elements.detach().to(dtype), (-1,))
    tests = reshape(test_elements.detach().to(dtype), (1, -1))
    if tests.numel() == 0 or flat.numel() == 0:
        found = flat._empty_like(dtype=dtypes.bool_).fill_(False)
    else:
        rows = max(1, TABLE_LIMIT // tests.numel())
        found = cat([(flat[i:i + rows].unsqueeze(1) == tests).any(1)
                     for i in range(0, flat.numel(), rows)])
    found = reshape(found, elements.shape)
    return ~found if invert else found


def _as_tensor(x: Tensor | Scalar, like: Tensor) -> Tensor:
    """A Python number as a 0-d tensor of its own dtype on ``like``'s device."""
    if isinstance(x, Tensor):
        return x
    if not isinstance(x, (bool, int, float)):
        raise TypeError(f"isin(): expected a Tensor or a Python number, got {type(x).__name__}")
    return like._empty_like((), dtypes.scalar_dtype(x)).fill_(x)
