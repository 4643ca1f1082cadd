"""Conformance: gradients. Every differentiable op is checked by finite differences in float64
(``gradcheck``), and against PyTorch (forward and gradient of ``.sum()``) when installed."""

from __future__ import annotations

import numpy as np
import pytest

import microtorch_core as mt
from microtorch_core.testing import (
    assert_close,
    check_against_torch,
    check_gradients,
    random_array,
)

POSITIVE = random_array((2, 3), np.float64, 0.5, 2.0, seed=5)
DISTINCT = np.random.default_rng(3).permutation(12).reshape(3, 4) / 4.0 - 1.4  # no ties


def _idx(x, values):
    return mt.tensor(np.array(values), device=x.device)


def _setitem(x):
    y = x * 1
    y[0, 1:] = x[1, :2] * 3
    y[[1, 1], [0, 2]] = x[0, 0]
    return y


def _inplace_chain(x):
    y = x * 2
    y.mul_(x)
    y.add_(1.5)
    y.sub_(x)
    y.div_(2.0)
    return y


def p(name, fn, *inputs):
    return pytest.param(fn, inputs, id=name)


GRADCHECK = [
    # elementwise
    p("neg", lambda x: -x, (2, 3)),
    p("abs", lambda x: x.abs(), DISTINCT),
    p("sign", lambda x: x.sign() * x, DISTINCT),
    p("exp", lambda x: x.exp(), (2, 3)),
    p("log", lambda x: x.log(), POSITIVE),
    p("sqrt", lambda x: x.sqrt(), POSITIVE),
    p("sin", lambda x: x.sin(), (2, 3)),
    p("cos", lambda x: x.cos(), (2, 3)),
    p("tanh", lambda x: x.tanh(), (2, 3)),
    p("sigmoid", lambda x: x.sigmoid(), (2, 3)),
    p("erf", lambda x: x.erf(), (2, 3)),
    p("add", lambda a, b: a + b, (2, 3), (3,)),
    p("sub", lambda a, b: a - b, (2, 1), (1, 3)),
    p("mul", lambda a, b: a * b, (2, 3), (2, 1)),
    p("div", lambda a, b: a / b, (2, 3), POSITIVE),
    p("pow", lambda a, b: a ** b, POSITIVE, (2, 3)),
    p("pow_scalar_exponent", lambda x: x ** 3 + x ** 0.5 * 0 + x ** -1, POSITIVE),
    p("pow_scalar_base", lambda x: 2.0 ** x, (2, 3)),
    p("scalar_ops", lambda x: (3 - x) / 2 + 1 / (x + 5) * 4, (2, 3)),
    p("maximum", lambda a, b: mt.maximum(a, b), DISTINCT, DISTINCT.T.copy().reshape(3, 4)),
    p("minimum", lambda a, b: mt.minimum(a, b), DISTINCT, DISTINCT[::-1].copy()),
    p("where", lambda a, b: mt.where(a > 0, a, b), DISTINCT, (3, 4)),
    # composites
    p("relu", lambda x: x.relu(), DISTINCT),
    p("clamp", lambda x: x.clamp(-0.5, 0.7), DISTINCT),
    p("square", lambda x: x.square(), (2, 3)),
    p("rsqrt", lambda x: x.rsqrt(), POSITIVE),
    p("reciprocal", lambda x: x.reciprocal(), POSITIVE),
    p("log1p", lambda x: x.log1p(), POSITIVE),
    p("expm1", lambda x: x.expm1(), (2, 3)),
    p("lerp", lambda a, b: a.lerp(b, 0.3), (2, 3), (2, 3)),
    p("masked_fill", lambda x: x.masked_fill(x > 0, 2.0), DISTINCT),
    # reductions
    p("sum", lambda x: x.sum(), (2, 3)),
    p("sum_dims", lambda x: x.sum((0, 2), keepdim=True), (2, 3, 2)),
    p("prod", lambda x: x.prod(1), (2, 3)),
    p("prod_with_zeros", lambda x: (x * _idx(x, [[0.0, 1, 1], [0, 1, 0]])).prod(1), (2, 3)),
    p("amax", lambda x: x.amax(1), DISTINCT),
    p("amin", lambda x: x.amin((0, 1)), DISTINCT),
    p("max_dim", lambda x: x.max(0).values, DISTINCT),
    p("min_dim", lambda x: x.min(1, keepdim=True).values, DISTINCT),
    p("mean", lambda x: x.mean(-1), (2, 3)),
    p("var", lambda x: x.var(0), (3, 2)),
    p("std", lambda x: x.std(), (2, 3)),
    p("logsumexp", lambda x: x.logsumexp(1), (2, 3)),
    p("softmax", lambda x: x.softmax(-1), (2, 3)),
    p("log_softmax", lambda x: x.log_softmax(0), (2, 3)),
    # views and indexing
    p("reshape", lambda x: x.reshape(3, 2) * _idx(x, [1.0, 2.0]), (2, 3)),
    p("permute", lambda x: x.permute(2, 0, 1), (2, 1, 3)),
    p("transpose_contiguous", lambda x: x.T.contiguous(), (2, 3)),
    p("expand", lambda x: x.expand(2, 3, 2) * _idx(x, [1.0, -2.0]), (3, 1)),
    p("squeeze_unsqueeze", lambda x: x.unsqueeze(0).squeeze(2), (2, 1)),
    p("flatten", lambda x: x.flatten(), (2, 3)),
    p("clone", lambda x: x.clone(), (2, 3)),
    p("basic_index", lambda x: x[1:, ::2], (3, 4)),
    p("advanced_index", lambda x: x[[0, 2, 2]], (3, 2)),
    p("mask_index", lambda x: x[x > 0], DISTINCT),
    p("setitem", _setitem, (2, 3)),
    p("inplace_chain", _inplace_chain, (2, 3)),
    p("gather", lambda x: x.gather(1, _idx(x, [[0, 0], [2, 1]])), (2, 3)),
    p("scatter_add", lambda x, s: x.scatter_add(0, _idx(x, [[1, 1, 0]]), s), (2, 3), (1, 3)),
    p("scatter", lambda x, s: x.scatter(1, _idx(x, [[2], [0]]), s), (2, 3), (2, 1)),
    p("index_select", lambda x: x.index_select(0, _idx(x, [1, 1, 0])), (2, 3)),
    p("cat", lambda a, b: mt.cat([a, b], 1), (2, 1), (2, 2)),
    p("stack", lambda a, b: mt.stack([a, b], -1), (2, 2), (2, 2)),
    p("split", lambda x: x.split(2)[1] * 2, (3, 2)),
    # linear algebra
    p("matmul", lambda a, b: a @ b, (2, 3), (3, 2)),
    p("matmul_batched_broadcast", lambda a, b: a @ b, (2, 1, 2, 3), (2, 3, 1)),
    p("matmul_vector", lambda a, b: a @ b, (3,), (3, 2)),
    p("dot", lambda a, b: mt.dot(a, b), (3,), (3,)),
    p("outer", lambda a, b: mt.outer(a, b), (2,), (3,)),
]


