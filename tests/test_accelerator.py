"""``accelerator``: "the GPU" without naming CUDA, as ``torch.accelerator``. It answers from
the backend registry: the CUDA backend when installed (``current_accelerator``) and usable
(``is_available``); never the CPU."""

import pytest

import microtorch_core as mt


def test_without_a_cuda_backend_there_is_no_accelerator(no_cuda):
    assert mt.accelerator.current_accelerator() is None
    assert mt.accelerator.is_available() is False
    assert mt.accelerator.device_count() == 0


@pytest.mark.parametrize("call", [mt.accelerator.current_device_index,
                                  mt.accelerator.synchronize,
                                  lambda: mt.accelerator.set_device_index(0),
                                  mt.accelerator.memory_allocated])
def test_device_functions_without_an_accelerator_raise_pytorchs_error(no_cuda, call):
    with pytest.raises(RuntimeError, match="Cannot access accelerator device when none is "
                                           "available"):
        call()


def test_an_installed_but_unusable_cuda_backend_is_named_but_not_available():
    info = mt.registry.backend_info("cuda")
    if info is None or info.available:
        pytest.skip("needs the microtorch-cuda plugin installed on a machine without a GPU")
    assert mt.accelerator.current_accelerator() == mt.device("cuda")
    assert mt.accelerator.current_accelerator(check_available=True) is None
    assert mt.accelerator.is_available() is False
    with pytest.raises(RuntimeError, match=info.reason[:20]):
        mt.accelerator.current_device_index()


def test_a_usable_cuda_backend_is_the_accelerator(emulated_cuda):
    assert mt.accelerator.is_available() is True
    device = mt.accelerator.current_accelerator(check_available=True)
    assert device == mt.device("cuda") and device.type == "cuda"
    assert mt.accelerator.device_count() == 1
    assert mt.accelerator.current_device_index() == 0
    x = mt.ones(3, device=device)
    mt.accelerator.synchronize()
    assert mt.accelerator.memory_allocated() >= x.nbytes


def test_only_device_zero_exists(emulated_cuda):
    mt.accelerator.set_device_index(0)
    with mt.accelerator.device_index(0):
        pass
    with pytest.raises(ValueError, match="index 1 does not exist"):
        mt.accelerator.set_device_index(1)
    with pytest.raises(ValueError, match="cpu is not the current accelerator"):
        mt.accelerator.synchronize("cpu")
