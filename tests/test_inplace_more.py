"""In-place random fills (ops/composite/inplace_random.py) and the in-place methods of
ops/composite/inplace.py and ops/composite/index_put.py: scatter_, scatter_add_, index_put_, put_,
masked_scatter_, fill_diagonal_, tril_/triu_/lerp_/cumsum_/cumprod_/clamp_min_/clamp_max_, and the
in-place views t_, transpose_, unsqueeze_, squeeze_. Values against NumPy and PyTorch, version
counters, gradients through non-leaf tensors against PyTorch's (float64), and the errors."""

import math

import numpy as np
import pytest
from torch_reference import check_same, leaf_pair, randn, requires_torch, torch

import microtorch_core as mt
from microtorch_core.nn import init

FILLS = {
    "uniform_": lambda x, g: x.uniform_(-2.0, 3.0, generator=g),
    "normal_": lambda x, g: x.normal_(1.0, 2.0, generator=g),
    "bernoulli_": lambda x, g: x.bernoulli_(0.3, generator=g),
    "exponential_": lambda x, g: x.exponential_(2.0, generator=g),
    "geometric_": lambda x, g: x.geometric_(0.25, generator=g),
    "log_normal_": lambda x, g: x.log_normal_(0.0, 0.5, generator=g),
    "cauchy_": lambda x, g: x.cauchy_(1.0, 2.0, generator=g),
    "random_": lambda x, g: x.random_(-5, 5, generator=g),
}


def _values(t):
    return np.asarray(t)


def _sample(name, n=20000, dtype=mt.float64, seed=0):
    return _values(FILLS[name](mt.zeros(n, dtype=dtype), mt.Generator().manual_seed(seed)))


# -- random fills: the in-place contract ---------------------------------------------------------
@pytest.mark.parametrize("name", FILLS)
def test_fill_is_reproducible_from_manual_seed_and_from_a_generator(name):
    mt.manual_seed(21)
    first = _values(FILLS[name](mt.zeros(6), None))
    mt.manual_seed(21)
    np.testing.assert_array_equal(_values(FILLS[name](mt.zeros(6), None)), first)
    by_generator = [_values(FILLS[name](mt.zeros(6), mt.Generator().manual_seed(2)))
                    for _ in range(2)]
    np.testing.assert_array_equal(*by_generator)


@pytest.mark.parametrize("name", FILLS)
def test_fill_writes_into_the_tensor_itself_and_bumps_its_version(name):
    x = mt.zeros(3, 4)
    version = x._version
    assert FILLS[name](x, None) is x
    assert x._version > version


@pytest.mark.parametrize("name", FILLS)
def test_fill_writes_through_a_strided_view_into_its_base(name):
    base = mt.full((4, 6), 99.0)
    view = base.T[::2]  # a transposed, sliced view: columns 0, 2 and 4 of base
    FILLS[name](view, mt.Generator().manual_seed(1))
    fresh = FILLS[name](mt.full((3, 4), 99.0), mt.Generator().manual_seed(1))
    np.testing.assert_array_equal(_values(base)[:, 1::2], 99.0)
    np.testing.assert_array_equal(_values(base.T[::2]), _values(fresh))


@pytest.mark.parametrize("name", FILLS)
def test_fill_of_a_leaf_that_requires_grad_is_refused_unless_under_no_grad(name):
    w = mt.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        FILLS[name](w, None)
    with mt.no_grad():
        FILLS[name](w, None)
    assert w.requires_grad and w.is_leaf


@requires_torch
def test_fill_of_a_non_leaf_gives_its_history_a_zero_gradient_as_pytorch():
    ours, theirs = leaf_pair(randn((2, 3), 0))
    x, y = ours * 2, theirs * 2
    x.normal_()
    y.normal_()
    x.sum().backward()
    y.sum().backward()
    np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())  # all zero


