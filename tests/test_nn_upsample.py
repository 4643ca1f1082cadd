"""Resampling without weights: ``F.interpolate`` (nearest, nearest-exact, linear, bilinear),
``F.pixel_shuffle``/``pixel_unshuffle`` and the modules over them (``nn.Upsample``,
``nn.UpsamplingNearest2d``, ``nn.UpsamplingBilinear2d``, ``nn.PixelShuffle``,
``nn.PixelUnshuffle``): values and gradients against PyTorch when installed; against NumPy
and finite differences (float64) always."""

import numpy as np
import pytest
from torch_reference import check_same, requires_torch, torch
from torch_reference import to_numpy as _np

import microtorch_core as mt
from microtorch_core import nn
from microtorch_core.autograd.gradcheck import gradcheck
from microtorch_core.nn import functional as F

if torch is not None:
    import torch.nn.functional as TF


def _pair(shape, seed, dtype=np.float64):
    """The same data as a MicroTorch and a PyTorch leaf."""
    data = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    return mt.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)


def _leaf(shape, seed):
    return mt.tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=True)


MODES_1D = [("nearest", None), ("nearest-exact", None), ("linear", False), ("linear", True)]
MODES_2D = [("nearest", None), ("nearest-exact", None), ("bilinear", False), ("bilinear", True)]
SIZES_1D = [dict(size=11), dict(size=3), dict(scale_factor=2), dict(scale_factor=1.7),
            dict(scale_factor=0.6), dict(scale_factor=2.2, recompute_scale_factor=True)]
SIZES_2D = [dict(size=(7, 4)), dict(size=5), dict(scale_factor=2),
            dict(scale_factor=(1.5, 2.6)), dict(scale_factor=(0.7, 1.3)),
            dict(scale_factor=(2.1, 1.1)),  # twice and the same size, from odd factors
            dict(scale_factor=1.7, recompute_scale_factor=True)]


# -- interpolate ------------------------------------------------------------------------------
@requires_torch
@pytest.mark.parametrize("sizes", SIZES_1D, ids=str)
@pytest.mark.parametrize(("mode", "align_corners"), MODES_1D)
def test_interpolate_1d_values_and_gradients_match_torch(mode, align_corners, sizes):
    x, tx = _pair((2, 3, 6), 1)
    check_same(F.interpolate(x, mode=mode, align_corners=align_corners, **sizes),
               TF.interpolate(tx, mode=mode, align_corners=align_corners, **sizes), [(x, tx)])


@requires_torch
@pytest.mark.parametrize("sizes", SIZES_2D, ids=str)
@pytest.mark.parametrize(("mode", "align_corners"), MODES_2D)
def test_interpolate_2d_values_and_gradients_match_torch(mode, align_corners, sizes):
    x, tx = _pair((2, 3, 4, 5), 2)
    check_same(F.interpolate(x, mode=mode, align_corners=align_corners, **sizes),
               TF.interpolate(tx, mode=mode, align_corners=align_corners, **sizes), [(x, tx)])


@requires_torch
@pytest.mark.parametrize("mode", ["nearest", "nearest-exact", "linear"])
def test_interpolate_float32_picks_the_same_source_pixels_as_torch(mode):
    """The nearest source positions are computed in float32, as in PyTorch, so that they
    round the same way for every size from 1 to 40."""
    data = np.random.default_rng(3).standard_normal((1, 1, 13)).astype(np.float32)
    for size in range(1, 41):
        ours = F.interpolate(mt.tensor(data), size=size, mode=mode)
        theirs = TF.interpolate(torch.tensor(data), size=size, mode=mode)
        np.testing.assert_allclose(_np(ours), theirs.numpy(), rtol=2e-6, atol=2e-6)


def test_interpolate_nearest_with_a_scale_factor_uses_its_inverse_like_torch():
    """1 / scale_factor, not in / out, gives the source positions unless the scale factor is
    recomputed from the sizes (which PyTorch does not do by default)."""
    x = mt.arange(4.0).reshape(1, 1, 4)
    assert F.interpolate(x, scale_factor=1.7).flatten().tolist() == [0, 0, 1, 1, 2, 2]
    assert F.interpolate(x, scale_factor=1.7, recompute_scale_factor=True).flatten().tolist() \
        == [0, 0, 1, 2, 2, 3]


