"""Conformance: graph capture and replay (``microtorch_core.graphs``) on every backend.

A captured training step, replayed on new data, must give bitwise the same losses, parameters
and buffers as the same steps run eagerly: the replay makes the very kernel calls the eager
steps make. Three training loops (SGD with momentum; AdamW with ``capturable=True`` and a
scheduled tensor learning rate; a model with dropout and batch norm), 20 steps each.
"""

from __future__ import annotations

import numpy as np
import pytest

import microtorch_core as mt
from microtorch_core import graphs, nn
from microtorch_core.registry import registry

STEPS = 20
WARMUP = 2  # eager steps before the capture: they create the optimizer's state


def _batches(n_in: int, n_classes: int) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(7)
    return [(rng.standard_normal((4, n_in)).astype(np.float32),
             rng.integers(0, n_classes, 4)) for _ in range(STEPS)]


def _sgd(device):
    model = nn.Sequential(nn.Linear(5, 6), nn.Tanh(), nn.Linear(6, 3)).to(device)
    return model, mt.optim.SGD(model.parameters(), lr=0.1, momentum=0.9), None


def _adamw(device):
    model = nn.Sequential(nn.Linear(5, 3)).to(device)
    opt = mt.optim.AdamW(model.parameters(), lr=mt.tensor(0.05, device=device),
                         capturable=True)
    return model, opt, mt.optim.lr_scheduler.StepLR(opt, step_size=4, gamma=0.5)


def _dropout_batchnorm(device):
    model = nn.Sequential(nn.Linear(5, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Dropout(0.3),
                          nn.Linear(6, 3)).to(device)
    return model, mt.optim.SGD(model.parameters(), lr=0.1, momentum=0.5), None


def _train(device: str, make, graphed: bool) -> tuple[list[float], list[np.ndarray]]:
    """Losses of STEPS steps, then the parameters and buffers. ``graphed``: after WARMUP
    eager steps, the step is captured once and replayed for the rest."""
    mt.manual_seed(3)
    model, opt, schedule = make(device)
    loss_fn = nn.CrossEntropyLoss()
    batches = _batches(5, 3)
    static_x = mt.tensor(batches[0][0], device=device)
    static_y = mt.tensor(batches[0][1], device=device)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(static_x), static_y)
        loss.backward()
        opt.step()
        return loss

    g, losses = graphs.Graph(), []
    for i, (x, y) in enumerate(batches):
        static_x.copy_(mt.tensor(x, device=device))
        static_y.copy_(mt.tensor(y, device=device))
        if not graphed or i < WARMUP:
            loss = step()
        else:
            if i == WARMUP:
                with graphs.graph(g):
                    static_loss = step()
            g.replay()
            loss = static_loss
        losses.append(loss.item())
        if schedule is not None:
            schedule.step()
    state = [t.detach().cpu().numpy() for t in (*model.parameters(), *model.buffers())]
    return losses, state


@pytest.mark.parametrize("make", [_sgd, _adamw, _dropout_batchnorm],
                         ids=["sgd_momentum", "adamw_capturable", "dropout_batchnorm"])
def test_replayed_steps_equal_eager_steps_bitwise(device, make):
    eager_losses, eager_state = _train(device, make, graphed=False)
    losses, state = _train(device, make, graphed=True)
    assert losses == eager_losses
    for got, want in zip(state, eager_state, strict=True):
        np.testing.assert_array_equal(got, want)
    assert len(set(losses)) > STEPS // 2  # the replays trained on new data


def test_a_capture_runs_no_kernel(device):
    mt.manual_seed(0)
    w = mt.ones(3, device=device)
    state = mt.get_rng_state()
    with graphs.graph(graphs.Graph()):
        w.mul_(2.0)
        mt.rand(3, device=device)
    assert w.cpu().tolist() == [1.0, 1.0, 1.0]
    assert mt.get_rng_state() == state  # the replays draw; the capture does not


def test_each_replay_draws_new_random_numbers(device):
    x = mt.ones(64, device=device)
    g = graphs.Graph()
    with graphs.graph(g):
        y = nn.functional.dropout(x, 0.5)
    masks = []
    for _ in range(3):
        g.replay()
        masks.append(tuple(y.cpu().tolist()))
    assert len(set(masks)) == 3


def test_captured_memory_is_counted_until_reset(device):
    allocator = registry.get_backend(device).allocator
    x = mt.randn(64, 32, device=device)
    before = allocator.stats()
    g = graphs.Graph()
    with graphs.graph(g):
        y = (x.exp() * 2).sum(1)
    assert allocator.stats().reserved_bytes > before.reserved_bytes
    g.replay()
    np.testing.assert_allclose(y.cpu().numpy(), (np.exp(x.cpu().numpy()) * 2).sum(1),
                               rtol=1e-5)
    del y
    g.reset()
    assert allocator.stats().allocated_bytes == before.allocated_bytes


def test_a_host_read_during_capture_names_the_op(device):
    x = mt.ones(3, device=device)
    with pytest.raises(RuntimeError, match=r"item\(\) reads tensor values on the host"):
        with graphs.graph(graphs.Graph()):
            (x * 2).sum().item()
    assert (x * 2).sum().item() == 6.0  # the kernels are the device's own again


def test_an_index_out_of_range_at_replay_raises_before_any_kernel_runs(device):
    x = mt.arange(5.0, device=device)
    index = mt.tensor([0, 4], device=device)
    out = mt.zeros(2, device=device)
    g = graphs.Graph()
    with graphs.graph(g):
        out.copy_(x.gather(0, index) + 1)
    g.replay()
    assert out.cpu().tolist() == [1.0, 5.0]
    index.copy_(mt.tensor([0, 5], device=device))
    out.zero_()
    with pytest.raises(IndexError, match=r"gather\(\).*largest index is 5"):
        g.replay()
    assert out.cpu().tolist() == [0.0, 0.0]
