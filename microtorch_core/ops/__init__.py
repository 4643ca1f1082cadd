"""Every tensor op, grouped by kind. Each differentiable op is a ``Function`` subclass whose
``forward`` calls one backend kernel and whose ``backward`` uses Tensor ops.

==================  =====================================================================
``elementwise.py``  + - * / ** neg abs exp log sqrt sin cos tanh sigmoid erf, comparisons,
                    where (and ``dispatch_binary``: promotion, broadcasting, the kernel call)
``pointwise.py``    trunc fix ceil round frac signbit copysign heaviside sinh cosh log2 log10
                    exp2 logit xlogy hypot nan_to_num (composites of the above)
``trig.py``         atan atan2 asin acos tan asinh acosh atanh (Cephes' atan with range
                    reduction; atan2-based asin/acos; fdlibm's log1p forms)
``gamma.py``        lgamma digamma polygamma mvlgamma zeta (Lanczos and Taylor series,
                    recurrences, asymptotic series, reflection; Euler-Maclaurin for zeta)
``errorfunc.py``    erfc erfcx erfinv ndtr ndtri log_ndtr (Cephes' rational approximations,
                    Giles' erfinv refined by Halley steps)
``igamma.py``       gammainc gammaincc igamma igammac (Numerical Recipes' series and continued
                    fraction, differentiated in a alongside)
``bessel.py``       i0 i0e i1 i1e (Cephes' Chebyshev series)
``special.py``      sinc entr xlog1py; ``polynomial.py``: Horner and Clenshaw for the above
``reduction.py``    sum prod amax amin max min argmax argmin mean var std logsumexp
``stats.py``        var_mean std_mean aminmax nansum nanmean count_nonzero
``linalg.py``       matmul (``@``), mm, bmm, dot, outer, cross
``triangular.py``   linalg.solve_triangular (substitution, a row at a time), LinAlgError
``cholesky.py``     linalg.cholesky cholesky_ex, cholesky cholesky_solve (a column at a time)
``lu.py``           linalg.solve inv det slogdet, inverse logdet (LU with partial pivoting, a
                    column at a time; gradients from the standard formulas)
``blas.py``         addmm addmv baddbmm addbmm addr mv vdot addcmul addcdiv
``einsum.py``       einsum (diagonal views, sums and one bmm per pair of operands)
``views.py``        reshape view permute transpose swapaxes movedim moveaxis expand squeeze
                    unsqueeze flatten contiguous
``splitting.py``    select tensor_split hsplit vsplit dsplit ravel (basic slices: views)
``creation_like.py``
                    new_zeros new_ones new_full new_empty new_tensor (x's dtype and device)
``metadata.py``     is_signed is_complex is_floating_point is_nonzero is_same_size
                    is_inference get_device data_ptr
``indexing.py``     x[key], x[key] = v, gather scatter index_select cat stack split unbind
``index_ops.py``    index_add index_copy index_fill masked_select take take_along_dim
                    scatter_reduce (gather/scatter with checks done once)
``index_put.py``    index_put put masked_scatter fill_diagonal, scatter's reduce= (writes at
                    positions: one Scatter or ScatterAdd of rows)
``stacking.py``     atleast_1d/2d/3d hstack vstack dstack column_stack broadcast_tensors
                    block_diag kron cartesian_prod
``composite.py``    relu softmax log_softmax clamp clamp_min clamp_max square isclose
                    allclose equal tensordot ... (built from the above)
``rearrange.py``    flip rot90 fliplr flipud roll repeat tile repeat_interleave meshgrid
``diagonal.py``     diagonal (a view) diag diag_embed trace tril triu
``scan.py``         cumsum cumprod logcumsumexp cummax cummin (log-depth scans), diff
                    trapezoid
``sorting.py``      sort argsort msort topk kthvalue median (an optional backend kernel, or a
                    composite rank-and-scatter; gradients scatter back through the indices)
``searching.py``    unique unique_consecutive bincount searchsorted bucketize (sort, compare,
                    count)
``norms.py``        vector_norm (``linalg.vector_norm``) norm cdist
``pointwise_more.py``
                    negative positive sgn absolute logical_xor logaddexp logaddexp2 fmax fmin
                    float_power deg2rad rad2deg isposinf isneginf isreal
``float_parts.py``  frexp ldexp fmod (power-of-two scaling and Dekker's exact products)
``integer.py``      gcd lcm (Euclid, masked by where, a bounded loop)
``linalg_more.py``  inner dist renorm matrix_power linalg.matrix_norm linalg.norm cov corrcoef
``quantiles.py``    quantile nanquantile nanmedian (one sort, then gather)
``histogram.py``    mode histc histogram (sort and count runs; bin, then scatter_add)
``scatter_views.py``
                    select_scatter slice_scatter diagonal_scatter diagflat
``inplace.py``      add_ mul_ fill_ copy_ index_add_ scatter_ index_put_ round_ atan_ ...,
                    in-place views (t_ transpose_ squeeze_ unsqueeze_), device/dtype
                    conversion
``inplace_random.py``
                    uniform_ normal_ bernoulli_ exponential_ geometric_ log_normal_ cauchy_
                    random_ (Philox draws, inverse cdfs, written by copy_)
``inplace_more.py`` eq_ ne_ lt_ le_ gt_ ge_ logical_and_/or_/xor_/not_ (in the tensor's dtype),
                    divide_ multiply_ subtract_ square_ rsqrt_ fmod_ float_power_ gcd_ ...
==================  =====================================================================
"""

