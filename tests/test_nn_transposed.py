"""Transposed convolution (``F.conv_transpose1d``/``2d``, ``nn.ConvTranspose1d``/``2d``):
values and gradients against PyTorch when installed; against finite differences, a direct
NumPy sum and the adjoint of ``conv2d`` (float64) always."""

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


def _pair(shape, seed):
    """The same float64 data as a MicroTorch and a PyTorch leaf."""
    data = np.random.default_rng(seed).standard_normal(shape)
    return mt.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)


def _leaf(shape, seed):
    data = np.random.default_rng(seed).standard_normal(shape)
    return mt.tensor(data, requires_grad=True)


# -- F.conv_transpose2d -----------------------------------------------------------------------
CASES_2D = [
    dict(),
    dict(stride=2),
    dict(padding=1),
    dict(stride=2, padding=1, output_padding=1),
    dict(stride=(3, 2), padding=(2, 0), output_padding=(2, 1)),
    dict(groups=2),
    dict(dilation=2, padding=1),
    dict(dilation=2, output_padding=1),  # output_padding may reach below the dilation
    dict(stride=2, padding=3, output_padding=1, groups=2, dilation=2),
    dict(padding=(2, 1)),  # padding crops more than the kernel added
]


@requires_torch
@pytest.mark.parametrize("kwargs", CASES_2D, ids=lambda k: str(k) or "default")
def test_conv_transpose2d_values_and_gradients_match_torch(kwargs):
    x, tx = _pair((2, 4, 5, 6), 1)
    w, tw = _pair((4, 6 // kwargs.get("groups", 1), 3, 2), 2)
    b, tb = _pair((6,), 3)
    check_same(F.conv_transpose2d(x, w, b, **kwargs), TF.conv_transpose2d(tx, tw, tb, **kwargs),
               [(x, tx), (w, tw), (b, tb)])


@requires_torch
def test_conv_transpose2d_without_bias_matches_torch():
    x, tx = _pair((1, 3, 4, 4), 4)
    w, tw = _pair((3, 2, 4, 4), 5)
    check_same(F.conv_transpose2d(x, w, stride=2, padding=1),
               TF.conv_transpose2d(tx, tw, stride=2, padding=1), [(x, tx), (w, tw)])


@requires_torch
def test_conv_transpose2d_accepts_an_unbatched_input_like_torch():
    x, tx = _pair((3, 4, 5), 6)
    w, tw = _pair((3, 2, 3, 3), 7)
    out = F.conv_transpose2d(x, w, stride=2)
    assert out.shape == (2, 9, 11)
    check_same(out, TF.conv_transpose2d(tx, tw, stride=2), [(x, tx), (w, tw)])


@requires_torch
def test_conv_transpose2d_double_backward_matches_torch():
    x, tx = _pair((1, 2, 4, 3), 8)
    w, tw = _pair((2, 3, 3, 2), 9)
    (g,) = mt.autograd.grad((F.conv_transpose2d(x, w, stride=2) ** 2).sum(), [x],
                            create_graph=True)
    (tg,) = torch.autograd.grad((TF.conv_transpose2d(tx, tw, stride=2) ** 2).sum(), [tx],
                                create_graph=True)
    (g ** 2).sum().backward()
    (tg ** 2).sum().backward()
    np.testing.assert_allclose(_np(w.grad), tw.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(_np(x.grad), tx.grad.numpy(), rtol=1e-10)


def test_conv_transpose2d_gradients_match_finite_differences():
    x, w, b = _leaf((2, 4, 3, 3), 10), _leaf((4, 1, 3, 2), 11), _leaf((2,), 12)
    assert gradcheck(lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1,
                                                        output_padding=1, groups=2), (x, w, b))


def test_conv_transpose2d_against_a_direct_numpy_sum():
    rng = np.random.default_rng(13)
    x, w = rng.standard_normal((1, 2, 3, 4)), rng.standard_normal((2, 3, 2, 3))
    stride, dilation = (2, 1), (1, 2)
    expected = np.zeros((1, 3, 2 * 2 + 1 * 1 + 1, 3 * 1 + 2 * 2 + 1))
    for i in range(3):  # each input pixel adds the kernel, times its value, where it lands
        for j in range(4):
            for a in range(2):
                for c in range(3):
                    row, col = i * stride[0] + a * dilation[0], j * stride[1] + c * dilation[1]
                    expected[0, :, row, col] += x[0, :, i, j] @ w[:, :, a, c]
    out = F.conv_transpose2d(mt.tensor(x), mt.tensor(w), stride=stride, dilation=dilation)
    np.testing.assert_allclose(_np(out), expected, rtol=1e-12)


def test_conv_transpose2d_is_the_adjoint_of_conv2d():
    """<conv2d(x, w), y> = <x, conv_transpose2d(y, w)> for the same stride and padding."""
    rng = np.random.default_rng(14)
    x = mt.tensor(rng.standard_normal((2, 3, 9, 8)))
    w = mt.tensor(rng.standard_normal((4, 3, 3, 3)))
    kwargs = dict(stride=2, padding=1)
    y = mt.tensor(rng.standard_normal(F.conv2d(x, w, **kwargs).shape))
    left = (F.conv2d(x, w, **kwargs) * y).sum().item()
    # stride 2 maps input sizes 9 and 8 to the same output sizes 5 and 4: output_padding picks
    right = (x * F.conv_transpose2d(y, w, output_padding=(0, 1), **kwargs)).sum().item()
    assert left == pytest.approx(right, rel=1e-12)


# -- F.conv_transpose1d -----------------------------------------------------------------------
@requires_torch
@pytest.mark.parametrize("kwargs", [dict(), dict(stride=3, padding=1, output_padding=2),
                                    dict(dilation=2, groups=2), dict(stride=2, dilation=3,
                                                                     output_padding=2)],
                         ids=lambda k: str(k) or "default")
def test_conv_transpose1d_values_and_gradients_match_torch(kwargs):
    x, tx = _pair((2, 4, 7), 15)
    w, tw = _pair((4, 3, 3), 16)
    b, tb = _pair((3 * kwargs.get("groups", 1),), 17)
    check_same(F.conv_transpose1d(x, w, b, **kwargs), TF.conv_transpose1d(tx, tw, tb, **kwargs),
               [(x, tx), (w, tw), (b, tb)])


@requires_torch
def test_conv_transpose1d_accepts_an_unbatched_input_like_torch():
    x, tx = _pair((4, 6), 18)
    w, tw = _pair((4, 2, 3), 19)
    check_same(F.conv_transpose1d(x, w, stride=2), TF.conv_transpose1d(tx, tw, stride=2),
               [(x, tx), (w, tw)])


def test_conv_transpose1d_gradients_match_finite_differences():
    x, w = _leaf((1, 2, 4), 20), _leaf((2, 3, 3), 21)
    assert gradcheck(lambda x, w: F.conv_transpose1d(x, w, stride=2, padding=1,
                                                     dilation=2, output_padding=1), (x, w))


# -- errors -----------------------------------------------------------------------------------
def test_conv_transpose2d_channel_mismatch_names_both_shapes():
    with pytest.raises(RuntimeError, match=r"weight of size \[4, 2, 3, 3\], expected "
                                           r"input\[1, 3, 5, 5\] to have 4 channels, but got 3"):
        F.conv_transpose2d(mt.zeros(1, 3, 5, 5), mt.zeros(4, 2, 3, 3))


def test_conv_transpose2d_output_padding_not_below_stride_or_dilation_is_an_error():
    with pytest.raises(RuntimeError, match="output padding must be smaller than either stride "
                                           "or dilation, but got output_padding_height: 2 "
                                           "output_padding_width: 2 stride_height: 2"):
        F.conv_transpose2d(mt.zeros(1, 4, 5, 5), mt.zeros(4, 2, 3, 3), stride=2,
                           output_padding=2)


def test_conv_transpose1d_output_padding_error_names_the_width_only():
    with pytest.raises(RuntimeError, match="but got output_padding_width: 1 stride_width: 1 "
                                           "dilation_width: 1$"):
        F.conv_transpose1d(mt.zeros(1, 4, 5), mt.zeros(4, 2, 3), output_padding=1)


def test_conv_transpose2d_output_smaller_than_one_is_an_error():
    with pytest.raises(RuntimeError, match=r"Given input size per channel: \(2 x 2\). "
                                           r"Calculated output size per channel: \(-2 x -2\)"):
        F.conv_transpose2d(mt.zeros(1, 4, 2, 2), mt.zeros(4, 2, 3, 3), padding=3)


def test_conv_transpose2d_groups_must_divide_the_weight_channels():
    with pytest.raises(RuntimeError, match=r"Given groups=2, expected weight to be divisible by "
                                           r"2 at dimension 0, but got weight of size "
                                           r"\[3, 2, 3, 3\]"):
        F.conv_transpose2d(mt.zeros(1, 3, 5, 5), mt.zeros(3, 2, 3, 3), groups=2)


def test_conv_transpose2d_bias_of_the_wrong_size_is_an_error():
    with pytest.raises(RuntimeError, match=r"expected bias to be 1-dimensional with 2 elements, "
                                           r"but got bias of size \[3\]"):
        F.conv_transpose2d(mt.zeros(1, 4, 5, 5), mt.zeros(4, 2, 3, 3), mt.zeros(3))


def test_conv_transpose2d_input_of_the_wrong_rank_names_its_shape():
    with pytest.raises(RuntimeError, match=r"Expected 3D \(unbatched\) or 4D \(batched\) input "
                                           r"to conv_transpose2d, but got input of size: "
                                           r"\[5, 5\]"):
        F.conv_transpose2d(mt.zeros(5, 5), mt.zeros(4, 2, 3, 3))


def test_conv_transpose2d_negative_padding_is_an_error():
    with pytest.raises(RuntimeError, match=r"negative padding is not supported, got "
                                           r"padding=\(-1, -1\)"):
        F.conv_transpose2d(mt.zeros(1, 4, 5, 5), mt.zeros(4, 2, 3, 3), padding=-1)


# -- modules ----------------------------------------------------------------------------------
def test_conv_transpose2d_module_weight_is_in_by_out_over_groups_and_initialised_in_bound():
    conv = nn.ConvTranspose2d(4, 6, (3, 2), groups=2)
    assert [name for name, _ in conv.named_parameters()] == ["weight", "bias"]
    assert conv.weight.shape == (4, 3, 3, 2) and conv.bias.shape == (6,)
    bound = 1 / np.sqrt(3 * 3 * 2)  # fan_in = out_channels / groups * kernel size
    assert np.abs(_np(conv.weight)).max() <= bound and np.abs(_np(conv.bias)).max() <= bound
    assert np.abs(_np(conv.weight)).max() > 0.5 * bound


def test_conv_transpose_module_without_bias_has_no_bias_parameter():
    conv = nn.ConvTranspose1d(2, 3, 4, bias=False)
    assert conv.bias is None and [name for name, _ in conv.named_parameters()] == ["weight"]


@requires_torch
def test_conv_transpose2d_module_loads_torch_state_and_matches_it():
    kwargs = dict(stride=2, padding=1, output_padding=1, groups=2, dilation=(1, 2))
    ours, ref = nn.ConvTranspose2d(4, 6, 3, **kwargs).double(), \
        torch.nn.ConvTranspose2d(4, 6, 3, **kwargs).double()
    ours.load_state_dict({k: mt.tensor(v.detach().numpy()) for k, v in ref.state_dict().items()})
    x, tx = _pair((2, 4, 5, 4), 22)
    check_same(ours(x), ref(tx), [(x, tx)])


@requires_torch
def test_conv_transpose1d_module_loads_torch_state_and_matches_it():
    ours, ref = nn.ConvTranspose1d(3, 2, 5, stride=3).double(), \
        torch.nn.ConvTranspose1d(3, 2, 5, stride=3).double()
    ours.load_state_dict({k: mt.tensor(v.detach().numpy()) for k, v in ref.state_dict().items()})
    x, tx = _pair((2, 3, 6), 23)
    check_same(ours(x, output_size=[20]), ref(tx, output_size=[20]), [(x, tx)])


@requires_torch
@pytest.mark.parametrize("output_size", [(11, 12), (1, 2, 12, 11)], ids=str)
def test_conv_transpose2d_module_output_size_matches_torch(output_size):
    ours, ref = nn.ConvTranspose2d(4, 2, 3, stride=2).double(), \
        torch.nn.ConvTranspose2d(4, 2, 3, stride=2).double()
    ours.load_state_dict({k: mt.tensor(v.detach().numpy()) for k, v in ref.state_dict().items()})
    x, tx = _pair((1, 4, 5, 5), 24)
    check_same(ours(x, output_size), ref(tx, output_size), [(x, tx)])


def test_conv_transpose2d_module_output_size_undoes_a_strided_conv2d():
    x = mt.randn(1, 3, 9, 8)
    down, up = nn.Conv2d(3, 5, 3, stride=2, padding=1), nn.ConvTranspose2d(5, 3, 3, stride=2,
                                                                          padding=1)
    assert up(down(x), output_size=x.shape).shape == x.shape


def test_conv_transpose2d_module_output_size_out_of_range_names_the_valid_sizes():
    conv = nn.ConvTranspose2d(4, 2, 3, stride=2)
    with pytest.raises(ValueError, match=r"requested an output size of \[13, 13\], but valid "
                                         r"sizes range from \[11, 11\] to \[12, 12\] \(for an "
                                         r"input of \[5, 5\]\)"):
        conv(mt.zeros(1, 4, 5, 5), output_size=(13, 13))


def test_conv_transpose2d_module_output_size_of_the_wrong_length_is_an_error():
    conv = nn.ConvTranspose2d(4, 2, 3)
    with pytest.raises(ValueError, match=r"for 3D input, output_size must have 2 or 3 elements "
                                         r"\(got 4\)"):
        conv(mt.zeros(4, 5, 5), output_size=(1, 2, 7, 7))


def test_conv_transpose_module_allows_only_zero_padding_mode():
    with pytest.raises(ValueError, match='Only "zeros" padding mode is supported for '
                                         "ConvTranspose2d, got padding_mode='reflect'"):
        nn.ConvTranspose2d(2, 2, 3, padding_mode="reflect")


def test_conv_transpose_module_reprs_follow_torch():
    assert repr(nn.ConvTranspose2d(4, 2, 3, stride=2, output_padding=1, groups=2, bias=False)) \
        == ("ConvTranspose2d(4, 2, kernel_size=(3, 3), stride=(2, 2), output_padding=(1, 1), "
            "groups=2, bias=False)")
    assert repr(nn.ConvTranspose1d(4, 2, 3, padding=1, dilation=2)) == \
        "ConvTranspose1d(4, 2, kernel_size=(3,), stride=(1,), padding=(1,), dilation=(2,))"


def test_small_autoencoder_with_a_transposed_conv_learns_a_batch():
    mt.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 8, 3, stride=2, padding=1), nn.ReLU(),
                          nn.ConvTranspose2d(8, 1, 3, stride=2, padding=1, output_padding=1))
    opt = mt.optim.Adam(model.parameters(), lr=0.02)
    x = mt.randn(8, 1, 8, 8)
    first = None
    for _ in range(40):
        loss = F.mse_loss(model(x), x)
        first = first if first is not None else loss.item()
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < 0.5 * first
