"""Pooling beyond the 2-d float basics: 3-d max/avg pooling, adaptive 3-d pooling,
``ceil_mode`` average pooling (PyTorch's divisors for the last window), 1-tuple arguments,
integer max pooling, and ``max_unpool1d``/``2d``/``3d``. Values, indices and gradients against
PyTorch when installed; against NumPy and finite differences (float64) always."""

import re

import numpy as np
import pytest
from torch_reference import check_same, requires_torch, torch

import microtorch_core as mt
from microtorch_core import nn
from microtorch_core.autograd.gradcheck import gradcheck
from microtorch_core.nn import functional as F

if torch is not None:
    import torch.nn.functional as TF


def _pair(shape, seed):
    """The same float64 data as a MicroTorch and a PyTorch leaf."""
    data = np.random.default_rng(seed).standard_normal(shape)
    return mt.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)


POOL3D_CASES = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=(2, 3, 2), stride=(1, 2, 3), ceil_mode=True),
]


# -- 3-d ----------------------------------------------------------------------------------------
@requires_torch
@pytest.mark.parametrize("kwargs", POOL3D_CASES + [dict(kernel_size=2, dilation=(2, 1, 1))],
                         ids=str)
def test_max_pool3d_values_indices_and_gradients_match_torch(kwargs):
    x, tx = _pair((2, 3, 6, 7, 8), 1)
    out, index = F.max_pool3d(x, return_indices=True, **kwargs)
    t_out, t_index = TF.max_pool3d(tx, return_indices=True, **kwargs)
    assert index.tolist() == t_index.tolist()
    check_same(out, t_out, [(x, tx)])


@requires_torch
@pytest.mark.parametrize("count_include_pad", [True, False])
@pytest.mark.parametrize("kwargs", POOL3D_CASES, ids=str)
def test_avg_pool3d_values_and_gradients_match_torch(kwargs, count_include_pad):
    x, tx = _pair((2, 3, 6, 7, 8), 2)
    check_same(F.avg_pool3d(x, count_include_pad=count_include_pad, **kwargs),
               TF.avg_pool3d(tx, count_include_pad=count_include_pad, **kwargs), [(x, tx)])


def test_pool3d_gradients_match_finite_differences():
    x = mt.randn(1, 2, 4, 5, 4, dtype=mt.float64, requires_grad=True)
    assert gradcheck(lambda t: F.max_pool3d(t, 2, 1, 1) * F.avg_pool3d(t, 2, 1, 1, True),
                     (x,))


@requires_torch
@pytest.mark.parametrize("size", [2, (3, 2, 5), (None, 4, 1)], ids=str)
def test_adaptive_pool3d_values_indices_and_gradients_match_torch(size):
    x, tx = _pair((2, 3, 5, 6, 7), 3)
    check_same(F.adaptive_avg_pool3d(x, size), TF.adaptive_avg_pool3d(tx, size), [(x, tx)])
    x, tx = _pair((3, 5, 6, 7), 4)  # unbatched
    out, index = F.adaptive_max_pool3d(x, size, return_indices=True)
    t_out, t_index = TF.adaptive_max_pool3d(tx, size, return_indices=True)
    assert index.tolist() == t_index.tolist()
    check_same(out, t_out, [(x, tx)])


def test_adaptive_max_pool3d_indices_point_at_the_maxima():
    x = mt.randn(2, 2, 4, 5, 3, dtype=mt.float64)
    out, index = F.adaptive_max_pool3d(x, (2, 3, 2), return_indices=True)
    flat = x.numpy().reshape(2, 2, -1)
    picked = np.take_along_axis(flat, index.numpy().reshape(2, 2, -1), 2)
    np.testing.assert_array_equal(picked, out.numpy().reshape(2, 2, -1))


@requires_torch
def test_pool3d_modules_match_torch():
    x, tx = _pair((1, 2, 5, 6, 5), 5)
    for ours, ref in [(nn.MaxPool3d(2, 1), torch.nn.MaxPool3d(2, 1)),
                      (nn.AvgPool3d(3, 2, 1), torch.nn.AvgPool3d(3, 2, 1)),
                      (nn.AdaptiveAvgPool3d((1, 2, 3)), torch.nn.AdaptiveAvgPool3d((1, 2, 3))),
                      (nn.AdaptiveMaxPool3d(2), torch.nn.AdaptiveMaxPool3d(2))]:
        assert repr(ours) == repr(ref)
        np.testing.assert_allclose(ours(x).detach().numpy(), ref(tx).detach().numpy(),
                                   rtol=1e-12)


