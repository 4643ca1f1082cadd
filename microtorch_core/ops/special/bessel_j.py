"""Bessel functions of the first and second kind, J0, J1, Y0, Y1, and the spherical Bessel
function j0, from the primitive kernels.

Cephes' ``j0.c`` and ``j1.c`` (S. L. Moshier, BSD licence; the tables as in SciPy and PyTorch):

* for 0 <= x <= 5, rational functions of z = x^2, with the zeros of J0 (z = 5.78..., 30.47...)
  and of J1 (z = 0, 14.68..., 49.21...) factored out so that the result keeps its relative
  accuracy next to them: J0 = (z - r1)(z - r2) P(z)/Q(z), J1 = x (z - r1)(z - r2) P(z)/Q(z),
  Y0 = P(z)/Q(z) + (2/pi) log(x) J0(x), Y1 = x P(z)/Q(z) + (2/pi)(J1(x) log(x) - 1/x);
* for x > 5, Hankel's asymptotic form J_n = sqrt(2/(pi x)) (P cos(x - a) - (5/x) Q sin(x - a)),
  Y_n = sqrt(2/(pi x)) (P sin(x - a) + (5/x) Q cos(x - a)), a = (2n + 1) pi/4, with P and Q
  rational functions of 25/x^2. The phase is taken apart as fdlibm does, cos(x - pi/4) =
  (cos x + sin x)/sqrt(2), so that x - a is never rounded: the kernels' cos and sin reduce x
  itself exactly, and the result stays accurate for x in the thousands.

PyTorch's own kernels drop the leading 1 of Cephes' monic denominators (``p1evl``) for x > 5
(and in Y0's for x <= 5), which leaves errors up to 1e-5 (J) and 2e-2 (Y) relative; these
follow Cephes, as SciPy does: float64 within a few 1e-16 of mpmath away from the zeros.

J0 is even and J1 odd; Y0 and Y1 are -inf at 0 and NaN for x < 0, as in PyTorch and SciPy.
The spherical Bessel function j0(x) = sin(x)/x is its Taylor series for |x| < 1/2, as PyTorch
computes it, and 0 at +-inf. Gradients: J0' = -J1, J1' = J0 - J1/x (1/2 at 0), Y0' = -Y1,
Y1' = Y0 - Y1/x and j0' = (cos x - j0(x))/x. (PyTorch gives these ops no gradient at all.)
float32 inputs are computed in float64 and rounded back.
"""

from __future__ import annotations

import math

from ...autograd.function import Function
from ...tensor import Tensor
from ..composite.pointwise import _as_float
from ..declare import op
from ..primitive.elementwise import where
from .polynomial import in_float64, p1evl, polevl

_TWO_OVER_PI = 2 / math.pi
_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)
_SQRT_HALF = math.sqrt(0.5)

# J0, x <= 5: (z - _J0_R1)(z - _J0_R2) polevl(z, _J0_RP) / p1evl(z, _J0_RQ), z = x^2
_J0_R1, _J0_R2 = 5.78318596294678452118e+00, 3.04712623436620863991e+01
_J0_RP = (-4.79443220978201773821e+09, 1.95617491946556577543e+12, -2.49248344360967716204e+14,
          9.70862251047306323952e+15)
_J0_RQ = (4.99563147152651017219e+02, 1.73785401676374683123e+05, 4.84409658339962045305e+07,
          1.11855537045356834862e+10, 2.11277520115489217587e+12, 3.10518229857422583814e+14,
          3.18121955943204943306e+16, 1.71086294081043136091e+18)
# J0 and Y0, x > 5: P = polevl(w, PP) / polevl(w, PQ), Q = polevl(w, QP) / p1evl(w, QQ)
_J0_PP = (7.96936729297347051624e-04, 8.28352392107440799803e-02, 1.23953371646414299388e+00,
          5.44725003058768775090e+00, 8.74716500199817011941e+00, 5.30324038235394892183e+00,
          9.99999999999999997821e-01)
