"""Sampling functions (microtorch_core/sampling.py): multinomial, bernoulli, poisson, normal,
rand_like/randn_like/randint_like. Reproducible from ``manual_seed`` and from a
``Generator``; statistics of fixed-seed samples within a few standard errors of the exact
values; PyTorch's dtypes, shapes and error messages (the errors also name the bad value)."""

import math

import numpy as np
import pytest
from torch_reference import requires_torch, torch

import microtorch_core as mt

SAMPLERS = {
    "multinomial": lambda g: mt.multinomial(mt.tensor([1.0, 2.0, 3.0]), 2, generator=g),
    "multinomial_replacement": lambda g: mt.multinomial(mt.tensor([[1.0, 0.0, 3.0]]), 5,
                                                        replacement=True, generator=g),
    "bernoulli": lambda g: mt.bernoulli(mt.full((6,), 0.5), generator=g),
    "poisson": lambda g: mt.poisson(mt.tensor([0.5, 3.0, 50.0]), generator=g),
    "normal": lambda g: mt.normal(mt.zeros(4), mt.ones(4), generator=g),
    "normal_size": lambda g: mt.normal(1.0, 2.0, (4,), generator=g),
    "rand_like": lambda g: mt.rand_like(mt.zeros(4), generator=g),
    "randn_like": lambda g: mt.randn_like(mt.zeros(4), generator=g),
    "randint_like": lambda g: mt.randint_like(mt.zeros(4, dtype=mt.int64), 100, generator=g),
}


def _values(t):
    return np.asarray(t)


def _frequencies(samples, k):
    return np.bincount(np.asarray(samples).reshape(-1), minlength=k) / np.asarray(samples).size


# -- reproducibility ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", SAMPLERS)
def test_manual_seed_reproduces_the_samples(name):
    mt.manual_seed(11)
    first = _values(SAMPLERS[name](None))
    mt.manual_seed(11)
    np.testing.assert_array_equal(_values(SAMPLERS[name](None)), first)


@pytest.mark.parametrize("name", SAMPLERS)
def test_a_generator_reproduces_the_samples_and_leaves_the_default_one_alone(name):
    before = mt.get_rng_state()
    first = _values(SAMPLERS[name](mt.Generator().manual_seed(5)))
    again = _values(SAMPLERS[name](mt.Generator().manual_seed(5)))
    np.testing.assert_array_equal(again, first)
    assert mt.get_rng_state() == before


def test_tensor_methods_are_the_functions():
    w = mt.tensor([[1.0, 2.0], [3.0, 4.0]])
    mt.manual_seed(3)
    expected = [mt.multinomial(w, 2), mt.bernoulli(w / 4), mt.bernoulli(w, 0.5)]
    mt.manual_seed(3)
    got = [w.multinomial(2), (w / 4).bernoulli(), w.bernoulli(0.5)]
    for a, b in zip(got, expected):
        np.testing.assert_array_equal(_values(a), _values(b))


# -- multinomial ---------------------------------------------------------------------------------
def test_multinomial_with_replacement_draws_in_proportion_to_the_weights():
    weights = np.array([1.0, 0.0, 3.0, 6.0])  # not normalised
    samples = mt.multinomial(mt.tensor(weights), 20000, replacement=True,
                             generator=mt.Generator().manual_seed(0))
    p = weights / weights.sum()
    se = np.sqrt(p * (1 - p) / 20000)
    assert np.all(np.abs(_frequencies(samples, 4) - p) <= 4 * se + 1e-12)


def test_multinomial_with_replacement_never_draws_a_zero_weight():
    weights = mt.tensor([[0.0, 1.0, 0.0, 1e-3, 0.0], [0.0, 0.0, 0.0, 0.0, 2.0]],
                        dtype=mt.float64)
    samples = _values(mt.multinomial(weights, 5000, replacement=True,
                                     generator=mt.Generator().manual_seed(1)))
    assert set(np.unique(samples[0])) == {1, 3}
    assert set(np.unique(samples[1])) == {4}


def test_multinomial_without_replacement_never_repeats_a_category():
    weights = mt.rand(50, 8, generator=mt.Generator().manual_seed(2)) + 0.01
    samples = _values(mt.multinomial(weights, 8, generator=mt.Generator().manual_seed(3)))
    assert samples.shape == (50, 8)
    assert all(sorted(row) == list(range(8)) for row in samples)


