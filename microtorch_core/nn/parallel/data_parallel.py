"""``DataParallel``: one process, the batch split over several GPUs, as
``torch.nn.DataParallel``.

PyTorch's splits the batch along ``dim``, copies the module to each GPU, runs the copies in
threads and gathers the outputs on ``output_device``. With one GPU it moves the module and
the inputs there and calls the module; with none it just calls the module. MicroTorch's CUDA
backend drives one GPU (device 0), so those are the two cases here, with PyTorch's results:
the wrapped module lives at ``.module``, and the state-dict keys start with ``"module."``.
"""

from __future__ import annotations

from typing import Any

from ... import cuda
from ...device import device as _device
from ...tensor import Tensor
from ..module import Module


def _device_index(entry: Any) -> int:
    if isinstance(entry, int) and not isinstance(entry, bool):
        return entry
    dev = _device(entry)
    if dev.type != "cuda":
        raise ValueError(f"DataParallel: expected CUDA devices in device_ids, got {dev}")
    return dev.index or 0


def _to_device(obj: Any, device: _device) -> Any:
    """``obj`` with every tensor in it (through tuples, lists and dicts) moved to
    ``device``: PyTorch's scatter, for a single device."""
    if isinstance(obj, Tensor):
        return obj.to(device)
    if isinstance(obj, (tuple, list)):
        return type(obj)(_to_device(o, device) for o in obj)
    if isinstance(obj, dict):
        return {k: _to_device(v, device) for k, v in obj.items()}
    return obj


class DataParallel(Module):
    """Run ``module`` over the batch on the available GPUs (here: the one GPU, or none).

    ``device_ids`` defaults to every GPU (``[0]`` with a usable CUDA backend, ``[]`` without);
    MicroTorch's CUDA backend uses device 0 only, so any other index raises.

    >>> model = DataParallel(Net())      # no GPU: model(x) is Net()(x)
    >>> model.module                     # the wrapped Net
    """

    def __init__(self, module: Module, device_ids: list[int | Any] | None = None,
                 output_device: int | Any | None = None, dim: int = 0) -> None:
        super().__init__()
        self.module = module
        self.dim = dim
        if not cuda.is_available():
            # As PyTorch without GPUs: a plain wrapper; forward calls the module.
            self.device_ids: list[int] = []
            self.output_device = None
            return
        ids = [0] if device_ids is None else [_device_index(d) for d in device_ids]
        for index in ids:
            if index != 0:
                raise ValueError(f"DataParallel: device_ids {list(device_ids or [])} name GPU "
                                 f"{index}, but MicroTorch's CUDA backend uses device 0 only")
        self.device_ids = ids
        self.output_device = 0 if output_device is None else _device_index(output_device)
        self.src_device_obj = _device("cuda:0")
        if len(ids) == 1:
            self.module.to(self.src_device_obj)

    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        if not self.device_ids:
            return self.module(*inputs, **kwargs)
        for t in (*self.module.parameters(), *self.module.buffers()):
            if t.device != self.src_device_obj:
                raise RuntimeError(f"module must have its parameters and buffers on device "
                                   f"{self.src_device_obj} (device_ids[0]) but found one of "
                                   f"them on device: {t.device}")
        return self.module(*_to_device(inputs, self.src_device_obj),
                           **_to_device(kwargs, self.src_device_obj))
