"""MicroTorch's backend conformance suite and test helpers.

* ``plugin.py``: the pytest plugin (``--backend NAME``, the ``device`` and ``host_reads``
  fixtures, the ``ops`` marker); pytest loads it through the ``pytest11`` entry point of
  microtorch-core.
* ``compare.py``: ``assert_close`` (vs NumPy), ``check_gradients`` (gradcheck in float64),
  ``check_against_torch`` (forward and gradient of ``.sum()`` vs PyTorch).
* ``test_conformance_*.py``: the device-generic suite every backend must pass::

      pytest --pyargs microtorch_core.testing --backend mydev
"""

from .compare import (
    TOLERANCES,
    assert_close,
    check_against_torch,
    check_gradients,
    random_array,
    to_numpy,
)

__all__ = ["TOLERANCES", "assert_close", "check_against_torch", "check_gradients",
           "random_array", "to_numpy"]
