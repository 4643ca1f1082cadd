"""The backend spec: what every device backend implements.

A backend is two things:

* an :class:`Allocator` that owns device memory (allocate, free, copies to and from the host,
  statistics), and
* a :class:`Backend` with a small set of *primitive kernels*, listed in :data:`PRIMITIVES`.

Everything else (views, broadcasting, composites such as ``softmax``, and every derivative)
lives in the core and is written once for all devices.

Kernel calling convention
-------------------------
Kernels are *destination-passing*: the core allocates ``out`` through the allocator and the
kernel writes into it. Tensor arguments are core ``Tensor`` objects; a kernel reads only these
fields:

==================  =========================================================================
``t.shape``         tuple of ints
``t._strides``      tuple of ints, in *elements*; 0 for a broadcast (expanded) dimension
``t._offset``       int, first element's position in the storage, in elements
``t._storage``      :class:`Storage`; ``t._storage.handle`` is whatever the allocator returned
``t.dtype``         :class:`~microtorch_core.dtypes.DType` (``itemsize``, ``np``, ``c_name``)
==================  =========================================================================

Inputs may be non-contiguous, transposed or expanded (stride 0); a kernel that honours strides
gets broadcasting for free. ``out`` may be non-contiguous too (in-place ops write through
views) but never overlaps itself. Unless stated otherwise all tensor arguments have the same
dtype as ``out`` and the same shape, already broadcast by the core. Binary, comparison and
``where`` operands may also be a Python scalar, already converted to the operands' dtype
(``float`` for floating point, ``int`` for integers, ``bool`` for bool).
"""

from __future__ import annotations

import functools
import math
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

if TYPE_CHECKING:
    from .dtypes import DType
    from .tensor import Tensor

    Operand = Tensor | bool | int | float

#: Version of this spec. A backend declares the version it implements in ``spec_version``;
#: the registry refuses a backend written for another version, with a message.
SPEC_VERSION = 2

UNARY_OPS = (
    "neg", "abs", "sign", "exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "erf",
    "bitwise_not",
)
BINARY_OPS = (
    "add", "sub", "mul", "div", "pow", "maximum", "minimum",
    "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift", "bitwise_right_shift",
)
COMPARISON_OPS = ("eq", "ne", "lt", "le", "gt", "ge")
REDUCTION_OPS = ("sum", "prod", "amax", "amin")
INDEX_REDUCTION_OPS = ("argmax", "argmin")
OTHER_OPS = (
    "fill", "copy", "where", "matmul", "gather", "scatter", "scatter_add",
    "random_uniform", "random_normal",
)
#: Every primitive a backend must implement (or list in ``Backend.unsupported_ops``).
PRIMITIVES: tuple[str, ...] = (
    OTHER_OPS + UNARY_OPS + BINARY_OPS + COMPARISON_OPS + REDUCTION_OPS + INDEX_REDUCTION_OPS
)
#: Composite ops a backend may accelerate by overriding the spec method of the same name (see
#: "optional kernels" in :class:`Backend`). The core uses the kernel when the backend has one
#: and its own composite otherwise, so a backend without them is still complete.
OPTIONAL_KERNELS: tuple[str, ...] = (
    "softmax", "log_softmax", "sort", "svd", "qr", "eigh", "eig", "fft",
)


_STRIDES: dict[tuple[int, ...], tuple[int, ...]] = {}


def contiguous_strides(shape: tuple[int, ...]) -> tuple[int, ...]:
    """Row-major strides (in elements) of a tensor of ``shape``."""
    strides = _STRIDES.get(shape)
    if strides is None:
        acc, out = 1, []
        for n in reversed(shape):
            out.append(acc)
            acc *= max(n, 1)
        strides = _STRIDES[shape] = tuple(reversed(out))
    return strides


