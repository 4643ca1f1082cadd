"""Modified Bessel functions of the first kind: i0, i0e, i1, i1e, from the primitive kernels.

Cephes' ``i0``, ``i0e``, ``i1`` and ``i1e`` (S. L. Moshier, BSD licence; the coefficient tables
as in SciPy and PyTorch): the exponentially scaled functions are Chebyshev series,

* for |x| <= 8: e^-|x| I0(x) = sum a_k T_k(|x|/2 - 2) and e^-|x| I1(x) = |x| sum b_k T_k(...),
* for |x| > 8:  the same times 1/sqrt(|x|) in T_k(32/|x| - 2), on the inverted interval,

evaluated by Clenshaw's recurrence (``polynomial.chbevl``). The unscaled functions multiply by
e^|x| as e^(|x|/2) twice, so that I0 stays finite up to where it overflows itself (|x| ~ 714
in float64), past the overflow of e^|x| at 709.8. Gradients: I0' = I1, I1' = I0 - I1/x (1/2
at 0), and the scaled forms' derivatives subtract sign(x) times the function. Infinities give
the limits (I0(+-inf) = inf, as SciPy; PyTorch's own kernel returns NaN there). float32 inputs
are computed in float64 and rounded back: Clenshaw's recurrence loses a few float32 digits next
to x = 8, the end of the first interval.
"""

from __future__ import annotations

import math

from ... import dtypes
from ...autograd.function import Function
from ...tensor import Tensor
from ..composite.pointwise import _as_float
from ..declare import op
from ..primitive.elementwise import where
from .polynomial import chbevl, in_float64

# Chebyshev coefficients for exp(-x) I0(x) on [0, 8]
_I0_A = (-4.41534164647933937950e-18, 3.33079451882223809783e-17, -2.43127984654795469359e-16,
         1.71539128555513303061e-15, -1.16853328779934516808e-14, 7.67618549860493561688e-14,
         -4.85644678311192946090e-13, 2.95505266312963983461e-12, -1.72682629144155570723e-11,
         9.67580903537323691224e-11, -5.18979560163526290666e-10, 2.65982372468238665035e-9,
         -1.30002500998624804212e-8, 6.04699502254191894932e-8, -2.67079385394061173391e-7,
         1.11738753912010371815e-6, -4.41673835845875056359e-6, 1.64484480707288970893e-5,
         -5.75419501008210370398e-5, 1.88502885095841655729e-4, -5.76375574538582365885e-4,
         1.63947561694133579842e-3, -4.32430999505057594430e-3, 1.05464603945949983183e-2,
         -2.37374148058994688156e-2, 4.93052842396707084878e-2, -9.49010970480476444210e-2,
         1.71620901522208775349e-1, -3.04682672343198398683e-1, 6.76795274409476084995e-1)
# Chebyshev coefficients for exp(-x) sqrt(x) I0(x) on [8, inf)
_I0_B = (-7.23318048787475395456e-18, -4.83050448594418207126e-18, 4.46562142029675999901e-17,
         3.46122286769746109310e-17, -2.82762398051658348494e-16, -3.42548561967721913462e-16,
         1.77256013305652638360e-15, 3.81168066935262242075e-15, -9.55484669882830764870e-15,
         -4.15056934728722208663e-14, 1.54008621752140982691e-14, 3.85277838274214270114e-13,
         7.18012445138366623367e-13, -1.79417853150680611778e-12, -1.32158118404477131188e-11,
         -3.14991652796324136454e-11, 1.18891471078464383424e-11, 4.94060238822496958910e-10,
         3.39623202570838634515e-9, 2.26666899049817806459e-8, 2.04891858946906374183e-7,
         2.89137052083475648297e-6, 6.88975834691682398426e-5, 3.36911647825569408990e-3,
         8.04490411014108831608e-1)
# Chebyshev coefficients for exp(-x) I1(x) / x on [0, 8]
_I1_A = (2.77791411276104639959e-18, -2.11142121435816608115e-17, 1.55363195773620046921e-16,
         -1.10559694773538630805e-15, 7.60068429473540693410e-15, -5.04218550472791168711e-14,
         3.22379336594557470981e-13, -1.98397439776494371520e-12, 1.17361862988909016308e-11,
         -6.66348972350202774223e-11, 3.62559028155211703701e-10, -1.88724975172282928790e-9,
         9.38153738649577178388e-9, -4.44505912879632808065e-8, 2.00329475355213526229e-7,
         -8.56872026469545474066e-7, 3.47025130813767847674e-6, -1.32731636560394358279e-5,
         4.78156510755005422638e-5, -1.61760815825896745588e-4, 5.12285956168575772895e-4,
         -1.51357245063125314899e-3, 4.15642294431288815669e-3, -1.05640848946261981558e-2,
         2.47264490306265168283e-2, -5.29459812080949914269e-2, 1.02643658689847095384e-1,
         -1.76416518357834055153e-1, 2.52587186443633654823e-1)
