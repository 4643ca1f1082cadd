"""Declaring an op once, where it is written.

PyTorch declares each op once, in ``native_functions.yaml`` (``variants: function, method``),
and generates ``torch.softmax`` and ``Tensor.softmax`` from that one entry. MicroTorch does
the same with a decorator on the op's Python function::

    @op(variants="function, method", inplace=True)
    def clamp(x, min=None, max=None): ...

* ``"function"``: a function of the API, ``microtorch_core.clamp`` (with ``namespace="linalg"``
  or ``"special"``: ``microtorch_core.linalg.X``);
* ``"method"``: a ``Tensor`` method, ``x.clamp(0, 1)`` calling ``clamp(x, 0, 1)``;
* ``inplace=True``: also the method ``x.clamp_(0, 1)``, which computes the op and writes the
  result back into ``x`` (``composite/inplace.py``, ``inplace_of``);
* ``aliases``: other names of the same op (``clip``); a dotted alias (``"special.expit"``) is
  a function of that namespace only.

Declarations only fill the tables below. ``ops/__init__.py`` imports every op module, which
runs the decorators, and then builds the API from the tables in one place: the functions of
``microtorch_core``, ``microtorch_core.linalg`` and ``microtorch_core.special``, and the
``Tensor`` methods (:func:`attach_methods`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

F = TypeVar("F", bound=Callable)

#: namespace ("" is ``microtorch_core`` itself, "linalg", "special", "signal.windows", "fft")
#: -> name -> function
FUNCTIONS: dict[str, dict[str, Callable]] = {"": {}, "linalg": {}, "special": {},
                                             "signal.windows": {}, "fft": {}}
#: Tensor method name -> function taking the tensor first
METHODS: dict[str, Callable] = {}
#: in-place methods to generate: name of the op (the method is ``name + "_"``) -> function
INPLACE: dict[str, Callable] = {}

_VARIANTS = {"function", "method"}


def op(fn: F | None = None, *, variants: str = "function", namespace: str = "",
       name: str | None = None, aliases: tuple[str, ...] = (), inplace: bool = False
       ) -> F | Callable[[F], F]:
    """Declare ``fn`` as a public op (see the module docstring). Usable as ``@op(...)`` on a
    ``def``, or as ``op(fn, ...)`` for a function built another way."""

    def register(fn: F) -> F:
        kinds = {v.strip() for v in variants.split(",")}
        if not kinds <= _VARIANTS:
            raise ValueError(f"op {fn.__name__}: unknown variants {sorted(kinds - _VARIANTS)}")
        own = name or fn.__name__
        for alias in (own, *aliases):
            space, _, short = alias.rpartition(".")
            if space:  # a dotted alias: a function of that namespace only
                _add(FUNCTIONS[space], short, fn)
                continue
            if "function" in kinds:
                _add(FUNCTIONS[namespace], short, fn)
            if "method" in kinds:
                _add(METHODS, short, fn)
            if inplace:
                _add(INPLACE, short, fn)
        return fn

    return register if fn is None else register(fn)


def _add(table: dict[str, Callable], name: str, fn: Callable) -> None:
    if table.get(name, fn) is not fn:
        raise RuntimeError(f"op {name!r} is declared twice: {table[name].__module__} and "
                           f"{fn.__module__}")
    table[name] = fn


def attach_methods(tensor_cls: type, inplace_of: Callable[[str, Callable], Callable]) -> None:
    """Make every declared method a ``Tensor`` method (a plain function set on the class is a
    method: ``x.f(...)`` calls ``f(x, ...)``), and generate the declared in-place ones."""
    for name, fn in INPLACE.items():
        _add(METHODS, name + "_", inplace_of(name, fn))
    for name, fn in METHODS.items():
        setattr(tensor_cls, name, fn)
