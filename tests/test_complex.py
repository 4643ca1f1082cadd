"""Complex tensors: dtypes and promotion, creation, printing, arithmetic against NumPy,
gradients against PyTorch (float64), the parts and views, and the ops that refuse them."""

import math
import warnings

import numpy as np
import pytest

import microtorch_core as mt

Z = [[1 + 2j, -0.5 + 0.25j, 3 - 1j], [0.75 - 2j, -1.5 - 0.5j, 2 + 0.5j]]
W = [[0.5 - 1j, 2 + 1j, -1 + 0.5j], [1.25 + 0.5j, 0.5 + 2j, -0.75 - 1j]]


def _np(t):
    return t.detach().numpy()


# -- dtypes, promotion, creation -------------------------------------------------------------
@pytest.mark.parametrize("a, b, expected", [
    (mt.float32, mt.complex64, mt.complex64), (mt.float64, mt.complex64, mt.complex128),
    (mt.int64, mt.complex64, mt.complex64), (mt.bool, mt.complex128, mt.complex128),
    (mt.complex64, mt.complex128, mt.complex128), (mt.int32, mt.float32, mt.float32),
])
def test_promote_types_with_complex_matches_pytorch(a, b, expected):
    assert mt.promote_types(a, b) is expected and mt.promote_types(b, a) is expected


def test_python_complex_scalar_keeps_a_float64_tensors_precision():
    assert (mt.ones(2, dtype=mt.float64) * 1j).dtype is mt.complex128
    assert (mt.ones(2) + 1j).dtype is mt.complex64
    assert (mt.tensor([1, 2]) * 1j).dtype is mt.complex64


def test_zero_dim_complex_tensor_takes_the_dimensioned_float_precision():
    zero = mt.tensor(1j, dtype=mt.complex128)
    assert mt.result_type(mt.ones(2), zero) is mt.complex64


def test_tensor_of_python_complex_numbers_is_complex64():
    z = mt.tensor([1 + 2j, 3.0])
    assert z.dtype is mt.complex64 and z.is_complex() and not z.is_floating_point()
    assert z.tolist() == [1 + 2j, 3 + 0j]


def test_tensor_of_a_complex128_array_keeps_its_dtype():
    assert mt.tensor(np.array([1j])).dtype is mt.complex128


def test_complex_numbers_into_a_real_dtype_are_refused():
    with pytest.raises(RuntimeError, match="float32"):
        mt.tensor([1 + 2j], dtype=mt.float32)


def test_dtype_names_and_aliases():
    assert mt.cfloat is mt.complex64 and mt.cdouble is mt.complex128
    assert mt.finfo(mt.complex64).eps == mt.finfo(mt.float32).eps


def test_full_with_a_complex_fill_value_is_complex64():
    t = mt.full((2,), 1 - 1j)
    assert t.dtype is mt.complex64 and t.tolist() == [1 - 1j, 1 - 1j]


def test_randn_complex_draws_each_part_with_variance_one_half():
    mt.manual_seed(3)
    z = mt.randn(4, 3, dtype=mt.cfloat)
    mt.manual_seed(3)
    parts = mt.randn(4, 3, 2) * math.sqrt(0.5)
    assert z.dtype is mt.complex64 and z.shape == (4, 3)
    np.testing.assert_array_equal(_np(mt.view_as_real(z)), _np(parts))


def test_item_and_complex_of_a_one_element_tensor():
    z = mt.tensor([2 - 3j])
    assert z.item() == 2 - 3j and complex(z) == 2 - 3j


def test_repr_matches_pytorch():
    torch = pytest.importorskip("torch")
    for values in ([1 + 2j, 3 - 4j], [0.5 - 1.25j, 2 + 0j]):
        assert repr(mt.tensor(values)) == repr(torch.tensor(values))
    assert repr(mt.tensor([1j], dtype=mt.complex128)) == \
        repr(torch.tensor([1j], dtype=torch.complex128)).replace("torch.", "microtorch.")


# -- arithmetic against NumPy ----------------------------------------------------------------
@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "pow"])
def test_binary_op_matches_numpy(name):
    a, b = np.array(Z, np.complex128), np.array(W, np.complex128)
    fn = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide,
          "pow": np.power}[name]
    out = getattr(mt, name)(mt.tensor(a), mt.tensor(b))
    assert out.dtype is mt.complex128
    np.testing.assert_allclose(_np(out), fn(a, b), rtol=1e-12)