# Chebyshev coefficients for exp(-x) sqrt(x) I1(x) on [8, inf)
_I1_B = (7.51729631084210481353e-18, 4.41434832307170791151e-18, -4.65030536848935832153e-17,
         -3.20952592199342395980e-17, 2.96262899764595013876e-16, 3.30820231092092828324e-16,
         -1.88035477551078244854e-15, -3.81440307243700780478e-15, 1.04202769841288027642e-14,
         4.27244001671195135429e-14, -2.10154184277266431302e-14, -4.08355111109219731823e-13,
         -7.19855177624590851209e-13, 2.03562854414708950722e-12, 1.41258074366137813316e-11,
         3.25260358301548823856e-11, -1.89749581235054123450e-11, -5.58974346219658380687e-10,
         -3.83538038596423702205e-9, -2.63146884688951950684e-8, -2.51223623787020892529e-7,
         -3.88256480887769039346e-6, -1.10588938762623716291e-4, -9.76109749136146840777e-3,
         7.78576235018280120474e-1)


def _scaled(a: Tensor, small: tuple[float, ...], large: tuple[float, ...], odd: bool) -> Tensor:
    """e^-a I0(a) (``odd`` False) or e^-a I1(a) (``odd`` True) for a = |x| >= 0, NaN, inf."""
    big = a > 8
    near = where(big, 0.0, a)  # NaN stays in this branch
    far = where(big, a, 8.0)
    inner = chbevl(near / 2 - 2, small)
    if odd:
        inner = inner * near
    return where(big, chbevl(32 / far - 2, large) / far.sqrt(), inner)


def _times_exp(v: Tensor, a: Tensor) -> Tensor:
    """v e^a for v >= 0 and a >= 0, as (v e^(a/2)) e^(a/2), so that it is finite wherever the
    result is (e^a alone overflows sooner); inf beyond, and at a = inf."""
    max_log = math.log(dtypes.finfo(a.dtype).max)
    half = (where(a > 1.99 * max_log, 1.99 * max_log, a) / 2).exp()  # finite
    t = v * half
    over = t > dtypes.finfo(a.dtype).max / half  # t * half would overflow
    return where(over | (a == math.inf), math.inf, where(over, 0.0, t) * half)


def _signed(x: Tensor, value: Tensor) -> Tensor:
    return where(x < 0, -value, value)


def _i0e(x: Tensor) -> Tensor:
    return _scaled(x.abs(), _I0_A, _I0_B, odd=False)


def _i1e(x: Tensor) -> Tensor:
    return _signed(x, _scaled(x.abs(), _I1_A, _I1_B, odd=True))


def _i0(x: Tensor) -> Tensor:
    return _times_exp(_i0e(x), x.abs())


def _i1(x: Tensor) -> Tensor:
    return _signed(x, _times_exp(_i1e(x.abs()), x.abs()))


def _i1_over_x_term(x: Tensor, i1e: Tensor) -> Tensor:
    """i1e(x) / x, with its limit 1/2 at 0."""
    return where(x == 0, 0.5, i1e / where(x == 0, 1.0, x))


class I0(Function):
    """out = I0(x), the modified Bessel function of the first kind of order 0"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return in_float64(_i0, x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * i1(x)


class I0e(Function):
    """out = exp(-|x|) I0(x)"""

    @staticmethod
    def forward(ctx, x):
        out = in_float64(_i0e, x)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        return grad * (i1e(x) - x.sign() * out)


class I1(Function):
    """out = I1(x), the modified Bessel function of the first kind of order 1"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return in_float64(_i1, x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        # I0 - I1/x = e^|x| (i0e - i1e/x): scaled, so that inf - inf never happens
        a = x.abs()
        scaled = i0e(x) - _i1_over_x_term(a, i1e(a))
        return grad * _times_exp(where(scaled < 0, 0.0, scaled), a)


class I1e(Function):
    """out = exp(-|x|) I1(x)"""

    @staticmethod
    def forward(ctx, x):
        out = in_float64(_i1e, x)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        return grad * (i0e(x) - _i1_over_x_term(x, out) - x.sign() * out)


@op(variants="function, method", aliases=("special.i0", "special.modified_bessel_i0"),
    inplace=True)
def i0(x: Tensor) -> Tensor:
    """The modified Bessel function of the first kind of order 0, elementwise, as
    ``torch.i0``.

    >>> i0(tensor([0.0, 1.0]))
    tensor([1.0000, 1.2661])
    """
    return I0.apply(_as_float(x))


@op(namespace="special")
def i0e(x: Tensor) -> Tensor:
    """``exp(-|x|) * i0(x)``, which does not overflow, elementwise, as
    ``torch.special.i0e``."""
    return I0e.apply(_as_float(x))


@op(namespace="special", aliases=("special.modified_bessel_i1",))
def i1(x: Tensor) -> Tensor:
    """The modified Bessel function of the first kind of order 1, elementwise, as
    ``torch.special.i1``."""
    return I1.apply(_as_float(x))


@op(namespace="special")
def i1e(x: Tensor) -> Tensor:
    """``exp(-|x|) * i1(x)``, which does not overflow, elementwise, as
    ``torch.special.i1e``."""
    return I1e.apply(_as_float(x))
