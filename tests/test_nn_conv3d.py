"""3-d convolutions (``F.conv3d``, ``F.conv_transpose3d``, ``nn.Conv3d``,
``nn.ConvTranspose3d``) and the argument forms the 1-d to 3-d convolutions share: values and
gradients against PyTorch when installed; against finite differences (float64) and a direct
NumPy sum always."""

import numpy as np
import pytest
from torch_reference import check_same, requires_torch, torch

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


CONV3D_CASES = [
    dict(),
    dict(stride=2, padding=1),
    dict(padding=(1, 0, 2), stride=(1, 2, 1), dilation=(2, 1, 1)),
    dict(groups=2),
    dict(padding="same"),
]


@requires_torch
@pytest.mark.filterwarnings("ignore:Using padding='same'")  # PyTorch's note on even kernels
@pytest.mark.parametrize("kwargs", CONV3D_CASES, ids=str)
def test_conv3d_values_and_gradients_match_torch(kwargs):
    x, tx = _pair((2, 4, 6, 5, 5), 1)
    w, tw = _pair((6, 4 // kwargs.get("groups", 1), 3, 3, 2), 2)
    b, tb = _pair((6,), 3)
    check_same(F.conv3d(x, w, b, **kwargs), TF.conv3d(tx, tw, tb, **kwargs),
               [(x, tx), (w, tw), (b, tb)])


def test_conv3d_against_a_direct_numpy_sum():
    rng = np.random.default_rng(4)
    x, w = rng.standard_normal((1, 2, 3, 4, 4)), rng.standard_normal((2, 2, 2, 3, 2))
    out = F.conv3d(mt.tensor(x), mt.tensor(w), stride=(1, 1, 2)).numpy()
    expected = np.zeros((1, 2, 2, 2, 2))
    for o in range(2):
        for d in range(2):
            for i in range(2):
                for j in range(2):
                    window = x[0, :, d:d + 2, i:i + 3, 2 * j:2 * j + 2]
                    expected[0, o, d, i, j] = (window * w[o]).sum()
    np.testing.assert_allclose(out, expected, rtol=1e-12)


def test_conv3d_gradients_match_finite_differences():
    x = mt.randn(1, 2, 3, 4, 3, dtype=mt.float64, requires_grad=True)
    w = mt.randn(2, 2, 2, 2, 2, dtype=mt.float64, requires_grad=True)
    assert gradcheck(lambda x, w: F.conv3d(x, w, stride=(1, 2, 1), padding=1), (x, w))


@requires_torch
def test_conv3d_accepts_an_unbatched_input_and_one_tuples_like_torch():
    x, tx = _pair((2, 5, 4, 4), 5)
    w, tw = _pair((3, 2, 2, 2, 2), 6)
    check_same(F.conv3d(x, w, stride=(2,), padding=(1,)),
               TF.conv3d(tx, tw, stride=(2,), padding=(1,)), [(x, tx), (w, tw)])


@requires_torch
@pytest.mark.parametrize("kwargs", [dict(), dict(stride=2, padding=1, output_padding=1),
                                    dict(stride=(1, 2, 3), dilation=(2, 1, 1),
                                         output_padding=(1, 1, 2)), dict(groups=2)], ids=str)
def test_conv_transpose3d_values_and_gradients_match_torch(kwargs):
    x, tx = _pair((2, 4, 3, 4, 3), 7)
    w, tw = _pair((4, 6 // kwargs.get("groups", 1), 3, 2, 2), 8)
    b, tb = _pair((6,), 9)
    check_same(F.conv_transpose3d(x, w, b, **kwargs), TF.conv_transpose3d(tx, tw, tb, **kwargs),
               [(x, tx), (w, tw), (b, tb)])


def test_conv_transpose3d_is_the_adjoint_of_conv3d():
    # <conv3d(x, w), y> = <x, conv_transpose3d(y, w)> for every x, y
    rng = np.random.default_rng(10)
    x, w = mt.tensor(rng.standard_normal((1, 2, 5, 4, 6))), mt.tensor(
        rng.standard_normal((3, 2, 3, 2, 3)))
    y = mt.tensor(rng.standard_normal((1, 3, 2, 2, 2)))
    forward = (F.conv3d(x, w, stride=2) * y).sum().item()
    backward = (x * F.conv_transpose3d(y, w, stride=2, output_padding=(0, 0, 1))).sum().item()
    assert forward == pytest.approx(backward, rel=1e-12)


@requires_torch
@pytest.mark.parametrize("mode", ["zeros", "reflect", "circular"])
def test_conv3d_module_matches_torch_with_its_state_dict(mode):
    ours = nn.Conv3d(2, 3, (3, 2, 3), padding=1, padding_mode=mode).double()
    ref = torch.nn.Conv3d(2, 3, (3, 2, 3), padding=1, padding_mode=mode).double()
    ours.load_state_dict({k: mt.tensor(v.detach().numpy()) for k, v in ref.state_dict().items()})
    assert repr(ours) == repr(ref)
    x, tx = _pair((1, 2, 4, 5, 4), 11)
    check_same(ours(x), ref(tx), [(x, tx)])


@requires_torch
def test_conv_transpose3d_module_reaches_a_requested_output_size_like_torch():
    ours, ref = nn.ConvTranspose3d(2, 3, 3, stride=2).double(), \
        torch.nn.ConvTranspose3d(2, 3, 3, stride=2).double()
    ours.load_state_dict({k: mt.tensor(v.detach().numpy()) for k, v in ref.state_dict().items()})
    x, tx = _pair((1, 2, 3, 3, 3), 12)
    check_same(ours(x, output_size=(8, 7, 8)), ref(tx, output_size=(8, 7, 8)), [(x, tx)])


def test_conv3d_with_a_3d_input_names_the_shapes_it_takes():
    with pytest.raises(RuntimeError, match=r"Expected 4D \(unbatched\) or 5D \(batched\) input "
                                           r"to conv3d, but got input of size: \[4, 4, 4\]"):
        F.conv3d(mt.zeros(4, 4, 4), mt.zeros(1, 3, 2, 2, 2))


def test_conv3d_with_too_many_strides_names_them():
    with pytest.raises(RuntimeError, match=r"stride must be a single int or a tuple of 3 "
                                           r"ints, got \(1, 1, 1, 1\)"):
        F.conv3d(mt.zeros(1, 1, 4, 4, 4), mt.zeros(1, 1, 2, 2, 2), stride=(1, 1, 1, 1))


def test_convolutions_run_on_integers_as_torch_does():
    out = F.conv2d(mt.ones(1, 1, 3, 3, dtype=mt.int64), mt.ones(1, 1, 2, 2, dtype=mt.int64))
    assert out.dtype is mt.int64 and out.tolist() == [[[[4, 4], [4, 4]]]]


@pytest.mark.parametrize(("weight", "bias", "message"), [
    (mt.zeros(1, 1, 2, 2, 2, dtype=mt.float64), None,
     r"Input type \(float32\) and weight type \(float64\) should be the same"),
    (mt.zeros(1, 1, 2, 2, 2), mt.zeros(1, dtype=mt.float64),
     r"Input type \(float32\) and bias type \(float64\) should be the same"),
])
def test_convolutions_refuse_mixed_dtypes_like_torch(weight, bias, message):
    with pytest.raises(RuntimeError, match=message):
        F.conv3d(mt.zeros(1, 1, 3, 3, 3), weight, bias)
    with pytest.raises(RuntimeError, match=message):
        F.conv_transpose3d(mt.zeros(1, 1, 3, 3, 3), weight, bias)
