"""Elementwise ops: each Function's forward is one elementwise kernel, reached
through ``dispatch.py``; its backward, right below, is written with Tensor ops.

``a + b`` is ``Add.apply(a, b)``: ``Add.forward`` calls ``dispatch_binary("add", a, b)``, which
promotes, broadcasts, allocates ``out`` and calls ``kernels.add(out, a, b)``; ``Add.backward``
returns ``grad, grad`` (the engine sums a broadcast gradient back to each input's shape).
"""

from __future__ import annotations

import cmath
import math

from ... import dtypes
from ...autograd.function import Function
from ...dispatch import (
    Scalar,
    cast,
    check_operand,
    check_tensor_args,
    dispatch_binary,
    dispatch_unary,
    dispatch_where,
    invalid_arguments,
)
from ...dtypes import DType, result_type
from ...tensor import Tensor
from ..declare import op


def _is_bool(x: Tensor | Scalar) -> bool:
    return isinstance(x, bool) or (isinstance(x, Tensor) and x.dtype is dtypes.bool_)


def _float_type(a: Tensor | Scalar, b: Tensor | Scalar) -> DType:
    dtype = result_type(a, b)
    return dtype if dtype.is_inexact else dtypes.get_default_dtype()


def _conj(x: Tensor | Scalar) -> Tensor | Scalar:
    """The complex conjugate of a complex tensor or number; anything real as it is. The
    backward of a complex op multiplies by conjugated derivatives: with PyTorch's convention
    (``grad = dL/dRe + i dL/dIm``), ``grad_a = grad * conj(df/da)`` for ``f`` holomorphic."""
    if isinstance(x, Tensor):
        return x.conj() if x.dtype.is_complex else x
    return x.conjugate() if isinstance(x, complex) else x


# -- binary arithmetic ---------------------------------------------------------------------
class Add(Function):
    """out = a + b"""

    @staticmethod
    def forward(ctx, a, b):
        return dispatch_binary("add", a, b)

    @staticmethod
    def backward(ctx, grad):
        return grad, grad


class Sub(Function):
    """out = a - b"""

    @staticmethod
    def forward(ctx, a, b):
        if _is_bool(a) or _is_bool(b):  # as PyTorch: a kernel would compute garbage for two
            raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not "
                               "supported. If you are trying to invert a mask, use the `~` or "
                               "`logical_not()` operator instead.")
        return dispatch_binary("sub", a, b)

    @staticmethod
    def backward(ctx, grad):
        return grad, -grad


