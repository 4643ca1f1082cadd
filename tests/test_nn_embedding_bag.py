"""``F.embedding(scale_grad_by_freq=True)``, ``F.embedding_bag`` and ``nn.EmbeddingBag``:
values and gradients against PyTorch when installed; against NumPy always."""

import numpy as np
import pytest
from torch_reference import check_same, requires_torch, torch

import microtorch_core as mt
from microtorch_core import nn
from microtorch_core.nn import functional as F

if torch is not None:
    import torch.nn.functional as TF

WEIGHT = np.random.default_rng(0).standard_normal((10, 4))
FLAT = [1, 3, 1, 0, 3, 3, 7, 1, 2]


def _weights():
    return mt.tensor(WEIGHT, requires_grad=True), torch.tensor(WEIGHT, requires_grad=True)


# -- embedding(scale_grad_by_freq) --------------------------------------------------------------
@requires_torch
@pytest.mark.parametrize("padding_idx", [None, 3])
def test_embedding_scale_grad_by_freq_matches_torch(padding_idx):
    index = [[1, 3, 1, 0], [3, 3, 7, 1]]
    w, tw = _weights()
    check_same(F.embedding(mt.tensor(index), w, padding_idx, scale_grad_by_freq=True),
               TF.embedding(torch.tensor(index), tw, padding_idx, scale_grad_by_freq=True),
               [(w, tw)])


def test_embedding_scale_grad_by_freq_divides_each_rows_gradient_by_its_count():
    w = mt.tensor(WEIGHT, requires_grad=True)
    F.embedding(mt.tensor([4, 4, 4, 2]), w, scale_grad_by_freq=True).sum().backward()
    expected = np.zeros_like(WEIGHT)
    expected[4], expected[2] = 1.0, 1.0  # three gradients of 1, each divided by 3
    np.testing.assert_allclose(w.grad.numpy(), expected)


def test_embedding_module_keeps_scale_grad_by_freq():
    emb = nn.Embedding(5, 2, scale_grad_by_freq=True)
    emb(mt.tensor([1, 1])).sum().backward()
    assert emb.weight.grad[1].tolist() == [1.0, 1.0]
    assert repr(emb) == "Embedding(5, 2, scale_grad_by_freq=True)"


# -- embedding_bag ------------------------------------------------------------------------------
@requires_torch
@pytest.mark.parametrize("padding_idx", [None, 3])
@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize(("offsets", "include_last_offset"),
                         [([0, 2, 2, 5], False), ([0, 3, 9], True), ([0], False)], ids=str)
def test_embedding_bag_matches_torch(mode, offsets, include_last_offset, padding_idx):
    w, tw = _weights()
    check_same(F.embedding_bag(mt.tensor(FLAT), w, mt.tensor(offsets), mode=mode,
                               include_last_offset=include_last_offset, padding_idx=padding_idx),
               TF.embedding_bag(torch.tensor(FLAT), tw, torch.tensor(offsets), mode=mode,
                                include_last_offset=include_last_offset,
                                padding_idx=padding_idx), [(w, tw)])


@requires_torch
@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_of_a_2d_input_matches_torch(mode):
    w, tw = _weights()
    index = [[1, 3, 1, 0], [3, 3, 7, 1]]
    check_same(F.embedding_bag(mt.tensor(index), w, mode=mode),
               TF.embedding_bag(torch.tensor(index), tw, mode=mode), [(w, tw)])


@requires_torch
def test_embedding_bag_per_sample_weights_match_torch():
    w, tw = _weights()
    scale = np.random.default_rng(1).standard_normal(len(FLAT))
    s, ts = mt.tensor(scale, requires_grad=True), torch.tensor(scale, requires_grad=True)
    check_same(F.embedding_bag(mt.tensor(FLAT), w, mt.tensor([0, 4]), mode="sum",
                               per_sample_weights=s, padding_idx=3),
               TF.embedding_bag(torch.tensor(FLAT), tw, torch.tensor([0, 4]), mode="sum",
                                per_sample_weights=ts, padding_idx=3), [(w, tw), (s, ts)])


def test_embedding_bag_against_numpy():
    out = F.embedding_bag(mt.tensor(FLAT), mt.tensor(WEIGHT), mt.tensor([0, 4, 4]), mode="mean",
                          padding_idx=3)
    bags = [[1, 1, 0], [], [7, 1, 2]]  # the 3s are padding: left out of sums and counts
    expected = [WEIGHT[b].mean(0) if b else np.zeros(4) for b in bags]
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12)