def test_uniform_and_normal_draw_the_numbers_of_nn_init():
    for fill, initialise in ((lambda x: x.uniform_(-0.5, 0.5), lambda x: init.uniform_(x, -0.5,
                                                                                          0.5)),
                             (lambda x: x.normal_(0.0, 0.02), lambda x: init.normal_(x, 0.0,
                                                                                        0.02))):
        mt.manual_seed(3)
        a = _values(fill(mt.zeros(5, 4)))
        mt.manual_seed(3)
        np.testing.assert_array_equal(_values(initialise(mt.zeros(5, 4))), a)


def test_random_is_randint_in_the_tensors_shape():
    mt.manual_seed(5)
    expected = _values(mt.randint(-3, 9, (4, 5)))
    mt.manual_seed(5)
    np.testing.assert_array_equal(_values(mt.zeros(4, 5, dtype=mt.int64).random_(-3, 9)),
                                  expected)


# -- random fills: distributions -----------------------------------------------------------------
def _assert_mean(samples, mean, std):
    assert abs(samples.mean() - mean) <= 4 * std / math.sqrt(samples.size)


def test_uniform_fills_the_half_open_interval_evenly():
    s = _sample("uniform_")
    assert s.min() >= -2.0 and s.max() < 3.0
    _assert_mean(s, 0.5, 5 / math.sqrt(12))


def test_normal_has_the_given_mean_and_std():
    s = _sample("normal_")
    _assert_mean(s, 1.0, 2.0)
    assert abs(s.std() - 2.0) < 0.04


def test_bernoulli_fills_ones_with_probability_p():
    s = _sample("bernoulli_")
    assert set(np.unique(s)) == {0.0, 1.0}
    _assert_mean(s, 0.3, math.sqrt(0.3 * 0.7))


def test_bernoulli_takes_a_tensor_of_probabilities_broadcast_to_the_tensor():
    p = mt.tensor([0.0, 0.8, 1.0])
    s = _values(mt.zeros(8000, 3, dtype=mt.int64).bernoulli_(p, generator=mt.Generator()))
    assert s[:, 0].max() == 0 and s[:, 2].min() == 1
    _assert_mean(s[:, 1], 0.8, 0.4)


def test_exponential_has_mean_one_over_lambda():
    s = _sample("exponential_")
    assert s.min() >= 0
    _assert_mean(s, 0.5, 0.5)


def test_geometric_counts_trials_up_to_the_first_success():
    s = _sample("geometric_", dtype=mt.int64)
    assert s.min() == 1
    _assert_mean(s, 4.0, math.sqrt(0.75) / 0.25)
    assert abs(np.mean(s == 1) - 0.25) < 4 * math.sqrt(0.25 * 0.75 / s.size)


def test_log_normal_is_exp_of_a_normal():
    s = _sample("log_normal_")
    assert s.min() > 0
    _assert_mean(np.log(s), 0.0, 0.5)


def test_cauchy_has_the_given_median_and_quartiles():
    s = _sample("cauchy_")
    q1, median, q3 = np.quantile(s, [0.25, 0.5, 0.75])
    # quartiles of Cauchy(1, 2) are 1 -+ 2; a sample quantile's se is sqrt(q(1-q)/n)/density
    assert abs(median - 1.0) < 4 * math.sqrt(0.25 / s.size) * math.pi * 2.0
    assert abs(q1 + 1.0) < 0.15 and abs(q3 - 3.0) < 0.15


def test_random_draws_every_integer_of_the_range_equally_often():
    s = _sample("random_", dtype=mt.int64)
    counts = np.bincount(s + 5, minlength=10)
    assert counts.size == 10 and s.min() == -5 and s.max() == 4
    assert np.all(np.abs(counts / s.size - 0.1) <= 4 * math.sqrt(0.09 / s.size))


@pytest.mark.parametrize("dtype, largest", [(mt.float32, 2 ** 24), (mt.int32, 2 ** 31 - 1),
                                            (mt.bool, 1)])
