"""Batches of sequences of different lengths, as ``torch.nn.utils.rnn``.

Such a batch reaches a recurrent layer in one of two forms:

* padded: one tensor (T, B, *), or (B, T, *) with ``batch_first``, each sequence followed by
  ``padding_value`` up to the longest length T (``pad_sequence``);
* packed: a ``PackedSequence``, the sequences sorted by decreasing length and their elements
  stored time step by time step, without any padding (``pack_padded_sequence``,
  ``pack_sequence``). ``data`` holds the first element of each of the ``batch_sizes[0]``
  sequences, then the second element of the ``batch_sizes[1]`` sequences that have one, and
  so on.

For sequences a, b, c of lengths 2, 3, 1 the sorted order is b, a, c (``sorted_indices``
[1, 0, 2]), ``batch_sizes`` is [3, 2, 1] and ``data`` is ``b0 a0 c0 | b1 a1 | b2``: an RNN
steps over time with the batch shrinking from 3 to 1 and never computes on padding (see
``nn/rnn_packed.py``).

The lengths are host-side bookkeeping (``batch_sizes`` is always a CPU int64 tensor); the
data moves with differentiable Tensor ops (slices, ``cat``, ``split``, ``index_select``),
so gradients flow from packed data back to the padded input, and the other way round.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from ... import dtypes
from ...creation import full, tensor
from ...ops import cat, split, stack
from ...ops.composite.indexing import unbind
from ...tensor import Tensor

__all__ = ["PackedSequence", "pack_padded_sequence", "pad_packed_sequence", "pad_sequence",
           "unpad_sequence", "pack_sequence", "unpack_sequence"]

Lengths = Tensor | Sequence[int]


class _PackedSequenceFields(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None
    unsorted_indices: Tensor | None


class PackedSequence(_PackedSequenceFields):
    """A batch of sequences without padding, as ``torch.nn.utils.rnn.PackedSequence`` (a named
    tuple): ``data`` (sum of the lengths, *), the elements time step by time step;
    ``batch_sizes`` (CPU int64), how many sequences have an element at each step;
    ``sorted_indices``, the batch position of each sequence in decreasing order of length
    (None when the input was already sorted); ``unsorted_indices``, its inverse (computed when
    omitted). Build one with ``pack_padded_sequence`` or ``pack_sequence``, not by hand.

    >>> packed = pack_sequence([tensor([1, 2]), tensor([3, 4, 5]), tensor([6])],
    ...                        enforce_sorted=False)
    >>> packed.data, packed.batch_sizes
    (tensor([3, 1, 6, 4, 2, 5]), tensor([3, 2, 1]))
    """

    __slots__ = ()

    def __new__(cls, data: Tensor | tuple[Tensor, Tensor], batch_sizes: Tensor | None = None,
                sorted_indices: Tensor | None = None,
                unsorted_indices: Tensor | None = None) -> PackedSequence:
        if batch_sizes is None:  # PackedSequence((data, batch_sizes)), as PyTorch accepts
            data, batch_sizes = data
        if batch_sizes.device.type != "cpu":
            raise ValueError(f"batch_sizes should always be on CPU, got {batch_sizes.device}. "
                             "Build a PackedSequence with pack_padded_sequence or "
                             "pack_sequence rather than by hand")
        if unsorted_indices is None and sorted_indices is not None:
            unsorted_indices = sorted_indices.argsort()  # a permutation's inverse
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def _with_data(self, data: Tensor) -> PackedSequence:
        """``self`` if ``data`` is its own data, else a copy holding ``data``, the indices moved
        to its device (``batch_sizes`` stays on the CPU)."""
        if data is self.data:
            return self

        def move(t: Tensor | None) -> Tensor | None:
            return None if t is None else t.to(data.device)
        return type(self)(data, self.batch_sizes, move(self.sorted_indices),
                          move(self.unsorted_indices))

    def to(self, *args: Any, **kwargs: Any) -> PackedSequence:
        """Convert ``data`` as ``Tensor.to`` does (``packed.to("cuda")``, ``.to(float64)``);
        ``self`` if nothing changes."""
        return self._with_data(self.data.to(*args, **kwargs))

    def cpu(self) -> PackedSequence:
        return self._with_data(self.data.cpu())

    def cuda(self, device: int | str | None = None) -> PackedSequence:
        return self._with_data(self.data.cuda(device))

    def float(self) -> PackedSequence:
        return self._with_data(self.data.float())

    def double(self) -> PackedSequence:
        return self._with_data(self.data.double())

    @property
    def is_cuda(self) -> bool:
        return self.data.is_cuda


def _as_lengths(lengths: Lengths) -> list[int]:
    """The lengths as Python ints, from a 1-d tensor (on any device) or a sequence."""
    if isinstance(lengths, Tensor):
        if lengths.dim() != 1:
            raise ValueError(f"'lengths' should be a 1-d tensor, got shape "
                             f"{tuple(lengths.shape)}")
        lengths = lengths.tolist()
    return [int(n) for n in lengths]


def _padding(shape: tuple[int, ...], value: float, like: Tensor) -> Tensor:
    """A block of ``value`` with ``like``'s dtype and device."""
    return full(shape, value, dtype=like.dtype, device=like.device)


