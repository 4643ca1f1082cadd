"""The backward engine: run graph nodes in dependency order, without recursion.

1. Walk the graph from the roots (an explicit stack, so a 10,000-op chain is fine) and count,
   for every node, how many edges point at it.
2. Start from the roots; a node runs once every gradient it waits for has arrived. Among
   ready nodes the most recently created runs first (as PyTorch), which frees memory early.
3. A node's gradients go into per-node buffers (summed when several paths meet); a leaf's
   ``AccumulateGrad`` adds into ``leaf.grad``, then calls the leaf's post-accumulate-grad
   hooks.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .function import AccumulateGrad, Node
from .grad_mode import set_grad_enabled

if TYPE_CHECKING:
    from ..tensor import Tensor


def _dependencies(roots: list[Node]) -> dict[Node, int]:
    deps: dict[Node, int] = {}
    seen = set(roots)
    stack = list(roots)
    while stack:
        node = stack.pop()
        for edge in node.next_functions:
            if edge is None:
                continue
            nxt = edge[0]
            deps[nxt] = deps.get(nxt, 0) + 1
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return deps


def _reduce_to(grad: Tensor, meta: tuple) -> Tensor:
    """Sum a broadcast gradient back to the input's shape and cast it to its dtype: the one
    place where broadcasting is undone for every op. A complex gradient of a real input
    keeps its real part, PyTorch's rule (``grad = dL/dx + i dL/dy``: a real x has no y)."""
    shape, dtype = meta
    if grad.shape != shape:
        grad = grad.sum_to_size(shape)
    if grad.dtype is not dtype:
        if grad.dtype.is_complex and not dtype.is_complex:
            grad = grad.real  # a real input of a complex result: d/dx is the real part
        grad = grad.to(dtype)
    return grad


def _call_hooks(node: Node, grads: list[Tensor | None]) -> None:
    for nr, hooks in (node.pre_hooks or {}).items():
        for hook in hooks:
            if grads[nr] is not None:
                new = hook(grads[nr])
                if new is not None:
                    grads[nr] = new
    for nr, ref in (node.retained or {}).items():
        t = ref()
        if t is not None and grads[nr] is not None:
            g = grads[nr] if grads[nr].grad_fn is not None else grads[nr].detach()
            t.grad = g if t.grad is None else t.grad + g


def _leaf_hooks(node: AccumulateGrad, grad: Tensor) -> Tensor:
    """The leaf's ``register_hook`` hooks, in order, each free to replace the gradient; they
    run before ``.grad`` is accumulated or ``autograd.grad`` captures it, as in PyTorch."""
    leaf = node.variable
    for hook in (leaf._hooks or ()) if leaf is not None else ():
        new = hook(grad)
        if new is not None:
            grad = new
    return grad


def _accumulate(node: AccumulateGrad, grad: Tensor, create_graph: bool) -> None:
    leaf = node.variable
    if leaf is None:  # the leaf is gone: nobody can read its gradient
        return
    # Grad mode is create_graph here: without it the clone and add_ record nothing. The
    # gradient already has the leaf's shape and dtype (_reduce_to), so ._grad is set directly.
    if leaf._grad is None:
        # Keep our own copy: the incoming gradient may be a view or be reused by the graph.
        leaf._grad = grad if create_graph else grad.clone()
    elif create_graph:
        leaf._grad = leaf._grad + grad
    else:
        leaf._grad.add_(grad)
    if leaf._post_accumulate_hooks:
        leaf._run_post_accumulate_hooks()


def _add_to_buffer(buffers: dict, node: Node, nr: int, grad: Tensor) -> None:
    """Sum ``grad`` into the gradient waiting for output ``nr`` of ``node``."""
    buf = buffers.setdefault(node, [None] * node.num_outputs)
    buf[nr] = grad if buf[nr] is None else buf[nr] + grad


def run_backward(roots: Sequence[Tensor], grad_roots: Sequence[Tensor], retain_graph: bool,
                 create_graph: bool, inputs: Sequence[Tensor] | None = None,
                 allow_unused: bool = False) -> tuple[Tensor | None, ...] | None:
    """Backpropagate ``grad_roots`` from ``roots``.

    With ``inputs`` (``autograd.grad``) the gradients reaching those tensors are returned and
    no ``.grad`` is touched; without, leaf gradients accumulate into ``.grad``.
    """
    from .function import _edge

    buffers: dict[Node, list[Tensor | None]] = {}
    root_nodes: list[Node] = []
    for t, g in zip(roots, grad_roots):
        node, nr = _edge(t)
        # as PyTorch, a root's gradient takes the root's dtype
        _add_to_buffer(buffers, node, nr, _reduce_to(g, (t.shape, t.dtype)))
        if node not in root_nodes:
            root_nodes.append(node)

    captured: dict[tuple[Node, int], int] = {}
    results: list[Tensor | None] = []
    if inputs is not None:
        for i, t in enumerate(inputs):
            if not t.requires_grad:
                raise RuntimeError(f"autograd.grad: input {i} does not require grad")
            captured[_edge(t)] = i
        results = [None] * len(inputs)

    deps = _dependencies(root_nodes)
    ready = [(-n.seq, id(n), n) for n in root_nodes if deps.get(n, 0) == 0]
    heapq.heapify(ready)
    with set_grad_enabled(create_graph):
        while ready:
            _, _, node = heapq.heappop(ready)
            grads = buffers.pop(node, None) or [None] * node.num_outputs
            if node.pre_hooks or node.retained:
                _call_hooks(node, grads)
            is_leaf = type(node) is AccumulateGrad
            if is_leaf and grads[0] is not None:
                grads[0] = _leaf_hooks(node, grads[0])
            if captured:  # autograd.grad(): keep the gradients that reach its inputs
                for nr, g in enumerate(grads):
                    slot = captured.get((node, nr))
                    if slot is not None and g is not None:
                        results[slot] = g
            if is_leaf:
                if inputs is None and grads[0] is not None:
                    _accumulate(node, grads[0], create_graph)
                continue
            if grads[0] is None and all(g is None for g in grads):  # nothing arrived
                input_grads: tuple = (None,) * len(node.next_functions)
            else:
                input_grads = node.apply(grads)
                if not retain_graph:
                    node.release()
            for edge, g, meta in zip(node.next_functions, input_grads, node.input_meta):
                if edge is None:
                    continue
                nxt, nr = edge
                if g is not None:
                    if g.shape != meta[0] or g.dtype is not meta[1]:
                        g = _reduce_to(g, meta)
                    _add_to_buffer(buffers, nxt, nr, g)
                waiting = deps[nxt] = deps[nxt] - 1
                if waiting == 0:
                    heapq.heappush(ready, (-nxt.seq, id(nxt), nxt))
    if inputs is None:
        return None
    for i, r in enumerate(results):
        if r is None and not allow_unused:
            raise RuntimeError(f"autograd.grad: input {i} was not used in the graph; pass "
                               "allow_unused=True to get None for it")
    return tuple(results)