def test_interpolate_nearest_2d_copies_at_the_same_size_whatever_the_scale_factor():
    x = mt.arange(10.0).reshape(1, 1, 2, 5)
    assert F.interpolate(x, scale_factor=(1.3, 1.1)).tolist() == x.tolist()


def test_interpolate_nearest_exact_picks_the_nearest_pixel_centre():
    x = mt.arange(3.0).reshape(1, 1, 3)
    assert F.interpolate(x, size=5, mode="nearest-exact").flatten().tolist() == [0, 0, 1, 2, 2]
    assert F.interpolate(x, size=5, mode="nearest").flatten().tolist() == [0, 0, 1, 1, 2]


@pytest.mark.parametrize("align_corners", [False, True])
def test_interpolate_linear_against_numpy_interp(align_corners):
    data = np.random.default_rng(4).standard_normal(7)
    out = F.interpolate(mt.tensor(data).reshape(1, 1, 7), size=12, mode="linear",
                        align_corners=align_corners)
    i = np.arange(12)
    source = i * 6 / 11 if align_corners else (i + 0.5) * 7 / 12 - 0.5
    np.testing.assert_allclose(_np(out).ravel(), np.interp(source, np.arange(7), data),
                               rtol=1e-12)


def test_interpolate_refuses_an_integer_input_as_torch():
    # PyTorch resamples only uint8 among the integer dtypes, which MicroTorch lacks
    with pytest.raises(NotImplementedError, match="not implemented for int64"):
        F.interpolate(mt.tensor([[[1, 5, 9]]]), scale_factor=2)


@pytest.mark.parametrize(("mode", "align_corners"), MODES_2D)
def test_interpolate_gradients_match_finite_differences(mode, align_corners):
    x = _leaf((1, 2, 3, 4), 5)
    assert gradcheck(lambda t: F.interpolate(t, scale_factor=(1.7, 1.4), mode=mode,
                                             align_corners=align_corners) ** 2, (x,))


@requires_torch
def test_interpolate_bilinear_double_backward_matches_torch():
    x, tx = _pair((1, 2, 3, 4), 6)
    (g,) = mt.autograd.grad((F.interpolate(x, size=(5, 7), mode="bilinear") ** 3).sum(), [x],
                            create_graph=True)
    (tg,) = torch.autograd.grad((TF.interpolate(tx, size=(5, 7), mode="bilinear") ** 3).sum(),
                                [tx], create_graph=True)
    (g ** 2).sum().backward()
    (tg ** 2).sum().backward()
    np.testing.assert_allclose(_np(x.grad), tx.grad.numpy(), rtol=1e-10)


def test_interpolate_unknown_mode_names_it():
    with pytest.raises(NotImplementedError, match=r"\(got smooth\)"):
        F.interpolate(mt.zeros(1, 1, 4, 4), size=2, mode="smooth")


def test_interpolate_6d_input_is_not_implemented_and_names_its_shape():
    with pytest.raises(NotImplementedError, match=r"shape \(1, 1, 2, 2, 2, 2\)"):
        F.interpolate(mt.zeros(1, 1, 2, 2, 2, 2), size=4)


def test_interpolate_linear_on_a_4d_input_is_an_error():
    with pytest.raises(NotImplementedError, match="Got 4D input, but linear mode needs 3D input"):
        F.interpolate(mt.zeros(1, 1, 4, 4), size=2, mode="linear")


def test_interpolate_with_both_size_and_scale_factor_is_an_error():
    with pytest.raises(ValueError, match="only one of size or scale_factor should be defined"):
        F.interpolate(mt.zeros(1, 1, 4), size=2, scale_factor=2)


def test_interpolate_without_size_or_scale_factor_is_an_error():
    with pytest.raises(ValueError, match="either size or scale_factor should be defined"):
        F.interpolate(mt.zeros(1, 1, 4))


def test_interpolate_align_corners_with_nearest_is_an_error():
    with pytest.raises(ValueError, match="align_corners option can only be set with the "
                                         "interpolating modes"):
        F.interpolate(mt.zeros(1, 1, 4), size=2, align_corners=True)


def test_interpolate_size_of_the_wrong_length_names_both_sizes():
    with pytest.raises(ValueError, match=r"spatial dimensions of \[4, 5\] and output size of "
                                         r"\(3, 3, 3\)"):
        F.interpolate(mt.zeros(1, 1, 4, 5), size=(3, 3, 3))