def test_random_without_bounds_covers_the_exact_integers_of_the_dtype(dtype, largest):
    s = _values(mt.zeros(4000, dtype=dtype).random_(generator=mt.Generator())).astype(float)
    assert s.min() >= 0 and s.max() <= largest
    _assert_mean(s, largest / 2, largest / math.sqrt(12))


def test_random_of_a_range_wider_than_a_double_uses_every_bit():
    s = _values(mt.zeros(4000, dtype=mt.int64).random_(generator=mt.Generator()))  # [0, 2**63)
    assert s.min() >= 0
    _assert_mean(s / 2.0 ** 63, 0.5, 1 / math.sqrt(12))
    assert abs(np.mean(s % 2) - 0.5) < 4 * 0.5 / math.sqrt(s.size)  # the low bit is random too


def test_random_from_the_smallest_int64_covers_the_whole_range():
    s = _values(mt.zeros(4000, dtype=mt.int64).random_(-2 ** 63, None, generator=mt.Generator()))
    assert abs(np.mean(s < 0) - 0.5) < 4 * 0.5 / math.sqrt(s.size)


# -- random fills: errors ------------------------------------------------------------------------
@pytest.mark.parametrize("call, message", [
    (lambda: mt.zeros(2).uniform_(2, 1), r"\[from, to\) range, but found from=2 > to=1"),
    (lambda: mt.zeros(2).uniform_(-3e38, 3e38), "to-from to exceed the limit"),
    (lambda: mt.zeros(2).normal_(0, -1), "normal expects std >= 0.0, but found std -1"),
    (lambda: mt.zeros(2).exponential_(0), "exponential_ expects lambda > 0.0, but found "
                                          "lambda=0"),
    (lambda: mt.zeros(2).geometric_(1.0), r"geometric_ expects p to be in \(0, 1\), but got "
                                          "p=1.0"),
    (lambda: mt.zeros(2).log_normal_(1, 0), "log_normal_ expects std > 0.0, but found std=0"),
    (lambda: mt.zeros(2).cauchy_(0, -1), "cauchy_ expects sigma > 0.0, but found sigma=-1"),
    (lambda: mt.zeros(2).bernoulli_(1.5), r"bernoulli_ expects p to be in \[0, 1\], but got "
                                          "p=1.5"),
    (lambda: mt.zeros(2).bernoulli_(mt.tensor([0.5, -0.1])), r"p_in >= 0 && p_in <= 1.*"
                                                             "-0.1 at index 1"),
    (lambda: mt.zeros(2, dtype=mt.int64).random_(5, 3), "random_ expects 'from' to be less "
                                                        "than 'to', but got from=5 >= to=3"),
    (lambda: mt.zeros(2, dtype=mt.int32).random_(0, 2 ** 40), "to - 1 is out of bounds for "
                                                              "int32"),
    (lambda: mt.zeros(2, dtype=mt.bool).random_(3, 5), "from is out of bounds for bool"),
])
def test_fill_argument_errors(call, message):
    with pytest.raises(RuntimeError, match=message):
        call()


def test_random_bounds_must_be_integers():
    with pytest.raises(TypeError, match="from and to must be integers, got from=0 and to=5.5"):
        mt.zeros(3).random_(0, 5.5)


def test_bernoulli_probabilities_must_broadcast_to_the_tensor():
    with pytest.raises(RuntimeError, match=r"p of shape \(2, 1\) cannot be broadcast to the "
                                           r"tensor's shape \(3,\)"):
        mt.zeros(3).bernoulli_(mt.full((2, 1), 0.5))


@pytest.mark.parametrize("name", ["uniform_", "normal_", "exponential_", "log_normal_",
                                  "cauchy_"])
def test_continuous_fills_of_an_integer_tensor_are_errors(name):
    with pytest.raises(RuntimeError, match="continuous probability distribution. dtype must be "
                                           "a floating point but you specified int64"):
        FILLS[name](mt.zeros(2, dtype=mt.int64), None)


