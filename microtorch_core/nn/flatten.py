"""``Flatten``: merge dimensions ``start_dim..end_dim`` into one (a view when possible), and
``Unflatten``, its inverse: split one dimension into several."""

from __future__ import annotations

import math
from collections.abc import Sequence

from ..tensor import Tensor, _wrap_dim
from .module import Module


class Flatten(Module):
    """(N, C, H, W) -> (N, C*H*W) with the defaults (the batch dim is kept).

    >>> Flatten()(microtorch_core.zeros(2, 3, 4)).shape
    (2, 12)
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dim ``dim`` into ``unflattened_size`` (one entry may be -1: inferred), as
    ``torch.nn.Unflatten``.

    >>> Unflatten(1, (2, 5))(microtorch_core.zeros(3, 10)).shape
    (3, 2, 5)
    """

    def __init__(self, dim: int, unflattened_size: Sequence[int]) -> None:
        super().__init__()
        if not isinstance(unflattened_size, (tuple, list)):
            raise TypeError(f"unflattened_size must be a tuple or list of ints, got "
                            f"{type(unflattened_size).__name__}")
        for i, size in enumerate(unflattened_size):
            if not isinstance(size, int) or isinstance(size, bool):
                raise TypeError(f"unflattened_size must be tuple of ints, but found element of "
                                f"type {type(size).__name__} at pos {i}")
        if sum(size == -1 for size in unflattened_size) > 1:
            raise ValueError(f"unflattened_size can infer only one size (-1), got "
                             f"{tuple(unflattened_size)}")
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        n = input.shape[_wrap_dim(self.dim, input.dim())]
        known = math.prod(size for size in self.unflattened_size if size != -1)
        fits = n % known == 0 if -1 in self.unflattened_size and known else n == known
        if not fits:
            raise RuntimeError(f"unflatten: Provided sizes {list(self.unflattened_size)} don't "
                               f"multiply up to the size of dim {self.dim} ({n}) in the input "
                               "tensor")
        return input.unflatten(self.dim, self.unflattened_size)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