_J0_PQ = (9.24408810558863637013e-04, 8.56288474354474431428e-02, 1.25352743901058953537e+00,
          5.47097740330417105182e+00, 8.76190883237069594232e+00, 5.30605288235394617618e+00,
          1.00000000000000000218e+00)
_J0_QP = (-1.13663838898469149931e-02, -1.28252718670509318512e+00, -1.95539544257735972385e+01,
          -9.32060152123768231369e+01, -1.77681167980488050595e+02, -1.47077505154951170175e+02,
          -5.14105326766599330220e+01, -6.05014350600728481186e+00)
_J0_QQ = (6.43178256118178023184e+01, 8.56430025976980587198e+02, 3.88240183605401609683e+03,
          7.24046774195652478189e+03, 5.93072701187316984827e+03, 2.06209331660327847417e+03,
          2.42005740240291393179e+02)
# Y0, x <= 5: polevl(z, _Y0_YP) / p1evl(z, _Y0_YQ) + (2/pi) log(x) J0(x)
_Y0_YP = (1.55924367855235737965e+04, -1.46639295903971606143e+07, 5.43526477051876500413e+09,
          -9.82136065717911466409e+11, 8.75906394395366999549e+13, -3.46628303384729719441e+15,
          4.42733268572569800351e+16, -1.84950800436986690637e+16)
_Y0_YQ = (1.04128353664259848412e+03, 6.26107330137134956842e+05, 2.68919633393814121987e+08,
          8.64002487103935000337e+10, 2.02979612750105546709e+13, 3.17157752842975028269e+15,
          2.50596256172653059228e+17)

# J1, x <= 5: x (z - _J1_R1)(z - _J1_R2) polevl(z, _J1_RP) / p1evl(z, _J1_RQ)
_J1_R1, _J1_R2 = 1.46819706421238932572e+01, 4.92184563216946036703e+01
_J1_RP = (-8.99971225705559398224e+08, 4.52228297998194034323e+11, -7.27494245221818276015e+13,
          3.68295732863852883286e+15)
_J1_RQ = (6.20836478118054335476e+02, 2.56987256757748830383e+05, 8.35146791431949253037e+07,
          2.21511595479792499675e+10, 4.74914122079991414898e+12, 7.84369607876235854894e+14,
          8.95222336184627338078e+16, 5.32278620332680085395e+18)
# J1 and Y1, x > 5
_J1_PP = (7.62125616208173112003e-04, 7.31397056940917570436e-02, 1.12719608129684925192e+00,
          5.11207951146807644818e+00, 8.42404590141772420927e+00, 5.21451598682361504063e+00,
          1.00000000000000000254e+00)
_J1_PQ = (5.71323128072548699714e-04, 6.88455908754495404082e-02, 1.10514232634061696926e+00,
          5.07386386128601488557e+00, 8.39985554327604159757e+00, 5.20982848682361821619e+00,
          9.99999999999999997461e-01)
_J1_QP = (5.10862594750176621635e-02, 4.98213872951233449420e+00, 7.58238284132545283818e+01,
          3.66779609360150777800e+02, 7.10856304998926107277e+02, 5.97489612400613639965e+02,
          2.11688757100572135698e+02, 2.52070205858023719784e+01)
_J1_QQ = (7.42373277035675149943e+01, 1.05644886038262816351e+03, 4.98641058337653607651e+03,
          9.56231892404756170795e+03, 7.99704160447350683650e+03, 2.82619278517639096600e+03,
          3.36093607810698293419e+02)
# Y1, x <= 5: x polevl(z, _Y1_YP) / p1evl(z, _Y1_YQ) + (2/pi)(J1(x) log(x) - 1/x)
_Y1_YP = (1.26320474790178026440e+09, -6.47355876379160291031e+11, 1.14509511541823727583e+14,
          -8.12770255501325109621e+15, 2.02439475713594898196e+17, -7.78877196265950026825e+17)
_Y1_YQ = (5.94301592346128195359e+02, 2.35564092943068577943e+05, 7.34811944459721705660e+07,
          1.87601316108706159478e+10, 3.88231277496238566008e+12, 6.20557727146953693363e+14,
          6.87141087355300489866e+16, 3.97270608116560655612e+18)

