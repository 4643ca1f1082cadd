"""``microtorch_core.linalg``: the part of ``torch.linalg`` MicroTorch has.

Its functions are the ops declared with ``namespace="linalg"`` (or a ``"linalg.<name>"``
alias), written in ``ops/linalg/``:

* ``vector_norm``, ``matrix_norm`` and ``norm`` (``'fro'``, 1, -1, inf, -inf; not ``'nuc'``, 2
  or -2, which need an SVD) in ``norms.py``; ``cross`` and ``matrix_power`` (repeated
  squaring) in ``products.py``;
* ``solve_triangular`` (``triangular.py``), ``cholesky`` and ``cholesky_ex``
  (``cholesky.py``), and from an LU factorisation with partial pivoting ``solve``, ``inv``,
  ``det`` and ``slogdet`` (``lu.py``): composites written a column at a time, so they run on
  every backend, with hand-written gradients. They raise ``LinAlgError`` for a singular or not
  positive-definite matrix.

Matrix products are top-level functions, as in PyTorch: ``matmul``, ``mm``, ``bmm``
(``ops/primitive/matmul.py``), ``dot``, ``tensordot`` (``ops/linalg/products.py``) and
``addmm`` and friends (``ops/linalg/blas.py``); so are ``inverse``, ``det``, ``logdet``,
``slogdet``, ``cholesky`` and ``cholesky_solve``.

>>> import microtorch_core as mt
>>> A = mt.tensor([[4.0, 2.0], [2.0, 3.0]])
>>> mt.linalg.solve(A, mt.tensor([6.0, 5.0]))
tensor([1., 1.])
"""
from .ops.declare import FUNCTIONS
from .ops.linalg.triangular import LinAlgError  # noqa: F401 (torch.linalg.LinAlgError)

# Every op declared with namespace="linalg" or a "linalg.<name>" alias (ops/declare.py)
globals().update(FUNCTIONS["linalg"])
__all__ = sorted(FUNCTIONS["linalg"]) + ["LinAlgError"]