# -- ceil_mode average pooling ------------------------------------------------------------------
@requires_torch
@pytest.mark.parametrize("count_include_pad", [True, False])
@pytest.mark.parametrize(("kernel", "stride", "padding"), [(2, 2, 0), (3, 2, 1), (4, 3, 2)])
def test_avg_pool_ceil_mode_divides_the_last_window_like_torch(kernel, stride, padding,
                                                               count_include_pad):
    for length in (5, 6, 7):
        x, tx = _pair((1, 2, length), length)
        check_same(F.avg_pool1d(x, kernel, stride, padding, True, count_include_pad),
                   TF.avg_pool1d(tx, kernel, stride, padding, True, count_include_pad),
                   [(x, tx)])


def test_avg_pool2d_ceil_mode_last_window_is_the_mean_of_what_it_covers():
    x = mt.arange(25.0).reshape(1, 1, 5, 5)
    out = F.avg_pool2d(x, 2, ceil_mode=True)
    expected = [[np.mean(np.arange(25.0).reshape(5, 5)[i:i + 2, j:j + 2]) for j in (0, 2, 4)]
                for i in (0, 2, 4)]
    np.testing.assert_allclose(out.numpy()[0, 0], expected)


@requires_torch
def test_avg_pool2d_ceil_mode_with_divisor_override_matches_torch():
    x, tx = _pair((1, 2, 7, 6), 6)
    check_same(F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, divisor_override=4),
               TF.avg_pool2d(tx, 3, 2, 1, ceil_mode=True, divisor_override=4), [(x, tx)])


@requires_torch
def test_pooling_takes_one_tuples_like_torch():
    x, tx = _pair((1, 2, 6, 7), 7)
    check_same(F.avg_pool2d(x, (3,), stride=(2,), padding=(1,)) + F.max_pool2d(x, (3,), (2,),
                                                                                 (1,)),
               TF.avg_pool2d(tx, (3,), stride=(2,), padding=(1,)) + TF.max_pool2d(tx, (3,),
                                                                                   (2,), (1,)),
               [(x, tx)])


def test_pooling_with_a_three_tuple_kernel_in_2d_names_it():
    with pytest.raises(RuntimeError, match=r"avg_pool2d: kernel_size must be a single int or a "
                                           r"tuple of 2 ints, got \(2, 2, 2\)"):
        F.avg_pool2d(mt.zeros(1, 1, 4, 4), (2, 2, 2))


# -- integer pooling ----------------------------------------------------------------------------
@requires_torch
@pytest.mark.parametrize("dtype", ["int64", "int32"])
def test_integer_max_pooling_values_and_indices_match_torch(dtype):
    data = np.random.default_rng(8).integers(-100, 100, (2, 3, 5, 6, 7)).astype(dtype)
    for ours, theirs, x in [(F.max_pool3d, TF.max_pool3d, data), (F.max_pool2d, TF.max_pool2d,
                                                                  data[0])]:
        out, index = ours(mt.tensor(x), 3, 2, 1, return_indices=True, ceil_mode=True)
        t_out, t_index = theirs(torch.tensor(x), 3, 2, 1, return_indices=True, ceil_mode=True)
        assert out.dtype.name == dtype
        assert out.tolist() == t_out.tolist() and index.tolist() == t_index.tolist()


@requires_torch
def test_int64_avg_pooling_truncates_like_torch():
    data = np.random.default_rng(9).integers(-50, 50, (1, 2, 5, 7))
    out = F.avg_pool2d(mt.tensor(data), 3, 2, 1, ceil_mode=True, count_include_pad=False)
    ref = TF.avg_pool2d(torch.tensor(data), 3, 2, 1, ceil_mode=True, count_include_pad=False)
    assert out.dtype is mt.int64 and out.tolist() == ref.tolist()


def test_integer_pooling_refuses_what_torch_refuses():
    with pytest.raises(NotImplementedError, match='"max_pool1d_impl" not implemented'):
        F.max_pool1d(mt.tensor([[[1, 2, 3, 4]]]), 2)  # PyTorch: float only without indices
    with pytest.raises(NotImplementedError, match="not implemented for 'Bool'"):
        F.max_pool2d(mt.zeros(1, 1, 2, 2, dtype=mt.bool), 2)
    with pytest.raises(NotImplementedError, match="avg_pool2d.*int32"):
        F.avg_pool2d(mt.zeros(1, 1, 2, 2, dtype=mt.int32), 2)


# -- max_unpool ---------------------------------------------------------------------------------
@requires_torch
@pytest.mark.parametrize("spatial", [1, 2, 3])
@pytest.mark.parametrize("kwargs", [dict(kernel_size=2), dict(kernel_size=3, stride=2,
                                                              padding=1)], ids=str)
