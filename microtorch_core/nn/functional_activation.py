"""Activation functions, as in ``torch.nn.functional``; ``nn.functional`` re-exports them and
the modules in ``activation.py`` wrap them.

Each is a composite of Tensor ops, so it runs on every backend and autograd gives its
gradient. Where the derivative at a kink is a convention (relu at 0, the ends of hardtanh,
the thresholds of the shrinks), ``where`` takes the branch whose slope PyTorch uses there,
and the exponentials only ever see clamped arguments, so that the branch ``where`` discards
cannot overflow (its ``inf`` gradient, times the 0 ``where`` sends it, would be a ``nan``).

``inplace=True`` writes the result into the input (see ``_maybe_inplace``).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from .. import dtypes, ops
from ..creation import rand
from ..tensor import Tensor, _wrap_dim

__all__ = [
    "relu", "relu6", "gelu", "sigmoid", "tanh", "softmax", "log_softmax", "softmin",
    "leaky_relu", "elu", "selu", "celu", "silu", "softplus", "mish", "hardtanh", "hardswish",
    "hardsigmoid", "logsigmoid", "softsign", "glu", "prelu", "rrelu", "rrelu_", "threshold",
    "tanhshrink", "hardshrink", "softshrink",
]

softmax = ops.softmax
log_softmax = ops.log_softmax
sigmoid = ops.sigmoid
tanh = ops.tanh

# SELU's constants (Klambauer et al., 2017): with them a standard normal input keeps mean 0
# and variance 1 through the layer
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _maybe_inplace(input: Tensor, inplace: bool,  # noqa: A002
                   fn: Callable[[Tensor], Tensor]) -> Tensor:
    """``fn(input)``, or with ``inplace`` the same values written into ``input``. When the
    graph records it, ``fn`` runs on a copy, since its backward may need the old values."""
    if not inplace:
        return fn(input)
    return input.copy_(fn(input.clone() if input.requires_grad else input))


def _check_floating(name: str, input: Tensor) -> None:  # noqa: A002
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"{name} is implemented for floating dtypes only, got "
                                  f"{input.dtype.name}")


# -- piecewise linear ---------------------------------------------------------------------------
def relu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """max(x, 0)"""
    return input.relu_() if inplace else ops.relu(input)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0,  # noqa: A002
             inplace: bool = False) -> Tensor:
    """x clamped to [min_val, max_val]. The gradient is 0 outside (min_val, max_val) and at
    its ends too, as in PyTorch (``clamp`` would pass it at the ends)."""
    if min_val > max_val:
        raise ValueError(f"min_val cannot be greater than max_val, got min_val={min_val} and "
                         f"max_val={max_val}")
    if input.dtype is dtypes.bool_:
        raise RuntimeError("Bool inputs not supported for hardtanh")
    if not input.dtype.is_floating_point:  # integer bounds, truncated as PyTorch's (0.5: 0)
        min_val, max_val = int(min_val), int(max_val)

    def clamped(x: Tensor) -> Tensor:
        # "outside", not "not inside": a NaN is neither, and passes with gradient 1 (PyTorch)
        outside = (x <= min_val) | (x >= max_val)
        return ops.where(outside, ops.clamp(x.detach(), min_val, max_val), x)

    return _maybe_inplace(input, inplace, clamped)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """min(max(x, 0), 6): ``hardtanh(x, 0, 6)``, so the gradient is 0 at 0 and at 6.

    >>> relu6(microtorch_core.tensor([-1.0, 3.0, 8.0])).tolist()
    [0.0, 3.0, 6.0]
    """
    return hardtanh(input, 0, 6, inplace)


def leaky_relu(input: Tensor, negative_slope: float = 0.01,  # noqa: A002
               inplace: bool = False) -> Tensor:
    """x where x > 0, else negative_slope * x (the gradient at 0 is negative_slope, as in
    PyTorch)."""
    _check_floating("leaky_relu", input)
    return _maybe_inplace(input, inplace,
                          lambda x: ops.where(x > 0, x, x * negative_slope))


def prelu(input: Tensor, weight: Tensor) -> Tensor:  # noqa: A002
    """x where x > 0, else weight * x: a leaky ReLU whose slope is learned, one for all
    elements (``weight`` of one element) or one per channel (dim 1; a 1-D input counts as one
    channel), as ``torch.nn.functional.prelu``. The gradient at 0 is the slope."""
    _check_floating("prelu", input)
    if weight.dim() > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: "
                           f"ndim = {weight.dim()}")
    if weight.numel() == 1:
        slope = weight.reshape(())
    else:
        if input.dim() == 0:
            raise RuntimeError(f"prelu: a 0-dim input takes a single slope, got weight of "
                               f"shape {tuple(weight.shape)}")
        channels = input.shape[1] if input.dim() >= 2 else 1
        if weight.numel() != channels:
            raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found "
                               f"parameter numbers = {weight.numel()} and channel size = "
                               f"{channels}.")
        slope = weight.reshape((1, channels) + (1,) * (input.dim() - 2))
    return ops.where(input > 0, input, slope * input)


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3,  # noqa: A002
          training: bool = False, inplace: bool = False) -> Tensor:
    """The randomized leaky ReLU (Xu et al., 2015), as ``torch.nn.functional.rrelu``: x where
    x > 0, else a * x, with a drawn uniformly from [lower, upper] for each element while
    ``training`` (from the default generator), and the mean slope (lower + upper) / 2 in
    evaluation. The gradient at 0 is the slope, as in PyTorch."""
    _check_floating("rrelu", input)
    if lower > upper:
        raise RuntimeError(f"Lower bound should be less than or equal to the upper bound, got "
                           f"lower={lower} and upper={upper}")
    if training:
        slope = rand(tuple(input.shape), dtype=input.dtype, device=input.device)
        slope = slope * (upper - lower) + lower
    else:
        slope = (lower + upper) / 2
    return _maybe_inplace(input, inplace, lambda x: ops.where(x > 0, x, x * slope))


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3,  # noqa: A002
           training: bool = False) -> Tensor:
    """``rrelu`` written into ``input``, as ``torch.nn.functional.rrelu_``."""
    return rrelu(input, lower, upper, training, inplace=True)


def threshold(input: Tensor, threshold: float, value: float,  # noqa: A002
              inplace: bool = False) -> Tensor:
    """value where x <= threshold (gradient 0 there), else x; a NaN x (or threshold) keeps x,
    as in PyTorch."""
    return _maybe_inplace(input, inplace, lambda x: ops.where(x <= threshold, value, x))


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:  # noqa: A002
    """0 where -lambd <= x <= lambd, else x (a NaN stays NaN, gradient 1, as in PyTorch)."""
    _check_floating("hardshrink", input)
    return ops.where((input >= -lambd) & (input <= lambd), 0.0, input)


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:  # noqa: A002
    """x moved towards 0 by lambd: x - lambd above lambd, x + lambd below -lambd, 0 between."""
    _check_floating("softshrink", input)
    if lambd < 0:
        raise RuntimeError(f"softshrink: lambda must be greater or equal to 0, but found to be "
                           f"{lambd}")
    # x - lambd * sign(x) outside [-lambd, lambd]: a NaN stays NaN with gradient 1, as
    # PyTorch's (x * 0 inside keeps its -0.0 too)
    inside = (input >= -lambd) & (input <= lambd)
    return ops.where(inside, input * 0, input - lambd * input.sign())


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """x * relu6(x + 3) / 6: 0 up to -3, x from 3 on, x (x + 3) / 6 between. Written
    piecewise so that the gradient at the ends is PyTorch's (0 at -3, 1 at 3)."""
    _check_floating("hardswish", input)
    return _maybe_inplace(input, inplace, lambda x: ops.where(
        x <= -3, 0.0, ops.where(x < 3, x * (x + 3) / 6, x)))


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """relu6(x + 3) / 6: 0 up to -3, 1 from 3 on, x / 6 + 1/2 between (a cheap sigmoid)."""
    _check_floating("hardsigmoid", input)
    return _maybe_inplace(input, inplace, lambda x: hardtanh(x + 3, 0.0, 6.0) / 6)


