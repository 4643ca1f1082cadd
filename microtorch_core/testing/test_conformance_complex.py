"""Conformance: complex64 and complex128 tensors on every backend.

A backend lists the kernels that take complex tensors in ``Backend.complex_ops``. Each kernel
it lists is compared here with NumPy (which computes complex numbers as PyTorch does); each
it does not list must refuse a complex tensor with NotImplementedError naming the op, never
compute something else. What needs no complex kernel (making, moving, viewing as float pairs,
and the composites over those views: ``real``, ``imag``, ``conj``, ``complex``) must work on
every backend.
"""

from __future__ import annotations

import numpy as np
import pytest

import microtorch_core as mt
from microtorch_core.testing import assert_close

DTYPES = ("complex64", "complex128")
UNARY = {"neg": np.negative, "exp": np.exp, "log": np.log, "sqrt": np.sqrt, "sin": np.sin,
         "cos": np.cos, "tanh": np.tanh}
BINARY = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide,
          "pow": np.power}


def _complex(shape: tuple[int, ...], dtype: str, seed: int) -> np.ndarray:
    rng = np.random.default_rng([seed, *shape])
    values = rng.uniform(-2, 2, shape) + 1j * rng.uniform(-2, 2, shape)
    return values.astype(dtype)


def _supports(device: str, op: str) -> bool:
    return op in mt.device(device).kernels.backend.complex_ops


def _run(device: str, op: str, fn, expected, *more_ops: str):
    """``fn()`` compared with ``expected()`` where the backend lists ``op`` (and
    ``more_ops``, the kernels ``fn`` also needs); otherwise the refusal that names the
    missing kernel."""
    missing = [name for name in (op, *more_ops) if not _supports(device, name)]
    if not missing:
        assert_close(fn(), expected())
    else:
        with pytest.raises(NotImplementedError, match="|".join(f"'{m}'" for m in missing)):
            fn()


# -- what every backend runs -----------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
def test_complex_tensor_round_trips_through_the_device(device, dtype):
    z = _complex((3, 4), dtype, 0)
    t = mt.tensor(z, device=device)
    assert t.dtype.name == dtype and t.device.type == mt.device(device).type
    assert_close(t.cpu(), z)


@pytest.mark.parametrize("dtype", DTYPES)
def test_view_as_real_shows_the_pairs_and_shares_memory(device, dtype):
    z = _complex((2, 3), dtype, 1)
    t = mt.tensor(z, device=device)
    pairs = mt.view_as_real(t)
    assert_close(pairs, np.stack([z.real, z.imag], -1))
    assert_close(mt.view_as_complex(pairs), z)


@pytest.mark.parametrize("dtype", DTYPES)
def test_parts_and_conjugate_are_composites_on_every_backend(device, dtype):
    z = _complex((5,), dtype, 2)
    t = mt.tensor(z, device=device)
    assert_close(t.real, z.real)
    assert_close(t.imag, z.imag)
    assert_close(t.conj(), np.conj(z))
    assert_close(mt.complex(t.real, t.imag), z)


# -- the kernels a backend lists -------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", sorted(UNARY))
def test_unary_kernel_matches_numpy_or_refuses(device, op, dtype):
    z = _complex((3, 5), dtype, 3)
    _run(device, op, lambda: getattr(mt, op)(mt.tensor(z, device=device)),
         lambda: UNARY[op](z))


@pytest.mark.parametrize("dtype", DTYPES)
def test_abs_kernel_gives_the_real_magnitude_or_refuses(device, dtype):
    z = _complex((4, 3), dtype, 4)
    _run(device, "abs", lambda: mt.tensor(z, device=device).abs(), lambda: np.abs(z))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", sorted(BINARY))
def test_binary_kernel_matches_numpy_with_broadcasting_or_refuses(device, op, dtype):
    a, b = _complex((3, 4), dtype, 5), _complex((4,), dtype, 6)
    _run(device, op, lambda: getattr(mt, op)(mt.tensor(a, device=device),
                                             mt.tensor(b, device=device)),
         lambda: BINARY[op](a, b))


