"""Variable-length sequences (``nn/utils/rnn.py``) and recurrent layers over packed input
(``nn/rnn_packed.py``): every utility matches ``torch.nn.utils.rnn`` in values, shapes,
``batch_sizes`` and indices, and in gradients (float64); RNN, LSTM and GRU with PyTorch's
weights give PyTorch's packed outputs, final states and gradients; without PyTorch, a packed
batch gives what each sequence gives alone; errors name the values involved."""

import numpy as np
import pytest
from torch_reference import leaf_pair, randn, requires_torch, torch
from torch_reference import to_numpy as _np

import microtorch_core as mt
from microtorch_core import nn
from microtorch_core.nn.utils.rnn import (
    PackedSequence,
    pack_padded_sequence,
    pack_sequence,
    pad_packed_sequence,
    pad_sequence,
    unpack_sequence,
    unpad_sequence,
)

LENGTHS = [3, 5, 1, 4]  # unsorted on purpose; the longest is the padded length
FEATURES = 2


def _sequences(lengths=LENGTHS, seed=0):
    """Float64 sequences (length, FEATURES) as pairs (ours, theirs) of leaves."""
    return [leaf_pair(randn((n, FEATURES), seed + i)) for i, n in enumerate(lengths)]


def _padded_pair(batch_first=False, seed=1):
    """A random padded batch for LENGTHS: (ours, theirs) leaves of shape (T, B, FEATURES)."""
    shape = (max(LENGTHS), len(LENGTHS), FEATURES)
    return leaf_pair(randn(shape[1::-1] + shape[2:] if batch_first else shape, seed))


def _check_packed(ours, theirs, rtol=1e-15, atol=0.0):
    """Same data (exactly, unless computed), batch_sizes (CPU int64) and indices."""
    np.testing.assert_allclose(_np(ours.data), theirs.data.detach().numpy(), rtol=rtol,
                               atol=atol)
    assert ours.batch_sizes.dtype == mt.int64 and ours.batch_sizes.device.type == "cpu"
    assert ours.batch_sizes.tolist() == theirs.batch_sizes.tolist()
    for name in ("sorted_indices", "unsorted_indices"):
        mine, ref = getattr(ours, name), getattr(theirs, name)
        assert (mine is None and ref is None) or mine.tolist() == ref.tolist(), name


def _project(outputs, t_outputs, seed=99):
    """The same random projection of our tensors and PyTorch's: two scalar losses."""
    rng = np.random.default_rng(seed)
    loss, t_loss = 0, 0
    for o, t in zip(outputs, t_outputs):
        w = rng.standard_normal(tuple(t.shape))
        loss = loss + (o * mt.tensor(w)).sum()
        t_loss = t_loss + (t * torch.tensor(w)).sum()
    return loss, t_loss


def _check_grads(pairs):
    for name, a, b in pairs:
        np.testing.assert_allclose(_np(a.grad), b.grad.numpy(), rtol=1e-10, atol=1e-12,
                                   err_msg=name)


# -- pad_sequence, unpad_sequence -----------------------------------------------------------
@requires_torch
@pytest.mark.parametrize("batch_first", [False, True], ids=["seq_first", "batch_first"])
@pytest.mark.parametrize("padding_side", ["right", "left"])
def test_pad_sequence_values_and_gradients_match_torch(batch_first, padding_side):
    pairs = _sequences()
    ours = pad_sequence([a for a, _ in pairs], batch_first, -2.5, padding_side)
    theirs = torch.nn.utils.rnn.pad_sequence([b for _, b in pairs], batch_first, -2.5,
                                             padding_side)
    assert ours.shape == tuple(theirs.shape)
    np.testing.assert_allclose(_np(ours), theirs.detach().numpy(), rtol=1e-15)
    loss, t_loss = _project([ours], [theirs])
    loss.backward()
    t_loss.backward()
    _check_grads([(f"sequence {i}", a, b) for i, (a, b) in enumerate(pairs)])


