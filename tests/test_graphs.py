"""Graph capture and replay (``microtorch_core.graphs``): the API, the refusals and the
checks, on the CPU. The bitwise comparisons with eager training, run on every backend, are
in ``microtorch_core/testing/test_conformance_graphs.py``."""

from __future__ import annotations

import gc
import threading

import numpy as np
import pytest

import microtorch_core as mt
from microtorch_core import graphs, nn
from microtorch_core.random import Generator


def _capture(fn) -> tuple[graphs.Graph, object]:
    g = graphs.Graph()
    with graphs.graph(g):
        out = fn()
    return g, out


# -- the life of a graph ------------------------------------------------------------------------
def test_replay_computes_on_the_current_values_of_the_static_inputs():
    x = mt.tensor([1.0, 2.0])
    g, y = _capture(lambda: (x * 3).exp())
    x.copy_(mt.tensor([0.0, -1.0]))
    g.replay()
    np.testing.assert_array_equal(y.numpy(), np.exp(np.float32([0.0, -1.0]) * 3))


def test_replay_makes_no_kernel_dispatch(monkeypatch):
    x = mt.ones(4)
    g, y = _capture(lambda: x + 1)
    table = x._kernels
    monkeypatch.setattr(table, "add", None)  # the replay needs no kernel lookup
    g.replay()
    assert y.tolist() == [2.0] * 4


def test_an_empty_capture_replays_nothing():
    g, _ = _capture(lambda: None)
    g.replay()
    assert g.num_calls == 0


def test_replay_before_capture_raises():
    with pytest.raises(RuntimeError, match="has not been captured"):
        graphs.Graph().replay()


def test_replay_after_reset_raises():
    x = mt.ones(2)
    g, _ = _capture(lambda: x * 2)
    g.reset()
    with pytest.raises(RuntimeError, match="has not been captured"):
        g.replay()


def test_a_graph_captured_twice_without_reset_raises():
    x = mt.ones(2)
    g, _ = _capture(lambda: x * 2)
    with pytest.raises(RuntimeError, match="already captured"):
        with graphs.graph(g):
            pass


def test_nested_captures_raise():
    with graphs.graph(graphs.Graph()):
        with pytest.raises(RuntimeError, match="already being captured"):
            graphs.Graph().capture_begin()


def test_a_failed_capture_restores_the_kernels_and_the_generator():
    x = mt.ones(3)
    state = mt.get_rng_state()
    with pytest.raises(ValueError, match="in the captured code"):
        with graphs.graph(graphs.Graph()):
            mt.rand(3)
            raise ValueError("an error in the captured code")
    assert not graphs.is_capturing()
    assert mt.get_rng_state() == state
    assert (x + 1).tolist() == [2.0, 2.0, 2.0]


def test_is_capturing_is_true_only_inside_the_capture():
    seen = []
    with graphs.graph(graphs.Graph()):
        seen.append(graphs.is_capturing())
    assert seen == [True] and not graphs.is_capturing()


# -- what a capture refuses ---------------------------------------------------------------------
@pytest.mark.parametrize("read, op", [
    (lambda x: bool(x.sum() > 0), r"item\(\)"),
    (lambda x: repr(x * 2), r"format_tensor\(\)"),
    (lambda x: x[x > 0], r"nonzero\(\)"),
    (lambda x: x.tolist(), r"tolist\(\)"),
    (lambda x: (x + 1).numpy(), r"numpy\(\)"),
], ids=["bool", "print", "boolean_mask", "tolist", "numpy"])
def test_a_host_read_during_capture_raises_naming_the_op(read, op):
    x = mt.tensor([1.0, -2.0])
    with pytest.raises(RuntimeError, match=op + " reads tensor values on the host"):
        with graphs.graph(graphs.Graph()):
            read(x)


def test_a_size_that_depends_on_the_values_raises():
    x = mt.tensor([1, 3, 3])
    with pytest.raises(RuntimeError, match=r"bincount\(\): the largest value .* depends on "
                                           r"the data"):
        with graphs.graph(graphs.Graph()):
            mt.bincount(x)


def test_a_kernel_on_another_device_during_capture_raises():
    pytest.importorskip("microtorch_trace")
    cpu, other = mt.ones(2), mt.ones(2, device="trace")
    with pytest.raises(RuntimeError, match="ran on device 'trace' while capturing a graph of "
                                           "device 'cpu'"):
        with graphs.graph(graphs.Graph()):
            cpu * 2
            other * 2


