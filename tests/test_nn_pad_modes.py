"""``F.pad``'s reflect, replicate and circular modes with negative amounts (cropping), their
rules on which inputs they take, and the 3-d padding layers: values and gradients against
PyTorch when installed; against NumPy always."""

import numpy as np
import pytest
from torch_reference import check_same, requires_torch, torch

import microtorch_core as mt
from microtorch_core import nn
from microtorch_core.nn import functional as F

if torch is not None:
    import torch.nn.functional as TF

ROW = [0.0, 1.0, 2.0, 3.0, 4.0]


def _row_padded(pad, mode):
    return F.pad(mt.tensor([[ROW]]), pad, mode=mode)[0, 0].tolist()


@pytest.mark.parametrize(("mode", "pad", "expected"), [
    ("reflect", (-1, 2), [1.0, 2.0, 3.0, 4.0, 3.0, 2.0]),
    ("reflect", (2, -2), [2.0, 1.0, 0.0, 1.0, 2.0]),
    ("replicate", (-3, 2), [3.0, 4.0, 4.0, 4.0]),
    ("replicate", (1, -4), [0.0, 0.0]),
    # circular wraps what is left after the crop, as PyTorch does
    ("circular", (-1, 2), [1.0, 2.0, 3.0, 4.0, 1.0, 2.0]),
    ("circular", (2, -2), [1.0, 2.0, 0.0, 1.0, 2.0]),
])
def test_negative_amounts_crop_before_padding(mode, pad, expected):
    assert _row_padded(pad, mode) == expected


@requires_torch
@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("pad", [(-1, 2, 2, -2, 1, 1), (1, -2, -1, -1, 0, 2)], ids=str)
def test_negative_3d_padding_values_and_gradients_match_torch(mode, pad):
    data = np.random.default_rng(1).standard_normal((2, 3, 4, 5, 6))
    x, tx = mt.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    check_same(F.pad(x, pad, mode=mode), TF.pad(tx, pad, mode=mode), [(x, tx)])


def test_reflect_amount_as_large_as_the_dim_is_an_error():
    with pytest.raises(RuntimeError, match=r"reflect padding of \(5, 0\) is invalid for "
                                           r"dimension 2 of size 5"):
        _row_padded((5, 0), "reflect")


def test_cropping_everything_is_an_error_naming_the_output_size():
    with pytest.raises(RuntimeError, match=r"replicate padding of \(-6, 0\).*Calculated output "
                                           r"size: -1"):
        _row_padded((-6, 0), "replicate")


def test_circular_padding_wrapping_twice_is_an_error():
    with pytest.raises(RuntimeError, match="wraps around dimension 2 of size 5 more than once"):
        _row_padded((6, 0), "circular")


def test_non_constant_padding_of_a_dim_without_a_channel_dim_is_refused_as_torch():
    with pytest.raises(NotImplementedError, match="Padding size 2 is not supported for 1D "
                                                  "input tensor"):
        F.pad(mt.zeros(5), (1, 1), mode="reflect")


@requires_torch
@pytest.mark.parametrize("name", ["ReflectionPad3d", "ReplicationPad3d", "CircularPad3d",
                                  "ZeroPad3d"])
def test_3d_padding_layers_match_torch(name):
    data = np.random.default_rng(2).standard_normal((1, 2, 3, 4, 5))
    pad = (1, 2, 0, 1, 2, -1)
    ours, ref = getattr(nn, name)(pad), getattr(torch.nn, name)(pad)
    assert repr(ours) == repr(ref)
    np.testing.assert_array_equal(ours(mt.tensor(data)).numpy(), ref(torch.tensor(data)).numpy())


def test_constant_pad3d_fills_with_its_value():
    out = nn.ConstantPad3d(1, 2.5)(mt.zeros(1, 1, 1, 1))
    assert out.shape == (1, 3, 3, 3) and out.sum().item() == 2.5 * 26
