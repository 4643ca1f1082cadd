"""Conformance: the formulations behind a training step's layers, against float64 NumPy
references written here from their definitions, on every backend.

Each layer below is built for speed from a few primitives (a batch norm with its closed-form
backward, max pooling over tiled windows, an embedding as one index_select, dropout from the
Philox stream, a Linear over folded leading dims, unfold's backward as strided adds, constant
padding as one fill and copy, a convolution as one im2col view and a matmul); these tests pin
down the results those shortcuts must keep.
"""

from __future__ import annotations

import numpy as np
import pytest

import microtorch_core as mt
import microtorch_core.nn.functional as F
from microtorch_core.backend import philox_words, uniform_from_words
from microtorch_core.testing import assert_close, check_gradients, random_array


# -- batch norm --------------------------------------------------------------------------------
def _batch_norm_reference(x, weight, bias, grad, eps):
    """Forward and the gradients of ``(out * grad).sum()``, from the definition, in float64:
    the gradient of x differentiates through the batch mean and variance (by the chain rule
    written out over the M values of each channel)."""
    dims = (0,) + tuple(range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    m = x.size // x.shape[1]
    mean = x.mean(dims, keepdims=True)
    var = ((x - mean) ** 2).mean(dims, keepdims=True)
    xhat = (x - mean) / np.sqrt(var + eps)
    out = xhat * weight.reshape(shape) + bias.reshape(shape)
    g_xhat = grad * weight.reshape(shape)
    g_var = (g_xhat * (x - mean) * -0.5 * (var + eps) ** -1.5).sum(dims, keepdims=True)
    g_mean = (-g_xhat / np.sqrt(var + eps)).sum(dims, keepdims=True) + \
        g_var * (-2 * (x - mean)).sum(dims, keepdims=True) / m
    g_x = g_xhat / np.sqrt(var + eps) + g_var * 2 * (x - mean) / m + g_mean / m
    return out, mean.reshape(-1), var.reshape(-1), g_x, (grad * xhat).sum(dims), grad.sum(dims)


@pytest.mark.parametrize("shape", [(8, 3), (4, 3, 5), (4, 3, 2, 3)])
def test_batch_norm_training_matches_its_definition(device, shape):
    x = random_array(shape, np.float32, seed=1)
    weight, bias = random_array((3,), np.float32, seed=2), random_array((3,), np.float32, seed=3)
    grad = random_array(shape, np.float32, seed=4)
    want = _batch_norm_reference(*(a.astype(np.float64) for a in (x, weight, bias, grad)), 1e-5)
    t = mt.tensor(x, device=device, requires_grad=True)
    w = mt.tensor(weight, device=device, requires_grad=True)
    b = mt.tensor(bias, device=device, requires_grad=True)
    running_mean, running_var = mt.zeros(3, device=device), mt.ones(3, device=device)
    out = F.batch_norm(t, running_mean, running_var, w, b, training=True, momentum=0.1)
    out.backward(mt.tensor(grad, device=device))
    m = x.size // 3
    assert_close(out, want[0], rtol=1e-4, atol=1e-5, check_dtype=False)
    assert_close(running_mean, 0.1 * want[1], rtol=1e-4, atol=1e-6, check_dtype=False)
    assert_close(running_var, 0.9 + 0.1 * want[2] * m / (m - 1), rtol=1e-4, atol=1e-6,
                 check_dtype=False)
    for got, expected in zip((t.grad, w.grad, b.grad), want[3:]):
        assert_close(got, expected, rtol=1e-3, atol=1e-4, check_dtype=False)


def test_batch_norm_gradients_by_finite_differences(device):
    def fn(x, w, b):
        return F.batch_norm(x, None, None, w, b, training=True)

    check_gradients(fn, (4, 2, 3), (2,), (2,), device=device)


def test_batch_norm_second_derivative_by_finite_differences(device):
    grad = mt.tensor(random_array((3, 2, 2), np.float64, seed=6), device=device)

    def grad_of_x(x, w):  # differentiable (create_graph): its own gradient is the 2nd order
        out = F.batch_norm(x, None, None, w, None, training=True)
        return mt.autograd.grad((out * grad).sum(), x, create_graph=True)[0]

    check_gradients(grad_of_x, (3, 2, 2), (2,), device=device)


# -- max pooling -------------------------------------------------------------------------------
def _max_pool_reference(x, k, s):
    """(out, grad of out.sum()): each window's maximum, its gradient at the first maximum in
    row-major window order, NaN counting as the maximum (PyTorch's rule)."""
    n, c, h, w = x.shape
    oh, ow = (h - k) // s + 1, (w - k) // s + 1
    out, grad = np.empty((n, c, oh, ow), x.dtype), np.zeros_like(x)
    for i in np.ndindex(n, c, oh, ow):
        window = x[i[0], i[1], i[2] * s:i[2] * s + k, i[3] * s:i[3] * s + k].reshape(-1)
        nan = np.flatnonzero(np.isnan(window))
        j = nan[0] if nan.size else int(np.argmax(window))
        out[i] = window[j]
        grad[i[0], i[1], i[2] * s + j // k, i[3] * s + j % k] += 1
    return out, grad


@pytest.mark.ops("gather")
@pytest.mark.parametrize("kernel, stride", [(2, 2), (3, 3), (3, 2), (2, 1)])
def test_max_pool_takes_the_first_maximum_of_each_window(device, kernel, stride):
    x = np.round(random_array((2, 2, 7, 6), np.float32, seed=6))  # rounded: many ties
    x[0, 0, 1, 1] = np.nan
    t = mt.tensor(x, device=device, requires_grad=True)
    out = F.max_pool2d(t, kernel, stride)
    out.sum().backward()
    want, grad = _max_pool_reference(x, kernel, stride)
    assert_close(out, want)
    assert_close(t.grad, grad)


# -- embedding, index_select and gather -----------------------------------------------------------
@pytest.mark.ops("gather", "scatter_add")
def test_embedding_backward_sums_the_rows_of_repeated_indices(device):
    weight = random_array((6, 4), np.float32)
    ids = np.array([[0, 5, 5], [2, 0, 5]])
    grad = random_array((2, 3, 4), np.float32, seed=7)
    w = mt.tensor(weight, device=device, requires_grad=True)
    out = F.embedding(mt.tensor(ids, device=device), w)
    out.backward(mt.tensor(grad, device=device))
    want = np.zeros_like(weight)
    np.add.at(want, ids.reshape(-1), grad.reshape(-1, 4))
    assert_close(out, weight[ids])
    assert_close(w.grad, want, rtol=1e-6)


@pytest.mark.ops("gather")
@pytest.mark.parametrize("dim", [0, 1, 2])
def test_index_select_and_gather_agree_with_numpy_take(device, dim):
    x = random_array((4, 5, 3), np.float32)
    index = np.array([2, 0, 2, 1])[: x.shape[dim]]
    t = mt.tensor(x, device=device)
    assert_close(t.index_select(dim, mt.tensor(index, device=device)), np.take(x, index, dim))
    full = np.broadcast_to(np.expand_dims(index, [d for d in range(3) if d != dim]),
                           x.shape[:dim] + index.shape + x.shape[dim + 1:])
    gathered = t.gather(dim, mt.tensor(np.ascontiguousarray(full), device=device))
    assert_close(gathered, np.take_along_axis(x, full, dim))


# -- dropout -------------------------------------------------------------------------------------
@pytest.mark.ops("random_uniform")
def test_dropout_keeps_the_elements_of_the_philox_stream_below_one_minus_p(device):
    mt.manual_seed(1234)
    out = F.dropout(mt.ones(1000, device=device), p=0.25)
    uniform = uniform_from_words(philox_words(1000, 1234, 0), np.float32)
    want = np.where(uniform < np.float32(0.75), np.float32(1 / 0.75), np.float32(0))
    assert_close(out, want)


# -- Linear, ReLU, softmax -----------------------------------------------------------------------
@pytest.mark.ops("matmul")
def test_linear_of_a_3d_input_is_the_product_of_its_rows(device):
    x = random_array((3, 4, 5), np.float32)
    weight, bias = random_array((6, 5), np.float32, seed=8), random_array((6,), np.float32)
    t = mt.tensor(x, device=device, requires_grad=True)
    w = mt.tensor(weight, device=device, requires_grad=True)
    out = F.linear(t, w, mt.tensor(bias, device=device))
    out.sum().backward()
    x64, w64 = x.astype(np.float64), weight.astype(np.float64)
    ones = np.ones((3, 4, 6))
    assert_close(out, x64 @ w64.T + bias, rtol=1e-5, atol=1e-5, check_dtype=False)
    assert_close(w.grad, ones.reshape(-1, 6).T @ x64.reshape(-1, 5), rtol=1e-5,
                 check_dtype=False)
    assert_close(t.grad, ones @ w64, rtol=1e-5, check_dtype=False)


def test_relu_backward_passes_the_gradient_where_the_input_is_positive(device):
    x = np.array([-2.0, -0.0, 0.0, 1e-30, 3.0, np.inf], np.float32)
    t = mt.tensor(x, device=device, requires_grad=True)
    grad = np.array([1.5, 2.0, 3.0, 4.0, 5.0, 6.0], np.float32)
    t.relu().backward(mt.tensor(grad, device=device))
    assert_close(t.grad, np.where(x > 0, grad, 0))


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_and_its_gradient_over_each_dim(device, dim):
    x = random_array((3, 4, 16), np.float64) * 5
    t = mt.tensor(x, device=device, requires_grad=True)
    grad = random_array(x.shape, np.float64, seed=9)
    out = t.softmax(dim)
    out.backward(mt.tensor(grad, device=device))
    e = np.exp(x - x.max(dim, keepdims=True))
    p = e / e.sum(dim, keepdims=True)
    assert_close(out, p)
    assert_close(t.grad, p * (grad - (grad * p).sum(dim, keepdims=True)))


# -- the window machinery of convolutions: unfold and constant padding ----------------------------
@pytest.mark.parametrize("size, step", [(3, 1), (3, 2), (2, 2), (2, 3)])
def test_unfold_backward_adds_every_window_back_where_it_was_taken(device, size, step):
    x = random_array((2, 9), np.float64)
    t = mt.tensor(x, device=device, requires_grad=True)
    out = t.unfold(1, size, step)
    grad = random_array(tuple(out.shape), np.float64, seed=10)
    out.backward(mt.tensor(grad, device=device))
    want = np.zeros_like(x)
    for w in range(out.shape[1]):
        want[:, w * step:w * step + size] += grad[:, w]
    assert_close(t.grad, want)
    check_gradients(lambda a: a.unfold(1, size, step), (2, 9), device=device)


def test_constant_pad_fills_the_border_and_passes_the_interior_gradient(device):
    x = random_array((2, 3, 4), np.float32)
    t = mt.tensor(x, device=device, requires_grad=True)
    out = F.pad(t, (1, 2, 0, -1), value=7.0)
    grad = random_array(tuple(out.shape), np.float32, seed=11)
    out.backward(mt.tensor(grad, device=device))
    want = np.pad(x[:, :2, :], ((0, 0), (0, 0), (1, 2)), constant_values=7.0)
    assert_close(out, want)
    expected = np.zeros_like(x)
    expected[:, :2, :] = grad[:, :, 1:5]
    assert_close(t.grad, expected)


def _conv2d_reference(x, w, stride, dilation):
    """The sum over kernel elements of shifted, strided slices of x times the weights."""
    n, _, h, wd = x.shape
    o, _, kh, kw = w.shape
    oh = (h - dilation * (kh - 1) - 1) // stride + 1
    ow = (wd - dilation * (kw - 1) - 1) // stride + 1
    out = np.zeros((n, o, oh, ow))
    for i in range(kh):
        for j in range(kw):
            patch = x[:, :, i * dilation::stride, j * dilation::stride][:, :, :oh, :ow]
            out += np.einsum("nchw,oc->nohw", patch, w[:, :, i, j])
    return out


@pytest.mark.ops("matmul")
@pytest.mark.parametrize("stride, dilation", [(1, 1), (2, 1), (1, 2), (2, 2)])
def test_convolution_windows_are_the_sum_of_shifted_slices(device, stride, dilation):
    x, w = random_array((2, 3, 9, 8), np.float64), random_array((4, 3, 3, 2), np.float64)
    out = F.conv2d(mt.tensor(x, device=device), mt.tensor(w, device=device), stride=stride,
                   dilation=dilation)
    assert_close(out, _conv2d_reference(x, w, stride, dilation))
    check_gradients(lambda a, b: F.conv2d(a, b, stride=stride, dilation=dilation, padding=1),
                    (1, 2, 5, 5), (2, 2, 3, 3), device=device)
