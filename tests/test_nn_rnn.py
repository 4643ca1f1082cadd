"""Recurrent layers (``nn/rnn.py``): with PyTorch's parameters copied in through
``load_state_dict``, outputs, final states and the gradients with respect to the input, the
initial state and every parameter match ``torch.nn`` (float64); gradients match finite
differences; an LSTM learns a memory task; errors name what was wrong."""

import math
import warnings

import numpy as np
import pytest
from torch_reference import leaf_pair, randn, requires_torch, torch
from torch_reference import to_numpy as _np

import microtorch_core as mt
from microtorch_core import nn
from microtorch_core.autograd.gradcheck import gradcheck

SEQ, BATCH, INPUT, HIDDEN = 4, 3, 3, 5

# (name, class name, extra constructor arguments)
LAYERS = [("rnn_tanh", "RNN", {}), ("rnn_relu", "RNN", {"nonlinearity": "relu"}),
          ("lstm", "LSTM", {}), ("gru", "GRU", {})]
CELLS = [("rnn_tanh", "RNNCell", {}), ("rnn_relu", "RNNCell", {"nonlinearity": "relu"}),
         ("lstm", "LSTMCell", {}), ("gru", "GRUCell", {})]


def _twins(class_name, *args, **kwargs):
    """A float64 PyTorch module and ours with PyTorch's parameters, loaded by state dict."""
    torch.manual_seed(0)
    ref = getattr(torch.nn, class_name)(*args, **kwargs).double()
    ours = getattr(nn, class_name)(*args, **kwargs).double()
    ours.load_state_dict({k: mt.tensor(v.numpy()) for k, v in ref.state_dict().items()})
    return ours, ref


def _flat(out):
    """(output, h) / (output, (h, c)) / h / (h, c) as a flat list of tensors."""
    if not isinstance(out, tuple):
        return [out]
    return [t for part in out for t in _flat(part)]


def _check_against_torch(ours, ref, out, t_out, leaves):
    """Every output agrees with PyTorch's, and so do the gradients of one random projection
    of all of them with respect to each (ours, theirs) leaf and every parameter."""
    outs, t_outs = _flat(out), _flat(t_out)
    assert [o.shape for o in outs] == [tuple(t.shape) for t in t_outs]
    rng = np.random.default_rng(99)
    loss, t_loss = 0, 0
    for o, t in zip(outs, t_outs):
        np.testing.assert_allclose(_np(o), t.detach().numpy(), rtol=1e-10, atol=1e-12)
        w = rng.standard_normal(tuple(t.shape))
        loss = loss + (o * mt.tensor(w)).sum()
        t_loss = t_loss + (t * torch.tensor(w)).sum()
    loss.backward()
    t_loss.backward()
    t_params = dict(ref.named_parameters())
    pairs = [(f"leaf {i}", a, b) for i, (a, b) in enumerate(leaves)]
    pairs += [(name, p, t_params[name]) for name, p in ours.named_parameters()]
    assert len(pairs) == len(leaves) + len(t_params)
    for name, a, b in pairs:
        np.testing.assert_allclose(_np(a.grad), b.grad.numpy(), rtol=1e-10, atol=1e-12,
                                   err_msg=name)


def _state_pairs(class_name, shape, seed):
    """Initial states for ``class_name``: [(ours, theirs)] (two pairs, h and c, for LSTM)."""
    n = 2 if class_name.startswith("LSTM") else 1
    return [leaf_pair(randn(shape, seed + i)) for i in range(n)]


def _hx(pairs, side):
    states = tuple(p[side] for p in pairs)
    return states if len(states) == 2 else states[0]


