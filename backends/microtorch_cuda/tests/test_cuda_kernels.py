"""The CUDA backend's kernels against NumPy: on a GPU when there is one, and always on the
CPU emulator.

``CUDABackend(driver=EmulatedDriver())`` is the real backend with the GPU replaced by
``microtorch_cuda/emulator/runtime.h`` (one OS thread per CUDA thread). Same Python, same CUDA C
source text as on a GPU, so these tests check index arithmetic, strides and broadcasting,
tiling, reductions and the kernels' argument formats on machines without a GPU. The emulator
caps grids at a few blocks, so every grid-stride loop runs several rounds. What it cannot
check: timing, real warp scheduling, and hardware-specific math precision; the ``gpu``
parameter runs the same tests on the real device (skipped, with the backend's reason, where
it cannot run).

Tensors here are ``DeviceArray`` (the fields a kernel reads), as the core is not involved.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from microtorch_core import dtypes
from microtorch_core.random import normal_from_words, philox_words, uniform_from_words

from microtorch_cuda.backend import CUDABackend
from microtorch_cuda.compiler import OPS
from microtorch_cuda.emulator import EmulatedDriver, find_cxx
from microtorch_cuda.launch import DeviceArray

ALL = ["float32", "float64", "int64", "int32", "bool"]
COMPLEX = ["complex64", "complex128"]
rng = np.random.default_rng(0)


@pytest.fixture(scope="module", params=["emulator", "gpu"])
def be(request: pytest.FixtureRequest) -> CUDABackend:
    if request.param == "gpu":
        availability = CUDABackend.availability()
        if not availability.ok:
            pytest.skip(f"CUDA backend unavailable: {availability.reason}")
        backend = CUDABackend()
        backend.precompile()
        return backend
    if find_cxx() is None:
        pytest.skip("the CUDA emulator needs a C++20 compiler (g++)")
    backend = CUDABackend(driver=EmulatedDriver())
    backend.precompile()  # build every module once, in parallel
    return backend


# -- helpers --------------------------------------------------------------------------------
def dev(be: CUDABackend, a: np.ndarray) -> DeviceArray:
    """A dense device copy of ``a``."""
    a = np.ascontiguousarray(a)
    storage = be.allocator.allocate(a.nbytes)
    be.allocator.copy_from_host(storage, a.reshape(-1).view(np.uint8))
    return DeviceArray(a.shape, tuple(s // a.itemsize for s in a.strides), 0, storage,
                       dtypes.from_numpy(a.dtype))


def view(t: DeviceArray, shape, strides, offset=0) -> DeviceArray:
    return DeviceArray(shape, strides, t._offset + offset, t._storage, t.dtype)


def transposed(be, a: np.ndarray) -> DeviceArray:
    """``a`` stored transposed, viewed back as ``a`` (a non-contiguous operand)."""
    t = dev(be, np.ascontiguousarray(a.T))
    return view(t, a.shape, tuple(reversed(t._strides)))


def host(be, t: DeviceArray) -> np.ndarray:
    raw = be.allocator.copy_to_host(t._storage, t._storage.nbytes).view(t.dtype.np)
    item = t.dtype.itemsize
    return np.lib.stride_tricks.as_strided(raw[t._offset:], t.shape,
                                           [s * item for s in t._strides]).copy()


def empty(be, shape, dtype: str) -> DeviceArray:
    return be._empty(tuple(shape), dtypes.from_name(dtype))


def sample(shape, dtype: str, positive: bool = False) -> np.ndarray:
    if dtype == "bool":
        return rng.random(shape) < 0.5
    if dtype in ("int64", "int32"):
        return rng.integers(1 if positive else -5, 6, shape).astype(dtype)
    low = 0.1 if positive else -2.0
    if dtype in COMPLEX:
        return (rng.uniform(low, 2.0, shape) + 1j * rng.uniform(-2.0, 2.0, shape)).astype(dtype)
    return rng.uniform(low, 2.0, shape).astype(dtype)


def close(got, want, dtype):
    if dtype in ("float32", "float64", *COMPLEX):
        tol = 1e-12 if dtype in ("float64", "complex128") else 1e-5
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol, equal_nan=True)
    else:
        np.testing.assert_array_equal(got, want)


def supported(op):
    return OPS[op][1]


REAL_PART = {"complex64": "float32", "complex128": "float64"}


# -- elementwise ----------------------------------------------------------------------------
UNARY_REF = {
    "neg": np.negative, "abs": np.abs, "exp": np.exp, "log": np.log,
    "sign": lambda x: x if x.dtype == bool else np.sign(x),  # PyTorch: sign(bool) is itself
    "sqrt": np.sqrt, "sin": np.sin, "cos": np.cos, "tanh": np.tanh,
    "sigmoid": lambda x: 1 / (1 + np.exp(-x)), "erf": np.vectorize(math.erf, otypes=[float]),
}


@pytest.mark.parametrize("op", sorted(UNARY_REF))
def test_unary_matches_numpy_contiguous_and_transposed(be, op):
    for dtype in supported(op):
        a = sample((37, 5), dtype, positive=op in ("log", "sqrt"))
        out_dtype = REAL_PART.get(dtype, dtype) if op == "abs" else dtype  # |z| is real
        want = UNARY_REF[op](a).astype(out_dtype)
        out = empty(be, a.shape, out_dtype)
        getattr(be, op)(out, dev(be, a))
        close(host(be, out), want, out_dtype)
        getattr(be, op)(out, transposed(be, a))
        close(host(be, out), want, out_dtype)


def test_unary_edge_values(be):
    x = np.array([np.nan, -np.inf, np.inf, -0.0, 0.0, -800.0, 800.0], np.float64)
    for op, ref in [("sigmoid", lambda v: 1 / (1 + np.exp(-v))), ("sign", np.sign),
                    ("abs", np.abs)]:
        out = empty(be, x.shape, "float64")
        with np.errstate(over="ignore"):
            getattr(be, op)(out, dev(be, x))
            np.testing.assert_array_equal(host(be, out), ref(x))


BINARY_REF = {
    "add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide,
    "pow": np.power, "maximum": np.maximum, "minimum": np.minimum,
}
BOOL_REF = {"add": np.logical_or, "mul": np.logical_and, "maximum": np.logical_or,
            "minimum": np.logical_and}


def binary_ref(op, a, b, dtype):
    if dtype == "bool" and op in BOOL_REF:
        return BOOL_REF[op](a, b)
    if op in ("eq", "ne", "lt", "le", "gt", "ge"):
        return getattr(np, {"eq": "equal", "ne": "not_equal", "lt": "less", "le": "less_equal",
                            "gt": "greater", "ge": "greater_equal"}[op])(a, b)
    with np.errstate(all="ignore"):
        return np.asarray(BINARY_REF[op](a, b)).astype(dtype)


BINARY_OPS = list(BINARY_REF) + ["eq", "ne", "lt", "le", "gt", "ge"]


@pytest.mark.parametrize("op", BINARY_OPS)
def test_binary_tensor_tensor_with_broadcast_and_views(be, op):
    for dtype in supported(op):
        out_dtype = "bool" if op in ("eq", "ne", "lt", "le", "gt", "ge") else dtype
        a = sample((6, 7), dtype, positive=op == "pow")
        b = sample((6, 7), dtype, positive=op == "pow")
        if op == "pow" and dtype not in ("bool", *COMPLEX):
            b = np.abs(b) % 4  # integer powers: non-negative exponents
        out = empty(be, a.shape, out_dtype)
        getattr(be, op)(out, dev(be, a), dev(be, b))  # contiguous
        close(host(be, out), binary_ref(op, a, b, dtype), out_dtype)
        getattr(be, op)(out, transposed(be, a), dev(be, b))  # strided
        close(host(be, out), binary_ref(op, a, b, dtype), out_dtype)
        row = dev(be, b[0])  # broadcast along dim 0: stride 0
        getattr(be, op)(out, dev(be, a), view(row, (6, 7), (0, 1)))
        close(host(be, out), binary_ref(op, a, np.broadcast_to(b[0], a.shape), dtype), out_dtype)


@pytest.mark.parametrize("op", BINARY_OPS)
def test_binary_with_python_scalar_on_either_side(be, op):
    for dtype in supported(op):
        out_dtype = "bool" if op in ("eq", "ne", "lt", "le", "gt", "ge") else dtype
        a = sample((33,), dtype, positive=op == "pow")
        s = {"bool": True, "int64": 2, "int32": 3, "complex64": 1.5 - 0.5j,
             "complex128": -0.25 + 2j}.get(dtype, 1.5)
        out = empty(be, a.shape, out_dtype)
        getattr(be, op)(out, dev(be, a), s)
        close(host(be, out), binary_ref(op, a, np.array(s, dtype), dtype), out_dtype)
        getattr(be, op)(out, s, dev(be, a))
        close(host(be, out), binary_ref(op, np.array(s, dtype), a, dtype), out_dtype)


def test_maximum_minimum_and_comparisons_with_nan(be):
    a = np.array([1.0, np.nan, 3.0, np.nan], np.float32)
    b = np.array([np.nan, 2.0, 1.0, np.nan], np.float32)
    for op in ("maximum", "minimum", "eq", "ne", "lt", "ge"):
        out = empty(be, a.shape, "float32" if op in ("maximum", "minimum") else "bool")
        getattr(be, op)(out, dev(be, a), dev(be, b))
        np.testing.assert_array_equal(host(be, out), binary_ref(op, a, b, "float32"))


def test_inplace_add_into_strided_out(be):
    a = sample((8, 9), "float32")
    t = transposed(be, a)  # out is a non-contiguous view and also an input
    be.add(t, t, 1.0)
    close(host(be, t), a + 1, "float32")


def test_elementwise_grid_stride_covers_large_tensors(be):
    a = sample((100_003,), "float32")  # far more than 3 blocks x 256 threads x 4
    out = empty(be, a.shape, "float32")
    be.mul(out, dev(be, a), 2.0)
    close(host(be, out), a * 2, "float32")


def test_elementwise_more_than_eight_dims_that_do_not_collapse(be):
    a = sample((2,) * 10, "float64")
    perm = tuple(reversed(range(10)))
    t = dev(be, np.ascontiguousarray(a.transpose(perm)))
    x = view(t, a.shape, tuple(t._strides[p] for p in perm))  # a, stored reversed
    out = empty(be, a.shape, "float64")
    be.neg(out, x)
    close(host(be, out), -a, "float64")


@pytest.mark.parametrize("src", ALL)
def test_copy_casts_every_dtype_pair(be, src):
    values = np.array([0, 1, -1, 2.7, -2.7, 0.5, 100.0, 7.0])
    a = values.astype(src)
    for dst in ALL:
        out = empty(be, (2, 8), dst)
        be.copy(out, view(dev(be, a), (2, 8), (0, 1)))  # broadcast source: strided kernel
        close(host(be, out), np.broadcast_to(a.astype(dst), (2, 8)), dst)
        out = empty(be, a.shape, dst)
        be.copy(out, dev(be, a))  # dense: kernel, or the driver copy when dtypes match
        close(host(be, out), a.astype(dst), dst)


def test_fill_dense_and_strided(be):
    for dtype, value in [("float32", 2.5), ("int64", -7), ("bool", True), ("int32", 3)]:
        t = dev(be, np.zeros((5, 6), dtype))
        be.fill(view(t, (5, 3), (6, 2), offset=1), value)  # every other column from 1
        want = np.zeros((5, 6), dtype)
        want[:, 1::2] = value
        close(host(be, t), want, dtype)


def test_where_with_tensors_scalars_and_broadcast_cond(be):
    cond = rng.random((4, 5)) < 0.5
    a, b = sample((4, 5), "float32"), sample((4, 5), "float32")
    out = empty(be, (4, 5), "float32")
    be.where(out, dev(be, cond), dev(be, a), dev(be, b))
    close(host(be, out), np.where(cond, a, b), "float32")
    be.where(out, view(dev(be, cond[0]), (4, 5), (0, 1)), 1.0, dev(be, b))
    close(host(be, out), np.where(cond[0], 1.0, b), "float32")
    out = empty(be, (4, 5), "int64")
    be.where(out, dev(be, cond), 3, -4)
    close(host(be, out), np.where(cond, 3, -4), "int64")


# -- reductions -----------------------------------------------------------------------------
REDUCE_REF = {"sum": np.sum, "prod": np.prod, "amax": np.max, "amin": np.min}
BOOL_REDUCE_REF = {"sum": np.any, "prod": np.all, "amax": np.any, "amin": np.all}


def reduce_check(be, op, a, dims, x=None):
    dtype = a.dtype.name
    out = empty(be, [1 if d in dims else n for d, n in enumerate(a.shape)], dtype)
    getattr(be, op)(out, dev(be, a) if x is None else x, tuple(dims))
    ref = (BOOL_REDUCE_REF if dtype == "bool" else REDUCE_REF)[op]
    want = ref(a, axis=tuple(dims), keepdims=True).astype(dtype)
    if dtype == "float32" and op in ("sum", "prod"):
        np.testing.assert_allclose(host(be, out), want, rtol=2e-5, atol=1e-4)
    else:
        close(host(be, out), want, dtype)


@pytest.mark.parametrize("op", sorted(REDUCE_REF))
@pytest.mark.parametrize("dims", [(0,), (1,), (2,), (0, 2), (1, 2), (0, 1, 2)])
def test_reductions_over_any_dims(be, op, dims):
    for dtype in ALL:
        a = sample((5, 6, 7), dtype)
        if op == "prod" and dtype in ("float32", "float64"):
            a = rng.uniform(0.8, 1.2, a.shape).astype(dtype)
        reduce_check(be, op, a, dims)


@pytest.mark.parametrize("op", sorted(REDUCE_REF))
def test_reductions_of_transposed_input(be, op):
    a = sample((9, 40), "float64")
    for dims in [(0,), (1,)]:
        reduce_check(be, op, a, dims, x=transposed(be, a))


@pytest.mark.parametrize("shape,dims", [((2, 10_000), (1,)),      # few rows: split rows
                                        ((20_000, 40), (0,)),      # columns: split columns
                                        ((30_001,), (0,))])        # everything into one
def test_split_reductions_match(be, shape, dims):
    for dtype in ("float64", "int64"):
        a = sample(shape, dtype)
        reduce_check(be, "sum", a, dims)
        reduce_check(be, "amax", a, dims)


def test_reduction_of_empty_dim_gives_identity(be):
    a = np.zeros((3, 0), np.float32)
    for op, value in [("sum", 0.0), ("prod", 1.0)]:
        out = empty(be, (3, 1), "float32")
        getattr(be, op)(out, dev(be, a), (1,))
        np.testing.assert_array_equal(host(be, out), np.full((3, 1), value, np.float32))


def test_amax_propagates_nan(be):
    a = np.array([[1.0, np.nan, 3.0], [4.0, 5.0, 6.0]])
    out = empty(be, (2, 1), "float64")
    be.amax(out, dev(be, a), (1,))
    np.testing.assert_array_equal(host(be, out), [[np.nan], [6.0]])


def test_reduction_over_many_non_collapsible_dims(be):
    a = sample((2,) * 10, "float64")
    perm = tuple(reversed(range(10)))
    t = dev(be, np.ascontiguousarray(a.transpose(perm)))
    x = view(t, a.shape, tuple(t._strides[p] for p in perm))
    reduce_check(be, "sum", a, (0, 2, 4, 6, 8), x=x)


@pytest.mark.parametrize("op", ["argmax", "argmin"])
def test_arg_reductions_first_occurrence(be, op):
    ref = getattr(np, op)
    for dtype in ALL:
        a = rng.integers(0, 3, (40, 37)).astype(dtype)  # many ties
        for dim in (0, 1):
            for x in (dev(be, a), transposed(be, a)):
                out = empty(be, [1 if d == dim else n for d, n in enumerate(a.shape)], "int64")
                getattr(be, op)(out, x, dim)
                np.testing.assert_array_equal(host(be, out), ref(a, axis=dim, keepdims=True))


def test_argmax_nan_wins_and_output_without_reduced_dim(be):
    a = np.array([[1.0, np.nan, 5.0, np.nan], [2.0, 9.0, 9.0, 0.0]])
    out = empty(be, (2,), "int64")
    be.argmax(out, dev(be, a), 1)
    np.testing.assert_array_equal(host(be, out), [1, 1])
    be.argmin(out, dev(be, a), 1)
    np.testing.assert_array_equal(host(be, out), [1, 3])


# -- matmul ---------------------------------------------------------------------------------
@pytest.mark.parametrize("m,k,n", [(1, 1, 1), (130, 9, 70), (5, 0, 3), (64, 300, 129)])
def test_matmul_shapes_not_multiple_of_tiles(be, m, k, n):
    for dtype in ("float64", "float32", "int64", "int32"):
        a, b = sample((m, k), dtype), sample((k, n), dtype)
        out = empty(be, (m, n), dtype)
        be.matmul(out, dev(be, a), dev(be, b))
        want = (a.astype(np.float64) @ b.astype(np.float64)).astype(dtype)
        np.testing.assert_allclose(host(be, out), want, rtol=1e-5, atol=1e-4)


def test_matmul_batched_broadcast_transposed_and_strided_out(be):
    a = sample((3, 17, 11), "float64")
    b = sample((11, 19), "float64")
    b_t = transposed(be, b)  # needs the dense copy first
    b_batched = view(b_t, (3, 11, 19), (0,) + b_t._strides)  # broadcast batch: stride 0
    big = dev(be, np.zeros((3, 19, 17)))
    out = view(big, (3, 17, 19), (19 * 17, 1, 17))  # out transposed per batch
    be.matmul(out, dev(be, a), b_batched)
    close(host(be, out), a @ b, "float64")


def test_matmul_many_batches_grid_stride(be):
    a, b = sample((7, 2, 3), "int64"), sample((7, 3, 2), "int64")
    out = empty(be, (7, 2, 2), "int64")
    be.matmul(out, dev(be, a), dev(be, b))  # gridDim.z capped at 2 by the emulator
    close(host(be, out), a @ b, "int64")


# -- indexing -------------------------------------------------------------------------------
@pytest.mark.parametrize("dim", [0, 1, 2, -1])
def test_gather_matches_take_along_axis(be, dim):
    for dtype in ALL:
        x = sample((4, 5, 6), dtype)
        index = rng.integers(-x.shape[dim], x.shape[dim], (4, 3, 6) if dim == 1 else x.shape)
        out = empty(be, index.shape, dtype)
        be.gather(out, dev(be, x), dim, dev(be, index))
        axis = dim % 3
        close(host(be, out), np.take_along_axis(x, index % x.shape[axis], axis), dtype)


def test_scatter_and_scatter_add_with_repeated_indices(be):
    for dtype in ("float32", "float64", "int64", "int32"):
        src = sample((4, 6), dtype)
        index = rng.integers(0, 3, (4, 6))
        out = dev(be, np.ones((3, 6), dtype))
        be.scatter_add(out, 0, dev(be, index), dev(be, src))
        want = np.ones((3, 6), dtype)
        np.add.at(want, (index, np.arange(6)[None, :].repeat(4, 0)), src)
        close(host(be, out), want, dtype)
    src = sample((3, 4), "int64")
    index = np.array([[2, 0, 1, 3]] * 3)  # a permutation per row: no repeats
    out = dev(be, np.zeros((3, 4), np.int64))
    be.scatter(out, 1, dev(be, index), dev(be, src))
    want = np.zeros((3, 4), np.int64)
    np.put_along_axis(want, index, src, 1)
    close(host(be, out), want, "int64")


# -- sort -----------------------------------------------------------------------------------
def stable_order(a: np.ndarray, axis: int, descending: bool) -> np.ndarray:
    """The indices of a stable sort of ``a`` along ``axis``, NaN largest: NumPy's stable
    argsort ascending; descending, a lexsort on (-rank, position), so that equal values keep
    their order (reversing an ascending sort would reverse them)."""
    if not descending:
        return np.argsort(a, axis=axis, kind="stable")
    rows = np.moveaxis(a, axis, -1)
    flat = rows.reshape(-1, rows.shape[-1])
    order = np.empty(flat.shape, np.int64)
    for r, row in enumerate(flat):
        nan = np.isnan(row) if row.dtype.kind == "f" else np.zeros(row.shape, bool)
        _, rank = np.unique(np.where(nan, 0, row), return_inverse=True)
        rank = np.where(nan, rank.max(initial=0) + 1, rank)  # NaN above every value
        order[r] = np.lexsort((np.arange(row.size), -rank))
    return np.moveaxis(order.reshape(rows.shape), -1, axis)


def tied_sample(shape, dtype: str) -> np.ndarray:
    """Few distinct values (many ties); for floats also NaNs, -0.0 and 0.0, and infinities."""
    if dtype == "bool":
        return rng.random(shape) < 0.5
    a = rng.integers(-3, 4, shape).astype(dtype)
    if dtype in ("float32", "float64"):
        special = np.array([np.nan, -0.0, 0.0, np.inf, -np.inf], dtype)
        mask = rng.random(shape) < 0.3
        a[mask] = rng.choice(special, mask.sum())
    return a


def sort_check(be, a: np.ndarray, dim: int, descending: bool, x=None, values=None,
               indices=None) -> None:
    """Sort ``a`` (or its device view ``x``) into ``values``/``indices`` (dense by default)
    and compare with the stable reference: the indices exactly, the values bit for bit."""
    dtype = a.dtype.name
    x = dev(be, a) if x is None else x
    values = empty(be, a.shape, dtype) if values is None else values
    indices = empty(be, a.shape, "int64") if indices is None else indices
    be.sort(values, indices, x, dim % a.ndim, descending)
    want = stable_order(a, dim, descending)
    np.testing.assert_array_equal(host(be, indices), want)
    np.testing.assert_array_equal(host(be, values), np.take_along_axis(a, want, dim))


@pytest.mark.parametrize("descending", [False, True])
def test_sort_is_stable_with_nan_largest_for_every_dtype(be, descending):
    for dtype in ALL:
        sort_check(be, tied_sample((5, 37), dtype), -1, descending)


@pytest.mark.parametrize("n", [1, 2, 3, 2048])
def test_sort_rows_up_to_the_shared_memory_limit(be, n):
    sort_check(be, tied_sample((3, n), "float64"), 1, descending=n % 2 == 0)


def test_sort_dim_not_last_with_strided_input_and_outputs(be):
    a = tied_sample((4, 9, 6), "float32")  # sort along dim 1 of a transposed copy
    x = dev(be, np.ascontiguousarray(a.transpose(2, 1, 0)))
    x = view(x, a.shape, tuple(reversed(x._strides)))
    values = view(empty(be, (6, 9, 8), "float32"), a.shape, (2, 48, 8))  # every other column
    indices = view(empty(be, (9, 4, 6), "int64"), a.shape, (6, 24, 1))  # dims 0, 1 swapped
    sort_check(be, a, 1, True, x=x, values=values, indices=indices)
    sort_check(be, tied_sample((4, 9, 6), "int32"), 0, False)


def test_sort_long_rows_use_the_global_network(be):
    sort_check(be, tied_sample((4100,), "float32"), 0, descending=True)  # padded to 8192
    a = tied_sample((2049, 2), "int64")  # two rows along dim 0, padded to 4096
    sort_check(be, a, 0, descending=False, x=transposed(be, a))


def test_sort_long_rows_of_several_rows_cross_tiles_in_both_directions(be):
    # padded 8192 = 4 tiles of 2048: stages at distance 4096 and 2048 run in global memory,
    # all others inside the tiles; three rows check the tile-to-row arithmetic
    for descending in (False, True):
        sort_check(be, tied_sample((3, 5000), "float64"), 1, descending)


def test_sort_of_empty_tensors_writes_nothing(be):
    for shape, dim in (((0, 5), 1), ((3, 0), 1)):
        be.sort(empty(be, shape, "float32"), empty(be, shape, "int64"),
                dev(be, np.zeros(shape, np.float32)), dim, False)


@pytest.fixture
def emulated_cuda_device():
    """Device ``cuda`` served by the CUDA backend on the CPU emulator, for one core test."""
    if find_cxx() is None:
        pytest.skip("the CUDA emulator needs a C++20 compiler (g++)")
    from microtorch_core.registry import registry

    from microtorch_cuda.emulator.backend import EmulatedCUDABackend

    registry.list_backends()  # load the entry points first, so ours is not shadowed later
    registry.register_backend("cuda", type("EmulatedAsCuda", (EmulatedCUDABackend,),
                                           {"name": "cuda"}), override=True)
    yield
    registry.reload()


def test_core_sort_on_cuda_matches_the_cpu(emulated_cuda_device):
    import microtorch_core as mt

    cases = [((6, 7), -1, False), ((6, 7), 0, True), ((4100,), 0, False)]  # 4100: over the
    for shape, dim, descending in cases:  # composite's 4096 limit, so the kernel ran
        x = mt.tensor(tied_sample(shape, "float32"))
        want = mt.sort(x, dim, descending=descending)
        got = mt.sort(x.to("cuda"), dim, descending=descending)
        assert got.values.device.type == "cuda"
        np.testing.assert_array_equal(got.values.cpu().numpy(), want.values.numpy())
        np.testing.assert_array_equal(got.indices.cpu().numpy(), want.indices.numpy())


# -- random ---------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_random_matches_the_philox_reference(be, dtype):
    seed, offset, n = 0x1234_5678_9ABC, 2**32 - 3, 1000  # offset crosses a 32-bit carry
    words = philox_words(n, seed, offset)
    out = empty(be, (n,), dtype)
    be.random_uniform(out, seed, offset)
    np.testing.assert_array_equal(host(be, out), uniform_from_words(words, np.dtype(dtype)))
    be.random_normal(out, seed, offset)
    np.testing.assert_allclose(host(be, out), normal_from_words(words, np.dtype(dtype)),
                               rtol=1e-6 if dtype == "float32" else 1e-12, atol=1e-6)


def test_philox_known_answer(be):
    out = empty(be, (1,), "float64")
    be.random_uniform(out, 0, 0)  # counter 0, key 0: r0 = 0x6627e8d5, r1 = 0xe169c58d
    assert host(be, out)[0] == ((0x6627E8D5 << 32 | 0xE169C58D) >> 11) * 2.0**-53


# -- complex64 / complex128 -----------------------------------------------------------------
# The generic tests above cover the listed elementwise ops for complex dtypes too (through
# OPS); these check what is particular to complex numbers.
def test_complex_kernels_are_exactly_the_backends_complex_ops():
    assert CUDABackend.complex_ops == {op for op, (_, dtypes) in OPS.items()
                                       if "complex64" in dtypes}
    assert all(("complex64" in d) == ("complex128" in d) for _, d in OPS.values())
    assert not CUDABackend.complex_ops & {"lt", "amax", "argmax", "maximum", "sign", "sort"}


@pytest.mark.parametrize("src", ALL + COMPLEX)
def test_copy_between_real_and_complex_dtypes(be, src):
    a = np.array([0, 1, -1, 2.7, -2.7, 0.5, 100.0, 7.0]).astype(src)
    if src in COMPLEX:
        a = a + np.array([0, -1, 3, 0.5, -0.0, 2, 1, -7], src) * 1j
    for dst in ALL + COMPLEX:
        if dst not in COMPLEX and src not in COMPLEX:
            continue  # real to real: test_copy_casts_every_dtype_pair
        # complex to real keeps the real part (also for bool: real part != 0), as PyTorch.
        want = (a.real if src in COMPLEX and dst not in COMPLEX else a).astype(dst)
        out = empty(be, (2, 8), dst)
        be.copy(out, view(dev(be, a), (2, 8), (0, 1)))  # broadcast source: strided kernel
        close(host(be, out), np.broadcast_to(want, (2, 8)), dst)
        out = empty(be, a.shape, dst)
        be.copy(out, dev(be, a))
        close(host(be, out), want, dst)


def test_complex_fill_and_where_take_python_complex_numbers(be):
    for dtype in COMPLEX:
        t = dev(be, np.zeros((5, 6), dtype))
        be.fill(view(t, (5, 3), (6, 2), offset=1), 1.5 - 2j)
        want = np.zeros((5, 6), dtype)
        want[:, 1::2] = 1.5 - 2j
        close(host(be, t), want, dtype)
        be.fill(t, 3)  # an int fills the real part
        close(host(be, t), np.full((5, 6), 3, dtype), dtype)
        cond = rng.random((4, 5)) < 0.5
        b = sample((4, 5), dtype)
        out = empty(be, (4, 5), dtype)
        be.where(out, view(dev(be, cond[0]), (4, 5), (0, 1)), -1j, dev(be, b))
        close(host(be, out), np.where(cond[0], -1j, b).astype(dtype), dtype)


def test_complex_functions_on_branch_cuts_zeros_and_large_values(be):
    # Signed zeros pick the side of the cut of log and sqrt along the negative real axis;
    # tanh of a large real part must not overflow to nan.
    z = np.array([0, complex(-0.0, 0), complex(0, -0.0), -1, complex(-1, -0.0), -4,
                  complex(-4, -0.0), 1j, -1j, 3 + 4j, -2.5 + 0.1j, 1e-30 + 1e-30j, 30 + 1j,
                  -30 - 2j, 400 - 3j, 1e20 + 1e20j])
    for dtype in COMPLEX:
        x = z.astype(dtype)
        for op in ("exp", "log", "sqrt", "sin", "cos", "tanh"):
            out = empty(be, x.shape, dtype)
            getattr(be, op)(out, dev(be, x))
            with np.errstate(all="ignore"):
                want = UNARY_REF[op](x)
            got = host(be, out)
            finite = np.isfinite(want)
            rtol = 1e-12 if dtype == "complex128" else 2e-6
            np.testing.assert_allclose(got[finite], want[finite], rtol=rtol, atol=1e-30,
                                       err_msg=f"{op} {dtype}")
            assert (np.signbit(got.imag) == np.signbit(want.imag))[want.imag == 0].all(), op
        out = empty(be, x.shape, REAL_PART[dtype])
        be.abs(out, dev(be, x))
        close(host(be, out), np.abs(x), REAL_PART[dtype])


def test_complex_pow_special_cases_follow_numpy(be):
    # a^0 = 1, 0^b = 0 for Re b > 0 and nan otherwise, exact small integer powers.
    a = np.array([0, 0, 0, 0, 1j, 1 + 1j, -2, 2 - 1j, 0.5j, 3 + 4j], np.complex128)
    b = np.array([0, 2 + 1j, -1, 1j, 2, 3, -2, -3, 0.5 + 0.5j, 1.5 - 2j], np.complex128)
    for dtype in COMPLEX:
        out = empty(be, a.shape, dtype)
        be.pow(out, dev(be, a.astype(dtype)), dev(be, b.astype(dtype)))
        with np.errstate(all="ignore"):
            want = np.power(a.astype(dtype), b.astype(dtype))
        close(host(be, out), want, dtype)


def test_complex_div_by_zero_and_huge_divisors_follow_numpy(be):
    a = np.array([1 + 1j, 1e300 + 1e300j, 2 - 3j, 0j], np.complex128)
    b = np.array([0j, 1e300 - 1e300j, 1e-300 + 1e-300j, 0j], np.complex128)
    out = empty(be, a.shape, "complex128")
    be.div(out, dev(be, a), dev(be, b))
    with np.errstate(all="ignore"):
        close(host(be, out), a / b, "complex128")


@pytest.mark.parametrize("op", ["sum", "prod"])
@pytest.mark.parametrize("shape,dims", [((5, 6, 7), (1,)), ((5, 6, 7), (0, 2)),
                                        ((2, 10_000), (1,)), ((20_000, 4), (0,))])
def test_complex_sum_and_prod_over_dims(be, op, shape, dims):
    for dtype in COMPLEX:
        a = sample(shape, dtype)
        if op == "prod":  # on the unit circle: products of many stay finite
            a = np.exp(1j * rng.uniform(-3, 3, shape)).astype(dtype)
        out = empty(be, [1 if d in dims else n for d, n in enumerate(shape)], dtype)
        getattr(be, op)(out, dev(be, a), dims)
        want = REDUCE_REF[op](a.astype(np.complex128), axis=dims, keepdims=True)
        tol = 1e-4 if dtype == "complex64" else 1e-10
        np.testing.assert_allclose(host(be, out), want, rtol=tol, atol=tol)


@pytest.mark.parametrize("m,k,n", [(1, 1, 1), (130, 9, 70), (5, 0, 3), (65, 20, 129)])
def test_complex_matmul_without_conjugation_across_tiles(be, m, k, n):
    # complex128 uses 64 x 64 tiles (matmul.cu): 65 and 129 cross a tile edge for both sizes.
    for dtype in COMPLEX:
        a, b = sample((2, m, k), dtype), sample((k, n), dtype)
        out = empty(be, (2, m, n), dtype)
        be.matmul(out, dev(be, a), view(dev(be, b), (2, k, n), (0, n, 1)))
        want = a.astype(np.complex128) @ b.astype(np.complex128)
        tol = 1e-4 if dtype == "complex64" else 1e-10
        np.testing.assert_allclose(host(be, out), want, rtol=tol, atol=tol)


def test_complex_gather_scatter_and_scatter_add(be):
    for dtype in COMPLEX:
        x = sample((4, 5), dtype)
        index = rng.integers(-5, 5, (4, 3))
        out = empty(be, index.shape, dtype)
        be.gather(out, dev(be, x), 1, dev(be, index))
        close(host(be, out), np.take_along_axis(x, index % 5, 1), dtype)
        src = sample((4, 6), dtype)
        index = rng.integers(0, 3, (4, 6))  # repeats: the adds must all land
        out = dev(be, np.ones((3, 6), dtype))
        be.scatter_add(out, 0, dev(be, index), dev(be, src))
        want = np.ones((3, 6), dtype)
        np.add.at(want, (index, np.arange(6)[None, :].repeat(4, 0)), src)
        close(host(be, out), want, dtype)
        index = np.array([[2, 0, 1, 3]] * 3)  # a permutation per row: no repeats
        out = dev(be, np.zeros((3, 4), dtype))
        be.scatter(out, 1, dev(be, index), dev(be, src[:3, :4]))
        want = np.zeros((3, 4), dtype)
        np.put_along_axis(want, index, src[:3, :4], 1)
        close(host(be, out), want, dtype)


def test_complex_abs_into_a_complex_out_is_refused(be):
    x = dev(be, np.ones(3, np.complex64))
    with pytest.raises(TypeError, match="abs of a complex64 tensor writes its float32 "
                                        "magnitude; got out of dtype complex64"):
        be.abs(empty(be, (3,), "complex64"), x)


# -- errors and interop ---------------------------------------------------------------------
def test_unsupported_dtypes_raise_clear_errors(be):
    x = dev(be, np.arange(4, dtype=np.int64))
    with pytest.raises(TypeError, match="op 'exp' does not support dtype int64"):
        be.exp(empty(be, (4,), "int64"), x)
    b = dev(be, np.ones((2, 2), bool))
    with pytest.raises(TypeError, match="op 'matmul' does not support dtype bool"):
        be.matmul(empty(be, (2, 2), "bool"), b, b)
    with pytest.raises(TypeError, match="op 'scatter_add' does not support dtype bool"):
        be.scatter_add(b, 0, dev(be, np.zeros((2, 2), np.int64)), b)


def test_cuda_array_interface_describes_the_view(be):
    t = dev(be, np.zeros((3, 4), np.float32))
    dense = be.cuda_array_interface(t)
    assert dense["version"] == 3 and dense["typestr"] == "<f4" and dense["strides"] is None
    assert dense["shape"] == (3, 4) and dense["data"] == (t._storage.handle.ptr, False)
    col = be.cuda_array_interface(view(t, (3,), (4,), offset=1))
    assert col["strides"] == (16,) and col["data"][0] == t._storage.handle.ptr + 4
