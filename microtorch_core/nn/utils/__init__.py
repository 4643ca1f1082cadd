"""Utilities for training and for recurrent networks, as ``torch.nn.utils``.

=========================  ==============================================================
``clip_grad.py``           ``clip_grad_norm_``, ``clip_grad_value_``
``convert_parameters.py``  ``parameters_to_vector``, ``vector_to_parameters``
``rnn.py``                 variable-length sequences: ``pad_sequence``, ``unpad_sequence``,
                           ``PackedSequence``, ``pack_padded_sequence``,
                           ``pad_packed_sequence``, ``pack_sequence``, ``unpack_sequence``
``parametrize.py``         ``register_parametrization``, ``remove_parametrizations``,
                           ``is_parametrized``, ``cached``
``parametrizations.py``    ``weight_norm`` as a parametrization
``weight_norm.py``         the hook-based ``weight_norm``, ``remove_weight_norm``,
                           ``spectral_norm``, ``remove_spectral_norm``
=========================  ==============================================================

As in PyTorch, the functions of ``clip_grad.py``, ``convert_parameters.py`` and
``weight_norm.py`` are importable from here; the others are submodules:
``from microtorch_core.nn.utils.rnn import pad_sequence``,
``nn.utils.parametrizations.weight_norm(layer)``.
"""

from . import parametrizations, parametrize, rnn
from .clip_grad import clip_grad_norm_, clip_grad_value_
from .convert_parameters import parameters_to_vector, vector_to_parameters
from .weight_norm import remove_spectral_norm, remove_weight_norm, spectral_norm, weight_norm

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector",
           "vector_to_parameters", "rnn", "parametrize", "parametrizations", "weight_norm",
           "remove_weight_norm", "spectral_norm", "remove_spectral_norm"]
