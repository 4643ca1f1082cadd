"""The matrix exponential ``linalg.matrix_exp`` (and ``torch.matrix_exp``), by scaling and
squaring with a Pade approximant (Higham, "The scaling and squaring method for the matrix
exponential revisited", SIAM J. Matrix Anal. Appl. 26(4), 2005; SciPy's ``expm`` before its
2009 refinements).

e^A = (e^(A / 2^s))^(2^s): A is scaled by a power of two until its 1-norm is at most theta_13
= 5.37, where the [13/13] Pade approximant r(A) = (V - U)^-1 (V + U) (U odd, V even in A) is
exact to double precision; then squared s times. Matrices already small enough take a lower
degree (3, 5, 7 or 9, each with its own bound theta_m), which costs fewer products. In a batch
each matrix is scaled and squared as many times as its own norm asks (one host read of the
norms), and the degree is the one the largest norm needs. float32 is computed in float64 and
rounded back.

The gradient is the adjoint of the Frechet derivative, read off a matrix exponential twice the
size (Mathias, 1996; PyTorch's ``backward_analytic_function_of_a_matrix``):
exp([[A^T, G], [0, A^T]]) has gA in its upper-right block. It is computed with this op, so it
is differentiable again.
"""

from __future__ import annotations

import math

from ...autograd.function import Function
from ...creation import eye, tensor, zeros_like
from ...tensor import Tensor
from ..composite.indexing import cat
from ..declare import op
from ..primitive.elementwise import where
from ..special.polynomial import in_float64
from .lu import Solve
from .triangular import check_matrices

# the largest 1-norm for which the [m/m] Pade approximant is exact in double precision
_THETA = {3: 1.495585217958292e-2, 5: 2.539398330063230e-1, 7: 9.504178996162932e-1,
          9: 2.097847961257068e0, 13: 5.371920351148152e0}
# the coefficients b_0, ..., b_m of the [m/m] Pade approximant's numerator
_PADE = {
    3: (120.0, 60.0, 12.0, 1.0),
    5: (30240.0, 15120.0, 3360.0, 420.0, 30.0, 1.0),
    7: (17297280.0, 8648640.0, 1995840.0, 277200.0, 25200.0, 1512.0, 56.0, 1.0),
    9: (17643225600.0, 8821612800.0, 2075673600.0, 302702400.0, 30270240.0, 2162160.0,
        110880.0, 3960.0, 90.0, 1.0),
    13: (64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0,
         129060195264000.0, 10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0,
         40840800.0, 960960.0, 16380.0, 182.0, 1.0),
}


def _pade(a: Tensor, degree: int) -> Tensor:
    """The [m/m] Pade approximant of e^a, m = ``degree``: (V - U)^-1 (V + U)."""
    b = _PADE[degree]
    identity = eye(a.shape[-1], dtype=a.dtype, device=a.device)
    a2 = a @ a
    if degree == 13:  # Higham's evaluation: six products instead of twelve
        a4 = a2 @ a2
        a6 = a4 @ a2
        u = a @ (a6 @ (b[13] * a6 + b[11] * a4 + b[9] * a2)
                 + b[7] * a6 + b[5] * a4 + b[3] * a2 + b[1] * identity)
        v = a6 @ (b[12] * a6 + b[10] * a4 + b[8] * a2) + b[6] * a6 + b[4] * a4 + b[2] * a2
        v = v + b[0] * identity
    else:
        powers = [identity, a2]  # A^0, A^2, A^4, ...
        while len(powers) < (degree + 1) // 2:
            powers.append(powers[-1] @ a2)
        u = a @ sum((b[2 * k + 1] * p for k, p in enumerate(powers)), zeros_like(a))
        v = sum((b[2 * k] * p for k, p in enumerate(powers)), zeros_like(a))
    return Solve.apply(v - u, v + u, None)


def _matrix_exp(a: Tensor) -> Tensor:
    """e^a for float64 ``a`` (..., n, n), no autograd."""
    if a.numel() == 0:
        return a.clone()
    norms = a.abs().sum(-2).amax(-1)  # the 1-norm, the largest column sum
    values = norms.reshape(-1).tolist()  # one host read: the degree and the squarings
    finite = [v for v in values if math.isfinite(v)]
    largest = max(finite, default=0.0)
    for degree in (3, 5, 7, 9):
        if largest <= _THETA[degree]:
            return _pade(a, degree)
    steps = [max(0, math.ceil(math.log2(v / _THETA[13]))) if math.isfinite(v) and v > 0
             else 0 for v in values]
    batch = norms.shape + (1, 1)
    scale = tensor([2.0 ** -s for s in steps], dtype=a.dtype, device=a.device).reshape(batch)
    out = _pade(a * scale, 13)  # a power of two: the scaling is exact
    counts = tensor(steps, device=a.device).reshape(batch)
    for i in range(max(steps)):
        out = where(counts > i, out @ out, out)
    bad = ((norms != norms) | (norms == math.inf)).reshape(batch)
    return where(bad, math.nan, out)


class MatrixExp(Function):
    """out = e^A = sum_k A^k / k!"""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return in_float64(_matrix_exp, a)

    @staticmethod
    def backward(ctx, grad):
        (a, ) = ctx.saved_tensors
        n = a.shape[-1]
        at = a.mT.expand(grad.shape)
        block = cat([cat([at, grad], -1), cat([zeros_like(at), at], -1)], -2)
        return matrix_exp(block)[..., :n, n:]


@op(variants="function, method", aliases=("linalg.matrix_exp",))
def matrix_exp(A: Tensor) -> Tensor:  # noqa: N803 - PyTorch's name
    """The matrix exponential e^A = sum_k A^k / k! of square ``A`` (..., n, n), as
    ``torch.linalg.matrix_exp`` (and ``torch.matrix_exp``, ``Tensor.matrix_exp``).

    >>> matrix_exp(tensor([[0.0, 1.0], [-1.0, 0.0]]))   # a rotation by 1 radian
    tensor([[ 0.5403,  0.8415],
            [-0.8415,  0.5403]])
    """
    check_matrices("linalg.matrix_exp", A)
    return MatrixExp.apply(A)
