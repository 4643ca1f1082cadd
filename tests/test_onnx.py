"""``onnx``: importing it works (scripts do, for an optional export); ``export`` raises a
clear error, and ``is_in_onnx_export()`` is False."""

import importlib

import pytest

import microtorch_core as mt


def test_importing_onnx_works_and_no_export_is_running():
    onnx = importlib.import_module("microtorch_core.onnx")
    assert onnx.is_in_onnx_export() is False


def test_export_raises_naming_the_model_and_the_alternative(tmp_path):
    with pytest.raises(NotImplementedError, match=r"onnx.export\(Linear, ...\): MicroTorch "
                                                  r"cannot export to ONNX.*state_dict"):
        mt.onnx.export(mt.nn.Linear(2, 2), (mt.ones(1, 2),), str(tmp_path / "m.onnx"))
    assert not (tmp_path / "m.onnx").exists()
