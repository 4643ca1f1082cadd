"""Jacobi rotations: the singular value decomposition and the symmetric eigendecomposition as
composites of Tensor ops, for backends without the ``svd`` and ``eigh`` kernels.

A Jacobi rotation of the pair (p, q) by the angle whose tangent is t (c = 1 / sqrt(1 + t^2),
s = t c) replaces two columns P, Q of a matrix by c P - s Q and s P + c Q. The angle is chosen
from three numbers, the 2 x 2 symmetric matrix [[a, g], [g, b]], so that it becomes diagonal
(Golub and Van Loan, algorithm 8.5.1): with zeta = (b - a) / (2 g),
t = sign(zeta) / (|zeta| + sqrt(1 + zeta^2)), the smaller of the two solutions.

* **eigh** (two-sided, for symmetric A): [[a, g], [g, b]] = [[A_pp, A_pq], [A_pq, A_qq]], and
  the rotation J is applied to both sides, A <- J^T A J, which zeroes A_pq; the product of
  the rotations, V, collects the eigenvectors. Repeated, A becomes diagonal: the eigenvalues.
* **svd** (one-sided, Hestenes): rotate the columns of W = A only, with [[a, g], [g, b]] the
  Gram entries [[|w_p|^2, w_p . w_q], [., |w_q|^2]], which makes the two columns orthogonal.
  When every pair is orthogonal, W = A V has orthogonal columns: their norms are the singular
  values and W's normalised columns U, so A = U diag(S) V^T. Only A's columns are touched,
  which makes this accurate even for tiny singular values.

A *sweep* rotates every pair once. Pairs that share no column commute, so the n/2 pairs of a
*round* are rotated at once, batched over the matrices too: the columns are kept arranged so
that position i pairs with position n/2 + i, and a gather moves them to the next round's pairs
(the round-robin "circle method": column 0 stays, the others turn one place; after n - 1
rounds every two columns have met). An odd n gets a zero column (and row), which no rotation
touches (its g is 0), removed at the end. Sweeps repeat until every pair is orthogonal to
working precision; convergence is quadratic, so a handful of sweeps do (one host read each).
"""

from __future__ import annotations

import math

from ... import dtypes
from ...creation import eye, tensor, zeros
from ...tensor import Tensor
from ..composite.diagonal import diag_embed, diagonal, tril, triu
from ..composite.indexing import cat
from ..primitive.elementwise import where
from ..primitive.indexing import Gather, index_select_unchecked

#: A safety net: Jacobi converges in well under 20 sweeps for any matrix of finite entries.
MAX_SWEEPS = 40


def round_robin(n: int) -> list[list[int]]:
    """For an even ``n``: the arrangement of the columns in each of the n - 1 rounds of a
    sweep, pairing the column at position i with the one at n/2 + i.

    >>> round_robin(4)
    [[0, 1, 3, 2], [0, 2, 1, 3], [0, 3, 2, 1]]
    """
    half, others = n // 2, list(range(1, n))
    rounds = []
    for r in range(n - 1):
        circle = [0] + others[r:] + others[:r]  # seats around a table; seat i faces n - 1 - i
        rounds.append(circle[:half] + circle[half:][::-1])
    return rounds


def _schedule(n: int, device) -> tuple[Tensor, list[Tensor]]:
    """The gathers of a sweep: the first arranges the columns for round 0, and after round r
    the r-th moves them to round r + 1 (the last back to round 0)."""
    rounds = round_robin(n)
    moves = []
    for r, now in enumerate(rounds):
        position = {column: i for i, column in enumerate(now)}
        upcoming = rounds[(r + 1) % len(rounds)]
        moves.append(tensor([position[c] for c in upcoming], device=device))
    return tensor(rounds[0], device=device), moves


def _rotation(a: Tensor, b: Tensor, g: Tensor) -> tuple[Tensor, Tensor]:
    """(c, s) of the rotations that diagonalise [[a, g], [g, b]] (elementwise); c = 1, s = 0
    where g = 0, which leaves padding and converged pairs exactly as they are."""
    # g = 0 is zeta = inf, t = 0; so is a zeta whose square overflows (t < 1e-154), rightly
    zeta = where(g == 0, math.inf, (b - a) / (2 * g))
    root = (1 + zeta * zeta).sqrt()
    t = 1 / (zeta + where(zeta >= 0, root, -root))  # sign(zeta) / (|zeta| + root)
    c = 1 / (1 + t * t).sqrt()
    return c, t * c


