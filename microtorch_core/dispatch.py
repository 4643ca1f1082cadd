"""Dispatch: ``(device, op) -> kernel``, resolved once per device.

When a device is first used, :func:`kernel_table` asks the registry for its backend and builds
a :class:`KernelTable`: a plain object whose attributes are the backend's bound kernel
methods. ``Tensor`` keeps a reference to its device's table, so running ``a + b`` costs one
attribute lookup (``a._kernels.add``) and a call: no pluggy, no dict of dicts, no string
formatting on the hot path.

An op the backend lists in ``unsupported_ops`` becomes a stub that raises NotImplementedError
naming the op and the backend or, with CPU fallback enabled, runs the CPU kernel on copies.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from typing import Any

from .backend import FALLBACK_HINT, OPTIONAL_KERNELS, PRIMITIVES, Allocator, Backend

FALLBACK_ENV = "MICROTORCH_CPU_FALLBACK"
_fallback_enabled: bool | None = None  # None: read the environment variable on first use
_fallback_warned: set[tuple[str, str]] = set()


class KernelTable:
    """The kernels of one device: ``table.add(out, a, b)``, ``table.matmul(out, a, b)``...

    Attributes: ``backend``, ``allocator``, ``device_type``, one callable per name in
    ``PRIMITIVES``, and one per name in ``OPTIONAL_KERNELS`` (None when the backend has no
    faster kernel for that composite).
    """

    def __init__(self, backend: Backend, device_type: str) -> None:
        self.backend = backend
        self.allocator: Allocator = backend.allocator
        self.device_type = device_type
        unsupported = set(type(backend).unsupported_ops)
        for op in PRIMITIVES:
            if op in unsupported:
                setattr(self, op, _missing_kernel(op, device_type))
            else:
                setattr(self, op, getattr(backend, op))
        for op in OPTIONAL_KERNELS:
            kernel = getattr(backend, op, None)  # the spec's default means "not provided"
            setattr(self, op, None if getattr(kernel, "is_spec_default", False) else kernel)

    def __repr__(self) -> str:
        return f"<KernelTable {self.device_type}: {type(self.backend).__name__}>"


def kernel_table(device_type: str, index: int | None = None) -> KernelTable:
    """Build the kernel table of a device type (creates its backend on first use)."""
    from .registry import registry

    backend = registry.get_backend(device_type)
    if index is not None and index >= backend.device_count():
        raise RuntimeError(f"device '{device_type}:{index}' does not exist: backend "
                           f"'{device_type}' has {backend.device_count()} device(s)")
    return KernelTable(backend, device_type)


def set_cpu_fallback(enabled: bool) -> None:
    """Run ops a backend lacks on the CPU backend (with copies and a one-time warning)."""
    global _fallback_enabled
    _fallback_enabled = bool(enabled)


def cpu_fallback_enabled() -> bool:
    """Whether ops a backend lacks run on the CPU (``MICROTORCH_CPU_FALLBACK=1``)."""
    if _fallback_enabled is None:
        return os.environ.get(FALLBACK_ENV, "").strip() not in ("", "0")
    return _fallback_enabled


def _missing_kernel(op: str, device_type: str) -> Callable[..., None]:
    def kernel(*args: Any) -> None:
        if device_type == "cpu" or not cpu_fallback_enabled():
            raise NotImplementedError(
                f"op '{op}' is not implemented by backend '{device_type}'; {FALLBACK_HINT}")
        _run_on_cpu(op, device_type, args)

    kernel.__name__ = f"{op}_unsupported_on_{device_type}"
    return kernel


def _run_on_cpu(op: str, device_type: str, args: tuple[Any, ...]) -> None:
    """Run a destination-passing kernel on the CPU backend: copy every tensor argument to
    the CPU (the first one is ``out``), run, and copy ``out`` back."""
    from .device import device
    from .tensor import Tensor

    if (op, device_type) not in _fallback_warned:
        _fallback_warned.add((op, device_type))
        warnings.warn(f"op '{op}' is not implemented by backend '{device_type}'; running it on "
                      f"the CPU with copies (CPU fallback is on)", RuntimeWarning, stacklevel=4)
    cpu_args = [a.to("cpu").contiguous() if isinstance(a, Tensor) else a for a in args]
    getattr(device("cpu").kernels, op)(*cpu_args)
    out = args[0]
    out._kernels.copy(out, cpu_args[0].to(out.device))