class Storage:
    """A block of device memory, owned by an allocator and freed when the last tensor goes.

    A storage counts itself in its allocator's statistics (``MemoryStats``) when it is made
    and out when it is garbage collected, which is also when the allocator's ``_free`` hook
    gets the memory back; ``allocator=None`` is memory the storage does not own
    (``from_numpy``'s array), neither counted nor freed.

    ``handle`` is the allocator's own object (a NumPy byte array on the CPU, a device pointer
    on CUDA). ``version`` is the version counter shared by every view of this memory: in-place
    ops bump it so autograd can tell that a tensor saved for backward has changed.
    """

    __slots__ = ("handle", "nbytes", "allocator", "version", "__weakref__")

    def __init__(self, handle: Any, nbytes: int, allocator: Allocator | None) -> None:
        self.handle = handle
        self.nbytes = nbytes
        self.allocator = allocator
        self.version = 0
        if allocator is not None:  # counted in its allocator's statistics until __del__
            stats = allocator._stats
            stats.num_allocs += 1
            allocated = stats.allocated_bytes = stats.allocated_bytes + nbytes
            if allocated > stats.peak_allocated_bytes:
                stats.peak_allocated_bytes = allocated

    def __del__(self) -> None:
        allocator = self.allocator
        if allocator is not None:
            self.allocator = None  # freed once, even if __del__ ran twice
            stats = allocator._stats
            stats.allocated_bytes -= self.nbytes
            stats.num_frees += 1
            if allocator.releases_memory:
                allocator._free(self.handle, self.nbytes)

    def __repr__(self) -> str:
        return f"Storage(nbytes={self.nbytes}, device={self.allocator and self.allocator.device})"


@dataclass
class MemoryStats:
    """Allocator statistics, in bytes and counts (names follow ``torch.cuda.memory_stats``)."""

    allocated_bytes: int = 0  # held by live storages now
    peak_allocated_bytes: int = 0  # highest allocated_bytes since the last reset_peak()
    reserved_bytes: int = 0  # allocated plus what a caching allocator keeps for reuse
    num_allocs: int = 0  # allocate() calls
    num_frees: int = 0  # storages returned
    num_device_allocs: int = 0  # times the device's own allocator was called
    num_cache_hits: int = 0  # allocations served from the cache
    num_oom_retries: int = 0  # out-of-memory errors recovered by emptying the cache

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