# -- smooth -------------------------------------------------------------------------------------
def gelu(input: Tensor, approximate: str = "none") -> Tensor:  # noqa: A002
    """x * Phi(x), Phi the standard normal CDF: exact with ``erf``, or PyTorch's ``'tanh'``
    approximation 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""
    if approximate == "none":
        return 0.5 * input * (1 + ops.erf(input * (1 / math.sqrt(2.0))))
    if approximate == "tanh":
        inner = math.sqrt(2.0 / math.pi) * (input + 0.044715 * input * input * input)
        return 0.5 * input * (1 + ops.tanh(inner))
    raise ValueError(f"approximate argument must be either 'none' or 'tanh', got "
                     f"{approximate!r}")


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """x where x > 0, else alpha * (exp(x) - 1)."""
    _check_floating("elu", input)
    return _maybe_inplace(input, inplace, lambda x: ops.where(  # NaN: x, gradient 1 (PyTorch)
        x <= 0, alpha * ops.expm1(ops.clamp(x, max=0.0)), x))


def selu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """scale * elu(x, alpha) with alpha ~ 1.6733 and scale ~ 1.0507, the constants that keep
    a standard normal input's mean 0 and variance 1 through the layer (self-normalising)."""
    _check_floating("selu", input)
    return _maybe_inplace(input, inplace, lambda x: _SELU_SCALE * elu(x, _SELU_ALPHA))


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """x where x > 0, else alpha * (exp(x / alpha) - 1): an ELU whose slope at 0 is 1 from
    both sides, whatever alpha."""
    _check_floating("celu", input)
    if alpha == 0:
        raise RuntimeError(f"ZeroDivisionError: alpha cannot be 0 for CELU, got alpha={alpha}")
    return _maybe_inplace(input, inplace, lambda x: ops.where(
        x > 0, x, alpha * ops.expm1(ops.clamp(x, max=0.0) / alpha)))


