"""Recurrent layers, as ``torch.nn``: ``RNNCell``, ``LSTMCell``, ``GRUCell`` (one time step)
and ``RNN``, ``LSTM``, ``GRU`` (whole sequences, stacked and optionally bidirectional).

Everything is a composite of Tensor ops, so it runs on every backend and autograd gives the
gradients (backpropagation through time is just the backward of the unrolled loop). A layer
computes x W_ih^T + b_ih for every time step in one matmul, as cuDNN does, and loops over
time in Python only for the part that depends on the previous state, h W_hh^T + b_hh.

Parameter names, shapes, order, gate order and initialisation are PyTorch's, so a
``torch.nn.LSTM``'s ``state_dict`` loads into ours and gives the same numbers (tested):

* per layer ``k`` and direction: ``weight_ih_l{k}`` (gates * hidden, input),
  ``weight_hh_l{k}`` (gates * hidden, hidden), ``bias_ih_l{k}``, ``bias_hh_l{k}``
  (gates * hidden,), with the suffix ``_reverse`` for the backward direction;
* gates stacked in the order i, f, g, o (LSTM) and r, z, n (GRU), with PyTorch's GRU
  n = tanh(W_in x + b_in + r * (W_hn h + b_hn)) (the reset gate multiplies W_hn h + b_hn);
* every weight and bias drawn from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)).

The layers also take a ``PackedSequence`` (``nn.utils.rnn.pack_padded_sequence``) and
return one, with each sequence's final state taken at its own last element;
``nn/rnn_packed.py`` runs that case with the same cells. Not supported: ``LSTM(proj_size > 0)``.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Callable

from .. import dtypes
from ..creation import empty, zeros
from ..device import DeviceLike
from ..ops import cat, stack
from ..ops.composite.indexing import unbind
from ..tensor import Tensor
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter
from .rnn_packed import run_packed
from .utils.rnn import PackedSequence

State = tuple[Tensor, ...]  # (h,) for RNN and GRU, (h, c) for LSTM
# runs one layer in one direction: (x, state, index of layer and direction, reverse) ->
# (outputs, final state)
RunDirection = Callable[[Tensor, State, int, bool], tuple[Tensor, State]]


# -- one time step: the math of each cell --------------------------------------------------------
# ``gi`` is the input's share of the gates, x W_ih^T + b_ih, computed by the caller (for a layer,
# for all time steps at once); the step adds the state's share and applies the gates.
def _rnn_step(gi: Tensor, h: Tensor, w_hh: Tensor, b_hh: Tensor | None,
              nonlinearity: str) -> Tensor:
    """h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh), act being tanh or relu."""
    pre = gi + F.linear(h, w_hh, b_hh)
    return pre.tanh() if nonlinearity == "tanh" else pre.relu()


def _lstm_step(gi: Tensor, h: Tensor, c: Tensor, w_hh: Tensor,
               b_hh: Tensor | None) -> tuple[Tensor, Tensor]:
    """Gates i, f, g, o = split(x W_ih^T + b_ih + h W_hh^T + b_hh);
    c' = sigmoid(f) c + sigmoid(i) tanh(g), h' = sigmoid(o) tanh(c')."""
    i, f, g, o = (gi + F.linear(h, w_hh, b_hh)).chunk(4, -1)
    c = f.sigmoid() * c + i.sigmoid() * g.tanh()
    return o.sigmoid() * c.tanh(), c


def _gru_step(gi: Tensor, h: Tensor, w_hh: Tensor, b_hh: Tensor | None) -> Tensor:
    """r = sigmoid(x_r + h_r), z = sigmoid(x_z + h_z), n = tanh(x_n + r h_n),
    h' = (1 - z) n + z h, where x_* and h_* are the thirds of x W_ih^T + b_ih and
    h W_hh^T + b_hh."""
    x_r, x_z, x_n = gi.chunk(3, -1)
    h_r, h_z, h_n = F.linear(h, w_hh, b_hh).chunk(3, -1)
    r = (x_r + h_r).sigmoid()
    z = (x_z + h_z).sigmoid()
    n = (x_n + r * h_n).tanh()
    return n + z * (h - n)


def _check_nonlinearity(nonlinearity: str) -> None:
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or "
                         "'relu'.")


