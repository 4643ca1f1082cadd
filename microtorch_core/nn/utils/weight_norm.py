"""The hook-based weight reparametrisations PyTorch had before ``parametrize``:
``weight_norm`` / ``remove_weight_norm`` and ``spectral_norm`` / ``remove_spectral_norm``,
as ``torch.nn.utils``.

Both replace a parameter, say ``weight``, by the parameters it is computed from, and register
a forward pre-hook that recomputes ``module.weight`` (a plain tensor attribute) before each
``forward``::

    weight_norm:    weight_g, weight_v (parameters)          weight = g * v / ||v||
    spectral_norm:  weight_orig (parameter), weight_u, weight_v (buffers)
                                                             weight = weight_orig / sigma

``spectral_norm`` (Miyato et al., 2018) divides the weight by its largest singular value
``sigma``, estimated by power iteration: in training mode each forward takes
``n_power_iterations`` steps ``v = normalize(W^T u)``, ``u = normalize(W v)`` and stores ``u``
and ``v`` in the buffers; then ``sigma = u . W v``. The steps run under ``no_grad``, so ``u``
and ``v`` are constants for backward and the gradient flows through ``sigma`` only. In eval
mode the stored ``u``, ``v`` are used as they are. As in PyTorch, ``module.weight`` holds the
raw weight until the first forward.

PyTorch now recommends ``nn.utils.parametrizations.weight_norm`` (here too, in
``parametrizations.py``). Its ``load_state_dict`` hooks that convert old checkpoints
(``weight_g``/``weight_v`` into ``original0``/``original1``; spectral_norm's version 0 files)
are not reproduced (modules now have PyTorch's load-state-dict hooks, so they could be).
"""

from __future__ import annotations

import warnings
from typing import Any, TypeVar

from ...autograd.grad_mode import no_grad
from ...creation import randn
from ...tensor import Tensor
from .. import functional as F
from ..conv import ConvTranspose1d, ConvTranspose2d
from ..module import Module
from ..parameter import Parameter
from .parametrizations import _norm_except_dim, _weight_norm

__all__ = ["WeightNorm", "weight_norm", "remove_weight_norm", "SpectralNorm", "spectral_norm",
           "remove_spectral_norm"]

T = TypeVar("T", bound=Module)


def _parameter(module: Module, name: str, what: str) -> Parameter:
    weight = module._parameters.get(name)
    if weight is None:
        raise ValueError(f"{what} cannot be applied to '{name}' of {type(module).__name__}: "
                         f"it is not a parameter of it (parameters: "
                         f"{[n for n, p in module._parameters.items() if p is not None]})")
    return weight


def _find_hook(module: Module, kind: type, name: str) -> int | None:
    """The id of ``module``'s forward pre-hook of class ``kind`` on ``name``, if any."""
    for key, hook in module._forward_pre_hooks.items():
        if isinstance(hook, kind) and hook.name == name:
            return key
    return None


# -- weight_norm --------------------------------------------------------------------------------
class WeightNorm:
    """The forward pre-hook of ``weight_norm``: sets ``module.<name>`` from ``<name>_g`` and
    ``<name>_v``."""

    def __init__(self, name: str, dim: int | None) -> None:
        self.name, self.dim = name, -1 if dim is None else dim

    def compute_weight(self, module: Module) -> Tensor:
        return _weight_norm(getattr(module, self.name + "_v"), getattr(module, self.name + "_g"),
                            self.dim)

    def remove(self, module: Module) -> None:
        weight = self.compute_weight(module)
        delattr(module, self.name)
        del module._parameters[self.name + "_g"]
        del module._parameters[self.name + "_v"]
        setattr(module, self.name, Parameter(weight.detach()))

    def __call__(self, module: Module, inputs: Any) -> None:
        setattr(module, self.name, self.compute_weight(module))


def weight_norm(module: T, name: str = "weight", dim: int | None = 0) -> T:
    """Replace ``module.<name>`` by ``<name>_g`` (magnitude: the norm over every dim but
    ``dim``; ``None`` for the whole tensor) and ``<name>_v`` (direction), and recompute
    ``module.<name> = g * v / ||v||`` before every forward. Deprecated in PyTorch in favour of
    ``parametrizations.weight_norm``; it warns the same way.

    >>> layer = weight_norm(Linear(20, 40))
    >>> layer.weight_g.shape, layer.weight_v.shape
    ((40, 1), (40, 20))
    """
    warnings.warn("`torch.nn.utils.weight_norm` is deprecated in favor of "
                  "`torch.nn.utils.parametrizations.weight_norm`.", FutureWarning, stacklevel=2)
    if _find_hook(module, WeightNorm, name) is not None:
        raise RuntimeError(f"Cannot register two weight_norm hooks on the same parameter {name}")
    fn = WeightNorm(name, dim)
    weight = _parameter(module, name, "weight_norm")
    del module._parameters[name]
    module.register_parameter(name + "_g", Parameter(_norm_except_dim(weight, fn.dim).detach()))
    module.register_parameter(name + "_v", Parameter(weight.detach()))
    setattr(module, name, fn.compute_weight(module))
    module.register_forward_pre_hook(fn)
    return module


