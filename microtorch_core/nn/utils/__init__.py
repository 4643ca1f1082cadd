"""Utilities for training and for recurrent networks, as ``torch.nn.utils``.

=========================  ==============================================================
``clip_grad.py``           ``clip_grad_norm_``, ``clip_grad_value_``
``convert_parameters.py``  ``parameters_to_vector``, ``vector_to_parameters``
``rnn.py``                 variable-length sequences: ``pad_sequence``, ``unpad_sequence``,
                           ``PackedSequence``, ``pack_padded_sequence``,
                           ``pad_packed_sequence``, ``pack_sequence``, ``unpack_sequence``
=========================  ==============================================================

The functions of the first two files are importable from here, as in PyTorch; the sequence
utilities live in the submodule: ``from microtorch_core.nn.utils.rnn import pad_sequence``.
"""

from . import rnn
from .clip_grad import clip_grad_norm_, clip_grad_value_
from .convert_parameters import parameters_to_vector, vector_to_parameters

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector",
           "vector_to_parameters", "rnn"]