# -- scatter_, scatter_add_, index_put_, put_, masked_scatter_: values ---------------------------
X = np.arange(12.0).reshape(3, 4)
IDX = np.array([[0, 2, 1, 0], [2, 0, 0, 1]])
SRC = -np.arange(1.0, 9.0).reshape(2, 4)

NUMPY_CASES = {
    "scatter_": (lambda x: x.scatter_(0, mt.tensor([[2, 0, 1, 2]]), mt.tensor(SRC)),
                 lambda a: a.__setitem__(([2, 0, 1, 2], range(4)), SRC[0])),
    "scatter_value": (lambda x: x.scatter_(1, mt.tensor([[3], [0], [1]]), value=7.0),
                      lambda a: a.__setitem__((range(3), [3, 0, 1]), 7.0)),
    "scatter_add_": (lambda x: x.scatter_add_(0, mt.tensor(IDX), mt.tensor(SRC)),
                     lambda a: np.add.at(a, (IDX, np.arange(4)), SRC)),
    "scatter_reduce_add": (lambda x: x.scatter_(0, mt.tensor(IDX), mt.tensor(SRC), reduce="add"),
                           lambda a: np.add.at(a, (IDX, np.arange(4)), SRC)),
    "scatter_reduce_multiply": (lambda x: x.scatter_(0, mt.tensor(IDX), 2.0, reduce="multiply"),
                                lambda a: np.multiply.at(a, (IDX, np.arange(4)), 2.0)),
    "index_put_": (lambda x: x.index_put_((mt.tensor([0, -1]), mt.tensor([1, 3])),
                                          mt.tensor([5.0, 6.0], dtype=mt.float64)),
                   lambda a: a.__setitem__(([0, -1], [1, 3]), [5.0, 6.0])),
    "index_put_accumulate": (lambda x: x.index_put_((mt.tensor([1, 1, 2]),), mt.ones(4,
                                                    dtype=mt.float64), accumulate=True),
                             lambda a: np.add.at(a, [1, 1, 2], 1.0)),
    "index_put_mask": (lambda x: x.index_put_((mt.tensor(X > 6),), mt.tensor(0.0,
                                              dtype=mt.float64)),
                       lambda a: a.__setitem__(X > 6, 0.0)),
    "put_": (lambda x: x.put_(mt.tensor([[0, -1], [5, 0]]),
                              mt.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=mt.float64),
                              accumulate=True),
             lambda a: np.add.at(a.reshape(-1), [0, -1, 5, 0], [1.0, 2.0, 3.0, 4.0])),
    "masked_scatter_": (lambda x: x.masked_scatter_(mt.tensor([True, False, False, True]),
                                                    mt.tensor(SRC)),
                        lambda a: a.__setitem__(np.broadcast_to([True, False, False, True],
                                                                (3, 4)), SRC.reshape(-1)[:6])),
}


@pytest.mark.parametrize("name", NUMPY_CASES)
def test_inplace_write_matches_numpy(name):
    ours, theirs = NUMPY_CASES[name]
    x = mt.tensor(X)
    expected = X.copy()
    theirs(expected)
    assert ours(x) is x
    np.testing.assert_array_equal(_values(x), expected)


@pytest.mark.parametrize("name", NUMPY_CASES)
def test_inplace_write_bumps_the_version(name):
    x = mt.tensor(X)
    version = x._version
    NUMPY_CASES[name][0](x)
    assert x._version == version + 1


def test_out_of_place_forms_leave_the_input_alone():
    x = mt.tensor(X)
    out = mt.index_put(x, (mt.tensor([0]),), mt.zeros(4, dtype=mt.float64))
    out2 = mt.put(x, mt.tensor([1]), mt.tensor([-1.0], dtype=mt.float64))
    out3 = mt.masked_scatter(x, mt.tensor(X > 9), mt.zeros(2, dtype=mt.float64))
    np.testing.assert_array_equal(_values(x), X)
    assert _values(out)[0].sum() == 0 and _values(out2)[0, 1] == -1 and _values(out3).max() == 9


