"""``load_state_dict`` takes what other libraries hold: PyTorch tensors (also ones that
require grad), NumPy arrays and anything with ``__array__`` or ``__dlpack__``, checked for
shape as MicroTorch tensors are."""

import numpy as np
import pytest

import microtorch_core as mt
from microtorch_core import nn

torch = pytest.importorskip("torch")


def _torch_linear():
    torch.manual_seed(0)
    return torch.nn.Linear(3, 2)


def test_a_pytorch_state_dict_loads_into_the_same_model():
    theirs = _torch_linear()
    ours = nn.Linear(3, 2)
    ours.load_state_dict(theirs.state_dict())
    np.testing.assert_array_equal(ours.weight.detach().numpy(), theirs.weight.detach().numpy())
    np.testing.assert_array_equal(ours.bias.detach().numpy(), theirs.bias.detach().numpy())


def test_pytorch_parameters_that_require_grad_load():
    theirs = _torch_linear()
    ours = nn.Linear(3, 2)
    ours.load_state_dict(theirs.state_dict(keep_vars=True))
    np.testing.assert_array_equal(ours.weight.detach().numpy(), theirs.weight.detach().numpy())
    assert isinstance(ours.weight, nn.Parameter) and ours.weight.requires_grad


def test_numpy_arrays_and_dlpack_objects_load():
    class DLPackOnly:
        def __init__(self, array):
            self.array = array

        def __dlpack__(self, **kwargs):
            return self.array.__dlpack__(**kwargs)

        def __dlpack_device__(self):
            return self.array.__dlpack_device__()

    w = np.arange(6, dtype=np.float32).reshape(2, 3)
    model = nn.Linear(3, 2)
    model.load_state_dict({"weight": w, "bias": DLPackOnly(np.array([1.0, 2.0], np.float32))})
    assert model.weight.tolist() == w.tolist() and model.bias.tolist() == [1.0, 2.0]


def test_a_dtype_microtorch_lacks_is_cast_to_the_parameter_dtype():
    model = nn.Linear(3, 2)
    half = torch.arange(6, dtype=torch.float16).reshape(2, 3)
    model.load_state_dict({"weight": half, "bias": torch.zeros(2)})
    assert model.weight.dtype is mt.float32 and model.weight.tolist() == half.float().tolist()


def test_assign_keeps_a_converted_tensor_as_the_parameter():
    theirs = _torch_linear()
    model = nn.Linear(3, 2)
    model.load_state_dict(theirs.state_dict(), assign=True)
    assert isinstance(model.weight, nn.Parameter) and model.weight.requires_grad
    np.testing.assert_array_equal(model.weight.detach().numpy(), theirs.weight.detach().numpy())


def test_a_pytorch_tensor_of_the_wrong_shape_is_a_size_mismatch():
    with pytest.raises(RuntimeError, match=r"size mismatch for weight: copying a param with "
                       r"shape \(3, 3\) from checkpoint, the shape in current model is \(2, 3\)"):
        nn.Linear(3, 2).load_state_dict({"weight": torch.zeros(3, 3), "bias": torch.zeros(2)})


def test_an_array_of_strings_is_refused_naming_its_dtype():
    with pytest.raises(RuntimeError, match=r'"weight", its numpy.ndarray .*dtype <U1'):
        nn.Linear(3, 2).load_state_dict({"weight": np.full((2, 3), "x"),
                                         "bias": np.zeros(2, np.float32)})


def test_a_value_that_is_no_array_names_its_type():
    with pytest.raises(RuntimeError, match="expected a Tensor in the state dict, got list"):
        nn.Linear(3, 2).load_state_dict({"weight": [[0.0] * 3] * 2, "bias": torch.zeros(2)})
