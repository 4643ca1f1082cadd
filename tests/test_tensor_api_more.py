"""new_zeros/new_ones/new_full/new_empty/new_tensor (ops/composite/creation_like.py), select/ravel/
tensor_split/hsplit/vsplit/dsplit/moveaxis (ops/composite/splitting.py, ops/primitive/views.py), the
metadata questions (ops/composite/metadata.py and Tensor's properties) and
Tensor.register_post_accumulate_grad_hook: values against PyTorch and NumPy, gradients by finite
differences, and PyTorch's errors."""

import warnings

import numpy as np
import pytest
from torch_reference import requires_torch, torch

import microtorch_core as mt
from microtorch_core.autograd.gradcheck import gradcheck
from microtorch_core.testing import assert_close

X = np.arange(24.0).reshape(2, 3, 4)


# -- new_* --------------------------------------------------------------------------------------
def test_new_zeros_takes_the_tensors_dtype_and_accepts_a_shape_tuple_or_ints():
    x = mt.tensor([1, 2, 3])
    for out in (x.new_zeros(2, 3), x.new_zeros((2, 3)), x.new_zeros([2, 3])):
        assert out.dtype is mt.int64 and out.shape == (2, 3) and out.tolist() == [[0] * 3] * 2
    assert x.new_zeros(()).shape == ()


def test_new_ones_and_new_empty_take_dtype_and_device_unless_given():
    x = mt.zeros(2, dtype=mt.float64)
    assert x.new_ones(3).tolist() == [1.0] * 3 and x.new_ones(3).dtype is mt.float64
    assert x.new_ones(2, dtype=mt.int32).dtype is mt.int32
    empty = x.new_empty((4, 1))
    assert empty.shape == (4, 1) and empty.dtype is mt.float64 and empty.device == x.device


def test_new_full_casts_the_value_to_the_tensors_dtype():
    assert mt.tensor([1, 2, 3]).new_full((2,), 1.5).tolist() == [1, 1]
    assert mt.tensor([1.0]).new_full([2], 2).tolist() == [2.0, 2.0]


def test_new_full_refuses_a_bare_int_size_as_pytorch():
    with pytest.raises(TypeError, match="'size' .* must be tuple of ints, not int"):
        mt.tensor([1.0]).new_full(2, 1.5)


def test_new_tensor_copies_data_in_the_tensors_dtype():
    assert mt.tensor([1, 2]).new_tensor([1.5, 2.0]).dtype is mt.int64
    out = mt.ones(2, dtype=mt.float64).new_tensor(3)
    assert out.shape == () and out.dtype is mt.float64 and out.item() == 3.0


def test_new_tensor_of_a_tensor_warns_and_copies_without_history():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    with pytest.warns(UserWarning, match="detach\\(\\).clone\\(\\)"):
        y = x.new_tensor(x)
    assert y.is_leaf and not y.requires_grad and y.untyped_storage() is not x.untyped_storage()


def test_new_zeros_requires_grad_makes_a_leaf_and_refuses_integers():
    out = mt.tensor([1.0]).new_zeros(2, requires_grad=True)
    assert out.requires_grad and out.is_leaf
    with pytest.raises(RuntimeError, match="floating point"):
        mt.tensor([1]).new_zeros(2, requires_grad=True)


def test_new_zeros_refuses_a_negative_size():
    with pytest.raises(RuntimeError, match="negative dimension"):
        mt.tensor([1.0]).new_zeros(-1)


def test_new_results_have_no_history_even_from_a_graph_tensor():
    y = mt.tensor([1.0], requires_grad=True) * 2
    assert y.new_ones(2).grad_fn is None and not y.new_ones(2).requires_grad


# -- select, ravel, moveaxis ----------------------------------------------------------------------
def test_select_is_a_view_of_one_index():
    x = mt.tensor(X)
    out = x.select(1, -1)
    assert_close(out, X[:, -1])
    assert out.untyped_storage() is x.untyped_storage()
    assert_close(mt.select(x, 2, 0), X[..., 0])


def test_select_gradient_matches_finite_differences():
    x = mt.tensor(X, requires_grad=True)
    assert gradcheck(lambda t: t.select(0, 1) * 2, (x,))


