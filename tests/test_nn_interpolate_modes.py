"""``F.interpolate``'s bicubic, trilinear and area modes and its 5-D nearest modes, and
``nn.Upsample`` with them: values and gradients against PyTorch when installed; against
NumPy and finite differences (float64) always."""

import numpy as np
import pytest
from torch_reference import check_same, requires_torch, torch

import microtorch_core as mt
from microtorch_core import nn
from microtorch_core.autograd.gradcheck import gradcheck
from microtorch_core.nn import functional as F

if torch is not None:
    import torch.nn.functional as TF


def _pair(shape, seed, dtype=np.float64):
    data = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    return mt.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)


SIZES_2D = [dict(size=(7, 9)), dict(size=(3, 2)), dict(scale_factor=2),
            dict(scale_factor=(1.7, 0.6))]
SIZES_3D = [dict(size=(5, 7, 9)), dict(scale_factor=(1.5, 0.5, 2))]


@requires_torch
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("sizes", SIZES_2D, ids=str)
def test_bicubic_values_and_gradients_match_torch(sizes, align_corners):
    x, tx = _pair((2, 3, 4, 5), 1)
    check_same(F.interpolate(x, mode="bicubic", align_corners=align_corners, **sizes),
               TF.interpolate(tx, mode="bicubic", align_corners=align_corners, **sizes),
               [(x, tx)])


@requires_torch
def test_bicubic_in_float32_matches_torch_to_float_precision():
    x, tx = _pair((1, 2, 5, 6), 2, np.float32)
    np.testing.assert_allclose(F.interpolate(x, scale_factor=1.7, mode="bicubic").detach()
                               .numpy(), TF.interpolate(tx, scale_factor=1.7, mode="bicubic")
                               .detach().numpy(), rtol=1e-5, atol=1e-6)


def test_bicubic_along_a_dim_uses_keys_kernel_with_a_minus_0_75():
    # upsampling a row of 4 by 2 without align_corners: output i reads around (i + 0.5) / 2 - 0.5
    data = np.array([1.0, 4.0, 2.0, 7.0])
    out = F.interpolate(mt.tensor(data).reshape(1, 1, 1, 4), size=(1, 8), mode="bicubic")

    def kernel(d, a=-0.75):
        d = abs(d)
        if d <= 1:
            return ((a + 2) * d - (a + 3)) * d * d + 1
        return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a if d < 2 else 0.0

    expected = []
    for i in range(8):
        source = (i + 0.5) / 2 - 0.5
        base = int(np.floor(source))
        expected.append(sum(data[min(max(base + k, 0), 3)] * kernel(source - (base + k))
                            for k in (-1, 0, 1, 2)))
    np.testing.assert_allclose(out.numpy().ravel(), expected, rtol=1e-12)


@requires_torch
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("sizes", SIZES_3D, ids=str)
def test_trilinear_values_and_gradients_match_torch(sizes, align_corners):
    x, tx = _pair((2, 2, 3, 4, 5), 3)
    check_same(F.interpolate(x, mode="trilinear", align_corners=align_corners, **sizes),
               TF.interpolate(tx, mode="trilinear", align_corners=align_corners, **sizes),
               [(x, tx)])


@requires_torch
@pytest.mark.parametrize("shape", [(2, 3, 7), (2, 3, 5, 7), (1, 2, 4, 5, 7)], ids=str)
@pytest.mark.parametrize("sizes", [dict(scale_factor=0.6), dict(scale_factor=1.5)], ids=str)
def test_area_is_adaptive_average_pooling_like_torch(shape, sizes):
    x, tx = _pair(shape, 4)
    check_same(F.interpolate(x, mode="area", **sizes), TF.interpolate(tx, mode="area", **sizes),
               [(x, tx)])


@requires_torch
@pytest.mark.parametrize("mode", ["nearest", "nearest-exact"])
@pytest.mark.parametrize("sizes", [dict(size=(5, 3, 8)), dict(scale_factor=(0.6, 1.5, 2))],
                         ids=str)
