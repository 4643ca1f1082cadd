"""Convolution, pooling, padding, batch norm and ``Tensor.unfold``: values and gradients against
PyTorch when installed, gradients against finite differences (float64) always."""

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

rng = np.random.default_rng(0)


def _pair(shape, seed):
    """The same float64 data as a MicroTorch and a PyTorch leaf."""
    data = np.random.default_rng(seed).standard_normal(shape)
    return mt.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)



# -- Tensor.unfold ----------------------------------------------------------------------------
def test_unfold_gives_overlapping_windows_as_a_view():
    x = mt.arange(7)
    windows = x.unfold(0, 3, 2)
    assert windows.tolist() == [[0, 1, 2], [2, 3, 4], [4, 5, 6]]
    assert windows._storage is x._storage


@pytest.mark.parametrize(("length", "size", "step"),
                         [(7, 3, 2), (10, 3, 1), (9, 2, 3), (8, 4, 4), (9, 4, 4), (7, 1, 3)])
def test_unfold_gradient_sums_over_the_windows_that_saw_an_element(length, size, step):
    x = mt.randn(2, length, 3, dtype=mt.float64, requires_grad=True)
    assert gradcheck(lambda t: (t.unfold(1, size, step) ** 2).sum(), (x,))


def test_unfold_rejects_a_window_larger_than_the_dim():
    with pytest.raises(RuntimeError, match="maximum size for tensor at dimension 0 is 4 but "
                                           "size is 5"):
        mt.zeros(4).unfold(0, 5, 1)


# -- pad --------------------------------------------------------------------------------------
@requires_torch
@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_pad_modes_match_torch(mode):
    (a, ta) = _pair((2, 3, 4, 5), 1)
    check_same(F.pad(a, (1, 2, 2, 1), mode=mode), TF.pad(ta, (1, 2, 2, 1), mode=mode),
                [(a, ta)])


@requires_torch
def test_pad_with_a_value_and_negative_amounts_crops_like_torch():
    (a, ta) = _pair((3, 6), 2)
    check_same(F.pad(a, (-1, 2), value=7.5), TF.pad(ta, (-1, 2), value=7.5), [(a, ta)])


def test_reflect_pad_larger_than_the_dim_names_the_sizes():
    with pytest.raises(RuntimeError, match=r"reflect padding of \(4, 0\) is invalid for dimension "
                                         r"1 of size 3"):
        F.pad(mt.zeros(2, 3), (4, 0), mode="reflect")


# -- conv2d -----------------------------------------------------------------------------------
CONV_CASES = [
    dict(),
    dict(stride=2),
    dict(padding=1),
    dict(padding=(2, 1), stride=(1, 2)),
    dict(dilation=2, padding=2),
    dict(groups=2),
    dict(padding="same"),
    dict(padding="valid"),
]


