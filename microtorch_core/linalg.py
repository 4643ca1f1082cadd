"""``microtorch_core.linalg``: the part of ``torch.linalg`` MicroTorch has.

``vector_norm`` (``ops/norms.py``) and ``cross`` (``ops/linalg.py``). Matrix products are
top-level functions, as in PyTorch: ``matmul``, ``mm``, ``bmm``, ``dot`` (``ops/linalg.py``),
``addmm`` and friends (``ops/blas.py``) and ``tensordot`` (``ops/composite.py``).
"""

from .ops.linalg import linalg_cross as cross
from .ops.norms import vector_norm

__all__ = ["cross", "vector_norm"]
