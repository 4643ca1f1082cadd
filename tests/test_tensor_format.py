"""``format(tensor, spec)`` as PyTorch: a 0-d tensor formats as its Python number (so
``f"{loss:.4f}"`` works), any other tensor only with an empty spec."""

import pytest
from torch_reference import requires_torch, torch

import microtorch_core as mt


@requires_torch
@pytest.mark.parametrize("value, spec", [(1.23456, ".4f"), (2.5, "e"), (7, "d"), (7, "5d"),
                                         (True, "")])
def test_zero_dim_tensor_formats_as_its_item(value, spec):
    assert format(mt.tensor(value), spec) == format(torch.tensor(value), spec)


def test_zero_dim_tensor_that_requires_grad_formats():
    loss = (mt.tensor([0.5, 1.0], requires_grad=True) ** 2).sum()
    assert f"{loss:.4f}" == "1.2500"


@requires_torch
def test_one_dim_tensor_with_empty_spec_formats_as_str():
    assert format(mt.tensor([1.5, 2.0])) == str(torch.tensor([1.5, 2.0]))


def test_one_element_one_dim_tensor_refuses_a_spec_as_pytorch():
    with pytest.raises(TypeError, match="unsupported format string passed to Tensor"):
        format(mt.tensor([1.5]), ".2f")
