"""Smoke tests of the examples: the digits example runs one short epoch end to end (the full
run, reaching at least 97% test accuracy, is ``python examples/train_digits.py``); the
Transformer example learns to sort 4-digit strings in a second (the full run sorts 8-digit
strings: ``python examples/train_transformer.py``) and trains exactly as its PyTorch twin."""

import importlib.util
import pathlib
import sys

import numpy as np
import pytest

import microtorch_core as mt

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


def test_train_digits_with_graph_replays_the_later_epochs(capsys):
    pytest.importorskip("sklearn", reason="scikit-learn (the 'examples' extra) provides the "
                        "digits data set")
    acc = _load("train_digits").main(["--graph", "--epochs", "2"])
    out = capsys.readouterr().out
    assert acc > 0.7
    assert "step time: eager" in out and "replayed" in out


TINY_TRANSFORMER = ["--digits", "4", "--steps", "100", "--warmup", "10", "--d-model", "32",
                    "--layers", "1", "--test-size", "200"]


def test_train_transformer_learns_to_sort_and_reloads_to_the_same_accuracy(tmp_path, capsys,
                                                                           monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)  # the plain progress lines, to read the loss
    ckpt = tmp_path / "sorter.mt"
    acc = _load("train_transformer").main(TINY_TRANSFORMER + ["--save", str(ckpt)])
    out = capsys.readouterr().out
    first = float(out.split("step     1/100  loss ")[1].split()[0])
    final = float(out.split("final loss ")[1].split()[0])
    assert first > 2.0 and final < first / 4  # from guessing digits (ln 10 = 2.3) to sorting
    assert acc > 0.6  # 91% to 99% over seeds 0-2; guessing 4 digits right: 0.01%
    assert "sampled at temperature 1.0:" in out
    reloaded = float(out.split("reloaded model test accuracy ")[1].split("%")[0]) / 100
    assert reloaded == pytest.approx(acc, abs=1e-4)


def test_train_transformer_takes_the_same_steps_as_its_pytorch_twin():
    """Same weights, same batches: losses, gradient norms and weights agree in float64."""
    torch = pytest.importorskip("torch")
    ours, twin = _load("train_transformer"), _load("train_transformer_torch")
    args = (len(ours.VOCAB), 8, 16, 2, 2, 32, 0.0)  # vocab, block size 2 * 4 digits, ...
    torch.manual_seed(0)
    t_model = twin.GPT(*args).double()
    m_model = ours.GPT(*args).to(mt.float64)
    m_model.load_state_dict({k: mt.tensor(v.numpy()) for k, v in t_model.state_dict().items()})
    t_opt = torch.optim.AdamW(t_model.parameters(), lr=3e-3, weight_decay=0.01)
    m_opt = mt.optim.AdamW(m_model.parameters(), lr=3e-3, weight_decay=0.01)
    rng, held_out = np.random.default_rng(0), np.array([-1])
    for _ in range(3):
        x, y = ours.training_batch(rng, 8, 4, held_out)
        t_loss = torch.nn.functional.cross_entropy(
            t_model(torch.tensor(x)).reshape(-1, len(ours.VOCAB)), torch.tensor(y).reshape(-1))
        m_loss = mt.nn.functional.cross_entropy(
            m_model(mt.tensor(x)).reshape(-1, len(ours.VOCAB)), mt.tensor(y).reshape(-1))
        for opt, loss in ((t_opt, t_loss), (m_opt, m_loss)):
            opt.zero_grad()
            loss.backward()
        t_norm = torch.nn.utils.clip_grad_norm_(t_model.parameters(), 0.5)
        m_norm = mt.nn.utils.clip_grad_norm_(m_model.parameters(), 0.5)
        t_opt.step()
        m_opt.step()
        assert m_loss.item() == pytest.approx(t_loss.item(), rel=1e-10)
        assert m_norm.item() == pytest.approx(t_norm.item(), rel=1e-10)
    for (name, t_p), m_p in zip(t_model.named_parameters(), m_model.parameters()):
        np.testing.assert_allclose(m_p.detach().numpy(), t_p.detach().numpy(), atol=1e-12,
                                   err_msg=name)