@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "sin", "cos", "tanh", "neg"])
def test_unary_op_matches_numpy(name):
    a = np.array(Z, np.complex128)
    fn = np.negative if name == "neg" else getattr(np, name)
    np.testing.assert_allclose(_np(getattr(mt, name)(mt.tensor(a))), fn(a), rtol=1e-12)


def test_abs_is_a_real_magnitude():
    out = mt.tensor(Z).abs()
    assert out.dtype is mt.float32
    np.testing.assert_allclose(_np(out), np.abs(np.array(Z)), rtol=1e-6)


def test_angle_matches_numpy():
    np.testing.assert_allclose(_np(mt.angle(mt.tensor(Z, dtype=mt.complex128))),
                               np.angle(np.array(Z)), rtol=1e-12)


def test_sum_mean_and_matmul_match_numpy():
    a, b = np.array(Z), np.array(W)
    za, zb = mt.tensor(a), mt.tensor(b)
    np.testing.assert_allclose(_np(za.sum(0)), a.sum(0))
    np.testing.assert_allclose(_np(za.mean()), a.mean())
    np.testing.assert_allclose(_np(za @ zb.mT), a @ b.T)


def test_eq_compares_both_parts():
    assert mt.tensor([1 + 2j, 1 + 2j]).eq(mt.tensor([1 + 2j, 1 - 2j])).tolist() == [True, False]


def test_sgn_is_z_over_its_magnitude_and_zero_at_zero():
    out = mt.sgn(mt.tensor([3 + 4j, 0j], dtype=mt.complex128))
    np.testing.assert_allclose(_np(out), [0.6 + 0.8j, 0])


# -- parts and views -------------------------------------------------------------------------
def test_real_and_imag_are_views_that_write_through():
    z = mt.tensor([1 + 2j, 3 - 4j])
    z.imag[0] = 7.0
    z.real.mul_(2)
    assert z.tolist() == [2 + 7j, 6 - 4j]


def test_assigning_imag_writes_the_part():
    z = mt.tensor([1 + 2j, 3 - 4j])
    z.imag = 0.0
    assert z.tolist() == [1 + 0j, 3 + 0j]


def test_view_as_real_shares_memory_with_pairs():
    z = mt.tensor([[1 + 2j, 3 - 4j]])
    pairs = mt.view_as_real(z)
    assert pairs.shape == (1, 2, 2) and pairs.dtype is mt.float32
    pairs[0, 1, 1] = 5.0
    assert z.tolist() == [[1 + 2j, 3 + 5j]]


def test_view_as_complex_of_a_transposed_tensor_is_refused():
    with pytest.raises(RuntimeError, match="last dimension with stride 1"):
        mt.view_as_complex(mt.zeros(2, 3).t())


def test_view_as_complex_of_a_last_dim_not_two_is_refused():
    with pytest.raises(RuntimeError, match="last dimension of size 2"):
        mt.view_as_complex(mt.zeros(2, 3))


def test_conj_negates_the_imaginary_part():
    assert mt.tensor([1 + 2j]).conj().tolist() == [1 - 2j]
    x = mt.tensor([1.0])
    assert x.conj() is x


def test_mH_is_the_conjugate_transpose():
    z = mt.tensor([[1 + 1j, 2 - 1j]])
    assert z.mH.tolist() == [[1 - 1j], [2 + 1j]]


def test_complex_and_polar_build_complex_tensors():
    assert mt.complex(mt.tensor([1.0]), mt.tensor([-2.0])).tolist() == [1 - 2j]
    out = mt.polar(mt.tensor([2.0], dtype=mt.float64), mt.tensor([math.pi / 2],
                                                                 dtype=mt.float64))
    np.testing.assert_allclose(_np(out), [2j], atol=1e-15)


def test_complex_of_mixed_dtypes_is_refused():
    with pytest.raises(RuntimeError, match="scalar type"):
        mt.complex(mt.ones(1), mt.ones(1, dtype=mt.float64))


def test_casting_complex_to_real_keeps_the_real_part_and_warns():
    with pytest.warns(UserWarning, match="discards the imaginary part"):
        out = mt.tensor([1 + 2j]).to(mt.float32)
    assert out.tolist() == [1.0]


# -- refusals --------------------------------------------------------------------------------
@pytest.mark.parametrize("fn", [lambda z: z < z, lambda z: z.amax(), lambda z: z.relu(),
                                lambda z: z.argmax()])
def test_ops_pytorch_defines_for_real_numbers_only_refuse_complex(fn):
    with pytest.raises(NotImplementedError, match="complex64"):
        fn(mt.tensor([1 + 2j, 3j]))


def test_a_real_tensor_compared_with_a_complex_number_is_refused():
    with pytest.raises(NotImplementedError, match="'lt'"):
        mt.lt(mt.ones(2), 1j)