def silu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """x * sigmoid(x), also called swish."""
    _check_floating("silu", input)
    return _maybe_inplace(input, inplace, lambda x: x * ops.sigmoid(x))


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:  # noqa: A002
    """log(1 + exp(beta x)) / beta, a smooth ReLU; x itself where beta x > threshold (where
    the two agree to float precision and the exp could overflow)."""
    _check_floating("softplus", input)
    scaled = input * beta
    smooth = ops.log1p(ops.clamp(scaled, max=threshold).exp()) / beta
    return ops.where(scaled > threshold, input, smooth)


def logsigmoid(input: Tensor) -> Tensor:  # noqa: A002
    """log(sigmoid(x)) = min(x, 0) - log(1 + exp(-|x|)), which no x overflows. Each branch
    of the ``where`` exponentiates a number <= 0; x = 0 takes the branch whose slope there is
    the true one, 1/2.

    >>> logsigmoid(microtorch_core.tensor([-1000.0, 0.0, 1000.0])).tolist()
    [-1000.0, -0.6931471824645996, -0.0]
    """
    _check_floating("logsigmoid", input)
    below = input - ops.log1p(ops.clamp(input, max=0.0).exp())
    above = -ops.log1p((-ops.clamp(input, min=0.0)).exp())
    return ops.where(input < 0, below, above)


def mish(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """x * tanh(softplus(x))."""
    _check_floating("mish", input)
    return _maybe_inplace(input, inplace, lambda x: x * ops.tanh(softplus(x)))


def softsign(input: Tensor) -> Tensor:  # noqa: A002
    """x / (1 + |x|); integers give the default float dtype, as in PyTorch."""
    return input / (1 + input.abs())


def tanhshrink(input: Tensor) -> Tensor:  # noqa: A002
    """x - tanh(x)."""
    return input - ops.tanh(input)


def softmin(input: Tensor, dim: int | None = None,  # noqa: A002
            dtype: dtypes.DType | None = None) -> Tensor:
    """softmax(-x) along ``dim``: the smallest entries get the largest weights."""
    return ops.softmax(-input, dim, dtype)


def glu(input: Tensor, dim: int = -1) -> Tensor:  # noqa: A002
    """a * sigmoid(b), a and b the two halves of ``input`` along ``dim`` (the gated linear
    unit: b decides how much of a passes).

    >>> glu(microtorch_core.tensor([[2.0, 4.0, 0.0, 0.0]])).tolist()
    [[1.0, 2.0]]
    """
    _check_floating("glu", input)
    if input.dim() == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = _wrap_dim(dim, input.dim())
    size = input.shape[d]
    if size % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {size}")
    a, b = input.split(size // 2, d)
    return a * ops.sigmoid(b)