def test_max_unpool_inverts_max_pool_with_indices_like_torch(spatial, kwargs):
    shape = (2, 3, 7, 6, 5)[:2 + spatial]
    pool = getattr(TF, f"max_pool{spatial}d")
    data = np.random.default_rng(10).standard_normal(shape)
    t_pooled, t_index = pool(torch.tensor(data), return_indices=True, **kwargs)
    x, tx = (mt.tensor(t_pooled.numpy(), requires_grad=True),
             torch.tensor(t_pooled.numpy(), requires_grad=True))
    ours = getattr(F, f"max_unpool{spatial}d")(x, mt.tensor(t_index.numpy()),
                                               output_size=shape, **kwargs)
    check_same(ours, getattr(TF, f"max_unpool{spatial}d")(tx, t_index, output_size=shape,
                                                          **kwargs), [(x, tx)])


def test_max_unpool2d_module_puts_the_maxima_back_and_zeros_elsewhere():
    x = mt.tensor([[[[1.0, 5.0, 2.0, 0.0], [3.0, 4.0, 8.0, 7.0]]]])
    pooled, index = nn.MaxPool2d(2, return_indices=True)(x)
    assert nn.MaxUnpool2d(2)(pooled, index).tolist() == [[[[0.0, 5.0, 0.0, 0.0],
                                                           [0.0, 0.0, 8.0, 0.0]]]]


def test_max_unpool_rejects_an_index_outside_the_output():
    with pytest.raises(RuntimeError, match=r"Found an invalid max index: 99 \(output volumes "
                                           r"are of size 4x4\)"):
        F.max_unpool2d(mt.zeros(1, 1, 2, 2), mt.tensor([[[[0, 1], [2, 99]]]]), 2)


def test_max_unpool_rejects_an_output_size_the_pooling_cannot_come_from():
    with pytest.raises(ValueError, match=r"dim 0 must be between 2 and 6"):
        F.max_unpool2d(mt.zeros(1, 1, 2, 2), mt.tensor([[[[0, 1], [2, 3]]]]), 2,
                       output_size=(7, 4))


# -- fractional max pooling ---------------------------------------------------------------------
FRACTIONAL_CASES = [
    (2, (2, 3, 9, 9), 3, dict(output_size=(4, 3))),
    (2, (3, 7, 8), (2, 3), dict(output_ratio=(0.5, 0.5))),
    (2, (1, 1, 16, 16), 1, dict(output_size=8)),
    (2, (1, 2, 5, 5), 2, dict(output_size=1)),
    (3, (2, 2, 6, 5, 4), 2, dict(output_size=(2, 3, 2))),
    (3, (1, 8, 7, 6), (4, 3, 2), dict(output_ratio=0.5)),
]


@requires_torch
@pytest.mark.parametrize("spatial, shape, kernel, size", FRACTIONAL_CASES, ids=str)
def test_fractional_max_pool_values_indices_and_gradients_match_torch(spatial, shape, kernel,
                                                                      size):
    x, tx = _pair(shape, 7)
    batch = 1 if len(shape) == spatial + 1 else shape[0]
    samples = np.random.default_rng(8).random((batch, shape[-spatial - 1], spatial))
    ours = F.fractional_max_pool2d if spatial == 2 else F.fractional_max_pool3d
    theirs = TF.fractional_max_pool2d if spatial == 2 else TF.fractional_max_pool3d
    out, index = ours(x, kernel, return_indices=True, _random_samples=mt.tensor(samples), **size)
    # torch's 2-d functional takes output_ratio only as a tuple; the sizes are the same
    t_size = {k: (v,) * spatial if isinstance(v, float) else v for k, v in size.items()}
    t_out, t_index = theirs(tx, kernel, return_indices=True,
                            _random_samples=torch.tensor(samples), **t_size)
    assert index.tolist() == t_index.tolist()
    check_same(out, t_out, [(x, tx)])


@requires_torch
def test_fractional_max_pool2d_computes_float32_steps_in_float32_like_torch():
    # alpha = 15 / 7 and the samples' products round differently in float32 and float64
    data = np.random.default_rng(3).standard_normal((4, 5, 16, 16)).astype(np.float32)
    samples = np.random.default_rng(4).random((4, 5, 2)).astype(np.float32)
    _, index = F.fractional_max_pool2d(mt.tensor(data), 2, output_size=8, return_indices=True,
                                       _random_samples=mt.tensor(samples))
    _, t_index = TF.fractional_max_pool2d(torch.tensor(data), 2, output_size=8,
                                          return_indices=True,
                                          _random_samples=torch.tensor(samples))
    assert index.tolist() == t_index.tolist()


