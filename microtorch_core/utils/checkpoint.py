"""Activation checkpointing, as ``torch.utils.checkpoint``: trade compute for memory.

Backward needs the intermediate activations of the forward pass; a deep network keeps all of
them alive until backward reaches them. ``checkpoint(f, x)`` instead runs ``f`` under
``no_grad`` and keeps only its inputs. When backward reaches the checkpoint, it runs ``f``
again, this time recording the graph, and backpropagates through that fresh graph::

    forward:   x --[f under no_grad]--> y            kept: x (not f's activations)
    backward:  x --[f again, recording]--> y'  then  y'.backward(grad of y)

A network cut into ``k`` checkpointed segments keeps ``k`` segment inputs plus the
activations of one segment at a time: about ``n/k + k`` activations instead of ``n``
(``checkpoint_sequential``).

Random ops (dropout) would draw new numbers in the recomputation. With ``preserve_rng_state``
the generator's state at the checkpoint's forward is stored and set again for the recompute,
so the dropout masks match; the state outside is restored afterwards (PyTorch's
``fork_rng``). MicroTorch has one generator for every device (``random.py``), so one
``(seed, offset)`` pair is all there is to store.

**One implementation: PyTorch's reentrant checkpoint.** ``CheckpointFunction`` is a custom
``Function`` whose backward calls ``autograd.backward`` on the recomputed graph: a backward
pass inside the backward pass (hence "reentrant"). The parameters used inside ``f`` are not
inputs of the ``Function``, so their gradients are accumulated into ``.grad`` by that inner
pass, not handed back through the outer graph. This brings PyTorch's reentrant limits:

- ``autograd.grad`` through a checkpoint is not supported: for the parameters used inside
  it fails ("input 0 was not used in the graph"), and for the checkpoint's inputs it returns
  the right gradient but also adds the inner parameters' gradients to their ``.grad``.
  PyTorch raises at once in both cases; MicroTorch's engine does not tell a ``Function``
  whether it runs for ``autograd.grad`` (a flag such as PyTorch's
  ``torch.autograd._is_checkpoint_valid()`` would), so it cannot;
- if no tensor input requires grad, the output does not either, and the parameters inside
  get no gradient (a warning says so);
- no higher-order gradients through the checkpoint.

PyTorch's recommended ``use_reentrant=False`` variant records the graph during the forward
pass and recomputes only the *saved tensors*, through saved-tensor hooks (``pack``/``unpack``
on ``save_for_backward``), which lifts those limits. MicroTorch's ``Node`` has no such hooks,
so both values of ``use_reentrant`` run the reentrant implementation, and keyword arguments
are accepted in both (PyTorch allows them only without reentrancy). ``use_reentrant`` left
out is not warned about, unlike PyTorch 2.4+: PyTorch warns because its two variants differ
and the default is going to change, and here there is nothing to choose between.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Sequence
from typing import Any

from .. import random as mt_random
from ..autograd import backward as autograd_backward
from ..autograd.function import Function, Node
from ..autograd.grad_mode import enable_grad, is_grad_enabled, no_grad
from ..tensor import Tensor

__all__ = ["checkpoint", "checkpoint_sequential", "CheckpointFunction"]


class CheckpointFunction(Function):
    """Run ``run_function(*args)`` without keeping its graph; rebuild it in backward.

    Not called directly: use ``checkpoint``. Its ``apply`` takes ``(run_function,
    preserve_rng_state, *args)``, as PyTorch's.
    """

    @staticmethod
    def forward(ctx: Node, run_function: Callable[..., Any], preserve_rng_state: bool,
                *args: Any) -> Any:
        ctx.run_function = run_function
        ctx.rng_state = mt_random.get_rng_state() if preserve_rng_state else None
        # Tensors go through save_for_backward (checked against in-place changes); the other
        # arguments are kept as they are, with a None placeholder where a tensor goes.
        ctx.tensor_indices = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        ctx.inputs = [None if isinstance(a, Tensor) else a for a in args]
        ctx.save_for_backward(*(args[i] for i in ctx.tensor_indices))
        # Function.apply turns grad mode off when it records a node, but not when no input
        # requires grad: say it here, so the parameters inside never build a graph either.
        with no_grad():
            return run_function(*args)

    @staticmethod
    def backward(ctx: Node, *grad_outputs: Tensor) -> tuple[Tensor | None, ...]:
        inputs = list(ctx.inputs)
        for i, t in zip(ctx.tensor_indices, ctx.saved_tensors):
            # Fresh leaves: the inner backward fills their .grad, which is what we return.
            leaf = t.detach()
            leaf.requires_grad = t.requires_grad
            inputs[i] = leaf
        outer_state = mt_random.get_rng_state()
        if ctx.rng_state is not None:
            mt_random.set_rng_state(ctx.rng_state)  # the dropout masks of the forward pass
        try:
            with enable_grad():
                outputs = ctx.run_function(*inputs)
        finally:
            mt_random.set_rng_state(outer_state)
        if isinstance(outputs, Tensor):
            outputs = (outputs,)
        pairs = [(out, g) for out, g in zip(outputs, grad_outputs)
                 if isinstance(out, Tensor) and out.requires_grad]
        if not pairs:
            raise RuntimeError("none of output has requires_grad=True, this checkpoint() is "
                               "not necessary")
        autograd_backward([out for out, _ in pairs], [g for _, g in pairs])
        grads = tuple(a.grad if isinstance(a, Tensor) else None for a in inputs)
        return (None, None) + grads


def checkpoint(function: Callable[..., Any], *args: Any, use_reentrant: bool | None = None,
               preserve_rng_state: bool = True, **kwargs: Any) -> Any:
    """``function(*args, **kwargs)``, keeping only the inputs for backward, which runs
    ``function`` again to rebuild the activations (see the module docstring).

    ``function`` must compute the same thing when called again: with
    ``preserve_rng_state`` (the default) random ops draw the same numbers; pass False to skip
    storing the generator state when ``function`` draws none. ``use_reentrant`` is accepted
    for PyTorch compatibility; both values run the reentrant implementation.

    >>> h = checkpoint(block, x, use_reentrant=False)   # block's activations are not kept
    >>> h.sum().backward()                                # block runs again here
    """
    if use_reentrant is not None and not isinstance(use_reentrant, bool):
        raise TypeError(f"use_reentrant must be True, False or None, got {use_reentrant!r}")
    if kwargs:
        function = functools.partial(function, **kwargs)
    if is_grad_enabled() and not any(isinstance(a, Tensor) and a.requires_grad for a in args):
        warnings.warn("None of the inputs have requires_grad=True. Gradients will be None",
                      stacklevel=2)
    return CheckpointFunction.apply(function, preserve_rng_state, *args)


def checkpoint_sequential(functions: Sequence[Callable[[Any], Any]] | Any, segments: int,
                          input: Any, use_reentrant: bool | None = None,  # noqa: A002
                          **kwargs: Any) -> Any:
    """Run ``functions`` (a ``Sequential`` or a list of callables) in order on ``input``,
    cut into ``segments`` pieces of ``len(functions) // segments``; every piece but the last
    is checkpointed (the last one's activations are needed at once by backward anyway).

    The only keyword argument is ``preserve_rng_state`` (default True), as in PyTorch.

    >>> model = Sequential(*[Linear(64, 64) for _ in range(16)])
    >>> out = checkpoint_sequential(model, 4, x, use_reentrant=False)
    """
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    if hasattr(functions, "children") and callable(functions.children):
        functions = list(functions.children())  # a Sequential: its modules in order
    functions = list(functions)
    if not 1 <= segments <= len(functions):
        raise ValueError(f"segments must be between 1 and the number of functions "
                         f"({len(functions)}), got {segments}")

    def run(start: int, end: int) -> Callable[[Any], Any]:
        def forward(x: Any) -> Any:
            for f in functions[start:end]:
                x = f(x)
            return x
        return forward

    size = len(functions) // segments
    end = 0
    for start in range(0, size * (segments - 1), size):
        end = start + size
        input = checkpoint(run(start, end), input, use_reentrant=use_reentrant,
                           preserve_rng_state=preserve)
    return run(end, len(functions))(input)