def test_multinomial_without_replacement_draws_zero_weights_only_after_the_others():
    weights = mt.tensor([0.0, 5.0, 0.0, 1.0])
    for seed in range(20):
        samples = _values(mt.multinomial(weights, 4, generator=mt.Generator().manual_seed(seed)))
        assert set(samples[:2]) == {1, 3} and set(samples[2:]) == {0, 2}


def test_multinomial_without_replacement_follows_successive_sampling():
    # first draw ~ p; second draw j ~ p_j / (1 - p_i) after i: P(second = j) = sum_i p_i p_j /
    # (1 - p_i) (the Gumbel-top-k trick must give exactly this)
    p = np.array([0.5, 0.3, 0.2])
    n = 20000
    samples = _values(mt.multinomial(mt.tensor(p).expand(n, 3), 2,
                                     generator=mt.Generator().manual_seed(4)))
    second = np.array([sum(p[i] * p[j] / (1 - p[i]) for i in range(3) if i != j)
                       for j in range(3)])
    for draw, expected in ((samples[:, 0], p), (samples[:, 1], second)):
        se = np.sqrt(expected * (1 - expected) / n)
        assert np.all(np.abs(_frequencies(draw, 3) - expected) <= 4 * se)


def test_multinomial_shapes_and_dtype():
    assert mt.multinomial(mt.tensor([1.0, 1.0]), 3, True).shape == (3,)
    out = mt.multinomial(mt.ones(4, 3, dtype=mt.float64), 2)
    assert out.shape == (4, 2) and out.dtype is mt.int64
    assert mt.multinomial(mt.ones(0, 3), 2).shape == (0, 2)


def test_multinomial_records_no_graph():
    w = mt.tensor([1.0, 2.0], requires_grad=True)
    assert not mt.multinomial(w, 1).requires_grad


@pytest.mark.parametrize("weights, found", [
    ([1.0, -1.0, 3.0], "-1.0 at index 1"),
    ([1.0, float("inf"), 3.0], "inf at index 1"),
    ([[1.0, 2.0], [float("nan"), 1.0]], "nan at index [1, 0]"),
])
def test_multinomial_rejects_bad_weights_naming_the_first(weights, found):
    with pytest.raises(RuntimeError, match="probability tensor contains either `inf`, `nan` or "
                                           "element < 0") as info:
        mt.multinomial(mt.tensor(weights), 1)
    assert found in str(info.value)


def test_multinomial_rejects_a_row_of_zeros_naming_it():
    with pytest.raises(RuntimeError, match=r"sum of probabilities <= 0\).*row 1"):
        mt.multinomial(mt.tensor([[1.0, 1.0], [0.0, 0.0]]), 1)


@pytest.mark.parametrize("call, message", [
    (lambda: mt.multinomial(mt.tensor([1.0, 2.0]), 3), "cannot sample n_sample > prob_dist"),
    (lambda: mt.multinomial(mt.tensor([1.0, 2.0]), 0), "cannot sample n_sample <= 0"),
    (lambda: mt.multinomial(mt.tensor(1.0), 1), "prob_dist must be 1 or 2 dim"),
    (lambda: mt.multinomial(mt.ones(2, 2, 2), 1), "prob_dist must be 1 or 2 dim"),
    (lambda: mt.multinomial(mt.tensor([1, 2]), 1), "only supports floating-point dtypes"),
])
def test_multinomial_argument_errors(call, message):
    with pytest.raises(RuntimeError, match=message):
        call()


@requires_torch
@pytest.mark.parametrize("weights, n, replacement", [
    ([1.0, -1.0], 1, False), ([0.0, 0.0], 1, True), ([1.0, 2.0], 3, False),
    ([1.0, 2.0], 0, True), ([[[1.0]]], 1, True),
])
def test_multinomial_errors_begin_with_pytorchs_message(weights, n, replacement):
    with pytest.raises(RuntimeError) as theirs:
        torch.multinomial(torch.tensor(weights), n, replacement)
    with pytest.raises(RuntimeError) as ours:
        mt.multinomial(mt.tensor(weights), n, replacement)
    assert str(ours.value).startswith(str(theirs.value))


