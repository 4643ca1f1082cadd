"""``CPUBackend``: the primitive kernels as NumPy calls.

A kernel receives core tensors and turns each into a NumPy array that *views* the storage
with the tensor's shape, strides and offset (``_np``), then lets NumPy write into ``out``.
Strides of 0 (broadcast) and transposed or sliced layouts need nothing special: NumPy honours
strides the same way the spec does.
"""

from __future__ import annotations

import contextvars
import functools
import math
import threading

import numpy as np

from microtorch_core.backend import (
    Backend,
    Tensor,
    normal_from_words,
    philox_words,
    uniform_from_words,
)

from .allocator import CPUAllocator
from .erf import erf


def _np(t) -> np.ndarray:
    """A NumPy array viewing tensor ``t``'s memory with its shape, strides and offset: the
    tensor's ``_native`` array, made on first use for a view and cached (a tensor's layout
    never changes; an op's output has one from the allocator already)."""
    arr = t._native
    return arr if arr is not None else _view(t)


def _view(t) -> np.ndarray:
    size = t.dtype.itemsize
    if 0 in t.shape:  # nothing to view (a view's offset may lie past the storage's end)
        arr = np.empty(t.shape, t.dtype.np)
    else:
        arr = np.ndarray(t.shape, t.dtype.np, t._storage.handle, t._offset * size,
                         tuple([s * size for s in t._strides]))  # list: faster than a genexpr
    t._native = arr
    return arr


def _operand(x):
    """A tensor as its NumPy array; a Python scalar as is."""
    # one isinstance against Tensor, not three against the scalar types: ~100 ns per operand
    if isinstance(x, Tensor):
        arr = x._native
        return arr if arr is not None else _view(x)
    return x


def _stable_sigmoid(x: np.ndarray, out: np.ndarray) -> None:
    e = np.exp(-np.abs(x))  # never overflows
    np.copyto(out, np.where(x >= 0, 1 / (1 + e), e / (1 + e)))


UNARY = {
    "neg": np.negative, "abs": np.absolute, "exp": np.exp, "log": np.log, "sqrt": np.sqrt,
    "sin": np.sin, "cos": np.cos, "tanh": np.tanh, "bitwise_not": np.invert,
}
BINARY = {
    "add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.true_divide,
    "maximum": np.maximum, "minimum": np.minimum,
    "eq": np.equal, "ne": np.not_equal, "lt": np.less, "le": np.less_equal,
    "gt": np.greater, "ge": np.greater_equal,
    "bitwise_and": np.bitwise_and, "bitwise_or": np.bitwise_or, "bitwise_xor": np.bitwise_xor,
    # NumPy's shifts already follow the spec for counts outside [0, bits): it compares the
    # count as unsigned, so a negative count is huge, giving 0 (<<) or the sign (>>)
    "bitwise_left_shift": np.left_shift, "bitwise_right_shift": np.right_shift,
}


def _sum(x: np.ndarray, axis: tuple[int, ...], dtype: np.dtype | None = None,
         out: np.ndarray | None = None, keepdims: bool = True) -> np.ndarray:
    """``np.add.reduce`` with ``keepdims`` (the only form the kernels use, and the same
    arguments in the same order), except for the sums of floats that BLAS computes as a
    product with a vector of ones, several times faster and at least as accurately:

    * over the leading dims of a contiguous array (a bias gradient, the batch of a batch
      norm): NumPy adds the rows one after another, BLAS in blocks. (1024, 64) over dim 0:
      27 -> 5 us;
    * over a short last dim, 2 to 128 elements (attention's 16 keys, a layer norm's 64
      features): NumPy sums each row by itself. (64, 4, 16, 16) over dim -1: 84 -> 18 us.
      Up to 128 elements NumPy adds in eight lanes, as BLAS does, so rows round alike.

    Anything else, small arrays and full reductions of contiguous data included (NumPy's
    pairwise sum), is NumPy's."""
    if x.ndim > 1 and x.size >= 1024 and x.dtype.kind == "f" and x.itemsize >= 4 and \
            (dtype is None or dtype == x.dtype) and x.flags.c_contiguous and \
            (out is None or out.dtype == x.dtype and out.flags.c_contiguous):
        lead = axis[-1] == len(axis) - 1 < x.ndim - 1 and axis == tuple(range(len(axis)))
        if lead or (axis == (x.ndim - 1,) and 1 < x.shape[-1] <= 128):
            if out is None:
                out = np.empty([1 if d in axis else n for d, n in enumerate(x.shape)], x.dtype)
            if lead:
                rows = math.prod(x.shape[:len(axis)])
                np.matmul(_ones(rows, x.dtype), x.reshape(rows, -1), out=out.reshape(-1))
            else:
                np.matmul(x, _ones(x.shape[-1], x.dtype), out=out[..., 0])
            return out
    return np.add.reduce(x, axis=axis, keepdims=True, out=out, dtype=dtype)