@pytest.mark.parametrize(("fn", "inputs"), GRADCHECK)
def test_gradcheck(device, fn, inputs):
    check_gradients(fn, *inputs, device=device)


@pytest.mark.parametrize("fn", [
    pytest.param(lambda x: mt.autograd.grad((x ** 3).sum(), x, create_graph=True)[0], id="pow"),
    pytest.param(lambda x: mt.autograd.grad(x.tanh().sum(), x, create_graph=True)[0],
                 id="tanh"),
    pytest.param(lambda x: mt.autograd.grad((x.softmax(-1) * x).sum(), x,
                                            create_graph=True)[0], id="softmax"),
])
def test_second_order_gradients(device, fn):
    check_gradients(fn, (2, 3), device=device)


TORCH = [
    p("unary", lambda x: x.exp() + x.sin() * x.cos() - x.tanh() + x.sigmoid(), (3, 4)),
    p("log_sqrt", lambda x: x.log() + x.sqrt() + x.rsqrt(), POSITIVE.astype(np.float32)),
    p("erf", lambda x: x.erf(), (5,)),
    p("abs_sign", lambda x: x.abs() * x.sign(), DISTINCT.astype(np.float32)),
    p("broadcast_arith", lambda a, b: (a + b) * (a - b) / (b * b + 1), (2, 3, 1), (4,)),
    p("pow", lambda a, b: a ** b + a ** 2 + 2 ** b, POSITIVE.astype(np.float32), (2, 3)),
    p("max_min_ties", lambda a, b: a.maximum(b) + a.minimum(b), [1.0, 2.0, 3.0],
      [3.0, 2.0, 1.0]),
    p("relu_at_zero", lambda x: x.relu(), [-1.0, 0.0, 2.0]),
    p("clamp", lambda x: x.clamp(-0.5, 0.5), [-1.0, -0.5, 0.0, 0.5, 1.0]),
    p("where", lambda a, b: a.where(a > b, b), (3, 4), (4,)),
    p("sum_mean", lambda x: x.sum(1) + x.mean(0).sum(), (3, 4)),
    p("var_std", lambda x: x.var(1) + x.std(0, keepdim=True).sum(), (3, 4)),
    p("prod", lambda x: x.prod(1), [[1.0, 2.0, 0.0], [0.0, 0.0, 3.0], [1.0, 2.0, 3.0]]),
    p("amax_ties", lambda x: x.amax(1), [[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]]),
    p("max_dim", lambda x: x.max(1), DISTINCT.astype(np.float32)),
    p("argmax", lambda x: x.argmax(1), (3, 4)),
    p("softmax", lambda x: x.softmax(1) * x.log_softmax(0), (3, 4)),
    p("logsumexp", lambda x: x.logsumexp(1), (3, 4)),
    p("matmul", lambda a, b: a @ b, (5, 3, 4), (4, 2)),
    p("views", lambda x: x.permute(1, 0, 2).reshape(4, 6)[1:, ::2].T, (3, 4, 2)),
    p("expand", lambda x: x.expand(3, 4) * 2, (3, 1)),
    p("indexing", lambda x: x[[2, 0]] + x[x > 0].sum(), (3, 4)),
    p("gather", lambda x: x.gather(0, x.argmin(0, keepdim=True)), (3, 4)),
    p("promotion", lambda a, b: a * b + 1, np.arange(4, dtype=np.int32), (4,)),
    p("comparisons", lambda a: (a > 0) | (a < -1), (3, 4)),
]