# -- cells --------------------------------------------------------------------------------------
@requires_torch
@pytest.mark.parametrize(("kind", "class_name", "kwargs"), CELLS, ids=[c[0] for c in CELLS])
@pytest.mark.parametrize("case", ["batched", "batched_without_state", "unbatched"])
def test_cell_outputs_and_gradients_match_torch(kind, class_name, kwargs, case):
    ours, ref = _twins(class_name, INPUT, HIDDEN, **kwargs)
    batch = () if case == "unbatched" else (BATCH,)
    x, tx = leaf_pair(randn(batch + (INPUT,), 1))
    leaves = [(x, tx)]
    if case == "batched_without_state":
        out, t_out = ours(x), ref(tx)
    else:
        states = _state_pairs(class_name, batch + (HIDDEN,), 2)
        leaves += states
        out, t_out = ours(x, _hx(states, 0)), ref(tx, _hx(states, 1))
    _check_against_torch(ours, ref, out, t_out, leaves)


@requires_torch
@pytest.mark.parametrize(("kind", "class_name", "kwargs"), CELLS, ids=[c[0] for c in CELLS])
def test_cell_without_bias_matches_torch(kind, class_name, kwargs):
    ours, ref = _twins(class_name, INPUT, HIDDEN, bias=False, **kwargs)
    x, tx = leaf_pair(randn((BATCH, INPUT), 3))
    _check_against_torch(ours, ref, ours(x), ref(tx), [(x, tx)])


# -- layers -------------------------------------------------------------------------------------
CONFIGS = {  # name: (constructor arguments, batched, with an initial state)
    "two_layers_bidirectional_with_state": ({"num_layers": 2, "bidirectional": True}, True,
                                            True),
    "two_layers_bidirectional_batch_first": ({"num_layers": 2, "bidirectional": True,
                                              "batch_first": True}, True, False),
    "batch_first_without_bias_with_state": ({"batch_first": True, "bias": False}, True, True),
    "unbatched_two_layers_bidirectional_with_state": ({"num_layers": 2, "bidirectional": True},
                                                      False, True),
    "unbatched_batch_first_without_state": ({"batch_first": True}, False, False),
}


@requires_torch
@pytest.mark.parametrize(("kind", "class_name", "kwargs"), LAYERS, ids=[c[0] for c in LAYERS])
@pytest.mark.parametrize("config", list(CONFIGS))
def test_layer_outputs_final_states_and_gradients_match_torch(kind, class_name, kwargs,
                                                               config):
    options, batched, with_state = CONFIGS[config]
    ours, ref = _twins(class_name, INPUT, HIDDEN, **kwargs, **options)
    shape = (SEQ, INPUT)
    if batched:
        shape = (BATCH, SEQ, INPUT) if options.get("batch_first") else (SEQ, BATCH, INPUT)
    x, tx = leaf_pair(randn(shape, 4))
    leaves = [(x, tx)]
    if with_state:
        layers = options.get("num_layers", 1) * (2 if options.get("bidirectional") else 1)
        states = _state_pairs(class_name, (layers, BATCH, HIDDEN) if batched
                              else (layers, HIDDEN), 5)
        leaves += states
        out, t_out = ours(x, _hx(states, 0)), ref(tx, _hx(states, 1))
    else:
        out, t_out = ours(x), ref(tx)
    _check_against_torch(ours, ref, out, t_out, leaves)


@requires_torch
@pytest.mark.parametrize("class_name", ["RNN", "LSTM", "GRU", "RNNCell", "LSTMCell",
                                        "GRUCell"])
@pytest.mark.parametrize("options", [{}, {"bias": False, "num_layers": 2, "bidirectional": True}],
                         ids=["default", "no_bias_two_layers_bidirectional"])
def test_state_dict_keys_shapes_and_order_match_torch(class_name, options):
    if class_name.endswith("Cell"):
        options = {"bias": options.get("bias", True)}
    ours = getattr(nn, class_name)(INPUT, HIDDEN, **options)
    ref = getattr(torch.nn, class_name)(INPUT, HIDDEN, **options)
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in ref.state_dict().items()]
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in ref.named_parameters()]


