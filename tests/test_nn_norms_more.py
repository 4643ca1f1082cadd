"""Instance norm, RMS norm and local response norm: values and gradients against PyTorch when
installed, gradients against finite differences (float64) always, running statistics, the
modules' parameters, state dicts and reprs, and the errors."""

import numpy as np
import pytest
from torch_reference import check_same, leaf_pair, randn, requires_torch, torch
from torch_reference import to_numpy as _np

import microtorch_core as mt
from microtorch_core import nn
from microtorch_core.autograd.gradcheck import gradcheck
from microtorch_core.nn import functional as F

if torch is not None:
    import torch.nn.functional as TF


def _load_torch_state(ours, ref):
    ours.load_state_dict({k: mt.tensor(v.numpy()) for k, v in ref.state_dict().items()})


# -- instance norm ------------------------------------------------------------------------------
@requires_torch
@pytest.mark.parametrize("shape", [(2, 3, 5), (2, 3, 4, 3)], ids=str)
def test_instance_norm_values_and_gradients_match_torch(shape):
    x, tx = leaf_pair(randn(shape, 1) * 2 + 1)
    w, tw = leaf_pair(randn(3, 2))
    b, tb = leaf_pair(randn(3, 3))
    check_same(F.instance_norm(x, weight=w, bias=b), TF.instance_norm(tx, weight=tw, bias=tb),
               [(x, tx), (w, tw), (b, tb)])


