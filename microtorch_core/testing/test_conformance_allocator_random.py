"""Conformance: the allocator's statistics, seeded random numbers (Philox, the same numbers on
every backend), host/device round trips and dtype casts."""

from __future__ import annotations

import numpy as np
import pytest

import microtorch_core as mt
from microtorch_core.random import normal_from_words, philox4x32, philox_words, uniform_from_words
from microtorch_core.registry import registry
from microtorch_core.testing import assert_close, random_array
from microtorch_core.testing.layouts import LAYOUTS, make_layout

DTYPES = ["float32", "float64", "int64", "int32", "bool"]


def _stats(device):
    return registry.get_backend(device).allocator.stats()


# -- allocator -----------------------------------------------------------------------------------
def test_allocation_and_free_are_counted(device):
    before = _stats(device)
    t = mt.empty(1000, device=device, dtype=mt.float64)
    during = _stats(device)
    assert during.allocated_bytes - before.allocated_bytes == 8000
    assert during.num_allocs - before.num_allocs == 1
    assert during.reserved_bytes >= during.allocated_bytes
    del t
    after = _stats(device)
    assert after.allocated_bytes == before.allocated_bytes
    assert after.num_frees - before.num_frees == 1


def test_nothing_outlives_the_tensors_of_a_computation(device):
    before = _stats(device).allocated_bytes
    x = mt.ones(1000, device=device)
    y = ((x * 2.0) / 3 + x).exp().sum(0)
    del x, y
    assert _stats(device).allocated_bytes == before


def test_views_allocate_nothing(device):
    t = mt.zeros(4, 6, device=device)
    before = _stats(device).num_allocs
    views = [t.T, t[1:, ::2], t.reshape(24), t.unsqueeze(0).expand(3, 4, 6), t[None, ..., 0]]
    assert _stats(device).num_allocs == before
    assert all(v.untyped_storage() is t.untyped_storage() for v in views)


def test_peak_is_tracked_and_resettable(device):
    allocator = registry.get_backend(device).allocator
    allocator.reset_peak_stats()
    base = allocator.stats().allocated_bytes
    big = mt.empty(1 << 16, device=device)
    del big
    stats = allocator.stats()
    assert stats.peak_allocated_bytes >= base + (1 << 18)
    allocator.reset_peak_stats()
    assert allocator.stats().peak_allocated_bytes == allocator.stats().allocated_bytes


def test_empty_cache_leaves_nothing_reserved_beyond_live_tensors(device):
    allocator = registry.get_backend(device).allocator
    for _ in range(3):
        mt.empty(4096, device=device)
    allocator.empty_cache()
    stats = allocator.stats()
    assert stats.reserved_bytes == stats.allocated_bytes


def test_zero_byte_tensors(device):
    t = mt.empty(0, 5, device=device)
    assert t.shape == (0, 5) and t.numel() == 0
    assert_close(t.cpu(), np.zeros((0, 5), np.float32))


def test_allocator_rejects_bad_arguments(device):
    allocator = registry.get_backend(device).allocator
    with pytest.raises(ValueError, match="negative"):
        allocator.allocate(-1)
    storage = allocator.allocate(8)
    with pytest.raises(ValueError, match="does not fit"):
        allocator.copy_from_host(storage, np.zeros(3, np.float32))
    with pytest.raises(ValueError, match="cannot read"):
        allocator.copy_to_host(storage, 16)


def test_a_classifier_training_step_reads_the_device_once_at_most(device, host_reads):
    # the only read is cross_entropy's bounds check of the targets (none where the backend's
    # memory is the host's: it is read in place)
    model = mt.nn.Sequential(mt.nn.Linear(6, 8), mt.nn.ReLU(), mt.nn.Linear(8, 3)).to(device)
    opt = mt.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    x, y = mt.randn(5, 6, device=device), mt.tensor([0, 2, 1, 1, 0], device=device)
    host_reads.clear()
    loss = mt.nn.functional.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    assert len(host_reads) == host_reads.per_bounds_check