def test_fractional_max_pool_windows_follow_the_interval_sequence():
    # H: n=4, k=1, m=3, u=0.9 -> alpha=1.5, starts trunc(1.35)-1=0, trunc(2.85)-1=1, last 3;
    # W: m=2 -> start 0, last 3 (the samples list W first)
    x = mt.arange(16.0).reshape(1, 1, 4, 4)
    out, index = F.fractional_max_pool2d(x, 1, output_size=(3, 2), return_indices=True,
                                         _random_samples=mt.tensor([[[0.0, 0.9]]]))
    assert out.tolist() == [[[[0.0, 3.0], [4.0, 7.0], [12.0, 15.0]]]]
    assert index.tolist() == [[[[0, 3], [4, 7], [12, 15]]]]


def test_fractional_max_pool_gradient_by_finite_differences():
    x = mt.tensor(np.random.default_rng(5).standard_normal((2, 2, 6, 7)), requires_grad=True)
    samples = mt.tensor(np.random.default_rng(6).random((2, 2, 2)))
    assert gradcheck(lambda t: F.fractional_max_pool2d(t, (2, 3), output_size=(3, 2),
                                                       _random_samples=samples), (x,))


def test_fractional_max_pool_draws_its_samples_from_the_generator():
    x = mt.tensor(np.random.default_rng(9).standard_normal((2, 3, 11, 11)))
    mt.manual_seed(1)
    first = F.fractional_max_pool2d(x, 2, output_size=5)
    mt.manual_seed(1)
    again = F.fractional_max_pool2d(x, 2, output_size=5)
    assert first.shape == (2, 3, 5, 5) and first.tolist() == again.tolist()
    pool = nn.FractionalMaxPool3d(2, output_ratio=(0.5, 0.5, 0.5), return_indices=True)
    out, index = pool(mt.tensor(np.random.default_rng(2).standard_normal((1, 2, 6, 6, 8))))
    assert out.shape == index.shape == (1, 2, 3, 3, 4)


def test_fractional_max_pool_module_keeps_its_samples_as_a_buffer():
    samples = mt.tensor([[[0.25, 0.75]]])
    pool = nn.FractionalMaxPool2d(2, output_size=3, _random_samples=samples)
    x = mt.arange(36.0).reshape(1, 1, 6, 6)
    assert "_random_samples" in dict(pool.named_buffers())
    assert pool(x).tolist() == F.fractional_max_pool2d(x, 2, 3, _random_samples=samples).tolist()


@pytest.mark.parametrize("call, error, message", [
    (lambda x: F.fractional_max_pool2d(x, 2), ValueError, "either an output_size or"),
    (lambda x: F.fractional_max_pool2d(x, 4, output_size=3), RuntimeError,
     "pool height 4 too large relative to input height 5"),
    (lambda x: F.fractional_max_pool2d(x, 2, output_size=2,
                                       _random_samples=mt.rand(1, 3, 2, dtype=mt.float64)),
     RuntimeError, "size(1) equals to input channel size, got 3 and 2"),
    (lambda x: F.fractional_max_pool2d(x, 2, output_size=2,
                                       _random_samples=mt.rand(1, 2, 2)),
     RuntimeError, "same dtype as input"),
    (lambda x: F.fractional_max_pool2d(x, 2, output_size=2,
                                       _random_samples=mt.rand(1, 2, 3, dtype=mt.float64)),
     RuntimeError, "size(2) equals to 2; got 3"),
    (lambda x: F.fractional_max_pool2d(x[0, 0], 2, output_size=2), RuntimeError,
     "Expected 3D or 4D tensor, but got: [5, 6]"),
    (lambda x: F.fractional_max_pool3d(x[0], 2, output_size=2), RuntimeError,
     "Expected 4D or 5D tensor, but got: [2, 5, 6]"),
    (lambda x: F.fractional_max_pool2d(x.long(), 2, output_size=2), NotImplementedError,
     "not implemented for int64"),
    (lambda x: nn.FractionalMaxPool2d(2, output_ratio=1.5), ValueError,
     "output_ratio must be between 0 and 1 (got 1.5)"),
    (lambda x: nn.FractionalMaxPool2d(2, output_size=2, output_ratio=0.5), ValueError,
     "only one of output_size and output_ratio"),
])
def test_fractional_max_pool_rejects_bad_arguments_as_torch(call, error, message):
    x = mt.zeros(1, 2, 5, 6, dtype=mt.float64)
    with pytest.raises(error, match=re.escape(message)):
        call(x)
