"""``nn.modules``: PyTorch's module paths for the layers, ``torch.nn.modules.<file>.<Class>``.

PyTorch writes its layers in the package ``torch.nn.modules`` (``dropout.py``, ``rnn.py``...)
and re-exports them from ``torch.nn``. Programs mostly use ``nn.Dropout``, but some spell the
full path, for instance to allowlist classes for loading a whole saved model::

    with torch.serialization.safe_globals([torch.nn.modules.rnn.LSTM, ...]):
        model = torch.load(f)

MicroTorch's layers live in ``nn/`` directly, one file per concept. This module makes
``nn.modules.<file>`` for each of PyTorch's files that MicroTorch has, holding the same class
objects (``nn.modules.rnn.LSTM is nn.LSTM``), so both the attribute path and ``import
microtorch_core.nn.modules.rnn`` work. ``NonDynamicallyQuantizableLinear``, a ``Linear``
subclass PyTorch keeps for its quantization checks (``MultiheadAttention.out_proj``), is
``Linear`` here: MicroTorch has no quantization.
"""

from __future__ import annotations

import sys
import types

from . import (
    activation,
    attention,
    batchnorm,
    container,
    conv,
    distance,
    dropout,
    flatten,
    fold,
    linear,
    loss,
    module,
    normalization,
    padding,
    pooling,
    rnn,
    sparse,
    transformer,
    upsampling,
)

#: PyTorch's file in ``torch.nn.modules`` -> the MicroTorch modules whose classes it holds
_FILES: dict[str, tuple[types.ModuleType, ...]] = {
    "activation": (activation, attention),  # PyTorch keeps MultiheadAttention there
    "batchnorm": (batchnorm,), "container": (container,), "conv": (conv,),
    "distance": (distance,), "dropout": (dropout,), "flatten": (flatten,), "fold": (fold,),
    "linear": (linear,), "loss": (loss,), "module": (module,),
    "normalization": (normalization,), "padding": (padding,), "pooling": (pooling,),
    "rnn": (rnn,), "sparse": (sparse,), "transformer": (transformer,),
    "upsampling": (upsampling,), "pixelshuffle": (upsampling,), "channelshuffle": (upsampling,),
}


def _classes(source: types.ModuleType) -> dict[str, type]:
    """The public classes written in ``source`` (not the ones it imports)."""
    return {name: value for name, value in vars(source).items()
            if isinstance(value, type) and not name.startswith("_")
            and value.__module__ == source.__name__}


def _build() -> dict[str, types.ModuleType]:
    built = {}
    for file, sources in _FILES.items():
        alias = types.ModuleType(f"{__name__}.{file}", f"PyTorch's torch.nn.modules.{file}: "
                                 f"the classes of {', '.join(s.__name__ for s in sources)}")
        for source in sources:
            vars(alias).update(_classes(source))
        built[file] = alias
        sys.modules[alias.__name__] = alias  # ``import microtorch_core.nn.modules.rnn``
    vars(built["linear"])["NonDynamicallyQuantizableLinear"] = linear.Linear
    return built


__path__: list[str] = []  # a package to the import system, so its submodules import
globals().update(_build())
