"""Activation checkpointing (``utils.checkpoint``): the gradients are those of the plain
forward, dropout masks are replayed, and the allocator's peak drops."""

import warnings

import numpy as np
import pytest
from torch_reference import requires_torch, torch

import microtorch_core as mt
from microtorch_core import nn
from microtorch_core.utils.checkpoint import checkpoint, checkpoint_sequential


def _mlp(depth, width, dropout=0.0, seed=0):
    mt.manual_seed(seed)
    layers = []
    for _ in range(depth):
        layers += [nn.Linear(width, width), nn.Tanh()]
        if dropout:
            layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)


def _grads(model, x):
    return [x.grad.numpy()] + [p.grad.numpy() for p in model.parameters()]


def _run(model, x, forward):
    """Gradients of out.sum() w.r.t. x and the parameters, with a fresh x each time."""
    x = x.detach().requires_grad_()
    model.zero_grad()
    forward(model, x).sum().backward()
    return _grads(model, x)


def _assert_same(a, b):
    assert len(a) == len(b)
    for ga, gb in zip(a, b):
        np.testing.assert_array_equal(ga, gb)


X = mt.tensor(np.random.default_rng(0).standard_normal((8, 16)).astype(np.float32))


def test_checkpoint_gradients_equal_those_of_the_plain_forward():
    model = _mlp(4, 16)
    plain = _run(model, X, lambda m, x: m(x))
    ckpt = _run(model, X, lambda m, x: checkpoint(m, x, use_reentrant=False))
    _assert_same(plain, ckpt)


def test_checkpoint_returns_the_forward_value():
    model = _mlp(3, 16)
    x = X.detach().requires_grad_()
    np.testing.assert_array_equal(checkpoint(model, x, use_reentrant=True).detach().numpy(),
                                  model(X).detach().numpy())


def test_checkpoint_replays_dropout_masks_with_preserve_rng_state():
    model = _mlp(3, 16, dropout=0.5)

    def seeded(forward):
        return lambda m, x: (mt.manual_seed(7), forward(m, x))[1]

    plain = _run(model, X, seeded(lambda m, x: m(x)))
    ckpt = _run(model, X, seeded(lambda m, x: checkpoint(m, x, use_reentrant=False)))
    _assert_same(plain, ckpt)


def test_checkpoint_without_preserve_rng_state_draws_new_dropout_masks():
    model = _mlp(3, 16, dropout=0.5)
    mt.manual_seed(7)
    plain = _run(model, X, lambda m, x: m(x))
    mt.manual_seed(7)
    ckpt = _run(model, X, lambda m, x: checkpoint(m, x, use_reentrant=False,
                                                  preserve_rng_state=False))
    assert not np.array_equal(plain[0], ckpt[0])


def test_checkpoint_recompute_leaves_the_generator_where_the_plain_run_does():
    model = _mlp(2, 16, dropout=0.5)
    mt.manual_seed(3)
    _run(model, X, lambda m, x: m(x))
    after_plain = mt.get_rng_state()
    mt.manual_seed(3)
    _run(model, X, lambda m, x: checkpoint(m, x, use_reentrant=False))
    assert mt.get_rng_state() == after_plain


def test_checkpoint_reduces_the_allocator_peak_of_a_deep_mlp():
    """32 (Linear 64->64, Tanh) layers on a batch of 2048: every activation is 512 KiB.
    Without checkpointing backward needs all 64 of them alive; with 8 checkpointed segments
    only the segment inputs and one segment's activations. Measured on the CPU allocator's
    counters (bytes of live storages), not by timing."""
    x = mt.randn(2048, 64)

    def peak(segments):
        model = _mlp(32, 64)
        xs = x.detach().requires_grad_()
        base = mt.memory_allocated("cpu")
        mt.reset_peak_memory_stats("cpu")
        out = model(xs) if segments is None else checkpoint_sequential(
            model, segments, xs, use_reentrant=False)
        out.sum().backward()
        return mt.max_memory_allocated("cpu") - base

    plain, ckpt = peak(None), peak(8)
    assert ckpt < 0.5 * plain, f"peak {ckpt / 2**20:.1f} MiB with checkpointing, " \
                               f"{plain / 2**20:.1f} MiB without"


