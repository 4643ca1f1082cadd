"""Graph capture on the CPU: a kernel call becomes the NumPy call it makes.

Most CPU kernels are one NumPy call on the tensors' arrays (``np.add(a, b, out=o)``). A
captured graph keeps those arrays (the tensors' memory stays with the graph), so a replay can
make the NumPy calls themselves, with the arrays already looked up: no ``Function.apply``, no
dtype promotion, no allocation, no kernel method in between. Kernels with more logic than one
call (``where``, ``pow``, ``gather``...) are replayed by calling the kernel again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from microtorch_core.graphs import KernelRecorder
from microtorch_core.graphs.recorder import ReplayCall

from .backend import BINARY, REDUCE, UNARY, _np, _operand


class CPURecorder(KernelRecorder):
    """Records CPU kernel calls as NumPy calls on the tensors' arrays."""

    def record(self, name: str, kernel: Callable[..., None], args: tuple[Any, ...]
               ) -> list[ReplayCall]:
        lower = _LOWERINGS.get(name)
        call = lower(name, *args) if lower is not None else None
        return [call if call is not None else (kernel, args)]

    def compile(self, calls: Sequence[ReplayCall]) -> Callable[[], None]:
        calls = tuple(calls)

        def run() -> None:
            # Once for the whole replay: the kernels of div, log, exp... run under errstate
            # (PyTorch gives inf/nan silently); entering it per call would cost ~1 us each.
            with np.errstate(all="ignore"):
                for function, args in calls:
                    function(*args)

        return run


# Each lowering returns the (function, args) of the kernel's NumPy call, or None when the
# kernel does more than one call for these arguments. Positional ``out``: no keyword dict.
def _unary(name: str, out: Any, x: Any) -> ReplayCall:
    return UNARY[name], (_np(x), _np(out))


def _binary(name: str, out: Any, a: Any, b: Any) -> ReplayCall:
    return BINARY[name], (_operand(a), _operand(b), _np(out))


def _reduce(name: str, out: Any, x: Any, dims: tuple[int, ...]) -> ReplayCall:
    return REDUCE[name], (_np(x), dims, None, _np(out), True)


def _copy(name: str, out: Any, x: Any) -> ReplayCall:
    return np.copyto, (_np(out), _np(x), "unsafe")


def _fill(name: str, out: Any, value: Any) -> ReplayCall:
    return np.copyto, (_np(out), value, "unsafe")


def _matmul(name: str, out: Any, a: Any, b: Any) -> ReplayCall:
    return np.matmul, (_np(a), _np(b), _np(out))


_LOWERINGS: dict[str, Callable[..., ReplayCall | None]] = {
    **{name: _unary for name in UNARY},
    **{name: _binary for name in BINARY},
    **{name: _reduce for name in REDUCE},
    "copy": _copy, "fill": _fill, "matmul": _matmul,
}