def test_ops_that_build_their_own_indices_do_not_read_the_device(device, host_reads):
    x = mt.randn(2, 3, 6, 6, device=device, requires_grad=True)
    host_reads.clear()
    pooled = mt.nn.functional.max_pool2d(mt.nn.functional.pad(x, (1, 1, 1, 1), "reflect"), 2)
    loss = pooled.sum() + x.max(dim=1).values.sum() + x.reshape(2, -1).sort(1).values[:, 0].sum()
    loss = loss + mt.nn.functional.adaptive_max_pool2d(x, 4).sum() + x.repeat_interleave(2, 1).sum()
    w = mt.randn(3, 2, 3, 3, device=device)
    loss = loss + mt.nn.functional.conv_transpose2d(x, w, stride=2).sum()
    loss = loss + mt.nn.functional.interpolate(x, scale_factor=2, mode="bilinear").sum()
    loss = loss + x.reshape(6, -1).quantile(0.3, dim=1).sum() + x.mode(-1).values.sum()
    loss.backward()
    assert host_reads == []


def test_deepcopy_gives_an_independent_leaf_on_the_same_device(device):
    import copy

    layer = mt.nn.Linear(3, 2).to(device)
    layer(mt.ones(1, 3, device=device)).sum().backward()
    twin = copy.deepcopy(layer)
    assert type(twin.weight) is mt.nn.Parameter and twin.weight.requires_grad
    assert twin.weight.device == layer.weight.device
    assert_close(twin.weight.grad, layer.weight.grad)
    with mt.no_grad():
        twin.weight.add_(1.0)  # written through the copy's own storage
        assert_close(twin.weight, layer.weight + 1.0)
        x = mt.ones(1, 3, device=device)
        assert_close(twin(x), layer(x) + 3.0)
    with pytest.raises(RuntimeError, match="graph leaves.*MulBackward0"):
        copy.deepcopy(layer.weight * 2)


# -- random numbers ------------------------------------------------------------------------------
def test_philox_known_answer():
    zero = np.zeros(1, np.uint32)
    words = [int(w[0]) for w in philox4x32(zero, zero, 0, 0)]
    assert words == [0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8]


@pytest.mark.ops("random_uniform")
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_rand_is_the_specified_philox_stream(device, dtype):
    mt.manual_seed(1234)
    out = mt.rand(3, 5, device=device, dtype=getattr(mt, dtype))
    expected = uniform_from_words(philox_words(15, 1234, 0), np.dtype(dtype)).reshape(3, 5)
    assert_close(out, expected, rtol=0, atol=0)