def _check_hidden_size(hidden_size: int) -> None:
    if not isinstance(hidden_size, int) or isinstance(hidden_size, bool):
        raise TypeError(f"hidden_size should be of type int, got: {type(hidden_size).__name__}")
    if hidden_size <= 0:
        raise ValueError(f"hidden_size must be greater than zero, got {hidden_size}")


def _check_dtype(name: str, input: Tensor, weight: Tensor) -> None:  # noqa: A002
    if input.dtype is not weight.dtype:
        raise ValueError(f"{name} input dtype ({input.dtype.name}) does not match weight dtype "
                         f"({weight.dtype.name}). Convert input: input.to({weight.dtype.name}), "
                         f"or convert model: model.to({input.dtype.name})")


def _as_state(name: str, hx: object, pair: bool) -> State | None:
    """``hx`` as a tuple of state tensors (None stays None): a tensor, or for an LSTM a pair
    (h, c) of tensors."""
    if hx is None:
        return None
    if pair:
        if isinstance(hx, (tuple, list)) and len(hx) == 2 and all(
                isinstance(s, Tensor) for s in hx):
            return tuple(hx)
        raise TypeError(f"{name}: hx must be a pair (h_0, c_0) of tensors, got "
                        f"{type(hx).__name__}")
    if isinstance(hx, Tensor):
        return (hx,)
    raise TypeError(f"{name}: hx must be a Tensor, got {type(hx).__name__}")


# -- cells ---------------------------------------------------------------------------------------
class RNNCellBase(Module):
    """What the three cells share: ``weight_ih`` (gates * hidden_size, input_size),
    ``weight_hh`` (gates * hidden_size, hidden_size), ``bias_ih`` and ``bias_hh``
    (gates * hidden_size,), and the checks of the input and the state."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int,
                 device: DeviceLike | None = None, dtype: dtypes.DType | None = None) -> None:
        super().__init__()
        _check_hidden_size(hidden_size)
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        gates = num_chunks * hidden_size
        self.weight_ih = Parameter(empty(gates, input_size, device=device, dtype=dtype))
        self.weight_hh = Parameter(empty(gates, hidden_size, device=device, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(empty(gates, device=device, dtype=dtype))
            self.bias_hh = Parameter(empty(gates, device=device, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw every weight and bias from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def _prepare(self, input: Tensor, state: State | None,  # noqa: A002
                 state_names: tuple[str, ...]) -> tuple[Tensor, State, bool]:
        """Check the input (batch, input_size) or (input_size,) and the state tensors (batch,
        hidden_size) or (hidden_size,); return them batched, zeros for a missing state, and
        whether the input was batched."""
        name = type(self).__name__
        if input.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D "
                             "instead")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"{name}: input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {input.shape[-1]}")
        _check_dtype(name, input, self.weight_ih)
        batched = input.dim() == 2
        if not batched:
            input = input.unsqueeze(0)
        expected = (input.shape[0], self.hidden_size)
        if state is None:
            state = tuple(zeros(*expected, dtype=input.dtype, device=input.device)
                          for _ in state_names)
            return input, state, batched
        for s, state_name in zip(state, state_names):
            if s.dim() != (2 if batched else 1):
                raise ValueError(f"{name}: Expected {state_name} to be "
                                 f"{'2D' if batched else '1D'} like the input, got {s.dim()}D")
        if not batched:
            state = tuple(s.unsqueeze(0) for s in state)
        for s, state_name in zip(state, state_names):
            if tuple(s.shape) != expected:
                raise RuntimeError(f"{name}: Expected {state_name} size {expected}, got "
                                   f"{list(s.shape)}")
        return input, state, batched

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s


class RNNCell(RNNCellBase):
    """An Elman RNN cell: h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu).

    ``forward(input, hx=None)``: input (batch, input_size) or unbatched (input_size,); hx of
    the matching shape (batch, hidden_size) or (hidden_size,), zeros if omitted. Returns h'.

    >>> cell = RNNCell(4, 8)
    >>> h = cell(microtorch_core.randn(3, 4))
    >>> cell(microtorch_core.randn(3, 4), h).shape
    (3, 8)
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device: DeviceLike | None = None,
                 dtype: dtypes.DType | None = None) -> None:
        _check_nonlinearity(nonlinearity)
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:  # noqa: A002
        x, (h,), batched = self._prepare(input, _as_state(type(self).__name__, hx, False),
                                         ("hidden",))
        h = _rnn_step(F.linear(x, self.weight_ih, self.bias_ih), h, self.weight_hh,
                      self.bias_hh, self.nonlinearity)
        return h if batched else h.squeeze(0)