@pytest.mark.parametrize(("fn", "inputs"), TORCH)
def test_matches_pytorch(device, fn, inputs):
    check_against_torch(fn, *inputs, device=device, rtol=1e-5, atol=1e-5)


def test_cat_and_stack_match_pytorch(device):
    torch = pytest.importorskip("torch")
    check_against_torch(lambda a, b: mt.cat([a, b.T], 0) * mt.stack([a, b.T], 2).sum(2)[0],
                        (2, 3), (3, 2), device=device,
                        torch_fn=lambda a, b: torch.cat([a, b.T], 0)
                        * torch.stack([a, b.T], 2).sum(2)[0])


# -- engine behaviour on the device -------------------------------------------------------------
def test_gradients_live_on_the_device_and_accumulate(device):
    x = mt.tensor([1.0, 2.0, 3.0], device=device, requires_grad=True)
    (x * x).sum().backward()
    (x * 2).sum().backward()
    assert x.grad.device == x.device
    assert_close(x.grad, np.float32([4.0, 6.0, 8.0]))


def test_broadcast_gradient_is_reduced_to_the_input_shape(device):
    a = mt.ones(3, 1, device=device, requires_grad=True)
    b = mt.ones(4, device=device, dtype=mt.float64, requires_grad=True)
    (a * b).sum().backward()
    assert_close(a.grad, np.full((3, 1), 4.0, np.float32))
    assert_close(b.grad, np.full(4, 3.0))


def test_no_grad_and_detach(device):
    x = mt.ones(2, device=device, requires_grad=True)
    with mt.no_grad():
        y = x * 2
    assert not y.requires_grad and y.grad_fn is None
    z = (x * 3).detach()
    assert not z.requires_grad


def test_pow_gradient_is_zero_where_the_exponent_is_zero(device):
    a = mt.tensor([0.0, 0.0, 2.0], device=device, requires_grad=True)
    b = mt.tensor([0.0, 2.0, 0.0], device=device, requires_grad=True)
    (a ** b).sum().backward()
    assert_close(a.grad, np.float32([0.0, 0.0, 0.0]))  # not 0 * 0^-1 = nan


def test_std_gradient_of_constant_input_is_zero(device):
    x = mt.ones(3, 2, device=device, requires_grad=True)
    x.std(0).sum().backward()
    assert_close(x.grad, np.zeros((3, 2), np.float32))  # PyTorch masks 1 / (2 * 0)