@pytest.mark.parametrize("call, error, message", [
    (lambda x: x.select(1, 3), IndexError,
     r"select\(\): index 3 out of range for tensor of size \[2, 3, 4\] at dimension 1"),
    (lambda x: x.select(1, -4), IndexError, "index -4 out of range"),
    (lambda x: x.select(3, 0), IndexError, "Dimension out of range"),
    (lambda x: x[0, 0, 0].select(0, 0), IndexError, "cannot be applied to a 0-dim tensor"),
])
def test_select_errors_name_the_index_and_dimension(call, error, message):
    with pytest.raises(error, match=message):
        call(mt.tensor(X))


def test_ravel_flattens_and_copies_only_when_needed():
    x = mt.tensor(X)
    assert x.ravel().untyped_storage() is x.untyped_storage()
    t = x.transpose(0, 2).ravel()
    assert_close(t, X.transpose(2, 1, 0).ravel())
    assert t.is_contiguous() and mt.ravel(mt.tensor(2.0)).shape == (1,)


def test_moveaxis_moves_one_or_several_dims_as_numpy():
    x = mt.tensor(X)
    assert_close(x.moveaxis(0, 2), np.moveaxis(X, 0, 2))
    assert_close(mt.moveaxis(x, (0, 1), (2, 0)), np.moveaxis(X, (0, 1), (2, 0)))
    assert_close(x.movedim(-1, 0), np.moveaxis(X, -1, 0))


@pytest.mark.parametrize("source, destination, message", [
    ((0, 1), (2,), "should contain the same number of dims"),
    ((0, 0), (1, 2), r"repeated dim in `source` \(\[0, 0\]\)"),
    (0, 3, "Dimension out of range"),
])
def test_movedim_errors(source, destination, message):
    with pytest.raises((RuntimeError, IndexError), match=message):
        mt.tensor(X).movedim(source, destination)


# -- tensor_split, hsplit, vsplit, dsplit ---------------------------------------------------------
SPLIT_CASES = {
    "sections_uneven": (np.arange(7), 3, 0),
    "sections_more_than_elements": (np.arange(2), 4, 0),
    "indices_overlapping_and_past_the_end": (np.arange(7), [1, 5, 3, 9], 0),
    "negative_index": (np.arange(7), (1, -2), 0),
    "last_dim": (X, 3, -1),
    "indices_middle_dim": (X, [1], 1),
}


@pytest.mark.parametrize("name", SPLIT_CASES)
def test_tensor_split_matches_numpy_array_split(name):
    data, arg, dim = SPLIT_CASES[name]
    ours = mt.tensor(data).tensor_split(arg, dim)
    expected = np.array_split(data, arg, axis=dim)
    assert len(ours) == len(expected)
    for piece, ref in zip(ours, expected):
        assert piece.shape == ref.shape
        assert_close(piece, ref)


def test_tensor_split_takes_a_long_tensor_of_sections_or_indices():
    x = mt.arange(7)
    assert [t.tolist() for t in x.tensor_split(mt.tensor(3))] == [[0, 1, 2], [3, 4], [5, 6]]
    assert [t.tolist() for t in x.tensor_split(mt.tensor([1, 3]))] == [[0], [1, 2], [3, 4, 5, 6]]


def test_tensor_split_pieces_are_views_with_a_gradient():
    x = mt.tensor(X, requires_grad=True)
    a, b = x.tensor_split(2, 2)
    assert a.untyped_storage() is x.untyped_storage()
    assert gradcheck(lambda t: mt.tensor_split(t, [1, 3], 2)[1] * 3, (x,))


@pytest.mark.parametrize("arg, error, message", [
    (0, RuntimeError, "number of sections must be larger than 0, got 0"),
    (mt.tensor([1.0]), RuntimeError, "to have dtype of long, but got float32"),
    (mt.tensor([[1]]), RuntimeError, "zero-dimensional or one-dimensional tensor, but got a "
                                     "tensor with 2 dims"),
    (2.0, TypeError, "expected an int"),
])
def test_tensor_split_errors(arg, error, message):
    with pytest.raises(error, match=message):
        mt.arange(7).tensor_split(arg)


def test_tensor_split_refuses_a_0d_tensor():
    with pytest.raises(RuntimeError, match="at least a 1-dimensional tensor"):
        mt.tensor(1.0).tensor_split(2)


@pytest.mark.parametrize("name, arg", [("hsplit", 2), ("hsplit", [1, 3]), ("vsplit", [1]),
                                       ("vsplit", 2), ("dsplit", 2), ("dsplit", [1, 2])])
