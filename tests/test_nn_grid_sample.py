"""``F.grid_sample`` and ``F.affine_grid``: values and gradients (input, grid, theta) against
PyTorch when installed; against NumPy and finite differences (float64) always."""

import re
import warnings

import numpy as np
import pytest
from torch_reference import check_same, requires_torch, torch

import microtorch_core as mt
from microtorch_core.autograd.gradcheck import gradcheck
from microtorch_core.nn import functional as F

if torch is not None:
    import torch.nn.functional as TF


def _leaves(data):
    return mt.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)


@requires_torch
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize(("mode", "shape", "grid_shape"), [
    ("bilinear", (2, 3, 5, 6), (2, 4, 7, 2)), ("nearest", (2, 3, 5, 6), (2, 4, 7, 2)),
    ("bicubic", (2, 3, 5, 6), (2, 4, 7, 2)), ("bilinear", (2, 2, 3, 4, 5), (2, 3, 2, 4, 3)),
    ("nearest", (2, 2, 3, 4, 5), (2, 3, 2, 4, 3))], ids=str)
def test_grid_sample_matches_torch(shape, grid_shape, mode, padding_mode, align_corners):
    rng = np.random.default_rng(1)
    (x, tx) = _leaves(rng.standard_normal(shape))
    (g, tg) = _leaves(rng.uniform(-2.5, 2.5, grid_shape))  # some positions outside
    ours = F.grid_sample(x, g, mode, padding_mode, align_corners)
    theirs = TF.grid_sample(tx, tg, mode, padding_mode, align_corners)
    # nearest sends no gradient to the grid (PyTorch sends zeros)
    check_same(ours, theirs, [(x, tx)] + ([(g, tg)] if mode == "bilinear" else []))


def test_grid_sample_bilinear_against_numpy():
    image = np.arange(12.0).reshape(1, 1, 3, 4)
    grid = np.array([[[[-0.5, 0.25], [0.9, -1.0]]]])  # (x, y) in [-1, 1], align_corners=True
    out = F.grid_sample(mt.tensor(image), mt.tensor(grid), align_corners=True).numpy().ravel()
    expected = []
    for x, y in grid[0, 0]:
        col, row = (x + 1) / 2 * 3, (y + 1) / 2 * 2
        c0, r0 = int(np.floor(col)), int(np.floor(row))
        fc, fr = col - c0, row - r0
        value = 0.0
        for dr, wr in ((0, 1 - fr), (1, fr)):
            for dc, wc in ((0, 1 - fc), (1, fc)):
                if 0 <= r0 + dr < 3 and 0 <= c0 + dc < 4:
                    value += wr * wc * image[0, 0, r0 + dr, c0 + dc]
        expected.append(value)
    np.testing.assert_allclose(out, expected, rtol=1e-12)


@pytest.mark.parametrize(("mode", "padding_mode"), [
    ("bilinear", "zeros"), ("bilinear", "border"), ("bilinear", "reflection"),
    ("bicubic", "reflection")])
def test_grid_sample_gradients_match_finite_differences(mode, padding_mode):
    rng = np.random.default_rng(2)
    x = mt.tensor(rng.standard_normal((1, 2, 3, 4)), requires_grad=True)
    g = mt.tensor(rng.uniform(-1.7, 1.7, (1, 2, 3, 2)), requires_grad=True)
    assert gradcheck(lambda x, g: F.grid_sample(x, g, mode, padding_mode, False), (x, g))


@requires_torch
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize(("size", "theta_shape"), [((2, 3, 4, 5), (2, 2, 3)),
                                                   ((2, 3, 4, 5, 3), (2, 3, 4))],
                         ids=["2d", "3d"])
def test_affine_grid_matches_torch(size, theta_shape, align_corners):
    (theta, ttheta) = _leaves(np.random.default_rng(3).standard_normal(theta_shape))
    check_same(F.affine_grid(theta, size, align_corners),
               TF.affine_grid(ttheta, size, align_corners), [(theta, ttheta)])


def test_identity_affine_grid_samples_the_input_back():
    image = mt.randn(2, 3, 5, 6, dtype=mt.float64)
    theta = mt.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]] * 2, dtype=mt.float64)
    grid = F.affine_grid(theta, (2, 3, 5, 6), align_corners=False)
    out = F.grid_sample(image, grid, align_corners=False)
    np.testing.assert_allclose(out.numpy(), image.numpy(), atol=1e-12)


