"""viz: the autograd graph as Graphviz DOT, and pictures through the ``dot`` program."""

import shutil

import pytest

import microtorch_core as mt
from microtorch_core import nn, viz

HAS_DOT = shutil.which("dot") is not None


def _small_graph():
    a = mt.tensor([1.0, 2.0], requires_grad=True)
    b = mt.tensor([3.0, 4.0], requires_grad=True)
    return a, b, (a * b).sum()


EXPECTED = """\
digraph autograd {
  node [shape=box, style="filled,rounded", fontname="Helvetica", fontsize=10]
  edge [fontname="Helvetica", fontsize=9]
  out0 [label="output\\n()", fillcolor=darkolivegreen1]
  n0 [label="SumBackward0", fillcolor=lightgrey]
  n1 [label="MulBackward0", fillcolor=lightgrey]
  n2 [label="a\\n(2,)", fillcolor=lightblue]
  n3 [label="(2,)", fillcolor=lightblue]
  n0 -> out0
  n1 -> n0 [label="(2,)"]
  n2 -> n1
  n3 -> n1
}
"""


def test_dot_of_a_known_small_graph():
    a, _, out = _small_graph()
    assert viz.to_dot(out, params={"a": a}) == EXPECTED


def test_leaves_are_labelled_with_their_attribute_names():
    layer = nn.Linear(3, 2)
    dot = viz.to_dot(layer(mt.randn(4, 3)).sum())
    assert 'label="weight\\n(2, 3)"' in dot and 'label="bias\\n(2,)"' in dot


def test_leaves_get_dotted_names_once_parameters_were_listed():
    model = nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nn.Linear(2, 1))
    mt.optim.SGD(model.parameters(), lr=0.1)  # parameters() records the full names
    dot = viz.to_dot(model(mt.randn(4, 3)).sum())
    for name, shape in [("0.weight", "(2, 3)"), ("0.bias", "(2,)"), ("2.weight", "(1, 2)")]:
        assert f'label="{name}\\n{shape}"' in dot


def test_inputs_that_do_not_require_grad_are_not_drawn():
    w = mt.ones(3, requires_grad=True)
    dot = viz.to_dot((w * mt.full((3,), 2.0)).sum())
    assert dot.count("fillcolor=lightblue") == 1


def test_shared_subgraph_is_drawn_once():
    a = mt.ones(2, requires_grad=True)
    h = a.exp()
    dot = viz.to_dot((h * h).sum())
    assert dot.count('"ExpBackward0"') == 1 and dot.count("n2 -> n1") == 2


def test_tensor_without_history_is_a_lone_output_node():
    assert viz.to_dot(mt.ones(2)).count("->") == 0


def test_write_graph_to_dot_file(tmp_path):
    _, _, out = _small_graph()
    path = viz.write_graph(out, tmp_path / "g.dot")
    assert open(path).read() == viz.to_dot(out)


@pytest.mark.skipif(not HAS_DOT, reason="Graphviz 'dot' is not installed")
@pytest.mark.parametrize("suffix, magic", [(".png", b"\x89PNG"), (".svg", b"<?xml")])
def test_write_graph_renders_pictures_with_graphviz(tmp_path, suffix, magic):
    _, _, out = _small_graph()
    path = viz.write_graph(out, tmp_path / f"g{suffix}")
    assert open(path, "rb").read(5).startswith(magic)


def test_missing_graphviz_gives_an_install_hint(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match="needs Graphviz's 'dot' program.*apt install"):
        viz.write_graph(_small_graph()[2], tmp_path / "g.png")


def test_unknown_picture_suffix_is_rejected(tmp_path):
    with pytest.raises(ValueError, match="use a .png, .svg, .pdf or .dot"):
        viz.write_graph(_small_graph()[2], tmp_path / "g.jpeg")
