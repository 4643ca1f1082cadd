"""Flat parameter vectors, as ``torch.nn.utils.convert_parameters``: all of a model's
parameters as one 1-d tensor, and back.

>>> vec = parameters_to_vector(model.parameters())
>>> vector_to_parameters(vec * 0.5, model.parameters())
"""

from __future__ import annotations

from collections.abc import Iterable

from ...ops import cat
from ...tensor import Tensor
from .clip_grad import _as_list

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def _check_same_device(params: list[Tensor]) -> None:
    for i, param in enumerate(params):
        if param.device != params[0].device:
            raise TypeError(f"Found two parameters on different devices ({params[0].device} "
                            f"at index 0, {param.device} at index {i}), this is currently not "
                            "supported.")


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All parameters flattened and joined into one 1-d tensor (a copy, still in the graph).

    >>> vec = parameters_to_vector(model.parameters())   # shape (number of weights,)
    """
    params = _as_list(parameters)
    if not params:
        raise ValueError("parameters_to_vector() got an empty list of parameters")
    _check_same_device(params)
    return cat([param.reshape(-1) for param in params])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """The inverse of ``parameters_to_vector``: point each parameter's ``data`` at its slice of
    ``vec``, reshaped (as PyTorch, the parameters then share ``vec``'s storage).

    >>> vector_to_parameters(vec * 0.5, model.parameters())
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected Tensor, but got: {type(vec).__name__}")
    params = _as_list(parameters)
    _check_same_device(params)
    needed = sum(param.numel() for param in params)
    if vec.dim() != 1 or vec.numel() != needed:
        raise ValueError(f"vec must be a 1-d tensor of {needed} elements (the parameters' "
                         f"total), got shape {tuple(vec.shape)}")
    if params and vec.device != params[0].device:
        raise TypeError(f"vec is on {vec.device} but the parameters are on {params[0].device}")
    start = 0
    for param in params:
        n = param.numel()
        param.data = vec[start:start + n].reshape(param.shape).data
        start += n
