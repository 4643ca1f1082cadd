"""``microtorch_core.linalg``: the part of ``torch.linalg`` MicroTorch has.

* ``vector_norm`` (``ops/norms.py``) and ``cross`` (``ops/linalg.py``);
* ``matrix_power`` (repeated squaring), ``matrix_norm`` and ``norm`` (``'fro'``, 1, -1, inf,
  -inf; not ``'nuc'``, 2 or -2, which need an SVD) in ``ops/linalg_more.py``;
* ``solve_triangular`` (``ops/triangular.py``), ``cholesky`` and ``cholesky_ex``
  (``ops/cholesky.py``), and from an LU factorisation with partial pivoting ``solve``, ``inv``,
  ``det`` and ``slogdet`` (``ops/lu.py``): composites written a column at a time, so they run
  on every backend, with hand-written gradients. They raise ``LinAlgError`` for a singular or
  not positive-definite matrix.

Matrix products are top-level functions, as in PyTorch: ``matmul``, ``mm``, ``bmm``, ``dot``
(``ops/linalg.py``), ``addmm`` and friends (``ops/blas.py``) and ``tensordot``
(``ops/composite.py``); so are ``inverse``, ``det``, ``logdet``, ``slogdet``, ``cholesky`` and
``cholesky_solve``.

>>> import microtorch_core as mt
>>> A = mt.tensor([[4.0, 2.0], [2.0, 3.0]])
>>> mt.linalg.solve(A, mt.tensor([6.0, 5.0]))
tensor([1., 1.])
"""

from .ops.cholesky import cholesky_ex
from .ops.cholesky import linalg_cholesky as cholesky
from .ops.linalg import linalg_cross as cross
from .ops.linalg_more import linalg_norm as norm
from .ops.linalg_more import matrix_norm, matrix_power
from .ops.lu import det, inv, slogdet, solve
from .ops.norms import vector_norm
from .ops.triangular import LinAlgError, solve_triangular

__all__ = ["LinAlgError", "cholesky", "cholesky_ex", "cross", "det", "inv", "matrix_norm",
           "matrix_power", "norm", "slogdet", "solve", "solve_triangular", "vector_norm"]