# sin(x)/x = sum_k (-1)^k x^2k / (2k + 1)!, for |x| < 1/2 (the terms PyTorch uses)
_SINC_SERIES = tuple((-1) ** k / math.factorial(2 * k + 1) for k in range(6, -1, -1))


def _asymptotic(x: Tensor, pp, pq, qp, qq, order: int) -> tuple[Tensor, Tensor]:
    """(J_n, Y_n) for x > 5 (x is 5 elsewhere), n = ``order``, from Hankel's form with the
    phase x - (2n + 1) pi/4 taken apart into cos x and sin x."""
    w = 5 / x
    z = w * w
    p = polevl(z, pp) / polevl(z, pq)
    q = w * polevl(z, qp) / p1evl(z, qq)
    c, s = x.cos(), x.sin()
    # cos(x - pi/4) = (c + s)/sqrt(2), sin(x - pi/4) = (s - c)/sqrt(2); for 3 pi/4 the
    # same turned by a further pi/2: cos -> sin, sin -> -cos
    cos_phase, sin_phase = (c + s, s - c) if order == 0 else (s - c, -(c + s))
    scale = _SQRT_2_OVER_PI * _SQRT_HALF / x.sqrt()
    return (p * cos_phase - q * sin_phase) * scale, (p * sin_phase + q * cos_phase) * scale


def _j0(x: Tensor) -> Tensor:
    a = x.abs()
    far = a > 5
    near = where(far, 0.0, a)  # NaN stays here
    z = near * near
    small = (z - _J0_R1) * (z - _J0_R2) * polevl(z, _J0_RP) / p1evl(z, _J0_RQ)
    large, _ = _asymptotic(where(far, a, 5.0), _J0_PP, _J0_PQ, _J0_QP, _J0_QQ, 0)
    return where(far, large, small)


def _j1(x: Tensor) -> Tensor:
    a = x.abs()
    far = a > 5
    near = where(far, 0.0, a)
    z = near * near
    small = near * (z - _J1_R1) * (z - _J1_R2) * polevl(z, _J1_RP) / p1evl(z, _J1_RQ)
    large, _ = _asymptotic(where(far, a, 5.0), _J1_PP, _J1_PQ, _J1_QP, _J1_QQ, 1)
    out = where(far, large, small)
    return where(x < 0, -out, out)


def _y(x: Tensor, order: int) -> Tensor:
    """Y0 (``order`` 0) or Y1 of a float64 tensor."""
    far = x > 5
    near = where(far | (x <= 0), 1.0, x)  # x <= 0 and NaN: set at the end
    z = near * near
    if order == 0:
        small = polevl(z, _Y0_YP) / p1evl(z, _Y0_YQ) + _TWO_OVER_PI * near.log() * _j0(near)
        tables = (_J0_PP, _J0_PQ, _J0_QP, _J0_QQ)
    else:
        small = (near * polevl(z, _Y1_YP) / p1evl(z, _Y1_YQ)
                 + _TWO_OVER_PI * (_j1(near) * near.log() - 1 / near))
        tables = (_J1_PP, _J1_PQ, _J1_QP, _J1_QQ)
    _, large = _asymptotic(where(far, x, 5.0), *tables, order)
    out = where(far, large, small)
    out = where(x == 0, -math.inf, out)
    return where(x < 0, math.nan, where(x != x, x, out))


def _y0(x: Tensor) -> Tensor:
    return _y(x, 0)


def _y1(x: Tensor) -> Tensor:
    return _y(x, 1)


def _over_x(v: Tensor, x: Tensor, at_zero: float) -> Tensor:
    """v / x, with ``at_zero`` (the limit) where x is 0."""
    return where(x == 0, at_zero, v / where(x == 0, 1.0, x))


def _spherical_j0(x: Tensor) -> Tensor:
    small = x.abs() < 0.5
    xs = where(small, x, 0.0)
    series = polevl(xs * xs, _SINC_SERIES)
    xl = where(small | (x.abs() == math.inf), 1.0, x)
    out = where(small, series, xl.sin() / xl)
    return where(x.abs() == math.inf, 0.0, out)


