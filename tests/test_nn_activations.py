"""The activations beyond the basic ones (ReLU6, Hardswish, Hardsigmoid, LogSigmoid, SELU,
CELU, GLU, PReLU, Softmin, Softmax2d, Threshold, Tanhshrink, Hardshrink, Softshrink): values
and gradients against PyTorch when installed, gradients against finite differences (float64)
always."""

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


# the points include every kink (0, 6, +-3, +-0.5, +-1) and values whose exp would overflow
POINTS = [-800.0, -30.0, -5.0, -3.0, -1.0, -0.5, 0.0, 0.3, 0.5, 1.0, 2.0, 3.0, 6.0, 7.0, 30.0,
          800.0]
ACTIVATIONS = [  # (module name, arguments)
    ("ReLU6", ()), ("Hardswish", ()), ("Hardsigmoid", ()), ("LogSigmoid", ()), ("SELU", ()),
    ("CELU", ()), ("CELU", (0.5,)), ("Threshold", (1.0, -2.0)), ("Tanhshrink", ()),
    ("Hardshrink", ()), ("Hardshrink", (1.0,)), ("Softshrink", ()), ("Softshrink", (1.0,)),
    ("PReLU", ()), ("PReLU", (1, -0.3)), ("GLU", ()), ("Softmin", (0,)),
]


@requires_torch
@pytest.mark.parametrize(("name", "args"), ACTIVATIONS, ids=str)
def test_activation_values_and_gradients_match_torch(name, args):
    x, tx = leaf_pair(POINTS)
    ours, theirs = getattr(nn, name)(*args).double(), getattr(torch.nn, name)(*args).double()
    # PyTorch's CPU hardsigmoid backward uses 1/6 as a float32 even for float64 inputs
    check_same(ours(x), theirs(tx), [(x, tx)], rtol=1e-7 if name == "Hardsigmoid" else 1e-10)


@pytest.mark.parametrize(("name", "args"), ACTIVATIONS, ids=str)
def test_activation_gradients_match_finite_differences(name, args):
    x = mt.tensor([-3.7, -2.2, -0.8, -0.2, 0.4, 1.3, 2.6, 4.1], dtype=mt.float64,
                  requires_grad=True)
    assert gradcheck(getattr(nn, name)(*args).double(), (x,))


@requires_torch
def test_activation_reprs_match_torch():
    for name, args in ACTIVATIONS + [("ReLU6", (True,)), ("Hardswish", (True,)),
                                     ("SELU", (True,)), ("CELU", (2.0, True)),
                                     ("Threshold", (0.1, 20, True)), ("GLU", (1,)),
                                     ("PReLU", (3,)), ("Softmin", ()), ("Softmax2d", ())]:
        assert repr(getattr(nn, name)(*args)) == repr(getattr(torch.nn, name)(*args))


INPLACE = [("relu6", {}), ("hardswish", {}), ("hardsigmoid", {}), ("selu", {}),
           ("celu", {"alpha": 0.5}), ("threshold", {"threshold": 1.0, "value": -2.0})]


@requires_torch
@pytest.mark.parametrize(("name", "kwargs"), INPLACE, ids=str)
def test_inplace_activation_on_a_graph_tensor_matches_torch(name, kwargs):
    x, tx = leaf_pair(POINTS)
    ours, theirs = x * 1.5, tx * 1.5
    assert getattr(F, name)(ours, inplace=True, **kwargs) is ours
    getattr(TF, name)(theirs, inplace=True, **kwargs)
    check_same(ours, theirs, [(x, tx)], rtol=1e-7 if name == "hardsigmoid" else 1e-10)


def test_logsigmoid_of_huge_inputs_is_exact_with_finite_gradients():
    x = mt.tensor([-1e4, 0.0, 1e4], dtype=mt.float64, requires_grad=True)
    out = F.logsigmoid(x)
    out.sum().backward()
    np.testing.assert_allclose(_np(out), [-1e4, -np.log(2.0), 0.0])
    np.testing.assert_allclose(_np(x.grad), [1.0, 0.5, 0.0])  # sigmoid(-x)


def test_kink_gradients_follow_pytorchs_convention():
    x = mt.tensor([-3.0, 0.0, 3.0, 6.0], dtype=mt.float64, requires_grad=True)
    for fn, expected in [(F.hardswish, [0.0, 0.5, 1.0, 1.0]), (F.relu6, [0.0, 0.0, 1.0, 0.0]),
                         (F.hardsigmoid, [0.0, 1 / 6, 0.0, 0.0])]:
        x.grad = None
        fn(x).sum().backward()
        np.testing.assert_allclose(_np(x.grad), expected, err_msg=fn.__name__)


def test_selu_keeps_a_standard_normal_input_standard():
    mt.manual_seed(0)
    out = _np(nn.SELU()(mt.randn(200_000, dtype=mt.float64)))
    assert abs(out.mean()) < 0.01 and abs(out.var() - 1) < 0.02


def test_relu6_of_integers_stays_integer():
    out = F.relu6(mt.tensor([-1, 3, 8]))
    assert out.dtype is mt.int64 and out.tolist() == [0, 3, 6]


def test_smooth_activations_reject_integer_input():
    with pytest.raises(NotImplementedError, match="hardswish is implemented for floating "
                                                  "dtypes only, got int64"):
        F.hardswish(mt.tensor([1, -2]))


# -- glu ----------------------------------------------------------------------------------------
@requires_torch
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_glu_along_each_dim_matches_torch(dim):
    x, tx = leaf_pair(randn((4, 6, 2), 1))
    check_same(F.glu(x, dim), TF.glu(tx, dim), [(x, tx)])