def test_checkpoint_sequential_gradients_equal_those_of_the_plain_forward():
    model = _mlp(6, 16)
    plain = _run(model, X, lambda m, x: m(x))
    for segments in (1, 2, 3, 5):
        ckpt = _run(model, X, lambda m, x, s=segments: checkpoint_sequential(
            m, s, x, use_reentrant=False))
        _assert_same(plain, ckpt)


def test_checkpoint_sequential_accepts_a_list_of_functions():
    model = _mlp(3, 16)
    functions = list(model) + [lambda t: t * 2.0]
    plain = _run(model, X, lambda m, x: m(x) * 2.0)
    ckpt = _run(model, X, lambda m, x: checkpoint_sequential(functions, 2, x,
                                                             use_reentrant=True))
    _assert_same(plain, ckpt)


def test_checkpoint_sequential_rejects_more_segments_than_functions():
    with pytest.raises(ValueError, match=r"number of functions \(4\), got 5"):
        checkpoint_sequential(_mlp(2, 16), 5, X, use_reentrant=False)


def test_checkpoint_sequential_rejects_unknown_keyword_arguments():
    with pytest.raises(ValueError, match="Unexpected keyword arguments: scale"):
        checkpoint_sequential(_mlp(2, 16), 2, X, use_reentrant=False, scale=2)


def test_checkpoint_passes_keyword_and_non_tensor_arguments():
    w = mt.randn(16, 16, requires_grad=True)

    def f(x, power, scale=1.0):
        return (x @ w).tanh() ** power * scale

    x = X.detach().requires_grad_()
    checkpoint(f, x, 2, scale=3.0, use_reentrant=False).sum().backward()
    expected_x, expected_w = x.grad.numpy(), w.grad.numpy()
    x.grad = w.grad = None
    f(x, 2, scale=3.0).sum().backward()
    np.testing.assert_allclose(expected_x, x.grad.numpy(), rtol=1e-6)
    np.testing.assert_allclose(expected_w, w.grad.numpy(), rtol=1e-6)


def test_checkpoint_of_a_function_with_two_outputs_backpropagates_both():
    w = mt.randn(16, 16, requires_grad=True)

    def f(x):
        h = x @ w
        return h.tanh(), h.sigmoid()

    x = X.detach().requires_grad_()
    a, b = checkpoint(f, x, use_reentrant=False)
    (a.sum() + 2 * b.sum()).backward()
    got = x.grad.numpy(), w.grad.numpy()
    x.grad = w.grad = None
    a, b = f(x)
    (a.sum() + 2 * b.sum()).backward()
    np.testing.assert_allclose(got[0], x.grad.numpy(), rtol=1e-6)
    np.testing.assert_allclose(got[1], w.grad.numpy(), rtol=1e-6)


def test_checkpoint_warns_when_no_input_requires_grad():
    with pytest.warns(UserWarning, match="None of the inputs have requires_grad=True"):
        out = checkpoint(_mlp(1, 16), X, use_reentrant=False)
    assert not out.requires_grad  # as PyTorch's reentrant checkpoint: no graph at all


def test_checkpoint_under_no_grad_runs_the_function_without_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with mt.no_grad():
            out = checkpoint(_mlp(1, 16), X.detach().requires_grad_(), use_reentrant=False)
    assert not out.requires_grad


def test_checkpoint_detects_an_in_place_change_of_its_saved_input():
    x = X.detach().requires_grad_()
    h = x * 1.0
    out = checkpoint(_mlp(1, 16), h, use_reentrant=False)
    h.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()


def test_checkpoint_rejects_a_use_reentrant_that_is_not_a_bool():
    with pytest.raises(TypeError, match="use_reentrant must be True, False or None, got 'no'"):
        checkpoint(_mlp(1, 16), X, use_reentrant="no")


@requires_torch
def test_checkpoint_gradients_match_torch_checkpoint():
    model = _mlp(3, 16)
    ref = torch.nn.Sequential(*[torch.nn.Linear(16, 16) if i % 2 == 0 else torch.nn.Tanh()
                                for i in range(6)])
    ref.load_state_dict({k: torch.tensor(v.numpy()) for k, v in model.state_dict().items()})
    ours = _run(model, X, lambda m, x: checkpoint(m, x, use_reentrant=True))
    xt = torch.tensor(X.numpy(), requires_grad=True)
    torch.utils.checkpoint.checkpoint(ref, xt, use_reentrant=True).sum().backward()
    theirs = [xt.grad.numpy()] + [p.grad.numpy() for p in ref.parameters()]
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
