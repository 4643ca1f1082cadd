"""``linalg.multi_dot``: the product of a chain of matrices, multiplied in the cheapest order.

Matrix products are associative, but not equally costly: for shapes (10, 100), (100, 5) and
(5, 50), ``(A B) C`` takes 10*100*5 + 10*5*50 = 7,500 multiplications and ``A (B C)``
100*5*50 + 10*100*50 = 75,000. The cheapest order is the classic *matrix chain* dynamic
programme (Cormen et al., "Introduction to Algorithms", 15.2): the best cost of the chain
``i..j`` is the best over the split ``k`` of ``cost(i..k) + cost(k+1..j) + p_i p_k+1 p_j+1``,
with ``p`` the chain's dims. That is O(n**3) in the number of matrices, nothing next to the
products. As in PyTorch, three matrices compare the two orders directly, and the first
tensor may be a row vector and the last a column vector (1-D), whose dims are dropped from
the result.

>>> multi_dot([ones(2), ones(2, 3), ones(3)])
tensor(6.)
"""

from __future__ import annotations

from collections.abc import Sequence

from ...tensor import Tensor
from ..declare import op
from ..primitive.matmul import mm


def _check(tensors: Sequence[Tensor]) -> None:
    n = len(tensors)
    if n < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {n}")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"multi_dot(): expected a list of Tensors, but element {i} is "
                            f"{type(t).__name__}")
        where = "the first tensor" if i == 0 else "the last tensor" if i == n - 1 else None
        if where is not None and t.dim() not in (1, 2):
            raise RuntimeError(f"multi_dot(): {where} must be 1D or 2D but got {t.dim()}D")
        if where is None and t.dim() != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {t.dim()}D")
        if t.dtype is not tensors[0].dtype:
            raise RuntimeError(f"multi_dot(): all tensors must have be the same dtype but "
                               f"tensor 0 is {tensors[0].dtype.name} and tensor {i} is "
                               f"{t.dtype.name}")
        if t.device != tensors[0].device:
            raise RuntimeError(f"multi_dot(): all tensors must be on the same device but "
                               f"tensor 0 is on {tensors[0].device} and tensor {i} on "
                               f"{t.device}")


def _chain_order(dims: list[int]) -> list[list[int]]:
    """``split[i][j]``: where the cheapest product of matrices ``i..j`` is cut, for matrix
    ``k`` of shape ``(dims[k], dims[k + 1])``."""
    n = len(dims) - 1
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = -1
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if cost[i][j] < 0 or c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    return split


def _multiply(matrices: list[Tensor], split: list[list[int]], i: int, j: int) -> Tensor:
    if i == j:
        return matrices[i]
    k = split[i][j]
    return mm(_multiply(matrices, split, i, k), _multiply(matrices, split, k + 1, j))


@op(namespace="linalg")
def multi_dot(tensors: Sequence[Tensor]) -> Tensor:
    """The product ``tensors[0] @ tensors[1] @ ... @ tensors[-1]`` of 2-D tensors (the first
    may be 1-D, a row vector; the last 1-D, a column vector), computed in the order with the
    fewest multiplications, as ``torch.linalg.multi_dot``."""
    tensors = list(tensors)
    _check(tensors)
    first_vector, last_vector = tensors[0].dim() == 1, tensors[-1].dim() == 1
    matrices = list(tensors)
    if first_vector:
        matrices[0] = matrices[0].unsqueeze(0)
    if last_vector:
        matrices[-1] = matrices[-1].unsqueeze(-1)
    for i in range(1, len(matrices)):
        if matrices[i - 1].shape[1] != matrices[i].shape[0]:
            raise RuntimeError(f"multi_dot(): tensors {i - 1} and {i} with shapes "
                               f"{list(tensors[i - 1].shape)} and {list(tensors[i].shape)} "
                               f"cannot be multiplied")
    if len(matrices) == 3:  # PyTorch compares the two orders of three directly
        a, b = matrices[0].shape
        c, d = matrices[2].shape
        if (a * c) * (b + d) > (b * d) * (a + c):
            out = mm(matrices[0], mm(matrices[1], matrices[2]))
        else:
            out = mm(mm(matrices[0], matrices[1]), matrices[2])
    else:
        dims = [m.shape[0] for m in matrices] + [matrices[-1].shape[1]]
        out = _multiply(matrices, _chain_order(dims), 0, len(matrices) - 1)
    if first_vector:
        out = out.squeeze(0)
    if last_vector:
        out = out.squeeze(-1)
    return out