from .bessel import i0, i0e, i1, i1e
from .blas import addbmm, addcdiv, addcmul, addmm, addmv, addr, baddbmm, mv, vdot
from .cholesky import cholesky, cholesky_ex, cholesky_solve, linalg_cholesky
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
from .creation_like import new_empty, new_full, new_ones, new_tensor, new_zeros
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
from .errorfunc import erfc, erfcx, erfinv, log_ndtr, ndtr, ndtri
from .float_parts import fmod, frexp, ldexp
from .gamma import digamma, lgamma, mvlgamma, polygamma, zeta
from .histogram import histc, histogram, mode
from .igamma import gammainc, gammaincc, igamma, igammac
from .index_ops import (
    index_add,
    index_copy,
    index_fill,
    masked_select,
    scatter_reduce,
    take,
    take_along_dim,
)
from .index_put import index_put, masked_scatter, put
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
    acos_,
    acosh_,
    add_,
    addbmm_,
    addcdiv_,
    addcmul_,
    addmm_,
    addmv_,
    addr_,
    arccos_,
    arccosh_,
    arcsin_,
    arcsinh_,
    arctan2_,
    arctan_,
    arctanh_,
    asin_,
    asinh_,
    atan2_,
    atan_,
    atanh_,
    baddbmm_,
    ceil_,
    clamp_,
    clamp_max_,
    clamp_min_,
    clip_,
    copy_,
    copysign_,
    cos_,
    cosh_,
    cumprod_,
    cumsum_,
    digamma_,
    div_,
    erf_,
    erfc_,
    erfinv_,
    exp2_,
    exp_,
    expm1_,
    fill_,
    fill_diagonal_,
    fix_,
    floor_,
    frac_,
    heaviside_,
    hypot_,
    i0_,
    index_add_,
    index_copy_,
    index_fill_,
    index_put_,
    lerp_,
    lgamma_,
    log1p_,
    log2_,
    log10_,
    log_,
    logit_,
    masked_fill_,
    masked_scatter_,
    maximum_,
    mul_,
    mvlgamma_,
    nan_to_num_,
    neg_,
    polygamma_,
    pow_,
    put_,
    relu_,
    round_,
    scatter_,
    scatter_add_,
    scatter_reduce_,
    sigmoid_,
    sign_,
    sin_,
    sinc_,
    sinh_,
    sqrt_,
    squeeze_,
    sub_,
    swapaxes_,
    swapdims_,
    t_,
    tan_,
    tanh_,
    to_device_dtype,
    transpose_,
    tril_,
    triu_,
    trunc_,
    unsqueeze_,
    xlogy_,
    zero_,
)
from .inplace_more import (
    absolute_,
    deg2rad_,
    divide_,
    eq_,
    float_power_,
    floor_divide_,
    fmod_,
    gcd_,
    ge_,
    greater_,
    greater_equal_,
    gt_,
    lcm_,
    ldexp_,
    le_,
    less_,
    less_equal_,
    logical_and_,
    logical_not_,
    logical_or_,
    logical_xor_,
    lt_,
    multiply_,
    ne_,
    negative_,
    not_equal_,
    rad2deg_,
    reciprocal_,
    remainder_,
    rsqrt_,
    sgn_,
    square_,
    subtract_,
    true_divide_,
)
from .inplace_random import (
    bernoulli_,
    cauchy_,
    exponential_,
    geometric_,
    log_normal_,
    normal_,
    random_,
    uniform_,
)
from .integer import gcd, lcm
from .linalg import bmm, cross, dot, matmul, mm, outer
from .linalg_more import (
    corrcoef,
    cov,
    dist,
    inner,
    linalg_norm,
    matrix_norm,
    matrix_power,
    renorm,
)
from .lu import det, inv, inverse, logdet, slogdet, solve
from .metadata import (
    data_ptr,
    get_device,
    is_complex,
    is_floating_point,
    is_inference,
    is_nonzero,
    is_same_size,
    is_signed,
)
from .norms import cdist, norm, vector_norm
from .pointwise import (
    ceil,
    copysign,
    cosh,
    div,
    divide,
    exp2,
    fix,
    frac,
    heaviside,
    hypot,
    log2,
    log10,
    logit,
    nan_to_num,
    round,
    signbit,
    sinh,
    trunc,
    xlogy,
)
from .pointwise_more import (
    absolute,
    deg2rad,
    float_power,
    fmax,
    fmin,
    isneginf,
    isposinf,
    isreal,
    logaddexp,
    logaddexp2,
    logical_xor,
    negative,
    positive,
    rad2deg,
    sgn,
)
from .quantiles import nanmedian, nanquantile, quantile
from .rearrange import (
    flip,
    fliplr,
    flipud,
    meshgrid,
    repeat,
    repeat_interleave,
    roll,
    rot90,
    tile,
)
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
from .scan import cummax, cummin, cumprod, cumsum, diff, logcumsumexp, trapezoid
from .scatter_views import diagflat, diagonal_scatter, select_scatter, slice_scatter
from .searching import bincount, bucketize, searchsorted, unique, unique_consecutive
from .sorting import argsort, kthvalue, median, msort, sort, topk
from .special import entr, sinc, xlog1py
from .splitting import dsplit, hsplit, ravel, select, tensor_split, vsplit
from .stacking import (
    atleast_1d,
    atleast_2d,
    atleast_3d,
    block_diag,
    broadcast_tensors,
    cartesian_prod,
    column_stack,
    dstack,
    hstack,
    kron,
    row_stack,
    vstack,
)
from .stats import aminmax, count_nonzero, nanmean, nansum, std_mean, var_mean
from .triangular import solve_triangular
from .trig import (
    acos,
    acosh,
    arccos,
    arccosh,
    arcsin,
    arcsinh,
    arctan,
    arctan2,
    arctanh,
    asin,
    asinh,
    atan,
    atan2,
    atanh,
    tan,
)
from .views import (
    broadcast_shapes,
    broadcast_to,
    clone,
    contiguous,
    expand,
    expand_as,
    flatten,
    moveaxis,
    movedim,
    permute,
    reshape,
    reshape_as,
    squeeze,
    swapaxes,
    swapdims,
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
    "inverse", "det", "logdet", "slogdet", "cholesky", "cholesky_solve",
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
    # blas.py, index_ops.py, stacking.py, stats.py, pointwise.py, searching.py and the rest
    "addmm", "addmv", "baddbmm", "addbmm", "addr", "mv", "vdot", "addcmul", "addcdiv",
    "index_add", "index_copy", "index_fill", "masked_select", "take", "take_along_dim",
    "scatter_reduce", "swapaxes", "swapdims", "rot90", "kron", "cross",
    "aminmax", "nansum", "nanmean", "count_nonzero", "diff", "cummax", "cummin",
    "unique", "bincount",
    "trunc", "fix", "ceil", "round", "frac", "signbit", "copysign", "heaviside", "sinh", "cosh",
    "log2", "log10", "exp2", "logit", "xlogy", "hypot", "nan_to_num",
    "addmm_", "addmv_", "baddbmm_", "addbmm_", "addr_", "addcmul_", "addcdiv_", "index_add_",
    "index_copy_", "index_fill_", "scatter_reduce_", "trunc_", "fix_", "ceil_", "round_",
    "frac_", "copysign_", "heaviside_", "sinh_", "cosh_", "log2_", "log10_", "exp2_", "hypot_",
    "logit_", "xlogy_", "nan_to_num_",
    # trig.py, gamma.py, errorfunc.py, bessel.py, special.py (polygamma: _polygamma_method)
    "atan", "arctan", "atan2", "arctan2", "asin", "arcsin", "acos", "arccos", "tan", "asinh",
    "arcsinh", "acosh", "arccosh", "atanh", "arctanh", "lgamma", "digamma", "mvlgamma", "erfc",
    "erfinv", "sinc", "i0", "igamma", "igammac",
    "atan_", "arctan_", "atan2_", "arctan2_", "asin_", "arcsin_", "acos_", "arccos_", "tan_",
    "asinh_", "arcsinh_", "acosh_", "arccosh_", "atanh_", "arctanh_", "lgamma_", "digamma_",
    "polygamma_", "mvlgamma_", "erf_", "erfc_", "erfinv_", "sinc_", "i0_", "log1p_", "expm1_",
    # index_put.py, inplace.py (writes at positions, scans, in-place views), inplace_random.py
    "index_put", "put", "masked_scatter",
    "scatter_", "scatter_add_", "index_put_", "put_", "masked_scatter_", "fill_diagonal_",
    "lerp_", "clamp_min_", "clamp_max_", "tril_", "triu_", "cumsum_", "cumprod_",
    "t_", "transpose_", "unsqueeze_", "squeeze_", "swapaxes_", "swapdims_",
    "uniform_", "normal_", "bernoulli_", "exponential_", "geometric_", "log_normal_",
    "cauchy_", "random_",
    # creation_like.py, metadata.py, splitting.py
    "new_zeros", "new_ones", "new_full", "new_empty", "new_tensor",
    "data_ptr", "get_device", "is_complex", "is_inference", "is_nonzero", "is_same_size",
    "is_signed",
    "moveaxis", "ravel", "select", "tensor_split", "hsplit", "vsplit", "dsplit",
    # pointwise_more.py, float_parts.py, integer.py, inplace_more.py, linalg_more.py,
    # quantiles.py, histogram.py, searching.py, scatter_views.py
    "greater", "greater_equal", "less", "less_equal", "not_equal",
    "negative", "positive", "sgn", "absolute", "logical_xor", "logaddexp", "logaddexp2",
    "fmax", "fmin", "float_power", "deg2rad", "rad2deg", "isposinf", "isneginf", "isreal",
    "frexp", "ldexp", "fmod", "gcd", "lcm",
    "eq_", "ne_", "lt_", "le_", "gt_", "ge_", "greater_", "greater_equal_", "less_",
    "less_equal_", "not_equal_", "logical_and_", "logical_or_", "logical_xor_",
    "logical_not_", "negative_", "absolute_", "sgn_", "divide_", "true_divide_", "multiply_",
    "subtract_", "square_", "rsqrt_", "reciprocal_", "floor_divide_", "remainder_", "fmod_",
    "ldexp_", "float_power_", "deg2rad_", "rad2deg_", "gcd_", "lcm_",
    "inner", "dist", "renorm", "matrix_power", "cov", "corrcoef",
    "quantile", "nanquantile", "nanmedian", "mode", "histc", "histogram", "unique_consecutive",
    "select_scatter", "slice_scatter", "diagonal_scatter", "diagflat",
    # ../sampling.py (imported below, after every op it builds on)
    "multinomial", "bernoulli",
)


from ..sampling import bernoulli, multinomial  # noqa: E402 (needs the ops above)


def _attach_methods() -> None:
    from ..tensor import Tensor

    for name in TENSOR_METHODS:
        # a plain function set on the class is a method: ``x.f(...)`` calls ``f(x, ...)``
        setattr(Tensor, name, globals()[name])
    Tensor.where = _where_method
    Tensor.polygamma = _polygamma_method


def _where_method(self, condition, other):
    """``x.where(condition, y)``: ``x`` where ``condition`` is True, else ``y`` (PyTorch's
    order: the tensor itself is the value, not the condition)."""
    return where(condition, self, other)


def _polygamma_method(self, n: int):
    """``x.polygamma(n)``: ``polygamma(n, x)`` (PyTorch's order: the tensor comes first)."""
    return polygamma(n, self)


_attach_methods()
