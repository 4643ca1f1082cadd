"""``unfold`` (im2col) and ``fold`` (col2im), functional and modules: values and gradients
against PyTorch when installed, and always against NumPy references, the adjoint identity and
finite differences (float64), second order included."""

import numpy as np
import pytest
from torch_reference import check_same, leaf_pair, randn, requires_torch, torch
from torch_reference import to_numpy as _np

import microtorch_core as mt
from microtorch_core import nn
from microtorch_core.autograd import grad
from microtorch_core.autograd.gradcheck import gradcheck
from microtorch_core.nn import functional as F

if torch is not None:
    import torch.nn.functional as TF


SIZE = (7, 6)
CONFIGS = [  # keyword arguments shared by unfold and fold
    {"kernel_size": 2},
    {"kernel_size": (3, 2), "stride": 2},
    {"kernel_size": 3, "padding": 1},
    {"kernel_size": (2, 3), "dilation": (2, 1), "padding": (1, 2), "stride": (2, 3)},
    {"kernel_size": (2, 2), "stride": 2},  # blocks tile the image without overlapping
]


def _blocks(kernel_size, dilation=1, padding=0, stride=1):
    """The number of blocks L over SIZE, computed independently."""
    k, d, p, s = (np.broadcast_to(v, 2) for v in (kernel_size, dilation, padding, stride))
    return int(np.prod((np.array(SIZE) + 2 * p - d * (k - 1) - 1) // s + 1))


def _cols_shape(channels, config):
    return (channels * int(np.prod(np.broadcast_to(config["kernel_size"], 2))),
            _blocks(**config))


# -- against PyTorch ----------------------------------------------------------------------------
@requires_torch
@pytest.mark.parametrize("config", CONFIGS, ids=str)
def test_unfold_values_and_gradients_match_torch(config):
    x, tx = leaf_pair(randn((2, 3) + SIZE, 1))
    check_same(F.unfold(x, **config), TF.unfold(tx, **config), [(x, tx)])


@requires_torch
@pytest.mark.parametrize("config", CONFIGS, ids=str)
def test_fold_values_and_gradients_match_torch(config):
    cols, tcols = leaf_pair(randn((2,) + _cols_shape(3, config), 2))
    check_same(F.fold(cols, SIZE, **config), TF.fold(tcols, SIZE, **config), [(cols, tcols)])


@requires_torch
def test_unbatched_unfold_and_fold_match_torch():
    config = CONFIGS[3]
    x, tx = leaf_pair(randn((3,) + SIZE, 3))
    cols = F.unfold(x, **config)
    assert cols.shape == _cols_shape(3, config)
    check_same(F.fold(cols * cols, SIZE, **config),
               TF.fold(TF.unfold(tx, **config) ** 2, SIZE, **config), [(x, tx)])


@requires_torch
@pytest.mark.parametrize(("module", "args"), [
    ("Unfold", ((4, 5), 2, 1, (1, 2))), ("Unfold", (3,)),
    ("Fold", ((4, 5), 2, 1, 0, (1, 2))), ("Fold", (4, 2)), ("Fold", ([5, 5], [2, 2])),
], ids=str)
def test_fold_module_reprs_match_torch(module, args):
    assert repr(getattr(nn, module)(*args)) == repr(getattr(torch.nn, module)(*args))


# -- against NumPy and the definitions ----------------------------------------------------------
def _unfold_numpy(x, kh, kw):
    """im2col with stride 1, no padding or dilation, by loops."""
    n, c, h, w = x.shape
    oh, ow = h - kh + 1, w - kw + 1
    out = np.empty((n, c, kh, kw, oh, ow))
    for i in range(kh):
        for j in range(kw):
            out[:, :, i, j] = x[:, :, i:i + oh, j:j + ow]
    return out.reshape(n, c * kh * kw, oh * ow)


def test_unfold_matches_a_loop_over_kernel_offsets():
    x = randn((2, 3) + SIZE, 4)
    np.testing.assert_array_equal(_np(F.unfold(mt.tensor(x), (3, 2))), _unfold_numpy(x, 3, 2))


@pytest.mark.parametrize("config", CONFIGS, ids=str)
def test_fold_is_the_adjoint_of_unfold(config):
    # <unfold(x), y> = <x, fold(y)> for every x and y: fold is unfold's transpose
    x, y = randn((2, 3) + SIZE, 5), randn((2,) + _cols_shape(3, config), 6)
    lhs = (_np(F.unfold(mt.tensor(x), **config)) * y).sum()
    rhs = (x * _np(F.fold(mt.tensor(y), SIZE, **config))).sum()
    assert lhs == pytest.approx(rhs, rel=1e-12)


def test_fold_of_unfold_counts_the_blocks_covering_each_element():
    ones = mt.ones(1, 1, 3, 3, dtype=mt.float64)
    np.testing.assert_array_equal(_np(F.fold(F.unfold(ones, 2), (3, 3), 2))[0, 0],
                                  [[1, 2, 1], [2, 4, 2], [1, 2, 1]])


def test_fold_undoes_unfold_when_the_blocks_tile_the_image():
    x = mt.tensor(randn((2, 3, 4, 6), 7))
    assert mt.equal(nn.Fold((4, 6), 2, stride=2)(nn.Unfold(2, stride=2)(x)), x)


def test_unfold_then_matmul_is_conv2d():
    x, w = mt.tensor(randn((2, 3) + SIZE, 8)), mt.tensor(randn((4, 3, 3, 2), 9))
    cols = F.unfold(x, (3, 2), padding=1, stride=2)  # (N, C*kh*kw, L)
    out = w.reshape(4, -1) @ cols  # (N, O, L)
    ref = F.conv2d(x, w, padding=1, stride=2)
    np.testing.assert_allclose(_np(out), _np(ref).reshape(2, 4, -1), rtol=1e-10, atol=1e-12)


def test_unfold_and_fold_of_an_empty_batch_are_empty():
    assert F.unfold(mt.zeros(0, 3, 5, 5), 2).shape == (0, 12, 16)
    assert F.fold(mt.zeros(0, 12, 16), 5, 2).shape == (0, 3, 5, 5)


# -- finite differences -------------------------------------------------------------------------
def test_unfold_gradients_match_finite_differences():
    x = mt.tensor(randn((1, 2, 4, 3), 10), requires_grad=True)
    assert gradcheck(lambda t: F.unfold(t, 2, dilation=(1, 2), padding=1, stride=(2, 1)), (x,))


def test_fold_gradients_match_finite_differences():
    cols = mt.tensor(randn((1, 4, 12), 11), requires_grad=True)
    assert gradcheck(lambda t: F.fold(t, (4, 3), 2, padding=1, stride=(2, 1)), (cols,))


def test_fold_second_order_gradients_match_finite_differences():
    def grad_of_squared_fold(cols):
        (g,) = grad((F.fold(cols, (3, 4), 2) ** 2).sum(), cols, create_graph=True)
        return g  # 2 unfold(fold(cols)): differentiating it runs fold's backward backward

    cols = mt.tensor(randn((1, 4, 6), 12), requires_grad=True)
    assert gradcheck(grad_of_squared_fold, (cols,))


# -- errors -------------------------------------------------------------------------------------
def test_unfold_of_a_non_image_names_the_shape():
    with pytest.raises(RuntimeError, match=r"Expected 3D or 4D \(batch mode\) tensor with "
                                           r"possibly 0 batch size .* but got: \(5, 5\)"):
        F.unfold(mt.zeros(5, 5), 2)


def test_unfold_with_a_kernel_larger_than_the_image_names_the_sizes():
    with pytest.raises(RuntimeError, match=r"Given input with spatial size \(5, 5\), "
                                           r"kernel_size=\(6, 6\), dilation=\(1, 1\), "
                                           r"padding=\(0, 0\), calculated shape of the array "
                                           r"of sliding blocks as \(0, 0\)"):
        F.unfold(mt.zeros(1, 1, 5, 5), 6)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"kernel_size": (0, 2)}, "kernel size should be greater than zero, but got kernel_height: "
                              "0 kernel_width: 2"),
    ({"kernel_size": 2, "stride": 0}, "stride should be greater than zero, but got "
                                      "stride_height: 0 stride_width: 0"),
    ({"kernel_size": 2, "dilation": (1, -1)}, "dilation should be greater than zero, but got "
                                              "dilation_height: 1 dilation_width: -1"),
    ({"kernel_size": 2, "padding": -1}, "padding should be non-negative, but got pad_height: -1 "
                                        "pad_width: -1"),
], ids=str)
def test_unfold_and_fold_reject_non_positive_block_parameters(kwargs, message):
    with pytest.raises(RuntimeError, match=message):
        F.unfold(mt.zeros(1, 1, 5, 5), **kwargs)
    with pytest.raises(RuntimeError, match=message):
        F.fold(mt.zeros(1, 4, 16), (5, 5), **kwargs)


def test_fold_of_a_non_column_tensor_names_the_shape():
    with pytest.raises(RuntimeError, match=r"Expected 2D or 3D \(batch mode\) tensor for input "
                                           r".* but got: \(12, 16, 1, 1\)"):
        F.fold(mt.zeros(12, 16, 1, 1), (5, 5), 2)


def test_fold_with_rows_not_divisible_by_the_kernel_names_both():
    with pytest.raises(RuntimeError, match=r"divisible by the product of kernel_size, but got "
                                           r"input.size\(1\)=11 and kernel_size=\(2, 2\)"):
        F.fold(mt.zeros(2, 11, 16), (5, 5), 2)


def test_fold_with_the_wrong_number_of_blocks_names_the_expected_count():
    with pytest.raises(RuntimeError, match=r"calculated number of sliding blocks 4 \* 4 = 16, "
                                           r"but got input.size\(2\)=15"):
        nn.Fold((5, 5), 2)(mt.zeros(2, 12, 15))
