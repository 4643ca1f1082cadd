"""``Tensor``: storage + shape + strides + offset + dtype + device, plus autograd fields.

A tensor does no arithmetic itself. ``a + b`` is ``Add.apply(a, b)``
(``ops/primitive/elementwise.py``), whose forward asks the device's kernel table for ``add``
(through ``dispatch.py``) and lets the backend write the result into a freshly allocated
output. Views (reshape, permute, slicing, expand...) share the storage and change only shape,
strides and offset (``ops/primitive/views.py``).

Most methods (``x.softmax(dim)``, ``x.add_(y)``...) are not written here: each op declares
its variants where it is written (``@op(variants="function, method")``), and
``ops/__init__.py`` attaches the methods to this class in one place (``ops/declare.py``).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import dtypes
from .autograd.grad_mode import _State
from .backend import Storage, contiguous_strides
from .device import DeviceLike, as_device, device
from .dtypes import DType


def _numel(shape: tuple[int, ...]) -> int:
    n = 1
    for s in shape:
        n *= s
    return n


class Tensor:
    """A multi-dimensional array on a device, with autograd. Construct with ``tensor(...)``,
    ``zeros(...)`` and friends; ``Tensor(data)`` makes a float32 tensor as in PyTorch."""

    # Hot fields are slots; rarely set ones (grad, hooks, name...) are class defaults that an
    # instance overrides in its __dict__ only when used.
    __slots__ = ("_storage", "shape", "_strides", "_offset", "dtype", "device", "_kernels",
                 "requires_grad", "grad_fn", "_output_nr", "_native", "__dict__", "__weakref__")
    _grad: Tensor | None = None
    _hooks: list | None = None
    _post_accumulate_hooks: list | None = None
    _grad_acc: Any = None
    _base: Tensor | None = None
    _name: str | None = None  # set by nn.Module for graph pictures

    def __init__(self, *data: Any, dtype: DType | None = None,
                 device: DeviceLike | None = None, requires_grad: bool = False) -> None:
        from .creation import tensor as _tensor
        from .creation import zeros

        if len(data) == 1 and not isinstance(data[0], int):
            src = _tensor(data[0], dtype=dtype or dtypes.get_default_dtype(), device=device)
        else:  # Tensor(2, 3): an uninitialised (here: zeroed) tensor of that shape
            src = zeros(*data, dtype=dtype, device=device)
        for name in Tensor.__slots__[:-2]:
            setattr(self, name, getattr(src, name))
        self.requires_grad = requires_grad

    # -- construction helpers used by the core ----------------------------------------------
    @staticmethod
    def _make(storage: Storage, shape: tuple[int, ...], strides: tuple[int, ...], offset: int,
              dtype: DType, dev: device, kernels: Any) -> Tensor:
        if dtype.is_complex is not kernels.is_complex:  # a complex tensor has its own table
            kernels = kernels.other
        t = object.__new__(Tensor)
        t._storage, t.shape, t._strides, t._offset = storage, shape, strides, offset
        t.dtype, t.device, t._kernels = dtype, dev, kernels
        t.requires_grad, t.grad_fn, t._output_nr, t._native = False, None, 0, None
        return t

    @staticmethod
    def _empty(shape: tuple[int, ...], dtype: DType, dev: device, kernels: Any = None) -> Tensor:
        """A new contiguous tensor with uninitialised memory: every op's output."""
        if kernels is None:
            kernels = dev.kernels
        storage, native = kernels.allocator.allocate_tensor(shape, dtype)
        t = Tensor._make(storage, shape, contiguous_strides(shape), 0, dtype, dev, kernels)
        t._native = native
        return t

    def _empty_like(self, shape: tuple[int, ...] | None = None, dtype: DType | None = None
                    ) -> Tensor:
        return Tensor._empty(self.shape if shape is None else shape, dtype or self.dtype,
                             self.device, self._kernels)

    @staticmethod
    def _from_numpy(array: np.ndarray, dev: DeviceLike | None = None,
                    dtype: DType | None = None) -> Tensor:
        """Copy a host array to a new tensor on ``dev``."""
        dev = as_device(dev)
        dtype = dtype or dtypes.from_numpy(array.dtype)
        array = np.asarray(array, dtype=dtype.np, order="C")  # keeps 0-d arrays 0-d
        out = Tensor._empty(tuple(int(s) for s in array.shape), dtype, dev)
        if array.nbytes:
            out._kernels.allocator.copy_from_host(out._storage, array)
        return out

    def _view(self, shape: tuple[int, ...], strides: tuple[int, ...], offset: int) -> Tensor:
        """A tensor sharing this one's storage with other metadata (no autograd)."""
        t = Tensor._make(self._storage, shape, strides, offset, self.dtype, self.device,
                         self._kernels)
        t._base = self._base if self._base is not None else self
        return t

    def _alias(self) -> Tensor:
        """Same storage and metadata, no autograd history."""
        return Tensor._make(self._storage, self.shape, self._strides, self._offset, self.dtype,
                            self.device, self._kernels)

    def _ones_like_detached(self) -> Tensor:
        out = self._empty_like()
        fill_into(out, 1)
        return out

    # -- metadata ---------------------------------------------------------------------------
    def size(self, dim: int | None = None) -> tuple[int, ...] | int:
        """The shape, or the size of one dimension."""
        return self.shape if dim is None else self.shape[_wrap_dim(dim, len(self.shape))]

    def dim(self) -> int:
        """Number of dimensions."""
        return len(self.shape)

    ndim = property(dim)

    def numel(self) -> int:
        """Number of elements."""
        return _numel(self.shape)

    nelement = numel
    ndimension = dim

    def stride(self, dim: int | None = None) -> tuple[int, ...] | int:
        """Strides in elements (0 for broadcast dimensions)."""
        return self._strides if dim is None else self._strides[_wrap_dim(dim, len(self.shape))]

    def storage_offset(self) -> int:
        """Position of the first element in the storage, in elements."""
        return self._offset

    def untyped_storage(self) -> Storage:
        """The storage this tensor views."""
        return self._storage

    def element_size(self) -> int:
        """Bytes per element."""
        return self.dtype.itemsize

    @property
    def itemsize(self) -> int:
        """Bytes per element, as ``element_size()``."""
        return self.dtype.itemsize

    @property
    def nbytes(self) -> int:
        """``numel() * itemsize``: the bytes the elements take, not the storage's size (a
        broadcast view counts every element it shows, as in PyTorch)."""
        return _numel(self.shape) * self.dtype.itemsize

    def is_contiguous(self) -> bool:
        """True if the elements are laid out row-major without gaps."""
        expected = 1
        for n, s in zip(reversed(self.shape), reversed(self._strides)):
            if n != 1 and s != expected:
                return False
            expected *= n
        return True

    def is_floating_point(self) -> bool:
        return self.dtype.is_floating_point

    def is_complex(self) -> bool:
        """True for complex64 and complex128 tensors."""
        return self.dtype.is_complex

    @property
    def grad(self) -> Tensor | None:
        """The gradient accumulated here by ``backward()`` (None until then)."""
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        # PyTorch's checks: a gradient of another shape would be broadcast by an optimizer's
        # in-place update (a (1,) gradient moving every element alike), silently.
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad "
                                f"of type {type(value).__name__}")
            if value.device != self.device:
                raise RuntimeError(f"attempting to assign a gradient with device type "
                                   f"'{value.device.type}' to a tensor with device type "
                                   f"'{self.device.type}'. Please ensure that the gradient "
                                   f"and the tensor are on the same device")
            if value.dtype is not self.dtype:
                raise RuntimeError(f"attempting to assign a gradient with dtype "
                                   f"'{value.dtype.name}' to a tensor with dtype "
                                   f"'{self.dtype.name}'. The gradient must match the "
                                   f"tensor's dtype")
            if tuple(value.shape) != tuple(self.shape):
                raise RuntimeError(f"attempting to assign a gradient of size "
                                   f"'{list(value.shape)}' to a tensor of size "
                                   f"'{list(self.shape)}'. Please ensure that the gradient "
                                   f"and the tensor are the same size")
        self._grad = value

    @grad.deleter
    def grad(self) -> None:
        self._grad = None

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user (not by an op that records grad)."""
        return self.grad_fn is None

    @property
    def is_cuda(self) -> bool:
        return self.device.type == "cuda"

    @property
    def is_cpu(self) -> bool:
        """True for a tensor in host memory."""
        return self.device.type == "cpu"

    @property
    def data(self) -> Tensor:
        """This tensor without autograd history (shares storage)."""
        return self.detach()

    @data.setter
    def data(self, value: Tensor) -> None:
        for name in ("_storage", "shape", "_strides", "_offset", "dtype", "device", "_kernels"):
            setattr(self, name, getattr(value, name))
        self._native = None

    @property
    def _version(self) -> int:
        return self._storage.version

    @property
    def name(self) -> str | None:
        return self._name

    # -- host conversion -----------------------------------------------------------------
    def numpy(self) -> np.ndarray:
        """The values as a NumPy array (a view sharing memory for CPU tensors)."""
        if self.requires_grad and _State.enabled:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                               "tensor.detach().numpy() instead.")
        if self.device.type != "cpu":
            raise TypeError(f"can't convert {self.device} device type tensor to numpy. Use "
                            "Tensor.cpu() to copy the tensor to host memory first.")
        view = self._kernels.backend.numpy_view(self)
        return view if view is not None else self._to_host()

    def _to_host(self) -> np.ndarray:
        """A new host array with this tensor's values (works on every device)."""
        if self.numel() == 0:  # nothing to read; an empty view's offset may lie past its storage
            return np.empty(self.shape, self.dtype.np)
        t = self.contiguous()
        raw = t._kernels.allocator.copy_to_host(t._storage, t.numel() * t.dtype.itemsize,
                                                t._offset * t.dtype.itemsize)
        return raw.view(t.dtype.np).reshape(t.shape)

    def item(self) -> bool | int | float | complex:
        """The value of a one-element tensor as a Python number."""
        if self.numel() != 1:
            raise RuntimeError(f"a Tensor with {self.numel()} elements cannot be converted to "
                               f"Scalar (shape {tuple(self.shape)})")
        return self._to_host().reshape(()).item()

    def tolist(self) -> Any:
        """The values as (nested) Python lists."""
        return self._to_host().tolist()

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        arr = self.detach()._to_host()
        return arr if dtype is None else arr.astype(dtype)

    def __reduce__(self) -> tuple:
        """Pickle support (DataLoader workers send batches this way): a CPU tensor travels as
        a copy of its values, its dtype, ``requires_grad`` and its class (``Parameter``); the
        autograd history and ``.grad`` stay behind. ``copy.copy`` uses it too."""
        if self.device.type != "cpu":
            raise TypeError(f"cannot pickle a tensor on device '{self.device}': only CPU "
                            "tensors can be pickled; move it with .cpu() first")
        return (Tensor._unpickle, (type(self), self.detach()._to_host(), self.dtype.name,
                                   self.requires_grad))

    def __deepcopy__(self, memo: dict[int, Any]) -> Tensor:
        """``copy.deepcopy`` (of a module, an optimizer state...): a new leaf on the same
        device with a copy of the values, the same dtype, ``requires_grad`` and class
        (``Parameter``), and a deep copy of ``.grad``, as PyTorch's. Only leaves can be
        deep-copied, as in PyTorch: a copy of an intermediate result would cut its graph."""
        if not self.is_leaf:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) "
                               "support the deepcopy protocol at the moment; this one has "
                               f"grad_fn={self.grad_fn.name()}: deep-copy .detach() "
                               "instead")
        values = self.detach().clone()  # detached: the clone records no graph
        new = values.requires_grad_(self.requires_grad) if type(self) is Tensor else \
            type(self)(values, self.requires_grad)
        memo[id(self)] = new
        if "_name" in self.__dict__:  # a module's parameter keeps its label for graph pictures
            new._name = self._name
        if self.grad is not None:
            new.grad = self.grad.__deepcopy__(memo)
        return new

    @staticmethod
    def _unpickle(cls: type, values: np.ndarray, dtype_name: str, requires_grad: bool
                  ) -> Tensor:
        t = Tensor._from_numpy(values, "cpu", dtypes.from_name(dtype_name))
        if cls is not Tensor:  # a subclass wraps the data, as Parameter(data, requires_grad)
            return cls(t, requires_grad)
        return t.requires_grad_(requires_grad)

    def __float__(self) -> float:
        self._check_one_element()
        return float(self.item())

    def __complex__(self) -> complex:
        self._check_one_element()
        return complex(self.item())

    def __int__(self) -> int:
        self._check_one_element()
        return int(self.item())

    def _check_one_element(self) -> None:
        if self.numel() != 1:  # ValueError, as Python's own float()/int() conversions
            raise ValueError(f"only one element tensors can be converted to Python scalars "
                             f"(shape {tuple(self.shape)})")

    def __index__(self) -> int:
        if self.dtype.is_floating_point or self.numel() != 1:
            raise TypeError("only integer tensors of a single element can be converted to an "
                            "index")
        return int(self.item())

    def __bool__(self) -> bool:
        if self.numel() != 1:
            raise RuntimeError(f"Boolean value of Tensor with {self.numel()} elements is "
                               "ambiguous")
        return bool(self.item())

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __iter__(self):
        if not self.shape:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.shape[0]))

    def __hash__(self) -> int:
        return id(self)

    def __repr__(self) -> str:
        from ._format import format_tensor

        return format_tensor(self)

    def __format__(self, format_spec: str) -> str:
        """``f"{loss:.4f}"``: a 0-d tensor formats as its Python number; any other tensor
        only with an empty spec (its ``str``), as PyTorch."""
        if self.dim() == 0:
            return format(self.detach().item(), format_spec)
        return object.__format__(self, format_spec)

    @property
    def __cuda_array_interface__(self) -> dict:
        interface = self._kernels.backend.cuda_array_interface(self)
        if interface is None:
            raise AttributeError(f"{self.device} tensors have no __cuda_array_interface__")
        return interface

    # -- device and dtype ----------------------------------------------------------------
    def to(self, *args: Any, dtype: DType | None = None, device: DeviceLike | None = None,
           non_blocking: bool = False, copy: bool = False) -> Tensor:
        """Move to a device and/or convert to a dtype: ``t.to("cuda")``, ``t.to(float64)``,
        ``t.to("cuda", float64)``, ``t.to(other_tensor)``; as in PyTorch, ``non_blocking`` and
        ``copy`` may follow positionally (``t.to("cpu", float64, False, True)``). Transfers
        are synchronous here, so ``non_blocking`` changes nothing."""
        flags = [a for a in args if isinstance(a, bool)]
        leading = args[:len(args) - len(flags)]
        if len(flags) > 2 or any(isinstance(a, bool) for a in leading):
            raise TypeError(f"to() received an invalid combination of arguments: "
                            f"{tuple(type(a).__name__ for a in args)}; expected (device, "
                            "dtype, non_blocking, copy), (dtype, ...) or (tensor, ...)")
        if len(flags) == 2:
            copy = flags[1]
        for a in leading:
            if isinstance(a, Tensor):
                device, dtype = a.device, a.dtype
            elif isinstance(a, (DType, dtypes.UnsupportedDType, type)):
                dtype = a  # an unsupported one (float16) is refused by as_dtype, by name
            else:
                device = a
        return ops.to_device_dtype(self, as_device(device) if device is not None else None,
                                   dtypes.as_dtype(dtype), copy)

    def cpu(self) -> Tensor:
        return self.to("cpu")

    def cuda(self, device: int | str | None = None) -> Tensor:
        return self.to("cuda" if device is None else
                       (f"cuda:{device}" if isinstance(device, int) else device))

    def type(self, dtype: DType | str | None = None) -> Any:
        if dtype is None:
            return f"microtorch.{self.dtype.name}"
        return self.to(dtypes.as_dtype(dtype))

    def float(self) -> Tensor:
        return self.to(dtypes.float32)

    def double(self) -> Tensor:
        return self.to(dtypes.float64)

    def long(self) -> Tensor:
        return self.to(dtypes.int64)

    def int(self) -> Tensor:
        return self.to(dtypes.int32)

    def bool(self) -> Tensor:
        return self.to(dtypes.bool_)

    def cfloat(self) -> Tensor:
        return self.to(dtypes.complex64)

    def cdouble(self) -> Tensor:
        return self.to(dtypes.complex128)

    def type_as(self, other: Tensor) -> Tensor:
        return self.to(other.dtype)

    # -- autograd -----------------------------------------------------------------------
    def backward(self, gradient: Tensor | None = None, retain_graph: bool | None = None,
                 create_graph: bool = False, inputs: Sequence[Tensor] | None = None) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad``."""
        from .autograd import backward

        if inputs is not None:
            from .autograd import grad

            grads = grad(self, inputs, gradient, retain_graph, create_graph, allow_unused=True)
            for t, g in zip(inputs, grads):
                if g is not None:
                    t.grad = g if t.grad is None else t.grad + g
                    if t.grad_fn is None:
                        t._run_post_accumulate_hooks()
            return
        backward(self, gradient, retain_graph, create_graph)

    def detach(self) -> Tensor:
        """A tensor sharing storage with this one but outside the graph."""
        return self._alias()

    def detach_(self) -> Tensor:
        self.grad_fn, self.requires_grad = None, False
        return self

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Start (or stop) recording operations on this leaf tensor."""
        if self.grad_fn is not None and not requires_grad:
            raise RuntimeError("you can only change requires_grad flags of leaf variables. "
                               "Use detach() to get a tensor outside the graph.")
        if requires_grad and not self.dtype.is_inexact:
            raise RuntimeError(f"only Tensors of floating point dtype can require gradients, "
                               f"got {self.dtype.name}")
        self.requires_grad = requires_grad
        return self

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor after backward."""
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is not None:
            if self.grad_fn.retained is None:
                self.grad_fn.retained = {}
            self.grad_fn.retained[self._output_nr] = weakref.ref(self)

    @property
    def retains_grad(self) -> bool:
        return self.grad_fn is not None and self._output_nr in (self.grad_fn.retained or {})

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> Any:
        """Call ``hook(grad)`` when this tensor's gradient is computed; it may return a
        replacement. Returns a handle with ``remove()``."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require "
                               "gradient")
        if self.grad_fn is None:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        else:
            if self.grad_fn.pre_hooks is None:
                self.grad_fn.pre_hooks = {}
            hooks = self.grad_fn.pre_hooks.setdefault(self._output_nr, [])
        hooks.append(hook)
        return _HookHandle(hooks, hook)

    def register_post_accumulate_grad_hook(self, hook: Callable[[Tensor], None]) -> Any:
        """Call ``hook(self)`` after a backward pass has accumulated into this leaf's
        ``.grad`` (e.g. to step an optimizer per parameter while backward still runs). The
        hook sees the tensor, not the gradient, and must return None. Returns a handle with
        ``remove()``."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require "
                               "gradient")
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf "
                               "tensors")
        if self._post_accumulate_hooks is None:
            self._post_accumulate_hooks = []
        self._post_accumulate_hooks.append(hook)
        return _HookHandle(self._post_accumulate_hooks, hook)

    def _run_post_accumulate_hooks(self) -> None:
        for hook in list(self._post_accumulate_hooks or ()):
            if hook(self) is not None:
                raise RuntimeError("Tensor post accumulate grad hooks should return None.")

    # -- operators: each is one call into ops/ -------------------------------------------
    # The arithmetic ones go straight to their Function (ops/primitive/elementwise.py): ``a + b`` is
    # ``Add.apply(a, b)``, whose forward calls the backend's ``add`` kernel.
    def __add__(self, other): return ew.Add.apply(self, other)
    def __radd__(self, other): return ew.Add.apply(other, self)
    def __sub__(self, other): return ew.Sub.apply(self, other)
    def __rsub__(self, other): return ew.Sub.apply(other, self)
    def __mul__(self, other): return ew.Mul.apply(self, other)
    def __rmul__(self, other): return ew.Mul.apply(other, self)
    def __truediv__(self, other): return ew.Div.apply(self, other)
    def __rtruediv__(self, other): return ew.Div.apply(other, self)
    __rdiv__ = __rtruediv__  # Python 2's name, which torch.Tensor keeps as an alias
    def __pow__(self, other): return ew.Pow.apply(self, other)
    def __rpow__(self, other): return ew.Pow.apply(other, self)
    def __floordiv__(self, other): return ops.floor_divide(self, other)
    def __rfloordiv__(self, other): return ops.floor_divide(other, self)
    def __mod__(self, other): return ops.remainder(self, other)
    def __rmod__(self, other): return ops.remainder(other, self)
    def __matmul__(self, other): return ops.matmul(self, other)
    def __rmatmul__(self, other): return ops.matmul(other, self)
    def __neg__(self): return ops.neg(self)
    def __pos__(self): return self
    def __abs__(self): return ops.abs(self)
    def __eq__(self, other): return ops.eq(self, other)  # type: ignore[override]
    def __ne__(self, other): return ops.ne(self, other)  # type: ignore[override]
    def __lt__(self, other): return ops.lt(self, other)
    def __le__(self, other): return ops.le(self, other)
    def __gt__(self, other): return ops.gt(self, other)
    def __ge__(self, other): return ops.ge(self, other)
    def __and__(self, other): return ops.bitwise_and(self, other)
    def __rand__(self, other): return ops.bitwise_and(self, other)
    def __or__(self, other): return ops.bitwise_or(self, other)
    def __ror__(self, other): return ops.bitwise_or(self, other)
    def __xor__(self, other): return ops.bitwise_xor(self, other)
    def __rxor__(self, other): return ops.bitwise_xor(self, other)
    def __invert__(self): return ops.bitwise_not(self)
    def __lshift__(self, other): return ops.bitwise_left_shift(self, other)
    def __rlshift__(self, other): return ops.bitwise_left_shift(other, self)
    def __rshift__(self, other): return ops.bitwise_right_shift(self, other)
    def __rrshift__(self, other): return ops.bitwise_right_shift(other, self)
    def __iand__(self, other): return ops.bitwise_and_(self, other)
    def __ior__(self, other): return ops.bitwise_or_(self, other)
    def __ixor__(self, other): return ops.bitwise_xor_(self, other)
    def __ilshift__(self, other): return ops.bitwise_left_shift_(self, other)
    def __irshift__(self, other): return ops.bitwise_right_shift_(self, other)
    def __iadd__(self, other): return self.add_(other)
    def __isub__(self, other): return self.sub_(other)
    def __imul__(self, other): return self.mul_(other)
    def __itruediv__(self, other): return self.div_(other)
    def __getitem__(self, key): return ops.getitem(self, key)
    def __setitem__(self, key, value): ops.setitem(self, key, value)

    @property
    def T(self) -> Tensor:  # noqa: N802
        """Dimensions reversed (for 2-D: the transpose)."""
        return ops.permute(self, tuple(range(self.dim() - 1, -1, -1)))

    @property
    def mT(self) -> Tensor:  # noqa: N802
        """The last two dimensions swapped."""
        return ops.transpose(self, -2, -1)

    @property
    def mH(self) -> Tensor:  # noqa: N802
        """The conjugate transpose of the last two dimensions: ``mT`` for real tensors."""
        return ops.conj(ops.transpose(self, -2, -1))

    @property
    def H(self) -> Tensor:  # noqa: N802
        """The conjugate transpose of a matrix: ``T`` for a real 2-D tensor."""
        if self.dim() != 2:
            raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got "
                               f"{self.dim()}-D tensor.")
        return ops.conj(ops.transpose(self, 0, 1))


class _HookHandle:
    def __init__(self, hooks: list, hook: Callable) -> None:
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


def is_tensor(obj: object) -> bool:
    """True if ``obj`` is a MicroTorch ``Tensor``, as ``torch.is_tensor``."""
    return isinstance(obj, Tensor)


def numel(x: Tensor) -> int:
    """The number of elements of ``x``, as ``torch.numel``."""
    if not isinstance(x, Tensor):
        raise TypeError(f"numel(): argument 'input' must be Tensor, not {type(x).__name__}")
    return x.numel()


def _wrap_dim(dim: int, ndim: int) -> int:
    """A dim in [-ndim, ndim) as a non-negative index, with PyTorch's error otherwise."""
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {dim})")
    return dim + n if dim < 0 else dim


def _zeros_like_meta(meta: tuple) -> Tensor:
    shape, dtype, dev = meta
    out = Tensor._empty(shape, dtype, dev)
    fill_into(out, 0)
    return out


from . import ops  # noqa: E402  (ops needs the Tensor class above; methods use ops lazily)
from .ops.primitive import elementwise as ew  # noqa: E402
from .ops.primitive.copy import fill_into  # noqa: E402
