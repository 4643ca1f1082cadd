"""Special functions as accurate composites of the primitives (``microtorch_core.special``
and their top-level names): Cephes, fdlibm and Lanczos algorithms written in Tensor ops, with
hand-written gradients, so they run on every backend. float64 within 1e-13 of mpmath.

==================  ==========================================================================
``trig.py``         atan atan2 asin acos tan asinh acosh atanh
``gamma.py``        lgamma digamma polygamma mvlgamma zeta
``errorfunc.py``    erfc erfcx erfinv ndtr ndtri log_ndtr
``igamma.py``       gammainc gammaincc igamma igammac
``bessel.py``       i0 i0e i1 i1e (and modified_bessel_i0, modified_bessel_i1)
``bessel_j.py``     bessel_j0 bessel_j1 bessel_y0 bessel_y1 spherical_bessel_j0
``bessel_k.py``     modified_bessel_k0 modified_bessel_k1 scaled_modified_bessel_k0/k1
``airy.py``         airy_ai
``orthogonal_polynomials.py``  Chebyshev T U V W (and shifted), Hermite H He, Laguerre L,
                    Legendre P
``elementary.py``   sinc entr xlog1py
``polynomial.py``   Horner's and Clenshaw's evaluation for the series above
==================  ==========================================================================
"""