def test_glu_of_an_odd_dimension_names_the_dimension_and_its_size():
    with pytest.raises(RuntimeError, match="Halving dimension must be even, but dimension 1 is "
                                           "size 5"):
        nn.GLU()(mt.zeros(2, 5))
    with pytest.raises(RuntimeError, match="glu does not support scalars"):
        F.glu(mt.tensor(1.0))


# -- prelu --------------------------------------------------------------------------------------
@requires_torch
@pytest.mark.parametrize("shape", [(4, 3), (2, 3, 5), (2, 3, 2, 2)], ids=str)
def test_prelu_with_one_slope_per_channel_matches_torch_for_input_and_weight(shape):
    x, tx = leaf_pair(randn(shape, 2))
    w, tw = leaf_pair([0.1, -0.5, 2.0])
    check_same(F.prelu(x, w), TF.prelu(tx, tw), [(x, tx), (w, tw)])


def test_prelu_gradients_match_finite_differences():
    x = mt.tensor(randn((2, 3, 4), 3), requires_grad=True)
    w = mt.tensor([0.25, -0.1, 1.5], dtype=mt.float64, requires_grad=True)
    assert gradcheck(F.prelu, (x, w))


def test_prelu_module_has_one_weight_filled_with_init():
    m = nn.PReLU(3, init=0.1)
    assert [(n, p.shape) for n, p in m.named_parameters()] == [("weight", (3,))]
    np.testing.assert_allclose(_np(m.weight), 0.1)


@requires_torch
def test_prelu_module_loads_a_torch_state_dict_and_then_matches_it():
    ref = torch.nn.PReLU(3, init=0.3).double()
    with torch.no_grad():
        ref.weight.copy_(torch.tensor([0.1, 0.2, -0.4]))
    ours = nn.PReLU(3).double()
    ours.load_state_dict({k: mt.tensor(v.numpy()) for k, v in ref.state_dict().items()})
    x, tx = leaf_pair(randn((2, 3, 4), 4))
    check_same(ours(x), ref(tx), [(x, tx), (ours.weight, ref.weight)])


def test_prelu_with_a_weight_per_channel_of_another_count_names_both():
    with pytest.raises(RuntimeError, match="Found parameter numbers = 3 and channel size = 4"):
        nn.PReLU(3)(mt.zeros(2, 4))
    with pytest.raises(RuntimeError, match="but got: ndim = 2"):
        F.prelu(mt.zeros(2, 3), mt.zeros(1, 3))


# -- softmin, softmax2d -------------------------------------------------------------------------
@requires_torch
def test_softmin_with_a_dtype_matches_torch():
    x = randn((3, 4), 5)
    out = F.softmin(mt.tensor(x, dtype=mt.float32), 1, dtype=mt.float64)
    ref = TF.softmin(torch.tensor(x, dtype=torch.float32), 1, dtype=torch.float64)
    assert out.dtype is mt.float64
    np.testing.assert_allclose(_np(out), ref.numpy(), rtol=1e-12)


@requires_torch
@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (3, 4, 5)], ids=str)
def test_softmax2d_normalises_over_the_channels_like_torch(shape):
    x, tx = leaf_pair(randn(shape, 6))
    check_same(nn.Softmax2d()(x), torch.nn.Softmax2d()(tx), [(x, tx)])


def test_softmax2d_of_a_2d_input_is_an_error():
    with pytest.raises(ValueError, match="Softmax2d: expected input to be 3D or 4D, got 2D"):
        nn.Softmax2d()(mt.zeros(2, 3))


# -- errors -------------------------------------------------------------------------------------
def test_softshrink_with_a_negative_lambda_names_it():
    with pytest.raises(RuntimeError, match="lambda must be greater or equal to 0, but found to "
                                           "be -1.0"):
        nn.Softshrink(-1.0)(mt.zeros(2))


def test_celu_with_alpha_zero_is_an_error():
    with pytest.raises(RuntimeError, match="alpha cannot be 0 for CELU"):
        F.celu(mt.zeros(2), alpha=0.0)


NAN_CASES = [  # (function, arguments): each keeps a NaN input NaN, as PyTorch
    ("relu", ()), ("threshold", (0.5, 2.0)), ("threshold", (float("nan"), 2.0)),
    ("hardshrink", ()), ("softshrink", ()), ("hardtanh", ()), ("relu6", ()), ("elu", ()),
]


@requires_torch
@pytest.mark.parametrize(("name", "args"), NAN_CASES, ids=str)
def test_piecewise_activations_keep_nan_as_pytorch(name, args):
    data = [np.nan, -1.0, -0.5, -0.2, 0.0, 0.2, 0.5, 1.0]
    ours, theirs = (getattr(lib, name)(lib_tensor(data, dtype=dtype), *args)
                    for lib, lib_tensor, dtype in ((F, mt.tensor, mt.float64),
                                                   (TF, torch.tensor, torch.float64)))
    np.testing.assert_array_equal(_np(ours), theirs.numpy())


@requires_torch
@pytest.mark.parametrize(("name", "args"), NAN_CASES, ids=str)
def test_piecewise_activations_pass_the_gradient_at_nan_as_pytorch(name, args):
    # PyTorch's formulas (threshold_backward's "x <= threshold ? 0 : grad", hardshrink's
    # "-lambd <= x <= lambd ? 0 : grad"...) pass it. Its vectorised loops for hardshrink,
    # softshrink, hardtanh, relu6 and elu disagree (0 or NaN from the 8th float64 element):
    # a one-element tensor runs the formula itself.
    ours, theirs = leaf_pair([np.nan])
    getattr(F, name)(ours, *args).sum().backward()
    getattr(TF, name)(theirs, *args).sum().backward()
    assert ours.grad.tolist() == theirs.grad.tolist() == [1.0]