@pytest.mark.parametrize("op", sorted(BINARY))
def test_binary_kernel_with_a_python_complex_number_or_refuses(device, op):
    a = _complex((6,), "complex64", 7)
    _run(device, op, lambda: getattr(mt, op)(mt.tensor(a, device=device), 0.5 - 1.5j),
         lambda: BINARY[op](a, np.complex64(0.5 - 1.5j)))


def test_real_tensor_times_a_complex_number_is_complex(device):
    x = np.array([1.0, -2.0, 0.5], np.float32)
    _run(device, "mul", lambda: mt.tensor(x, device=device) * 2j,
         lambda: (x * np.complex64(2j)).astype(np.complex64), "copy")


@pytest.mark.parametrize("op", ["eq", "ne"])
def test_equality_kernels_compare_both_parts_or_refuse(device, op):
    a = np.array([1 + 2j, 1 + 2j, -1j], np.complex64)
    b = np.array([1 + 2j, 1 - 2j, -1j], np.complex64)
    fn = np.equal if op == "eq" else np.not_equal
    _run(device, op, lambda: getattr(mt, op)(mt.tensor(a, device=device),
                                             mt.tensor(b, device=device)),
         lambda: fn(a, b))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", ["sum", "prod"])
def test_reduction_kernel_matches_numpy_or_refuses(device, op, dtype):
    z = _complex((3, 4), dtype, 8) * 0.5
    fn = np.sum if op == "sum" else np.prod
    _run(device, op, lambda: getattr(mt, op)(mt.tensor(z, device=device), 1),
         lambda: fn(z, 1))


@pytest.mark.parametrize("dtype", DTYPES)
def test_matmul_kernel_matches_numpy_or_refuses(device, dtype):
    a, b = _complex((2, 3, 4), dtype, 9), _complex((4, 5), dtype, 10)
    _run(device, "matmul", lambda: mt.tensor(a, device=device) @ mt.tensor(b, device=device),
         lambda: a @ b)


def test_fill_kernel_writes_a_complex_number_or_refuses(device):
    _run(device, "fill", lambda: mt.full((2, 3), 1.5 - 2j, device=device),
         lambda: np.full((2, 3), 1.5 - 2j, np.complex64))


def test_copy_kernel_converts_between_complex_dtypes_or_refuses(device):
    z = _complex((4,), "complex64", 11)
    _run(device, "copy", lambda: mt.tensor(z, device=device).to(mt.complex128),
         lambda: z.astype(np.complex128))


def test_copy_kernel_into_a_real_dtype_keeps_the_real_part_or_refuses(device):
    z = _complex((4,), "complex128", 12)
    with pytest.warns(UserWarning, match="imaginary part"):
        _run(device, "copy", lambda: mt.tensor(z, device=device).to(mt.float32),
             lambda: z.real.astype(np.float32))


def test_where_kernel_selects_complex_values_or_refuses(device):
    a, b = _complex((5,), "complex64", 13), _complex((5,), "complex64", 14)
    cond = np.array([True, False, True, True, False])
    _run(device, "where", lambda: mt.where(mt.tensor(cond, device=device),
                                           mt.tensor(a, device=device),
                                           mt.tensor(b, device=device)),
         lambda: np.where(cond, a, b))


def test_gather_kernel_moves_complex_values_or_refuses(device):
    z = _complex((3, 4), "complex128", 15)
    index = np.array([[0, 3], [2, 2], [1, 0]])
    _run(device, "gather", lambda: mt.gather(mt.tensor(z, device=device), 1,
                                             mt.tensor(index, device=device)),
         lambda: np.take_along_axis(z, index, 1))


def test_ops_defined_for_real_numbers_only_refuse_complex_tensors(device):
    t = mt.tensor(_complex((3,), "complex64", 16), device=device)
    for name, call in (("lt", lambda: t < t), ("amax", lambda: t.amax()),
                       ("argmax", lambda: t.argmax())):
        with pytest.raises(NotImplementedError, match=f"'{name}'.*complex64"):
            call()
