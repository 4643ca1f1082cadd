"""``microtorch_core.linalg``: the part of ``torch.linalg`` MicroTorch has.

Only ``vector_norm`` so far (``ops/norms.py``). Matrix products are top-level functions, as in
PyTorch: ``matmul``, ``mm``, ``bmm``, ``dot`` (``ops/linalg.py``) and ``tensordot``
(``ops/composite.py``).
"""

from .ops.norms import vector_norm

__all__ = ["vector_norm"]