class LSTMCell(RNNCellBase):
    """A long short-term memory cell (Hochreiter & Schmidhuber, 1997), gates i, f, g, o:
    c' = sigmoid(f) c + sigmoid(i) tanh(g), h' = sigmoid(o) tanh(c').

    ``forward(input, hx=None)``: input (batch, input_size) or (input_size,); hx the pair
    (h, c), each (batch, hidden_size) or (hidden_size,), zeros if omitted. Returns (h', c').

    >>> h, c = LSTMCell(4, 8)(microtorch_core.randn(3, 4))
    >>> h.shape, c.shape
    ((3, 8), (3, 8))
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 device: DeviceLike | None = None, dtype: dtypes.DType | None = None) -> None:
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input: Tensor,  # noqa: A002
                hx: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, Tensor]:
        x, (h, c), batched = self._prepare(input, _as_state("LSTMCell", hx, True),
                                           ("hx[0]", "hx[1]"))
        h, c = _lstm_step(F.linear(x, self.weight_ih, self.bias_ih), h, c, self.weight_hh,
                          self.bias_hh)
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """A gated recurrent unit cell (Cho et al., 2014), gates r, z, n as PyTorch:
    n = tanh(W_in x + b_in + r (W_hn h + b_hn)), h' = (1 - z) n + z h.

    ``forward(input, hx=None)``: as ``RNNCell``; returns h'.

    >>> GRUCell(4, 8)(microtorch_core.randn(4)).shape
    (8,)
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 device: DeviceLike | None = None, dtype: dtypes.DType | None = None) -> None:
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:  # noqa: A002
        x, (h,), batched = self._prepare(input, _as_state(type(self).__name__, hx, False),
                                         ("hidden",))
        h = _gru_step(F.linear(x, self.weight_ih, self.bias_ih), h, self.weight_hh,
                      self.bias_hh)
        return h if batched else h.squeeze(0)


# -- layers over whole sequences -----------------------------------------------------------------
_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