@requires_torch
def test_reprs_match_torch():
    cases = [("RNN", (3, 4), {"num_layers": 2, "nonlinearity": "relu", "bias": False,
                              "batch_first": True, "dropout": 0.5, "bidirectional": True}),
             ("LSTM", (3, 4), {}), ("GRU", (3, 4), {"num_layers": 3}),
             ("RNNCell", (3, 4), {"bias": False, "nonlinearity": "relu"}),
             ("LSTMCell", (3, 4), {}), ("GRUCell", (3, 4), {"bias": False})]
    for class_name, args, kwargs in cases:
        assert repr(getattr(nn, class_name)(*args, **kwargs)) == \
            repr(getattr(torch.nn, class_name)(*args, **kwargs))


# -- without PyTorch: finite differences, the cells, initialisation, training -------------------
def test_lstm_gradients_match_finite_differences():
    mt.manual_seed(0)
    lstm = nn.LSTM(2, 3, num_layers=2, bidirectional=True).double()
    x = mt.randn(3, 2, 2, dtype=mt.float64, requires_grad=True)
    h0 = mt.randn(4, 2, 3, dtype=mt.float64, requires_grad=True)
    c0 = mt.randn(4, 2, 3, dtype=mt.float64, requires_grad=True)

    def run(x, h0, c0):
        out, (h_n, c_n) = lstm(x, (h0, c0))
        return out, h_n, c_n

    assert gradcheck(run, (x, h0, c0))