@functools.lru_cache(maxsize=64)
def _ones(length: int, dtype: np.dtype) -> np.ndarray:
    ones = np.ones(length, dtype)
    ones.flags.writeable = False
    return ones


# The ufuncs' reduce: np.max(x, ...) and friends are Python wrappers around them (~1 us).
REDUCE = {"sum": _sum, "prod": np.multiply.reduce, "amax": np.maximum.reduce,
          "amin": np.minimum.reduce}


# Ops whose edge cases (x/0, log(0), overflow) NumPy reports with a RuntimeWarning; PyTorch
# returns inf/nan silently. ``np.errstate`` would silence them but costs ~0.5 us per call and
# changes NumPy's state for the whole context; so these kernels run in a copy of the context
# in which NumPy ignores floating-point errors (~25 ns), one copy per thread (a context cannot
# be entered by two threads at once). The user's own NumPy settings are never touched.
QUIET = {"div", "pow", "exp", "log", "sqrt", "sin", "cos", "tanh"}


class _QuietContext(threading.local):
    """Per thread: ``run(fn, *args)`` calls ``fn`` with NumPy's floating-point errors
    ignored."""

    def __init__(self) -> None:
        self.run = contextvars.copy_context().run
        self.run(np.seterr, all="ignore")


_quiet = _QuietContext()


def _quietly(kernel):
    """A kernel method run with NumPy's floating-point errors ignored (see QUIET)."""

    @functools.wraps(kernel)
    def quiet(self, *args):
        return _quiet.run(kernel, self, *args)

    return quiet


# A ufunc's ``out`` is passed positionally: a keyword costs NumPy a dict (~40 ns per call).
# np.maximum and np.minimum deprecate a positional ``out``, so they get the keyword.
OUT_KEYWORD = {"maximum", "minimum"}


def _unary_kernel(op, fn):
    if op in QUIET:
        def kernel(self, out, x):
            _quiet.run(fn, _np(x), _np(out))
    else:
        def kernel(self, out, x):
            fn(_np(x), _np(out))
    return kernel


def _binary_kernel(op, fn):
    if op in QUIET:
        def kernel(self, out, a, b):
            _quiet.run(fn, _operand(a), _operand(b), _np(out))
    elif op in OUT_KEYWORD:
        def kernel(self, out, a, b):
            fn(_operand(a), _operand(b), out=_np(out))
    else:
        def kernel(self, out, a, b):  # add, mul...: the commonest kernels, _np inlined
            if isinstance(a, Tensor):
                a = a._native if a._native is not None else _view(a)
            if isinstance(b, Tensor):
                b = b._native if b._native is not None else _view(b)
            fn(a, b, out._native if out._native is not None else _view(out))
    return kernel


def _reduce_kernel(fn):
    def kernel(self, out, x, dims):
        x, out = _np(x), _np(out)
        if 1 < len(dims) < x.ndim:  # some dims kept: see _reduce_outer_first
            x, dims = _reduce_outer_first(fn, x, dims, out.dtype)
        fn(x, axis=dims, keepdims=True, out=out)

    return kernel


