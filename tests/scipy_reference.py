"""SciPy as the reference for the special functions: the optional import and the skip marker
(as ``torch_reference.py`` does for PyTorch)."""

import pytest

try:
    import scipy.special as scipy_special
except ImportError:  # pragma: no cover - exercised where SciPy is absent
    scipy_special = None

requires_scipy = pytest.mark.skipif(scipy_special is None, reason="SciPy is not installed: "
                                    "scipy.special is the reference for this test")
