"""``Optimizer``: parameter groups, ``zero_grad``, per-parameter state, state dicts."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import Any

from ..autograd.grad_mode import enable_grad, no_grad
from ..graphs import guard_values, is_capturing
from ..tensor import Tensor


class Optimizer:
    """Base class: holds ``param_groups`` (dicts with ``params`` and hyper-parameters) and a
    ``state`` dict per parameter, as PyTorch's ``torch.optim.Optimizer``."""

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], defaults: dict[str, Any]):
        self.defaults = defaults
        self.state: dict[Tensor, dict[str, Any]] = {}
        self.param_groups: list[dict[str, Any]] = []
        params = list(params)
        if not params:
            raise ValueError("optimizer got an empty parameter list")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, group: dict[str, Any]) -> None:
        """Add a group of parameters with its own hyper-parameters."""
        group = dict(group)
        params = group["params"]
        group["params"] = [params] if isinstance(params, Tensor) else list(params)
        for p in group["params"]:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, got {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in group["params"]):
            raise ValueError("some parameters appear in more than one parameter group")
        for key, value in self.defaults.items():
            group.setdefault(key, value)
        self.param_groups.append(group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's gradient (to None by default, as PyTorch 2)."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    if set_to_none:
                        p.grad = None
                    else:
                        p.grad = p.grad.detach()
                        p.grad.zero_()

    @no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; returns ``closure()``'s loss if given
        (a closure re-evaluates the model, with grad enabled, for optimizers that need it).

        A template method: the loop, the closure and ``maximize`` are here, and a subclass
        writes only its update rule for one parameter, ``_update``.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        if is_capturing():
            self._check_capturable()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    self._update(p, -p.grad if group.get("maximize") else p.grad, group)
        return loss

    def _capturable(self, group: dict[str, Any]) -> bool:
        """Whether ``step`` may be captured in a graph (``microtorch_core.graphs``) for this
        group: only when every number it reads that changes from step to step is a tensor.
        The base class says no; SGD and ``Adam(capturable=True)`` say yes."""
        return False

    def _check_capturable(self) -> None:
        """During a graph capture: refuse an optimizer whose step reads changing Python
        numbers (a step count), and make each replay check that the hyper-parameters baked
        into the graph as Python numbers (``lr``...) have not changed."""
        name = type(self).__name__
        for group in self.param_groups:
            if not self._capturable(group):
                hint = (" with capturable=True" if "capturable" in group else
                        ": it keeps its step count as a Python number, which a replay "
                        "cannot advance; SGD and Adam/AdamW(capturable=True) can be captured")
                raise RuntimeError(f"Attempting graph capture of step() for an instance of "
                                   f"{name}; create it{hint}")
            guard_values(f"{name}.param_groups", group, tuple(k for k in group if k != "params"),
                         "Give a value that changes as a tensor (e.g. lr=mt.tensor(0.01), "
                         "which LR schedulers update in place), or capture again.")

    def _update(self, p: Tensor, grad: Tensor, group: dict[str, Any]) -> None:
        """Apply the update rule to parameter ``p`` with gradient ``grad`` (already negated
        under ``maximize``), in place; ``self.state[p]`` keeps what persists between steps."""
        raise NotImplementedError(f"{type(self).__name__} does not implement _update")

    def state_dict(self) -> dict[str, Any]:
        """Hyper-parameters and per-parameter state, parameters referred to by index."""
        index = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                packed["params"].append(index[id(p)])
            groups.append(packed)
        state = {index[id(p)]: dict(s) for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what ``state_dict`` returned (for the same parameters, in the same order)."""
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups):
            raise ValueError(f"loaded state dict has {len(groups)} parameter groups, this "
                             f"optimizer has {len(self.param_groups)}")
        params = [p for g in self.param_groups for p in g["params"]]
        for mine, saved in zip(self.param_groups, groups):
            if len(mine["params"]) != len(saved["params"]):
                raise ValueError("loaded state dict contains a parameter group that doesn't "
                                 "match the size of optimizer's group "
                                 f"({len(saved['params'])} vs {len(mine['params'])})")
        self.state = {}
        for idx, s in state_dict["state"].items():
            p = params[int(idx)]
            self.state[p] = {k: (v.to(p.device) if isinstance(v, Tensor) else copy.deepcopy(v))
                             for k, v in s.items()}
        for mine, saved in zip(self.param_groups, groups):
            for k, v in saved.items():
                if k != "params":
                    mine[k] = v

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for k in sorted(group):
                if k != "params":
                    lines.append(f"    {k}: {group[k]}")
        return "\n".join(lines + [")"])


# -- the hyper-parameter checks every optimizer shares, with PyTorch's messages ---------------
_LABELS = {"lr": "learning rate", "eps": "epsilon value"}


def check_non_negative(**values: float) -> None:
    """Each value must be >= 0 (NaN fails too): ``check_non_negative(lr=lr, eps=eps)`` raises
    ``ValueError("Invalid learning rate: -1")``, or ``Invalid <name> value: ...``."""
    for name, value in values.items():
        if not 0.0 <= value:
            raise ValueError(f"Invalid {_LABELS.get(name, name + ' value')}: {value}")


def check_betas(betas: tuple[float, ...]) -> None:
    """Each of Adam-style ``betas`` must be in [0, 1)."""
    for i, beta in enumerate(betas):
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {beta} (expected "
                             "0 <= beta < 1)")