class Allocator(ABC):
    """Owns one device's memory. Public methods check arguments and keep statistics; a
    backend overrides only the underscored hooks (a template method)."""

    #: False for an allocator whose memory is freed with its handle (a NumPy array goes with
    #: its last reference): ``_free`` is then never called, which saves a call per tensor.
    releases_memory: ClassVar[bool] = True

    def __init__(self, device: str) -> None:
        self.device = device
        self._stats = MemoryStats()

    # -- public API: used by the core -------------------------------------------------
    def allocate(self, nbytes: int) -> Storage:
        """A new storage of ``nbytes`` bytes (uninitialised)."""
        if nbytes < 0:
            raise ValueError(f"cannot allocate a negative number of bytes ({nbytes})")
        return Storage(self._allocate(nbytes), nbytes, self)

    def allocate_tensor(self, shape: tuple[int, ...], dtype: DType) -> tuple[Storage, Any]:
        """Memory for a new contiguous tensor: ``(storage, native)``.

        Every op's output comes from here (``Tensor._empty``). ``native`` is the backend's
        own view of that memory, kept on the tensor for its kernels (``Tensor._native``): a
        host backend hands out a typed NumPy array of ``shape`` that is both the storage's
        memory and the array its kernels compute on, so no view is built per op. By default
        it is ``allocate`` of the bytes, and no native view; a host backend overrides it (the
        storage counts itself in the statistics either way).
        """
        nbytes = math.prod(shape) * dtype.itemsize
        return Storage(self._allocate(nbytes), nbytes, self), None

    def copy_from_host(self, storage: Storage, src: np.ndarray, offset: int = 0) -> None:
        """Copy the bytes of a contiguous host array into ``storage`` at byte ``offset``."""
        src = np.ascontiguousarray(src)
        if offset < 0 or offset + src.nbytes > storage.nbytes:
            raise ValueError(
                f"host copy of {src.nbytes} bytes at offset {offset} does not fit a storage of "
                f"{storage.nbytes} bytes"
            )
        self._copy_from_host(storage.handle, src, offset)

    def copy_to_host(self, storage: Storage, nbytes: int, offset: int = 0) -> np.ndarray:
        """``nbytes`` bytes of ``storage`` from byte ``offset``, as a new uint8 host array."""
        if offset < 0 or nbytes < 0 or offset + nbytes > storage.nbytes:
            raise ValueError(
                f"cannot read {nbytes} bytes at offset {offset} from a storage of "
                f"{storage.nbytes} bytes"
            )
        return self._copy_to_host(storage.handle, nbytes, offset)

    def stats(self) -> MemoryStats:
        """A snapshot of this allocator's statistics."""
        self._stats.reserved_bytes = self._stats.allocated_bytes + self._cached_bytes()
        return MemoryStats(**self._stats.as_dict())

    def reset_peak_stats(self) -> None:
        """Start measuring the peak again from the bytes allocated now."""
        self._stats.peak_allocated_bytes = self._stats.allocated_bytes

    def empty_cache(self) -> None:
        """Give cached, unused blocks back to the device (no-op without a cache)."""

    # -- hooks: what a backend implements ---------------------------------------------
    @abstractmethod
    def _allocate(self, nbytes: int) -> Any:
        """Allocate ``nbytes`` on the device and return a handle for the memory."""

    @abstractmethod
    def _free(self, handle: Any, nbytes: int) -> None:
        """Release (or cache) the memory behind ``handle``."""

    @abstractmethod
    def _copy_from_host(self, handle: Any, src: np.ndarray, offset: int) -> None:
        """Copy contiguous host bytes into device memory at byte ``offset``."""

    @abstractmethod
    def _copy_to_host(self, handle: Any, nbytes: int, offset: int) -> np.ndarray:
        """Copy device bytes to a new host ``np.uint8`` array."""

    def _cached_bytes(self) -> int:
        """Bytes held in a cache for reuse (0 without a cache)."""
        return 0


@dataclass(frozen=True)
class Availability:
    """Whether a backend can run on this machine and, if not, why."""

    ok: bool
    reason: str = ""


FALLBACK_HINT = (
    "set MICROTORCH_CPU_FALLBACK=1 (or call microtorch_core.set_cpu_fallback(True)) to run it on "
    "the CPU backend with copies"
)


