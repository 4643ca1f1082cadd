"""Conformance: bad input fails early, with a message that names the values involved and,
where there is one, what to do. Errors come from the core, so every backend gives the same."""

from __future__ import annotations

import pytest

import microtorch_core as mt
from microtorch_core.registry import registry


@pytest.fixture
def other_device(device):
    """A second device type: the CPU, or (when testing the CPU) an in-process copy of it."""
    if device != "cpu" and registry.backend_info("cpu") is not None:
        yield "cpu"
        return
    cls = type(registry.get_backend(device))
    registry.register_backend("mirror", type("MirrorBackend", (cls,), {"name": "mirror"}),
                              override=True)
    yield "mirror"
    registry.unregister("mirror")


# -- shapes --------------------------------------------------------------------------------------
def test_incompatible_shapes_name_both_shapes(device):
    a, b = mt.zeros(3, 2, device=device), mt.zeros(4, device=device)
    with pytest.raises(RuntimeError, match=r"\(3, 2\) and \(4,\) cannot be broadcast"):
        a + b
    with pytest.raises(RuntimeError, match=r"\(3, 2\) and \(4,\)"):
        mt.where(a > 0, a, b)


def test_matmul_shape_mismatch_names_both_shapes(device):
    with pytest.raises(RuntimeError, match=r"\(2x3 and 4x5\)"):
        mt.zeros(2, 3, device=device) @ mt.zeros(4, 5, device=device)
    with pytest.raises(RuntimeError, match="at least 1D"):
        mt.zeros((), device=device) @ mt.zeros(2, device=device)


def test_dot_and_outer_name_the_sizes_and_dims(device):
    with pytest.raises(RuntimeError, match="expected tensor \\[3\\] and src \\[4\\]"):
        mt.dot(mt.zeros(3, device=device), mt.zeros(4, device=device))
    with pytest.raises(RuntimeError, match="outer: Expected 1-D argument self, but got 2-D"):
        mt.outer(mt.zeros(2, 2, device=device), mt.zeros(3, device=device))


def test_invalid_reshape_and_view(device):
    t = mt.zeros(2, 3, device=device)
    with pytest.raises(RuntimeError, match=r"shape '\[4, 2\]' is invalid for input of size 6"):
        t.reshape(4, 2)
    with pytest.raises(RuntimeError, match="use .reshape"):
        t.T.view(6)
    with pytest.raises(RuntimeError, match="expanded size"):
        t.expand(4, 3)


def test_inplace_output_shape_must_not_grow(device):
    with pytest.raises(RuntimeError, match=r"output with shape \[3\] doesn't match"):
        mt.zeros(3, device=device).add_(mt.zeros(2, 3, device=device))


def test_cat_and_stack_shape_mismatch(device):
    a, b = mt.zeros(2, 3, device=device), mt.zeros(2, 4, device=device)
    with pytest.raises(RuntimeError, match=r"Expected shape like \(2, 3\) but got \(2, 4\)"):
        mt.cat([a, b], 0)
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size"):
        mt.stack([a, b])


# -- devices -------------------------------------------------------------------------------------
def test_mixed_devices_name_both(device, other_device):
    a, b = mt.zeros(2, device=device), mt.zeros(2, device=other_device)
    pattern = "same device.*" + "|".join([f"{device}.*{other_device}", f"{other_device}.*{device}"])
    with pytest.raises(RuntimeError, match=pattern):
        a + b
    with pytest.raises(RuntimeError, match="same device"):
        mt.cat([a, b])
    with pytest.raises(RuntimeError, match="same device"):
        a.reshape(2, 1) @ b.reshape(1, 2)


def test_unknown_device_lists_installed_backends(device):
    with pytest.raises(RuntimeError, match=f"unknown device type 'nosuchdevice'.*{device}"):
        mt.zeros(2, device="nosuchdevice")


def test_bad_device_strings(device):
    with pytest.raises(ValueError, match="index must be an integer"):
        mt.zeros(1, device=f"{device}:x")
    with pytest.raises(RuntimeError, match="does not exist"):
        mt.zeros(1, device=f"{device}:999")


def test_tensor_device_has_an_index_except_on_the_cpu(device):
    # As torch: torch.ones(1, device="cuda").device is cuda:0, a CPU tensor's is plain cpu.
    t = mt.ones(1, device=device)
    expected = "cpu" if device == "cpu" else f"{device}:0"
    assert str(t.device) == expected
    assert str((t + 1).device) == expected and str(t.to(device).device) == expected


# -- dtypes --------------------------------------------------------------------------------------
def test_only_floating_tensors_require_grad(device):
    with pytest.raises(RuntimeError, match="floating point"):
        mt.tensor([1, 2], device=device, requires_grad=True)


def test_inplace_result_must_fit_the_dtype(device):
    t = mt.tensor([1, 2], device=device)
    with pytest.raises(RuntimeError, match="can't be cast to the desired output type int64"):
        t.add_(0.5)
    with pytest.raises(RuntimeError, match="can't be cast"):
        t /= 2


