"""Every tensor op, in layers that import downwards only:

==================  ========================================================================
``primitive/``      the Functions whose forward is one kernel of the backend spec (through
                    ``dispatch.py``), and the views, which need no kernel
``composite/``      ops built from the primitives: pointwise math, reductions, indexing,
                    scans, sorting, in-place forms...
``special/``        special functions (gamma, erf, Bessel...) as accurate composites
``linalg/``         products, norms and factorisations as composites
==================  ========================================================================

An op is declared once, where it is written, with ``@op(variants="function, method")``
(``declare.py``). Importing the layers runs those declarations; this module then builds the
API from them in one place: the functions of ``microtorch_core`` (and of its ``linalg`` and
``special`` namespaces) and the ``Tensor`` methods. ``microtorch_core.ops`` itself holds
every declared op by name.
"""

import importlib
import pkgutil

from ..tensor import Tensor
from .declare import FUNCTIONS, METHODS, attach_methods, op

# Import every module of every layer, which runs its declarations (``@op``): a new op file
# needs no edit anywhere else. Then the samplers, which are built over the ops.
for _layer in ("primitive", "composite", "special", "linalg"):
    _package = importlib.import_module(f"{__name__}.{_layer}")
    for _module in pkgutil.iter_modules(_package.__path__):
        importlib.import_module(f"{_package.__name__}.{_module.name}")
importlib.import_module("microtorch_core.sampling")

from .composite.indexing import getitem, setitem  # noqa: E402 (imported by the loop above)
from .composite.inplace import inplace_of  # noqa: E402
from .primitive.copy import to_device_dtype  # noqa: E402

attach_methods(Tensor, inplace_of)

#: The public functions of ``microtorch_core``, by name.
API: dict = dict(FUNCTIONS[""])

# ``ops.<name>``: every declared op (namespaced ones under their own names where free).
globals().update({**FUNCTIONS["special"], **FUNCTIONS["linalg"], **METHODS, **API})

__all__ = ["API", "getitem", "setitem", "to_device_dtype", "op", *sorted(API)]