@requires_torch
def test_pad_sequence_of_integer_sequences_keeps_their_dtype_as_torch():
    seqs = [np.array([1, 2]), np.array([3, 4, 5])]
    ours = pad_sequence([mt.tensor(s) for s in seqs], batch_first=True, padding_value=7)
    theirs = torch.nn.utils.rnn.pad_sequence([torch.tensor(s) for s in seqs], True, 7)
    assert ours.dtype == mt.int64
    assert ours.tolist() == theirs.tolist()


@pytest.mark.parametrize("batch_first", [False, True], ids=["seq_first", "batch_first"])
def test_unpad_sequence_inverts_pad_sequence(batch_first):
    seqs = [a for a, _ in _sequences()]
    padded = pad_sequence(seqs, batch_first, padding_value=9.0)
    for ours, expected in zip(unpad_sequence(padded, mt.tensor(LENGTHS), batch_first), seqs):
        np.testing.assert_array_equal(_np(ours), _np(expected))


# -- pack_padded_sequence, pad_packed_sequence ----------------------------------------------
@requires_torch
@pytest.mark.parametrize("batch_first", [False, True], ids=["seq_first", "batch_first"])
def test_pack_padded_sequence_with_unsorted_lengths_matches_torch(batch_first):
    x, tx = _padded_pair(batch_first)
    ours = pack_padded_sequence(x, LENGTHS, batch_first, enforce_sorted=False)
    theirs = torch.nn.utils.rnn.pack_padded_sequence(tx, LENGTHS, batch_first,
                                                     enforce_sorted=False)
    _check_packed(ours, theirs)
    assert ours.sorted_indices.tolist() == [1, 3, 0, 2]


@requires_torch
def test_pack_padded_sequence_with_sorted_lengths_has_no_indices_as_torch():
    x, tx = _padded_pair()
    lengths = sorted(LENGTHS, reverse=True)
    ours = pack_padded_sequence(x, mt.tensor(lengths))
    _check_packed(ours, torch.nn.utils.rnn.pack_padded_sequence(tx, torch.tensor(lengths)))
    assert ours.batch_sizes.tolist() == [4, 3, 3, 2, 1]


@requires_torch
def test_pack_padded_sequence_keeps_equal_lengths_in_batch_order_as_torch():
    lengths = [2, 3, 2, 3, 1, 3]
    x, tx = leaf_pair(randn((3, 6, 1), 2))
    _check_packed(pack_padded_sequence(x, lengths, enforce_sorted=False),
                  torch.nn.utils.rnn.pack_padded_sequence(tx, lengths, enforce_sorted=False))


@requires_torch
def test_gradients_flow_from_packed_data_back_to_the_padded_input_as_torch():
    x, tx = _padded_pair(batch_first=True)
    ours = pack_padded_sequence(x, LENGTHS, batch_first=True, enforce_sorted=False)
    theirs = torch.nn.utils.rnn.pack_padded_sequence(tx, LENGTHS, batch_first=True,
                                                     enforce_sorted=False)
    loss, t_loss = _project([ours.data], [theirs.data])
    loss.backward()
    t_loss.backward()
    _check_grads([("padded input", x, tx)])
    assert not _np(x.grad)[2, 1:].any()  # the padding of the sequence of length 1