def test_embedding_bag_max_sends_the_gradient_to_the_first_maximum():
    w = mt.tensor([[1.0, 5.0], [3.0, 5.0], [2.0, 0.0]], requires_grad=True)
    F.embedding_bag(mt.tensor([0, 1, 2]), w, mt.tensor([0]), mode="max").sum().backward()
    assert w.grad.tolist() == [[0.0, 1.0], [1.0, 0.0], [0.0, 0.0]]


def test_embedding_bag_scale_grad_by_freq_divides_by_the_count_in_the_input():
    # (PyTorch's CPU kernel divides row 2's gradient by row 1's count, 3, here)
    w = mt.tensor(WEIGHT, requires_grad=True)
    F.embedding_bag(mt.tensor([1, 1, 2, 1]), w, mt.tensor([0, 2]), mode="sum",
                    scale_grad_by_freq=True).sum().backward()
    assert w.grad[1].tolist() == [1.0] * 4 and w.grad[2].tolist() == [1.0] * 4


def test_embedding_bag_of_an_empty_input_is_zeros_in_the_graph():
    w = mt.tensor(WEIGHT, requires_grad=True)
    out = F.embedding_bag(mt.tensor([], dtype=mt.int64), w, mt.tensor([0, 0]), mode="max")
    out.sum().backward()
    assert out.tolist() == [[0.0] * 4] * 2 and not w.grad.numpy().any()


@requires_torch
def test_embedding_bag_module_matches_torch():
    ours = nn.EmbeddingBag(10, 4, mode="sum", padding_idx=2)
    ref = torch.nn.EmbeddingBag(10, 4, mode="sum", padding_idx=2)
    assert repr(ours) == repr(ref)
    assert ours.weight[2].tolist() == [0.0] * 4  # the padding row starts at zero
    ours.weight.data.copy_(mt.tensor(ref.weight.detach().numpy()))
    np.testing.assert_allclose(ours(mt.tensor(FLAT), mt.tensor([0, 5])).detach().numpy(),
                               ref(torch.tensor(FLAT), torch.tensor([0, 5])).detach().numpy(),
                               rtol=1e-6)


def test_embedding_bag_from_pretrained_is_frozen():
    bag = nn.EmbeddingBag.from_pretrained(mt.eye(3), mode="sum")
    assert not bag.weight.requires_grad
    assert bag(mt.tensor([[0, 2]])).tolist() == [[1.0, 0.0, 1.0]]


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    (dict(offsets=mt.tensor([1, 2])), RuntimeError, "offsets\\[0\\] has to be 0"),
    (dict(offsets=mt.tensor([0, 10])), RuntimeError, "offsets\\[-1\\] can not be greater"),
    (dict(offsets=None), ValueError, "offsets has to be a 1D Tensor but got None"),
    (dict(offsets=mt.tensor([0]), mode="mean", per_sample_weights=mt.ones(9)),
     NotImplementedError, "only supported for mode='sum'"),
    (dict(offsets=mt.tensor([0]), mode="max", scale_grad_by_freq=True), ValueError,
     "max mode does not support scaling the gradient"),
    (dict(offsets=mt.tensor([0]), mode="median"), ValueError, "mode has to be one of"),
])
def test_embedding_bag_argument_errors(kwargs, error, message):
    with pytest.raises(error, match=message):
        F.embedding_bag(mt.tensor(FLAT), mt.tensor(WEIGHT), **kwargs)


def test_embedding_bag_index_out_of_range_names_it():
    with pytest.raises(IndexError, match="index 10 is out of range for 10 embeddings"):
        F.embedding_bag(mt.tensor([1, 10]), mt.tensor(WEIGHT), mt.tensor([0]))


@requires_torch
def test_sparse_embeddings_get_the_dense_form_of_torchs_sparse_gradient():
    w, tw = _weights()
    F.embedding_bag(mt.tensor(FLAT), w, mt.tensor([0, 4]), mode="sum", sparse=True).sum() \
        .backward()
    TF.embedding_bag(torch.tensor(FLAT), tw, torch.tensor([0, 4]), mode="sum", sparse=True) \
        .sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.to_dense().numpy(), rtol=1e-12)
    emb = nn.Embedding(10, 4, sparse=True)
    emb(mt.tensor([1, 1])).sum().backward()
    assert emb.weight.grad[1].tolist() == [2.0] * 4