# -- bernoulli -----------------------------------------------------------------------------------
def test_bernoulli_draws_ones_with_probability_input():
    p = np.array([0.0, 0.1, 0.5, 0.9, 1.0])
    n = 4000
    samples = _values(mt.bernoulli(mt.tensor(p).expand(n, 5).contiguous(),
                                   generator=mt.Generator().manual_seed(0)))
    se = np.sqrt(p * (1 - p) / n)
    assert set(np.unique(samples)) <= {0.0, 1.0}
    assert np.all(np.abs(samples.mean(0) - p) <= 4 * se)


def test_bernoulli_with_p_uses_input_for_shape_and_dtype_only():
    x = mt.full((3, 1000), 7, dtype=mt.int64)
    out = mt.bernoulli(x, 0.25, generator=mt.Generator().manual_seed(1))
    assert out.shape == (3, 1000) and out.dtype is mt.int64
    assert abs(_values(out).mean() - 0.25) < 4 * math.sqrt(0.25 * 0.75 / 3000)


def test_bernoulli_keeps_the_dtype_of_its_probabilities():
    assert mt.bernoulli(mt.full((2,), 0.5, dtype=mt.float64)).dtype is mt.float64


def test_bernoulli_rejects_probabilities_outside_the_unit_interval_naming_one():
    with pytest.raises(RuntimeError, match=r"p_in >= 0 && p_in <= 1.*1.5 at index 1"):
        mt.bernoulli(mt.tensor([0.5, 1.5]))
    with pytest.raises(RuntimeError, match="expects p to be in \\[0, 1\\], but got p=-0.5"):
        mt.bernoulli(mt.zeros(2), -0.5)


def test_bernoulli_of_an_integer_tensor_of_probabilities_is_an_error():
    with pytest.raises(RuntimeError, match="floating point tensor of probabilities"):
        mt.bernoulli(mt.tensor([0, 1]))


# -- poisson -------------------------------------------------------------------------------------
@pytest.mark.parametrize("rate", [0.7, 6.0, 25.0, 3000.0])  # inversion below 10, PTRS above
def test_poisson_mean_and_variance_are_the_rate(rate):
    n = 8000
    samples = _values(mt.poisson(mt.full((n,), rate, dtype=mt.float64),
                                 generator=mt.Generator().manual_seed(7)))
    assert np.all(samples == np.round(samples)) and samples.min() >= 0
    assert abs(samples.mean() - rate) <= 4 * math.sqrt(rate / n)
    assert abs(samples.var() - rate) <= 4 * math.sqrt((rate + 2 * rate ** 2) / n)


def test_poisson_frequencies_follow_the_pmf():
    rate, n = 12.0, 20000  # PTRS
    samples = _values(mt.poisson(mt.full((n,), rate), generator=mt.Generator().manual_seed(8)))
    for k in range(5, 20):
        pmf = math.exp(k * math.log(rate) - rate - math.lgamma(k + 1))
        assert abs(np.mean(samples == k) - pmf) <= 4 * math.sqrt(pmf * (1 - pmf) / n)


def test_poisson_of_rate_zero_is_zero_and_keeps_the_dtype():
    out = mt.poisson(mt.zeros(5, dtype=mt.float64))
    assert out.dtype is mt.float64 and _values(out).tolist() == [0.0] * 5


@pytest.mark.parametrize("bad", [-1.0, float("nan"), float("inf")])
def test_poisson_rejects_a_bad_rate_naming_it(bad):
    with pytest.raises(RuntimeError, match=f"invalid Poisson rate.*{bad} at index 1"):
        mt.poisson(mt.tensor([1.0, bad]))


def test_poisson_of_integer_rates_is_an_error():
    with pytest.raises(RuntimeError, match="floating point tensor of rates"):
        mt.poisson(mt.tensor([1, 2]))


# -- normal --------------------------------------------------------------------------------------
def test_normal_of_two_tensors_draws_one_sample_per_element():
    n = 20000
    mean = mt.tensor([[-3.0], [5.0]]).expand(2, n)
    std = mt.tensor([0.5, 2.0]).reshape(2, 1)
    out = _values(mt.normal(mean, std, generator=mt.Generator().manual_seed(0)))
    assert out.shape == (2, n)
    np.testing.assert_allclose(out.mean(1), [-3.0, 5.0], atol=4 * 2.0 / math.sqrt(n))
    np.testing.assert_allclose(out.std(1), [0.5, 2.0], rtol=0.03)