def test_interpolate_to_an_empty_size_names_the_sizes():
    with pytest.raises(RuntimeError, match=r"should be greater than 0, but got input \(H: 4, "
                                           r"W: 5\) output \(H: 0, W: 0\)"):
        F.interpolate(mt.zeros(1, 1, 4, 5), scale_factor=0.1)


# -- pixel shuffle ----------------------------------------------------------------------------
@requires_torch
def test_pixel_shuffle_matches_torch_with_extra_leading_dims():
    x, tx = _pair((2, 3, 8, 2, 3), 7)
    check_same(F.pixel_shuffle(x, 2), TF.pixel_shuffle(tx, 2), [(x, tx)])


@requires_torch
def test_pixel_unshuffle_matches_torch():
    x, tx = _pair((2, 3, 6, 9), 8)
    check_same(F.pixel_unshuffle(x, 3), TF.pixel_unshuffle(tx, 3), [(x, tx)])


def test_pixel_shuffle_moves_each_group_of_r_squared_channels_into_an_r_by_r_block():
    out = F.pixel_shuffle(mt.arange(8.0).reshape(8, 1, 1), 2)  # 2 channels of 2 x 2 out
    assert out.tolist() == [[[0, 1], [2, 3]], [[4, 5], [6, 7]]]


def test_pixel_unshuffle_height_not_divisible_is_an_error():
    with pytest.raises(RuntimeError, match=r"pixel_unshuffle expects height to be divisible by "
                                           r"downscale_factor, but input.size\(-2\)=5 is not "
                                           r"divisible by 2"):
        F.pixel_unshuffle(mt.zeros(1, 1, 5, 4), 2)


def test_pixel_shuffle_channels_not_divisible_is_an_error():
    with pytest.raises(RuntimeError, match=r"input.size\(-3\)=5 is not divisible by 4"):
        F.pixel_shuffle(mt.zeros(1, 5, 2, 2), 2)


# -- modules ----------------------------------------------------------------------------------
@requires_torch
@pytest.mark.parametrize("kwargs", [dict(scale_factor=2), dict(size=(3, 7), mode="bilinear"),
                                    dict(scale_factor=1.5, mode="bilinear", align_corners=True),
                                    dict(scale_factor=(2, 3), mode="nearest-exact")], ids=str)
def test_upsample_module_matches_torch(kwargs):
    x, tx = _pair((1, 2, 4, 5), 9)
    check_same(nn.Upsample(**kwargs)(x), torch.nn.Upsample(**kwargs)(tx), [(x, tx)])


@requires_torch
def test_upsampling_bilinear2d_aligns_corners_like_torch():
    x, tx = _pair((1, 2, 3, 4), 10)
    check_same(nn.UpsamplingBilinear2d(scale_factor=2)(x),
               torch.nn.UpsamplingBilinear2d(scale_factor=2)(tx), [(x, tx)])


@requires_torch
def test_upsampling_nearest2d_matches_torch():
    x, tx = _pair((1, 2, 3, 4), 11)
    check_same(nn.UpsamplingNearest2d(size=(5, 9))(x),
               torch.nn.UpsamplingNearest2d(size=(5, 9))(tx), [(x, tx)])


def test_pixel_shuffle_modules_undo_each_other():
    x = mt.randn(2, 8, 3, 5)
    assert nn.PixelUnshuffle(2)(nn.PixelShuffle(2)(x)).tolist() == x.tolist()


def test_upsampling_module_reprs_follow_torch():
    assert repr(nn.Upsample(scale_factor=2)) == "Upsample(scale_factor=2.0, mode='nearest')"
    assert repr(nn.Upsample(size=(3, 4), mode="bilinear")) == \
        "Upsample(size=(3, 4), mode='bilinear')"
    assert repr(nn.UpsamplingBilinear2d(scale_factor=2)) == \
        "UpsamplingBilinear2d(scale_factor=2.0, mode='bilinear')"
    assert repr(nn.PixelShuffle(2)) == "PixelShuffle(upscale_factor=2)"
    assert repr(nn.PixelUnshuffle(3)) == "PixelUnshuffle(downscale_factor=3)"