@requires_torch
@pytest.mark.filterwarnings("ignore:Using padding='same'")  # PyTorch's note on even kernels
@pytest.mark.parametrize("kwargs", CONV_CASES, ids=lambda k: str(k) or "default")
def test_conv2d_values_and_gradients_match_torch(kwargs):
    x, tx = _pair((2, 4, 9, 8), 3)
    w, tw = _pair((6, 4 // kwargs.get("groups", 1), 3, 2), 4)
    b, tb = _pair((6,), 5)
    check_same(F.conv2d(x, w, b, **kwargs), TF.conv2d(tx, tw, tb, **kwargs),
                [(x, tx), (w, tw), (b, tb)])


@requires_torch
def test_conv2d_same_padding_with_an_even_kernel_pads_after_like_torch():
    x, tx = _pair((1, 2, 6, 7), 6)
    w, tw = _pair((3, 2, 4, 2), 7)
    check_same(F.conv2d(x, w, padding="same"), TF.conv2d(tx, tw, padding="same"),
                [(x, tx), (w, tw)])


@requires_torch
def test_conv2d_accepts_an_unbatched_input_like_torch():
    x, tx = _pair((3, 5, 5), 8)
    w, tw = _pair((2, 3, 3, 3), 9)
    check_same(F.conv2d(x, w), TF.conv2d(tx, tw), [(x, tx), (w, tw)])


def test_conv2d_gradients_match_finite_differences():
    x = mt.randn(1, 2, 5, 4, dtype=mt.float64, requires_grad=True)
    w = mt.randn(3, 2, 2, 2, dtype=mt.float64, requires_grad=True)
    b = mt.randn(3, dtype=mt.float64, requires_grad=True)
    assert gradcheck(lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=1), (x, w, b))


@requires_torch
def test_conv2d_double_backward_matches_torch():
    x, tx = _pair((1, 2, 6, 5), 25)
    w, tw = _pair((3, 2, 3, 2), 26)
    (g,) = mt.autograd.grad((F.conv2d(x, w, stride=(2, 1)) ** 2).sum(), [x], create_graph=True)
    (tg,) = torch.autograd.grad((TF.conv2d(tx, tw, stride=(2, 1)) ** 2).sum(), [tx],
                                create_graph=True)
    (g ** 2).sum().backward()
    (tg ** 2).sum().backward()
    np.testing.assert_allclose(_np(w.grad), tw.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(_np(x.grad), tx.grad.numpy(), rtol=1e-10)


def test_conv2d_against_a_direct_numpy_sum():
    x, w = rng.standard_normal((1, 2, 4, 5)), rng.standard_normal((3, 2, 2, 3))
    out = _np(F.conv2d(mt.tensor(x), mt.tensor(w)))
    expected = np.zeros((1, 3, 3, 3))
    for o in range(3):
        for i in range(3):
            for j in range(3):
                expected[0, o, i, j] = (x[0, :, i:i + 2, j:j + 3] * w[o]).sum()
    np.testing.assert_allclose(out, expected, rtol=1e-12)


def test_conv2d_channel_mismatch_names_both_shapes():
    with pytest.raises(RuntimeError, match=r"weight of size \[8, 3, 3, 3\], expected "
                                           r"input\[1, 4, 5, 5\] to have 3 channels, but got 4"):
        F.conv2d(mt.zeros(1, 4, 5, 5), mt.zeros(8, 3, 3, 3))


def test_conv2d_kernel_larger_than_the_input_is_an_error():
    with pytest.raises(RuntimeError, match=r"spatial size \(2, 2\).*smaller than the kernel "
                                           r"\(3, 3\)"):
        F.conv2d(mt.zeros(1, 1, 2, 2), mt.zeros(1, 1, 3, 3))


def test_conv2d_same_padding_with_stride_is_an_error():
    with pytest.raises(ValueError, match="padding='same' is not supported for strided"):
        F.conv2d(mt.zeros(1, 1, 5, 5), mt.zeros(1, 1, 3, 3), stride=2, padding="same")


@requires_torch
def test_conv1d_values_and_gradients_match_torch():
    x, tx = _pair((2, 3, 11), 10)
    w, tw = _pair((4, 3, 3), 11)
    b, tb = _pair((4,), 12)
    check_same(F.conv1d(x, w, b, stride=2, padding=1, dilation=2),
                TF.conv1d(tx, tw, tb, stride=2, padding=1, dilation=2), [(x, tx), (w, tw),
                                                                         (b, tb)])


# -- pooling ----------------------------------------------------------------------------------
POOL_CASES = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=(2, 3), stride=(1, 2)),
    dict(kernel_size=2, stride=2, ceil_mode=True),
]


@requires_torch
@pytest.mark.parametrize("kwargs", POOL_CASES, ids=str)
def test_max_pool2d_values_and_gradients_match_torch(kwargs):
    x, tx = _pair((2, 3, 7, 9), 13)
    check_same(F.max_pool2d(x, **kwargs), TF.max_pool2d(tx, **kwargs), [(x, tx)])


@requires_torch
def test_max_pool2d_dilation_matches_torch():
    x, tx = _pair((1, 2, 9, 9), 14)
    check_same(F.max_pool2d(x, 3, 2, 1, dilation=2), TF.max_pool2d(tx, 3, 2, 1, dilation=2),
                [(x, tx)])


@requires_torch
def test_max_pool2d_sends_the_gradient_of_a_tie_to_the_first_maximum_like_torch():
    data = np.zeros((1, 1, 4, 4))  # every window is a tie (as after a ReLU)
    x, tx = mt.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    check_same(F.max_pool2d(x, 2), TF.max_pool2d(tx, 2), [(x, tx)])


@requires_torch
def test_max_pool2d_return_indices_match_torch():
    x, tx = _pair((2, 2, 6, 7), 15)
    out, index = F.max_pool2d(x, 3, 2, 1, return_indices=True)
    t_out, t_index = TF.max_pool2d(tx, 3, 2, 1, return_indices=True)
    np.testing.assert_array_equal(index.numpy(), t_index.numpy())


@requires_torch
@pytest.mark.parametrize("kwargs", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
                                    dict(kernel_size=3, padding=1, count_include_pad=False),
                                    dict(kernel_size=2, divisor_override=3)], ids=str)
def test_avg_pool2d_values_and_gradients_match_torch(kwargs):
    x, tx = _pair((2, 3, 7, 6), 16)
    check_same(F.avg_pool2d(x, **kwargs), TF.avg_pool2d(tx, **kwargs), [(x, tx)])


@requires_torch
def test_pool1d_matches_torch():
    x, tx = _pair((2, 3, 10), 17)
    check_same(F.max_pool1d(x, 3, 2, 1) + F.avg_pool1d(x, 2),
                TF.max_pool1d(tx, 3, 2, 1) + TF.avg_pool1d(tx, 2), [(x, tx)])


def test_pool_gradients_match_finite_differences():
    x = mt.randn(1, 2, 5, 5, dtype=mt.float64, requires_grad=True)
    assert gradcheck(lambda t: F.max_pool2d(t, 3, 2, 1) * F.avg_pool2d(t, 3, 2, 1), (x,))