@requires_torch
@pytest.mark.parametrize("batch_first", [False, True], ids=["seq_first", "batch_first"])
@pytest.mark.parametrize("total_length", [None, 7])
def test_pad_packed_sequence_values_lengths_and_gradients_match_torch(batch_first,
                                                                       total_length):
    data, t_data = leaf_pair(randn((sum(LENGTHS), FEATURES), 3))
    batch_sizes, order = [4, 3, 3, 2, 1], [1, 3, 0, 2]
    ours = PackedSequence(data, mt.tensor(batch_sizes), mt.tensor(order))
    theirs = torch.nn.utils.rnn.PackedSequence(t_data, torch.tensor(batch_sizes),
                                               torch.tensor(order))
    padded, lengths = pad_packed_sequence(ours, batch_first, -1.0, total_length)
    t_padded, t_lengths = torch.nn.utils.rnn.pad_packed_sequence(theirs, batch_first, -1.0,
                                                                 total_length)
    assert padded.shape == tuple(t_padded.shape)
    np.testing.assert_allclose(_np(padded), t_padded.detach().numpy(), rtol=1e-15)
    assert lengths.dtype == mt.int64 and lengths.tolist() == t_lengths.tolist() == LENGTHS
    loss, t_loss = _project([padded], [t_padded])
    loss.backward()
    t_loss.backward()
    _check_grads([("packed data", data, t_data)])


@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_pack_then_pad_restores_the_padded_batch(enforce_sorted):
    lengths = sorted(LENGTHS, reverse=True) if enforce_sorted else LENGTHS
    x = pad_sequence([a for a, _ in _sequences(lengths)], padding_value=0.5)
    packed = pack_padded_sequence(x, lengths, enforce_sorted=enforce_sorted)
    padded, got_lengths = pad_packed_sequence(packed, padding_value=0.5)
    np.testing.assert_array_equal(_np(padded), _np(x))
    assert got_lengths.tolist() == lengths


# -- pack_sequence, unpack_sequence, PackedSequence ------------------------------------------
@requires_torch
def test_pack_sequence_matches_torch():
    pairs = _sequences()
    _check_packed(pack_sequence([a for a, _ in pairs], enforce_sorted=False),
                  torch.nn.utils.rnn.pack_sequence([b for _, b in pairs], enforce_sorted=False))


def test_unpack_sequence_inverts_pack_sequence():
    seqs = [a for a, _ in _sequences()]
    for ours, expected in zip(unpack_sequence(pack_sequence(seqs, enforce_sorted=False)), seqs):
        np.testing.assert_array_equal(_np(ours), _np(expected))


def test_packed_sequence_is_a_named_tuple_whose_unsorted_indices_invert_the_sort():
    data = mt.arange(6)
    packed = PackedSequence((data, mt.tensor([3, 2, 1])), sorted_indices=mt.tensor([2, 0, 1]))
    data_out, batch_sizes, sorted_indices, unsorted_indices = packed
    assert data_out is data and batch_sizes.tolist() == [3, 2, 1]
    assert unsorted_indices.tolist() == [1, 2, 0]
    assert packed._fields == ("data", "batch_sizes", "sorted_indices", "unsorted_indices")


def test_packed_sequence_to_converts_the_data_and_keeps_batch_sizes():
    packed = pack_sequence([mt.randn(3, 2), mt.randn(1, 2)])
    assert packed.to("cpu") is packed and packed.float() is packed
    as_double = packed.to(mt.float64)
    assert as_double.data.dtype == mt.float64 and packed.double().data.dtype == mt.float64
    assert as_double.batch_sizes is packed.batch_sizes and not as_double.is_cuda


def test_nn_utils_keeps_its_functions_and_gains_the_rnn_submodule():
    assert mt.nn.utils.rnn.pack_padded_sequence is pack_padded_sequence
    from microtorch_core.nn.utils import clip_grad_norm_, parameters_to_vector
    assert mt.nn.utils.clip_grad_norm_ is clip_grad_norm_
    assert mt.nn.utils.parameters_to_vector is parameters_to_vector


# -- RNN, LSTM and GRU over packed sequences --------------------------------------------------
INPUT, HIDDEN = FEATURES, 3
LAYERS = [("rnn_tanh", "RNN", {}), ("rnn_relu", "RNN", {"nonlinearity": "relu"}),
          ("lstm", "LSTM", {}), ("gru", "GRU", {})]
