"""Containers: ``Sequential`` (a pipeline of modules), ``ModuleList``, ``ModuleDict`` and
``ParameterList``. Unlike a plain list or dict, they register what they hold, so the parent
module's ``parameters()``, ``state_dict()`` and ``to()`` reach it."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ..tensor import Tensor
from .module import Module
from .parameter import Parameter


class Sequential(Module):
    """Call the modules in order, each on the previous one's output. Built from modules
    (named "0", "1", ...) or from an ``OrderedDict`` of named modules.

    >>> model = Sequential(Linear(64, 32), ReLU(), Linear(32, 10))
    >>> model[0]
    Linear(in_features=64, out_features=32, bias=True)
    """

    def __init__(self, *args: Module) -> None:
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for name, module in args[0].items():
                self.add_module(name, module)
        else:
            for i, module in enumerate(args):
                self.add_module(str(i), module)

    def forward(self, input: Any) -> Any:  # noqa: A002
        for module in self._modules.values():
            input = module(input)
        return input

    def __getitem__(self, idx: int | slice) -> Module:
        items = list(self._modules.items())
        if isinstance(idx, slice):
            return Sequential(OrderedDict(items[idx]))
        if not -len(items) <= idx < len(items):
            raise IndexError(f"index {idx} is out of range for a Sequential of length "
                             f"{len(items)}")
        return items[idx][1]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def append(self, module: Module) -> Sequential:
        self.add_module(str(len(self)), module)
        return self


class ModuleList(Module):
    """A list of modules whose parameters the parent module sees (a plain Python list would
    hide them)."""

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        for module in modules or ():
            self.append(module)

    def __getitem__(self, idx: int) -> Module:
        return list(self._modules.values())[idx]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def append(self, module: Module) -> ModuleList:
        self.add_module(str(len(self)), module)
        return self


class ModuleDict(Module):
    """A dict of modules, kept in insertion order, whose parameters the parent module sees.

    >>> heads = ModuleDict({"label": Linear(64, 10), "box": Linear(64, 4)})
    >>> heads["box"](microtorch_core.randn(2, 64)).shape
    (2, 4)
    """

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] | None = None
                 ) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        if not isinstance(key, str):
            raise TypeError(f"module name should be a string, got {type(key).__name__}")
        if "." in key or not key:
            raise KeyError(f"module name must be non-empty and without \".\", got {key!r}")
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        del self._modules[key]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def keys(self) -> Iterable[str]:
        return self._modules.keys()

    def items(self) -> Iterable[tuple[str, Module]]:
        return self._modules.items()

    def values(self) -> Iterable[Module]:
        return self._modules.values()

    def pop(self, key: str) -> Module:
        """Remove ``key`` and return its module."""
        module = self[key]
        del self[key]
        return module

    def clear(self) -> None:
        self._modules.clear()

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        """Add (or replace) modules from a mapping or from (name, module) pairs."""
        pairs = modules.items() if isinstance(modules, Mapping) else modules
        for i, pair in enumerate(pairs):
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise TypeError(f"ModuleDict.update: element #{i} should be a (name, module) "
                                f"pair, got {pair!r}")
            self[pair[0]] = pair[1]


class ParameterList(Module):
    """A list of parameters that the parent module sees, named "0", "1", ... A tensor that is
    not a ``Parameter`` is made one (sharing its storage), as in PyTorch.

    >>> weights = ParameterList([Parameter(microtorch_core.ones(3)) for _ in range(2)])
    >>> [name for name, _ in weights.named_parameters()]
    ['0', '1']
    """

    def __init__(self, values: Iterable[Tensor] | None = None) -> None:
        super().__init__()
        for value in values or ():
            self.append(value)

    def _index(self, idx: int) -> str:
        if not -len(self) <= idx < len(self):
            raise IndexError(f"index {idx} is out of range for a ParameterList of length "
                             f"{len(self)}")
        return str(idx % len(self))

    def __getitem__(self, idx: int | slice) -> Parameter | ParameterList:
        if isinstance(idx, slice):
            return ParameterList(list(self)[idx])
        return self._parameters[self._index(idx)]

    def __setitem__(self, idx: int, value: Tensor) -> None:
        self.register_parameter(self._index(idx), _as_parameter(value))

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[Parameter]:
        return iter(self._parameters.values())

    def append(self, value: Tensor) -> ParameterList:
        self.register_parameter(str(len(self)), _as_parameter(value))
        return self

    def extend(self, values: Iterable[Tensor]) -> ParameterList:
        for value in values:
            self.append(value)
        return self

    def __repr__(self) -> str:
        lines = [f"({i}): Parameter containing: [{p.dtype.name} of size "
                 f"{'x'.join(str(n) for n in p.shape)}]" for i, p in enumerate(self)]
        if not lines:
            return "ParameterList()"
        return "ParameterList(\n  " + "\n  ".join(lines) + "\n)"


def _as_parameter(value: Tensor) -> Parameter:
    if isinstance(value, Parameter):
        return value
    if not isinstance(value, Tensor):
        raise TypeError(f"ParameterList holds tensors (made into Parameters), got "
                        f"{type(value).__name__}")
    return Parameter(value)