def test_max_pool2d_padding_over_half_the_kernel_is_an_error():
    with pytest.raises(RuntimeError, match="pad should be at most half of effective kernel "
                                           "size, but got pad=2, kernel_size=3"):
        F.max_pool2d(mt.zeros(1, 1, 8, 8), 3, padding=2)


# -- batch norm -------------------------------------------------------------------------------
@requires_torch
@pytest.mark.parametrize("shape", [(4, 3), (4, 3, 5), (2, 3, 4, 5)])
def test_batchnorm_training_matches_torch_with_running_stats(shape):
    module = (nn.BatchNorm2d if len(shape) == 4 else nn.BatchNorm1d)(3).double()
    ref = (torch.nn.BatchNorm2d if len(shape) == 4 else torch.nn.BatchNorm1d)(3).double()
    with torch.no_grad():
        ref.weight.copy_(torch.tensor(_np(module.weight) + 0.5))
    module.weight.data.copy_(mt.tensor(ref.weight.detach().numpy()))
    for seed in (18, 19):  # two steps: the running statistics move twice
        x, tx = _pair(shape, seed)
        check_same(module(x), ref(tx), [(x, tx)])
    np.testing.assert_allclose(_np(module.running_mean), ref.running_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(_np(module.running_var), ref.running_var.numpy(), rtol=1e-12)
    assert int(module.num_batches_tracked.item()) == 2
    module.eval()
    ref.eval()
    x, tx = _pair(shape, 20)
    check_same(module(x), ref(tx), [(x, tx)])


@requires_torch
def test_batchnorm_with_momentum_none_keeps_a_cumulative_average_like_torch():
    module, ref = nn.BatchNorm1d(2, momentum=None), torch.nn.BatchNorm1d(2, momentum=None)
    for seed in (21, 22, 23):
        data = np.random.default_rng(seed).standard_normal((5, 2)).astype(np.float32)
        module(mt.tensor(data))
        ref(torch.tensor(data))
    np.testing.assert_allclose(_np(module.running_var), ref.running_var.numpy(), rtol=1e-5)


@requires_torch
def test_batchnorm_without_bias_matches_torch_in_state_dict_repr_and_values():
    module, ref = nn.BatchNorm2d(3, bias=False).double(), torch.nn.BatchNorm2d(3, bias=False)
    ref = ref.double()
    assert list(module.state_dict()) == list(ref.state_dict())
    assert repr(module) == repr(ref)
    x, tx = _pair((2, 3, 4, 4), 24)
    check_same(module(x), ref(tx), [(x, tx)])


def test_batchnorm_gradients_match_finite_differences():
    x = mt.randn(4, 3, 2, dtype=mt.float64, requires_grad=True)
    w = mt.randn(3, dtype=mt.float64, requires_grad=True)
    b = mt.randn(3, dtype=mt.float64, requires_grad=True)
    assert gradcheck(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True) ** 2,
                     (x, w, b))


def test_batchnorm_training_on_one_value_per_channel_is_an_error():
    with pytest.raises(ValueError, match=r"Expected more than 1 value per channel when "
                                         r"training, got input size \(1, 3\)"):
        nn.BatchNorm1d(3)(mt.zeros(1, 3))


# -- modules ----------------------------------------------------------------------------------
def test_conv2d_module_initialises_like_torch_within_its_bound():
    conv = nn.Conv2d(4, 6, 3)
    bound = 1 / np.sqrt(4 * 3 * 3)
    assert conv.weight.shape == (6, 4, 3, 3) and conv.bias.shape == (6,)
    assert np.abs(_np(conv.weight)).max() <= bound and np.abs(_np(conv.bias)).max() <= bound


@requires_torch
@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate", "circular"])
def test_conv2d_module_padding_modes_match_torch(mode):
    ours = nn.Conv2d(2, 3, 3, padding=1, padding_mode=mode).double()
    ref = torch.nn.Conv2d(2, 3, 3, padding=1, padding_mode=mode).double()
    ours.load_state_dict({k: mt.tensor(v.detach().numpy()) for k, v in ref.state_dict().items()})
    x, tx = _pair((1, 2, 5, 6), 24)
    check_same(ours(x), ref(tx), [(x, tx)])


def test_module_reprs_follow_torch():
    assert repr(nn.Conv2d(3, 8, 3, padding=1)) == \
        "Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))"
    assert repr(nn.MaxPool2d(2)) == \
        "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"
    assert repr(nn.AvgPool2d(2)) == "AvgPool2d(kernel_size=2, stride=2, padding=0)"
    assert repr(nn.BatchNorm2d(4)) == \
        "BatchNorm2d(4, eps=1e-05, momentum=0.1, affine=True, bias=True, " \
        "track_running_stats=True)"


def test_small_cnn_learns_a_batch():
    mt.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                          nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4 * 4 * 4, 3))
    opt = mt.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    x, y = mt.randn(12, 1, 8, 8), mt.tensor([0, 1, 2] * 4)
    first = None
    for _ in range(30):
        loss = F.cross_entropy(model(x), y)
        first = first if first is not None else loss.item()
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < 0.1 * first
