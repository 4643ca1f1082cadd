"""``microtorch_core.fft``: the discrete Fourier transforms of ``torch.fft``, as composites
over one primitive, the unscaled complex transform ``FFT`` (``primitive/fft.py``).

* complex-to-complex (``fft``, ``ifft``, ``fft2``, ``ifft2``, ``fftn``, ``ifftn``): resize
  each dim to ``s`` (trim, or pad with zeros), transform, scale by ``norm``;
* real-to-complex (``rfft*``): the complex transform of the real input, of which only the
  first n//2 + 1 bins of the last dim are kept (the rest are their conjugates);
* complex-to-real (``irfft*``): the inverse over all but the last dim, then the last dim's
  n//2 + 1 bins extended to all n by Hermitian symmetry (bin n - k is conj(bin k)), the inverse
  transform, and its real part. The imaginary parts of bin 0 (and of bin n/2 for even n) do
  not reach the output, as in pocketfft;
* Hermitian (``hfft*``, ``ihfft*``): ``irfft*`` of the conjugate and the conjugate of
  ``rfft*``, with the normalisation of the other direction, as PyTorch computes them.

``norm`` says which direction carries the 1/n: ``"backward"`` (default, ``None``) the inverse,
``"forward"`` the forward, ``"ortho"`` 1/sqrt(n) each way. Integer and bool inputs are
converted to the default float dtype first; float32 gives complex64 and float64 complex128.

Complex data is resized, conjugated and scaled through its (re, im) pairs
(``view_as_real``), so everything here runs on a backend with real kernels only.
Gradients come from the parts, and they are PyTorch's: the r2c backward it writes by hand,
real(unscaled inverse of the zero-padded gradient), is what autograd derives through the
narrow and the primitive; for c2r, the Hermitian extension sends each kept bin k in
1..n - n//2 - 1 to two places (k and n - k), which doubles its gradient, and ``real`` drops
the imaginary parts of bins 0 and n/2, exactly PyTorch's "rfft of the gradient, those bins
doubled". ``tests/test_fft.py`` checks both against ``torch.autograd.grad``.

>>> import microtorch_core as mt
>>> mt.fft.rfft(mt.tensor([1.0, 2.0, 3.0, 4.0]))
tensor([10.+0.j, -2.+2.j, -2.+0.j])
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ... import dtypes
from ...creation import arange, zeros
from ...tensor import Tensor, _wrap_dim
from ..declare import op
from ..primitive.fft import fft_unscaled
from ..primitive.views import view_as_complex, view_as_real
from .complex_parts import complex_, conj, real
from .indexing import cat, narrow
from .pointwise import _as_float
from .rearrange import flip, roll

_NORMS = ("backward", "ortho", "forward")
#: PyTorch's names of the complex scalar types, for its messages
_TORCH_NAMES = {"complex64": "ComplexFloat", "complex128": "ComplexDouble"}


# -- arguments -------------------------------------------------------------------------------
def _check_input(name: str, x: object) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"fft_{name}(): argument 'input' must be Tensor, not "
                        f"{type(x).__name__}")


def _check_norm(name: str, norm: str | None) -> str:
    if norm is None:
        return "backward"
    if not isinstance(norm, str):
        raise TypeError(f"fft_{name}(): argument 'norm' must be str, not {type(norm).__name__}")
    if norm not in _NORMS:
        raise RuntimeError(f'Invalid normalization mode: "{norm}"')
    return norm


def _check_points(n: int) -> int:
    if n < 1:
        raise RuntimeError(f"Invalid number of data points ({n}) specified")
    return n


def _check_int(name: str, arg: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"fft_{name}(): argument '{arg}' must be int, not "
                        f"{type(value).__name__}")


def _wrap(x: Tensor, dim: int) -> int:
    if x.dim() == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    return _wrap_dim(dim, x.dim())


def _one_dim(name: str, x: Tensor, n: int | None, dim: int) -> tuple[list[int], list[int]]:
    """(dims, sizes) of a 1-D transform: ``n`` points (default: the dim's size)."""
    _check_int(name, "dim", dim)
    d = _wrap(x, dim)
    if n is not None:
        _check_int(name, "n", n)
    return [d], [_check_points(x.shape[d] if n is None else n)]


def _n_dims(name: str, x: Tensor, s: Sequence[int] | None, dim: int | Sequence[int] | None,
            default: Sequence[int] | None) -> tuple[list[int], list[int]]:
    """(dims, sizes) of an n-D transform, as PyTorch's ``canonicalize_fft_shape_and_dim_args``:
    ``dim`` (``default`` when None; all dims when that is None too, or the last len(s) dims
    when ``s`` is given), each of size ``s[i]`` (-1: the input's size)."""
    if isinstance(dim, int):
        dim = (dim,)
    if s is not None:
        s = [s] if isinstance(s, int) else list(s)
        for v in s:
            _check_int(name, "s", v)
    if dim is None and s is None and default is not None:
        dim = default
    if dim is not None:
        dims = [_wrap(x, d) for d in dim]
        if len(set(dims)) != len(dims):
            raise RuntimeError("FFT dims must be unique")
        if s is not None and len(s) != len(dims):
            raise RuntimeError("When given, dim and shape arguments must have the same length")
    elif s is not None:
        if len(s) > x.dim():
            raise RuntimeError(f"Got shape with {len(s)} values but input tensor only has "
                               f"{x.dim()} dimensions.")
        dims = list(range(x.dim() - len(s), x.dim()))
    else:
        dims = list(range(x.dim()))
    if s is None:
        s = [x.shape[d] for d in dims]
    sizes = [x.shape[d] if v == -1 else v for d, v in zip(dims, s)]
    return dims, [_check_points(v) for v in sizes]


# -- helpers over the (re, im) pairs ------------------------------------------------------------
def _to_complex(x: Tensor) -> Tensor:
    """``x`` as a complex tensor (integers through the default float dtype)."""
    x = _as_float(x)
    return x if x.dtype.is_complex else complex_(x, zeros(x.shape, dtype=x.dtype,
                                                          device=x.device))


def _to_real(name: str, x: Tensor, message: str = "expects a real input tensor") -> Tensor:
    """``x`` as a real floating tensor; a complex one is refused, as PyTorch."""
    if x.dtype.is_complex:
        raise RuntimeError(f"{name} {message}, but got {_TORCH_NAMES[x.dtype.name]}")
    return _as_float(x)


def _resize(x: Tensor, dims: Sequence[int], sizes: Sequence[int]) -> Tensor:
    """``x`` with each of ``dims`` trimmed or zero-padded at the end to its size."""
    pairs = view_as_real(x) if x.dtype.is_complex else x
    for d, n in zip(dims, sizes):
        have = pairs.shape[d]
        if n < have:
            pairs = narrow(pairs, d, 0, n)
        elif n > have:
            shape = list(pairs.shape)
            shape[d] = n - have
            pairs = cat([pairs, zeros(shape, dtype=pairs.dtype, device=pairs.device)], d)
    if not x.dtype.is_complex:
        return pairs
    return x if pairs.shape[:-1] == x.shape else view_as_complex(pairs)


def _scale(x: Tensor, factor: float) -> Tensor:
    """``x * factor`` (a real factor), contiguous as PyTorch's results are; complex ``x``
    through its pairs (a backend may list no complex kernels)."""
    if factor == 1:
        if x.dtype.is_complex:
            return view_as_complex(view_as_real(x).contiguous())
        return x.contiguous()
    if x.dtype.is_complex:
        return view_as_complex(view_as_real(x) * factor)
    return x * factor


def _norm_factor(norm: str, points: int, inverse: bool) -> float:
    """The factor of a transform of ``points`` in all in one direction, by ``norm``."""
    if norm == "ortho":
        return 1 / math.sqrt(points)
    return 1 / points if (norm == "forward") != inverse else 1.0


def _swap(norm: str) -> str:
    """The norm of the other direction (the Hermitian transforms run the other way)."""
    return {"backward": "forward", "forward": "backward"}.get(norm, norm)


def _hermitian_extend(x: Tensor, dim: int, n: int) -> Tensor:
    """The n bins of a Hermitian-symmetric spectrum along ``dim`` from its first n//2 + 1:
    bin n - k is conj(bin k), for k = 1 .. n - n//2 - 1."""
    mirrored = n - n // 2 - 1
    if mirrored == 0:
        return x
    # flipped as pairs (dim < the pairs' last dim): no complex kernel runs
    flipped = view_as_complex(flip(view_as_real(narrow(x, dim, 1, mirrored)), (dim,)))
    return view_as_complex(cat([view_as_real(x), view_as_real(conj(flipped))], dim))


# -- the three kinds of transform ------------------------------------------------------------
def _c2c(x: Tensor, dims: list[int], sizes: list[int], norm: str, inverse: bool) -> Tensor:
    out = fft_unscaled(_resize(_to_complex(x), dims, sizes), tuple(dims), inverse)
    return _scale(out, _norm_factor(norm, math.prod(sizes), inverse))


def _r2c(x: Tensor, dims: list[int], sizes: list[int], norm: str, inverse: bool) -> Tensor:
    """The transform of real ``x``, only the first n//2 + 1 bins of the last of ``dims``."""
    out = fft_unscaled(_to_complex(_resize(x, dims, sizes)), tuple(dims), inverse)
    out = narrow(out, dims[-1], 0, sizes[-1] // 2 + 1)
    return _scale(out, _norm_factor(norm, math.prod(sizes), inverse))


def _c2r(x: Tensor, dims: list[int], sizes: list[int], norm: str, inverse: bool) -> Tensor:
    """The real transform of the Hermitian spectrum whose first n//2 + 1 bins along the
    last of ``dims`` are ``x`` (``sizes[-1]`` is the output's n)."""
    last, n = dims[-1], sizes[-1]
    x = _resize(_to_complex(x), dims, [*sizes[:-1], n // 2 + 1])
    x = fft_unscaled(x, tuple(dims[:-1]), inverse)  # the other dims first, as pocketfft
    out = real(fft_unscaled(_hermitian_extend(x, last, n), (last,), inverse))
    return _scale(out, _norm_factor(norm, math.prod(sizes), inverse))


def _c2r_last_size(x: Tensor, dims: list[int], n: int | None) -> int:
    """The output size of a c2r transform's last dim: ``n``, or 2 (m - 1) from m bins."""
    return _check_points(2 * (x.shape[dims[-1]] - 1) if n is None or n == -1 else n)


# -- one dim -----------------------------------------------------------------------------------
@op(namespace="fft")
def fft(input: Tensor, n: int | None = None, dim: int = -1,  # noqa: A002 - PyTorch's names
        norm: str | None = None) -> Tensor:
    """The discrete Fourier transform along ``dim`` of ``n`` points (the input trimmed or
    zero-padded), as ``torch.fft.fft``.

    >>> fft(tensor([1.0, 0.0, 0.0, 0.0]))
    tensor([1.+0.j, 1.+0.j, 1.+0.j, 1.+0.j])
    """
    _check_input("fft", input)
    norm = _check_norm("fft", norm)
    dims, sizes = _one_dim("fft", input, n, dim)
    return _c2c(input, dims, sizes, norm, inverse=False)


@op(namespace="fft")
def ifft(input: Tensor, n: int | None = None, dim: int = -1,  # noqa: A002
         norm: str | None = None) -> Tensor:
    """The inverse discrete Fourier transform along ``dim``, as ``torch.fft.ifft``."""
    _check_input("ifft", input)
    norm = _check_norm("ifft", norm)
    dims, sizes = _one_dim("ifft", input, n, dim)
    return _c2c(input, dims, sizes, norm, inverse=True)


@op(namespace="fft")
def rfft(input: Tensor, n: int | None = None, dim: int = -1,  # noqa: A002
         norm: str | None = None) -> Tensor:
    """The transform of a real signal, its n//2 + 1 non-redundant bins, as
    ``torch.fft.rfft``."""
    _check_input("rfft", input)
    norm = _check_norm("rfft", norm)
    x = _to_real("rfft", input)
    dims, sizes = _one_dim("rfft", x, n, dim)
    return _r2c(x, dims, sizes, norm, inverse=False)


@op(namespace="fft")
def irfft(input: Tensor, n: int | None = None, dim: int = -1,  # noqa: A002
          norm: str | None = None) -> Tensor:
    """The real signal of n points (default 2 (m - 1)) whose ``rfft`` is ``input``, as
    ``torch.fft.irfft``."""
    _check_input("irfft", input)
    norm = _check_norm("irfft", norm)
    if n is not None:
        _check_int("irfft", "n", n)
    dims, _ = _one_dim("irfft", input, None, dim)
    sizes = [_c2r_last_size(input, dims, n)]
    return _c2r(input, dims, sizes, norm, inverse=True)


@op(namespace="fft")
def hfft(input: Tensor, n: int | None = None, dim: int = -1,  # noqa: A002
         norm: str | None = None) -> Tensor:
    """The real transform of the one-sided half of a Hermitian-symmetric signal, as
    ``torch.fft.hfft`` (``irfft`` of the conjugate, without the 1/n)."""
    _check_input("hfft", input)
    norm = _check_norm("hfft", norm)
    if n is not None:
        _check_int("hfft", "n", n)
    dims, _ = _one_dim("hfft", input, None, dim)
    sizes = [_c2r_last_size(input, dims, n)]
    return _c2r(conj(_to_complex(input)), dims, sizes, _swap(norm), inverse=True)


@op(namespace="fft")
def ihfft(input: Tensor, n: int | None = None, dim: int = -1,  # noqa: A002
          norm: str | None = None) -> Tensor:
    """The inverse of ``hfft``: the one-sided half of the inverse transform of a real
    signal, as ``torch.fft.ihfft``."""
    _check_input("ihfft", input)
    norm = _check_norm("ihfft", norm)
    x = _to_real("ihfft", input)
    dims, sizes = _one_dim("ihfft", x, n, dim)
    return conj(_r2c(x, dims, sizes, _swap(norm), inverse=False))


# -- n dims ------------------------------------------------------------------------------------
_Shape = Sequence[int] | None
_Dims = int | Sequence[int] | None


def _fftn(name: str, input: Tensor, s: _Shape, dim: _Dims, norm: str | None,  # noqa: A002
          default: Sequence[int] | None, inverse: bool) -> Tensor:
    _check_input(name, input)
    norm = _check_norm(name, norm)
    dims, sizes = _n_dims(name, input, s, dim, default)
    return _c2c(input, dims, sizes, norm, inverse)


def _rfftn(name: str, input: Tensor, s: _Shape, dim: _Dims, norm: str | None,  # noqa: A002
           default: Sequence[int] | None, hermitian: bool) -> Tensor:
    _check_input(name, input)
    norm = _check_norm(name, norm)
    if hermitian and input.dtype.is_complex:  # PyTorch's message for ihfft2/ihfftn
        raise RuntimeError(f"Only supports floating-point dtypes, but found: "
                           f"{_TORCH_NAMES[input.dtype.name]}")
    x = _to_real("rfftn", input, "expects a real-valued input tensor")
    dims, sizes = _n_dims(name, x, s, dim, default)
    if not dims:
        raise RuntimeError(f"{name} must transform at least one axis")
    if hermitian:
        return conj(_r2c(x, dims, sizes, _swap(norm), inverse=False))
    return _r2c(x, dims, sizes, norm, inverse=False)


def _irfftn(name: str, input: Tensor, s: _Shape, dim: _Dims, norm: str | None,  # noqa: A002
            default: Sequence[int] | None, hermitian: bool) -> Tensor:
    _check_input(name, input)
    norm = _check_norm(name, norm)
    last = None
    if s is not None:  # the last size is the output's, not the input's: checked below
        s = [s] if isinstance(s, int) else list(s)
        if s:
            _check_int(name, "s", s[-1])
            last, s = s[-1], [*s[:-1], -1]
    dims, sizes = _n_dims(name, input, s, dim, default)
    if not dims:
        raise RuntimeError(f"{name} must transform at least one axis")
    sizes[-1] = _c2r_last_size(input, dims, last)
    if hermitian:
        return _c2r(conj(_to_complex(input)), dims, sizes, _swap(norm), inverse=True)
    return _c2r(input, dims, sizes, norm, inverse=True)


@op(namespace="fft")
def fft2(input: Tensor, s: _Shape = None, dim: _Dims = (-2, -1),  # noqa: A002
         norm: str | None = None) -> Tensor:
    """The 2-D discrete Fourier transform (over the last two dims), as ``torch.fft.fft2``."""
    return _fftn("fft2", input, s, dim, norm, None, inverse=False)


@op(namespace="fft")
def ifft2(input: Tensor, s: _Shape = None, dim: _Dims = (-2, -1),  # noqa: A002
          norm: str | None = None) -> Tensor:
    """The inverse of ``fft2``, as ``torch.fft.ifft2``."""
    return _fftn("ifft2", input, s, dim, norm, None, inverse=True)


@op(namespace="fft")
def fftn(input: Tensor, s: _Shape = None, dim: _Dims = None,  # noqa: A002
         norm: str | None = None) -> Tensor:
    """The n-D discrete Fourier transform over ``dim`` (all dims, or the last len(s)), as
    ``torch.fft.fftn``."""
    return _fftn("fftn", input, s, dim, norm, None, inverse=False)


@op(namespace="fft")
def ifftn(input: Tensor, s: _Shape = None, dim: _Dims = None,  # noqa: A002
          norm: str | None = None) -> Tensor:
    """The inverse of ``fftn``, as ``torch.fft.ifftn``."""
    return _fftn("ifftn", input, s, dim, norm, None, inverse=True)


@op(namespace="fft")
def rfft2(input: Tensor, s: _Shape = None, dim: _Dims = (-2, -1),  # noqa: A002
          norm: str | None = None) -> Tensor:
    """The 2-D transform of a real signal, the last dim one-sided, as ``torch.fft.rfft2``."""
    return _rfftn("rfft2", input, s, dim, norm, None, hermitian=False)


@op(namespace="fft")
def irfft2(input: Tensor, s: _Shape = None, dim: _Dims = (-2, -1),  # noqa: A002
           norm: str | None = None) -> Tensor:
    """The inverse of ``rfft2``, as ``torch.fft.irfft2``."""
    return _irfftn("irfft2", input, s, dim, norm, None, hermitian=False)


@op(namespace="fft")
def rfftn(input: Tensor, s: _Shape = None, dim: _Dims = None,  # noqa: A002
          norm: str | None = None) -> Tensor:
    """The n-D transform of a real signal, the last dim one-sided, as ``torch.fft.rfftn``."""
    return _rfftn("rfftn", input, s, dim, norm, None, hermitian=False)


@op(namespace="fft")
def irfftn(input: Tensor, s: _Shape = None, dim: _Dims = None,  # noqa: A002
           norm: str | None = None) -> Tensor:
    """The inverse of ``rfftn``, as ``torch.fft.irfftn``."""
    return _irfftn("irfftn", input, s, dim, norm, None, hermitian=False)


@op(namespace="fft")
def hfft2(input: Tensor, s: _Shape = None, dim: _Dims = (-2, -1),  # noqa: A002
          norm: str | None = None) -> Tensor:
    """The 2-D ``hfft``, as ``torch.fft.hfft2``."""
    return _irfftn("hfft2", input, s, dim, norm, None, hermitian=True)


@op(namespace="fft")
def ihfft2(input: Tensor, s: _Shape = None, dim: _Dims = (-2, -1),  # noqa: A002
           norm: str | None = None) -> Tensor:
    """The 2-D ``ihfft``, as ``torch.fft.ihfft2``."""
    return _rfftn("ihfft2", input, s, dim, norm, None, hermitian=True)


@op(namespace="fft")
def hfftn(input: Tensor, s: _Shape = None, dim: _Dims = None,  # noqa: A002
          norm: str | None = None) -> Tensor:
    """The n-D ``hfft``, as ``torch.fft.hfftn``."""
    return _irfftn("hfftn", input, s, dim, norm, None, hermitian=True)


@op(namespace="fft")
def ihfftn(input: Tensor, s: _Shape = None, dim: _Dims = None,  # noqa: A002
           norm: str | None = None) -> Tensor:
    """The n-D ``ihfft``, as ``torch.fft.ihfftn``."""
    return _rfftn("ihfftn", input, s, dim, norm, None, hermitian=True)


# -- frequencies and shifts ------------------------------------------------------------------
def _frequencies(name: str, count: int, n: int, d: float, negative: bool,
                 dtype: dtypes.DType | None, device, requires_grad: bool) -> Tensor:
    _check_int(name, "n", n)
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    out = arange(count, dtype=dtype or dtypes.get_default_dtype(), device=device)
    if negative and n > 1:  # the second half counts up from -(n // 2)
        upper = (n + 1) // 2
        out = cat([narrow(out, 0, 0, upper), narrow(out, 0, upper, n - upper) - n])
    step = n * d
    # PyTorch multiplies by 1 / (n d): d = 0 gives inf (and 0 * inf = nan at bin 0)
    out = out * (1.0 / step if step else math.inf)
    return out.requires_grad_() if requires_grad else out


@op(namespace="fft")
def fftfreq(n: int, d: float = 1.0, *, dtype: dtypes.DType | None = None, device=None,
            requires_grad: bool = False) -> Tensor:
    """The sample frequencies of an ``n``-point ``fft`` with sample spacing ``d``:
    ``[0, 1, ..., (n - 1) // 2, -(n // 2), ..., -1] / (d n)``, as ``torch.fft.fftfreq``.

    >>> fftfreq(4)
    tensor([ 0.0000,  0.2500, -0.5000, -0.2500])
    """
    return _frequencies("fftfreq", max(n, 0) if isinstance(n, int) else n, n, d, True, dtype,
                        device, requires_grad)


@op(namespace="fft")
def rfftfreq(n: int, d: float = 1.0, *, dtype: dtypes.DType | None = None, device=None,
             requires_grad: bool = False) -> Tensor:
    """The sample frequencies of an ``n``-point ``rfft``: ``[0, 1, ..., n // 2] / (d n)``,
    as ``torch.fft.rfftfreq``."""
    count = n // 2 + 1 if isinstance(n, int) and n >= 0 else n
    return _frequencies("rfftfreq", count, n, d, False, dtype, device, requires_grad)


def _shift(name: str, x: Tensor, dim: _Dims, inverse: bool) -> Tensor:
    _check_input(name, x)
    if dim is None:
        dims = list(range(x.dim()))
    else:
        dims = [_wrap(x, d) for d in ((dim,) if isinstance(dim, int) else dim)]
    if not dims:
        return x.clone()
    shifts = [(x.shape[d] + inverse) // 2 for d in dims]
    if not x.dtype.is_complex:
        return roll(x, shifts, dims)
    # through the pairs (non-negative dims skip their last dim), so no complex kernel runs
    return view_as_complex(roll(view_as_real(x), shifts, dims))


@op(namespace="fft")
def fftshift(input: Tensor, dim: _Dims = None) -> Tensor:  # noqa: A002
    """Bin 0 moved to the centre (``roll`` by n // 2 along ``dim``, all dims by default), as
    ``torch.fft.fftshift``.

    >>> fftshift(fftfreq(5))
    tensor([-0.4000, -0.2000,  0.0000,  0.2000,  0.4000])
    """
    return _shift("fftshift", input, dim, inverse=False)


@op(namespace="fft")
def ifftshift(input: Tensor, dim: _Dims = None) -> Tensor:  # noqa: A002
    """The inverse of ``fftshift`` (``roll`` by (n + 1) // 2), as ``torch.fft.ifftshift``."""
    return _shift("ifftshift", input, dim, inverse=True)