@pytest.mark.ops("random_normal")
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_randn_is_the_specified_box_muller_stream(device, dtype):
    mt.manual_seed(99)
    out = mt.randn(64, device=device, dtype=getattr(mt, dtype))
    expected = normal_from_words(philox_words(64, 99, 0), np.dtype(dtype))
    assert_close(out, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.ops("random_uniform", "random_normal")
def test_same_seed_same_numbers_and_offsets_advance(device):
    mt.manual_seed(7)
    first = [mt.rand(4, device=device), mt.rand(4, device=device), mt.randn(3, device=device),
             mt.randint(0, 10, (5,), device=device), mt.randperm(6, device=device)]
    mt.manual_seed(7)
    again = [mt.rand(4, device=device), mt.rand(4, device=device), mt.randn(3, device=device),
             mt.randint(0, 10, (5,), device=device), mt.randperm(6, device=device)]
    for a, b in zip(first, again):
        assert_close(a, b, rtol=0, atol=0)
    mt.manual_seed(7)
    assert_close(mt.rand(8, device=device)[4:], first[1], rtol=0, atol=0)
    mt.manual_seed(8)
    assert not np.array_equal(np.asarray(mt.rand(4, device=device)), np.asarray(first[0]))


@pytest.mark.ops("random_uniform")
def test_rng_state_round_trip(device):
    state = mt.get_rng_state()
    a = mt.rand(5, device=device)
    mt.set_rng_state(state)
    assert_close(mt.rand(5, device=device), a, rtol=0, atol=0)


@pytest.mark.ops("random_uniform", "random_normal")
def test_random_distributions_are_plausible(device):
    mt.manual_seed(0)
    u = np.asarray(mt.rand(20000, device=device, dtype=mt.float64))
    assert u.min() >= 0.0 and u.max() < 1.0 and abs(u.mean() - 0.5) < 0.01
    n = np.asarray(mt.randn(20000, device=device))
    assert abs(n.mean()) < 0.03 and abs(n.std() - 1) < 0.03
    r = np.asarray(mt.randint(3, 7, (2000,), device=device))
    assert set(np.unique(r)) == {3, 4, 5, 6}
    assert sorted(np.asarray(mt.randperm(50, device=device))) == list(range(50))


def test_random_of_zero_size_does_not_advance_the_generator(device):
    mt.manual_seed(3)
    assert mt.rand(0, 4, device=device).shape == (0, 4)
    assert mt.get_rng_state()[1] == 0


# -- creation ----------------------------------------------------------------------------------
def test_creation_functions(device):
    assert_close(mt.arange(5, device=device), np.arange(5))
    assert_close(mt.arange(0.0, 1.0, 0.25, device=device), np.arange(0, 1, 0.25, np.float32))
    assert_close(mt.linspace(-1, 1, 5, device=device), np.linspace(-1, 1, 5, dtype=np.float32))
    assert_close(mt.eye(2, 3, device=device), np.eye(2, 3, dtype=np.float32))
    assert_close(mt.full((2, 2), 7, device=device), np.full((2, 2), 7))
    assert_close(mt.full((2,), True, device=device), np.array([True, True]))
    assert_close(mt.ones(2, 3, device=device, dtype=mt.int32), np.ones((2, 3), np.int32))
    x = mt.zeros(2, 3, device=device, dtype=mt.float64)
    assert_close(x, np.zeros((2, 3)))
    assert_close(mt.ones_like(x), np.ones((2, 3)))
    assert_close(mt.full_like(x, 2.5), np.full((2, 3), 2.5))
    for like in (mt.zeros_like(x), mt.empty_like(x), mt.rand_like(x), mt.randn_like(x)):
        assert like.shape == (2, 3) and like.dtype is mt.float64 and like.device == x.device
    assert_close(mt.normal(1.5, 0.0, (3,), device=device), np.float32([1.5, 1.5, 1.5]))


def test_randint_with_high_and_size_only_starts_at_zero(device):
    r = mt.randint(3, (500,), device=device)  # PyTorch's randint(high, size)
    assert r.shape == (500,) and r.dtype is mt.int64
    assert set(np.unique(np.asarray(r))) == {0, 1, 2}


# -- host/device round trips ---------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
def test_round_trip_preserves_values_and_dtype(device, dtype):
    x = random_array((3, 4), dtype, -100, 100)
    t = mt.tensor(x, device=device)
    assert t.device.type == device and t.dtype is getattr(mt, "bool" if dtype == "bool" else dtype)
    assert_close(t.cpu(), x)
    assert_close(t.to("cpu").to(device), x)
    assert np.array_equal(np.asarray(t), x)
    assert t.tolist() == x.tolist()


@pytest.mark.parametrize("layout", LAYOUTS)
def test_round_trip_of_strided_views(device, layout):
    t, x = make_layout(random_array((3, 5), "float64"), layout, device)
    assert_close(t.cpu(), x)
    assert_close(t.to("cpu").to(device), x)


def test_round_trip_of_0d_and_empty(device):
    s = mt.tensor(2.5, device=device)
    assert s.item() == 2.5 and s.shape == () and s.tolist() == 2.5
    assert_close(mt.tensor(np.int32(7), device=device).cpu(), np.int32(7))
    assert_close(mt.zeros(2, 0, device=device, dtype=mt.int64).cpu(), np.zeros((2, 0), np.int64))


def test_copy_between_devices(device):
    src = mt.tensor([[1.0, 2.0], [3.0, 4.0]])  # on the CPU
    dst = mt.zeros(2, 2, device=device)
    dst.copy_(src.T)
    assert dst.device.type == device
    assert_close(dst, np.float32([[1, 3], [2, 4]]))


def test_gradient_flows_back_across_devices(device):
    x = mt.tensor([1.0, 2.0], requires_grad=True)  # on the CPU
    (x.to(device) * 3).sum().backward()
    assert x.grad.device.type == "cpu"
    assert_close(x.grad, np.float32([3, 3]))


@pytest.mark.parametrize("src", DTYPES)
@pytest.mark.parametrize("dst", DTYPES)
def test_dtype_casts(device, src, dst):
    x = np.array([-2.7, -1.0, -0.5, 0.0, 0.5, 1.9, 3.0]).astype(src)
    assert_close(mt.tensor(x, device=device).to(getattr(mt, dst)), x.astype(dst))


def test_numpy_of_a_non_cpu_tensor_asks_for_cpu_first(device):
    if device == "cpu":
        pytest.skip("CPU tensors convert to NumPy directly")
    with pytest.raises(TypeError, match="cpu"):
        mt.zeros(2, device=device).numpy()
