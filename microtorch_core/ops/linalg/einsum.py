"""``einsum``: Einstein summation, as ``torch.einsum``, built from views, sums and one batched
matmul per pair of operands (so it needs no kernel and its gradient comes for free).

The equation names every dim of every operand with a letter: ``"bij,bjk->bik"`` is a batched
matrix product. A letter in the output is kept, a letter missing from it is summed over, and
``...`` stands for the dims not named (they broadcast across operands). The plan is PyTorch's:

1. Parse: one list of labels per operand. ``...`` becomes as many anonymous labels (``".0"``,
   ``".1"``, ...) as the dims it covers, aligned from the right across operands.
2. A label repeated within one operand (``"ii"``) takes the diagonal: ``Tensor.diagonal``, a
   view.
3. A label that no other operand and not the output uses is summed at once.
4. Operands are contracted left to right. For a pair, a shared label is a *batch* label if it
   is still needed (by the output or a later operand), else a *contracted* one. Both operands
   are permuted to (batch, own, contracted) order, reshaped to 3-D, and one ``bmm`` does it.
5. The result is permuted into the output's order.
"""

from __future__ import annotations

import math
import string
from collections.abc import Sequence

from ... import dtypes
from ...tensor import Tensor
from ..declare import op
from ..primitive.matmul import bmm

_LETTERS = frozenset(string.ascii_letters)


def _ellipsis_labels(start: int, stop: int) -> list[str]:
    """The anonymous labels of the dims covered by ``...``: ".0" is the leftmost of them."""
    return [f".{k}" for k in range(start, stop)]


def _split_term(equation: str, term: str, offset: int, what: str
                ) -> tuple[list[str], list[str], bool]:
    """The letters of one term before and after its ``...``, and whether it has one.
    ``offset`` is where the term starts in the (space-free) equation, for error messages."""
    before: list[str] = []
    after: list[str] = []
    has_ellipsis = False
    k = 0
    while k < len(term):
        ch = term[k]
        if ch == ".":
            if term[k:k + 3] != "...":
                raise RuntimeError(f"einsum({equation!r}): found '.' for {what} that is not "
                                   "part of an ellipsis '...'")
            if has_ellipsis:
                raise RuntimeError(f"einsum({equation!r}): {what} has more than one ellipsis "
                                   "'...'")
            has_ellipsis = True
            k += 3
            continue
        if ch not in _LETTERS:
            raise RuntimeError(f"einsum({equation!r}): invalid subscript {ch!r} at index "
                               f"{offset + k} in the equation; subscripts must be in [a-zA-Z]")
        (after if has_ellipsis else before).append(ch)
        k += 1
    return before, after, has_ellipsis