def primitive(spec: Callable) -> Callable:
    """Mark a spec method as a primitive: its default raises a clear NotImplementedError and
    the registry reports a backend class that neither overrides it nor lists it in
    ``unsupported_ops``."""

    @functools.wraps(spec)
    def not_implemented(self: Backend, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError(
            f"op '{spec.__name__}' is not implemented by backend '{self.name}'; {FALLBACK_HINT}"
        )

    not_implemented.is_spec_default = True  # type: ignore[attr-defined]
    return not_implemented


def optional_kernel(spec: Callable) -> Callable:
    """Mark a spec method as an optional kernel (one of :data:`OPTIONAL_KERNELS`): the spec
    documents its contract, and the kernel table holds ``None`` in its place unless a backend
    overrides it, so the core runs its composite instead. Called anyway, it raises."""

    @functools.wraps(spec)
    def not_provided(self: Backend, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError(
            f"backend '{self.name}' has no optional kernel '{spec.__name__}'; the core's "
            f"composite runs instead (KernelTable.{spec.__name__} is None)")

    not_provided.is_spec_default = True  # type: ignore[attr-defined]
    return not_provided


class Backend(ABC):
    """Base class of every device backend.

    Subclasses set ``name`` (the device type, e.g. ``"cpu"``), create ``self.allocator`` in
    ``__init__``, and implement every method named in :data:`PRIMITIVES` or list it in
    ``unsupported_ops``. The registry checks this when the backend is registered.

    The backend object is created lazily on first use of its device, so ``__init__`` may touch
    hardware; importing the backend's module must not.
    """

    name: ClassVar[str] = ""
    spec_version: ClassVar[int] = SPEC_VERSION
    #: Primitives this backend knowingly lacks. Calling one raises NotImplementedError (or runs
    #: on the CPU when fallback is enabled); the conformance suite marks them expected failures.
    unsupported_ops: ClassVar[frozenset[str]] = frozenset()
    #: Primitives and optional kernels that also take complex64/complex128 tensors, with
    #: PyTorch's complex semantics. Complex tensors reach no other kernel (the core raises
    #: NotImplementedError naming the op), so a backend without complex support lists none.
    complex_ops: ClassVar[frozenset[str]] = frozenset()

    allocator: Allocator

    @classmethod
    def availability(cls) -> Availability:
        """Can this backend run here? Called on demand (never at import); may probe drivers."""
        return Availability(True)

    def device_count(self) -> int:
        """How many devices of this type there are."""
        return 1

    def device_name(self, index: int = 0) -> str:
        """A human-readable device name (e.g. the GPU's marketing name)."""
        return self.name

    def synchronize(self) -> None:
        """Wait until all queued kernels have finished (no-op on synchronous backends)."""

    # -- optional hooks: the core calls them on every backend; the defaults say "not here" --
    def numpy_view(self, t: Tensor) -> np.ndarray | None:
        """A NumPy array that views ``t``'s memory in place (shape, strides, offset), or None
        when this backend's memory is not host memory (the default). ``Tensor.numpy()``
        returns it without a copy, and index bounds checks read indices through it."""
        return None

    def cuda_array_interface(self, t: Tensor) -> dict | None:
        """``t.__cuda_array_interface__`` (version 3) for a tensor in CUDA device memory, so
        CuPy, Numba or PyTorch can use it without a copy; None (the default) elsewhere."""
        return None

    def graph_recorder(self) -> Any:
        """A new recorder for a graph capture on this device (a ``KernelRecorder`` from
        ``microtorch_core.graphs``), or None for the default one, which replays every kernel
        call as it was made. Optional: a backend overrides it to replay something cheaper
        (see ``docs/graphs.md``)."""
        return None

    # -- creation and copies --------------------------------------------------------------
    @primitive
    def fill(self, out: Tensor, value: bool | int | float) -> None:
        """``out[...] = value``."""

    @primitive
    def copy(self, out: Tensor, x: Tensor) -> None:
        """``out[...] = x`` with a dtype cast: ``x`` may have any dtype (this is the only
        kernel that converts dtypes). Float to int truncates toward zero; to bool is ``!= 0``."""

    @primitive
    def random_uniform(self, out: Tensor, seed: int, offset: int) -> None:
        """Fill a contiguous floating ``out`` with U[0, 1) numbers from Philox4x32-10.

        Element ``i`` (row-major) uses key ``(seed & 0xffffffff, seed >> 32)`` and counter
        ``(c & 0xffffffff, c >> 32, 0, 0)`` with ``c = offset + i``, giving words r0..r3.
        float32: ``(r0 >> 8) * 2**-24``; float64: ``(((r0 << 32) | r1) >> 11) * 2**-53``.
        ``microtorch_core.random.philox4x32`` is the reference implementation.
        """

    @primitive
    def random_normal(self, out: Tensor, seed: int, offset: int) -> None:
        """Fill a contiguous floating ``out`` with N(0, 1) numbers: Box-Muller on the same
        Philox words as ``random_uniform``, ``u1 = ((r0 >> 8) + 1) * 2**-24``,
        ``u2 = (r1 >> 8) * 2**-24``, ``z = sqrt(-2 log u1) * cos(2 pi u2)``."""

    # -- elementwise ----------------------------------------------------------------------
    @primitive
    def neg(self, out: Tensor, x: Tensor) -> None:
        """``out = -x``."""

    @primitive
    def abs(self, out: Tensor, x: Tensor) -> None:
        """``out = |x|``."""

    @primitive
    def sign(self, out: Tensor, x: Tensor) -> None:
        """``out = sign(x)`` in {-1, 0, 1}."""

    @primitive
    def exp(self, out: Tensor, x: Tensor) -> None:
        """``out = e**x`` (floating dtypes)."""

    @primitive
    def log(self, out: Tensor, x: Tensor) -> None:
        """``out = ln(x)`` (floating dtypes; -inf at 0, nan below)."""

    @primitive
    def sqrt(self, out: Tensor, x: Tensor) -> None:
        """``out = sqrt(x)`` (floating dtypes)."""

    @primitive
    def sin(self, out: Tensor, x: Tensor) -> None:
        """``out = sin(x)`` (floating dtypes)."""

    @primitive
    def cos(self, out: Tensor, x: Tensor) -> None:
        """``out = cos(x)`` (floating dtypes)."""

    @primitive
    def tanh(self, out: Tensor, x: Tensor) -> None:
        """``out = tanh(x)`` (floating dtypes)."""

    @primitive
    def sigmoid(self, out: Tensor, x: Tensor) -> None:
        """``out = 1 / (1 + e**-x)`` (floating dtypes), without overflow for large ``|x|``."""

    @primitive
    def erf(self, out: Tensor, x: Tensor) -> None:
        """``out = erf(x)``, the Gauss error function (floating dtypes)."""

    @primitive
    def bitwise_not(self, out: Tensor, x: Tensor) -> None:
        """``out = ~x`` (integer and bool dtypes): every bit flipped, two's complement
        (``~5 == -6``); for bool, logical not."""

    @primitive
    def add(self, out: Tensor, a: Operand, b: Operand) -> None:
        """``out = a + b``."""

    @primitive
    def sub(self, out: Tensor, a: Operand, b: Operand) -> None:
        """``out = a - b``."""

    @primitive
    def mul(self, out: Tensor, a: Operand, b: Operand) -> None:
        """``out = a * b``."""

    @primitive
    def div(self, out: Tensor, a: Operand, b: Operand) -> None:
        """``out = a / b`` (floating dtypes; the core promotes integers first)."""

    @primitive
    def pow(self, out: Tensor, a: Operand, b: Operand) -> None:
        """``out = a ** b``. For integer dtypes a negative exponent gives ``1 / a**|b|``
        truncated toward zero, as PyTorch: 1 for a base of 1, ``(-1)**b`` for -1 and 0 for any
        other base, 0 included (NumPy's ``power`` raises there)."""

    @primitive
    def maximum(self, out: Tensor, a: Operand, b: Operand) -> None:
        """``out = max(a, b)``, propagating NaN."""

    @primitive
    def minimum(self, out: Tensor, a: Operand, b: Operand) -> None:
        """``out = min(a, b)``, propagating NaN."""

    # Bitwise ops take integer and bool dtypes (shifts: integers only); the core refuses
    # floating point before the kernel. Exact in 64 bits: no detour through float arithmetic.
    @primitive
    def bitwise_and(self, out: Tensor, a: Operand, b: Operand) -> None:
        """``out = a & b``, bit by bit (for bool, logical and)."""

    @primitive
    def bitwise_or(self, out: Tensor, a: Operand, b: Operand) -> None:
        """``out = a | b``, bit by bit (for bool, logical or)."""

    @primitive
    def bitwise_xor(self, out: Tensor, a: Operand, b: Operand) -> None:
        """``out = a ^ b``, bit by bit (for bool, logical xor)."""

    @primitive
    def bitwise_left_shift(self, out: Tensor, a: Operand, b: Operand) -> None:
        """``out = a << b`` (integer dtypes), wrapping in two's complement: bits shifted past
        the top are lost (int64 ``2**62 << 1`` is ``-2**63``). A count ``b`` that is negative
        or at least the bit width (32, 64) gives 0, as PyTorch (in C it is undefined)."""

    @primitive
    def bitwise_right_shift(self, out: Tensor, a: Operand, b: Operand) -> None:
        """``out = a >> b`` (integer dtypes), arithmetic: the sign bit fills in from the left
        (``-7 >> 1 == -4``). A count ``b`` that is negative or at least the bit width shifts by
        width - 1 instead, giving 0 for ``a >= 0`` and -1 for ``a < 0``, as PyTorch."""

    @primitive
    def eq(self, out: Tensor, a: Operand, b: Operand) -> None:
        """``out = a == b``; ``out`` is bool, ``a`` and ``b`` share a dtype."""

    @primitive
    def ne(self, out: Tensor, a: Operand, b: Operand) -> None:
        """``out = a != b``; ``out`` is bool, ``a`` and ``b`` share a dtype."""

    @primitive
    def lt(self, out: Tensor, a: Operand, b: Operand) -> None:
        """``out = a < b``; ``out`` is bool, ``a`` and ``b`` share a dtype."""

    @primitive
    def le(self, out: Tensor, a: Operand, b: Operand) -> None:
        """``out = a <= b``; ``out`` is bool, ``a`` and ``b`` share a dtype."""

    @primitive
    def gt(self, out: Tensor, a: Operand, b: Operand) -> None:
        """``out = a > b``; ``out`` is bool, ``a`` and ``b`` share a dtype."""

    @primitive
    def ge(self, out: Tensor, a: Operand, b: Operand) -> None:
        """``out = a >= b``; ``out`` is bool, ``a`` and ``b`` share a dtype."""

    @primitive
    def where(self, out: Tensor, cond: Tensor, a: Operand, b: Operand) -> None:
        """``out = a if cond else b``; ``cond`` is bool."""

    # -- reductions -----------------------------------------------------------------------
    # ``out`` has ``x``'s shape with every reduced dim set to 1 (keepdim); ``dims`` is a
    # sorted tuple of distinct non-negative dims (never empty). Reducing a zero-size dim
    # gives the identity (0 for sum, 1 for prod); amax/amin/argmax/argmin of an empty dim are
    # rejected by the core before the kernel is called.
    @primitive
    def sum(self, out: Tensor, x: Tensor, dims: tuple[int, ...]) -> None:
        """``out = sum of x over dims``."""

    @primitive
    def prod(self, out: Tensor, x: Tensor, dims: tuple[int, ...]) -> None:
        """``out = product of x over dims``."""

    @primitive
    def amax(self, out: Tensor, x: Tensor, dims: tuple[int, ...]) -> None:
        """``out = max of x over dims`` (NaN propagates)."""

    @primitive
    def amin(self, out: Tensor, x: Tensor, dims: tuple[int, ...]) -> None:
        """``out = min of x over dims`` (NaN propagates)."""

    @primitive
    def argmax(self, out: Tensor, x: Tensor, dim: int) -> None:
        """``out`` (int64) = index of the first maximum of ``x`` along ``dim``."""

    @primitive
    def argmin(self, out: Tensor, x: Tensor, dim: int) -> None:
        """``out`` (int64) = index of the first minimum of ``x`` along ``dim``."""

    # -- optional kernels ------------------------------------------------------------------
    # Faster versions of composites the core can build itself (OPTIONAL_KERNELS). Override
    # one to use it; leave it out and the core runs its composite. Gradients stay in the core
    # either way, so an optional kernel is forward only.
    @optional_kernel
    def softmax(self, out: Tensor, x: Tensor, dim: int) -> None:
        """``out = exp(x) / sum(exp(x))`` along ``dim``, computed stably (a row of ``-inf``
        gives NaN). ``x`` is floating and at least 1-D; ``dim`` is non-negative."""

    @optional_kernel
    def log_softmax(self, out: Tensor, x: Tensor, dim: int) -> None:
        """``out = x - log(sum(exp(x)))`` along ``dim``, computed stably; as ``softmax``."""

    @optional_kernel
    def sort(self, values_out: Tensor, indices_out: Tensor, x: Tensor, dim: int,
             descending: bool) -> None:
        """Sort ``x`` along ``dim``: ``values_out`` (``x``'s dtype) gets the sorted values and
        ``indices_out`` (int64) their positions in ``x``, so that
        ``values_out = gather(x, dim, indices_out)``.

        Both outputs have ``x``'s shape; ``x`` is at least 1-D, of any dtype, and ``dim`` is
        non-negative. The order is *stable* in both directions: equal elements keep their
        order in ``x`` (``-0.0`` equals ``0.0``). NaN is the largest value, so NaNs come last
        ascending and first descending (as PyTorch). Reversing an ascending sort is not a
        descending one: it would reverse the order of equal elements.
        """

    # The factorisations below take a floating ``x`` (..., m, n) with no zero-size dim (the
    # core handles empty inputs itself), batched over the leading dims; every output has
    # ``x``'s dtype and is contiguous. Singular and eigenvectors are defined up to sign: a
    # kernel gives whichever its algorithm does (LAPACK's, on the CPU), and the core's
    # gradients do not depend on the choice.
    @optional_kernel
    def svd(self, u_out: Tensor | None, s_out: Tensor, vh_out: Tensor | None, x: Tensor,
            full_matrices: bool) -> None:
        """The singular value decomposition ``x = u_out @ diag(s_out) @ vh_out``.

        ``s_out`` (..., k), with k = min(m, n), gets the singular values in descending order;
        ``u_out`` (..., m, m) and ``vh_out`` (..., n, n) get orthonormal singular vectors with
        ``full_matrices``, else (..., m, k) and (..., k, n). ``u_out`` and ``vh_out`` are both
        None when only the singular values are wanted. A matrix with a non-finite entry gets
        nan in all of its outputs (the kernel does not raise; the core reports it).
        """

    @optional_kernel
    def qr(self, q_out: Tensor | None, r_out: Tensor, x: Tensor, mode: str) -> None:
        """The QR factorisation ``x = q_out @ r_out`` by Householder reflections, LAPACK's
        ``geqrf`` convention: reflector j maps column j to ``beta e_j`` with
        ``beta = -sign(x_jj) ||x_j||``, and is the identity when the column is already zero
        below the diagonal, so the diagonal of R may be negative.

        ``mode`` is ``"reduced"`` (``q_out`` (..., m, k), ``r_out`` (..., k, n), k = min(m,
        n)), ``"complete"`` (``q_out`` (..., m, m), ``r_out`` (..., m, n)) or ``"r"``
        (``q_out`` is None, ``r_out`` as in ``"reduced"``). R is upper triangular, zeros
        below the diagonal written, and Q has orthonormal columns.
        """

    @optional_kernel
    def eigh(self, values_out: Tensor, vectors_out: Tensor | None, x: Tensor,
             upper: bool) -> None:
        """The eigendecomposition of symmetric ``x`` (..., n, n), read from its lower
        triangle (the upper one with ``upper``), as LAPACK's ``syevd``: ``values_out``
        (..., n) gets the eigenvalues in ascending order and ``vectors_out`` (..., n, n) the
        orthonormal eigenvectors as columns, ``x = V diag(values) V^T``. ``vectors_out`` is
        None when only the eigenvalues are wanted.
        """

    @optional_kernel
    def eig(self, values_out: Tensor, vectors_out: Tensor | None, x: Tensor) -> None:
        """The eigendecomposition of a general square ``x`` (..., n, n), as LAPACK's ``geev``:
        ``values_out`` (..., n) gets the eigenvalues (in geev's order) and ``vectors_out``
        (..., n, n) the right eigenvectors as columns, each of unit 2-norm with its largest
        component real (geev's normalisation), so ``x V = V diag(values)``. ``vectors_out``
        is None when only the eigenvalues are wanted.

        Both outputs are complex (complex64 for float32 or complex64 ``x``, complex128 for
        float64 or complex128), whatever ``x``'s dtype; ``x`` holds only finite values (the
        core checks). List it in ``complex_ops`` to take complex ``x`` too.
        """

    @optional_kernel
    def fft(self, out: Tensor, x: Tensor, dims: tuple[int, ...], inverse: bool) -> None:
        """The unscaled discrete Fourier transform of complex ``x`` over ``dims``:
        ``out[k] = sum_j x[j] e^(-2 pi i j k / n)`` along each dim of ``dims`` (size n), with
        ``e^(+2 pi i ...)`` when ``inverse``. No 1/n factor in either direction: the core
        applies the normalisation.

        ``x`` and ``out`` have one complex dtype (complex64 or complex128) and one shape;
        ``dims`` is a non-empty sorted tuple of distinct non-negative dims, none of size 0;
        ``out`` is contiguous. Listed in ``complex_ops`` (it only ever sees complex tensors).
        """

    # -- linear algebra and indexing ------------------------------------------------------
    @primitive
    def matmul(self, out: Tensor, a: Tensor, b: Tensor) -> None:
        """Batched ``out[..., m, n] = sum_k a[..., m, k] * b[..., k, n]``.

        All three are at least 2-D with equal batch dims (the core broadcasts them, so batch
        strides may be 0); any dtype but bool.
        """

    @primitive
    def gather(self, out: Tensor, x: Tensor, dim: int, index: Tensor) -> None:
        """``out[i][j][k] = x[i][index[i][j][k]][k]`` for ``dim == 1`` (likewise for others).

        ``index`` is int64 with ``out``'s shape and values already checked in range.
        """

    @primitive
    def scatter(self, out: Tensor, dim: int, index: Tensor, src: Tensor) -> None:
        """In place: ``out[i][index[i][j][k]][k] = src[i][j][k]`` (for ``dim == 1``).

        ``index`` (int64) and ``src`` share a shape; with repeated indices any one write wins.
        """

    @primitive
    def scatter_add(self, out: Tensor, dim: int, index: Tensor, src: Tensor) -> None:
        """In place: ``out[i][index[i][j][k]][k] += src[i][j][k]`` (for ``dim == 1``).

        Repeated indices accumulate.
        """


def has_host_memory(backend: Backend) -> bool:
    """Whether ``backend`` views its tensors' memory as NumPy arrays in place (it overrides
    :meth:`Backend.numpy_view`): host memory, read without a copy."""
    return type(backend).numpy_view is not Backend.numpy_view


def missing_primitives(backend_cls: type) -> list[str]:
    """Primitives that ``backend_cls`` neither implements nor declares unsupported."""
    declared = set(getattr(backend_cls, "unsupported_ops", ()))
    missing = []
    for op in PRIMITIVES:
        impl = getattr(backend_cls, op, None)
        if op not in declared and (impl is None or getattr(impl, "is_spec_default", False)):
            missing.append(op)
    return missing


# -- what a backend may use from the core -----------------------------------------------------
# A plugin imports this module (and ``hookspecs`` to register), never the core's internals:
# the reference implementations its kernels must agree with, and the types they see.
from . import dtypes  # noqa: E402, F401 (the dtypes kernels receive: dtypes.int64...)
from .random import normal_from_words, philox_words, uniform_from_words  # noqa: E402, F401


def __getattr__(name: str) -> Any:
    # ``Tensor`` and the reference erfc coefficients, loaded on first use: tensor.py and the
    # ops import this module, so it cannot import them at its top
    if name == "Tensor":
        from .tensor import Tensor

        return Tensor
    if name == "ERFC_COEFFICIENTS":
        from .ops.special import errorfunc

        return errorfunc.ERFC_COEFFICIENTS
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
