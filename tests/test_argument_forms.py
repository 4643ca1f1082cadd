"""Argument forms PyTorch accepts, accepted here with PyTorch's results: positional flags of
``Tensor.to``, ``scatter(reduce=)``, a positional ``unbiased``, int32 indices, ``alpha=``,
negative indices in ``take_along_dim``; and the forms PyTorch refuses (a number where it takes
only a Tensor, a ``narrow`` start out of range...), refused with its exception."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import microtorch_core as mt

torch = pytest.importorskip("torch")


def _same(got: mt.Tensor, want) -> None:
    assert got.dtype.name == str(want.dtype).removeprefix("torch.")
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-6,
                               atol=1e-6)


X = np.array([[1.5, -2.0, 3.0], [0.5, 4.0, -1.0], [2.0, 2.5, 0.25]])
INDEX = np.array([[0, 2, 1], [2, 2, 0]])


def test_to_takes_non_blocking_and_copy_positionally():
    x = mt.tensor([1.0, 2.0])
    y = x.to("cpu", mt.float64, False, True)
    assert y.dtype is mt.float64
    assert x.to(mt.float32, False, True) is not x  # copy=True
    assert x.to(mt.float32, True, False) is x  # nothing to do, no copy asked for


def test_to_refuses_a_flag_before_the_device():
    with pytest.raises(TypeError, match="invalid combination"):
        mt.tensor([1.0]).to(True, "cpu")


@pytest.mark.parametrize("reduce", ["add", "multiply"])
def test_scatter_with_reduce_combines_as_pytorch(reduce):
    src = np.arange(6.0).reshape(2, 3) + 2
    got = mt.tensor(X).scatter(0, mt.tensor(INDEX), mt.tensor(src), reduce=reduce)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch deprecates reduce= with a tensor src
        want = torch.tensor(X).scatter(0, torch.tensor(INDEX), torch.tensor(src), reduce=reduce)
    _same(got, want)


def test_scatter_multiply_by_a_number_casts_it_to_the_integer_dtype():
    got = mt.tensor([1, 2, 3]).scatter(0, mt.tensor([0, 0]), 2.5, reduce="multiply")
    want = torch.tensor([1, 2, 3]).scatter(0, torch.tensor([0, 0]), 2.5, reduce="multiply")
    _same(got, want)


def test_scatter_refuses_an_unknown_reduce():
    with pytest.raises(RuntimeError, match="reduce argument must be either add or multiply"):
        mt.tensor(X).scatter(0, mt.tensor(INDEX), 1.0, reduce="mean")


@pytest.mark.parametrize("name", ["var", "std"])
@pytest.mark.parametrize("unbiased", [True, False])
def test_positional_unbiased_is_pytorch_s_overload(name, unbiased):
    _same(getattr(mt.tensor(X), name)(unbiased), getattr(torch.tensor(X), name)(unbiased))


@pytest.mark.parametrize("name", ["var_mean", "std_mean"])
def test_positional_unbiased_of_var_mean_and_std_mean(name):
    got = getattr(mt, name)(mt.tensor(X), False)
    want = getattr(torch, name)(torch.tensor(X), False)
    for g, w in zip(got, want):
        _same(g, w)


@pytest.mark.parametrize("name", ["gather", "scatter", "scatter_add"])
def test_an_int32_index_is_accepted_as_pytorch(name):
    args = (mt.tensor(X), 1, mt.tensor(INDEX, dtype=mt.int32))
    targs = (torch.tensor(X), 1, torch.tensor(INDEX, dtype=torch.int32))
    if name != "gather":
        args, targs = args + (mt.tensor(X[:2]),), targs + (torch.tensor(X[:2]),)
    _same(getattr(mt, name)(*args), getattr(torch, name)(*targs))


def test_index_select_accepts_an_int32_index():
    got = mt.tensor(X).index_select(1, mt.tensor([2, 0], dtype=mt.int32))
    _same(got, torch.tensor(X).index_select(1, torch.tensor([2, 0], dtype=torch.int32)))


def test_take_along_dim_refuses_an_int32_index_as_pytorch():
    with pytest.raises(RuntimeError, match="dtype of indices should be int64"):
        mt.take_along_dim(mt.tensor(X), mt.tensor(INDEX, dtype=mt.int32), 1)


def test_take_along_dim_wraps_negative_indices_along_a_dim():
    index = np.array([[-1, -3], [0, -2], [2, -1]])
    got = mt.take_along_dim(mt.tensor(X), mt.tensor(index), 1)
    _same(got, torch.take_along_dim(torch.tensor(X), torch.tensor(index), 1))


def test_take_along_dim_refuses_an_index_below_minus_the_size():
    with pytest.raises(IndexError, match="index -4 is out of bounds for dimension 1"):
        mt.take_along_dim(mt.tensor(X), mt.tensor([[-4]]), 1)


@pytest.mark.parametrize("name", ["add", "sub"])
def test_alpha_scales_the_other_operand(name):
    a, b = mt.tensor(X, requires_grad=True), mt.tensor(X.T.copy(), requires_grad=True)
    ta, tb = torch.tensor(X, requires_grad=True), torch.tensor(X.T.copy(), requires_grad=True)
    got, want = getattr(mt, name)(a, b, alpha=2.5), getattr(torch, name)(ta, tb, alpha=2.5)
    _same(got, want)
    got.sum().backward()
    want.sum().backward()
    _same(b.grad, tb.grad)


@pytest.mark.parametrize("name", ["add", "sub"])
def test_alpha_method_on_integers(name):
    got = getattr(mt.tensor([1, 2]), name)(mt.tensor([3, 4]), alpha=3)
    _same(got, getattr(torch.tensor([1, 2]), name)(torch.tensor([3, 4]), alpha=3))


def test_bool_add_with_alpha_stays_bool():
    b = [True, False]
    _same(mt.add(mt.tensor(b), mt.tensor(b), alpha=2), torch.add(torch.tensor(b),
                                                                  torch.tensor(b), alpha=2))


@pytest.mark.parametrize("alpha, message", [(2.5, "must not be a floating point number"),
                                            (True, "Boolean alpha only supported")])
def test_alpha_of_the_wrong_kind_is_refused_as_pytorch(alpha, message):
    with pytest.raises(RuntimeError, match=message):
        mt.add(mt.tensor([1, 2]), mt.tensor([3, 4]), alpha=alpha)


# -- forms PyTorch refuses: the same exception type and message ----------------------------------
def _raises_as_torch(call) -> None:
    """``call(lib)`` raises with ``lib=torch`` and, the same way, with ``lib=mt``."""
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(type(theirs.value)) as ours:
        call(mt)
    assert str(ours.value).splitlines()[0] == str(theirs.value).splitlines()[0]


# (name, call): each call is refused by PyTorch
REFUSED = {
    "eq_number_first": lambda m: m.eq(2, m.tensor([1, 2, 3])),
    "lt_number_first": lambda m: m.lt(2.5, m.tensor([1, 2, 3])),
    "maximum_number_other": lambda m: m.maximum(m.tensor([1, 2, 3]), 2),
    "minimum_number_input": lambda m: m.minimum(2, m.tensor([1, 2, 3])),
    "fmax_number_input": lambda m: m.fmax(2, m.tensor([1, 2, 3])),
    "fmin_number_other": lambda m: m.fmin(m.tensor([1, 2, 3]), 2),
    "igamma_number_other": lambda m: m.igamma(m.tensor([1.0, 2.0]), 2),
    "igammac_number_input": lambda m: m.igammac(2, m.tensor([1.0, 2.0])),
    "ldexp_number_other": lambda m: m.ldexp(m.tensor([1, 2, 3]), 2),
    "ldexp_number_input": lambda m: m.ldexp(2, m.tensor([1, 2, 3])),
    "heaviside_number_input": lambda m: m.heaviside(2, m.tensor([1, 2, 3])),
    "heaviside_number_values": lambda m: m.heaviside(m.tensor([1, 2, 3]), 2),
    "logical_xor_number_input": lambda m: m.logical_xor(2, m.tensor([1, 2, 3])),
    "clamp_min_number_input": lambda m: m.clamp_min(2, m.tensor([1, 2, 3])),
    "clamp_max_number_input": lambda m: m.clamp_max(2, m.tensor([1, 2, 3])),
    "max_number_input": lambda m: m.max(2, m.tensor([1, 2, 3])),
    "min_two_numbers": lambda m: m.min(2, 3),
    "narrow_start_above": lambda m: m.zeros(4, 10).narrow(1, 11, 0),
    "narrow_start_below": lambda m: m.zeros(4, 10).narrow(1, -11, 0),
    "narrow_past_the_end": lambda m: m.zeros(4, 10).narrow(1, 8, 3),
    "narrow_negative_length": lambda m: m.zeros(10).narrow(0, 0, -1),
    "narrow_of_0d": lambda m: m.tensor(1.0).narrow(0, 0, 1),
    "narrow_bool_start": lambda m: m.zeros(4, 10).narrow(1, m.tensor(True), 3),
    "narrow_copy_start_above": lambda m: m.narrow_copy(m.zeros(4, 10), 1, 11, 0),
    "narrow_copy_negative_length": lambda m: m.narrow_copy(m.zeros(10), 0, 0, -1),
    "roll_0d_along_a_dim": lambda m: m.roll(m.tensor(1.0), 0, 0),
    "masked_fill_1d_value": lambda m: m.masked_fill(m.ones(2, 2), m.tensor(False),
                                                    m.ones(1)),
    "cat_none": lambda m: m.cat((m.ones(2, 1), None)),
}


@pytest.mark.parametrize("call", REFUSED.values(), ids=REFUSED.keys())
def test_a_form_pytorch_refuses_raises_its_exception(call):
    _raises_as_torch(call)


# (name, call): forms next to the refused ones that PyTorch accepts
ACCEPTED = {
    "eq_number_other": lambda m: m.eq(m.tensor([1, 2, 3]), 2),
    "reflected_comparison": lambda m: 2 < m.tensor([1, 2, 3]),
    "maximum_method": lambda m: m.tensor([1, 5]).maximum(m.tensor([4, 2])),
    "max_of_two_tensors": lambda m: m.max(m.tensor([1, 5]), m.tensor([4, 2])),
    "clamp_min_number_bound": lambda m: m.clamp_min(m.tensor([1, 2, 3]), 2),
    "clamp_max_number_bound": lambda m: m.tensor([1, 2, 3]).clamp_max(2),
    "narrow_start_at_the_end": lambda m: m.zeros(4, 10).narrow(1, 10, 0),
    "narrow_tensor_start": lambda m: m.arange(10).narrow(0, m.tensor(-3), 2),
    "roll_0d_flattened": lambda m: m.roll(m.tensor(1.5), 1),
}


@pytest.mark.parametrize("shapes", [((5, 1), 5), (5,), (), ([2, 1], (3,)), ((0, 1), (4,))])
def test_broadcast_shapes_takes_ints_and_sequences_as_torch(shapes):
    assert mt.broadcast_shapes(*shapes) == tuple(torch.broadcast_shapes(*shapes))


@pytest.mark.parametrize("shapes", [((5, 1), -1), ((5, 1), 2.0), ((2,), (3,))])
def test_broadcast_shapes_refuses_what_torch_refuses(shapes):
    with pytest.raises(Exception) as theirs:
        torch.broadcast_shapes(*shapes)
    with pytest.raises(theirs.type):
        mt.broadcast_shapes(*shapes)


def test_normal_of_two_numbers_takes_a_strided_layout():
    mt.manual_seed(0)
    out = mt.normal(1.5, 0.5, [2, 3], dtype=mt.float64, layout=torch.strided, device="cpu")
    assert out.shape == (2, 3) and out.dtype is mt.float64
    with pytest.raises(ValueError, match="strided tensors only"):
        mt.normal(1.5, 0.5, [2], layout=torch.sparse_coo)


@pytest.mark.parametrize("call", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_a_form_pytorch_accepts_gives_its_result(call):
    _same(call(mt), call(torch))


@pytest.mark.parametrize("value", [10, 0.0, 2.7, -2.7])
@pytest.mark.parametrize("dtype", ["bool", "int64"])
def test_masked_fill_keeps_the_dtype_of_the_tensor(dtype, value):
    mask = [True, False, True]
    got = mt.masked_fill(mt.tensor([1, 0, 3], dtype=getattr(mt, dtype)), mt.tensor(mask), value)
    want = torch.masked_fill(torch.tensor([1, 0, 3], dtype=getattr(torch, dtype)),
                             torch.tensor(mask), value)
    _same(got, want)