CONFIGS = {  # name: (constructor arguments, lengths, with an initial state)
    "one_layer_unsorted": ({}, LENGTHS, False),
    "one_layer_sorted_with_state": ({}, sorted(LENGTHS, reverse=True), True),
    "two_layers_bidirectional_with_state": ({"num_layers": 2, "bidirectional": True},
                                            LENGTHS, True),
    "bidirectional_batch_first": ({"bidirectional": True, "batch_first": True}, LENGTHS,
                                  False),
}


def _twins(class_name, **kwargs):
    """A float64 PyTorch layer and ours with PyTorch's parameters, loaded by state dict."""
    torch.manual_seed(0)
    ref = getattr(torch.nn, class_name)(INPUT, HIDDEN, **kwargs).double()
    ours = getattr(nn, class_name)(INPUT, HIDDEN, **kwargs).double()
    ours.load_state_dict({k: mt.tensor(v.numpy()) for k, v in ref.state_dict().items()})
    return ours, ref


def _states(final):
    return list(final) if isinstance(final, tuple) else [final]


@requires_torch
@pytest.mark.parametrize(("kind", "class_name", "kwargs"), LAYERS, ids=[c[0] for c in LAYERS])
@pytest.mark.parametrize("config", list(CONFIGS))
def test_packed_layer_outputs_final_states_and_gradients_match_torch(kind, class_name, kwargs,
                                                                      config):
    options, lengths, with_state = CONFIGS[config]
    ours, ref = _twins(class_name, **kwargs, **options)
    batch_first = options.get("batch_first", False)
    x, tx = _padded_pair(batch_first, seed=4)
    packed = pack_padded_sequence(x, lengths, batch_first, enforce_sorted=False)
    t_packed = torch.nn.utils.rnn.pack_padded_sequence(tx, lengths, batch_first,
                                                       enforce_sorted=False)
    leaves = [("input", x, tx)]
    if with_state:
        layers = options.get("num_layers", 1) * (2 if options.get("bidirectional") else 1)
        count = 2 if class_name == "LSTM" else 1
        states = [leaf_pair(randn((layers, len(lengths), HIDDEN), 5 + i)) for i in range(count)]
        leaves += [(f"state {i}", a, b) for i, (a, b) in enumerate(states)]
        hx = tuple(a for a, _ in states) if count == 2 else states[0][0]
        t_hx = tuple(b for _, b in states) if count == 2 else states[0][1]
        out, final = ours(packed, hx)
        t_out, t_final = ref(t_packed, t_hx)
    else:
        out, final = ours(packed)
        t_out, t_final = ref(t_packed)
    assert isinstance(out, PackedSequence)
    _check_packed(out, t_out, rtol=1e-10, atol=1e-12)
    for state, t_state in zip(_states(final), _states(t_final)):
        assert state.shape == tuple(t_state.shape)
        np.testing.assert_allclose(_np(state), t_state.detach().numpy(), rtol=1e-10, atol=1e-12)
    loss, t_loss = _project([out.data] + _states(final), [t_out.data] + _states(t_final))
    loss.backward()
    t_loss.backward()
    t_params = dict(ref.named_parameters())
    _check_grads(leaves + [(name, p, t_params[name]) for name, p in ours.named_parameters()])


@pytest.mark.parametrize("class_name", ["LSTM", "GRU"])
def test_packed_batch_gives_what_each_sequence_gives_alone(class_name):
    mt.manual_seed(7)
    layer = getattr(nn, class_name)(INPUT, HIDDEN, num_layers=2, bidirectional=True).double()
    seqs = [a.detach() for a, _ in _sequences()]
    out, final = layer(pack_sequence(seqs, enforce_sorted=False))
    outputs = unpack_sequence(out)
    for i, seq in enumerate(seqs):
        alone, alone_final = layer(seq.unsqueeze(1))  # a batch of one, no padding
        np.testing.assert_allclose(_np(outputs[i]), _np(alone[:, 0]), rtol=1e-12, atol=1e-14)
        for state, expected in zip(_states(final), _states(alone_final)):
            np.testing.assert_allclose(_np(state[:, i]), _np(expected[:, 0]), rtol=1e-12,
                                       atol=1e-14)