def test_ops_from_another_thread_during_capture_raise():
    x = mt.ones(2)
    errors = []

    def worker():
        try:
            x * 2
        except RuntimeError as exc:
            errors.append(str(exc))

    with graphs.graph(graphs.Graph(), device="cpu"):
        thread = threading.Thread(target=worker)
        thread.start()
        thread.join()
    assert errors and "ran on another thread" in errors[0]


def test_copying_host_data_into_an_existing_tensor_during_capture_raises():
    static = mt.zeros(3)
    allocator = static._kernels.allocator
    with pytest.raises(RuntimeError, match="before the capture cannot be captured"):
        with graphs.graph(graphs.Graph(), device="cpu"):
            allocator.copy_from_host(static._storage, np.ones(3, np.float32))


def test_a_tensor_made_from_host_data_during_capture_is_a_constant_of_the_graph():
    x = mt.tensor([1.0, 2.0])
    g, y = _capture(lambda: x * mt.tensor([10.0, 100.0]))
    gc.collect()
    g.replay()
    assert y.tolist() == [10.0, 200.0]


def test_random_numbers_from_an_untracked_generator_raise():
    gen = Generator().manual_seed(1)
    with pytest.raises(RuntimeError, match="register_generator_state"):
        with graphs.graph(graphs.Graph()):
            mt.rand(3, generator=gen)


def test_a_registered_generator_gives_each_replay_the_eager_numbers():
    gen, reference = Generator().manual_seed(1), Generator().manual_seed(1)
    g = graphs.Graph()
    g.register_generator_state(gen)
    with graphs.graph(g):
        y = mt.rand(4, generator=gen)
    for _ in range(2):
        g.replay()
        assert y.tolist() == mt.rand(4, generator=reference).tolist()


# -- bounds checks at replay ----------------------------------------------------------------------
def test_an_index_computed_inside_the_graph_is_checked_where_it_is_computed():
    x = mt.arange(6.0)
    k = mt.tensor([1, 2])
    g, y = _capture(lambda: x.gather(0, k * 2))
    g.replay()
    assert y.tolist() == [2.0, 4.0]
    k.copy_(mt.tensor([1, 3]))
    with pytest.raises(IndexError, match=r"gather\(\).*largest index is 6.*replay call"):
        g.replay()


def test_cross_entropy_targets_are_checked_at_replay():
    logits, target = mt.zeros(2, 3), mt.tensor([0, 2])
    g, _ = _capture(lambda: nn.functional.cross_entropy(logits, target))
    target.copy_(mt.tensor([0, 3]))
    with pytest.raises(IndexError, match=r"nll_loss\(\).*largest index is 3"):
        g.replay()


# -- tensors the graph uses from outside ----------------------------------------------------------
def test_replay_after_a_static_input_was_freed_raises():
    holder = [mt.ones(3)]
    g, _ = _capture(lambda: holder[0] * 2)
    holder.clear()
    gc.collect()
    with pytest.raises(RuntimeError, match="memory of a tensor the graph uses .* was freed"):
        g.replay()


def test_replay_after_a_static_input_was_resized_raises():
    x = mt.ones(3)
    g, _ = _capture(lambda: x * 2)
    x.resize_(6)
    with pytest.raises(RuntimeError, match="was freed after the capture .*resized"):
        g.replay()


def test_a_reset_graph_forgets_the_tensors_of_its_earlier_capture():
    holder, x = [mt.ones(3)], mt.ones(3)
    g, _ = _capture(lambda: holder[0] * 2)
    g.reset()
    with graphs.graph(g):
        y = x * 3
    holder.clear()
    gc.collect()
    g.replay()
    assert y.tolist() == [3.0, 3.0, 3.0]


def test_replay_after_a_parameter_was_given_new_memory_raises():
    layer = nn.Linear(3, 2)
    x = mt.ones(4, 3)
    g, _ = _capture(lambda: layer(x))
    layer.weight.data = mt.zeros(2, 3)
    with pytest.raises(RuntimeError, match=r"resized or given new memory .*copy_"):
        g.replay()


# -- optimizers ------------------------------------------------------------------------------------
def _one_step(opt, p):
    p.grad = mt.ones_like(p)
    with graphs.graph(graphs.Graph()):
        opt.step()


@pytest.mark.parametrize("make, hint", [
    (lambda p: mt.optim.Adam([p]), "with capturable=True"),
    (lambda p: mt.optim.NAdam([p]), "step count as a Python number"),
], ids=["adam", "nadam"])
def test_an_optimizer_that_reads_a_python_step_count_refuses_capture(make, hint):
    p = mt.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=f"graph capture of step.*{hint}"):
        _one_step(make(p), p)


