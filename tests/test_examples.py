"""Smoke test of the digits example: one short epoch runs end to end (the full run, reaching
at least 97% test accuracy, is ``python examples/train_digits.py``)."""

import importlib.util
import pathlib
import sys

import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parents[1] / "examples"


def _load(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_train_digits_runs_one_epoch_and_checkpoints(tmp_path, capsys, monkeypatch):
    pytest.importorskip("sklearn", reason="scikit-learn (the 'examples' extra) provides the "
                        "digits data set")
    monkeypatch.setitem(sys.modules, "tqdm", None)  # exercise the plain progress fallback
    ckpt = tmp_path / "digits.mt"
    acc = _load("train_digits").main(["--epochs", "1", "--save", str(ckpt)])
    out = capsys.readouterr().out
    assert acc > 0.5 and "test accuracy" in out and "epoch   1/1" in out
    assert ckpt.exists() and "reloaded model test accuracy" in out


def test_train_digits_cnn_runs_one_epoch_and_reloads_to_the_same_accuracy(tmp_path, capsys):
    pytest.importorskip("sklearn", reason="scikit-learn (the 'examples' extra) provides the "
                        "digits data set")
    ckpt = tmp_path / "digits_cnn.mt"
    acc = _load("train_digits").main(["--model", "cnn", "--epochs", "1", "--save", str(ckpt)])
    out = capsys.readouterr().out
    assert acc > 0.5
    reloaded = float(out.split("reloaded model test accuracy ")[1].split("%")[0]) / 100
    assert reloaded == pytest.approx(acc, abs=1e-4)  # printed as a percentage, 2 decimals
