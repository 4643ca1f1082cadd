"""Ready-made parametrizations, as ``torch.nn.utils.parametrizations``: ``weight_norm``.

Weight normalisation (Salimans & Kingma, 2016) writes a weight as a magnitude times a
direction, ``w = g * v / ||v||``, and trains ``g`` and ``v``: the length of each output
unit's weight vector is then learnt apart from its direction, which conditions gradient
descent better. Built on ``parametrize``: ``module.weight`` is computed from
``module.parametrizations.weight.original0`` (g) and ``original1`` (v) at each access.

(PyTorch's ``orthogonal`` and the parametrization form of ``spectral_norm`` are not here:
``orthogonal`` needs a matrix exponential or a QR decomposition, which MicroTorch's ``linalg``
does not have yet. The hook-based ``spectral_norm`` is in ``weight_norm.py``.)
"""

from __future__ import annotations

from ...tensor import Tensor
from ..module import Module
from . import parametrize

__all__ = ["weight_norm"]


def _norm_except_dim(v: Tensor, dim: int) -> Tensor:
    """The 2-norm of ``v`` over every dim but ``dim``, kept as size-1 dims (the shape of the
    magnitude ``g``); ``dim=-1`` means the norm of the whole tensor, a 0-d tensor, as in
    PyTorch's ``norm_except_dim`` (so -1 is not "the last dim" here)."""
    if dim == -1:
        return (v * v).sum().sqrt()
    if not -v.dim() <= dim < v.dim():
        raise IndexError(f"Dimension out of range (expected to be in range of "
                         f"[{-v.dim()}, {v.dim() - 1}], but got {dim})")
    dim %= v.dim()
    others = tuple(d for d in range(v.dim()) if d != dim)
    return (v * v).sum(dim=others, keepdim=True).sqrt() if others else v.abs()


def _weight_norm(v: Tensor, g: Tensor, dim: int) -> Tensor:
    """g * v / ||v||, the norm taken over every dim but ``dim``."""
    return v * (g / _norm_except_dim(v, dim))


class _WeightNorm(Module):
    """The parametrization: ``forward(g, v)`` is the weight; ``right_inverse(w)`` is
    ``(||w||, w)``, so that registering it leaves the weight's value unchanged."""

    def __init__(self, dim: int | None = 0) -> None:
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g: Tensor, weight_v: Tensor) -> Tensor:
        return _weight_norm(weight_v, weight_g, self.dim)

    def right_inverse(self, weight: Tensor) -> tuple[Tensor, Tensor]:
        return _norm_except_dim(weight, self.dim), weight


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """Weight-normalise ``module.<name>``: it becomes ``g * v / ||v||`` with ``g``
    (``parametrizations.<name>.original0``) and ``v`` (``original1``) the parameters.

    The norm is taken over every dim but ``dim`` (0: one magnitude per output unit);
    ``dim=None`` takes it over the whole tensor (one scalar ``g``). Undo it with
    ``parametrize.remove_parametrizations(module, name)``.

    >>> layer = weight_norm(Linear(20, 40))
    >>> layer.parametrizations.weight.original0.shape     # g
    (40, 1)
    >>> layer.parametrizations.weight.original1.shape     # v
    (40, 20)
    """
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)
    return module
