"""Linear algebra over ``matmul`` and the other primitives (``microtorch_core.linalg`` and the
top-level products), with PyTorch's gradients and errors.

==================  ==========================================================================
``products.py``     dot outer (ger) cross inner vecdot tensordot matrix_power
``multi_dot.py``    multi_dot (the cheapest order of a matrix chain)
``vandermonde.py``  linalg.vander
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
``eigh.py``         eigh eigvalsh (the backend's kernel or ``jacobi.py``)
``eig.py``          eig eigvals (complex; the backend's ``eig`` kernel, no composite)
``pinv.py``         pinv pinverse matrix_rank (from the singular values)
``lstsq.py``        lstsq (the minimum-norm solution, from the SVD)
``error_codes.py``  inv_ex solve_ex (``lu.py``'s, with LAPACK's info instead of an error)
``tensor_inverse.py``  tensorinv tensorsolve (inv and solve of flattened dims)
``lu_factor.py``    linalg.lu_factor lu_factor_ex linalg.lu lu lu_unpack (``lu.py``'s factors)
``lu_solve.py``     linalg.lu_solve lu_solve
``triangular_solve.py``  triangular_solve (the deprecated form)
``cholesky_inverse.py``  cholesky_inverse
``matrix_exp.py``   matrix_exp (Pade scaling and squaring)
``householder.py``  geqrf householder_product orgqr ormqr (LAPACK's compact reflectors)
``ldl.py``          ldl_factor ldl_factor_ex ldl_solve (Bunch-Kaufman pivoting)
``lowrank.py``      svd_lowrank pca_lowrank (randomized range finder over qr and svd)
==================  ==========================================================================
"""
