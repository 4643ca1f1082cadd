"""Parametrizations, as ``torch.nn.utils.parametrize``: a module's tensor computed from others.

``register_parametrization(layer, "weight", P())`` makes ``layer.weight`` mean
``P()(original)``, recomputed at every access, while the optimizer trains ``original``::

    before:  layer._parameters = {"weight": W, "bias": b}
    after:   layer._parameters = {"bias": b}
             layer.parametrizations = ModuleDict({"weight": ParametrizationList([P()])})
             layer.parametrizations.weight.original is W        (same Parameter object)
             layer.weight  ->  layer.parametrizations.weight()  ->  P()(W)

So ``state_dict`` holds ``parametrizations.weight.original`` instead of ``weight``, as in
PyTorch. A parametrization may define ``right_inverse(value)``: assigning ``layer.weight = X``
then stores ``right_inverse(X)`` in ``original``; it also sets ``original`` at registration,
and may return several tensors (``original0``, ``original1``... as ``weight_norm`` does).

**How ``layer.weight`` becomes computed.** Python looks an attribute up on the class before
the instance, and a ``property`` on the class wins over everything (even over our
``Module.__getattr__``, which only runs when normal lookup fails). A property cannot be put
on ``Linear`` itself, or every ``Linear`` would change; so, as PyTorch does, the module's
class is swapped for a subclass made for it alone, ``ParametrizedLinear(Linear)``, which
carries one property per parametrized name. ``isinstance(layer, Linear)`` still holds, and
``remove_parametrizations`` swaps the class back when no parametrization is left.
Assigning a plain tensor to ``layer.weight`` reaches the property's setter through
``Module.__setattr__`` (which hands names it does not manage to ``object.__setattr__``).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from ...autograd.grad_mode import no_grad
from ...tensor import Tensor
from ..container import ModuleDict, ModuleList
from ..module import Module
from ..parameter import Parameter

__all__ = ["cached", "ParametrizationList", "register_parametrization", "is_parametrized",
           "remove_parametrizations", "type_before_parametrizations"]

_cache_enabled = 0
_cache: dict[tuple[int, str], Tensor] = {}


@contextmanager
def cached() -> Iterator[None]:
    """Inside this block each parametrized tensor is computed once, on its first access, and
    reused: for a recurrent net that reads ``weight`` at every time step, or a layer whose
    parametrization is expensive. The cache is dropped when the outermost block exits.

    >>> with parametrize.cached():
    ...     out = rnn(x)            # weight_hh computed once, not once per step
    """
    global _cache_enabled, _cache
    _cache_enabled += 1
    try:
        yield
    finally:
        _cache_enabled -= 1
        if not _cache_enabled:
            _cache = {}


def _register_parameter_or_buffer(module: Module, name: str, value: Tensor) -> None:
    if isinstance(value, Parameter):
        module.register_parameter(name, value)
    else:
        module.register_buffer(name, value)


def _set_data(dest: Tensor, src: Tensor) -> None:
    """Point ``dest`` at ``src``'s storage and shape, keeping ``dest`` the same object (an
    optimizer may hold it): PyTorch's ``dest.set_(src)``."""
    dest.data = src