# -- errors ----------------------------------------------------------------------------------
def test_unsorted_lengths_with_enforce_sorted_name_the_lengths():
    with pytest.raises(RuntimeError, match=r"`lengths` array must be sorted in decreasing "
                                           r"order when `enforce_sorted` is True\. You can "
                                           r"pass `enforce_sorted=False`.*\[3, 5, 1, 4\]"):
        pack_padded_sequence(mt.randn(5, 4, 2), LENGTHS)
    with pytest.raises(RuntimeError, match=r"must be sorted.*\[1, 2\]"):
        pack_sequence([mt.randn(1, 2), mt.randn(2, 2)])


def test_a_zero_length_names_the_lengths():
    with pytest.raises(RuntimeError, match=r"Length of all samples has to be greater than 0, "
                                           r"but found an element in 'lengths' that is <= 0 "
                                           r"\(lengths: \[3, 0, 1\]\)"):
        pack_padded_sequence(mt.randn(3, 3, 2), [3, 0, 1], enforce_sorted=False)


def test_lengths_that_do_not_fit_the_padded_batch_are_errors():
    with pytest.raises(RuntimeError, match=r"Expected `len\(lengths\)` to be equal to "
                                           r"batch_size, but got 2 \(batch_size=3\)"):
        pack_padded_sequence(mt.randn(4, 3, 2), [4, 3])
    with pytest.raises(RuntimeError, match=r"a length of 5 is longer than the input's 4 time "
                                           r"steps \(lengths: \[5, 3, 1\]\)"):
        pack_padded_sequence(mt.randn(4, 3, 2), [5, 3, 1])
    with pytest.raises(RuntimeError, match=r"Cannot pack empty tensors \(input of shape "
                                           r"\(0, 3, 2\)\)"):
        pack_padded_sequence(mt.randn(0, 3, 2), [1, 1, 1])


def test_total_length_shorter_than_the_longest_sequence_names_both():
    packed = pack_sequence([mt.randn(4, 2), mt.randn(2, 2)])
    with pytest.raises(ValueError, match="Expected total_length to be at least the length of "
                                         "the longest sequence in input, but got "
                                         "total_length=3 and max sequence length being 4"):
        pad_packed_sequence(packed, total_length=3)


def test_pad_sequence_errors_name_the_shapes_or_the_padding_side():
    with pytest.raises(RuntimeError, match=r"same trailing dimensions, got shape \(2, 3\) at "
                                           r"index 0 and \(2, 4\) at index 1"):
        pad_sequence([mt.zeros(2, 3), mt.zeros(2, 4)])
    with pytest.raises(RuntimeError, match="Expected padding_side to be one of left or right, "
                                           "but got middle."):
        pad_sequence([mt.zeros(2)], padding_side="middle")
    with pytest.raises(RuntimeError, match="received an empty list of sequences"):
        pad_sequence([])


def test_packed_input_to_a_layer_is_checked_like_padded_input():
    packed = pack_sequence([mt.randn(3, 2), mt.randn(2, 2)])
    with pytest.raises(RuntimeError, match=r"input.size\(-1\) must be equal to input_size. "
                                           "Expected 5, got 2"):
        nn.GRU(5, 4)(packed)
    with pytest.raises(RuntimeError, match=r"Expected hidden\[1\] size \(1, 2, 4\), got "
                                           r"\[1, 3, 4\]"):
        nn.LSTM(2, 4)(packed, (mt.zeros(1, 2, 4), mt.zeros(1, 3, 4)))
    with pytest.raises(ValueError, match=r"RNN input dtype \(float64\) does not match weight "
                                         r"dtype \(float32\)"):
        nn.RNN(2, 4)(packed.double())
