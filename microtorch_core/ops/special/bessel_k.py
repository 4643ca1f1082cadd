"""Modified Bessel functions of the second kind, K0 and K1, and their exponentially scaled
forms e^x K0(x) and e^x K1(x), from the primitive kernels.

Cephes' ``k0.c`` and ``k1.c`` (S. L. Moshier, BSD licence; the tables as in SciPy and
PyTorch), Chebyshev series evaluated by Clenshaw's recurrence (``polynomial.chbevl``):

* for 0 < x <= 2, the logarithmic singularity is written out with I0 and I1 (``bessel.py``):
  K0(x) = A(x^2 - 2) - log(x/2) I0(x) and K1(x) = log(x/2) I1(x) + B(x^2 - 2)/x, with A and B
  Chebyshev series;
* for x > 2, e^x sqrt(x) K_n(x) is a Chebyshev series in 8/x - 2 on the inverted interval,
  so the scaled forms never overflow and the unscaled ones underflow gracefully past
  x ~ 705.

Both are +inf at 0 and NaN for x < 0, as in PyTorch and SciPy. Gradients: K0' = -K1,
K1' = -K0 - K1/x, (e^x K0)' = e^x (K0 - K1), (e^x K1)' = e^x (K1 (1 - 1/x) - K0). (PyTorch
gives these ops no gradient at all.) float32 inputs are computed in float64 and rounded back.
Float64 is within 1e-15 of mpmath.
"""

from __future__ import annotations

import math

from ...autograd.function import Function
from ...tensor import Tensor
from ..declare import op
from ..primitive.elementwise import where
from .bessel import _i0, _i1
from .bessel_j import float_input
from .polynomial import chbevl, in_float64

# K0(x) + log(x/2) I0(x) on [0, 2], in T_k(x^2 - 2)
_K0_A = (1.37446543561352307156e-16, 4.25981614279661018399e-14, 1.03496952576338420167e-11,
         1.90451637722020886025e-09, 2.53479107902614945675e-07, 2.28621210311945178607e-05,
         1.26461541144692592338e-03, 3.59799365153615016266e-02, 3.44289899924628486886e-01,
         -5.35327393233902768720e-01)
# e^x sqrt(x) K0(x) on [2, inf), in T_k(8/x - 2)
_K0_B = (5.30043377268626276149e-18, -1.64758043015242134646e-17, 5.21039150503902756861e-17,
         -1.67823109680541210385e-16, 5.51205597852431940784e-16, -1.84859337734377901440e-15,
         6.34007647740507060557e-15, -2.22751332699166985548e-14, 8.03289077536357521100e-14,
         -2.98009692317273043925e-13, 1.14034058820847496303e-12, -4.51459788337394416547e-12,
         1.85594911495471785253e-11, -7.95748924447710747776e-11, 3.57739728140030116597e-10,
         -1.69753450938905987466e-09, 8.57403401741422608519e-09, -4.66048989768794782956e-08,
         2.76681363944501510342e-07, -1.83175552271911948767e-06, 1.39498137188764993662e-05,
         -1.28495495816278026384e-04, 1.56988388573005337491e-03, -3.14481013119645005427e-02,
         2.44030308206595545468e+00)
# x (K1(x) - log(x/2) I1(x)) on [0, 2], in T_k(x^2 - 2)
_K1_A = (-7.02386347938628759343e-18, -2.42744985051936593393e-15, -6.66690169419932900609e-13,
         -1.41148839263352776110e-10, -2.21338763073472585583e-08, -2.43340614156596823496e-06,
         -1.73028895751305206302e-04, -6.97572385963986435018e-03, -1.22611180822657148235e-01,
         -3.53155960776544875667e-01, 1.52530022733894777053e+00)