def pad_sequence(sequences: Tensor | Iterable[Tensor], batch_first: bool = False,
                 padding_value: float = 0.0, padding_side: str = "right") -> Tensor:
    """Stack sequences of shapes (L_i, *) into one (T, B, *) tensor (or (B, T, *) with
    ``batch_first``), T the longest length, each padded with ``padding_value`` after its
    elements (or before them with ``padding_side='left'``).

    >>> pad_sequence([tensor([1, 2]), tensor([3, 4, 5])], batch_first=True)
    tensor([[1, 2, 0],
            [3, 4, 5]])
    """
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got "
                           f"{padding_side}.")
    if isinstance(sequences, Tensor):
        sequences = unbind(sequences, 0)
    elif not isinstance(sequences, Iterable):
        raise RuntimeError("pad_sequence: Expected iterable for input sequences, but got arg "
                           f"of type: {type(sequences).__name__}")
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("pad_sequence: received an empty list of sequences")
    for i, s in enumerate(sequences):
        if not isinstance(s, Tensor) or s.dim() == 0:
            what = "a 0-d tensor" if isinstance(s, Tensor) else type(s).__name__
            raise TypeError(f"pad_sequence: each sequence must be a tensor of shape (length, "
                            f"*), got {what} at index {i}")
        if s.shape[1:] != sequences[0].shape[1:]:
            raise RuntimeError(f"pad_sequence: every sequence must have the same trailing "
                               f"dimensions, got shape {tuple(sequences[0].shape)} at index 0 "
                               f"and {tuple(s.shape)} at index {i}")
    longest = max(s.shape[0] for s in sequences)
    padded = []
    for s in sequences:
        if s.shape[0] < longest:
            pad = _padding((longest - s.shape[0],) + s.shape[1:], padding_value, s)
            s = cat([s, pad] if padding_side == "right" else [pad, s])
        padded.append(s)
    return stack(padded, 0 if batch_first else 1)


def unpad_sequence(padded_sequences: Tensor, lengths: Lengths,
                   batch_first: bool = False) -> list[Tensor]:
    """The inverse of ``pad_sequence`` (right padding): the first ``lengths[i]`` steps of each
    sequence of the batch, as a list of (length, *) tensors (views of ``padded_sequences``).

    >>> unpad_sequence(tensor([[1, 2, 0], [3, 4, 5]]), [2, 3], batch_first=True)
    [tensor([1, 2]), tensor([3, 4, 5])]
    """
    rows = unbind(padded_sequences, 0 if batch_first else 1)
    lengths = _as_lengths(lengths)
    if len(lengths) != len(rows):
        raise ValueError(f"unpad_sequence: got {len(lengths)} lengths for a batch of "
                         f"{len(rows)} sequences")
    return [row[:n] for row, n in zip(rows, lengths)]