def _reduce_outer_first(fn, x: np.ndarray, dims: tuple[int, ...], dtype: np.dtype
                        ) -> tuple[np.ndarray, tuple[int, ...]]:
    """Reduce the dims in front of the last kept dim of a C-contiguous ``x`` first, and
    return what is left to reduce: ``(partial, dims)``.

    NumPy reduces non-adjacent dims (a batch norm's (N, H, W) of (N, C, H, W)) a few
    contiguous elements at a time. Reducing an outer dim adds whole contiguous rows, which
    NumPy vectorises; the inner dims are then reduced on the smaller result. For (32, 32, 16)
    over (0, 2): 21 us -> 4 us. Anything else, or a strided ``x``, is left to NumPy as is."""
    kept = [d for d in range(x.ndim) if d not in dims]  # not empty: the kernel checked
    if not x.flags.c_contiguous:
        return x, dims
    outer = tuple(d for d in dims if d < kept[-1])
    if not outer or len(outer) == len(dims):  # reduced dims all in front: NumPy's fast case
        return x, dims
    return (fn(x, axis=outer, keepdims=True, dtype=dtype),
            tuple(d for d in dims if d > kept[-1]))


def _reduction_layout(x: np.ndarray, out: np.ndarray, dim: int
                      ) -> tuple[np.ndarray, np.ndarray]:
    """A scratch copy of ``x`` and a view of ``out``, both with ``dim`` first, to reduce over
    axis 0. A short last dim (attention's 16 keys) is moved in the copy, so the reduction
    runs across contiguous rows of everything else, which NumPy vectorises, instead of a few
    elements at a time: about 40% less work. Any other dim is reduced where it is, already
    across contiguous rows (a long last dim, or a middle one)."""
    if dim == x.ndim - 1 and x.shape[dim] < 128:
        return np.moveaxis(x, dim, 0).copy(), np.moveaxis(out, dim, 0)
    return np.moveaxis(x.copy(), dim, 0), np.moveaxis(out, dim, 0)


_BITS = {4: np.uint32, 8: np.uint64}  # unsigned integers of an item's size, for bit selects


def _bits(x, dtype: np.dtype, bits: type) -> np.ndarray:
    """A tensor's array, or a scalar as a 0-d array of ``dtype``, viewed as raw bits."""
    return (_np(x) if isinstance(x, Tensor) else np.array(x, dtype)).view(bits)


def _positions(index: np.ndarray, dim: int, shape: tuple[int, ...]) -> np.ndarray:
    """Where ``a[..., index, ...]`` reads or writes for each position of ``index``, as flat
    positions in a C-contiguous array ``a`` of ``shape``: ``index`` along ``dim``, the
    position's own coordinate along every other dim. One flat index is several times faster
    in NumPy than the equivalent tuple of broadcast coordinates."""
    strides = [1] * len(shape)  # C strides, in elements (Python ints: no array per stride)
    for k in range(len(shape) - 1, 0, -1):
        strides[k - 1] = strides[k] * shape[k]
    flat = index if strides[dim] == 1 else index * strides[dim]  # only read, never written
    for k, n in enumerate(index.shape):
        if k != dim and n > 1:
            coords = np.arange(n) * strides[k]  # a stride may be 0 (an empty dim)
            flat = flat + coords.reshape((n,) + (1,) * (index.ndim - k - 1))
    return flat


def _write_at(target: np.ndarray, dim: int, index: np.ndarray, write) -> None:
    """``write(flat, positions)`` into ``target`` seen as one flat C-contiguous array (a
    strided target is written through a copy, then copied back)."""
    contiguous = target.flags.c_contiguous
    flat = (target if contiguous else np.ascontiguousarray(target)).reshape(-1)
    write(flat, _positions(index, dim, target.shape))
    if not contiguous:
        np.copyto(target, flat.reshape(target.shape))