# e^x sqrt(x) K1(x) on [2, inf), in T_k(8/x - 2)
_K1_B = (-5.75674448366501715755e-18, 1.79405087314755922667e-17, -5.68946255844285935196e-17,
         1.83809354436663880070e-16, -6.05704724837331885336e-16, 2.03870316562433424052e-15,
         -7.01983709041831346144e-15, 2.47715442448130437068e-14, -8.97670518232499435011e-14,
         3.34841966607842919884e-13, -1.28917396095102890680e-12, 5.13963967348173025100e-12,
         -2.12996783842756842877e-11, 9.21831518760500529508e-11, -4.19035475934189648750e-10,
         2.01504975519703286596e-09, -1.03457624656780970260e-08, 5.74108412545004946722e-08,
         -3.50196060308781257119e-07, 2.40648494783721712015e-06, -1.93619797416608296024e-05,
         1.95215518471351631108e-04, -2.85781685962277938680e-03, 1.03923736576817238437e-01,
         2.72062619048444266945e+00)


def _k(x: Tensor, order: int, scaled: bool) -> Tensor:
    """K_order(x), or e^x K_order(x) when ``scaled``, of a float64 tensor."""
    far = x > 2
    near = where(far | (x <= 0), 1.0, x)  # x <= 0 and NaN: set at the end
    z = near * near - 2
    if order == 0:
        small = chbevl(z, _K0_A) - (0.5 * near).log() * _i0(near)
    else:
        small = (0.5 * near).log() * _i1(near) + chbevl(z, _K1_A) / near
    if scaled:
        small = small * near.exp()
    xf = where(far, x, 4.0)
    large = chbevl(8 / xf - 2, _K0_B if order == 0 else _K1_B) / xf.sqrt()
    if not scaled:
        large = large * (-xf).exp()
    large = where(xf == math.inf, 0.0, large)
    out = where(far, large, small)
    out = where(x == 0, math.inf, out)
    return where(x < 0, math.nan, where(x != x, x, out))


class BesselK(Function):
    """out = K_n(x) (n = 0 or 1), or e^x K_n(x) when ``scaled``"""

    @staticmethod
    def forward(ctx, x, order, scaled):
        out = in_float64(lambda t: _k(t, order, scaled), x)
        ctx.save_for_backward(x, out)
        ctx.order, ctx.scaled = order, scaled
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        if ctx.order == 0:  # K0' = -K1
            other = BesselK.apply(x, 1, ctx.scaled)
            derivative = -other
        else:  # K1' = -K0 - K1/x
            other = BesselK.apply(x, 0, ctx.scaled)
            derivative = -other - out / x
        if ctx.scaled:  # (e^x K)' = e^x K + e^x K'
            derivative = derivative + out
        return grad * derivative, None, None


@op(namespace="special")
def modified_bessel_k0(input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
    """The modified Bessel function of the second kind of order 0, elementwise, as
    ``torch.special.modified_bessel_k0`` (inf at 0, NaN for x < 0).

    >>> modified_bessel_k0(tensor([0.5, 1.0, 5.0]))
    tensor([0.9244, 0.4210, 0.0037])
    """
    return BesselK.apply(float_input("special.modified_bessel_k0", input), 0, False)


@op(namespace="special")
def modified_bessel_k1(input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
    """The modified Bessel function of the second kind of order 1, elementwise, as
    ``torch.special.modified_bessel_k1`` (inf at 0, NaN for x < 0).

    >>> modified_bessel_k1(tensor([0.5, 1.0, 5.0]))
    tensor([1.6564, 0.6019, 0.0040])
    """
    return BesselK.apply(float_input("special.modified_bessel_k1", input), 1, False)


@op(namespace="special")
def scaled_modified_bessel_k0(input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
    """``exp(x) * modified_bessel_k0(x)``, which does not underflow for large x, elementwise,
    as ``torch.special.scaled_modified_bessel_k0``.

    >>> scaled_modified_bessel_k0(tensor([1.0, 1000.0]))
    tensor([1.1445, 0.0396])
    """
    return BesselK.apply(float_input("special.scaled_modified_bessel_k0", input), 0, True)


@op(namespace="special")
def scaled_modified_bessel_k1(input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
    """``exp(x) * modified_bessel_k1(x)``, which does not underflow for large x, elementwise,
    as ``torch.special.scaled_modified_bessel_k1``.

    >>> scaled_modified_bessel_k1(tensor([1.0, 1000.0]))
    tensor([1.6362, 0.0396])
    """
    return BesselK.apply(float_input("special.scaled_modified_bessel_k1", input), 1, True)
