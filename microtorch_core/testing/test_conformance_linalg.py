"""Conformance: matrix products (``matmul``/``@``, mm, bmm, dot, outer) against NumPy: 1-D,
2-D and batched operands, batch broadcasting, transposed operands, dtypes, empty and large."""

from __future__ import annotations

import numpy as np
import pytest

import microtorch_core as mt
from microtorch_core.testing import assert_close, random_array
from microtorch_core.testing.layouts import LAYOUTS, make_layout

pytestmark = pytest.mark.ops("matmul")


@pytest.mark.parametrize(("shape_a", "shape_b"), [
    ((4,), (4,)), ((4,), (4, 3)), ((2, 4), (4,)), ((2, 4), (4, 3)), ((5, 2, 4), (5, 4, 3)),
    ((5, 2, 4), (4, 3)), ((2, 4), (5, 4, 3)), ((2, 1, 2, 4), (3, 4, 3)), ((3,), (2, 3, 1)),
    ((1, 1), (1, 1)),
])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_matmul_shapes(device, shape_a, shape_b, dtype):
    a = random_array(shape_a, dtype, seed=1)
    b = random_array(shape_b, dtype, seed=2)
    out = mt.tensor(a, device=device) @ mt.tensor(b, device=device)
    assert_close(out, np.asarray(a @ b), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("dtype", ["int64", "int32"])
def test_matmul_of_integers_is_exact(device, dtype):
    a, b = random_array((3, 5), dtype, -9, 9, seed=1), random_array((5, 2), dtype, -9, 9, seed=2)
    assert_close(mt.tensor(a, device=device) @ mt.tensor(b, device=device), a @ b)


@pytest.mark.parametrize("layout_b", LAYOUTS)
@pytest.mark.parametrize("layout_a", LAYOUTS)
def test_matmul_of_strided_operands(device, layout_a, layout_b):
    a, a_np = make_layout(random_array((4, 4), "float32", seed=1), layout_a, device)
    b, b_np = make_layout(random_array((4, 4), "float32", seed=2), layout_b, device)
    assert_close(a @ b, a_np @ b_np, rtol=1e-5, atol=1e-5)


def test_matmul_of_expanded_batch(device):
    a = random_array((1, 3, 4), "float32", seed=1)
    b = random_array((6, 4, 2), "float32", seed=2)
    ta = mt.tensor(a, device=device).expand(6, 3, 4)
    assert_close(ta @ mt.tensor(b, device=device), a @ b, rtol=1e-5, atol=1e-5)


def test_matmul_with_empty_inner_dim_is_zeros(device):
    out = mt.zeros(3, 0, device=device) @ mt.zeros(0, 2, device=device)
    assert_close(out, np.zeros((3, 2), np.float32))
    assert (mt.zeros(0, 4, device=device) @ mt.zeros(4, 2, device=device)).shape == (0, 2)


def test_mm_bmm_dot_outer(device):
    a, b = random_array((3, 4), "float64", seed=1), random_array((4, 2), "float64", seed=2)
    ta, tb = mt.tensor(a, device=device), mt.tensor(b, device=device)
    assert_close(mt.mm(ta, tb), a @ b)
    batch_a, batch_b = np.stack([a, 2 * a]), np.stack([b, -b])
    assert_close(mt.bmm(mt.tensor(batch_a, device=device), mt.tensor(batch_b, device=device)),
                 batch_a @ batch_b)
    v, w = a[0], b[:, 0]
    assert_close(mt.dot(mt.tensor(v, device=device), mt.tensor(w, device=device)),
                 np.asarray(v @ w))
    assert_close(mt.outer(mt.tensor(v, device=device), mt.tensor(w, device=device)),
                 np.outer(v, w))


def test_large_matmul(device):
    a = random_array((256, 256), "float32", seed=1)
    b = random_array((256, 256), "float32", seed=2)
    expected = (a.astype(np.float64) @ b.astype(np.float64)).astype(np.float32)
    assert_close(mt.tensor(a, device=device) @ mt.tensor(b, device=device), expected,
                 rtol=1e-4, atol=1e-4)


# -- convolution and pooling: composites of unfold views, copies, matmul, gather, scatter_add --
def _conv2d_reference(x: np.ndarray, w: np.ndarray, stride: int) -> np.ndarray:
    n, _, h, wd = x.shape
    o, _, kh, kw = w.shape
    oh, ow = (h - kh) // stride + 1, (wd - kw) // stride + 1
    out = np.zeros((n, o, oh, ow), x.dtype)
    for i in range(oh):
        for j in range(ow):
            patch = x[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
            out[:, :, i, j] = np.einsum("nchw,ochw->no", patch, w)
    return out


@pytest.mark.ops("matmul", "copy", "scatter_add")
def test_conv2d_forward_and_input_gradient(device):
    x_np, w_np = random_array((2, 3, 6, 5), "float64", seed=1), random_array((4, 3, 3, 2),
                                                                            "float64", seed=2)
    x = mt.tensor(x_np, device=device, requires_grad=True)
    out = mt.nn.functional.conv2d(x, mt.tensor(w_np, device=device), stride=2)
    assert_close(out, _conv2d_reference(x_np, w_np, 2))
    out.sum().backward()
    # d(sum)/dx counts, for every input element, the weights of the windows that saw it
    expected = np.zeros_like(x_np)
    for i in range(out.shape[2]):
        for j in range(out.shape[3]):
            expected[:, :, 2 * i:2 * i + 3, 2 * j:2 * j + 2] += w_np.sum(0)
    assert_close(x.grad, expected)


@pytest.mark.ops("argmax", "gather", "scatter_add")
def test_max_pool2d_forward_and_gradient_go_to_the_maximum(device):
    x_np = random_array((1, 2, 4, 4), "float32", seed=3)
    x = mt.tensor(x_np, device=device, requires_grad=True)
    out = mt.nn.functional.max_pool2d(x, 2)
    windows = x_np.reshape(1, 2, 2, 2, 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(1, 2, 2, 2, 4)
    assert_close(out, windows.max(-1))
    out.sum().backward()
    assert_close(x.grad, (x_np == np.repeat(np.repeat(windows.max(-1), 2, 2), 2, 3))
                 .astype(np.float32))