class ParametrizationList(ModuleList):
    """The parametrizations of one tensor, applied in order, and the ``original`` tensor(s)
    they start from: ``self()`` is ``p_n(...p_1(p_0(original)))``. Built by
    ``register_parametrization``, found at ``module.parametrizations[name]``.

    At construction, ``original`` is replaced by ``right_inverse`` (of the last parametrization
    first) where the parametrizations define one; unless ``unsafe``, the result must keep the
    tensor's shape and dtype.
    """

    def __init__(self, modules: Sequence[Module], original: Tensor, unsafe: bool = False
                 ) -> None:
        if len(modules) == 0:
            raise ValueError("ParametrizationList requires one or more modules.")
        super().__init__(modules)
        self.unsafe = unsafe
        shape, dtype = original.shape, original.dtype
        new: Tensor | Sequence[Tensor] = original
        with no_grad():
            for module in reversed(list(self)):
                if hasattr(module, "right_inverse"):
                    try:
                        new = module.right_inverse(new)
                    except NotImplementedError:
                        pass
        if not isinstance(new, (Tensor, Sequence)):
            raise ValueError("'right_inverse' must return a Tensor or a Sequence of tensors "
                             f"(list, tuple...). Got {type(new).__name__}")
        self.is_tensor = isinstance(new, Tensor)
        self.ntensors = 1 if self.is_tensor else len(new)
        if isinstance(new, Tensor):
            if new.dtype != original.dtype:
                raise ValueError("When `right_inverse` outputs one tensor, it may not change "
                                 f"the dtype.\noriginal.dtype: {original.dtype.name}\n"
                                 f"right_inverse(original).dtype: {new.dtype.name}")
            if new.device != original.device:
                raise ValueError("When `right_inverse` outputs one tensor, it may not change "
                                 f"the device.\noriginal.device: {original.device}\n"
                                 f"right_inverse(original).device: {new.device}")
            with no_grad():
                _set_data(original, new)  # the same object: optimizers that hold it still do
            _register_parameter_or_buffer(self, "original", original)
        else:
            for i, part in enumerate(new):
                if not isinstance(part, Tensor):
                    raise ValueError("'right_inverse' must return a Tensor or a Sequence of "
                                     f"tensors (list, tuple...). Got element {i} of the "
                                     f"sequence with type {type(part).__name__}.")
                if isinstance(original, Parameter):
                    part = Parameter(part, original.requires_grad)
                part.requires_grad_(original.requires_grad)
                _register_parameter_or_buffer(self, f"original{i}", part)
        if not self.unsafe:
            _check_same_kind(self(), shape, dtype, "unparametrized", "parametrized")

    def right_inverse(self, value: Tensor) -> None:
        """Store ``value`` as the parametrized tensor: run the parametrizations'
        ``right_inverse`` from the last to the first and write the result into ``original``."""
        with no_grad():
            for module in reversed(list(self)):
                if not hasattr(module, "right_inverse"):
                    raise RuntimeError(f"parametrization {type(module).__name__} does not "
                                       "implement right_inverse.")
                value = module.right_inverse(value)
            if self.is_tensor:
                if not isinstance(value, Tensor):
                    raise ValueError("`right_inverse` should return a tensor. Got "
                                     f"{type(value).__name__}")
                if value.dtype != self.original.dtype:
                    raise ValueError(f"The tensor returned by `right_inverse` has dtype "
                                     f"{value.dtype.name} while `original` has dtype "
                                     f"{self.original.dtype.name}")
                _set_data(self.original, value)
                return
            if not isinstance(value, Sequence) or len(value) != self.ntensors:
                raise ValueError(f"'right_inverse' must return a sequence of {self.ntensors} "
                                 f"tensors. Got {type(value).__name__}"
                                 + (f" of length {len(value)}" if isinstance(value, Sequence)
                                    else ""))
            for i, part in enumerate(value):
                original_i = getattr(self, f"original{i}")
                if not isinstance(part, Tensor) or part.dtype != original_i.dtype:
                    got = part.dtype.name if isinstance(part, Tensor) else type(part).__name__
                    raise ValueError(f"Tensor {i} returned by `right_inverse` is {got} while "
                                     f"`original{i}` has dtype {original_i.dtype.name}")
                _set_data(original_i, part)

    def forward(self) -> Tensor:  # type: ignore[override]
        """The parametrized tensor, computed from the originals."""
        modules = list(self)
        if self.is_tensor:
            x = modules[0](self.original)
        else:
            x = modules[0](*(getattr(self, f"original{i}") for i in range(self.ntensors)))
        for module in modules[1:]:
            x = module(x)
        return x


def _check_same_kind(value: object, shape: tuple[int, ...], dtype: object, before: str,
                     after: str) -> None:
    """A safe parametrization returns a tensor of the shape and dtype it replaces."""
    if not isinstance(value, Tensor):
        raise ValueError(f"A parametrization must return a tensor. Got {type(value).__name__}.")
    if value.dtype != dtype:
        raise ValueError("Registering a parametrization may not change the dtype of the "
                         "tensor, unless `unsafe` flag is enabled.\n"
                         f"{before} dtype: {dtype.name}\n{after} dtype: {value.dtype.name}")
    if value.shape != shape:
        raise ValueError("Registering a parametrization may not change the shape of the "
                         "tensor, unless `unsafe` flag is enabled.\n"
                         f"{before} shape: {tuple(shape)}\n{after} shape: {tuple(value.shape)}")


# -- the class swap ---------------------------------------------------------------------------
def _getstate(self: Module) -> None:
    raise RuntimeError("Serialization of parametrized modules is only supported through "
                       "state_dict(): save module.state_dict() and load it into a module "
                       "parametrized the same way.")


def _deepcopy(self: Module, memo: dict[int, object]) -> Module:
    """A copy with a parametrized class of its own, so that removing a parametrization from
    one of the two does not take the property away from the other."""
    replica = object.__new__(_new_parametrized_class(type_before_parametrizations(self)))
    memo[id(self)] = replica
    replica.__dict__.update(copy.deepcopy(self.__dict__, memo))
    for name in replica.parametrizations:
        _inject_property(replica, name)
    return replica


def _new_parametrized_class(cls: type) -> type:
    attrs: dict[str, object] = {"__getstate__": _getstate}
    if not hasattr(cls, "__deepcopy__"):
        attrs["__deepcopy__"] = _deepcopy
    return type(f"Parametrized{cls.__name__}", (cls,), attrs)


