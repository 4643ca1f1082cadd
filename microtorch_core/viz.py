"""Pictures of the autograd graph: Graphviz DOT text, and PNG/SVG/PDF through the ``dot``
program when it is installed.

The graph is the one ``backward`` walks. Starting from ``output.grad_fn`` it follows each
node's ``next_functions``; ``AccumulateGrad`` nodes stand for leaf tensors (parameters and
inputs that require grad) and are drawn as those tensors, with their name and shape. Arrows
point the way data flowed in the forward pass (leaves at the top, output at the bottom); each
arrow between two ops is labelled with the shape of the tensor it carries.

>>> model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 1))
>>> loss = model(x).sum()
>>> write_graph(loss, "graph.png", params=dict(model.named_parameters()))
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections import deque
from collections.abc import Mapping, Sequence

from .autograd.function import AccumulateGrad, Node
from .tensor import Tensor

__all__ = ["to_dot", "render", "write_graph"]

_STYLE = {  # fill colours, as torchviz
    "op": "lightgrey",
    "leaf": "lightblue",
    "output": "darkolivegreen1",
}
_RENDERED = ("png", "svg", "pdf")


def _shape(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _node_line(node_id: str, label: str, kind: str) -> str:
    return f"  {node_id} [label={_quote(label)}, fillcolor={_STYLE[kind]}]"


def to_dot(outputs: Tensor | Sequence[Tensor], params: Mapping[str, Tensor] | None = None
           ) -> str:
    """The autograd graph behind ``outputs`` as Graphviz DOT source.

    Leaves are labelled with their name from ``params`` (e.g.
    ``dict(model.named_parameters())``), else with the name ``Module.named_parameters``
    recorded on them (``tensor.name``), else with their shape only. Node ids follow a
    breadth-first walk from the outputs, so the text is deterministic.
    """
    roots = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    names = {id(t): name for name, t in (params or {}).items()}
    ids: dict[Node, str] = {}
    lines = ["digraph autograd {",
             '  node [shape=box, style="filled,rounded", fontname="Helvetica", fontsize=10]',
             '  edge [fontname="Helvetica", fontsize=9]']
    edges: list[str] = []
    queue: deque[Node] = deque()

    def visit(node: Node) -> str:
        if node not in ids:
            ids[node] = f"n{len(ids)}"
            if isinstance(node, AccumulateGrad):
                leaf = node.variable
                if leaf is None:  # the graph holds leaves weakly: this one was freed
                    label = "(freed leaf)"
                else:
                    name = names.get(id(leaf)) or leaf.name
                    label = f"{name}\n{_shape(leaf.shape)}" if name else _shape(leaf.shape)
                lines.append(_node_line(ids[node], label, "leaf"))
            else:
                lines.append(_node_line(ids[node], node.name(), "op"))
            queue.append(node)
        return ids[node]

    for i, out in enumerate(roots):
        label = f"output\n{_shape(out.shape)}" if len(roots) == 1 else \
            f"output {i}\n{_shape(out.shape)}"
        lines.append(_node_line(f"out{i}", label, "output"))
        if out.grad_fn is not None:
            edges.append(f"  {visit(out.grad_fn)} -> out{i}")
    while queue:
        node = queue.popleft()
        for edge in node.next_functions:
            if edge is None:
                continue
            src, nr = edge
            src_id = visit(src)
            meta = getattr(src, "output_meta", None)
            label = f" [label={_quote(_shape(meta[nr][0]))}]" if meta else ""
            edges.append(f"  {src_id} -> {ids[node]}{label}")
    return "\n".join(lines + edges + ["}"]) + "\n"


def render(source: str, path: str | os.PathLike) -> str:
    """Write DOT ``source`` to ``path``: as text for ``.dot``/``.gv``, else rendered by
    Graphviz's ``dot`` program in the format the suffix names (png, svg, pdf)."""
    path = os.fspath(path)
    fmt = os.path.splitext(path)[1].lower().lstrip(".")
    if fmt in ("dot", "gv"):
        with open(path, "w", encoding="utf-8") as f:
            f.write(source)
        return path
    if fmt not in _RENDERED:
        raise ValueError(f"can't tell the picture format from {path!r}: use a .png, .svg, "
                         ".pdf or .dot file name")
    exe = shutil.which("dot")
    if exe is None:
        raise RuntimeError(f"writing {path!r} needs Graphviz's 'dot' program, which is not "
                           "on PATH. Install Graphviz (apt install graphviz, brew install "
                           "graphviz, conda install graphviz) or write a .dot file instead and "
                           "render it elsewhere (e.g. an online Graphviz viewer).")
    result = subprocess.run([exe, f"-T{fmt}", "-o", path], input=source.encode(),
                            capture_output=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"Graphviz 'dot' failed ({result.returncode}) writing {path!r}: "
                           f"{result.stderr.decode(errors='replace').strip()}")
    return path


def write_graph(outputs: Tensor | Sequence[Tensor], path: str | os.PathLike,
                params: Mapping[str, Tensor] | None = None) -> str:
    """Draw the autograd graph behind ``outputs`` into ``path`` (.png, .svg, .pdf or .dot).
    Returns the path.

    >>> write_graph(loss, "demo_graph.png")
    """
    return render(to_dot(outputs, params), path)