def test_align_corners_left_out_warns_as_torch():
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        F.affine_grid(mt.zeros(1, 2, 3), (1, 1, 2, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.grid_sample(mt.zeros(1, 1, 2, 2), mt.zeros(1, 1, 1, 2), align_corners=True)


@pytest.mark.parametrize(("call", "error", "message"), [
    (lambda: F.grid_sample(mt.zeros(1, 1, 2, 2), mt.zeros(1, 1, 2), align_corners=True),
     RuntimeError, "expected 4D or 5D input and grid with same number of dimensions"),
    (lambda: F.grid_sample(mt.zeros(2, 1, 2, 2), mt.zeros(1, 1, 1, 2), align_corners=True),
     RuntimeError, "same batch size"),
    (lambda: F.grid_sample(mt.zeros(1, 1, 2, 2), mt.zeros(1, 1, 1, 3), align_corners=True),
     RuntimeError, "expected grid to have size 2 in last dimension"),
    (lambda: F.grid_sample(mt.zeros(1, 1, 2, 2), mt.zeros(1, 1, 1, 2), mode="area"),
     ValueError, "expected mode to be 'bilinear', 'nearest' or 'bicubic'"),
    (lambda: F.grid_sample(mt.zeros(1, 1, 2, 2, 2), mt.zeros(1, 1, 1, 1, 3), mode="bicubic",
                           align_corners=True),
     RuntimeError, "bicubic interpolation only supports 4D input"),
    (lambda: F.affine_grid(mt.zeros(1, 2, 3), (1, 1, 2), align_corners=True),
     NotImplementedError, "affine_grid only supports 4D and 5D sizes"),
    (lambda: F.affine_grid(mt.zeros(1, 3, 4), (1, 1, 2, 2), align_corners=True),
     ValueError, "Nx2x3 for size \\(1, 1, 2, 2\\). Got \\(1, 3, 4\\)"),
])
def test_grid_argument_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


# -- the aten forms: torch.grid_sampler / grid_sampler_2d / grid_sampler_3d --------------------
@requires_torch
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("padding_mode", [0, 1, 2])
@pytest.mark.parametrize(("name", "mode", "shape", "grid_shape"), [
    ("grid_sampler_2d", 0, (2, 3, 5, 6), (2, 4, 7, 2)),
    ("grid_sampler_2d", 1, (2, 3, 5, 6), (2, 4, 7, 2)),
    ("grid_sampler_2d", 2, (2, 3, 5, 6), (2, 4, 7, 2)),
    ("grid_sampler_3d", 0, (2, 2, 3, 4, 5), (2, 3, 2, 4, 3)),
    ("grid_sampler", 0, (2, 2, 3, 4, 5), (2, 3, 2, 4, 3))], ids=str)
def test_grid_sampler_integer_modes_match_torch(name, mode, shape, grid_shape, padding_mode,
                                                align_corners):
    rng = np.random.default_rng(2)
    (x, tx) = _leaves(rng.standard_normal(shape))
    (g, tg) = _leaves(rng.uniform(-2.5, 2.5, grid_shape))
    ours = getattr(mt, name)(x, g, mode, padding_mode, align_corners)
    theirs = getattr(torch, name)(tx, tg, mode, padding_mode, align_corners)
    check_same(ours, theirs, [(x, tx)] + ([(g, tg)] if mode != 1 else []))


def test_grid_sampler_2d_is_grid_sample_with_the_enum_order():
    x = mt.arange(12.0).reshape(1, 1, 3, 4)
    g = mt.tensor([[[[-1.3, 0.2], [0.4, 1.7]]]])
    for mode, name in enumerate(["bilinear", "nearest", "bicubic"]):
        for padding, padding_name in enumerate(["zeros", "border", "reflection"]):
            assert mt.grid_sampler_2d(x, g, mode, padding, True).tolist() == \
                F.grid_sample(x, g, name, padding_name, True).tolist()


def test_grid_sampler_gradient_by_finite_differences():
    rng = np.random.default_rng(3)
    x = mt.tensor(rng.standard_normal((1, 2, 3, 3, 4)), requires_grad=True)
    g = mt.tensor(rng.uniform(-1.2, 1.2, (1, 2, 2, 1, 3)), requires_grad=True)
    assert gradcheck(lambda a, b: mt.grid_sampler_3d(a, b, 0, 2, False), (x, g))


@pytest.mark.parametrize("call, message", [
    (lambda x, g: mt.grid_sampler_2d(x, g, 3, 0, False),
     "grid_sampler_2d(): interpolation_mode must be 0 (bilinear), 1 (nearest) or 2 (bicubic), "
     "but got 3"),
    (lambda x, g: mt.grid_sampler_2d(x, g, 0, -1, False),
     "padding_mode must be 0 (zeros), 1 (border) or 2 (reflection), but got -1"),
    (lambda x, g: mt.grid_sampler_3d(x, g, 0, 0, False),
     "grid_sampler_3d(): expected 5D input and grid with same number of dimensions, but got "
     "input with sizes [1, 1, 3, 3] and grid with sizes [1, 2, 2, 2]"),
])
def test_grid_sampler_refuses_unknown_modes_and_the_wrong_rank(call, message):
    x, g = mt.zeros(1, 1, 3, 3), mt.zeros(1, 2, 2, 2)
    with pytest.raises(RuntimeError, match=re.escape(message)):
        call(x, g)


def test_grid_sampler_3d_refuses_bicubic_as_torch():
    with pytest.raises(RuntimeError, match="bicubic interpolation only supports 4D input"):
        mt.grid_sampler_3d(mt.zeros(1, 1, 2, 2, 2), mt.zeros(1, 1, 1, 1, 3), 2, 0, False)
