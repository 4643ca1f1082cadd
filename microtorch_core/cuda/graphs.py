"""CUDA graphs with PyTorch's names: ``CUDAGraph``, ``graph``, ``make_graphed_callables``.

They are ``microtorch_core.graphs`` (which works on every device) with the device fixed to
``cuda``: a capture records each op's kernel launches with their arguments packed, from a
memory pool private to the graph, and ``replay()`` makes only the launches
(``backends/microtorch_cuda/microtorch_cuda/graphs.py``).

>>> g = mt.cuda.CUDAGraph()
>>> with mt.cuda.graph(g):
...     static_y = model(static_x)
>>> static_x.copy_(x); g.replay()        # static_y now holds model(x)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .. import graphs as _graphs

CUDA = "cuda"


class CUDAGraph(_graphs.Graph):
    """A graph of CUDA kernel launches (``torch.cuda.CUDAGraph``): ``capture_begin()`` and
    ``capture_end()``, or the :func:`graph` context manager; ``replay()``, ``reset()``."""

    def capture_begin(self, device: Any = CUDA, pool: Any = None,
                      capture_error_mode: str = "global") -> None:
        """Start recording the work of the CUDA device."""
        _check_unsupported(pool, None, capture_error_mode)
        if device is None or _graphs_device_type(device) != CUDA:
            raise ValueError(f"CUDAGraph captures the cuda device, got device={device!r}")
        super().capture_begin(device)


@contextmanager
def graph(cuda_graph: CUDAGraph, pool: Any = None, stream: Any = None,
          capture_error_mode: str = "global") -> Iterator[CUDAGraph]:
    """Capture the CUDA work of the ``with`` block into ``cuda_graph`` (``torch.cuda.graph``).
    ``pool`` and ``stream`` are PyTorch's; MicroTorch has one stream and one pool per graph,
    so they must be left None."""
    _check_unsupported(pool, stream, capture_error_mode)
    with _graphs.graph(cuda_graph, device=CUDA):
        yield cuda_graph


def make_graphed_callables(callables: Any, sample_args: tuple, num_warmup_iters: int = 3,
                           allow_unused_input: bool = False) -> Any:
    """``torch.cuda.make_graphed_callables``: ``microtorch_core.graphs.make_graphed_callables``
    for callables whose sample arguments are on the CUDA device."""
    first = sample_args[0] if isinstance(callables, tuple) else sample_args
    for t in first:
        if getattr(t, "device", None) is not None and t.device.type != CUDA:
            raise ValueError(f"cuda.make_graphed_callables: sample arguments must be on the "
                             f"cuda device, got one on {t.device}")
    return _graphs.make_graphed_callables(callables, sample_args, num_warmup_iters,
                                          allow_unused_input)


def is_current_stream_capturing() -> bool:
    """Whether a graph is being captured now."""
    return _graphs.is_capturing()


def _graphs_device_type(device: Any) -> str:
    from ..device import device as _device

    return _device(device).type


def _check_unsupported(pool: Any, stream: Any, capture_error_mode: str) -> None:
    if pool is not None or stream is not None:
        raise NotImplementedError("MicroTorch's CUDA graphs have one pool per graph and run on "
                                  "the default stream: pass pool=None and stream=None")
    if capture_error_mode != "global":
        raise NotImplementedError(f"capture_error_mode={capture_error_mode!r}: MicroTorch "
                                  f"refuses every unsafe call during a capture ('global')")