def _selected(index: np.ndarray, dim: int) -> np.ndarray | None:
    """The 1-D index of an ``index_select`` (an index that repeats one vector along ``dim``
    across every other dim, as a broadcast view: stride 0 elsewhere), or None."""
    if index.ndim and index.size and all(s == 0 for k, s in enumerate(index.strides)
                                         if k != dim):
        return index[tuple(slice(None) if k == dim else 0 for k in range(index.ndim))]
    return None


def _arg_extremum(out: np.ndarray, x: np.ndarray, dim: int, arg, better, extremum) -> None:
    """``out = arg(x, dim)`` (np.argmax or np.argmin, keepdims): the first extremum, NaN
    counting as the extremum, as in PyTorch.

    NumPy reduces a short dim a few elements at a time. When that dim is the outermost of a
    contiguous array (max pooling's windows, laid out window element first), a scan over its
    rows is about twice as fast: each row that is strictly better than the best so far
    (so the first of equal values stays) takes its place and its index. An input with a NaN
    takes NumPy's path, which puts the first NaN first."""
    n = x.shape[dim] if x.ndim else 1
    if dim != 0 or not 1 < n <= 16 or x.size < 1024 or not x.flags.c_contiguous or \
            (x.dtype.kind == "f" and np.isnan(x).any()):
        np.copyto(out, arg(x, axis=dim, keepdims=True))
        return
    best, index = x[0].copy(), out[0]
    index.fill(0)
    for k in range(1, n):
        index[better(x[k], best)] = k
        extremum(best, x[k], out=best)


