"""Zero-size inputs to ``softmax``/``log_softmax`` and ``batch_norm``: PyTorch returns the
empty shape (and leaves batch norm's running statistics alone)."""

import pytest

import microtorch_core as mt
from microtorch_core import nn
from microtorch_core.nn import functional as F


@pytest.mark.parametrize("function", [F.softmax, F.log_softmax])
@pytest.mark.parametrize("dim", [0, 1, 2])
def test_softmax_of_an_empty_tensor_is_empty_like_torch(function, dim):
    x = mt.zeros(5, 0, 0, requires_grad=True)
    out = function(x, dim)
    out.sum().backward()
    assert out.shape == (5, 0, 0) and x.grad.shape == (5, 0, 0)


def test_batch_norm_of_an_empty_batch_is_empty_and_keeps_the_running_statistics():
    running_mean, running_var = mt.tensor([0.5, 1.0, -1.0]), mt.tensor([2.0, 1.0, 3.0])
    x = mt.zeros(0, 3, 4, requires_grad=True)
    weight, bias = mt.ones(3, requires_grad=True), mt.zeros(3, requires_grad=True)
    out = F.batch_norm(x, running_mean, running_var, weight, bias, training=True)
    out.sum().backward()
    assert out.shape == (0, 3, 4)
    assert running_mean.tolist() == [0.5, 1.0, -1.0] and running_var.tolist() == [2.0, 1.0, 3.0]
    assert weight.grad.tolist() == [0.0] * 3 and bias.grad.tolist() == [0.0] * 3


def test_batch_norm_module_on_an_empty_batch():
    assert nn.BatchNorm2d(3)(mt.zeros(0, 3, 2, 2)).shape == (0, 3, 2, 2)


def test_batch_norm_still_refuses_one_value_per_channel_when_training():
    with pytest.raises(ValueError, match="Expected more than 1 value per channel"):
        F.batch_norm(mt.zeros(1, 3), None, None, training=True)


def test_batch_norm_of_an_empty_1d_input_with_empty_statistics_is_empty_like_torch():
    out = F.batch_norm(mt.zeros(0), mt.zeros(0), mt.ones(0), training=True)
    assert out.shape == (0,)