def _rotate(x: Tensor, c: Tensor, s: Tensor, dim: int, move: Tensor) -> Tensor:
    """Rotate the halves [P | Q] of ``x`` along ``dim`` (-1: columns, -2: rows) into
    [c P - s Q | s P + c Q], then rearrange them for the next round by the gather ``move``."""
    half = x.shape[dim] // 2
    c, s = (c.unsqueeze(-2), s.unsqueeze(-2)) if dim == -1 else (c.unsqueeze(-1),
                                                                    s.unsqueeze(-1))
    p, q = x.narrow(dim, 0, half), x.narrow(dim, half, half)
    return index_select_unchecked(cat([c * p - s * q, s * p + c * q], dim), x.dim() + dim, move)


def _pad(x: Tensor, rows: bool) -> Tensor:
    """``x`` with a zero column appended (and a zero row, with ``rows``)."""
    x = cat([x, zeros(*x.shape[:-1], 1, dtype=x.dtype, device=x.device)], -1)
    if rows:
        x = cat([x, zeros(*x.shape[:-2], 1, x.shape[-1], dtype=x.dtype, device=x.device)], -2)
    return x


def _unpad(x: Tensor, n: int) -> Tensor:
    """Drop the padding column of an odd ``n`` from ``x`` (..., n + 1): the padded matrix's
    last column, which round 0's arrangement puts at position (n + 1) // 2."""
    keep = [i for i in range(n + 1) if i != (n + 1) // 2]
    return index_select_unchecked(x, x.dim() - 1, tensor(keep, device=x.device))


def _sort_columns(values: Tensor, vectors: Tensor | None, descending: bool
                  ) -> tuple[Tensor, Tensor | None]:
    """``values`` (..., n) sorted, and the columns of ``vectors`` (..., m, n) with them."""
    values, order = values.sort(-1, descending=descending)
    if vectors is not None:
        vectors = Gather.apply(vectors, vectors.dim() - 1, order.unsqueeze(-2).expand(
            vectors.shape))
    return values, vectors


def _tolerance(x: Tensor, n: int) -> float:
    """How close to converged counts as converged: about the rounding error of n terms."""
    return max(n, 1) * dtypes.finfo(x.dtype).eps


def _converged(measure: Tensor, tol: float) -> bool:
    """Whether the worst matrix's ``measure`` is within ``tol`` (one host read). nan (from a
    non-finite input) stops the sweeps too: it would never converge."""
    worst = measure.amax().item() if measure.numel() else 0.0
    return not worst > tol


def _scaled(a: Tensor) -> tuple[Tensor, Tensor]:
    """``a`` divided by its largest |entry| per matrix (1 for a zero matrix), and the scale:
    squares of the scaled entries neither overflow nor underflow."""
    scale = a.abs().amax((-2, -1), keepdim=True)
    scale = where(scale == 0, 1.0, scale)
    return a / scale, scale


def eigh_jacobi(a: Tensor, upper: bool, compute_v: bool) -> tuple[Tensor, Tensor | None]:
    """``(eigenvalues, eigenvectors)`` of the symmetric matrices ``a`` (..., n, n), n >= 1,
    read from the lower triangle (upper with ``upper``), by two-sided Jacobi rotations:
    eigenvalues ascending, eigenvectors as columns (None without ``compute_v``). No autograd.

    >>> eigh_jacobi(tensor([[2.0, 1.0], [1.0, 2.0]]), False, False)[0]
    tensor([1., 3.])
    """
    n = a.shape[-1]
    triangle = triu(a) + triu(a, 1).mT if upper else tril(a) + tril(a, -1).mT
    x, scale = _scaled(triangle)
    odd = n % 2
    if odd:
        x = _pad(x, rows=True)
    size = n + odd
    first, moves = _schedule(size, a.device)
    x = index_select_unchecked(index_select_unchecked(x, x.dim() - 1, first), x.dim() - 2, first)
    if compute_v:  # V = I, carried as rows under A: the column rotations make it A's V
        identity = eye(size, dtype=a.dtype, device=a.device).expand(x.shape)
        x = cat([x, index_select_unchecked(identity, x.dim() - 1, first)], -2)
    half, tol = size // 2, _tolerance(a, n)
    for _ in range(MAX_SWEEPS):
        square = x[..., :size, :]
        # the off-diagonal part, relative to the whole: 0 once A is diagonal
        off = (square - diag_embed(diagonal(square, 0, -2, -1))).square().sum((-2, -1))
        if _converged((off / square.square().sum((-2, -1)).clamp_min(1e-300)).sqrt(), tol):
            break
        for move in moves:
            c, s = _rotation(diagonal(x[..., :half, :half], 0, -2, -1),
                             diagonal(x[..., half:size, half:], 0, -2, -1),
                             diagonal(x[..., :half, half:], 0, -2, -1))
            x = _rotate(x, c, s, -1, move)  # A J (and V J below it)
            x = cat([_rotate(x[..., :size, :], c, s, -2, move), x[..., size:, :]], -2)  # J^T
    values = diagonal(x[..., :size, :], 0, -2, -1)
    v = x[..., size:, :] if compute_v else None
    if odd:
        values = _unpad(values, n)
        # V's rows are coordinates, in their own order: the padding one is the last
        v = _unpad(v, n)[..., :n, :] if compute_v else None
    values, v = _sort_columns(values, v, descending=False)
    return values * scale.squeeze(-1), v


def svd_jacobi(a: Tensor, full_matrices: bool, compute_uv: bool
               ) -> tuple[Tensor | None, Tensor, Tensor | None]:
    """``(U, S, Vh)`` of ``a`` (..., m, n), m and n >= 1, by one-sided Jacobi rotations:
    singular values descending; U (..., m, m or k), Vh (..., n or k, n) as
    ``torch.linalg.svd`` (None without ``compute_uv``). No autograd.

    >>> svd_jacobi(tensor([[3.0, 0.0], [4.0, 5.0]]), False, False)[1]
    tensor([6.7082, 2.2361])
    """
    m, n = a.shape[-2:]
    if m < n:  # A^T = U' S V'^T gives A = V' S U'^T
        u, s, vh = svd_jacobi(a.mT, full_matrices, compute_uv)
        return (vh.mT, s, u.mT) if compute_uv else (None, s, None)
    w, scale = _scaled(a)
    odd = n % 2
    if odd:
        w = _pad(w, rows=False)
    size = n + odd
    first, moves = _schedule(size, a.device)
    w = index_select_unchecked(w, w.dim() - 1, first)
    if compute_uv:  # [A; I] rotated to [A V; V]: V rides along as extra rows
        identity = eye(size, dtype=a.dtype, device=a.device).expand(w.shape[:-2] + (size, size))
        w = cat([w, index_select_unchecked(identity, w.dim() - 1, first)], -2)
    half, tol = size // 2, _tolerance(a, m)
    for _ in range(MAX_SWEEPS):
        # the largest cosine between two columns of A V: 0 once they are orthogonal
        gram = w[..., :m, :].mT @ w[..., :m, :]
        norms = diagonal(gram, 0, -2, -1).sqrt()
        outer = norms.unsqueeze(-1) * norms.unsqueeze(-2)
        cosine = where(outer == 0, 0.0, gram.abs() / where(outer == 0, 1.0, outer))
        if _converged(cosine - diag_embed(diagonal(cosine, 0, -2, -1)), tol):
            break
        for move in moves:
            p, q = w[..., :m, :half], w[..., :m, half:]
            c, s = _rotation(p.square().sum(-2), q.square().sum(-2), (p * q).sum(-2))
            w = _rotate(w, c, s, -1, move)
    if odd:
        w = _unpad(w, n)[..., : m + n, :]  # V's rows are coordinates: the padding one is last
    v = w[..., m:, :] if compute_uv else None
    w = w[..., :m, :]
    norms = w.square().sum(-2).sqrt()
    if not compute_uv:
        return None, norms.sort(-1, descending=True).values * scale.squeeze(-1), None
    s, v = _sort_columns(norms, v, descending=True)
    _, w = _sort_columns(norms, w, descending=True)
    u = w / where(s == 0, 1.0, s).unsqueeze(-2)
    if (full_matrices and m > n) or bool((s == 0).any().item()):
        u = _complete(u, s)
        if not full_matrices:
            u = u[..., :n]
    return u, s * scale.squeeze(-1), v.mT


def _complete(u: Tensor, s: Tensor) -> Tensor:
    """An orthogonal (..., m, m) matrix whose first columns are those of ``u`` (..., m, n)
    where ``s`` > 0, and that completes them where ``s`` = 0 (zero columns of u, sorted last).

    The QR factorisation of u does it: Householder's Q is orthogonal, its first columns are
    +-u's orthonormal columns (R is diagonal with +-1 there), and a zero column leaves its
    reflector the identity, so that column of Q is a new direction orthogonal to the rest.
    """
    from .qr import qr_householder

    q, r = qr_householder(u, "complete")
    signs = where(diagonal(r, 0, -2, -1) < 0, -1.0, 1.0)  # 0 (a new direction) keeps +1
    n = u.shape[-1]
    return cat([q[..., :n] * signs.unsqueeze(-2), q[..., n:]], -1)
