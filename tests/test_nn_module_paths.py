"""``nn.modules.<file>.<Class>``: PyTorch's module paths name MicroTorch's layer classes."""

import importlib
import io
import warnings

import pytest

import microtorch_core as mt
from microtorch_core import nn


def test_module_paths_hold_the_same_classes():
    assert nn.modules.rnn.LSTM is nn.LSTM
    assert nn.modules.dropout.Dropout is nn.Dropout
    assert nn.modules.sparse.Embedding is nn.Embedding
    assert nn.modules.transformer.TransformerEncoderLayer is nn.TransformerEncoderLayer


def test_multihead_attention_is_under_activation_as_in_pytorch():
    assert nn.modules.activation.MultiheadAttention is nn.MultiheadAttention


def test_module_path_submodules_import():
    rnn = importlib.import_module("microtorch_core.nn.modules.rnn")
    assert rnn.GRU is nn.GRU


def test_every_class_of_a_pytorch_file_that_nn_has_is_at_the_same_path():
    torch = pytest.importorskip("torch")
    for file in ("activation", "batchnorm", "container", "conv", "distance", "dropout",
                 "flatten", "fold", "linear", "loss", "normalization", "padding",
                 "pixelshuffle", "pooling", "rnn", "sparse", "transformer", "upsampling"):
        theirs = getattr(torch.nn.modules, file)
        for name in dir(theirs):
            if isinstance(getattr(theirs, name), type) and hasattr(nn, name) and \
                    getattr(theirs, name).__module__ == theirs.__name__:
                assert getattr(getattr(nn.modules, file), name, None) is getattr(nn, name), \
                    (file, name)


def test_a_saved_model_loads_with_its_classes_allowlisted_by_module_path():
    model = nn.Sequential(nn.Embedding(5, 4), nn.Dropout(0.1), nn.Linear(4, 3))
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # whole-module save: it says so
        mt.save(model, buf)
    buf.seek(0)
    allowed = [nn.modules.container.Sequential, nn.modules.sparse.Embedding,
               nn.modules.dropout.Dropout, nn.modules.linear.Linear]
    with mt.serialization.safe_globals(allowed):
        loaded = mt.load(buf)
    x = mt.tensor([[1, 2]])
    loaded.eval(), model.eval()
    assert mt.equal(loaded(x), model(x))