def test_hsplit_vsplit_dsplit_match_numpy(name, arg):
    data = np.arange(48.0).reshape(2, 4, 6)
    ours = getattr(mt.tensor(data), name)(arg)
    for piece, ref in zip(ours, getattr(np, name)(data, arg), strict=True):
        assert_close(piece, ref)


def test_hsplit_of_a_vector_splits_dim_0():
    assert [t.tolist() for t in mt.hsplit(mt.arange(6), 3)] == [[0, 1], [2, 3], [4, 5]]


@pytest.mark.parametrize("call, message", [
    (lambda: mt.tensor(X).hsplit(2), "split along dimension 1, but the size of the dimension 3 "
                                     "is not divisible by the split_size 2"),
    (lambda: mt.arange(6).vsplit(2), "vsplit requires a tensor with at least 2 dimension, but "
                                     "got a tensor with 1 dimensions"),
    (lambda: mt.ones(2, 2).dsplit(2), "dsplit requires a tensor with at least 3 dimension"),
    (lambda: mt.tensor(1.0).hsplit(1), "hsplit requires a tensor with at least 1 dimension"),
])
def test_hsplit_vsplit_dsplit_errors_as_pytorch(call, message):
    with pytest.raises(RuntimeError, match=message):
        call()


# -- metadata --------------------------------------------------------------------------------
def test_nelement_ndimension_itemsize_and_nbytes():
    x = mt.tensor(X, dtype=mt.float32)
    assert (x.nelement(), x.ndimension(), x.itemsize, x.nbytes) == (24, 3, 4, 96)
    assert x[:, :1].nbytes == 32 and x.expand(2, 2, 3, 4).nbytes == 192  # elements, as PyTorch
    assert mt.tensor([1], dtype=mt.int32).itemsize == 4


def test_is_cpu_and_get_device_of_a_cpu_tensor():
    x = mt.ones(2)
    assert x.is_cpu and not x.is_cuda
    assert x.get_device() == -1 and mt.get_device(x) == -1


def test_is_signed_is_complex_and_is_floating_point_by_dtype():
    assert mt.ones(1).is_signed() and mt.tensor([1]).is_signed()
    assert not mt.tensor([True]).is_signed() and not mt.is_signed(mt.tensor([True]))
    assert not mt.ones(1).is_complex() and not mt.is_complex(mt.tensor([1]))
    assert mt.is_floating_point(mt.ones(1)) and not mt.is_floating_point(mt.tensor([1]))


def test_is_nonzero_of_one_element_tensors():
    assert not mt.tensor([0.0]).is_nonzero() and mt.tensor(float("nan")).is_nonzero()
    assert mt.is_nonzero(mt.tensor([[3]]))


@pytest.mark.parametrize("data, message", [([1.0, 2.0], "more than one value is ambiguous"),
                                           ([], "no values is ambiguous")])
def test_is_nonzero_refuses_other_sizes(data, message):
    with pytest.raises(RuntimeError, match=message):
        mt.tensor(data).is_nonzero()


def test_is_same_size_compares_shapes_and_wants_a_tensor():
    x = mt.tensor(X)
    assert x.is_same_size(x + 1) and not mt.is_same_size(x, x[0])
    with pytest.raises(TypeError, match="'other' must be Tensor, not int"):
        x.is_same_size(3)


def test_is_inference_is_false_even_inside_inference_mode():
    with mt.inference_mode():
        y = mt.ones(2)
    assert not y.is_inference() and not mt.is_inference(mt.ones(1))


def test_data_ptr_is_the_numpy_address_plus_the_offset():
    x = mt.tensor(X)
    assert x.data_ptr() == x.numpy().ctypes.data
    assert x[1].data_ptr() - x.data_ptr() == 12 * 8  # float64 elements
    assert x.T.data_ptr() == x.data_ptr()
    assert mt.empty(0).data_ptr() == 0


# -- register_post_accumulate_grad_hook ---------------------------------------------------------
def test_post_accumulate_grad_hook_sees_the_tensor_after_each_accumulation():
    a = mt.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    handle = a.register_post_accumulate_grad_hook(lambda t: seen.append((t is a, t.grad.tolist())))
    (a * a).sum().backward()
    (a * 3).sum().backward()
    assert seen == [(True, [2.0, 4.0]), (True, [5.0, 7.0])]
    handle.remove()
    (a * 3).sum().backward()
    assert len(seen) == 2