def test_masked_scatter_broadcasts_a_larger_mask_out_of_place():
    out = mt.masked_scatter(mt.zeros(3), mt.tensor([[True, False, True]] * 2), mt.arange(4.0))
    np.testing.assert_array_equal(_values(out), [[0.0, 0.0, 1.0], [2.0, 0.0, 3.0]])


@requires_torch
@pytest.mark.filterwarnings("ignore:The reduce argument of torch.scatter")
@pytest.mark.parametrize("name", NUMPY_CASES)
def test_inplace_write_matches_pytorch(name):
    ours = NUMPY_CASES[name][0]
    x, y = mt.tensor(X), torch.tensor(X)
    ours(x)
    _torch_twin(name)(y)
    np.testing.assert_array_equal(_values(x), y.numpy())


def _torch_twin(name):
    t = torch.tensor
    return {
        "scatter_": lambda y: y.scatter_(0, t([[2, 0, 1, 2]]), t(SRC)),
        "scatter_value": lambda y: y.scatter_(1, t([[3], [0], [1]]), value=7.0),
        "scatter_add_": lambda y: y.scatter_add_(0, t(IDX), t(SRC)),
        "scatter_reduce_add": lambda y: y.scatter_(0, t(IDX), t(SRC), reduce="add"),
        "scatter_reduce_multiply": lambda y: y.scatter_(0, t(IDX), 2.0, reduce="multiply"),
        "index_put_": lambda y: y.index_put_((t([0, -1]), t([1, 3])), t([5.0, 6.0],
                                             dtype=torch.float64)),
        "index_put_accumulate": lambda y: y.index_put_((t([1, 1, 2]),), torch.ones(
            4, dtype=torch.float64), accumulate=True),
        "index_put_mask": lambda y: y.index_put_((t(X > 6),), t(0.0, dtype=torch.float64)),
        "put_": lambda y: y.put_(t([[0, -1], [5, 0]]), t([[1.0, 2.0], [3.0, 4.0]],
                                 dtype=torch.float64), accumulate=True),
        "masked_scatter_": lambda y: y.masked_scatter_(t([True, False, False, True]), t(SRC)),
    }[name]


# -- autograd through in-place writes on non-leaf tensors ----------------------------------------
GRAD_CASES = {
    "scatter_": lambda x, s, m: x.scatter_(0, m.tensor(IDX[:1]), s[:1]),  # PyTorch's backward
    # fails for a src larger than the index (ours reads only the index-sized corner)
    "scatter_add_": lambda x, s, m: x.scatter_add_(0, m.tensor(IDX), s),
    "index_put_": lambda x, s, m: x.index_put_((m.tensor([2, 0]), m.tensor([1, 3])), s[0, :2]),
    "index_put_accumulate": lambda x, s, m: x.index_put_((m.tensor([1, 1]),), s,
                                                         accumulate=True),
    "put_": lambda x, s, m: x.put_(m.tensor([0, 11, 0]), s[1, 1:4], accumulate=True),
    "masked_scatter_": lambda x, s, m: x.masked_scatter_(m.tensor(X % 3 == 0), s),
}


@requires_torch
@pytest.mark.parametrize("name", GRAD_CASES)
def test_gradient_through_an_inplace_write_matches_pytorch(name):
    (x_ours, x_theirs), (s_ours, s_theirs) = leaf_pair(randn((3, 4), 1)), leaf_pair(SRC)
    ours = GRAD_CASES[name](x_ours * 1.5, s_ours * 1.0, mt)
    theirs = GRAD_CASES[name](x_theirs * 1.5, s_theirs * 1.0, torch)
    check_same(ours, theirs, [(x_ours, x_theirs), (s_ours, s_theirs)])