def _parse(equation: str, shapes: Sequence[tuple[int, ...]]
           ) -> tuple[list[list[str]], list[str]]:
    """Labels of each operand's dims and of the output's dims."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise RuntimeError(f"einsum({equation!r}): the equation has {len(terms)} operand "
                           f"term(s) but {len(shapes)} operand(s) were given")
    parsed = []
    offset = 0
    for i, (term, shape) in enumerate(zip(terms, shapes)):
        before, after, has_ellipsis = _split_term(equation, term, offset, f"operand {i}")
        offset += len(term) + 1
        n_named = len(before) + len(after)
        if (has_ellipsis and len(shape) < n_named) or (not has_ellipsis
                                                       and len(shape) != n_named):
            raise RuntimeError(
                f"einsum({equation!r}): operand {i} has {len(shape)} dim(s) (shape "
                f"{tuple(shape)}) but its subscripts {term!r} name {n_named}"
                + ("" if has_ellipsis else " and no ellipsis '...' was given"))
        parsed.append((before, after, len(shape) - n_named if has_ellipsis else 0))
    n_ellipsis = max(n for _, _, n in parsed)
    labels = [before + _ellipsis_labels(n_ellipsis - n, n_ellipsis) + after
              for before, after, n in parsed]
    used = [label for ls in labels for label in ls]
    if not arrow:  # implicit output: "...", then the letters used once, in ASCII order
        once = sorted(c for c in set(used) if c in _LETTERS and used.count(c) == 1)
        any_ellipsis = "..." in lhs
        return labels, (_ellipsis_labels(0, n_ellipsis) if any_ellipsis else []) + once
    before, after, has_ellipsis = _split_term(equation, rhs, len(lhs) + 2, "the output")
    out = before + (_ellipsis_labels(0, n_ellipsis) if has_ellipsis else []) + after
    for c in before + after:
        if c not in used:
            raise RuntimeError(f"einsum({equation!r}): output subscript {c!r} does not appear "
                               "in the equation for any input operand")
        if out.count(c) > 1:
            raise RuntimeError(f"einsum({equation!r}): output subscript {c!r} appears more "
                               "than once in the output")
    return labels, out


def _check_sizes(equation: str, labels: list[list[str]], shapes: list[tuple[int, ...]]
                 ) -> None:
    """A label has one size within an operand, and across operands the same size or 1."""
    seen: dict[str, tuple[int, int]] = {}  # label -> (size, operand that set it)
    for i, (ls, shape) in enumerate(zip(labels, shapes)):
        own: dict[str, int] = {}
        for label, size in zip(ls, shape):
            if label in own and own[label] != size:
                raise RuntimeError(f"einsum({equation!r}): subscript {label!r} is repeated "
                                   f"in operand {i} (shape {shape}) but the sizes don't "
                                   f"match, {own[label]} != {size}")
            own[label] = size
        for label, size in own.items():
            if label not in seen or seen[label][0] == 1:
                seen[label] = (size, i)
            elif size not in (1, seen[label][0]):
                first_size, j = seen[label]
                what = (f"subscript {label!r}" if label in _LETTERS else
                        f"dim {label[1:]} covered by the ellipsis '...'")
                raise RuntimeError(
                    f"einsum({equation!r}): {what} has size {size} in operand {i} (shape "
                    f"{shape}) but size {first_size} in operand {j} (shape {shapes[j]}); "
                    "sizes must match or be 1")


def _take_diagonals(x: Tensor, labels: list[str]) -> tuple[Tensor, list[str]]:
    """Turn each repeated label into one dim: x[i, i] -> diagonal (a view, as last dim)."""
    while True:
        dup = next((label for label in labels if labels.count(label) > 1), None)
        if dup is None:
            return x, labels
        d1 = labels.index(dup)
        d2 = labels.index(dup, d1 + 1)
        x = x.diagonal(0, d1, d2)
        labels = [lb for k, lb in enumerate(labels) if k not in (d1, d2)] + [dup]


def _sum_labels(x: Tensor, labels: list[str], keep: set[str]) -> tuple[Tensor, list[str]]:
    """Sum over the dims whose label is not in ``keep``."""
    dims = tuple(k for k, label in enumerate(labels) if label not in keep)
    if not dims:  # sum(x, ()) would sum everything
        return x, labels
    return x.sum(dims), [label for label in labels if label in keep]


def _arrange(x: Tensor, labels: list[str], order: list[str], shared: set[str],
             sizes: dict[str, int]) -> Tensor:
    """Permute ``x`` into ``order`` and broadcast its size-1 shared dims (a view)."""
    x = x.permute([labels.index(label) for label in order])
    shape = tuple(sizes[label] if label in shared else n for label, n in zip(order, x.shape))
    return x.expand(*shape) if shape != x.shape else x


def _contract(a: Tensor, la: list[str], b: Tensor, lb: list[str], keep: set[str]
              ) -> tuple[Tensor, list[str]]:
    """Sum over the labels shared by ``a`` and ``b`` that are not in ``keep``; the other
    shared labels are batch dims. One ``bmm`` of shape (batch, own_a, summed) x
    (batch, summed, own_b)."""
    a, la = _sum_labels(a, la, keep | set(lb))
    b, lb = _sum_labels(b, lb, keep | set(la))
    batch = [label for label in la if label in lb and label in keep]
    summed = [label for label in la if label in lb and label not in keep]
    own_a = [label for label in la if label not in lb]
    own_b = [label for label in lb if label not in la]
    if a.dtype is not b.dtype:
        # PyTorch's rule: a pair with no summed label is a broadcast product, which promotes;
        # a sum of products is one bmm, which takes one dtype
        if summed:
            raise RuntimeError(f"einsum(): expected scalar type {a.dtype.name} but found "
                               f"{b.dtype.name} (operands contracted over {''.join(summed)!r} "
                               f"must have the same dtype)")
        dtype = dtypes.result_type(a, b)
        a, b = a.to(dtype), b.to(dtype)
    shared = set(batch) | set(summed)
    sizes = {label: max(a.shape[la.index(label)], b.shape[lb.index(label)])
             for label in shared}
    a = _arrange(a, la, batch + own_a + summed, shared, sizes)
    b = _arrange(b, lb, batch + summed + own_b, shared, sizes)
    batch_shape = a.shape[:len(batch)]
    own_a_shape = a.shape[len(batch):len(batch) + len(own_a)]
    own_b_shape = b.shape[len(batch) + len(summed):]
    n_batch, m = math.prod(batch_shape), math.prod(own_a_shape)
    k, n = math.prod(sizes[label] for label in summed), math.prod(own_b_shape)
    out = bmm(a.reshape(n_batch, m, k), b.reshape(n_batch, k, n))
    return out.reshape(batch_shape + own_a_shape + own_b_shape), batch + own_a + own_b


@op
def einsum(equation: str, *operands: Tensor | Sequence[Tensor]) -> Tensor:
    """Einstein summation over ``operands``, as ``torch.einsum``.

    Letters name dims; a letter left out of the output (after ``->``) is summed over. Without
    ``->`` the output is ``...`` followed by the letters used exactly once, in ASCII order
    (uppercase first). A letter repeated in one operand takes its diagonal; dims of size 1
    broadcast against the same letter in other operands. The operands may also be given as
    one list. The sublist form ``einsum(a, [0, 1], b, [1, 2])`` is not supported.

    >>> einsum("ij,jk->ik", ones(2, 3), ones(3, 4)).shape    # matrix product
    (2, 4)
    >>> einsum("ii", eye(3))                                   # trace
    tensor(3.)
    >>> einsum("...ij->...ji", ones(5, 2, 3)).shape            # batched transpose
    (5, 3, 2)
    """
    if not isinstance(equation, str):
        raise TypeError(f"einsum(): the equation must be a str, got "
                        f"{type(equation).__name__} (the sublist form is not supported)")
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not operands:
        raise RuntimeError(f"einsum({equation!r}): at least one operand is needed")
    for i, operand in enumerate(operands):
        if not isinstance(operand, Tensor):
            raise TypeError(f"einsum({equation!r}): operand {i} must be a Tensor, got "
                            f"{type(operand).__name__}")
    shapes = [tuple(op.shape) for op in operands]
    labels, out_labels = _parse(equation, shapes)
    _check_sizes(equation, labels, shapes)

    terms = [_take_diagonals(op, ls) for op, ls in zip(operands, labels)]
    result, result_labels = None, []
    for i, (x, ls) in enumerate(terms):
        # keep what the output or a later operand needs (earlier ones are already in result)
        keep = set(out_labels).union(*(later for _, later in terms[i + 1:]))
        if result is None:
            result, result_labels = _sum_labels(x, ls, keep)
        else:
            result, result_labels = _contract(result, result_labels, x, ls, keep)
    assert result is not None
    result, result_labels = _sum_labels(result, result_labels, set(out_labels))
    order = [result_labels.index(label) for label in out_labels]
    return result.permute(order) if order != list(range(len(order))) else result