def test_lstm_weight_gradient_matches_finite_differences():
    mt.manual_seed(1)
    lstm = nn.LSTM(2, 2).double()
    x = mt.randn(3, 1, 2, dtype=mt.float64)

    def loss():
        out, (_, c_n) = lstm(x)
        return out.sum() + c_n.sum()

    loss().backward()
    w = lstm.weight_hh_l0
    base, numerical = _np(w).copy(), np.zeros(w.shape)
    for i in np.ndindex(*w.shape):
        for sign in (1, -1):
            bumped = base.copy()
            bumped[i] += sign * 1e-6
            w.data = mt.tensor(bumped)
            numerical[i] += sign * loss().item() / 2e-6
    np.testing.assert_allclose(_np(w.grad), numerical, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize(("layer", "cell", "kwargs"),
                         [("RNN", "RNNCell", {"nonlinearity": "relu"}), ("LSTM", "LSTMCell", {}),
                          ("GRU", "GRUCell", {})], ids=["rnn_relu", "lstm", "gru"])
def test_layer_is_its_cell_applied_step_by_step(layer, cell, kwargs):
    mt.manual_seed(2)
    net = getattr(nn, layer)(INPUT, HIDDEN, **kwargs).double()
    step = getattr(nn, cell)(INPUT, HIDDEN, **kwargs).double()
    step.load_state_dict({k[:-3]: v for k, v in net.state_dict().items()})  # drop "_l0"
    x = mt.randn(SEQ, BATCH, INPUT, dtype=mt.float64)
    out, final = net(x)
    state = None
    for t in range(SEQ):
        state = step(x[t], state)
        h = state[0] if isinstance(state, tuple) else state
        np.testing.assert_allclose(_np(out[t]), _np(h), rtol=1e-12)
    for ours, expected in zip(_flat(final), _flat(state)):
        np.testing.assert_allclose(_np(ours[0]), _np(expected), rtol=1e-12)


def test_feeding_the_final_state_back_continues_the_sequence():
    mt.manual_seed(3)
    lstm = nn.LSTM(INPUT, HIDDEN, num_layers=2).double()
    x = mt.randn(6, BATCH, INPUT, dtype=mt.float64)
    whole, (h, c) = lstm(x)
    first, state = lstm(x[:2])
    second, (h2, c2) = lstm(x[2:], state)
    np.testing.assert_allclose(_np(mt.cat([first, second])), _np(whole), rtol=1e-12)
    np.testing.assert_allclose(_np(h2), _np(h), rtol=1e-12)
    np.testing.assert_allclose(_np(c2), _np(c), rtol=1e-12)


@pytest.mark.parametrize("class_name", ["RNN", "LSTM", "GRU", "LSTMCell"])
def test_parameters_are_uniform_within_one_over_sqrt_hidden_size(class_name):
    mt.manual_seed(4)
    hidden = 64
    bound = 1 / math.sqrt(hidden)
    for name, p in getattr(nn, class_name)(32, hidden).named_parameters():
        values = _np(p)
        assert values.min() >= -bound and values.max() <= bound, name
        assert values.max() > 0.9 * bound and values.min() < -0.9 * bound, name


def test_dropout_applies_between_layers_only_in_training():
    mt.manual_seed(5)
    gru = nn.GRU(INPUT, HIDDEN, num_layers=2, dropout=1.0).double()
    top = nn.GRU(HIDDEN, HIDDEN).double()  # layer 1 alone, to predict the training output
    top.load_state_dict({k.replace("_l1", "_l0"): v for k, v in gru.state_dict().items()
                         if k.endswith("_l1")})
    x = mt.randn(SEQ, BATCH, INPUT, dtype=mt.float64)
    out, h_n = gru(x)  # dropout=1: layer 1 sees zeros; the output itself is not dropped
    expected, _ = top(mt.zeros(SEQ, BATCH, HIDDEN, dtype=mt.float64))
    np.testing.assert_allclose(_np(out), _np(expected), rtol=1e-12)
    gru.eval()
    out_eval, h_eval = gru(x)
    np.testing.assert_allclose(_np(h_eval[0]), _np(h_n[0]), rtol=1e-12)  # layer 0 unchanged
    assert not np.allclose(_np(out_eval), _np(out))


def test_default_dtype_is_float32_and_the_state_follows_the_input():
    out, (h, c) = nn.LSTM(INPUT, HIDDEN)(mt.randn(SEQ, BATCH, INPUT))
    assert out.dtype == h.dtype == c.dtype == mt.float32
    assert nn.GRUCell(INPUT, HIDDEN, dtype=mt.float64).weight_ih.dtype == mt.float64


def test_lstm_learns_to_recall_the_first_element_of_a_sequence():
    """After 60 Adam steps on fresh batches, the error on held-out sequences is far below
    1/3, the best any prediction that ignores the first element can do."""
    mt.manual_seed(6)
    rng = np.random.default_rng(6)
    lstm, head = nn.LSTM(1, 12, batch_first=True), nn.Linear(12, 1)
    opt = mt.optim.Adam(list(lstm.parameters()) + list(head.parameters()), lr=0.05)

    def sequences(n):
        return mt.tensor(rng.uniform(-1, 1, (n, 6, 1)).astype(np.float32))

    def loss_on(x):
        out, _ = lstm(x)
        return ((head(out[:, -1]) - x[:, 0]) ** 2).mean()

    held_out = sequences(64)
    before = loss_on(held_out).item()
    for _ in range(60):
        loss = loss_on(sequences(32))
        opt.zero_grad()
        loss.backward()
        opt.step()
    after = loss_on(held_out).item()
    assert after < 0.1 and after < 0.25 * before, (before, after)


# -- errors -------------------------------------------------------------------------------------
def test_wrong_input_size_names_expected_and_actual_sizes():
    with pytest.raises(RuntimeError, match=r"input.size\(-1\) must be equal to input_size. "
                                           "Expected 10, got 7"):
        nn.LSTM(10, 4)(mt.randn(5, 3, 7))
    with pytest.raises(RuntimeError, match=r"GRUCell: input.size\(-1\) must be equal to "
                                           "input_size. Expected 10, got 7"):
        nn.GRUCell(10, 4)(mt.randn(3, 7))


def test_wrong_initial_state_shape_names_both_shapes():
    with pytest.raises(RuntimeError, match=r"Expected hidden size \(2, 3, 4\), got "
                                           r"\[2, 5, 4\]"):
        nn.GRU(10, 4, num_layers=2)(mt.randn(6, 3, 10), mt.zeros(2, 5, 4))
    with pytest.raises(RuntimeError, match=r"Expected hidden\[1\] size \(2, 3, 4\), got "
                                           r"\[2, 3, 5\]"):
        nn.LSTM(10, 4, bidirectional=True)(mt.randn(6, 3, 10),
                                           (mt.zeros(2, 3, 4), mt.zeros(2, 3, 5)))
    with pytest.raises(RuntimeError, match=r"LSTMCell: Expected hx\[0\] size \(3, 4\), got "
                                           r"\[2, 4\]"):
        nn.LSTMCell(10, 4)(mt.randn(3, 10), (mt.zeros(2, 4), mt.zeros(3, 4)))


def test_state_of_the_wrong_rank_for_the_input_is_an_error():
    with pytest.raises(RuntimeError, match="For unbatched 2-D input, hx and cx should also be "
                                           r"2-D but got \(3-D, 3-D\) tensors"):
        nn.LSTM(10, 4)(mt.randn(5, 10), (mt.zeros(1, 3, 4), mt.zeros(1, 3, 4)))
    with pytest.raises(RuntimeError, match="For batched 3-D input, hx should also be 3-D but "
                                           "got 2-D tensor"):
        nn.RNN(10, 4)(mt.randn(5, 3, 10), mt.zeros(1, 4))
    with pytest.raises(ValueError, match="RNNCell: Expected hidden to be 1D like the input, "
                                         "got 2D"):
        nn.RNNCell(10, 4)(mt.randn(10), mt.zeros(1, 4))


def test_input_of_the_wrong_rank_or_dtype_or_length_is_an_error():
    with pytest.raises(ValueError, match="GRU: Expected input to be 2D or 3D, got 4D"):
        nn.GRU(10, 4)(mt.randn(5, 3, 10, 1))
    with pytest.raises(ValueError, match="LSTMCell: Expected input to be 1D or 2D, got 3D"):
        nn.LSTMCell(10, 4)(mt.randn(5, 3, 10))
    with pytest.raises(ValueError, match=r"LSTM input dtype \(float64\) does not match weight "
                                         r"dtype \(float32\)"):
        nn.LSTM(10, 4)(mt.randn(5, 3, 10, dtype=mt.float64))
    with pytest.raises(RuntimeError, match="Expected sequence length to be larger than 0"):
        nn.GRU(10, 4)(mt.zeros(0, 3, 10))


def test_unsupported_or_invalid_constructor_arguments_are_errors():
    with pytest.raises(NotImplementedError, match="proj_size=2 is not supported"):
        nn.LSTM(10, 4, proj_size=2)
    with pytest.raises(ValueError, match="Unknown nonlinearity 'sigmoid'. Select from 'tanh' "
                                         "or 'relu'."):
        nn.RNN(10, 4, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="Unknown nonlinearity"):
        nn.RNNCell(10, 4, nonlinearity="gelu")
    with pytest.raises(ValueError, match=r"dropout should be a number in range \[0, 1\]"):
        nn.GRU(10, 4, num_layers=2, dropout=1.5)
    with pytest.raises(ValueError, match="num_layers must be greater than zero"):
        nn.GRU(10, 4, num_layers=0)
    with pytest.raises(TypeError, match="hidden_size should be of type int, got: float"):
        nn.LSTM(10, 4.0)


def test_dropout_with_a_single_layer_warns_as_torch_does():
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1, "
                                         "but got dropout=0.5 and num_layers=1"):
        nn.GRU(10, 4, dropout=0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.GRU(10, 4, num_layers=2, dropout=0.5)


def test_initial_state_of_the_wrong_kind_is_an_error():
    with pytest.raises(TypeError, match=r"LSTM: hx must be a pair \(h_0, c_0\) of tensors, "
                                        "got Tensor"):
        nn.LSTM(10, 4)(mt.randn(5, 3, 10), mt.zeros(1, 3, 4))
    with pytest.raises(TypeError, match="GRU: hx must be a Tensor, got tuple"):
        nn.GRU(10, 4)(mt.randn(5, 3, 10), (mt.zeros(1, 3, 4),))
