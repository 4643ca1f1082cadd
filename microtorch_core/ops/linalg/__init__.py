"""Linear algebra over ``matmul`` and the other primitives (``microtorch_core.linalg`` and the
top-level products), with PyTorch's gradients and errors.

==================  ==========================================================================
``products.py``     dot outer cross inner tensordot matrix_power
``blas.py``         addmm addmv baddbmm addbmm addr mv vdot addcmul addcdiv
``einsum.py``       einsum
``norms.py``        vector_norm norm cdist dist renorm matrix_norm linalg.norm
``triangular.py``   solve_triangular (substitution), LinAlgError
``cholesky.py``     cholesky cholesky_ex cholesky_solve
``lu.py``           solve inv det slogdet inverse logdet (LU with partial pivoting)
==================  ==========================================================================
"""