# -- gradients against PyTorch ---------------------------------------------------------------
def _grads(lib, fn, *values):
    """d(loss)/d(inputs) in float64 for the real loss ``fn`` of complex leaves."""
    dtype = lib.complex128
    leaves = [lib.tensor(v, dtype=dtype, requires_grad=True) for v in values]
    loss = fn(lib, *leaves)
    loss.backward()
    return [leaf.grad for leaf in leaves]


GRADIENT_CASES = {
    "mul": lambda lib, a, b: (a * b).abs().sum(),
    "div": lambda lib, a, b: (a / b).real.sum() + (a / b).imag.pow(2).sum(),
    "exp_log": lambda lib, a, b: (a.exp() + b.log()).abs().sum(),
    "sqrt_sin_cos_tanh": lambda lib, a, b: (a.sqrt() * b.sin() + a.cos() - b.tanh()).abs()
    .sum(),
    "pow": lambda lib, a, b: (a ** b).abs().sum() + (a ** 2).imag.sum(),
    "matmul": lambda lib, a, b: (a @ b.mT).abs().pow(2).sum(),
    "conj_angle": lambda lib, a, b: (a.conj() * b).imag.sum() + lib.angle(a).sum(),
    "view_as_real": lambda lib, a, b: (lib.view_as_real(a * b) ** 3).sum(),
    "mean_sgn": lambda lib, a, b: (lib.sgn(a) * b).mean().abs(),
}


@pytest.mark.parametrize("case", sorted(GRADIENT_CASES))
def test_gradient_matches_pytorch(case):
    torch = pytest.importorskip("torch")
    fn = GRADIENT_CASES[case]
    ours, theirs = _grads(mt, fn, Z, W), _grads(torch, fn, Z, W)
    for g, t in zip(ours, theirs):
        np.testing.assert_allclose(_np(g), t.numpy(), rtol=1e-10, atol=1e-12)


def test_gradient_of_a_real_input_to_a_complex_result_is_its_real_part():
    torch = pytest.importorskip("torch")

    def grads(lib):
        x = lib.tensor([0.5, -1.5], dtype=lib.float64, requires_grad=True)
        w = lib.tensor([1 + 2j, -0.5 + 1j], dtype=lib.complex128)
        ((x * w).abs() ** 2).sum().backward()
        return x.grad

    np.testing.assert_allclose(_np(grads(mt)), grads(torch).numpy(), rtol=1e-12)


def test_gradient_through_complex_and_polar_matches_finite_differences():
    def loss(re, im, r, theta):
        z = mt.complex(re, im) * mt.polar(r, theta)
        return (z.abs() ** 2 + z.imag).sum()

    values = [mt.tensor(v, dtype=mt.float64, requires_grad=True)
              for v in ([0.3, -1.2], [0.7, 0.1], [1.5, 0.4], [0.2, -2.0])]
    loss(*values).backward()
    eps = 1e-6
    for i, leaf in enumerate(values):
        for k in range(2):
            shifted = []
            for sign in (1, -1):
                moved = [v.detach().clone() for v in values]
                moved[i][k] += sign * eps
                shifted.append(loss(*moved).item())
            numeric = (shifted[0] - shifted[1]) / (2 * eps)
            assert leaf.grad[k].item() == pytest.approx(numeric, rel=1e-6, abs=1e-8)


def test_backward_of_a_complex_scalar_is_refused():
    z = mt.tensor([1 + 1j], dtype=mt.complex128, requires_grad=True)
    with pytest.raises(RuntimeError, match="real scalar"), warnings.catch_warnings():
        (z * 2).sum().backward()


def test_repr_of_an_empty_tensor_names_every_dtype_but_the_default_float():
    torch = pytest.importorskip("torch")
    for ours, theirs in ((mt.int64, torch.int64), (mt.complex64, torch.complex64),
                         (mt.float32, torch.float32)):
        assert repr(mt.zeros(2, 0, dtype=ours)) == \
            repr(torch.zeros(2, 0, dtype=theirs)).replace("torch.", "microtorch.")


def test_a_complex_tensor_that_requires_grad_round_trips_through_save_and_load():
    import io

    z = mt.tensor([1 + 2j, -3j], dtype=mt.complex128, requires_grad=True)
    buffer = io.BytesIO()
    mt.save({"z": z}, buffer)
    buffer.seek(0)
    loaded = mt.load(buffer)["z"]
    assert loaded.dtype is mt.complex128 and loaded.requires_grad
    assert loaded.tolist() == [1 + 2j, -3j]
