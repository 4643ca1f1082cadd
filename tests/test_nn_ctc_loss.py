"""``F.ctc_loss`` and ``nn.CTCLoss``: values against a brute-force sum over every alignment
(NumPy) and against PyTorch when installed; gradients against finite differences (float64)
and, through ``log_softmax``, against PyTorch."""

import itertools

import numpy as np
import pytest
from torch_reference import requires_torch, torch

import microtorch_core as mt
from microtorch_core import nn
from microtorch_core.autograd.gradcheck import gradcheck
from microtorch_core.nn import functional as F

if torch is not None:
    import torch.nn.functional as TF

T, N, C = 12, 4, 5
LOGITS = np.random.default_rng(0).standard_normal((T, N, C))
TARGETS = np.array([[1, 2, 2, 3], [3, 1, 0, 0], [4, 4, 4, 0], [2, 0, 0, 0]])


def _brute_force_nll(log_probs, target, blank=0):
    """-log of the summed probability of every path that collapses to ``target``."""
    frames, classes = log_probs.shape
    total = 0.0
    for path in itertools.product(range(classes), repeat=frames):
        merged = [c for i, c in enumerate(path) if i == 0 or c != path[i - 1]]
        if [c for c in merged if c != blank] == list(target):
            total += np.exp(sum(log_probs[t, c] for t, c in enumerate(path)))
    return -np.log(total)


@pytest.mark.parametrize(("target", "blank"), [([1, 2], 0), ([1, 1], 0), ([2], 1), ([], 0)])
def test_ctc_loss_is_the_negative_log_of_the_sum_over_alignments(target, blank):
    logits = np.random.default_rng(1).standard_normal((5, 3))
    log_probs = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    ours = F.ctc_loss(mt.tensor(log_probs), mt.tensor(target, dtype=mt.int64), [5],
                      [len(target)], blank=blank, reduction="sum")
    assert ours.item() == pytest.approx(_brute_force_nll(log_probs, target, blank), rel=1e-12)


@requires_torch
@pytest.mark.parametrize("zero_infinity", [False, True])
@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
@pytest.mark.parametrize(("input_lengths", "target_lengths"),
                         [([12, 10, 12, 3], [4, 2, 3, 0]), ([2, 12, 12, 12], [4, 1, 3, 1])],
                         ids=["feasible", "one-impossible"])
def test_ctc_loss_and_its_logit_gradient_match_torch(input_lengths, target_lengths, reduction,
                                                     zero_infinity):
    x = mt.tensor(LOGITS, requires_grad=True)
    tx = torch.tensor(LOGITS, requires_grad=True)
    ours = F.ctc_loss(x.log_softmax(2), mt.tensor(TARGETS), input_lengths, target_lengths,
                      reduction=reduction, zero_infinity=zero_infinity)
    theirs = TF.ctc_loss(tx.log_softmax(2), torch.tensor(TARGETS), input_lengths,
                         target_lengths, reduction=reduction, zero_infinity=zero_infinity)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-10)
    if np.isfinite(theirs.detach().numpy()).all():
        w = np.random.default_rng(2).standard_normal(tuple(theirs.shape))
        (ours * mt.tensor(w)).sum().backward()
        (theirs * torch.tensor(w)).sum().backward()
        assert not np.isnan(x.grad.numpy()).any()
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-9, atol=1e-12)


@requires_torch
def test_ctc_loss_takes_concatenated_targets_and_unbatched_input_like_torch():
    log_probs = mt.tensor(LOGITS).log_softmax(2)
    t_log_probs = torch.tensor(LOGITS).log_softmax(2)
    concatenated = [1, 2, 2, 3, 3, 1, 4, 4, 4]
    np.testing.assert_allclose(
        F.ctc_loss(log_probs, mt.tensor(concatenated), [12, 10, 12, 3], [4, 2, 3, 0],
                   reduction="none").numpy(),
        TF.ctc_loss(t_log_probs, torch.tensor(concatenated), [12, 10, 12, 3], [4, 2, 3, 0],
                    reduction="none").numpy(), rtol=1e-12)
    ours = F.ctc_loss(log_probs[:, 0], mt.tensor(TARGETS[0]), mt.tensor(12), mt.tensor(4))
    theirs = TF.ctc_loss(t_log_probs[:, 0], torch.tensor(TARGETS[0]), torch.tensor(12),
                         torch.tensor(4))
    assert ours.shape == () and ours.item() == pytest.approx(theirs.item(), rel=1e-12)