class RNNBase(Module):
    """What ``RNN``, ``LSTM`` and ``GRU`` share: the parameters of every layer and direction,
    the shape checks, and the loop over layers, directions and time steps.

    ``mode`` is ``'RNN_TANH'``, ``'RNN_RELU'``, ``'LSTM'`` or ``'GRU'``. Layer ``k > 0`` reads
    the outputs of layer ``k - 1`` (both directions concatenated), with ``dropout`` applied
    to them in training mode.
    """

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0,
                 device: DeviceLike | None = None, dtype: dtypes.DType | None = None) -> None:
        super().__init__()
        if mode not in _GATES:
            raise ValueError(f"Unrecognized RNN mode: {mode!r} (expected one of "
                             f"{', '.join(_GATES)})")
        if (not isinstance(dropout, numbers.Number) or isinstance(dropout, bool)
                or not 0 <= dropout <= 1):
            raise ValueError("dropout should be a number in range [0, 1] representing the "
                             f"probability of an element being zeroed, got {dropout!r}")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so "
                          "non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}", stacklevel=3)
        _check_hidden_size(hidden_size)
        if num_layers <= 0:
            raise ValueError(f"num_layers must be greater than zero, got {num_layers}")
        if proj_size != 0:
            raise NotImplementedError(
                f"{mode}: proj_size={proj_size} is not supported (LSTM projections are left "
                "out of MicroTorch); follow the LSTM with a Linear(hidden_size, proj_size) on "
                "its outputs instead")
        self.mode, self.input_size, self.hidden_size = mode, input_size, hidden_size
        self.num_layers, self.bias, self.batch_first = num_layers, bias, batch_first
        self.dropout, self.bidirectional = float(dropout), bidirectional
        self.proj_size = proj_size
        gates = _GATES[mode] * hidden_size
        num_directions = 2 if bidirectional else 1
        self._all_weights: list[list[str]] = []
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else hidden_size * num_directions
            for direction in range(num_directions):
                sfx = f"_l{layer}{'_reverse' if direction == 1 else ''}"
                shapes = {f"weight_ih{sfx}": (gates, layer_input),
                          f"weight_hh{sfx}": (gates, hidden_size)}
                if bias:
                    shapes.update({f"bias_ih{sfx}": (gates,), f"bias_hh{sfx}": (gates,)})
                for name, shape in shapes.items():
                    setattr(self, name, Parameter(empty(*shape, device=device, dtype=dtype)))
                self._all_weights.append(list(shapes))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw every weight and bias from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def flatten_parameters(self) -> None:
        """Nothing to do: PyTorch packs the weights into one buffer for cuDNN; here each
        weight is its own tensor. Kept so that code written for PyTorch runs unchanged."""

    @property
    def all_weights(self) -> list[list[Parameter]]:
        """The parameters of each layer and direction: [[w_ih, w_hh, b_ih, b_hh], ...]."""
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def _weights(self, index: int) -> tuple[Tensor, Tensor, Tensor | None, Tensor | None]:
        """(w_ih, w_hh, b_ih, b_hh) of layer-and-direction ``index`` (biases None without
        ``bias``)."""
        w = self.all_weights[index]
        return (w[0], w[1], w[2], w[3]) if self.bias else (w[0], w[1], None, None)

    def _step(self, gi: Tensor, state: State, w_hh: Tensor, b_hh: Tensor | None) -> State:
        """One time step of one layer and direction (the subclass's cell)."""
        raise NotImplementedError(f"{type(self).__name__} does not define _step, the update of "
                                  "one time step")

    def _prepare(self, input: Tensor, state: State | None,  # noqa: A002
                 ) -> tuple[Tensor, State, bool]:
        """Check the input and the initial state; return the input as (seq, batch, feature),
        the state as tensors (num_layers * num_directions, batch, hidden_size) (zeros if
        omitted), and whether the input was batched."""
        name = "RNN" if self.mode.startswith("RNN") else self.mode
        if input.dim() not in (2, 3):
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.dim()}D "
                             "tensor instead")
        batched = input.dim() == 3
        if state is not None and any(s.dim() != input.dim() for s in state):
            got = (f"{state[0].dim()}-D tensor" if len(state) == 1
                   else f"({state[0].dim()}-D, {state[1].dim()}-D) tensors")
            raise RuntimeError(f"For {'batched 3-D' if batched else 'unbatched 2-D'} input, "
                               f"{'hx' if len(state) == 1 else 'hx and cx'} should also be "
                               f"{input.dim()}-D but got {got}")
        if not batched:
            input = input.unsqueeze(0 if self.batch_first else 1)
            state = None if state is None else tuple(s.unsqueeze(1) for s in state)
        if self.batch_first:
            input = input.transpose(0, 1)
        self._check_input(name, input)
        if input.shape[0] == 0:
            raise RuntimeError(f"{name}: Expected sequence length to be larger than 0, got "
                               f"input of shape {tuple(input.shape)}")
        return input, self._initial_state(state, input.shape[1], input), batched

    def _check_input(self, name: str, x: Tensor) -> None:
        """The input's last dim must be ``input_size``, and its dtype the weights'."""
        if x.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {x.shape[-1]}")
        _check_dtype(name, x, self.weight_ih_l0)

    def _initial_state(self, state: State | None, batch: int, like: Tensor) -> State:
        """``state`` checked to be tensors (num_layers * num_directions, batch, hidden_size),
        or zeros of that shape, with ``like``'s dtype and device, if it is None."""
        expected = ((2 if self.bidirectional else 1) * self.num_layers, batch,
                    self.hidden_size)
        if state is None:
            n = 2 if self.mode == "LSTM" else 1
            return tuple(zeros(*expected, dtype=like.dtype, device=like.device)
                         for _ in range(n))
        for i, s in enumerate(state):
            if tuple(s.shape) != expected:
                which = f"hidden[{i}]" if len(state) == 2 else "hidden"
                raise RuntimeError(f"Expected {which} size {expected}, got {list(s.shape)}")
        return state

    def _run(self, input: Tensor | PackedSequence, state: State | None  # noqa: A002
             ) -> tuple[Tensor | PackedSequence, State]:
        """The forward pass shared by the subclasses: (output, final state tensors)."""
        if isinstance(input, PackedSequence):
            return run_packed(self, input, state)
        x, state, batched = self._prepare(input, state)
        x, final_state = self._run_layers(x, state, self._run_direction)
        if self.batch_first:
            x = x.transpose(0, 1)
        if not batched:
            x = x.squeeze(0 if self.batch_first else 1)
            final_state = tuple(s.squeeze(1) for s in final_state)
        return x, final_state

    def _run_layers(self, x: Tensor, state: State, run_direction: RunDirection
                    ) -> tuple[Tensor, State]:
        """The loop over layers and directions, for padded and packed input alike: ``x`` has
        the features last, and ``run_direction(x, state, index, reverse)`` runs one layer in
        one direction, returning its outputs (shaped like ``x``) and its final state."""
        num_directions = 2 if self.bidirectional else 1
        finals: list[State] = []  # per layer and direction, in h_n's order
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(num_directions):
                index = layer * num_directions + direction
                out, final = run_direction(x, tuple(s[index] for s in state), index,
                                           direction == 1)
                outputs.append(out)
                finals.append(final)
            x = outputs[0] if num_directions == 1 else cat(outputs, -1)
            if self.dropout > 0 and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, training=True)
        return x, tuple(stack([f[i] for f in finals]) for i in range(len(state)))

    def _run_direction(self, x: Tensor, state: State, index: int, reverse: bool
                       ) -> tuple[Tensor, State]:
        """Run one layer in one direction over x (seq, batch, feature): the outputs (seq,
        batch, hidden_size) in time order, and the state after the last step taken."""
        w_ih, w_hh, b_ih, b_hh = self._weights(index)
        gi = F.linear(x, w_ih, b_ih)  # the input's share of the gates, all steps in one matmul
        # unbind: one view per step, and one backward (a cat) for all of them; indexing
        # gi[t] instead would give each step a backward that fills zeros of gi's full shape,
        # O(seq^2) work in all.
        steps = unbind(gi, 0)
        outputs = []
        for gi_t in (reversed(steps) if reverse else steps):
            state = self._step(gi_t, state, w_hh, b_hh)
            outputs.append(state[0])
        if reverse:
            outputs.reverse()  # back to time order
        return stack(outputs), state

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s


