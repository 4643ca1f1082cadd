"""``nn.DataParallel`` with one GPU or none, as PyTorch's: without a GPU it calls the module;
with MicroTorch's one GPU it moves the module and the inputs there. The wrapped module is at
``.module``, so state-dict keys start with ``module.``."""

import numpy as np
import pytest
from torch_reference import requires_torch, torch

import microtorch_core as mt


@requires_torch
def test_without_a_gpu_it_is_a_plain_wrapper_as_pytorch(no_cuda):
    w = np.arange(6.0).reshape(3, 2)
    x = np.linspace(-1, 1, 8).reshape(4, 2)
    outs, keys = [], []
    for lib in (mt, torch):
        lin = lib.nn.Linear(2, 3, dtype=lib.float64)
        lin.weight.data = lib.tensor(w)
        dp = lib.nn.DataParallel(lin)
        assert dp.device_ids == [] and dp.module is lin
        outs.append(dp(lib.tensor(x)).detach().numpy() - lin.bias.detach().numpy())
        keys.append(list(dp.state_dict()))
    np.testing.assert_allclose(outs[0], outs[1])
    assert keys[0] == keys[1] == ["module.weight", "module.bias"]


def test_keyword_arguments_reach_the_module(no_cuda):
    class Scale(mt.nn.Module):
        def forward(self, x, factor=1.0):
            return x * factor

    assert mt.nn.DataParallel(Scale())(mt.ones(2), factor=3.0).tolist() == [3.0, 3.0]


def test_with_one_gpu_the_module_and_inputs_move_to_it(emulated_cuda):
    dp = mt.nn.DataParallel(mt.nn.Linear(2, 3))
    assert dp.device_ids == [0] and dp.output_device == 0
    assert dp.module.weight.device == mt.device("cuda:0")
    out = dp(mt.ones(4, 2))
    assert out.device == mt.device("cuda:0") and out.shape == (4, 3)


def test_with_one_gpu_a_module_moved_back_to_the_cpu_is_refused(emulated_cuda):
    dp = mt.nn.DataParallel(mt.nn.Linear(2, 3))
    dp.module.to("cpu")
    with pytest.raises(RuntimeError, match="parameters and buffers on device cuda:0"):
        dp(mt.ones(1, 2))


def test_device_ids_other_than_gpu_zero_are_refused(emulated_cuda):
    with pytest.raises(ValueError, match="name GPU 1, but MicroTorch's CUDA backend uses "
                                         "device 0 only"):
        mt.nn.DataParallel(mt.nn.Linear(2, 3), device_ids=[0, 1])