@requires_torch
def test_instance_norm_moves_running_statistics_like_torch():
    x, tx = leaf_pair(randn((4, 3, 6), 4) * 3 + 2)
    mean, var = mt.zeros(3, dtype=mt.float64), mt.ones(3, dtype=mt.float64)
    t_mean, t_var = torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)
    F.instance_norm(x, mean, var, momentum=0.2)
    TF.instance_norm(tx, t_mean, t_var, momentum=0.2)
    np.testing.assert_allclose(_np(mean), t_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(_np(var), t_var.numpy(), rtol=1e-12)


def test_instance_norm_gradients_match_finite_differences():
    x = mt.tensor(randn((2, 3, 4), 5), requires_grad=True)
    w = mt.tensor(randn(3, 6), requires_grad=True)
    assert gradcheck(lambda x, w: F.instance_norm(x, weight=w) ** 2, (x, w))


def test_instance_norm_gives_each_channel_of_each_sample_zero_mean_and_unit_variance():
    out = _np(nn.InstanceNorm2d(3)(mt.randn(2, 3, 5, 5) * 4 - 1))
    np.testing.assert_allclose(out.mean((2, 3)), 0, atol=1e-5)
    np.testing.assert_allclose(out.var((2, 3)), 1, atol=1e-3)


@requires_torch
def test_instance_norm_module_tracking_stats_matches_torch_in_training_then_evaluation():
    ref = torch.nn.InstanceNorm1d(3, affine=True, track_running_stats=True).double()
    with torch.no_grad():
        ref.weight.copy_(torch.tensor([0.5, 1.0, 2.0]))
    ours = nn.InstanceNorm1d(3, affine=True, track_running_stats=True).double()
    _load_torch_state(ours, ref)
    for seed in (7, 8):
        x, tx = leaf_pair(randn((2, 3, 5), seed) * 2)
        check_same(ours(x), ref(tx), [(x, tx), (ours.weight, ref.weight)])
    for name in ("running_mean", "running_var"):
        np.testing.assert_allclose(_np(getattr(ours, name)), getattr(ref, name).numpy())
    ours.eval(), ref.eval()
    x, tx = leaf_pair(randn((2, 3, 5), 9))
    check_same(ours(x), ref(tx), [(x, tx)])


def test_instance_norm_module_by_default_has_no_parameters_nor_buffers():
    m = nn.InstanceNorm2d(4)
    assert list(m.parameters()) == [] and list(m.state_dict()) == []
    tracked = nn.InstanceNorm1d(4, affine=True, track_running_stats=True, bias=False)
    assert list(tracked.state_dict()) == ["weight", "running_mean", "running_var",
                                          "num_batches_tracked"]


def test_instance_norm_module_of_an_unbatched_input_is_that_of_a_batch_of_one():
    x = mt.randn(3, 4, 5)
    np.testing.assert_allclose(_np(nn.InstanceNorm2d(3)(x)),
                               _np(nn.InstanceNorm2d(3)(x.unsqueeze(0)))[0], rtol=1e-6)


@requires_torch
def test_instance_norm_reprs_match_torch():
    for name, kwargs in [("InstanceNorm1d", {}), ("InstanceNorm2d", {"affine": True}),
                         ("InstanceNorm2d", {"track_running_stats": True, "momentum": None}),
                         ("InstanceNorm1d", {"affine": True, "bias": False, "eps": 1e-3})]:
        assert repr(getattr(nn, name)(5, **kwargs)) == repr(getattr(torch.nn, name)(5, **kwargs))


def test_instance_norm_errors_name_the_shapes():
    with pytest.raises(ValueError, match=r"expected 2D or 3D input \(got 4D input\)"):
        nn.InstanceNorm1d(3)(mt.zeros(2, 3, 4, 5))
    with pytest.raises(ValueError, match=r"Expected more than 1 spatial element when training, "
                                         r"got input size \(2, 3, 1\)"):
        F.instance_norm(mt.zeros(2, 3, 1))
    with pytest.raises(ValueError, match=r"expected input's size at dim=1 to match "
                                         r"num_features \(3\), but got: 4"):
        nn.InstanceNorm1d(3, affine=True)(mt.zeros(2, 4, 5))
    with pytest.raises(RuntimeError, match=r"weight should have shape \(3,\) for an input with "
                                           r"3 channels, got \(2,\)"):
        F.instance_norm(mt.zeros(2, 3, 4), weight=mt.ones(2))


def test_instance_norm_without_affine_warns_of_a_channel_count_it_ignores():
    with pytest.warns(UserWarning, match=r"input's size at dim=1 \(4\) does not match "
                                         r"num_features \(3\)"):
        nn.InstanceNorm1d(3)(mt.randn(2, 4, 5))


def test_instance_norm_without_input_stats_needs_running_stats():
    with pytest.raises(RuntimeError, match="Expected running_mean and running_var to be "
                                           "defined when use_input_stats is false"):
        F.instance_norm(mt.zeros(2, 3, 4), use_input_stats=False)


# -- rms norm -----------------------------------------------------------------------------------
@requires_torch
@pytest.mark.parametrize("eps", [None, 1e-5])
@pytest.mark.parametrize("shape", [(5,), (4, 5)], ids=str)
def test_rms_norm_values_and_gradients_match_torch(shape, eps):
    x, tx = leaf_pair(randn((3, 4, 5), 10))
    w, tw = leaf_pair(randn(shape, 11))
    check_same(F.rms_norm(x, shape, w, eps), TF.rms_norm(tx, shape, tw, eps),
               [(x, tx), (w, tw)])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_rms_norm_default_eps_is_the_dtypes_machine_epsilon(dtype):
    x = np.array([[1e-8, -2e-8, 3e-8]], dtype=dtype)  # x^2 is far below eps
    eps = np.finfo(dtype).eps
    expected = x / np.sqrt((x.astype(np.float64) ** 2).mean(-1, keepdims=True) + eps)
    np.testing.assert_allclose(_np(nn.RMSNorm(3)(mt.tensor(x))), expected, rtol=1e-5)


def test_rms_norm_gradients_match_finite_differences():
    x = mt.tensor(randn((2, 3, 4), 12), requires_grad=True)
    w = mt.tensor(randn(4, 13), requires_grad=True)
    assert gradcheck(lambda x, w: F.rms_norm(x, (4,), w, 1e-6), (x, w))


@requires_torch
def test_rms_norm_module_loads_a_torch_state_dict_and_matches_its_repr():
    ref = torch.nn.RMSNorm((2, 3), eps=1e-4).double()
    with torch.no_grad():
        ref.weight.copy_(torch.tensor(randn((2, 3), 14)))
    ours = nn.RMSNorm((2, 3), eps=1e-4).double()
    _load_torch_state(ours, ref)
    assert [n for n, _ in ours.named_parameters()] == ["weight"] and repr(ours) == repr(ref)
    x, tx = leaf_pair(randn((4, 2, 3), 15))
    check_same(ours(x), ref(tx), [(x, tx), (ours.weight, ref.weight)])
    assert repr(nn.RMSNorm(6, elementwise_affine=False)) == \
        repr(torch.nn.RMSNorm(6, elementwise_affine=False))


def test_rms_norm_with_mismatched_shapes_names_them():
    with pytest.raises(RuntimeError, match=r"Given normalized_shape=\[4\], expected input with "
                                           r"shape \[\*, 4\], but got input of size \[2, 3\]"):
        F.rms_norm(mt.zeros(2, 3), (4,))
    with pytest.raises(RuntimeError, match=r"got weight of shape \[2\] and normalized_shape = "
                                           r"\[3\]"):
        F.rms_norm(mt.zeros(2, 3), (3,), mt.ones(2))


# -- local response norm ------------------------------------------------------------------------
@requires_torch
@pytest.mark.parametrize(("shape", "size"), [((2, 6, 5), 3), ((2, 6, 4, 3), 2),
                                             ((1, 5, 2, 3, 2), 4), ((2, 3, 4), 7)], ids=str)
def test_local_response_norm_values_and_gradients_match_torch(shape, size):
    x, tx = leaf_pair(randn(shape, 16) * 3)
    check_same(F.local_response_norm(x, size, 0.1, 0.75, 2.0),
               TF.local_response_norm(tx, size, 0.1, 0.75, 2.0), [(x, tx)])


@requires_torch
def test_local_response_norm_of_int64_averages_in_integers_as_torch():
    x = np.arange(-9, 9).reshape(1, 6, 3) * 7
    got = F.local_response_norm(mt.tensor(x), 2, alpha=0.3, beta=0.5, k=1.25)
    want = TF.local_response_norm(torch.tensor(x), 2, alpha=0.3, beta=0.5, k=1.25)
    assert got.dtype == mt.float32
    np.testing.assert_allclose(_np(got), want.numpy(), rtol=1e-6)


def test_local_response_norm_refuses_int32_and_bool_as_torch():
    for dtype, name in ((mt.int32, "Int"), (mt.bool, "Bool")):
        with pytest.raises(NotImplementedError, match=f"not implemented for '{name}'"):
            F.local_response_norm(mt.ones(1, 4, 3, dtype=dtype), 2)


def test_local_response_norm_gradients_match_finite_differences():
    x = mt.tensor(randn((1, 4, 3), 17), requires_grad=True)
    assert gradcheck(lambda x: F.local_response_norm(x, 3, alpha=0.5), (x,))


@requires_torch
def test_local_response_norm_module_matches_torch_including_repr():
    ours, ref = nn.LocalResponseNorm(2, 0.01, 0.5, 1.5), torch.nn.LocalResponseNorm(2, 0.01, 0.5,
                                                                                     1.5)
    x, tx = leaf_pair(randn((2, 4, 3, 3), 18))
    check_same(ours(x), ref(tx), [(x, tx)])
    assert repr(ours) == repr(ref)


def test_local_response_norm_of_a_2d_input_is_an_error():
    with pytest.raises(ValueError, match=r"Expected 3D or higher dimensionality input \(got 2 "
                                         r"dimensions\)"):
        nn.LocalResponseNorm(2)(mt.zeros(2, 3))
