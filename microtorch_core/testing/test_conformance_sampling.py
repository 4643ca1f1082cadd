"""Conformance: sampling (multinomial, bernoulli, poisson, normal), the in-place random fills and
the in-place writes at positions (scatter_ with reduce, index_put_, masked_scatter_, put_).
They are composites of the primitives, so a backend passes these when its random kernels
follow the Philox spec and its copy, scatter and gather kernels honour strides. Kept small:
this file also runs on slow emulated devices."""

from __future__ import annotations

import numpy as np
import pytest

import microtorch_core as mt
from microtorch_core.testing import assert_close


@pytest.mark.ops("random_uniform", "copy")
def test_exact_fills_give_the_cpu_numbers_for_a_seed(device):
    # uniform_, random_ and bernoulli_ are exact arithmetic on the Philox uniforms
    fills = [lambda x: x.uniform_(-1.0, 3.0), lambda x: x.bernoulli_(0.4),
             lambda x: x.random_(-7, 7)]
    for fill in fills:
        mt.manual_seed(12)
        ours = fill(mt.zeros(3, 5, device=device, dtype=mt.float64))
        mt.manual_seed(12)
        assert_close(ours, fill(mt.zeros(3, 5, dtype=mt.float64)), rtol=0, atol=0)


@pytest.mark.ops("random_uniform", "random_normal", "copy")
def test_fills_write_through_a_strided_view(device):
    base = mt.full((4, 6), 5.0, device=device)
    view = base.T[1::2]  # columns 1, 3 and 5 of base
    version = base._version
    view.normal_(generator=mt.Generator().manual_seed(0))
    view.exponential_(generator=mt.Generator().manual_seed(1))
    host = np.asarray(base.cpu())
    assert np.all(host[:, ::2] == 5.0) and np.all(host[:, 1::2] >= 0)
    assert base._version == version + 2


@pytest.mark.ops("random_uniform", "gather")
def test_multinomial_never_draws_zero_weights_nor_repeats(device):
    weights = mt.tensor([[0.0, 3.0, 1.0, 0.0, 2.0], [1.0, 0.0, 0.0, 0.0, 0.0]], device=device)
    with_replacement = np.asarray(mt.multinomial(weights, 50, True).cpu())
    assert set(np.unique(with_replacement[0])) <= {1, 2, 4}
    assert set(np.unique(with_replacement[1])) == {0}
    without = np.asarray(mt.multinomial(weights, 5).cpu())
    assert sorted(without[0, :3]) == [1, 2, 4] and sorted(without[0]) == list(range(5))


@pytest.mark.ops("random_uniform", "random_normal")
def test_bernoulli_poisson_and_normal_are_plausible(device):
    mt.manual_seed(3)
    coin = np.asarray(mt.bernoulli(mt.full((2000,), 0.25, device=device)).cpu())
    # rate 4 takes the inversion path; rejection (rates from 10) costs many more kernels
    counts = np.asarray(mt.poisson(mt.full((1000,), 4.0, device=device)).cpu())
    normal = np.asarray(mt.normal(mt.full((2000,), 2.0, device=device), 0.5).cpu())
    assert abs(coin.mean() - 0.25) < 0.04
    assert abs(counts.mean() - 4.0) < 0.3 and np.all(counts == np.round(counts))
    assert abs(normal.mean() - 2.0) < 0.05 and abs(normal.std() - 0.5) < 0.05


@pytest.mark.ops("scatter", "scatter_add", "gather")
def test_inplace_writes_at_positions(device):
    x = np.arange(12.0).reshape(3, 4)
    t = mt.tensor(x, device=device)
    t.scatter_(0, mt.tensor([[2, 0, 1, 2]], device=device), 1.5, reduce="add")
    t.index_put_((mt.tensor([0, 0], device=device),), mt.ones(4, device=device,
                                                              dtype=mt.float64),
                 accumulate=True)
    t.masked_scatter_(mt.tensor([False, True, False, False], device=device),
                      mt.tensor([-1.0, -2.0, -3.0], device=device, dtype=mt.float64))
    t.put_(mt.tensor([-1], device=device), mt.tensor([9.0], device=device, dtype=mt.float64))
    expected = x.copy()
    expected[[2, 0, 1, 2], range(4)] += 1.5
    expected[0] += 2
    expected[:, 1] = [-1.0, -2.0, -3.0]
    expected[-1, -1] = 9.0
    assert_close(t, expected)


@pytest.mark.ops("scatter", "scatter_add", "gather")
def test_gradient_through_index_put_and_masked_scatter(device):
    a = mt.ones(2, 3, device=device, dtype=mt.float64, requires_grad=True)
    v = mt.tensor([5.0, 7.0], device=device, dtype=mt.float64, requires_grad=True)
    x = a * 2
    x.index_put_((mt.tensor([1, 1], device=device), mt.tensor([0, 2], device=device)), v)
    x.masked_scatter_(mt.tensor([True, False, False], device=device), v * 3)
    (x * mt.arange(6.0, device=device, dtype=mt.float64).reshape(2, 3)).sum().backward()
    assert_close(a.grad, np.array([[0.0, 2.0, 4.0], [0.0, 8.0, 0.0]]))
    assert_close(v.grad, np.array([0.0, 9.0 + 5.0]))  # v[0]'s only write was overwritten