def test_5d_nearest_values_and_gradients_match_torch(mode, sizes):
    x, tx = _pair((1, 2, 4, 5, 6), 5)
    check_same(F.interpolate(x, mode=mode, **sizes), TF.interpolate(tx, mode=mode, **sizes),
               [(x, tx)])


@requires_torch
def test_5d_nearest_has_no_doubling_shortcut_like_torch():
    # PyTorch's 2-d kernel halves the index when the size doubles; its 1-d and 3-d ones do not
    x, tx = _pair((1, 1, 1, 1, 10), 6)
    np.testing.assert_array_equal(F.interpolate(x, scale_factor=(1, 1, 2.05)).detach().numpy(),
                                  TF.interpolate(tx, scale_factor=(1, 1, 2.05)).detach().numpy())


@pytest.mark.parametrize(("mode", "shape", "kwargs"), [
    ("bicubic", (1, 1, 3, 4), dict(scale_factor=1.05)),  # same size, yet not a copy
    ("trilinear", (1, 1, 2, 3, 3), dict(size=(3, 4, 2), align_corners=True)),
    ("nearest", (1, 1, 2, 2, 7), dict(scale_factor=(1, 1, 2.05))),
])
def test_new_modes_gradients_match_finite_differences(mode, shape, kwargs):
    # PyTorch's own backward differs from its forward in the first and last case (its
    # gradcheck fails there); ours is the gradient of the values it returns
    x = mt.tensor(np.random.default_rng(7).standard_normal(shape), requires_grad=True)
    assert gradcheck(lambda t: F.interpolate(t, mode=mode, **kwargs), (x,))


@requires_torch
@pytest.mark.parametrize(("mode", "shape", "align_corners"), [
    ("trilinear", (1, 2, 3, 4, 5), True), ("area", (1, 2, 3, 4, 5), None),
    ("bicubic", (1, 2, 4, 5), False), ("nearest", (1, 2, 3, 4, 5), None)])
def test_upsample_module_takes_the_new_modes(mode, shape, align_corners):
    x, tx = _pair(shape, 8)
    ours = nn.Upsample(scale_factor=2, mode=mode, align_corners=align_corners)
    ref = torch.nn.Upsample(scale_factor=2, mode=mode, align_corners=align_corners)
    assert repr(ours) == repr(ref)
    check_same(ours(x), ref(tx), [(x, tx)])


def test_bicubic_on_a_5d_input_is_an_error_naming_the_dims():
    with pytest.raises(NotImplementedError, match=r"Only 3D, 4D and 5D input Tensors supported "
                                                  r"\(got 5D\).*\(got bicubic\)"):
        F.interpolate(mt.zeros(1, 1, 2, 2, 2), scale_factor=2, mode="bicubic")


def test_trilinear_on_a_4d_input_is_an_error():
    with pytest.raises(NotImplementedError, match="Got 4D input, but trilinear mode needs 5D"):
        F.interpolate(mt.zeros(1, 1, 2, 2), scale_factor=2, mode="trilinear")


def test_antialias_outside_bilinear_and_bicubic_is_refused_as_torch():
    with pytest.raises(ValueError, match="Anti-alias option is restricted to bilinear, bicubic"):
        F.interpolate(mt.zeros(1, 1, 4, 4), scale_factor=0.5, antialias=True)


@requires_torch
@pytest.mark.parametrize(("name", "shape"), [("upsample", (1, 2, 3)),
                                             ("upsample_nearest", (1, 2, 3, 4)),
                                             ("upsample_bilinear", (1, 2, 3, 4))])
def test_deprecated_upsample_functions_warn_and_interpolate_like_torch(name, shape):
    x, tx = _pair(shape, 9)
    with pytest.warns(UserWarning, match=f"`nn.functional.{name}` is deprecated"):
        ours = getattr(F, name)(x, scale_factor=2)
    with pytest.warns(UserWarning):
        theirs = getattr(TF, name)(tx, scale_factor=2)
    check_same(ours, theirs, [(x, tx)])