def test_a_changed_python_learning_rate_refuses_replay():
    p = mt.ones(2, requires_grad=True)
    opt = mt.optim.SGD([p], lr=0.1)
    p.grad = mt.ones(2)
    g = graphs.Graph()
    with graphs.graph(g):
        opt.step()
    opt.param_groups[0]["lr"] = 0.2
    with pytest.raises(RuntimeError, match=r"'lr' changed from 0.1 to 0.2.*lr=mt.tensor"):
        g.replay()


def test_a_tensor_learning_rate_set_by_a_scheduler_is_read_by_each_replay():
    p = mt.zeros(1, requires_grad=True)
    opt = mt.optim.SGD([p], lr=mt.tensor(1.0))
    schedule = mt.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    p.grad = mt.ones(1)
    g = graphs.Graph()
    with graphs.graph(g):
        opt.step()
    for _ in range(3):
        g.replay()
        schedule.step()
    assert p.tolist() == [-(1.0 + 0.5 + 0.25)]


def test_capturable_adam_matches_pytorch():
    torch = pytest.importorskip("torch")
    w0 = np.array([1.0, -2.0, 3.0], np.float32)
    p, tp = mt.tensor(w0, requires_grad=True), torch.tensor(w0, requires_grad=True)
    opt = mt.optim.AdamW([p], lr=0.1, capturable=True)
    topt = torch.optim.AdamW([tp], lr=0.1)
    for _ in range(5):
        for param, o in ((p, opt), (tp, topt)):
            o.zero_grad()
            (param * param).sum().backward()
            o.step()
    np.testing.assert_allclose(p.detach().numpy(), tp.detach().numpy(), rtol=1e-5)


# -- make_graphed_callables ------------------------------------------------------------------------
def test_a_graphed_module_matches_the_eager_module_in_values_and_gradients():
    mt.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 2))
    reference = nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 2))
    reference.load_state_dict(model.state_dict())
    graphed = graphs.make_graphed_callables(model, (mt.randn(3, 4, requires_grad=True),))
    model.zero_grad()
    x = mt.randn(3, 4, requires_grad=True)
    x_ref = x.detach().clone().requires_grad_()
    out, out_ref = graphed(x), reference(x_ref)
    (out * out).sum().backward()
    (out_ref * out_ref).sum().backward()
    np.testing.assert_array_equal(out.detach().numpy(), out_ref.detach().numpy())
    np.testing.assert_array_equal(x.grad.numpy(), x_ref.grad.numpy())
    for p, q in zip(model.parameters(), reference.parameters()):
        np.testing.assert_array_equal(p.grad.numpy(), q.grad.numpy())


def test_a_graphed_function_replays_its_forward_and_backward():
    f = graphs.make_graphed_callables(lambda a, b: (a * b).sum(1),
                                      (mt.ones(2, 3, requires_grad=True), mt.ones(2, 3)))
    a, b = mt.tensor([[1.0, 2, 3], [4, 5, 6]], requires_grad=True), mt.full((2, 3), 2.0)
    out = f(a, b)
    out.sum().backward()
    assert out.tolist() == [12.0, 30.0]
    assert a.grad.tolist() == [[2.0] * 3] * 2


def test_a_graphed_module_in_the_other_training_mode_runs_eagerly():
    layer = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5))
    graphs.make_graphed_callables(layer, (mt.ones(1, 2, requires_grad=True),))
    layer.eval()
    x = mt.ones(1, 2)
    expected = nn.functional.linear(x, layer[0].weight, layer[0].bias)
    np.testing.assert_array_equal(layer(x).detach().numpy(), expected.detach().numpy())


def test_a_graphed_callable_refuses_arguments_of_another_shape():
    f = graphs.make_graphed_callables(lambda a: a * 2, (mt.ones(3, requires_grad=True),))
    with pytest.raises(ValueError, match=r"captured for a float32 \(3,\) tensor"):
        f(mt.ones(4))


# -- mt.cuda's names -------------------------------------------------------------------------------
def test_cuda_graph_names_capture_the_cuda_device(emulated_cuda):
    x = mt.tensor([1.0, 2.0], device="cuda")
    g = mt.cuda.CUDAGraph()
    with mt.cuda.graph(g):
        y = x * 3 + 1
    x.copy_(mt.tensor([0.5, -1.0], device="cuda"))
    g.replay()
    assert y.cpu().tolist() == [2.5, -2.0]
    assert g.device_type == "cuda"


def test_cuda_graph_refuses_a_private_pool_argument():
    with pytest.raises(NotImplementedError, match="pool=None"):
        with mt.cuda.graph(mt.cuda.CUDAGraph(), pool=object()):
            pass
