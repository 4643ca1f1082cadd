"""Automatic mixed precision, as ``torch.amp``: ``autocast`` and ``GradScaler``.

Mixed precision runs chosen ops in float16 or bfloat16 (``autocast``) and scales the loss so
that small float16 gradients do not underflow (``GradScaler``). MicroTorch has no float16 or
bfloat16 dtype yet, so only the *disabled* forms work, exactly as PyTorch's: programs written
with ``enabled=use_amp`` run unchanged in float32. Where PyTorch itself would turn mixed
precision off (CUDA asked for on a machine without it, or a dtype autocast does not support)
these warn and turn off as PyTorch's do; asking for float16/bfloat16 where it would really
take effect raises a ``RuntimeError`` that says so, rather than silently running in float32.

====================  =============================================================
``autocast_mode.py``  ``autocast`` (context manager and decorator),
                      ``is_autocast_available``, ``is_autocast_enabled``
``grad_scaler.py``    ``GradScaler``
====================  =============================================================

>>> scaler = GradScaler("cuda", enabled=False)
>>> with autocast("cpu", enabled=False):
...     loss = model(x).sum()
>>> scaler.scale(loss).backward()   # the loss itself: disabled scaling is the identity
>>> scaler.step(optimizer)          # optimizer.step()
>>> scaler.update()
"""

from .autocast_mode import autocast, is_autocast_available, is_autocast_enabled
from .grad_scaler import GradScaler

__all__ = ["autocast", "GradScaler", "is_autocast_available", "is_autocast_enabled"]
