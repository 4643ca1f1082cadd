"""The primitive layer: the only ops that call kernels (apart from ``dispatch.py``).

Each Function here has a ``forward`` that is one kernel of the backend spec
(``backend.PRIMITIVES``, or an ``OPTIONAL_KERNELS`` entry with a fallback), reached through
``dispatch.py``, and a ``backward`` written with Tensor ops. Two save a graph node by
finishing in place with a second, elementwise kernel: ``Mean`` (the sums divided by the
count) and ``Linear`` (the product plus the bias). Views change metadata only and
call no kernel at all. Everything in ``composite/``, ``special/`` and ``linalg/`` is built
from these, and a test (``tests/test_layers.py``) checks that nothing else calls a kernel.

===================  ==========================================================================
``elementwise.py``   Add Sub Mul Div Pow Maximum Minimum, Neg Abs Sign Exp Log Sqrt Sin Cos
                     Tanh Sigmoid Erf, the comparisons, Where: one elementwise kernel each
``reduction.py``     Sum Prod Amax Amin Mean, argmax argmin, all any: the reduction kernels
``matmul.py``        MatMul: the batched ``matmul`` kernel (``@``, ``mm``, ``bmm``); Linear
                     (``F.linear`` over rows)
``indexing.py``      Gather Scatter ScatterAdd, index_select: the index kernels, with the
                     bounds check of user indices (``index_range``)
``copy.py``          Contiguous (``contiguous``, ``clone``), ToDtype, ToDevice: the ``copy``
                     kernel; ``copy_into``/``fill_into``, the raw writes composites use
``random.py``        the ``random_uniform``/``random_normal`` kernels (``random_into``)
``softmax.py``       FusedSoftmax: the optional ``softmax``/``log_softmax`` kernels
``sort.py``          Sort: the optional ``sort`` kernel, or a composite of scatters
``decomposition.py`` svd_kernel qr_kernel eigh_kernel: the optional ``svd``, ``qr``, ``eigh``
                     kernels (their Functions and composites are in ``linalg/``)
``fft.py``           FFT: the optional ``fft`` kernel (the unscaled complex DFT), or real
                     matmuls with its cos/sin matrix; every transform of ``fft`` is over it
``views.py``         Reshape Permute Expand Unfold Windows Narrow and friends: metadata only;
                     the backwards of Narrow, Unfold and Windows fill and add into a new tensor
===================  ==========================================================================
"""
