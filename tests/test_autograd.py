"""The autograd engine: graph building, execution order, errors, hooks, higher order."""

import numpy as np
import pytest

import microtorch_core as mt
from microtorch_core.autograd import Function


def test_gradient_of_product_rule():
    x = mt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = mt.tensor([4.0, 5.0, 6.0], requires_grad=True)
    (x * y + x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [5.0, 6.0, 7.0])
    np.testing.assert_allclose(y.grad.numpy(), [1.0, 2.0, 3.0])


def test_ten_thousand_op_chain_does_not_hit_recursion_limit():
    x = mt.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0001 ** 10_000], rtol=1e-3)


def test_gradients_accumulate_across_backward_calls():
    x = mt.tensor([2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [6.0])


def test_shared_subexpression_gradients_add_up():
    x = mt.tensor([3.0], requires_grad=True)
    y = x * x
    (y + y).sum().backward()  # d/dx 2x^2 = 4x
    np.testing.assert_allclose(x.grad.numpy(), [12.0])


def test_broadcast_gradient_is_reduced_to_input_shape():
    a = mt.ones(3, 1, requires_grad=True)
    b = mt.ones(4, requires_grad=True)
    (a * b).sum().backward()
    assert a.grad.shape == (3, 1) and b.grad.shape == (4,)
    np.testing.assert_allclose(a.grad.numpy(), np.full((3, 1), 4.0))
    np.testing.assert_allclose(b.grad.numpy(), np.full(4, 3.0))


def test_second_backward_through_freed_graph_raises():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    loss = (x.exp() * x).sum()
    loss.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        loss.backward()


def test_retain_graph_allows_second_backward():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    loss = (x.exp() * x).sum()
    loss.backward(retain_graph=True)
    first = x.grad.numpy().copy()
    loss.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * first, rtol=1e-6)


def test_backward_of_non_scalar_without_gradient_raises():
    x = mt.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"only for scalar outputs.*\(3,\)"):
        (x * 2).backward()


def test_backward_with_explicit_gradient():
    x = mt.ones(3, requires_grad=True)
    (x * 2).backward(mt.tensor([1.0, 10.0, 100.0]))
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 20.0, 200.0])


def test_inplace_change_of_saved_tensor_is_detected():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1  # non-leaf
    z = y.exp()  # saves its output
    w = (y * y).sum()  # saves y
    y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation.*version 1"):
        w.backward()
    assert z is not None


def test_inplace_on_leaf_requiring_grad_raises():
    x = mt.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x.add_(1)


def test_inplace_on_leaf_under_no_grad_is_allowed():
    x = mt.ones(2, requires_grad=True)
    with mt.no_grad():
        x.mul_(3)
    np.testing.assert_allclose(x.detach().numpy(), [3.0, 3.0])


def test_inplace_on_non_leaf_is_recorded():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.add_(x)  # y = 3x
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])


def test_second_order_gradient_with_create_graph():
    x = mt.tensor([3.0], requires_grad=True)
    (dx,) = mt.autograd.grad((x ** 3).sum(), x, create_graph=True)
    np.testing.assert_allclose(dx.detach().numpy(), [27.0])
    (ddx,) = mt.autograd.grad(dx.sum(), x)
    np.testing.assert_allclose(ddx.numpy(), [18.0])


def test_autograd_grad_leaves_dot_grad_untouched():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    (g,) = mt.autograd.grad((x * x).sum(), x)
    assert x.grad is None
    np.testing.assert_allclose(g.numpy(), [2.0, 4.0])


def test_autograd_grad_of_unused_input_raises_unless_allowed():
    x = mt.ones(1, requires_grad=True)
    z = mt.ones(1, requires_grad=True)
    with pytest.raises(RuntimeError, match="not used in the graph"):
        mt.autograd.grad((x * 2).sum(), [x, z])
    gx, gz = mt.autograd.grad((x * 2).sum(), [x, z], allow_unused=True)
    assert gz is None and gx.item() == 2.0


def test_no_grad_records_nothing():
    x = mt.ones(2, requires_grad=True)
    with mt.no_grad():
        y = x * 2
    assert not y.requires_grad and y.grad_fn is None


