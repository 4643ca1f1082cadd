"""``cuda.manual_seed`` and ``manual_seed_all``: nothing without a usable GPU (as PyTorch's),
and with one they seed MicroTorch's generator, which every device shares."""

import pytest

import microtorch_core as mt


@pytest.mark.parametrize("seed_fn", [mt.cuda.manual_seed, mt.cuda.manual_seed_all])
def test_cuda_seeding_without_a_gpu_leaves_the_generator_alone(no_cuda, seed_fn):
    mt.manual_seed(1)
    mt.rand(3)
    state = mt.get_rng_state()
    seed_fn(1234)
    assert mt.get_rng_state() == state


def test_cuda_seed_must_be_an_integer_even_without_a_gpu(no_cuda):
    with pytest.raises(ValueError):
        mt.cuda.manual_seed("not a seed")


@pytest.mark.parametrize("seed_fn", [mt.cuda.manual_seed, mt.cuda.manual_seed_all])
def test_cuda_seeding_with_a_gpu_repeats_cuda_random_numbers(emulated_cuda, seed_fn):
    seed_fn(7)
    first = mt.rand(5, device="cuda").cpu().tolist()
    seed_fn(7)
    assert mt.rand(5, device="cuda").cpu().tolist() == first
    mt.manual_seed(7)  # the same shared generator: the CPU draws the same numbers
    assert mt.rand(5).tolist() == first


def test_bf16_is_not_supported(emulated_cuda):
    assert mt.cuda.is_bf16_supported() is False