def pack_padded_sequence(input: Tensor, lengths: Lengths,  # noqa: A002
                         batch_first: bool = False, enforce_sorted: bool = True
                         ) -> PackedSequence:
    """Pack a padded batch (T, B, *) (or (B, T, *) with ``batch_first``) whose sequence ``i``
    has ``lengths[i]`` elements; the padding is dropped. With ``enforce_sorted`` the lengths
    must be in decreasing order; otherwise the batch is sorted here and ``sorted_indices``
    records the order (``pad_packed_sequence`` restores it).

    >>> x = tensor([[1, 3], [2, 4], [0, 5]])      # (T=3, B=2): sequences [1, 2] and [3, 4, 5]
    >>> pack_padded_sequence(x, [2, 3], enforce_sorted=False).data
    tensor([3, 1, 4, 2, 5])
    """
    lengths = _as_lengths(lengths)
    if input.dim() < 2:
        raise ValueError(f"pack_padded_sequence: expected a padded batch of at least 2 "
                         f"dimensions (seq, batch, *), got shape {tuple(input.shape)}")
    if input.numel() == 0:
        raise RuntimeError(f"Cannot pack empty tensors (input of shape {tuple(input.shape)}).")
    batch_dim = 0 if batch_first else 1
    batch, steps = input.shape[batch_dim], input.shape[1 - batch_dim]
    if len(lengths) != batch:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got "
                           f"{len(lengths)} (batch_size={batch})")
    if min(lengths) <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an "
                           f"element in 'lengths' that is <= 0 (lengths: {lengths})")
    if max(lengths) > steps:
        raise RuntimeError(f"pack_padded_sequence: a length of {max(lengths)} is longer than "
                           f"the input's {steps} time steps (lengths: {lengths})")
    sorted_indices = None
    if enforce_sorted:
        if any(a < b for a, b in zip(lengths, lengths[1:])):
            raise RuntimeError("`lengths` array must be sorted in decreasing order when "
                               "`enforce_sorted` is True. You can pass `enforce_sorted=False` "
                               "to pack_padded_sequence and/or pack_sequence to sidestep this "
                               "requirement if you do not need ONNX exportability. (lengths: "
                               f"{lengths})")
    else:
        order = sorted(range(batch), key=lambda i: -lengths[i])  # stable, as PyTorch's sort
        lengths = [lengths[i] for i in order]
        sorted_indices = tensor(order, dtype=dtypes.int64, device=input.device)
        input = input.index_select(batch_dim, sorted_indices)
    if batch_first:
        input = input.transpose(0, 1)
    # with the lengths in decreasing order, the sequences at step t are the first batch_sizes[t]
    batch_sizes = [sum(n > t for n in lengths) for t in range(lengths[0])]
    data = cat([x_t[:n] for x_t, n in zip(unbind(input, 0), batch_sizes)])
    return PackedSequence(data, tensor(batch_sizes, dtype=dtypes.int64), sorted_indices)


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False,
                        padding_value: float = 0.0, total_length: int | None = None
                        ) -> tuple[Tensor, Tensor]:
    """The inverse of ``pack_padded_sequence``: ``(padded, lengths)``, padded (T, B, *) (or
    (B, T, *) with ``batch_first``) in the batch's original order, T the longest length (or
    ``total_length``, to pad to a fixed length), and the lengths as a CPU int64 tensor.

    >>> padded, lengths = pad_packed_sequence(pack_sequence([tensor([1, 2]), tensor([3])]))
    >>> padded, lengths
    (tensor([[1, 3],
            [2, 0]]), tensor([2, 1]))
    """
    batch_sizes = sequence.batch_sizes.tolist()
    data = sequence.data
    if sum(batch_sizes) != data.shape[0]:
        raise ValueError(f"pad_packed_sequence: batch_sizes {batch_sizes} add up to "
                         f"{sum(batch_sizes)}, but the data has {data.shape[0]} rows")
    steps = len(batch_sizes)
    if total_length is not None:
        if total_length < steps:
            raise ValueError("Expected total_length to be at least the length of the longest "
                             f"sequence in input, but got total_length={total_length} and max "
                             f"sequence length being {steps}")
        steps = total_length
    batch, trailing = batch_sizes[0], data.shape[1:]
    padded = []  # step t: the batch_sizes[t] sequences still running, then padding
    for x_t, n in zip(split(data, batch_sizes), batch_sizes):
        padded.append(x_t if n == batch else
                      cat([x_t, _padding((batch - n,) + trailing, padding_value, data)]))
    if steps > len(batch_sizes):
        padded += [_padding((batch,) + trailing, padding_value, data)] * (steps - len(padded))
    output = stack(padded, 1 if batch_first else 0)
    lengths = [sum(n > i for n in batch_sizes) for i in range(batch)]  # in sorted order
    if sequence.unsorted_indices is not None:
        output = output.index_select(0 if batch_first else 1, sequence.unsorted_indices)
        lengths = [lengths[i] for i in sequence.unsorted_indices.tolist()]
    return output, tensor(lengths, dtype=dtypes.int64)


def pack_sequence(sequences: Sequence[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of (L_i, *) sequences: ``pack_padded_sequence(pad_sequence(sequences),
    lengths)``. With ``enforce_sorted`` they must come in decreasing order of length.

    >>> pack_sequence([tensor([1, 2, 3]), tensor([4, 5]), tensor([6])]).data
    tensor([1, 4, 6, 2, 5, 3])
    """
    sequences = list(sequences)
    padded = pad_sequence(sequences)  # checks that they are tensors of shape (L_i, *)
    return pack_padded_sequence(padded, [s.shape[0] for s in sequences],
                                enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    """The inverse of ``pack_sequence``: the list of (L_i, *) sequences, in the original order.

    >>> unpack_sequence(pack_sequence([tensor([1, 2]), tensor([3])]))
    [tensor([1, 2]), tensor([3])]
    """
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