def test_enable_grad_inside_no_grad():
    x = mt.ones(2, requires_grad=True)
    with mt.no_grad():
        with mt.enable_grad():
            y = x * 2
    assert y.requires_grad


def test_set_grad_enabled_false_as_function_and_context():
    x = mt.ones(1, requires_grad=True)
    with mt.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad


def test_no_grad_as_decorator():
    @mt.no_grad()
    def f(t):
        return t * 2

    assert not f(mt.ones(1, requires_grad=True)).requires_grad


def test_no_grad_and_enable_grad_decorate_without_parentheses():
    @mt.no_grad
    def f(t):
        return t * 2

    @mt.enable_grad
    def g(t):
        return t * 2

    x = mt.ones(1, requires_grad=True)
    assert not f(x).requires_grad and f.__name__ == "f"
    with mt.no_grad():
        assert g(x).requires_grad


def test_detach_shares_storage_and_drops_history():
    x = mt.ones(2, requires_grad=True)
    y = (x * 2).detach()
    assert y.grad_fn is None and not y.requires_grad


def test_requires_grad_on_integer_tensor_raises():
    with pytest.raises(RuntimeError, match="floating point"):
        mt.tensor([1, 2]).requires_grad_()


def test_tensor_hook_can_replace_gradient():
    x = mt.ones(2, requires_grad=True)
    x.register_hook(lambda g: g * 10)
    (x * 1).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [10.0, 10.0])


def test_leaf_hook_also_changes_what_autograd_grad_returns():
    x = mt.ones(2, requires_grad=True)
    x.register_hook(lambda g: g * 10)
    (grad,) = mt.autograd.grad((x * 2).sum(), x)
    assert grad.tolist() == [20.0, 20.0]  # as PyTorch: the hook runs before the capture
    assert x.grad is None


def test_hook_on_intermediate_sees_its_gradient():
    x = mt.ones(2, requires_grad=True)
    y = x * 3
    seen = []
    y.register_hook(lambda g: seen.append(g.numpy().copy()))
    (y * 2).sum().backward()
    np.testing.assert_allclose(seen[0], [2.0, 2.0])


def test_hook_handle_remove():
    x = mt.ones(2, requires_grad=True)
    handle = x.register_hook(lambda g: g * 10)
    handle.remove()
    x.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 1.0])


def test_retain_grad_keeps_intermediate_gradient():
    x = mt.ones(2, requires_grad=True)
    y = x * 3
    y.retain_grad()
    (y * 2).sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), [2.0, 2.0])


def test_non_leaf_grad_is_none_without_retain_grad():
    x = mt.ones(2, requires_grad=True)
    y = x * 3
    y.sum().backward()
    assert y.grad is None


class _Cube(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x * x


class _WrongCube(_Cube):
    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 2 * x * x


def test_custom_function_forward_and_backward():
    x = mt.tensor([2.0], requires_grad=True)
    y = _Cube.apply(x)
    assert y.grad_fn.name() == "_CubeBackward0"
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [12.0])


def test_gradcheck_passes_for_correct_custom_function():
    x = mt.randn(4, dtype=mt.float64, requires_grad=True)
    assert mt.autograd.gradcheck(_Cube.apply, (x,))


def test_gradcheck_catches_wrong_gradient():
    x = mt.randn(4, dtype=mt.float64, requires_grad=True)
    with pytest.raises(AssertionError, match="gradcheck failed"):
        mt.autograd.gradcheck(_WrongCube.apply, (x,))


def test_gradcheck_rejects_float32_inputs():
    x = mt.randn(2, requires_grad=True)
    with pytest.raises(TypeError, match="float64"):
        mt.autograd.gradcheck(lambda t: t * 2, (x,))


def test_grad_fn_graph_structure():
    a = mt.ones(2, requires_grad=True)
    b = a * 2 + 1
    assert b.grad_fn.name() == "AddBackward0"
    mul_node = b.grad_fn.next_functions[0][0]
    assert mul_node.name() == "MulBackward0"
    assert mul_node.next_functions[0][0].name() == "AccumulateGrad"
    assert mul_node.next_functions[0][0].variable is a


