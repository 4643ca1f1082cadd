"""Grad mode is per thread, as in PyTorch: ``no_grad()`` in one thread never changes whether
another thread records its graph, and a new thread starts with grad enabled."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

import microtorch_core as mt


@pytest.fixture
def frequent_thread_switches() -> Iterator[None]:
    """Switch threads every 10 us instead of every 5 ms, so that races show up every run."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    yield
    sys.setswitchinterval(interval)


def run_in_threads(targets: list[Callable[[], Any]]) -> list[Any]:
    """Run each target in its own thread; return their results, re-raising any error."""
    results: list[Any] = [None] * len(targets)
    errors: list[BaseException] = []

    def call(i: int) -> None:
        try:
            results[i] = targets[i]()
        except BaseException as exc:  # re-raised in the test's thread below
            errors.append(exc)

    threads = [threading.Thread(target=call, args=(i,)) for i in range(len(targets))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


def train(seed: int, evaluate_between_steps: bool) -> list[np.ndarray]:
    """Train a small MLP with SGD; optionally run its evaluation under no_grad and
    inference_mode between steps, as a training loop with validation does."""
    rng = np.random.default_rng(seed)
    model = mt.nn.Sequential(mt.nn.Linear(6, 8), mt.nn.Tanh(), mt.nn.Linear(8, 3))
    # weights from NumPy, not from MicroTorch's generator, which the threads share
    model.load_state_dict({name: mt.tensor(rng.standard_normal(p.shape).astype(np.float32))
                           for name, p in model.state_dict().items()})
    x = mt.tensor(rng.standard_normal((16, 6)).astype(np.float32))
    y = mt.tensor(rng.standard_normal((16, 3)).astype(np.float32))
    optimizer = mt.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    for _ in range(25):
        if evaluate_between_steps:
            with mt.no_grad():
                assert not model(x).requires_grad
            with mt.inference_mode():
                assert not model(x).requires_grad
        loss = ((model(x) - y) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return [p.detach().numpy().copy() for p in model.parameters()]


def test_threads_training_their_own_models_match_a_serial_run(frequent_thread_switches):
    jobs = [(seed, seed % 2 == 1) for seed in range(4)]
    serial = [train(*job) for job in jobs]
    for _ in range(3):
        threaded = run_in_threads([lambda job=job: train(*job) for job in jobs])
        for want, got in zip(serial, threaded):
            for w, g in zip(want, got):
                np.testing.assert_array_equal(g, w)


def test_a_new_thread_starts_with_grad_enabled_and_outside_inference_mode():
    with mt.inference_mode():
        assert not mt.is_grad_enabled()
        (state,) = run_in_threads([lambda: (mt.is_grad_enabled(),
                                            mt.is_inference_mode_enabled())])
    assert state == (True, False)


def test_no_grad_in_another_thread_leaves_this_thread_recording():
    entered, release = threading.Event(), threading.Event()

    def hold_no_grad() -> bool:
        with mt.no_grad():
            entered.set()
            release.wait(timeout=10)
            return mt.is_grad_enabled()

    thread_result: list[bool] = []
    thread = threading.Thread(target=lambda: thread_result.append(hold_no_grad()))
    thread.start()
    try:
        assert entered.wait(timeout=10)
        w = mt.ones(3, requires_grad=True)
        assert mt.is_grad_enabled() and (w * 2).requires_grad
    finally:
        release.set()
        thread.join()
    assert thread_result == [False]
