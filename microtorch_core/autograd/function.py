"""``Function``: one differentiable op, and ``Node``: its record in the graph.

Every op in MicroTorch is a ``Function`` subclass with two static methods, as in PyTorch's
custom functions::

    class Mul(Function):
        @staticmethod
        def forward(ctx, a, b):            # runs the kernels, sees no graph
            ctx.save_for_backward(a, b)
            return dispatch_binary("mul", a, b)

        @staticmethod
        def backward(ctx, grad):           # written with Tensor ops: works on every device
            a, b = ctx.saved_tensors
            return grad * b, grad * a

``Function.apply`` runs ``forward`` with grad mode off; if any input requires grad it also
creates a ``Node`` (the ``ctx``) that remembers the inputs' producers (``next_functions``) and
becomes the output's ``grad_fn``. The engine (``engine.py``) later calls ``backward``.
"""

from __future__ import annotations

import itertools
import weakref
from typing import TYPE_CHECKING, Any

from .grad_mode import _State

if TYPE_CHECKING:
    from ..tensor import Tensor

_sequence = itertools.count()  # creation order: the engine runs later nodes first

FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
    "backward through the graph a second time or if you need to access saved tensors after "
    "calling backward."
)


class Node:
    """A node of the backward graph; also the ``ctx`` handed to ``forward``/``backward``.

    ``next_functions[i]`` is ``(node, output_nr)`` for forward input ``i`` that requires grad
    (its ``grad_fn``, or the leaf's ``AccumulateGrad``), else ``None``.
    """

    # Defaults live on the class so that creating a node (once per recorded op) sets only
    # what differs; an instance attribute replaces a default when it is first assigned.
    next_functions: tuple[tuple[Node, int] | None, ...] = ()
    input_meta: tuple[Any, ...] = ()  # (shape, dtype) of each forward input, None if not a tensor
    output_meta: tuple[Any, ...] = ()  # (shape, dtype, device) of each output
    num_outputs = 1
    pre_hooks: dict[int, list[Any]] | None = None  # output_nr -> hooks on that gradient
    retained: dict[int, Any] | None = None  # output_nr -> weakref of a retain_grad() tensor
    _saved: list[tuple[Tensor, int, int]] | None = None
    _non_diff: frozenset[int] | set[int] = frozenset()  # ids of outputs that get no gradient
    _freed = False
    materialize_grads = True

    def __init__(self, fn: type[Function] | None = None) -> None:
        self.fn = fn
        self.seq = next(_sequence)

    def name(self) -> str:
        return f"{self.fn.__name__}Backward0" if self.fn else type(self).__name__

    @property
    def needs_input_grad(self) -> tuple[bool, ...]:
        """For each forward input, whether it requires grad (has an edge)."""
        return tuple([edge is not None for edge in self.next_functions])

    def __repr__(self) -> str:
        return f"<{self.name()}>"

    # -- ctx API used inside forward/backward ------------------------------------------
    def save_for_backward(self, *tensors: Tensor | None) -> None:
        """Keep tensors for backward; autograd checks they were not modified in place."""
        self._saved = [(t, t._storage.version if t is not None else 0, -1) for t in tensors]

    @property
    def saved_tensors(self) -> tuple[Tensor | None, ...]:
        """The tensors given to ``save_for_backward``, checked against in-place changes."""
        if self._freed:
            raise RuntimeError(FREED_MESSAGE)
        if self._saved is None:
            return ()
        out = []
        for t, version, output_nr in self._saved:
            if t is None:
                out.append(None)
                continue
            if t._storage.version != version:
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified "
                    f"by an inplace operation: [{t.dtype.name} {list(t.shape)}], which is "
                    f"{'output ' + str(max(output_nr, 0)) + ' of ' if output_nr >= 0 else ''}"
                    f"saved by {self.name()}, is at version {t._storage.version}; expected "
                    f"version {version} instead. Hint: replace the in-place op with its "
                    "out-of-place form (e.g. x = x + 1 instead of x += 1)."
                )
            if output_nr >= 0:  # a saved output: reattach this node as its grad_fn
                t = t._alias()
                t.requires_grad, t.grad_fn, t._output_nr = True, self, output_nr
            out.append(t)
        return tuple(out)

    def mark_non_differentiable(self, *tensors: Tensor) -> None:
        """Outputs that get no gradient (e.g. argmax indices)."""
        self._non_diff = {id(t) for t in tensors}

    def set_materialize_grads(self, value: bool) -> None:
        """If False, ``backward`` may receive None for outputs that got no gradient."""
        self.materialize_grads = value

    # -- used by the engine ---------------------------------------------------------------
    def apply(self, grads: list[Tensor | None]) -> tuple[Tensor | None, ...]:
        """Run ``backward`` and return one gradient per forward input."""
        if self.num_outputs > 1 and self.materialize_grads:  # a lone output's grad is there
            grads = [g if g is not None else _zeros_like_meta(m)
                     for g, m in zip(grads, self.output_meta)]
        result = self.fn.backward(self, *grads)
        if not isinstance(result, tuple):
            result = (result,)
        if len(result) < len(self.next_functions):
            raise RuntimeError(f"function {self.name()} returned {len(result)} gradients, "
                               f"expected {len(self.next_functions)} (one per forward input)")
        return result

    def release(self) -> None:
        """Free saved tensors after backward (unless retain_graph)."""
        if self._saved is not None:
            self._saved = None
            self._freed = True


