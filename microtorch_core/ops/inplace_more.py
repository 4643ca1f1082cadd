"""More in-place ops: comparisons (``eq_`` ... ``ge_``) and logical ops (``logical_and_`` ...)
written back in the tensor's own dtype, PyTorch's spellings of existing ones (``divide_``,
``multiply_``, ``subtract_``, ``negative_``...), and ``square_``, ``rsqrt_``,
``reciprocal_``, ``floor_divide_``, ``remainder_``, ``fmod_``, ``float_power_``, ``ldexp_``,
``deg2rad_``, ``rad2deg_``, ``gcd_``, ``lcm_``.

A comparison's bool result is copied into ``x`` with ``copy_`` (True becomes 1, 1.0 or True),
so when ``x`` is in a graph its old history gets a zero gradient, as in PyTorch.
"""

from __future__ import annotations

from collections.abc import Callable

from .. import dtypes
from ..tensor import Tensor
from . import elementwise as ew
from .inplace import _check_shape, _inplace_of, abs_, copy_, div_, mul_, neg_, sign_, sub_
from .pointwise_more import logical_xor


def _written_back(name: str, fn: Callable[..., Tensor]) -> Callable[..., Tensor]:
    """``x.name_(other)``: ``fn(x, other)`` copied into ``x`` in x's dtype."""

    def op(x: Tensor, *args) -> Tensor:
        if args:
            _check_shape(x, args[0], name + "_")
        return copy_(x, fn(x, *args))

    op.__name__ = name + "_"
    op.__doc__ = f"In-place ``{name}``: the result is written in the tensor's own dtype."
    return op


eq_, ne_, lt_, le_, gt_, ge_ = (_written_back(n, getattr(ew, n))
                                for n in ("eq", "ne", "lt", "le", "gt", "ge"))
greater_, greater_equal_, less_, less_equal_, not_equal_ = gt_, ge_, lt_, le_, ne_
logical_and_ = _written_back("logical_and", ew.logical_and)
logical_or_ = _written_back("logical_or", ew.logical_or)
logical_xor_ = _written_back("logical_xor", logical_xor)
logical_not_ = _written_back("logical_not", ew.logical_not)

negative_ = neg_
absolute_ = abs_
sgn_ = sign_
divide_ = true_divide_ = div_
multiply_ = mul_
subtract_ = sub_

(square_, rsqrt_, reciprocal_, floor_divide_, remainder_, fmod_, ldexp_, deg2rad_, rad2deg_,
 gcd_, lcm_) = (_inplace_of(n) for n in ("square", "rsqrt", "reciprocal", "floor_divide",
                                         "remainder", "fmod", "ldexp", "deg2rad", "rad2deg",
                                         "gcd", "lcm"))


def float_power_(x: Tensor, exponent) -> Tensor:
    """In-place ``float_power``: only a float64 tensor can hold the float64 result."""
    if x.dtype is not dtypes.float64:
        raise RuntimeError(f"the base given to float_power_ has dtype {x.dtype.name} but the "
                           "operation's result requires dtype float64")
    return _float_power_(x, exponent)


_float_power_ = _inplace_of("float_power")