def test_dtype_errors(device):
    with pytest.raises(RuntimeError, match="same dtype"):
        mt.zeros(2, 2, device=device) @ mt.zeros(2, 2, device=device, dtype=mt.float64)
    with pytest.raises(RuntimeError, match="bool"):
        mt.zeros(2, 2, device=device, dtype=mt.bool) @ mt.zeros(2, 2, device=device,
                                                               dtype=mt.bool)
    with pytest.raises(TypeError, match="floating point"):
        mt.rand(3, device=device, dtype=mt.int64)
    with pytest.raises(TypeError, match="unknown dtype name 'float17'"):
        mt.zeros(1, device=device, dtype="float17")
    with pytest.raises(TypeError, match="condition must be a bool tensor"):
        mt.where(mt.zeros(2, device=device), 1.0, 0.0)
    flags = mt.zeros(2, device=device, dtype=mt.bool)
    with pytest.raises(RuntimeError, match="bool tensor is not supported"):
        flags.neg()
    for a, b in ((flags, flags), (flags, 1.0), (1, flags)):  # any bool operand, as PyTorch
        with pytest.raises(RuntimeError, match="with a bool tensor is not supported"):
            a - b
    with pytest.raises(RuntimeError, match='"pow" is not implemented for bool'):
        flags ** True
    with pytest.raises(RuntimeError, match="Integers to negative integer powers"):
        mt.tensor([2, 3], device=device) ** -1


def test_index_tensors_must_be_integers(device):
    t = mt.zeros(3, device=device)
    with pytest.raises(IndexError, match="long, int or bool"):
        t[mt.tensor([0.0, 1.0], device=device)]
    with pytest.raises(RuntimeError, match="Expected dtype int32/int64 for index"):
        t.gather(0, mt.tensor([0.0], device=device))


# -- indices -------------------------------------------------------------------------------------
def test_writing_through_out_of_range_index_tensors_names_the_index(device):
    t = mt.zeros(3, 4, device=device)
    with pytest.raises(IndexError, match="index 3 is out of bounds for dimension with size 3"):
        t[mt.tensor([0, 3], device=device)] = 1.0
    with pytest.raises(IndexError, match="index -5 is out of bounds for dimension with size 4"):
        t[mt.tensor([0], device=device), mt.tensor([-5], device=device)] = mt.ones(1, device=device)
    assert t.sum().item() == 0  # nothing was written


def test_lerp_needs_operands_of_start_dtype(device):
    start = mt.zeros(2, device=device)
    with pytest.raises(RuntimeError, match="expected dtype float32 for `end` but got dtype "
                                           "float64"):
        start.lerp(mt.ones(2, dtype=mt.float64, device=device), 0.5)
    with pytest.raises(RuntimeError, match="expected a floating point start, got int64"):
        mt.zeros(2, dtype=mt.int64, device=device).lerp(mt.ones(2, dtype=mt.int64), 0.5)


def test_scatter_src_of_another_dtype_is_an_error_not_a_cast(device):
    index = mt.zeros(1, 2, dtype=mt.int64, device=device)
    with pytest.raises(RuntimeError, match="Expected self.dtype to be equal to src.dtype, got "
                                           "int64 and float32"):
        mt.zeros(2, 2, dtype=mt.int64, device=device).scatter_add(0, index,
                                                                   mt.ones(1, 2, device=device))


def test_gather_and_scatter_index_larger_than_input_or_src_names_the_shapes(device):
    t, index = mt.zeros(3, 5, device=device), mt.zeros(4, 1, dtype=mt.int64, device=device)
    with pytest.raises(RuntimeError, match=r"index \[4, 1\] to be no larger than self \[3, 5\] "
                                           "apart from dimension 1"):
        t.gather(1, index)
    with pytest.raises(RuntimeError, match=r"no larger than src \[1, 1\]"):
        t.scatter_add(1, index[:2].expand(2, 2), mt.ones(1, 1, device=device))


def test_out_of_range_indices(device):
    t = mt.zeros(3, 4, device=device)
    with pytest.raises(IndexError, match="index 5 is out of bounds for dimension 1 with size 4"):
        t[0, 5]
    with pytest.raises(IndexError, match="index -4 is out of bounds for dimension 0 with size 3"):
        t[-4]
    with pytest.raises(IndexError, match="index 3 is out of bounds"):
        t[[0, 3]]
    with pytest.raises(IndexError, match="too many indices"):
        t[0, 0, 0]
    with pytest.raises(IndexError, match="Dimension out of range"):
        t.sum(2)
    with pytest.raises(IndexError, match="index 4 is out of bounds for dimension 1"):
        t.gather(1, mt.tensor([[4]], device=device))
    with pytest.raises(IndexError, match="out of bounds"):
        t.scatter_add(0, mt.tensor([[-1]], device=device), mt.ones(1, 1, device=device))


def test_item_of_many_elements(device):
    with pytest.raises(RuntimeError, match="a Tensor with 3 elements cannot be converted"):
        mt.zeros(3, device=device).item()


# -- autograd ------------------------------------------------------------------------------------
def test_second_backward_through_a_freed_graph(device):
    x = mt.ones(2, device=device, requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_backward_of_non_scalar_needs_a_gradient(device):
    x = mt.ones(2, device=device, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"only for scalar outputs.*\(2,\)"):
        (x * 2).backward()


def test_inplace_change_of_a_saved_tensor_is_caught(device):
    x = mt.ones(2, device=device, requires_grad=True)
    y = x * 2
    z = (y * y).sum()
    with mt.no_grad():
        y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.backward()


def test_inplace_on_a_leaf_that_requires_grad(device):
    x = mt.ones(2, device=device, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x.add_(1)