def test_normal_with_zero_std_is_the_mean():
    np.testing.assert_array_equal(_values(mt.normal(mt.tensor([1.0, -2.0]), 0.0)), [1.0, -2.0])
    np.testing.assert_array_equal(_values(mt.normal(4.0, mt.zeros(3))), [4.0] * 3)


def test_normal_takes_the_dtype_of_the_mean_tensor_else_of_std():
    f32, f64 = mt.zeros(3), mt.zeros(3, dtype=mt.float64)
    assert mt.normal(f32, f64 + 1).dtype is mt.float32
    assert mt.normal(f64, f32 + 1).dtype is mt.float64
    assert mt.normal(0.0, f64 + 1).dtype is mt.float64
    assert mt.normal(f32).dtype is mt.float32  # std defaults to 1


def test_normal_of_two_numbers_takes_size_dtype_and_requires_grad():
    out = mt.normal(2, 3, (2, 5), dtype=mt.float64, requires_grad=True)
    assert out.shape == (2, 5) and out.dtype is mt.float64 and out.requires_grad


def test_normal_of_two_numbers_is_the_same_stream_as_randn():
    mt.manual_seed(9)
    z = _values(mt.randn(6))
    mt.manual_seed(9)
    np.testing.assert_allclose(_values(mt.normal(1.0, 2.0, (6,))), z * 2 + 1, rtol=1e-6)


def test_normal_records_no_graph():
    mean = mt.zeros(3, requires_grad=True)
    assert not mt.normal(mean, 1.0).requires_grad


@pytest.mark.parametrize("call, error, message", [
    (lambda: mt.normal(mt.zeros(2), -1.0), RuntimeError, "std >= 0.0, but found std -1"),
    (lambda: mt.normal(0.0, mt.tensor([1.0, -2.0])), RuntimeError,
     r"all elements of std >= 0.0 \(found std = -2.0 at index 1\)"),
    (lambda: mt.normal(0.0, float("nan"), (2,)), RuntimeError, "found std nan"),
    (lambda: mt.normal(0.0, 1.0), TypeError, "give the size"),
    (lambda: mt.normal(mt.zeros(2), 1.0, (2,)), TypeError, "float mean and a float std only"),
    (lambda: mt.normal(mt.zeros(2, dtype=mt.int64), 1.0), RuntimeError, "floating point"),
])
def test_normal_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


# -- *_like --------------------------------------------------------------------------------------
@pytest.mark.parametrize("fn", [mt.rand_like, mt.randn_like])
def test_like_functions_follow_the_input_unless_told(fn):
    x = mt.zeros(2, 3, dtype=mt.float64)
    assert fn(x).shape == (2, 3) and fn(x).dtype is mt.float64
    assert fn(x, dtype=mt.float32).dtype is mt.float32
    assert fn(x, requires_grad=True).requires_grad


def test_rand_like_is_rand_in_the_inputs_shape():
    mt.manual_seed(4)
    expected = _values(mt.rand(2, 3))
    mt.manual_seed(4)
    np.testing.assert_array_equal(_values(mt.rand_like(mt.zeros(2, 3))), expected)


def test_randint_like_draws_whole_numbers_in_the_inputs_dtype():
    out = mt.randint_like(mt.zeros(2000), 3, 7, generator=mt.Generator().manual_seed(0))
    assert out.dtype is mt.float32
    assert set(np.unique(_values(out))) == {3.0, 4.0, 5.0, 6.0}
    assert set(np.unique(_values(mt.randint_like(mt.zeros(500, dtype=mt.int32), 2)))) == {0, 1}


def test_randint_like_checks_the_bounds_against_the_dtype():
    with pytest.raises(RuntimeError, match="to - 1 is out of bounds for int32"):
        mt.randint_like(mt.zeros(2, dtype=mt.int32), 2 ** 40)
    with pytest.raises(RuntimeError, match="expects 'from' to be less than 'to'"):
        mt.randint_like(mt.zeros(2), 5, 3)