def _spherical_j0_derivative(x: Tensor) -> Tensor:
    """d/dx sin(x)/x = (cos x - sin(x)/x)/x, as the derivative of the Taylor series where
    |x| < 1/2 (the difference cancels there), 0 at +-inf."""
    small = x.abs() < 0.5
    xs = where(small, x, 0.0)
    # d/dx sum_k c_k x^2k = x sum_k 2k c_k x^(2k - 2)
    coeffs = [2 * k * (-1) ** k / math.factorial(2 * k + 1) for k in range(7, 0, -1)]
    series = xs * polevl(xs * xs, coeffs)
    xl = where(small | (x.abs() == math.inf), 1.0, x)
    out = where(small, series, (xl.cos() - xl.sin() / xl) / xl)
    return where(x.abs() == math.inf, 0.0, out)


class BesselJ0(Function):
    """out = J0(x)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return in_float64(_j0, x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return -grad * BesselJ1.apply(x)


class BesselJ1(Function):
    """out = J1(x)"""

    @staticmethod
    def forward(ctx, x):
        out = in_float64(_j1, x)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        return grad * (BesselJ0.apply(x) - _over_x(out, x, 0.5))


class BesselY0(Function):
    """out = Y0(x)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return in_float64(_y0, x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return -grad * BesselY1.apply(x)


class BesselY1(Function):
    """out = Y1(x)"""

    @staticmethod
    def forward(ctx, x):
        out = in_float64(_y1, x)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        return grad * (BesselY0.apply(x) - out / x)


class SphericalJ0(Function):
    """out = sin(x)/x"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return in_float64(_spherical_j0, x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * _spherical_j0_derivative(x)


def float_input(name: str, x: Tensor) -> Tensor:
    """``x`` as a float tensor (integers and bools become the default float dtype), or a
    TypeError naming the op for anything but a Tensor."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(x).__name__}")
    return _as_float(x)


@op(namespace="special")
def bessel_j0(input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
    """The Bessel function of the first kind of order 0, elementwise, as
    ``torch.special.bessel_j0``.

    >>> bessel_j0(tensor([0.0, 1.0, 10.0]))
    tensor([ 1.0000,  0.7652, -0.2459])
    """
    return BesselJ0.apply(float_input("special.bessel_j0", input))


@op(namespace="special")
def bessel_j1(input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
    """The Bessel function of the first kind of order 1, elementwise, as
    ``torch.special.bessel_j1``.

    >>> bessel_j1(tensor([0.0, 1.0, 10.0]))
    tensor([0.0000, 0.4401, 0.0435])
    """
    return BesselJ1.apply(float_input("special.bessel_j1", input))


@op(namespace="special")
def bessel_y0(input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
    """The Bessel function of the second kind of order 0, elementwise, as
    ``torch.special.bessel_y0`` (-inf at 0, NaN for x < 0).

    >>> bessel_y0(tensor([1.0, 10.0]))
    tensor([0.0883, 0.0557])
    """
    return BesselY0.apply(float_input("special.bessel_y0", input))


@op(namespace="special")
def bessel_y1(input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
    """The Bessel function of the second kind of order 1, elementwise, as
    ``torch.special.bessel_y1`` (-inf at 0, NaN for x < 0).

    >>> bessel_y1(tensor([1.0, 10.0]))
    tensor([-0.7812,  0.2490])
    """
    return BesselY1.apply(float_input("special.bessel_y1", input))


@op(namespace="special")
def spherical_bessel_j0(input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
    """The spherical Bessel function of the first kind of order 0, sin(x)/x (1 at 0, 0 at
    +-inf), elementwise, as ``torch.special.spherical_bessel_j0``.

    >>> spherical_bessel_j0(tensor([0.0, 3.0]))
    tensor([1.0000, 0.0470])
    """
    return SphericalJ0.apply(float_input("special.spherical_bessel_j0", input))