def test_matches_pytorch_on_a_composite_expression():
    torch = pytest.importorskip("torch", reason="PyTorch not installed: oracle unavailable")
    rng = np.random.default_rng(0)
    xs = rng.standard_normal((3, 4))
    ws = rng.standard_normal((4, 5))

    def run(lib, x, w):
        h = (x @ w).tanh() * (x.sum(1, keepdim=True) + 2).log()
        return (h.softmax(-1) * h.sigmoid()).mean()

    x, w = mt.tensor(xs, requires_grad=True), mt.tensor(ws, requires_grad=True)
    tx = torch.tensor(xs, requires_grad=True)
    tw = torch.tensor(ws, requires_grad=True)
    out, tout = run(mt, x, w), run(torch, tx, tw)
    out.backward()
    tout.backward()
    np.testing.assert_allclose(out.item(), tout.item(), rtol=1e-10)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_copy_into_a_non_leaf_gives_the_overwritten_history_a_zero_gradient():
    a = mt.ones(3, requires_grad=True)
    c = a * 2
    c.copy_(mt.tensor([5.0, 6.0, 7.0]))
    c.sum().backward()
    assert a.grad.tolist() == [0.0, 0.0, 0.0]  # PyTorch: zeros, not None


def test_fill_of_a_non_leaf_holding_inf_gives_the_fill_value():
    b = mt.tensor([1.0, float("inf")], requires_grad=True)
    d = b * 1
    d.fill_(3.0)
    assert d.tolist() == [3.0, 3.0]  # not inf * 0 = nan


@pytest.mark.parametrize(("grad", "error", "message"), [
    (mt.zeros(1), RuntimeError, r"attempting to assign a gradient of size '\[1\]' to a tensor "
                                r"of size '\[3\]'"),
    (mt.zeros(3, 1), RuntimeError, r"of size '\[3, 1\]' to a tensor of size '\[3\]'"),
    (mt.zeros(3, dtype=mt.float64), RuntimeError,
     "attempting to assign a gradient with dtype 'float64' to a tensor with dtype 'float32'"),
    ([0.0, 0.0, 0.0], TypeError, "assigned grad expected to be a Tensor or None but got grad "
                                 "of type list"),
], ids=["size_1", "size_3x1", "dtype", "list"])
def test_assigning_a_grad_that_does_not_fit_the_tensor_raises_as_pytorch(grad, error, message):
    # PyTorch's checks: SGD would otherwise broadcast a (1,) gradient over the whole parameter
    p = mt.nn.Parameter(mt.ones(3))
    with pytest.raises(error, match=message):
        p.grad = grad
    assert p.grad is None


def test_assigning_and_deleting_a_fitting_grad():
    p = mt.nn.Parameter(mt.ones(3))
    p.grad = mt.zeros(1).expand(3)  # a broadcast view of the right shape is a gradient
    mt.optim.SGD([p], lr=0.5).step()
    assert p.tolist() == [1.0, 1.0, 1.0]
    del p.grad
    assert p.grad is None


def test_root_gradient_of_another_dtype_takes_the_roots_dtype():
    # PyTorch casts a root's gradient to the root's dtype (a leaf's .grad keeps its dtype)
    leaf = mt.ones(3, requires_grad=True)
    leaf.backward(mt.ones(3, dtype=mt.float64))
    assert leaf.grad.dtype is mt.float32
    x = mt.ones(3, requires_grad=True)
    (x * 2).backward(mt.tensor([1.0, 2.0, 3.0], dtype=mt.float64))
    assert x.grad.dtype is mt.float32
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0, 6.0])


def test_mean_is_one_graph_node_whose_gradient_divides_by_the_count():
    x = mt.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    m = x.mean(1)
    assert m.grad_fn.name() == "MeanBackward0"
    assert m.grad_fn.next_functions[0][0].name() == "AccumulateGrad"
    m.backward(mt.tensor([1.0, 3.0]))
    np.testing.assert_allclose(x.grad.numpy(), [[1 / 3] * 3, [1.0] * 3])