@pytest.mark.parametrize("name", GRAD_CASES)
def test_inplace_write_to_a_leaf_that_requires_grad_is_refused(name):
    x = mt.tensor(X, requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        GRAD_CASES[name](x, mt.tensor(SRC), mt)


# -- in-place writes: errors ---------------------------------------------------------------------
@pytest.mark.parametrize("call, error, message", [
    (lambda x: x.scatter_(0, mt.tensor([[0]]), 1.0, reduce="mean"), RuntimeError,
     "reduce argument must be either add or multiply"),
    (lambda x: x.scatter_(0, mt.tensor([[0]])), TypeError, "exactly one of them"),
    (lambda x: x.index_put_((mt.tensor([0, 5]),), mt.tensor(1.0, dtype=mt.float64)), IndexError,
     "index 5 is out of bounds for dimension 0 with size 3"),
    (lambda x: x.index_put_((mt.tensor([0]),), mt.tensor(1.0)), RuntimeError,
     "Index put requires the source and destination dtypes match, got float64 for the "
     "destination and float32 for the source"),
    (lambda x: x.index_put_((mt.tensor([0.0]),), mt.tensor(1.0, dtype=mt.float64)), IndexError,
     "tensors used as indices must be long, int, byte or bool tensors"),
    (lambda x: x.index_put_((mt.tensor([0, 1]), mt.tensor([0, 1, 2])), mt.tensor(
        1.0, dtype=mt.float64)), IndexError, "could not be broadcast together with shapes "
                                             r"\[2\], \[3\]"),
    (lambda x: x.index_put_((mt.tensor([0, 0]),), mt.ones(3, 4, dtype=mt.float64)),
     RuntimeError, r"value tensor of shape \[3, 4\] cannot be broadcast to indexing result of "
                   r"shape \[2, 4\]"),
    (lambda x: x.put_(mt.tensor([0, 12]), mt.ones(2, dtype=mt.float64)), IndexError,
     "out of range: tried to access index 12 on a tensor of 12 elements"),
    (lambda x: x.put_(mt.tensor([0]), mt.ones(2, dtype=mt.float64)), IndexError,
     "put_\\(\\): Expected source and index to have the same number of elements"),
    (lambda x: x.masked_scatter_(mt.tensor([1, 0, 0, 1]), mt.ones(8, dtype=mt.float64)),
     RuntimeError, "masked_scatter_ only supports boolean masks, but got mask with dtype int64"),
    (lambda x: x.masked_scatter_(mt.tensor(X > 2), mt.ones(8, dtype=mt.float64)), RuntimeError,
     r"Number of elements of source < number of ones in mask \(8 < 9\)"),
    (lambda x: x.masked_scatter_(mt.ones(2, 3, 4, dtype=mt.bool), mt.ones(24,
                                                                          dtype=mt.float64)),
     RuntimeError, r"output with shape \[3, 4\] doesn't match the broadcast shape \[2, 3, 4\]"),
])
def test_inplace_write_errors(call, error, message):
    with pytest.raises(error, match=message):
        call(mt.tensor(X))


# -- fill_diagonal_ ------------------------------------------------------------------------------
@pytest.mark.parametrize("shape, wrap", [((3, 3), False), ((2, 4), False), ((7, 3), False),
                                         ((7, 3), True), ((3, 3, 3), False)])
def test_fill_diagonal_matches_numpy(shape, wrap):
    expected = np.zeros(shape)
    np.fill_diagonal(expected, 5.0, wrap=wrap)
    np.testing.assert_array_equal(_values(mt.zeros(*shape, dtype=mt.float64)
                                          .fill_diagonal_(5.0, wrap=wrap)), expected)


def test_fill_diagonal_casts_the_value_to_the_tensors_dtype():
    x = mt.zeros(2, 2, dtype=mt.int64).fill_diagonal_(1.7)
    np.testing.assert_array_equal(_values(x), [[1, 0], [0, 1]])


def test_fill_diagonal_needs_equal_dims_beyond_a_matrix():
    with pytest.raises(RuntimeError, match="all dimensions of input must be of equal length"):
        mt.zeros(2, 2, 3).fill_diagonal_(1)
    with pytest.raises(RuntimeError, match="dimensions must larger than 1"):
        mt.zeros(3).fill_diagonal_(1)


def test_fill_diagonal_of_a_non_leaf_passes_the_gradient_off_the_diagonal():
    a = mt.ones(3, 3, requires_grad=True)
    (a * 2).fill_diagonal_(0.0).sum().backward()
    np.testing.assert_array_equal(_values(a.grad), 2 * (1 - np.eye(3)))


# -- tril_, triu_, lerp_, cumsum_, cumprod_, clamp_min_, clamp_max_ ------------------------------
A = np.arange(1.0, 13.0).reshape(3, 4)
SIMPLE_CASES = {
    "tril_": (lambda x: x.tril_(1), np.tril(A, 1)),
    "triu_": (lambda x: x.triu_(-1), np.triu(A, -1)),
    "lerp_": (lambda x: x.lerp_(mt.zeros(4, dtype=mt.float64), 0.25), 0.75 * A),
    "cumsum_": (lambda x: x.cumsum_(1), np.cumsum(A, 1)),
    "cumprod_": (lambda x: x.cumprod_(0), np.cumprod(A, 0)),
    "clamp_min_": (lambda x: x.clamp_min_(5.0), np.maximum(A, 5.0)),
    "clamp_max_": (lambda x: x.clamp_max_(5.0), np.minimum(A, 5.0)),
}


@pytest.mark.parametrize("name", SIMPLE_CASES)
def test_inplace_op_matches_numpy_and_bumps_the_version(name):
    x = mt.tensor(A)
    version = x._version
    assert SIMPLE_CASES[name][0](x) is x
    np.testing.assert_allclose(_values(x), SIMPLE_CASES[name][1])
    assert x._version == version + 1


def test_cumsum_of_an_int32_tensor_stays_int32():
    x = mt.ones(4, dtype=mt.int32).cumsum_(0)
    assert x.dtype is mt.int32 and _values(x).tolist() == [1, 2, 3, 4]


# -- in-place views ------------------------------------------------------------------------------
def test_t_and_transpose_swap_the_tensors_own_shape_and_strides():
    x = mt.tensor(A)
    storage, version = x.untyped_storage(), x._version
    assert x.t_() is x
    assert x.shape == (4, 3) and x.stride() == (1, 4) and x.untyped_storage() is storage
    np.testing.assert_array_equal(_values(x), A.T)
    x.transpose_(0, -1)
    np.testing.assert_array_equal(_values(x), A)
    assert x._version == version + 2


def test_unsqueeze_and_squeeze_change_the_shape_of_a_strided_tensor_in_place():
    x = mt.tensor(A).T[::2]  # strided: (2, 3) with strides (2, 4)
    storage = x.untyped_storage()
    x.unsqueeze_(1)
    assert x.shape == (2, 1, 3) and x.untyped_storage() is storage
    np.testing.assert_array_equal(_values(x), A.T[::2][:, None])
    x.squeeze_()
    assert x.shape == (2, 3)
    np.testing.assert_array_equal(_values(x), A.T[::2])


def test_an_inplace_view_leaves_other_views_of_the_storage_alone():
    x = mt.tensor(A)
    row = x[0]
    x.t_()
    np.testing.assert_array_equal(_values(row), A[0])


@requires_torch
def test_gradient_through_inplace_views_matches_pytorch():
    ours, theirs = leaf_pair(randn((3, 4), 2))
    x, y = ours * 2, theirs * 2
    for t in (x, y):
        t.t_()
        t.unsqueeze_(0)
        t.transpose_(0, 2)
        t.squeeze_(1)
    check_same(x, y, [(ours, theirs)])


def test_inplace_view_of_a_leaf_that_requires_grad_is_refused_unless_under_no_grad():
    w = mt.zeros(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        w.t_()
    with mt.no_grad():
        w.t_()
    assert w.shape == (3, 2) and w.is_leaf


def test_backward_refuses_a_tensor_saved_before_an_inplace_view():
    a = mt.ones(2, 3, requires_grad=True)
    x = a * 1
    y = x * x  # saves x with shape (2, 3)
    x.t_()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()