def remove_weight_norm(module: T, name: str = "weight") -> T:
    """Undo ``weight_norm``: ``module.<name>`` becomes a parameter again, with the current
    value of ``g * v / ||v||``."""
    key = _find_hook(module, WeightNorm, name)
    if key is None:
        raise ValueError(f"weight_norm of '{name}' not found in {type(module).__name__}")
    module._forward_pre_hooks[key].remove(module)
    del module._forward_pre_hooks[key]
    return module


# -- spectral_norm ------------------------------------------------------------------------------
class SpectralNorm:
    """The forward pre-hook of ``spectral_norm``: sets ``module.<name>`` to ``<name>_orig``
    divided by its largest singular value (power iteration in training mode)."""

    def __init__(self, name: str = "weight", n_power_iterations: int = 1, dim: int = 0,
                 eps: float = 1e-12) -> None:
        if n_power_iterations <= 0:
            raise ValueError("Expected n_power_iterations to be positive, but got "
                             f"n_power_iterations={n_power_iterations}")
        self.name, self.dim = name, dim
        self.n_power_iterations, self.eps = n_power_iterations, eps

    def reshape_weight_to_matrix(self, weight: Tensor) -> Tensor:
        """The weight as a (size of ``dim``, everything else) matrix."""
        if self.dim != 0:
            weight = weight.permute(self.dim, *[d for d in range(weight.dim()) if d != self.dim])
        return weight.reshape(weight.shape[0], -1)

    def compute_weight(self, module: Module, do_power_iteration: bool) -> Tensor:
        weight = getattr(module, self.name + "_orig")
        u = getattr(module, self.name + "_u")
        v = getattr(module, self.name + "_v")
        weight_mat = self.reshape_weight_to_matrix(weight)
        if do_power_iteration:
            with no_grad():
                for _ in range(self.n_power_iterations):
                    # written into the buffers, which carry the estimate to the next forward
                    v.copy_(F.normalize(weight_mat.t().mv(u), dim=0, eps=self.eps))
                    u.copy_(F.normalize(weight_mat.mv(v), dim=0, eps=self.eps))
                # copies: backward must see these u, v even if the buffers change later
                u, v = u.clone(), v.clone()
        sigma = u.dot(weight_mat.mv(v))
        return weight / sigma

    def remove(self, module: Module) -> None:
        with no_grad():
            weight = self.compute_weight(module, do_power_iteration=False)
        delattr(module, self.name)
        delattr(module, self.name + "_u")
        delattr(module, self.name + "_v")
        delattr(module, self.name + "_orig")
        module.register_parameter(self.name, Parameter(weight.detach()))

    def __call__(self, module: Module, inputs: Any) -> None:
        setattr(module, self.name, self.compute_weight(module, module.training))


def spectral_norm(module: T, name: str = "weight", n_power_iterations: int = 1,
                  eps: float = 1e-12, dim: int | None = None) -> T:
    """Divide ``module.<name>`` by its spectral norm (largest singular value), estimated by
    ``n_power_iterations`` power-iteration steps per training forward; stabilises the
    discriminator of a GAN. ``dim`` is the output dim (default 1 for transposed convolutions,
    else 0). Adds ``<name>_orig`` (the parameter trained) and buffers ``<name>_u``,
    ``<name>_v`` (random unit vectors to start).

    >>> d = spectral_norm(Linear(20, 40))
    >>> d.weight_u.shape, d.weight_v.shape
    ((40,), (20,))
    """
    if dim is None:
        dim = 1 if isinstance(module, (ConvTranspose1d, ConvTranspose2d)) else 0
    if _find_hook(module, SpectralNorm, name) is not None:
        raise RuntimeError(f"Cannot register two spectral_norm hooks on the same parameter "
                           f"{name}")
    fn = SpectralNorm(name, n_power_iterations, dim, eps)
    weight = _parameter(module, name, "spectral_norm")
    with no_grad():
        h, w = fn.reshape_weight_to_matrix(weight).shape
        u = F.normalize(randn(h, dtype=weight.dtype, device=weight.device), dim=0, eps=eps)
        v = F.normalize(randn(w, dtype=weight.dtype, device=weight.device), dim=0, eps=eps)
    delattr(module, name)
    module.register_parameter(name + "_orig", weight)
    setattr(module, name, weight.detach())
    module.register_buffer(name + "_u", u)
    module.register_buffer(name + "_v", v)
    module.register_forward_pre_hook(fn)
    return module


def remove_spectral_norm(module: T, name: str = "weight") -> T:
    """Undo ``spectral_norm``: ``module.<name>`` becomes a parameter holding
    ``<name>_orig / sigma`` with the stored ``u``, ``v``."""
    key = _find_hook(module, SpectralNorm, name)
    if key is None:
        raise ValueError(f"spectral_norm of '{name}' not found in {type(module).__name__}")
    module._forward_pre_hooks[key].remove(module)
    del module._forward_pre_hooks[key]
    return module
