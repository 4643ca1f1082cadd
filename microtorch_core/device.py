"""``device``: where a tensor lives, e.g. ``device("cpu")`` or ``device("cuda:0")``.

A device object is interned (one per type and index) and caches its backend's kernel table
the first time a tensor is made there, so the per-op cost of "which kernel?" is one attribute
lookup.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .dispatch import KernelTable


class device:  # noqa: N801 - PyTorch's spelling
    """A device type plus an optional index, as ``torch.device``.

    >>> device("cuda:0").type, device("cuda:0").index
    ('cuda', 0)
    """

    __slots__ = ("type", "index", "_kernels")
    _interned: dict[tuple[str, int | None], device] = {}

    def __new__(cls, spec: str | device, index: int | None = None) -> device:
        if isinstance(spec, device):
            return spec
        if not isinstance(spec, str):
            raise TypeError(f"device must be a string like 'cpu' or 'cuda:0', got {spec!r}")
        type_, _, idx = spec.partition(":")
        if idx:
            if index is not None:
                raise ValueError(f"device {spec!r} already has an index; got index={index}")
            if not idx.isdigit():
                raise ValueError(f"invalid device string {spec!r}: the index must be an integer")
            index = int(idx)
        if not type_.isidentifier():
            raise ValueError(f"invalid device string {spec!r}")
        key = (type_, index)
        obj = cls._interned.get(key)
        if obj is None:
            obj = object.__new__(cls)
            obj.type, obj.index, obj._kernels = type_, index, None
            cls._interned[key] = obj
        return obj

    @property
    def kernels(self) -> KernelTable:
        """This device's kernel table; creates the backend on first use."""
        table = self._kernels
        if table is None:
            from .dispatch import kernel_table

            table = self._kernels = kernel_table(self.type, self.index)
        return table

    def __repr__(self) -> str:
        return f"device(type={self.type!r}" + (f", index={self.index})" if self.index is not None
                                               else ")")

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            other = device(other)
        if not isinstance(other, device):
            return NotImplemented
        return self.type == other.type and (self.index or 0) == (other.index or 0)

    def __hash__(self) -> int:
        return hash((self.type, self.index or 0))

    def __reduce__(self):
        return (device, (str(self),))


DeviceLike = str | device


def as_device(spec: DeviceLike | None) -> device:
    """The device a tensor goes to, from ``"cpu"``, ``"cuda:0"`` or a ``device``; ``None``
    means the default, the CPU.

    As in PyTorch, a tensor's device has an index except on the CPU: ``"cuda"`` means the
    current device, ``cuda:0`` (the only one our backends use).
    """
    if spec is None:
        return device("cpu")
    dev = device(spec)
    if dev.index is None and dev.type != "cpu":
        return device(dev.type, 0)
    return dev