def _inject_property(module: Module, tensor_name: str) -> None:
    """Put the property ``tensor_name`` on the module's own parametrized class."""
    if hasattr(module, tensor_name):
        raise AssertionError(f"Module already has an attribute named '{tensor_name}'")

    def get_parametrized(self: Module) -> Tensor:
        parametrization = self.parametrizations[tensor_name]
        if not _cache_enabled:
            return parametrization()
        key = (id(self), tensor_name)
        if key not in _cache:
            _cache[key] = parametrization()
        return _cache[key]

    def set_original(self: Module, value: Tensor) -> None:
        self.parametrizations[tensor_name].right_inverse(value)

    setattr(type(module), tensor_name, property(get_parametrized, set_original))


# -- the public functions ---------------------------------------------------------------------
def register_parametrization(module: Module, tensor_name: str, parametrization: Module, *,
                             unsafe: bool = False) -> Module:
    """Make ``module.<tensor_name>`` be ``parametrization(original)``, computed at each
    access, where ``original`` is the parameter or buffer that was there (see the module
    docstring). Registering a second parametrization on the same name chains it after the
    first. ``unsafe=True`` skips the checks that the shape and dtype are kept.

    >>> class Symmetric(Module):
    ...     def forward(self, X):
    ...         return X.triu() + X.triu(1).transpose(-1, -2)
    >>> layer = register_parametrization(Linear(3, 3), "weight", Symmetric())
    >>> (layer.weight == layer.weight.T).all()
    tensor(True)
    """
    parametrization.train(module.training)
    if is_parametrized(module, tensor_name):
        if not unsafe:
            current = getattr(module, tensor_name)
            _check_same_kind(parametrization(current), current.shape, current.dtype,
                             f"module.{tensor_name}", f"parametrization(module.{tensor_name})")
            if hasattr(parametrization, "right_inverse"):
                try:
                    back = parametrization.right_inverse(current)
                except NotImplementedError:
                    pass
                else:
                    _check_same_kind(back, current.shape, current.dtype,
                                     f"module.{tensor_name}", "returned by right_inverse")
        plist = module.parametrizations[tensor_name]
        plist.append(parametrization)
        plist.unsafe = plist.unsafe or unsafe
    elif tensor_name in module._parameters or tensor_name in module._buffers:
        original = getattr(module, tensor_name)
        if original is None:
            raise ValueError(f"cannot parametrize '{tensor_name}' of {type(module).__name__}: "
                             "it is None")
        plist = ParametrizationList([parametrization], original, unsafe=unsafe)
        delattr(module, tensor_name)
        if not is_parametrized(module):
            module.__class__ = _new_parametrized_class(module.__class__)
            module.parametrizations = ModuleDict()
        _inject_property(module, tensor_name)
        module.parametrizations[tensor_name] = plist
    else:
        raise ValueError(f"Module '{type(module).__name__}' does not have a parameter, a "
                         f"buffer, or a parametrized element with name '{tensor_name}'; it "
                         f"has parameters {list(module._parameters)} and buffers "
                         f"{list(module._buffers)}")
    return module


def is_parametrized(module: Module, tensor_name: str | None = None) -> bool:
    """Whether ``module`` has any parametrization, or one on ``tensor_name``."""
    parametrizations = getattr(module, "parametrizations", None)
    if not isinstance(parametrizations, ModuleDict):
        return False
    if tensor_name is None:
        return len(parametrizations) > 0
    return tensor_name in parametrizations


def remove_parametrizations(module: Module, tensor_name: str,
                            leave_parametrized: bool = True) -> Module:
    """Undo ``register_parametrization`` on ``tensor_name``: it becomes a plain parameter (or
    buffer) again, holding the current parametrized value (``leave_parametrized=True``) or
    the original (False; only possible when there is a single original).

    The original ``Parameter`` object is kept when there is one, so an optimizer that holds
    it goes on training the restored tensor.
    """
    if not is_parametrized(module, tensor_name):
        raise ValueError(f"Module {type(module).__name__} does not have a parametrization on "
                         f"{tensor_name}")
    plist = module.parametrizations[tensor_name]
    if plist.is_tensor:
        original = plist.original
        if leave_parametrized:
            with no_grad():
                value = getattr(module, tensor_name)
                _set_data(original, value)
    else:
        if not leave_parametrized:
            raise ValueError("Cannot leave unparametrized (`leave_parametrized=False`) a tensor "
                             "that is parametrized in terms of a sequence of tensors.")
        value = getattr(module, tensor_name)
        original = Parameter(value.detach()) if value.requires_grad else value.detach()
    delattr(type(module), tensor_name)
    del module.parametrizations[tensor_name]
    _register_parameter_or_buffer(module, tensor_name, original)
    if not is_parametrized(module):
        delattr(module, "parametrizations")
        module.__class__ = type(module).__bases__[0]
    return module


def type_before_parametrizations(module: Module) -> type:
    """The module's class before parametrizations were registered (``Linear`` for a
    ``ParametrizedLinear``)."""
    if is_parametrized(module):
        return type(module).__bases__[0]
    return type(module)
