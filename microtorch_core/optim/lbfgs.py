"""L-BFGS (Nocedal, 1980; Liu & Nocedal, 1989), with PyTorch's algorithm: a fixed step or a
strong-Wolfe line search, several iterations per ``step(closure)``."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ..autograd.grad_mode import enable_grad, no_grad
from ..creation import zeros
from ..ops import cat
from ..tensor import Tensor
from .line_search import strong_wolfe
from .optimizer import Optimizer, check_non_negative


class LBFGS(Optimizer):
    """PyTorch's L-BFGS: a quasi-Newton method that treats all parameters as one vector ``x``.

    Each ``step(closure)`` runs up to ``max_iter`` iterations of::

        d = -H g                       H: inverse Hessian estimate from the last history_size
                                       pairs s = x_k+1 - x_k, y = g_k+1 - g_k (two-loop rule)
        x = x + t d                    t = lr (the first iteration ever: lr * min(1, 1/|g|_1)),
                                       or a strong-Wolfe line search along d

    stopping early when the largest gradient entry is below ``tolerance_grad``, or the step
    or the change in loss is below ``tolerance_change``, or after ``max_eval`` evaluations.
    A pair is remembered only when ``y . s > 1e-10``, which keeps ``H`` positive definite.

    Unlike the other optimizers it needs the closure (it re-evaluates the loss many times per
    step) and one param group, and it overrides ``step`` rather than ``_update``: the update
    mixes all parameters. There is no ``maximize`` (as PyTorch). Its state (iteration counts,
    the history, the last direction, step and gradient) is kept under the first parameter,
    as PyTorch does, so it goes through ``state_dict()``.

    >>> opt = LBFGS(model.parameters(), line_search_fn="strong_wolfe")
    >>> def closure():
    ...     opt.zero_grad(); loss = loss_fn(model(x), y); loss.backward(); return loss
    >>> opt.step(closure)
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1,
                 max_iter: int = 20, max_eval: int | None = None,
                 tolerance_grad: float = 1e-7, tolerance_change: float = 1e-9,
                 history_size: int = 100, line_search_fn: str | None = None) -> None:
        check_non_negative(lr=lr)
        if line_search_fn not in (None, "strong_wolfe"):
            raise ValueError(f"only 'strong_wolfe' is supported as line_search_fn (or None), "
                             f"got {line_search_fn!r}")
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        super().__init__(params, dict(lr=lr, max_iter=max_iter, max_eval=max_eval,
                                      tolerance_grad=tolerance_grad,
                                      tolerance_change=tolerance_change,
                                      history_size=history_size,
                                      line_search_fn=line_search_fn))
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups): "
                             f"got {len(self.param_groups)} groups")
        self._params: list[Tensor] = self.param_groups[0]["params"]

    # -- the parameters as one flat vector ---------------------------------------------------
    def _gather_flat_grad(self) -> Tensor:
        """Every gradient, flattened and concatenated (zeros for a parameter without one)."""
        return cat([zeros(p.numel(), dtype=p.dtype, device=p.device) if p.grad is None
                    else p.grad.reshape(-1) for p in self._params])

    def _add_grad(self, step_size: float, update: Tensor) -> None:
        """x += step_size * update, ``update`` a flat vector."""
        offset = 0
        for p in self._params:
            numel = p.numel()
            p.add_(update[offset:offset + numel].view_as(p), alpha=step_size)
            offset += numel

    def _directional_evaluate(self, closure: Callable[[], Any], x: list[Tensor], t: float,
                              d: Tensor) -> tuple[float, Tensor]:
        """The loss and flat gradient at ``x + t d``; the parameters are put back to ``x``."""
        self._add_grad(t, d)
        loss = float(closure())
        flat_grad = self._gather_flat_grad()
        for p, saved in zip(self._params, x):
            p.copy_(saved)
        return loss, flat_grad

    @no_grad()
    def step(self, closure: Callable[[], Any]) -> Any:  # type: ignore[override]
        """Run up to ``max_iter`` L-BFGS iterations; returns the loss ``closure()`` gave first.

        ``closure`` must zero the gradients, compute the loss, call ``backward()`` on it and
        return it; it runs with grad enabled.
        """
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups): "
                             f"got {len(self.param_groups)} groups")

        def evaluate() -> Any:
            with enable_grad():
                return closure()

        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        history_size = group["history_size"]

        state = self.state.setdefault(self._params[0], {})
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        orig_loss = evaluate()
        loss = float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._gather_flat_grad()
        if flat_grad.abs().max().item() <= tolerance_grad:
            return orig_loss  # already optimal

        d, t = state.get("d"), state.get("t")
        old_dirs, old_stps, ro = state.get("old_dirs"), state.get("old_stps"), state.get("ro")
        h_diag = state.get("H_diag")
        prev_flat_grad, prev_loss = state.get("prev_flat_grad"), state.get("prev_loss")

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1

            # -- direction: steepest descent at first, then the L-BFGS two-loop recursion --
            if state["n_iter"] == 1:
                d = -flat_grad
                old_dirs, old_stps, ro = [], [], []
                h_diag = 1.0
            else:
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = y.dot(s).item()
                if ys > 1e-10:  # curvature condition: keep the pair
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    h_diag = ys / y.dot(y).item()  # scale of the initial inverse Hessian
                if "al" not in state:
                    state["al"] = [None] * history_size
                al = state["al"]
                q = -flat_grad
                for i in range(len(old_dirs) - 1, -1, -1):
                    al[i] = old_stps[i].dot(q).item() * ro[i]
                    q.add_(old_dirs[i], alpha=-al[i])
                d = r = q * h_diag
                for i in range(len(old_dirs)):
                    be_i = old_dirs[i].dot(r).item() * ro[i]
                    r.add_(old_stps[i], alpha=al[i] - be_i)

            if prev_flat_grad is None:
                prev_flat_grad = flat_grad.clone()
            else:
                prev_flat_grad.copy_(flat_grad)
            prev_loss = loss

            # -- step length --------------------------------------------------------------
            if state["n_iter"] == 1:
                t = min(1.0, 1.0 / flat_grad.abs().sum().item()) * lr
            else:
                t = lr
            gtd = flat_grad.dot(d).item()  # the slope along d
            if gtd > -tolerance_change:
                break  # d is not a descent direction (any more)

            evals = 0
            if group["line_search_fn"] is not None:
                x_init = [p.clone() for p in self._params]

                def obj_func(x: list[Tensor], t: float, d: Tensor) -> tuple[float, Tensor]:
                    return self._directional_evaluate(evaluate, x, t, d)

                loss, flat_grad, t, evals = strong_wolfe(obj_func, x_init, t, d, loss,
                                                         flat_grad, gtd,
                                                         max_ls=max_eval - current_evals)
                self._add_grad(t, d)
                opt_cond = flat_grad.abs().max().item() <= tolerance_grad
            else:
                self._add_grad(t, d)
                opt_cond = False
                if n_iter != max_iter:
                    # not after the last iteration: in a stochastic setting, no use
                    loss = float(evaluate())
                    flat_grad = self._gather_flat_grad()
                    opt_cond = flat_grad.abs().max().item() <= tolerance_grad
                    evals = 1
            current_evals += evals
            state["func_evals"] += evals

            # -- stopping -------------------------------------------------------------------
            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if (d * t).abs().max().item() <= tolerance_change:
                break  # the step is too small
            if abs(loss - prev_loss) < tolerance_change:
                break  # the loss stopped changing

        state.update(d=d, t=t, old_dirs=old_dirs, old_stps=old_stps, ro=ro, H_diag=h_diag,
                     prev_flat_grad=prev_flat_grad, prev_loss=prev_loss)
        return orig_loss
