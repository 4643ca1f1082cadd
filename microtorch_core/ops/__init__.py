"""Every tensor op, grouped by kind. Each differentiable op is a ``Function`` subclass whose
``forward`` calls one backend kernel and whose ``backward`` uses Tensor ops.

==================  =====================================================================
``elementwise.py``  + - * / ** neg abs exp log sqrt sin cos tanh sigmoid erf, comparisons,
                    where (and ``dispatch_binary``: promotion, broadcasting, the kernel call)
``reduction.py``    sum prod amax amin max min argmax argmin mean var std logsumexp
``linalg.py``       matmul (``@``), mm, bmm, dot
``einsum.py``       einsum (diagonal views, sums and one bmm per pair of operands)
``views.py``        reshape view permute transpose expand squeeze unsqueeze flatten contiguous
``indexing.py``     x[key], x[key] = v, gather scatter index_select cat stack split unbind
``composite.py``    relu softmax log_softmax clamp clamp_min clamp_max square isclose
                    allclose equal tensordot ... (built from the above)
``rearrange.py``    flip fliplr flipud roll repeat tile repeat_interleave meshgrid
``diagonal.py``     diagonal (a view) diag diag_embed trace tril triu
``scan.py``         cumsum cumprod logcumsumexp (log-depth scans)
``sorting.py``      sort argsort msort topk kthvalue median (an optional backend kernel, or a
                    composite rank-and-scatter; gradients scatter back through the indices)
``norms.py``        vector_norm (``linalg.vector_norm``) norm
``inplace.py``      add_ mul_ fill_ copy_ ... and device/dtype conversion
==================  =====================================================================
"""

from .composite import (
    allclose,
    clamp,
    clamp_max,
    clamp_min,
    clip,
    equal,
    expm1,
    floor,
    floor_divide,
    isclose,
    isfinite,
    isinf,
    isnan,
    lerp,
    log1p,
    log_softmax,
    reciprocal,
    relu,
    remainder,
    rsqrt,
    softmax,
    square,
    tensordot,
)
from .diagonal import diag, diag_embed, diagonal, trace, tril, triu
from .einsum import einsum
from .elementwise import (
    abs,
    add,
    bitwise_and,
    bitwise_not,
    bitwise_or,
    bitwise_xor,
    cos,
    div,
    divide,
    eq,
    erf,
    exp,
    ge,
    greater,
    greater_equal,
    gt,
    le,
    less,
    less_equal,
    log,
    logical_and,
    logical_not,
    logical_or,
    lt,
    maximum,
    minimum,
    mul,
    multiply,
    ne,
    neg,
    not_equal,
    pow,
    sigmoid,
    sign,
    sin,
    sqrt,
    sub,
    subtract,
    tanh,
    true_divide,
    where,
)
from .indexing import (
    cat,
    chunk,
    concat,
    concatenate,
    gather,
    getitem,
    index_select,
    masked_fill,
    narrow,
    nonzero,
    scatter,
    scatter_add,
    setitem,
    split,
    stack,
    unbind,
)
from .inplace import (
    abs_,
    add_,
    clamp_,
    clip_,
    copy_,
    cos_,
    div_,
    exp_,
    fill_,
    floor_,
    log_,
    masked_fill_,
    maximum_,
    mul_,
    neg_,
    pow_,
    relu_,
    sigmoid_,
    sign_,
    sin_,
    sqrt_,
    sub_,
    tanh_,
    to_device_dtype,
    zero_,
)
from .linalg import bmm, dot, matmul, mm, outer
from .norms import norm, vector_norm
from .rearrange import flip, fliplr, flipud, meshgrid, repeat, repeat_interleave, roll, tile
from .reduction import (
    all,
    amax,
    amin,
    any,
    argmax,
    argmin,
    logsumexp,
    max,
    mean,
    min,
    prod,
    prod_dims,
    std,
    sum,
    var,
)
from .scan import cumprod, cumsum, logcumsumexp
from .sorting import argsort, kthvalue, median, msort, sort, topk
from .views import (
    broadcast_shapes,
    broadcast_to,
    clone,
    contiguous,
    expand,
    expand_as,
    flatten,
    movedim,
    permute,
    reshape,
    reshape_as,
    squeeze,
    t,
    transpose,
    unflatten,
    unfold,
    unsqueeze,
    view,
    view_as,
)


def sum_to_size(x, *size):
    """Sum ``x`` down to ``size`` (the reverse of broadcasting): used for broadcast grads."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    size = tuple(size)
    lead = x.dim() - len(size)
    dims = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(size) if n == 1 and x.shape[lead + i] != 1)
    out = sum(x, dims, keepdim=True) if dims else x
    return reshape(out, size) if out.shape != size else out


#: Functions that also become Tensor methods: ``ops.f(x, ...)`` -> ``x.f(...)``.
TENSOR_METHODS = (
    "abs", "add", "cos", "div", "eq", "erf", "exp", "ge", "gt", "le", "log", "logical_and",
    "logical_not", "logical_or", "lt", "maximum", "minimum", "mul", "ne", "neg", "pow",
    "sigmoid", "sign", "sin", "sqrt", "sub", "tanh", "true_divide", "divide",
    "multiply", "subtract",
    "all", "amax", "amin", "any", "argmax", "argmin", "logsumexp", "max", "mean", "min", "prod",
    "prod_dims", "std", "sum", "var", "sum_to_size",
    "matmul", "mm", "bmm", "dot", "outer",
    "clone", "contiguous", "expand", "expand_as", "flatten", "movedim", "permute", "reshape",
    "reshape_as", "squeeze", "t", "transpose", "unflatten", "unfold", "unsqueeze", "view",
    "view_as", "broadcast_to",
    "gather", "scatter", "scatter_add", "index_select", "masked_fill", "narrow", "nonzero",
    "split", "chunk", "unbind",
    "floor", "floor_divide", "remainder",
    "clamp", "clip", "expm1", "isfinite", "isinf", "isnan", "lerp", "log1p", "log_softmax",
    "reciprocal", "relu", "rsqrt", "softmax", "square",
    "clamp_min", "clamp_max", "isclose", "allclose", "equal", "norm",
    "flip", "fliplr", "flipud", "roll", "repeat", "tile", "repeat_interleave",
    "diagonal", "diag", "diag_embed", "trace", "tril", "triu",
    "cumsum", "cumprod", "logcumsumexp",
    "sort", "argsort", "msort", "topk", "kthvalue", "median",
    "abs_", "add_", "clamp_", "clip_", "copy_", "cos_", "div_", "exp_", "fill_", "floor_",
    "log_", "masked_fill_", "maximum_", "mul_", "neg_", "pow_", "relu_", "sigmoid_", "sign_",
    "sin_", "sqrt_", "sub_", "tanh_", "zero_",
)


def _attach_methods() -> None:
    from ..tensor import Tensor

    for name in TENSOR_METHODS:
        # a plain function set on the class is a method: ``x.f(...)`` calls ``f(x, ...)``
        setattr(Tensor, name, globals()[name])
    Tensor.where = _where_method


def _where_method(self, condition, other):
    """``x.where(condition, y)``: ``x`` where ``condition`` is True, else ``y`` (PyTorch's
    order: the tensor itself is the value, not the condition)."""
    return where(condition, self, other)


_attach_methods()