class RNN(RNNBase):
    """A stack of Elman RNN layers: h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)
    (or relu), as ``torch.nn.RNN``.

    ``forward(input, hx=None)``: input (seq, batch, input_size), or (batch, seq, input_size)
    with ``batch_first``, or unbatched (seq, input_size), or a ``PackedSequence``; hx
    (num_layers * num_directions, batch, hidden_size), or (num_layers * num_directions,
    hidden_size) unbatched, zeros if omitted. Returns ``(output, h_n)``: output (seq, batch,
    num_directions * hidden_size) (batch first with ``batch_first``; packed for a packed
    input), the last layer's h_t at every step, both directions concatenated; h_n the final
    state of every layer and direction, shaped like hx (of each sequence's last element when
    packed).

    >>> out, h_n = RNN(4, 8, num_layers=2)(microtorch_core.randn(5, 3, 4))
    >>> out.shape, h_n.shape
    ((5, 3, 8), (2, 3, 8))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False,
                 device: DeviceLike | None = None, dtype: dtypes.DType | None = None) -> None:
        _check_nonlinearity(nonlinearity)
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size,
                         hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         0, device, dtype)
        self.nonlinearity = nonlinearity

    def _step(self, gi: Tensor, state: State, w_hh: Tensor, b_hh: Tensor | None) -> State:
        return (_rnn_step(gi, state[0], w_hh, b_hh, self.nonlinearity),)

    def forward(self, input: Tensor | PackedSequence,  # noqa: A002
                hx: Tensor | None = None) -> tuple[Tensor | PackedSequence, Tensor]:
        output, (h_n,) = self._run(input, _as_state(type(self).__name__, hx, False))
        return output, h_n


class LSTM(RNNBase):
    """A stack of LSTM layers, as ``torch.nn.LSTM`` (gates i, f, g, o; see ``LSTMCell``).

    ``forward(input, hx=None)``: input as ``RNN``'s; hx the pair (h_0, c_0), each
    (num_layers * num_directions, batch, hidden_size) (no batch dim when unbatched), zeros
    if omitted. Returns ``(output, (h_n, c_n))``, output as ``RNN``'s (a ``PackedSequence``
    takes and gives one too). ``proj_size`` must be 0.

    >>> out, (h_n, c_n) = LSTM(4, 8, bidirectional=True)(microtorch_core.randn(5, 3, 4))
    >>> out.shape, h_n.shape, c_n.shape
    ((5, 3, 16), (2, 3, 8), (2, 3, 8))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0,
                 device: DeviceLike | None = None, dtype: dtypes.DType | None = None) -> None:
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, proj_size, device, dtype)

    def _step(self, gi: Tensor, state: State, w_hh: Tensor, b_hh: Tensor | None) -> State:
        return _lstm_step(gi, state[0], state[1], w_hh, b_hh)

    def forward(self, input: Tensor | PackedSequence,  # noqa: A002
                hx: tuple[Tensor, Tensor] | None = None
                ) -> tuple[Tensor | PackedSequence, tuple[Tensor, Tensor]]:
        output, (h_n, c_n) = self._run(input, _as_state("LSTM", hx, True))
        return output, (h_n, c_n)


class GRU(RNNBase):
    """A stack of GRU layers, as ``torch.nn.GRU`` (gates r, z, n; see ``GRUCell``).

    ``forward(input, hx=None)`` takes and returns the same shapes as ``RNN``'s:
    ``(output, h_n)``, a ``PackedSequence`` included.

    >>> out, h_n = GRU(4, 8, batch_first=True)(microtorch_core.randn(3, 5, 4))
    >>> out.shape, h_n.shape
    ((3, 5, 8), (1, 3, 8))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, device: DeviceLike | None = None,
                 dtype: dtypes.DType | None = None) -> None:
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, 0, device, dtype)

    def _step(self, gi: Tensor, state: State, w_hh: Tensor, b_hh: Tensor | None) -> State:
        return (_gru_step(gi, state[0], w_hh, b_hh),)

    def forward(self, input: Tensor | PackedSequence,  # noqa: A002
                hx: Tensor | None = None) -> tuple[Tensor | PackedSequence, Tensor]:
        output, (h_n,) = self._run(input, _as_state(type(self).__name__, hx, False))
        return output, h_n