class CPUBackend(Backend):
    """Runs every primitive with NumPy on the host."""

    name = "cpu"
    # NumPy computes these on complex numbers as PyTorch does (principal branches for log
    # and sqrt); abs writes the magnitude into a real ``out``.
    complex_ops = frozenset({
        "fill", "copy", "where", "matmul", "gather", "scatter", "scatter_add",
        "neg", "abs", "exp", "log", "sqrt", "sin", "cos", "tanh",
        "add", "sub", "mul", "div", "pow", "eq", "ne", "sum", "prod", "fft", "eig",
    })

    def __init__(self) -> None:
        self.allocator = CPUAllocator()

    def device_name(self, index: int = 0) -> str:
        import platform

        return platform.processor() or platform.machine() or "cpu"

    def numpy_view(self, t) -> np.ndarray:
        """Zero-copy NumPy view used by ``Tensor.numpy()``."""
        return _np(t)

    def graph_recorder(self):
        """Graph capture replays the kernels' NumPy calls (``graphs.py``)."""
        from .graphs import CPURecorder

        return CPURecorder(self)

    # -- creation and copies --------------------------------------------------------------
    def fill(self, out, value):
        _np(out)[...] = value

    def copy(self, out, x):
        src = _np(x)
        if x.dtype.is_complex and not out.dtype.is_complex:
            src = src.real  # PyTorch's cast: the real part (NumPy's would also warn)
        np.copyto(_np(out), src, casting="unsafe")

    def random_uniform(self, out, seed, offset):
        words = philox_words(out.numel(), seed, offset)
        _np(out).reshape(-1)[:] = uniform_from_words(words, out.dtype.np)

    def random_normal(self, out, seed, offset):
        words = philox_words(out.numel(), seed, offset)
        _np(out).reshape(-1)[:] = normal_from_words(words, out.dtype.np)

    # -- elementwise (the table-driven ones are attached below the class) -----------------
    def sign(self, out, x):
        if x.dtype.name == "bool":
            np.copyto(_np(out), _np(x))
        else:
            np.sign(_np(x), out=_np(out))

    def sigmoid(self, out, x):
        _stable_sigmoid(_np(x), _np(out))

    def erf(self, out, x):
        np.copyto(_np(out), erf(_np(x).astype(np.float64)), casting="unsafe")

    @_quietly
    def pow(self, out, a, b):
        a, b, o = _operand(a), _operand(b), _np(out)
        if out.dtype.category >= 2 or not np.any(np.less(b, 0)):  # floating or complex
            np.power(a, b, out=o)
            return
        # NumPy refuses negative integer exponents; PyTorch (and our CUDA kernel) give the
        # truncated 1 / a^|b|: 0 unless a is 1 or -1
        odd = np.not_equal(np.bitwise_and(b, 1), 0)
        small = np.where(np.equal(a, 1), 1, np.where(np.equal(a, -1), 1 - 2 * odd, 0))
        np.copyto(o, np.where(np.less(b, 0), small, np.power(a, np.maximum(b, 0))),
                  casting="unsafe")

    def where(self, out, cond, a, b):
        o = _np(out)
        bits = _BITS.get(o.dtype.itemsize) if o.dtype.kind in "fiu" else None
        if bits is None:  # bool: NumPy's own select
            np.copyto(o, np.where(_np(cond), _operand(a), _operand(b)), casting="unsafe")
            return
        # An exact select on the raw bits, (a & m) | (b & ~m) with m all ones where cond
        # holds: about a third of np.where's cost, which NumPy does not vectorise. A zero
        # scalar operand (+0.0 or 0: all bits clear) drops its half: ReLU's backward,
        # where(out <= 0, 0, grad), is then two passes, ~m = cond - 1 and grad & ~m
        c = _np(cond).view(np.uint8)
        a, b, o = _bits(a, out.dtype.np, bits), _bits(b, out.dtype.np, bits), o.view(bits)
        mask = np.empty(o.shape, bits)
        if not (a.ndim or a):
            np.subtract(c, 1, mask, dtype=bits)
            np.bitwise_and(b, mask, o)
            return
        np.negative(c, mask, dtype=bits)
        np.bitwise_and(a, mask, o)
        if b.ndim or b:
            np.bitwise_and(b, np.invert(mask, mask), mask)
            np.bitwise_or(o, mask, o)

    # -- reductions (sum, prod, amax, amin: from the REDUCE table) -------------------------
    def argmax(self, out, x, dim):
        _arg_extremum(_np(out), _np(x), dim, np.argmax, np.greater, np.maximum)

    def argmin(self, out, x, dim):
        _arg_extremum(_np(out), _np(x), dim, np.argmin, np.less, np.minimum)

    # -- optional fused kernels for composites (OPTIONAL_KERNELS in the spec) -------------
    @_quietly  # a row of -inf gives NaN silently, as PyTorch
    def softmax(self, out, x, dim):
        t, o = _reduction_layout(_np(x), _np(out), dim)
        t -= np.maximum.reduce(t, axis=0)
        np.exp(t, t)
        t /= np.add.reduce(t, axis=0)
        np.copyto(o, t)

    @_quietly
    def log_softmax(self, out, x, dim):
        t, o = _reduction_layout(_np(x), _np(out), dim)
        t -= np.maximum.reduce(t, axis=0)
        np.subtract(t, np.log(np.add.reduce(np.exp(t), axis=0)), out=o)

    def sort(self, values_out, indices_out, x, dim, descending):
        a = _np(x)
        if not descending:  # NumPy's stable sort already puts NaN last
            order = np.argsort(a, axis=dim, kind="stable")
        else:
            # Negating fails for NaN (still last), ints (overflow) and bool. Instead sort the
            # reversed slice ascending and read the result backwards: largest (NaN) first,
            # and equal elements, reversed twice, back in their original order.
            last = a.shape[dim] - 1
            backwards = np.argsort(np.flip(a, dim), axis=dim, kind="stable")
            order = last - np.flip(backwards, dim)
        np.copyto(_np(indices_out), order)
        np.copyto(_np(values_out), np.take_along_axis(a, order, axis=dim))

    def fft(self, out, x, dims, inverse):
        # pocketfft through NumPy; norm="backward" scales the inverse by 1/n and "forward"
        # scales only the forward, so these two are the unscaled transforms the spec wants.
        # NumPy computes in complex128; the copy casts back to out's dtype.
        a = _np(x)
        result = (np.fft.ifftn(a, axes=dims, norm="forward") if inverse
                  else np.fft.fftn(a, axes=dims, norm="backward"))
        np.copyto(_np(out), result, casting="unsafe")

    # The factorisations: LAPACK through NumPy, batched over the leading dims.
    def svd(self, u_out, s_out, vh_out, x, full_matrices):
        a = _np(x)
        # LAPACK fails on a matrix with nan or inf (for the whole batch): the spec wants nan
        # outputs for that matrix, so factor 0 in its place, then overwrite its outputs
        bad = ~np.isfinite(a).all(axis=(-2, -1))
        if bad.any():
            a = np.where(bad[..., None, None], 0, a)
        outs = (s_out,) if u_out is None else (u_out, s_out, vh_out)
        results = ((np.linalg.svd(a, compute_uv=False),) if u_out is None
                   else np.linalg.svd(a, full_matrices=full_matrices))
        for out, result in zip(outs, results):
            np.copyto(_np(out), result)
            if bad.any():
                _np(out)[bad] = np.nan

    def qr(self, q_out, r_out, x, mode):
        if q_out is None:
            np.copyto(_np(r_out), np.linalg.qr(_np(x), mode="r"))
        else:
            q, r = np.linalg.qr(_np(x), mode=mode)
            np.copyto(_np(q_out), q)
            np.copyto(_np(r_out), r)

    def eigh(self, values_out, vectors_out, x, upper):
        uplo = "U" if upper else "L"
        if vectors_out is None:
            np.copyto(_np(values_out), np.linalg.eigvalsh(_np(x), UPLO=uplo))
        else:
            values, vectors = np.linalg.eigh(_np(x), UPLO=uplo)
            np.copyto(_np(values_out), values)
            np.copyto(_np(vectors_out), vectors)

    def eig(self, values_out, vectors_out, x):
        # NumPy calls geev in x's precision (sgeev/dgeev/cgeev/zgeev, as PyTorch does) and
        # returns real arrays when every eigenvalue of a real matrix is real: the copy casts
        # to the complex outputs
        if vectors_out is None:
            np.copyto(_np(values_out), np.linalg.eigvals(_np(x)))
        else:
            values, vectors = np.linalg.eig(_np(x))
            np.copyto(_np(values_out), values)
            np.copyto(_np(vectors_out), vectors)

    # -- linear algebra and indexing ------------------------------------------------------
    def matmul(self, out, a, b):
        np.matmul(_np(a), _np(b), out=_np(out))

    def gather(self, out, x, dim, index):
        x, index, out = _np(x), _np(index), _np(out)
        rows = _selected(index, dim)
        # the core checked the indices: mode="clip" writes straight into out, where the
        # default mode="raise" takes into a scratch buffer first, then copies
        if rows is not None:  # index_select: whole slices, as one take
            np.take(x, rows, axis=dim, out=out, mode="clip")
        else:
            x = np.ascontiguousarray(x)
            np.take(x.reshape(-1), _positions(index, dim, x.shape), out=out, mode="clip")

    def scatter(self, out, dim, index, src):
        def assign(flat, positions):
            flat[positions] = _np(src)
        _write_at(_np(out), dim, _np(index), assign)

    def scatter_add(self, out, dim, index, src):
        def add(flat, positions):  # 1-D positions: NumPy's fast path of ufunc.at
            np.add.at(flat, positions.reshape(-1), _np(src).reshape(-1))
        _write_at(_np(out), dim, _np(index), add)


# The kernels that are one NumPy call each, straight from the tables above.
for _op, _fn in UNARY.items():
    setattr(CPUBackend, _op, _unary_kernel(_op, _fn))
for _op, _fn in BINARY.items():
    setattr(CPUBackend, _op, _binary_kernel(_op, _fn))
for _op, _fn in REDUCE.items():
    setattr(CPUBackend, _op, _reduce_kernel(_fn))
