"""``RNN``, ``LSTM`` and ``GRU`` over a ``PackedSequence``, as PyTorch: the output is packed
too, and each sequence's final state is taken at its own last element, not at the padding.

The packed layout (``nn/utils/rnn.py``) makes this a plain loop: the sequences are sorted by
decreasing length, so at time step t the ones still running are the first ``batch_sizes[t]``
rows of the batch, and their inputs are the next ``batch_sizes[t]`` rows of ``data``.

* Forward in time, the batch shrinks: before step t the state keeps its first
  ``batch_sizes[t]`` rows, and the rows dropped are the final states of the sequences that
  have just ended.
* Backward in time (the reverse direction of a bidirectional layer), the batch grows: a
  sequence joins at its own last element, starting from its row of the initial state, so its
  reverse pass never sees padding either.

The step itself is the layer's cell (``RNNBase._step``), the same code as for padded input.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..ops import cat, split
from ..tensor import Tensor
from . import functional as F
from .utils.rnn import PackedSequence

if TYPE_CHECKING:
    from .rnn import RNNBase, State


def run_packed(rnn: RNNBase, packed: PackedSequence, state: State | None
               ) -> tuple[PackedSequence, State]:
    """``rnn``'s forward pass over ``packed``: the last layer's outputs, packed like the input,
    and the final state tensors (num_layers * num_directions, batch, hidden_size) in the
    batch's original order. ``state``, if given, is also in the original order."""
    batch_sizes = packed.batch_sizes.tolist()
    state = _prepare(rnn, packed, batch_sizes[0], state)

    def run_direction(x: Tensor, state: State, index: int, reverse: bool
                      ) -> tuple[Tensor, State]:
        w_ih, w_hh, b_ih, b_hh = rnn._weights(index)
        # the input's share of the gates for all elements in one matmul, then one piece a step
        steps = split(F.linear(x, w_ih, b_ih), batch_sizes)
        run = _backward_in_time if reverse else _forward_in_time
        return run(rnn, steps, state, w_hh, b_hh)

    data, final_state = rnn._run_layers(packed.data, state, run_direction)
    if packed.unsorted_indices is not None:
        final_state = tuple(s.index_select(1, packed.unsorted_indices) for s in final_state)
    return PackedSequence(data, packed.batch_sizes, packed.sorted_indices,
                          packed.unsorted_indices), final_state


def _prepare(rnn: RNNBase, packed: PackedSequence, batch: int, state: State | None) -> State:
    """Check the packed data (elements, input_size) and the initial state; return the state in
    the packed (sorted) order, zeros if omitted."""
    name = "RNN" if rnn.mode.startswith("RNN") else rnn.mode
    data = packed.data
    if data.dim() != 2:
        raise RuntimeError(f"{name}: the data of a packed input must have 2 dimensions "
                           f"(elements, input_size), got shape {tuple(data.shape)}")
    rnn._check_input(name, data)
    checked = rnn._initial_state(state, batch, data)  # zeros if state is None
    if state is None or packed.sorted_indices is None:
        return checked
    # the caller's state is in the original batch order; the packed rows are sorted
    return tuple(s.index_select(1, packed.sorted_indices) for s in checked)


def _forward_in_time(rnn: RNNBase, steps: tuple[Tensor, ...], state: State, w_hh: Tensor,
                     b_hh: Tensor | None) -> tuple[Tensor, State]:
    """Steps 0, 1, ... with the batch shrinking: (packed outputs, final state)."""
    outputs: list[Tensor] = []
    ended: list[State] = []  # the final states of the sequences that ended, shortest last
    for gi_t in steps:
        running = gi_t.shape[0]
        if running < state[0].shape[0]:  # the rows from `running` on have ended
            ended.append(tuple(s[running:] for s in state))
            state = tuple(s[:running] for s in state)
        state = rnn._step(gi_t, state, w_hh, b_hh)
        outputs.append(state[0])
    # rows in batch order: the longest sequences (still running) first, the shortest last
    rows = [state] + ended[::-1]
    return cat(outputs), tuple(cat([r[i] for r in rows]) for i in range(len(state)))


def _backward_in_time(rnn: RNNBase, steps: tuple[Tensor, ...], initial: State, w_hh: Tensor,
                      b_hh: Tensor | None) -> tuple[Tensor, State]:
    """Steps ..., 1, 0 with the batch growing: (packed outputs in time order, final state)."""
    outputs: list[Tensor] = []
    state = tuple(s[:steps[-1].shape[0]] for s in initial)  # the longest start at the end
    for gi_t in reversed(steps):
        before, running = state[0].shape[0], gi_t.shape[0]
        if running > before:  # rows before..running-1 have their last element at this step
            state = tuple(cat([s, s0[before:running]]) for s, s0 in zip(state, initial))
        state = rnn._step(gi_t, state, w_hh, b_hh)
        outputs.append(state[0])
    return cat(outputs[::-1]), state