def test_ctc_loss_gradient_for_the_logits_matches_finite_differences():
    logits = mt.tensor(np.random.default_rng(3).standard_normal((5, 2, 4)), requires_grad=True)
    assert gradcheck(lambda z: F.ctc_loss(z.log_softmax(2), mt.tensor([[1, 2], [3, 3]]),
                                          [5, 4], [2, 2], reduction="sum"), (logits,))


@requires_torch
def test_ctc_loss_gradient_for_log_probs_follows_torchs_convention():
    # PyTorch's gradient is exp(log_probs) - posterior, not the derivative -posterior: the
    # two differ by exp(log_probs) over each sequence's frames, whatever the input
    data = np.random.default_rng(4).standard_normal((6, 2, 4))
    lp, t_lp = mt.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    F.ctc_loss(lp, mt.tensor([[1, 2], [3, 3]]), [6, 4], [2, 2]).backward()
    TF.ctc_loss(t_lp, torch.tensor([[1, 2], [3, 3]]), [6, 4], [2, 2]).backward()
    np.testing.assert_allclose(lp.grad.numpy(), t_lp.grad.numpy(), rtol=1e-10, atol=1e-14)
    assert not lp.grad.numpy()[4:, 1].any()  # frames past the second sequence's end


def test_zero_infinity_gives_an_impossible_target_zero_loss_and_gradient():
    x = mt.tensor(LOGITS[:, :1], requires_grad=True)  # 3 frames cannot spell 1 2 2 3
    loss = F.ctc_loss(x.log_softmax(2), mt.tensor(TARGETS[:1]), [3], [4], zero_infinity=True)
    loss.backward()
    assert loss.item() == 0.0 and not x.grad.numpy().any()
    assert F.ctc_loss(x.log_softmax(2), mt.tensor(TARGETS[:1]), [3], [4]).item() == np.inf


def test_ctc_loss_module_passes_its_settings():
    log_probs = mt.tensor(LOGITS).log_softmax(2)
    module = nn.CTCLoss(blank=4, reduction="sum")
    expected = F.ctc_loss(log_probs, mt.tensor(TARGETS % 4), [12] * 4, [4, 2, 3, 0], blank=4,
                          reduction="sum")
    assert module(log_probs, mt.tensor(TARGETS % 4), [12] * 4, [4, 2, 3, 0]).item() == \
        expected.item()


@pytest.mark.parametrize(("kwargs", "message"), [
    (dict(input_lengths=[13, 12, 12, 12]), "Expected input_lengths to have value at most 12"),
    (dict(target_lengths=[5, 2, 3, 0]), "Expected tensor to have size at least 5 at "
                                        "dimension 1"),
    (dict(target_lengths=[4, 2]), "target_lengths must be of size batch_size \\(4\\)"),
    (dict(blank=5), "blank must be in label range"),
    (dict(targets=mt.tensor([[1, 9, 2, 3]] * 4)), "target label 9 is out of range for 5"),
    (dict(input_lengths=mt.tensor([12.0] * 4)), "input_lengths must be integral"),
])
def test_ctc_loss_argument_errors(kwargs, message):
    arguments = dict(log_probs=mt.tensor(LOGITS), targets=mt.tensor(TARGETS),
                     input_lengths=[12] * 4, target_lengths=[4, 2, 3, 0])
    arguments.update(kwargs)
    with pytest.raises(RuntimeError, match=message):
        F.ctc_loss(**arguments)
