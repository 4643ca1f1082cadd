"""Linear algebra over ``matmul`` and the other primitives (``microtorch_core.linalg`` and the
top-level products), with PyTorch's gradients and errors.

==================  ==========================================================================
``products.py``     dot outer cross inner tensordot matrix_power
``blas.py``         addmm addmv baddbmm addbmm addr mv vdot addcmul addcdiv
``einsum.py``       einsum
``norms.py``        vector_norm norm cdist dist renorm matrix_norm linalg.norm cond
``triangular.py``   solve_triangular (substitution), LinAlgError
``cholesky.py``     cholesky cholesky_ex cholesky_solve
``lu.py``           solve inv det slogdet inverse logdet (LU with partial pivoting)
``jacobi.py``       the SVD and symmetric eigendecomposition by Jacobi rotations (composites
                    for backends without the ``svd``/``eigh`` kernels)
``svd.py``          linalg.svd svdvals svd (the backend's kernel or ``jacobi.py``)
``qr.py``           linalg.qr qr (the backend's kernel or Householder reflections)
``eigh.py``         eigh eigvalsh (the backend's kernel or ``jacobi.py``); eig eigvals raise
``pinv.py``         pinv pinverse matrix_rank (from the singular values)
``lstsq.py``        lstsq (the minimum-norm solution, from the SVD)
==================  ==========================================================================
"""
