"""``make_graphed_callables``: a module or function whose forward and backward are graphs.

Whole-step capture (``graph.py``) needs the optimizer inside the graph. This is the other way
PyTorch offers (``torch.cuda.make_graphed_callables``): capture a part of the network, its
forward pass as one graph and its backward pass as another, and use it in an ordinary eager
training loop. The result is an autograd ``Function``: its forward copies the arguments into
the static inputs and replays the forward graph; its backward copies the incoming gradients
into static gradient tensors and replays the backward graph, which computes the gradients of
the arguments and of the module's parameters (the engine then accumulates them into ``.grad``
as usual).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..tensor import Tensor
from .graph import Graph, graph


def make_graphed_callables(callables: Any, sample_args: tuple, num_warmup_iters: int = 3,
                           allow_unused_input: bool = False) -> Any:
    """Graphed versions of ``callables`` (a module or function, or a tuple of them), as
    ``torch.cuda.make_graphed_callables``.

    ``sample_args`` holds the tensors each callable is called with (a tuple, or a tuple of
    tuples for several callables): their shapes, dtypes, devices and ``requires_grad`` are
    what the graphs are captured for, and every later call must match them. Each callable is
    first run ``num_warmup_iters`` times eagerly (forward and backward), then captured. A
    module comes back as itself with its ``forward`` replaced (in the training mode it had
    at capture; in the other mode it runs eagerly); a function comes back as a function.

    >>> layer = make_graphed_callables(nn.Linear(4, 2), (mt.randn(8, 4, requires_grad=True),))
    >>> layer(x).sum().backward()          # two replays, no per-op dispatch
    """
    just_one = not isinstance(callables, tuple)
    if just_one:
        callables, sample_args = (callables,), (sample_args,)
    if len(callables) != len(sample_args):
        raise ValueError(f"make_graphed_callables: {len(callables)} callables but "
                         f"{len(sample_args)} tuples of sample arguments")
    graphed = tuple(_graph_one(fn, tuple(args), num_warmup_iters, allow_unused_input)
                    for fn, args in zip(callables, sample_args))
    return graphed[0] if just_one else graphed


def _graph_one(fn: Any, args: tuple, warmup: int, allow_unused: bool) -> Any:
    # imported here: this package loads with the ops, before autograd and nn are complete
    from ..autograd import Function
    from ..autograd import grad as autograd_grad
    from ..nn import Module

    for i, a in enumerate(args):
        if not isinstance(a, Tensor):
            raise TypeError(f"make_graphed_callables: sample argument {i} is a "
                            f"{type(a).__name__}; every sample argument must be a Tensor")
    is_module = isinstance(fn, Module)
    if is_module and (fn._forward_hooks or fn._forward_pre_hooks or fn._backward_hooks):
        raise RuntimeError("make_graphed_callables: modules with hooks cannot be graphed (a "
                           "replay would not call the hooks)")
    params = tuple(fn.parameters()) if is_module else ()
    static_inputs = args + params
    needs_grad = tuple(t.requires_grad for t in static_inputs)
    wanted = [t for t in static_inputs if t.requires_grad]

    def forward_and_backward(grad_outputs: Callable[[Tensor], Tensor] | None) -> tuple:
        outputs = _as_tuple(fn(*args))
        differentiable = [o for o in outputs if o.requires_grad]
        if not differentiable or not wanted:
            return outputs, ()
        grads = autograd_grad(
            differentiable, wanted,
            grad_outputs=[grad_outputs(o) if grad_outputs else o._ones_like_detached()
                          for o in differentiable],
            allow_unused=allow_unused)
        return outputs, grads

    for _ in range(warmup):  # eager: kernels built, optimizer-free state settled
        forward_and_backward(None)

    forward_graph, backward_graph = Graph(), Graph()
    with graph(forward_graph):
        static_outputs = _as_tuple(fn(*args))
    static_grad_outputs = tuple(o.detach()._ones_like_detached() if o.requires_grad else None
                                for o in static_outputs)
    differentiable = [o for o in static_outputs if o.requires_grad]
    grads: tuple = ()
    with graph(backward_graph):
        if differentiable and wanted:
            # retain_graph: the forward's saved tensors, which the backward graph reads,
            # stay alive with the static outputs' autograd graph
            grads = autograd_grad(differentiable, wanted,
                                  grad_outputs=[g for g in static_grad_outputs if g is not None],
                                  retain_graph=True, allow_unused=allow_unused)
    grads_iter = iter(grads)
    static_grad_inputs = tuple(next(grads_iter) if needs else None for needs in needs_grad)
    n_args = len(args)

    class Graphed(Function):
        @staticmethod
        def forward(ctx, *inputs: Tensor) -> tuple[Tensor, ...]:
            for static, given in zip(static_inputs[:n_args], inputs[:n_args]):
                if given is not static:
                    _check_like(static, given)
                    static.copy_(given)
            forward_graph.replay()
            return tuple(o.detach() for o in static_outputs)

        @staticmethod
        def backward(ctx, *grad_outputs: Tensor) -> tuple[Tensor | None, ...]:
            for static, given in zip(static_grad_outputs, grad_outputs):
                if static is not None and given is not None and given is not static:
                    static.copy_(given)
            backward_graph.replay()
            return tuple(g.detach() if g is not None else None for g in static_grad_inputs)

    def graphed_forward(*user_args: Tensor) -> Any:
        if len(user_args) != n_args:
            raise TypeError(f"the graphed callable takes {n_args} tensor arguments, as its "
                            f"sample arguments, got {len(user_args)}")
        outputs = Graphed.apply(*user_args, *params)
        return outputs[0] if len(outputs) == 1 else outputs

    if not is_module:
        return graphed_forward
    eager_forward, training = fn.forward, fn.training

    def forward(*user_args: Tensor) -> Any:
        if fn.training == training:
            return graphed_forward(*user_args)
        return eager_forward(*user_args)

    fn.forward = forward
    return fn


def _as_tuple(outputs: Any) -> tuple[Tensor, ...]:
    outputs = outputs if isinstance(outputs, tuple) else (outputs,)
    for o in outputs:
        if not isinstance(o, Tensor):
            raise TypeError(f"make_graphed_callables: the callable returned a "
                            f"{type(o).__name__}; only tensors (or tuples of them) can be "
                            f"outputs of a graph")
    return outputs


def _check_like(static: Tensor, given: Tensor) -> None:
    if not isinstance(given, Tensor) or given.shape != static.shape or \
            given.dtype is not static.dtype or given.device != static.device:
        got = (f"{given.dtype.name} {tuple(given.shape)} on {given.device}"
               if isinstance(given, Tensor) else type(given).__name__)
        raise ValueError(f"the graphed callable was captured for a {static.dtype.name} "
                         f"{tuple(static.shape)} tensor on {static.device}, got {got}")