def test_post_accumulate_grad_hook_runs_after_the_gradient_hooks():
    a = mt.ones(2, requires_grad=True)
    order = []
    a.register_post_accumulate_grad_hook(lambda t: order.append(("post", t.grad.tolist())))
    a.register_hook(lambda g: order.append(("pre", g.tolist())) or g * 10)
    (a * 2).sum().backward()
    assert order == [("pre", [2.0, 2.0]), ("post", [20.0, 20.0])]


def test_post_accumulate_grad_hook_may_consume_the_gradient():
    a = mt.ones(2, requires_grad=True)
    a.register_post_accumulate_grad_hook(lambda t: setattr(t, "grad", None))  # a fused step
    (a * 2).sum().backward()
    assert a.grad is None


def test_post_accumulate_grad_hook_runs_for_backward_inputs_not_for_autograd_grad():
    a = mt.ones(2, requires_grad=True)
    calls = []
    a.register_post_accumulate_grad_hook(lambda t: calls.append(1))
    mt.autograd.grad((a * 2).sum(), a)
    assert calls == []
    (a * 2).sum().backward(inputs=[a])
    assert calls == [1]


def test_post_accumulate_grad_hook_must_return_none():
    a = mt.ones(2, requires_grad=True)
    a.register_post_accumulate_grad_hook(lambda t: mt.zeros(2))
    with pytest.raises(RuntimeError, match="should return None"):
        (a * 2).sum().backward()


@pytest.mark.parametrize("make, message", [
    (lambda: mt.ones(2, requires_grad=True) * 2, "cannot be registered on non-leaf tensors"),
    (lambda: mt.ones(2), "doesn't require gradient"),
])
def test_post_accumulate_grad_hook_refuses_non_leaves_and_tensors_without_grad(make, message):
    with pytest.raises(RuntimeError, match=message):
        make().register_post_accumulate_grad_hook(lambda t: None)


@requires_torch
def test_post_accumulate_grad_hook_order_and_values_match_pytorch():
    seen = {"mt": [], "torch": []}
    for lib, key in ((mt, "mt"), (torch, "torch")):
        a = lib.tensor([1.0, -2.0], requires_grad=True)
        b = lib.tensor([3.0, 0.5], requires_grad=True)
        for name, t in (("a", a), ("b", b)):
            t.register_post_accumulate_grad_hook(
                lambda t, name=name, key=key: seen[key].append((name, t.grad.tolist())))
        (a * b + a).sum().backward()
    assert sorted(seen["mt"]) == sorted(seen["torch"])


@requires_torch
@pytest.mark.parametrize("name, args", [("new_zeros", ((2, 3),)), ("new_ones", (3,)),
                                        ("new_full", ((2,), 7.9))])
def test_new_methods_match_pytorch(name, args):
    for dtype in ("float64", "int64"):
        ours = getattr(mt.zeros(1, dtype=mt.dtypes.from_name(dtype)), name)(*args)
        theirs = getattr(torch.zeros(1, dtype=getattr(torch, dtype)), name)(*args)
        assert ours.dtype.name == dtype and ours.tolist() == theirs.tolist()


def test_no_warning_for_new_tensor_of_plain_data():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mt.ones(1).new_tensor([1.0, 2.0])


def test_mh_and_h_are_the_transposes_of_a_real_tensor():
    x = mt.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(x.mH.numpy(), np.swapaxes(x.numpy(), -1, -2))
    m = mt.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(m.H.numpy(), m.numpy().T)
    with pytest.raises(RuntimeError, match=r"only supported on matrices \(2-D tensors\). Got 3-D"):
        _ = x.H


# -- adjoint and __rdiv__ -----------------------------------------------------------------------
@requires_torch
def test_adjoint_is_a_view_swapping_the_last_two_dims_as_torch():
    x = mt.tensor(X)
    out = mt.adjoint(x)
    assert out._storage is x._storage and x.adjoint().shape == out.shape
    assert_close(out, torch.adjoint(torch.tensor(X)).numpy())


@requires_torch
def test_adjoint_of_a_vector_is_an_error_and_of_a_scalar_the_scalar_as_torch():
    with pytest.raises(RuntimeError, match="only supported on matrices or batches of matrices"):
        mt.adjoint(mt.ones(3))
    with pytest.warns(UserWarning, match="adjoint\\(\\) is deprecated on 0-D tensors"):
        assert mt.adjoint(mt.tensor(2.0)).item() == 2.0


def test_rdiv_is_the_reflected_true_division():
    x = mt.tensor([2, 4])
    assert mt.Tensor.__rdiv__(x, 2).tolist() == (2 / x).tolist() == [1.0, 0.5]