class Mul(Function):
    """out = a * b"""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(*(x if isinstance(x, Tensor) else None for x in (a, b)))
        ctx.scalars = (a, b)
        return dispatch_binary("mul", a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        a = ctx.scalars[0] if a is None else a
        b = ctx.scalars[1] if b is None else b
        return (grad * _conj(b) if ctx.needs_input_grad[0] else None,
                grad * _conj(a) if ctx.needs_input_grad[1] else None)


class Div(Function):
    """out = a / b (true division: integers give floats)"""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(*(x if isinstance(x, Tensor) else None for x in (a, b)))
        ctx.scalars = (a, b)
        return dispatch_binary("div", a, b, compute_dtype=_float_type(a, b))

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        a = ctx.scalars[0] if a is None else a
        b = ctx.scalars[1] if b is None else b
        a, b = _conj(a), _conj(b)
        return (grad / b if ctx.needs_input_grad[0] else None,
                -grad * a / (b * b) if ctx.needs_input_grad[1] else None)


class Pow(Function):
    """out = a ** b"""

    @staticmethod
    def forward(ctx, a, b):
        if _is_bool(a) and _is_bool(b):
            raise RuntimeError('"pow" is not implemented for bool tensors')
        if (type(b) is int and b < 0 and isinstance(a, Tensor)
                and not a.dtype.is_inexact):  # bool and integers; complex a is fine
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        ctx.scalars = (a, b)
        out = dispatch_binary("pow", a, b)
        ctx.save_for_backward(*(x if isinstance(x, Tensor) else None for x in (a, b)), out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        a = ctx.scalars[0] if a is None else a
        b = ctx.scalars[1] if b is None else b
        if out.dtype.is_complex:
            return _complex_pow_backward(ctx, grad, a, b, out)
        grad_a = grad_b = None
        if ctx.needs_input_grad[0]:
            if isinstance(b, Tensor):  # 0 where b == 0, as PyTorch (not 0 * 0^-1 = nan)
                base = where(b == 0, 1.0, a)  # masked there anyway: no 0 * inf warning
                grad_a = where(b == 0, 0.0, grad * b * base ** (b - 1))
            else:
                grad_a = grad * b * a ** (b - 1) if b != 0 else grad * 0
        if ctx.needs_input_grad[1]:
            # d(a^b)/db = a^b ln a; PyTorch defines it as 0 where a == 0 and b >= 0
            if isinstance(a, Tensor):
                # log of 1 where the result is masked anyway: no 0 * -inf (a NumPy warning)
                zero_base = (a == 0) & (b >= 0)
                grad_b = where(zero_base, 0.0, grad * out * where(zero_base, 1.0, a).log())
            elif a > 0:
                grad_b = grad * out * math.log(a)
            elif a == 0:
                grad_b = where(b >= 0, 0.0, grad * out * float("-inf"))
            else:
                grad_b = grad * float("nan")
        return grad_a, grad_b


class Maximum(Function):
    """out = max(a, b); at ties the gradient is split evenly, as in PyTorch"""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return dispatch_binary("maximum", a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        w = (a > b).to(grad.dtype) + (a == b).to(grad.dtype) * 0.5
        return grad * w, grad * (1 - w)


class Minimum(Function):
    """out = min(a, b); at ties the gradient is split evenly, as in PyTorch"""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return dispatch_binary("minimum", a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        w = (a < b).to(grad.dtype) + (a == b).to(grad.dtype) * 0.5
        return grad * w, grad * (1 - w)


def _binary_api(fn_cls: type[Function], name: str):
    def op(a, b):
        if isinstance(a, Tensor) or isinstance(b, Tensor):
            return fn_cls.apply(a, b)
        raise TypeError(f"{name}: expected at least one Tensor operand, got "
                        f"{type(a).__name__} and {type(b).__name__}")

    op.__name__ = name
    op.__doc__ = fn_cls.__doc__
    return op


def check_alpha(result: dtypes.DType, alpha: bool | int | float) -> None:
    """PyTorch's checks of ``alpha`` (add, sub, add_, ...) against the result dtype."""
    if isinstance(alpha, bool) and result is not dtypes.bool_:
        raise RuntimeError("Boolean alpha only supported for Boolean results.")
    if isinstance(alpha, float) and not result.is_floating_point:
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating "
                           "point number.")


def _alpha_api(fn_cls: type[Function], name: str):
    binary = _binary_api(fn_cls, name)

    def op(a, b, *, alpha: bool | int | float = 1):
        if type(alpha) is int and alpha == 1:  # the default (True and 1.0 get checked)
            return binary(a, b)
        check_alpha(dtypes.result_type(a, b), alpha)
        if isinstance(b, Tensor) and b.dtype is dtypes.bool_:
            # bool arithmetic: b * alpha stays bool (alpha read as a bool), as in PyTorch
            b = b if alpha else b & False
        else:
            b = Mul.apply(b, alpha) if isinstance(b, Tensor) else b * alpha
        return binary(a, b)

    op.__name__ = name
    op.__doc__ = (f"``{name}(input, other, *, alpha=1)``: ``input {'+' if name == 'add' else '-'}"
                  f" alpha * other``, as ``torch.{name}``.")
    return op


add = op(_alpha_api(Add, "add"), variants="function, method")
sub = op(_alpha_api(Sub, "sub"), variants="function, method", aliases=("subtract",))
mul = op(_binary_api(Mul, "mul"), variants="function, method", aliases=("multiply",))
# true division; ``div`` itself (composite/rounding.py) also takes a rounding_mode
div = op(_binary_api(Div, "div"), variants="function, method", name="true_divide")
pow = op(_binary_api(Pow, "pow"), variants="function, method")  # noqa: A001 - PyTorch's name


def _tensors_api(fn_cls: type[Function], name: str):
    """A binary op that takes two Tensors only (PyTorch's ``maximum``, ``minimum``)."""
    def op(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002 - PyTorch's names
        check_tensor_args(name, input=input, other=other)
        return fn_cls.apply(input, other)

    op.__name__ = name
    op.__doc__ = fn_cls.__doc__
    return op


maximum = op(_tensors_api(Maximum, "maximum"), variants="function, method")
minimum = op(_tensors_api(Minimum, "minimum"), variants="function, method")


# -- unary math ----------------------------------------------------------------------------
class Neg(Function):
    """out = -x"""

    @staticmethod
    def forward(ctx, x):
        if x.dtype is dtypes.bool_:
            raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. "
                               "If you are trying to invert a mask, use the `~` operator.")
        return dispatch_unary("neg", x, float_only=False)

    @staticmethod
    def backward(ctx, grad):
        return -grad


class Abs(Function):
    """out = |x|"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        if x.dtype.is_complex:  # the magnitude: a real tensor
            out = x._empty_like(dtype=dtypes.to_real(x.dtype))
            x._kernels.abs(out, x)
            return out
        return dispatch_unary("abs", x, float_only=False)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * x.sgn()  # x / |x| for complex numbers (0 at 0), the sign for reals


class Sign(Function):
    """out = sign(x); its gradient is zero"""

    @staticmethod
    def forward(ctx, x):
        return dispatch_unary("sign", x, float_only=False)

    @staticmethod
    def backward(ctx, grad):
        return grad * 0


def _complex_pow_backward(ctx, grad: Tensor, a: Tensor | Scalar, b: Tensor | Scalar,
                          out: Tensor) -> tuple[Tensor | None, Tensor | None]:
    """``a ** b`` in complex numbers is ``exp(b log a)``: d/da = b a^(b-1), d/db = a^b log a
    (both conjugated, see ``_conj``); 0 where b == 0 for a, as in the real case."""
    grad_a = grad_b = None
    if ctx.needs_input_grad[0]:
        if isinstance(b, Tensor):
            grad_a = where(b == 0, 0.0, grad * _conj(b * a ** (b - 1)))
        else:
            grad_a = grad * _conj(b * a ** (b - 1)) if b != 0 else grad * 0
    if ctx.needs_input_grad[1]:
        log_a = a.log() if isinstance(a, Tensor) else cmath.log(a) if a != 0 else float("-inf")
        grad_b = grad * _conj(out * log_a)
    return grad_a, grad_b


class Exp(Function):
    """out = e^x"""

    @staticmethod
    def forward(ctx, x):
        out = dispatch_unary("exp", x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * _conj(out)


class Log(Function):
    """out = ln(x)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return dispatch_unary("log", x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / _conj(x)


class Sqrt(Function):
    """out = sqrt(x)"""

    @staticmethod
    def forward(ctx, x):
        out = dispatch_unary("sqrt", x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad / (2 * _conj(out))


class Sin(Function):
    """out = sin(x)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return dispatch_unary("sin", x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * _conj(x.cos())


class Cos(Function):
    """out = cos(x)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return dispatch_unary("cos", x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return -grad * _conj(x.sin())


class Tanh(Function):
    """out = tanh(x)"""

    @staticmethod
    def forward(ctx, x):
        out = dispatch_unary("tanh", x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * _conj(1 - out * out)


class Sigmoid(Function):
    """out = 1 / (1 + e^-x)"""

    @staticmethod
    def forward(ctx, x):
        out = dispatch_unary("sigmoid", x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * out * (1 - out)


class Erf(Function):
    """out = erf(x) = 2/sqrt(pi) * integral_0^x e^(-t^2) dt"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return dispatch_unary("erf", x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (2 / math.sqrt(math.pi)) * (-(x * x)).exp()


@op(variants="function, method", aliases=("negative",), inplace=True)
def neg(x: Tensor) -> Tensor:
    """-x"""
    return Neg.apply(x)


@op(variants="function, method", aliases=("absolute",), inplace=True)
def abs(x: Tensor) -> Tensor:  # noqa: A001
    """|x|"""
    return Abs.apply(x)


@op(variants="function, method", inplace=True)
def sign(x: Tensor) -> Tensor:
    """sign(x) in {-1, 0, 1}"""
    return Sign.apply(x)


@op(variants="function, method", inplace=True)
def exp(x: Tensor) -> Tensor:
    """e^x"""
    return Exp.apply(x)


@op(variants="function, method", inplace=True)
def log(x: Tensor) -> Tensor:
    """ln(x)"""
    return Log.apply(x)


@op(variants="function, method", inplace=True)
def sqrt(x: Tensor) -> Tensor:
    """sqrt(x)"""
    return Sqrt.apply(x)


@op(variants="function, method", inplace=True)
def sin(x: Tensor) -> Tensor:
    """sin(x)"""
    return Sin.apply(x)


@op(variants="function, method", inplace=True)
def cos(x: Tensor) -> Tensor:
    """cos(x)"""
    return Cos.apply(x)


@op(variants="function, method", inplace=True)
def tanh(x: Tensor) -> Tensor:
    """tanh(x)"""
    return Tanh.apply(x)


@op(variants="function, method", aliases=("special.expit",), inplace=True)
def sigmoid(x: Tensor) -> Tensor:
    """1 / (1 + e^-x)"""
    return Sigmoid.apply(x)


@op(variants="function, method", aliases=("special.erf",), inplace=True)
def erf(x: Tensor) -> Tensor:
    """The Gauss error function."""
    return Erf.apply(x)


# -- comparisons and selection -------------------------------------------------------------
def _comparison(name: str, alias: str | None = None):
    def compare(a, b):
        if not isinstance(a, Tensor):  # a number compares only as ``other``, as in PyTorch
            raise invalid_arguments(name, (a, b), ("Tensor input, Tensor other",
                                                   "Tensor input, Number other"))
        return dispatch_binary(name, a, b, out_dtype=dtypes.bool_)

    compare.__name__ = name
    compare.__doc__ = f"Elementwise ``{name}`` comparison; returns a bool tensor."
    return op(compare, variants="function, method", aliases=(alias,) if alias else ())


eq = _comparison("eq")
ne = _comparison("ne", "not_equal")
lt = _comparison("lt", "less")
le = _comparison("le", "less_equal")
gt = _comparison("gt", "greater")
ge = _comparison("ge", "greater_equal")


@op(variants="function, method")
def logical_not(x: Tensor) -> Tensor:
    """True where ``x`` is zero/False."""
    return eq(x, False) if x.dtype is dtypes.bool_ else eq(x, 0)


@op(variants="function, method")
def logical_and(a: Tensor, b: Tensor) -> Tensor:
    """True where both are non-zero. Both operands are tensors, as in PyTorch (``a & True``
    takes a number)."""
    _check_tensors("logical_and", a, b)
    return _logical_and(a, b)


@op(variants="function, method")
def logical_or(a: Tensor, b: Tensor) -> Tensor:
    """True where either is non-zero. Both operands are tensors, as in PyTorch (``a | True``
    takes a number)."""
    _check_tensors("logical_or", a, b)
    return _logical_or(a, b)


def _check_tensors(name: str, a, b) -> None:
    for arg, x in (("input", a), ("other", b)):
        if not isinstance(x, Tensor):
            raise TypeError(f"{name}(): argument '{arg}' must be Tensor, not "
                            f"{type(x).__name__}")


def _logical_and(a: Tensor | Scalar, b: Tensor | Scalar) -> Tensor:
    return dispatch_binary("mul", _as_bool(a), _as_bool(b), compute_dtype=dtypes.bool_)


def _logical_or(a: Tensor | Scalar, b: Tensor | Scalar) -> Tensor:
    return dispatch_binary("maximum", _as_bool(a), _as_bool(b), compute_dtype=dtypes.bool_)


def _as_bool(x):
    return cast(x, dtypes.bool_) if isinstance(x, Tensor) else bool(x)


class Where(Function):
    """out = a where cond else b"""

    @staticmethod
    def forward(ctx, cond, a, b):
        ctx.save_for_backward(cond)
        return dispatch_where(cond, a, b)

    @staticmethod
    def backward(ctx, grad):
        (cond,) = ctx.saved_tensors
        return (None, where(cond, grad, 0.0) if ctx.needs_input_grad[1] else None,
                where(cond, 0.0, grad) if ctx.needs_input_grad[2] else None)


@op
def where(cond: Tensor, a: Tensor | Scalar, b: Tensor | Scalar) -> Tensor:
    """Elementwise ``a if cond else b`` (broadcast)."""
    if not isinstance(cond, Tensor) or cond.dtype is not dtypes.bool_:
        raise TypeError(f"where: condition must be a bool tensor, got "
                        f"{cond.dtype.name if isinstance(cond, Tensor) else type(cond).__name__}")
    check_operand(a)
    check_operand(b)
    return Where.apply(cond, a, b)


@op(variants="method", name="where")
def _where_method(self: Tensor, condition: Tensor, other: Tensor | Scalar) -> Tensor:
    """``x.where(condition, y)``: ``x`` where ``condition`` is True, else ``y`` (PyTorch's
    order: the tensor itself is the value, not the condition)."""
    return where(condition, self, other)


class ReLU(Function):
    """out = max(x, 0); the gradient at 0 is 0, as in PyTorch"""

    @staticmethod
    def forward(ctx, x):
        out = dispatch_binary("maximum", x, 0)  # NaN stays NaN, as torch.relu
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return where(out <= 0, 0.0, grad)  # passes at NaN, as PyTorch's threshold_backward


@op(variants="function, method", inplace=True)
def relu(x: Tensor) -> Tensor:
    """max(x, 0), elementwise."""
    if x.dtype is dtypes.bool_:
        raise RuntimeError("relu is not implemented for bool tensors")
    return ReLU.apply(x)
