"""Running a module over several devices or processes, as ``torch.nn.parallel``.

``DataParallel`` splits each batch over the GPUs of one process. MicroTorch's CUDA backend
drives one GPU, so it runs the module on that GPU (moving the inputs there), or, with no GPU,
simply calls the module, which is exactly what PyTorch's does with one GPU or none.
``DistributedDataParallel`` needs ``microtorch_core.distributed``, which is not available:
it raises a clear error when constructed (importing it always works).

======================  ===============================================
``data_parallel.py``    ``DataParallel``
``distributed.py``      ``DistributedDataParallel``
======================  ===============================================
"""

from .data_parallel import DataParallel
from .distributed import DistributedDataParallel

__all__ = ["DataParallel", "DistributedDataParallel"]
