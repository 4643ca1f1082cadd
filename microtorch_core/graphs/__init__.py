"""Graphs: capture the kernel calls of a step once, then replay them without Python dispatch.

In eager mode every op pays its dispatch again on every step: ``Function.apply``, dtype
promotion, broadcasting, the allocator, the kernel lookup, a few microseconds of Python per
op before the kernel runs. A training step makes the same kernel calls every time, on buffers
of the same shapes. So capture them once (``graph``), keeping every buffer where it is, and
replay the calls directly (``Graph.replay``): on the CPU, the NumPy calls the kernels make, on
the arrays they make them on; on CUDA, the kernel launches with their arguments packed. This
is PyTorch's CUDA graphs, with its names (``Graph`` is ``torch.cuda.CUDAGraph``), on every
device: ``mt.cuda.CUDAGraph``, ``mt.cuda.graph`` and ``mt.cuda.make_graphed_callables`` are
the same things. ``docs/graphs.md`` is the lesson.

=================  ========================================================================
``graph.py``       ``Graph`` (capture_begin/end, replay, reset) and the ``graph`` context
``capture.py``     what a capture does: records kernel calls, keeps memory, refuses reads
``recorder.py``    ``KernelRecorder``: how a backend turns kernel calls into replay calls
``guards.py``      index bounds checks and Python numbers, checked again by every replay
``callables.py``   ``make_graphed_callables``: forward and backward graphs of a module
=================  ========================================================================
"""

from __future__ import annotations

from .callables import make_graphed_callables
from .graph import Graph, graph, guard_values, is_capturing
from .recorder import KernelRecorder

__all__ = ["Graph", "graph", "make_graphed_callables", "is_capturing", "guard_values",
           "KernelRecorder"]
