"""``backends``: the switches PyTorch keeps per vendor library, as ``torch.backends``.

Not to be confused with ``microtorch_core/backend.py``, the spec that device plugins
(``microtorch-cpu``, ``microtorch-cuda``) implement. PyTorch's ``torch.backends`` holds flags
for the libraries its kernels call (cuBLAS, cuDNN, Metal); training scripts set them, e.g.
``torch.backends.cuda.matmul.allow_tf32 = True``. MicroTorch's kernels are its own (NumPy on
the CPU, CUDA C on the GPU, always in full float32/float64, never TF32, no cuDNN), so these
flags are real, settable and checked as PyTorch checks them, and documented as changing
nothing here; the ``is_available()`` functions answer honestly.

============  ==================================================================
``cuda.py``   ``cuda.matmul.allow_tf32`` and friends, ``is_built``, and the float32
              matmul precision (``set_float32_matmul_precision``)
``cudnn.py``  ``cudnn.enabled``, ``benchmark``, ``deterministic``, ``allow_tf32``;
              ``is_available()`` is False
``mps.py``    ``mps.is_available()`` and ``is_built()``: False (no Metal backend)
============  ==================================================================
"""

from . import cuda, cudnn, mps

__all__ = ["cuda", "cudnn", "mps"]