class AccumulateGrad(Node):
    """The graph's sink for a leaf tensor: adds the incoming gradient into ``leaf.grad``.

    The leaf keeps its accumulator alive (so one is not rebuilt for every op) and the
    accumulator refers back to the leaf weakly, so the two form no reference cycle.
    """

    def __init__(self, leaf: Tensor) -> None:
        super().__init__(None)
        self._variable = weakref.ref(leaf)

    @property
    def variable(self) -> Tensor | None:
        """The leaf tensor (None once it has been garbage collected)."""
        return self._variable()

    def name(self) -> str:
        return "AccumulateGrad"


class Function:
    """Base class of differentiable ops; subclass it for custom ops, as in PyTorch."""

    @staticmethod
    def forward(ctx: Node, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("Function subclasses must implement forward")

    @staticmethod
    def backward(ctx: Node, *grad_outputs: Tensor) -> Any:
        raise NotImplementedError("Function subclasses must implement backward to be "
                                  "differentiated")

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run the op: forward now, and record a node for backward if grad is needed."""
        if _State.enabled:
            for a in args:
                if isinstance(a, _Tensor) and a.requires_grad:
                    return cls._apply_recording(args, kwargs)
        # Nothing to record. Grad mode may stay on: ops nested inside forward see only
        # inputs that do not require grad, so they record nothing either. A fresh ctx per
        # call (~70 ns): a shared one kept the last tensors forward stored on it alive, and
        # nested forwards overwrote each other's attributes.
        if kwargs:
            return cls.forward(_NoGradCtx(), *args, **kwargs)
        return cls.forward(_NoGradCtx(), *args)

    @classmethod
    def _apply_recording(cls, args: tuple, kwargs: dict) -> Any:
        node = Node(cls)
        _State.enabled = False
        try:
            outputs = cls.forward(node, *args, **kwargs)
        finally:
            _State.enabled = True
        edges, metas = [], []
        for a in args:
            if isinstance(a, _Tensor):
                metas.append((a.shape, a.dtype))
                if a.requires_grad:
                    edges.append(_edge(a))
                    continue
            else:
                metas.append(None)
            edges.append(None)
        node.next_functions, node.input_meta = tuple(edges), tuple(metas)
        if not isinstance(outputs, tuple):
            outputs = _mark_output(node, outputs, 0)
            node.output_meta = ((outputs.shape, outputs.dtype, outputs.device),)
            outs = (outputs,)
        else:
            outputs = outs = tuple(_mark_output(node, o, i) for i, o in enumerate(outputs))
            node.num_outputs = len(outs)
            node.output_meta = tuple((o.shape, o.dtype, o.device) for o in outs)
        if node._saved:  # saved outputs become aliases, so output -> node -> output is no cycle
            ids = {id(o): i for i, o in enumerate(outs)}
            node._saved = [(t._alias(), v, ids[id(t)]) if t is not None and id(t) in ids
                           else (t, v, nr) for t, v, nr in node._saved]
        return outputs


def _mark_output(node: Node, out: Tensor, index: int) -> Tensor:
    """Make ``out`` the ``index``-th output of ``node`` (unless it is not differentiable)."""
    if not out.dtype.is_inexact or id(out) in node._non_diff:
        return out
    if out.grad_fn is not None or out.requires_grad:  # forward returned an input as is
        out = out._alias()
    out.requires_grad, out.grad_fn, out._output_nr = True, node, index
    return out


class _NoGradCtx:
    """The ``ctx`` of a forward that records nothing: saving is a no-op."""

    needs_input_grad = ()

    def save_for_backward(self, *tensors: Any) -> None:
        pass

    def mark_non_differentiable(self, *tensors: Any) -> None:
        pass

    def set_materialize_grads(self, value: bool) -> None:
        pass



def _edge(t: Tensor) -> tuple[Node, int]:
    """Where a gradient for ``t`` must go: its grad_fn, or its leaf accumulator."""
    if t.grad_fn is not None:
        return (t.grad_fn, t._output_nr)
    acc = t._grad_acc
    if acc is None:
        acc = t._grad_acc = AccumulateGrad(t)
    return (acc, 0)


from ..tensor import Tensor as _Tensor  # noqa: E402  (tensor.py imports this module first)
from ..tensor import _zeros_like_meta  # noqa: E402
