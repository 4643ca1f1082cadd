"""``microtorch_core.fft`` and ``stft``/``istft``: values against ``numpy.fft`` and PyTorch,
gradients against PyTorch in float64, PyTorch's errors, and the composite that runs where a
backend has no ``fft`` kernel (CUDA)."""

from __future__ import annotations

import numpy as np
import pytest

import microtorch_core as mt
from microtorch_core.ops.primitive import fft as fft_primitive

RNG = np.random.default_rng(13)
REAL = RNG.standard_normal((3, 6))
CPLX = REAL + 1j * RNG.standard_normal((3, 6))


def _np(t: mt.Tensor) -> np.ndarray:
    return np.asarray(t.detach())


# -- values against numpy.fft ----------------------------------------------------------------
@pytest.mark.parametrize("name, data, kwargs", [
    ("fft", CPLX, {}), ("fft", REAL, {"n": 9}), ("fft", CPLX, {"n": 4, "axis": 0}),
    ("ifft", CPLX, {"norm": "ortho"}), ("ifft", CPLX, {"norm": "forward", "n": 8}),
    ("rfft", REAL, {}), ("rfft", REAL, {"n": 7, "axis": 0}), ("irfft", CPLX, {}),
    ("irfft", CPLX, {"n": 7}), ("irfft", CPLX, {"n": 12, "norm": "ortho"}),
    ("hfft", CPLX, {}), ("hfft", CPLX, {"n": 5}), ("ihfft", REAL, {"norm": "forward"}),
    ("fft2", CPLX, {}), ("ifft2", CPLX, {"s": (2, 8)}), ("fftn", REAL, {"axes": (0,)}),
    ("rfft2", REAL, {}), ("irfft2", CPLX, {}), ("rfftn", REAL, {"norm": "forward"}),
    ("irfftn", CPLX, {"s": (4, 5), "axes": (0, 1)}), ("irfftn", CPLX, {"axes": (1, 0)}),
])
def test_transforms_match_numpy(name, data, kwargs):
    mt_kwargs = {{"axis": "dim", "axes": "dim"}.get(k, k): v for k, v in kwargs.items()}
    got = getattr(mt.fft, name)(mt.tensor(data), **mt_kwargs)
    want = getattr(np.fft, name)(data, **kwargs)
    assert got.shape == want.shape
    np.testing.assert_allclose(_np(got), want, atol=1e-12)


def test_float32_gives_complex64_and_ints_the_default_float_first():
    assert mt.fft.fft(mt.tensor([1.0, 2.0])).dtype == mt.complex64
    assert mt.fft.fft(mt.tensor([1.0, 2.0], dtype=mt.float64)).dtype == mt.complex128
    assert mt.fft.rfft(mt.tensor([1, 2, 3])).dtype == mt.complex64
    assert mt.fft.fft(mt.tensor([True, False])).dtype == mt.complex64
    assert mt.fft.irfft(mt.tensor([1, 2, 3])).dtype == mt.float32
    assert mt.fft.hfft(mt.tensor([1 + 1j, 2j], dtype=mt.complex128)).dtype == mt.float64


def test_irfft_inverts_rfft_for_odd_and_even_lengths():
    for n in (7, 8):
        x = mt.tensor(RNG.standard_normal(n))
        np.testing.assert_allclose(_np(mt.fft.irfft(mt.fft.rfft(x), n)), _np(x), atol=1e-12)


def test_frequencies_and_shifts_match_numpy():
    for n, d in ((5, 1.0), (8, 0.1), (1, 2.0)):
        np.testing.assert_allclose(_np(mt.fft.fftfreq(n, d, dtype=mt.float64)),
                                   np.fft.fftfreq(n, d))
        np.testing.assert_allclose(_np(mt.fft.rfftfreq(n, d, dtype=mt.float64)),
                                   np.fft.rfftfreq(n, d))
    assert mt.fft.fftfreq(4).dtype == mt.float32
    for axes in (None, 1, (0, 1)):
        np.testing.assert_array_equal(_np(mt.fft.fftshift(mt.tensor(CPLX), axes)),
                                      np.fft.fftshift(CPLX, axes))
        np.testing.assert_array_equal(_np(mt.fft.ifftshift(mt.tensor(REAL), axes)),
                                      np.fft.ifftshift(REAL, axes))


def test_the_matmul_composite_matches_the_kernel():
    x = mt.tensor(CPLX)
    for dims in ((0,), (1,), (0, 1)):
        for inverse in (False, True):
            kernel = fft_primitive.fft_unscaled(x, dims, inverse)
            composite = fft_primitive.dft_composite(x, dims, inverse)
            np.testing.assert_allclose(_np(composite), _np(kernel), atol=1e-12)


# -- against PyTorch: values and gradients ---------------------------------------------------
GRAD_CASES = [
    ("fft", CPLX, {}), ("fft", REAL, {"n": 4}), ("ifft", CPLX, {"n": 9, "norm": "ortho"}),
    ("rfft", REAL, {}), ("rfft", REAL, {"n": 5, "dim": 0}), ("irfft", CPLX, {}),
    ("irfft", CPLX, {"n": 7}), ("irfft", REAL, {"n": 13}), ("hfft", CPLX, {}),
    ("ihfft", REAL, {}), ("fft2", CPLX, {}), ("rfft2", REAL, {}), ("irfft2", CPLX, {}),
    ("irfftn", CPLX, {"s": (5, 7)}), ("hfft2", CPLX, {"norm": "forward"}),
    ("hfftn", CPLX, {"dim": (1, 0)}), ("ihfft2", REAL, {"norm": "ortho"}),
    ("ihfftn", REAL, {}), ("fftshift", CPLX, {}), ("ifftshift", REAL, {"dim": 0}),
]


@pytest.mark.parametrize("name, data, kwargs", GRAD_CASES)
def test_values_and_gradients_match_torch(name, data, kwargs):
    torch = pytest.importorskip("torch")
    tx = torch.tensor(data, requires_grad=True)
    tout = getattr(torch.fft, name)(tx, **kwargs).resolve_conj()
    cotangent = RNG.standard_normal((*tout.shape, 2) if tout.is_complex() else tout.shape)
    pairs = torch.view_as_real(tout) if tout.is_complex() else tout
    (tgrad,) = torch.autograd.grad((pairs * torch.tensor(cotangent)).sum(), tx)

    mx = mt.tensor(data, requires_grad=True)
    mout = getattr(mt.fft, name)(mx, **kwargs)
    pairs = mt.view_as_real(mout) if mout.dtype.is_complex else mout
    (mgrad,) = mt.autograd.grad((pairs * mt.tensor(cotangent)).sum(), mx)

    np.testing.assert_allclose(_np(mout), tout.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(_np(mgrad), tgrad.resolve_conj().numpy(), atol=1e-12)


def test_irfft_gradient_matches_finite_differences():
    # the imaginary parts of bins 0 and n/2 do not reach the output: their gradient is 0
    x = mt.tensor(RNG.standard_normal((5, 2)), requires_grad=True)

    def f(pairs):
        return mt.fft.irfft(mt.view_as_complex(pairs), 8)

    assert mt.autograd.gradcheck(f, (x,))
    (grad,) = mt.autograd.grad(f(x).sum(), x)
    assert _np(grad)[0, 1] == 0 and _np(grad)[4, 1] == 0


# -- errors ----------------------------------------------------------------------------------
@pytest.mark.parametrize("call, error, message", [
    (lambda x: mt.fft.fft(x, norm="bad"), RuntimeError, 'Invalid normalization mode: "bad"'),
    (lambda x: mt.fft.fft(x, norm=3), TypeError, "argument 'norm' must be str, not int"),
    (lambda x: mt.fft.fft(x, n=0), RuntimeError, r"Invalid number of data points \(0\)"),
    (lambda x: mt.fft.fft(x, n=2.5), TypeError, "argument 'n' must be int, not float"),
    (lambda x: mt.fft.fftn(x, dim=(0, -2)), RuntimeError, "FFT dims must be unique"),
    (lambda x: mt.fft.fft(x, dim=2), IndexError, r"range of \[-2, 1\], but got 2"),
    (lambda x: mt.fft.fftn(x, s=(2, 3), dim=(0,)), RuntimeError,
     "dim and shape arguments must have the same length"),
    (lambda x: mt.fft.fftn(x, s=(2, 3, 4)), RuntimeError,
     "Got shape with 3 values but input tensor only has 2 dimensions."),
    (lambda x: mt.fft.fftn(x, s=(-2, 3)), RuntimeError, r"Invalid number of data points \(-2\)"),
    (lambda x: mt.fft.rfft(x.to(mt.complex64)), RuntimeError,
     "rfft expects a real input tensor, but got ComplexFloat"),
    (lambda x: mt.fft.rfft2(x.to(mt.complex128)), RuntimeError,
     "rfftn expects a real-valued input tensor, but got ComplexDouble"),
    (lambda x: mt.fft.ihfft(x.to(mt.complex64)), RuntimeError,
     "ihfft expects a real input tensor, but got ComplexFloat"),
    (lambda x: mt.fft.irfft(x[:, :1]), RuntimeError, r"Invalid number of data points \(0\)"),
    (lambda x: mt.fft.fft(x[:, :0]), RuntimeError, r"Invalid number of data points \(0\)"),
    (lambda x: mt.fft.fft(x[0, 0]), IndexError, "Dimension specified as -1 but tensor has no"),
    (lambda x: mt.fft.fftfreq(-1), RuntimeError, "negative dimension -1"),
])
def test_bad_arguments_raise_pytorchs_errors(call, error, message):
    with pytest.raises(error, match=message):
        call(mt.tensor(REAL, dtype=mt.float32))


# -- a backend without the fft kernel or complex kernels -------------------------------------
def test_transforms_run_on_the_cuda_emulator(emulated_cuda):
    x = np.random.default_rng(1).standard_normal((2, 5))
    X = mt.tensor(x, device="cuda")
    for name in ("fft", "ifft", "rfft", "irfft", "fftshift"):
        out = getattr(mt.fft, name)(X)
        assert out.device.type == "cuda"
        np.testing.assert_allclose(_np(out.cpu()), getattr(np.fft, name)(x), atol=1e-12)


# -- stft and istft --------------------------------------------------------------------------
SIGNAL = RNG.standard_normal(40)
HANN8, HANN6 = np.hanning(8), np.hanning(6)
STFT_CASES = [
    (SIGNAL, {"window": np.ones(8), "return_complex": True}),
    (SIGNAL, {"window": HANN8, "hop_length": 3, "return_complex": True}),
    (RNG.standard_normal((2, 33)), {"window": HANN6, "win_length": 6, "pad_mode": "constant",
                                    "normalized": True, "return_complex": True}),
    (SIGNAL, {"window": HANN6, "win_length": 6, "center": False, "align_to_window": True,
              "hop_length": 3, "return_complex": True}),
    (SIGNAL, {"window": HANN8, "onesided": False, "return_complex": True}),
    (SIGNAL + 1j * RNG.standard_normal(40), {"window": HANN8, "return_complex": True}),
]


def _convert(kwargs: dict, make) -> dict:
    return {k: make(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}


def _loss_grad(lib, out, x, cotangent):
    pairs = lib.view_as_real(out) if out.is_complex() else out
    (grad,) = lib.autograd.grad((pairs * lib.tensor(cotangent)).sum(), x)
    return grad


@pytest.mark.parametrize("data, kwargs", STFT_CASES)
def test_stft_values_and_gradients_match_torch(data, kwargs):
    torch = pytest.importorskip("torch")
    tx, mx = torch.tensor(data, requires_grad=True), mt.tensor(data, requires_grad=True)
    tout = torch.stft(tx, 8, **_convert(kwargs, torch.tensor))
    mout = mt.stft(mx, 8, **_convert(kwargs, mt.tensor))
    cotangent = RNG.standard_normal((*tout.shape, 2))
    np.testing.assert_allclose(_np(mout), tout.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(_np(_loss_grad(mt, mout, mx, cotangent)),
                               _loss_grad(torch, tout, tx, cotangent).numpy(), atol=1e-12)


@pytest.mark.parametrize("stft_kwargs, istft_kwargs", [
    ({"window": HANN8}, {"window": HANN8}),
    ({"window": HANN6, "win_length": 6, "hop_length": 2},
     {"window": HANN6, "win_length": 6, "hop_length": 2, "length": 30}),
    ({"window": HANN8, "normalized": True}, {"window": HANN8, "normalized": True, "length": 38}),
    ({"window": HANN8, "onesided": False},
     {"window": HANN8, "onesided": False, "return_complex": True}),
])
def test_istft_values_and_gradients_match_torch(stft_kwargs, istft_kwargs):
    torch = pytest.importorskip("torch")
    spec = torch.stft(torch.tensor(SIGNAL), 8, return_complex=True,
                      **_convert(stft_kwargs, torch.tensor))
    ts, ms = spec.clone().requires_grad_(), mt.tensor(spec.numpy(), requires_grad=True)
    tout = torch.istft(ts, 8, **_convert(istft_kwargs, torch.tensor))
    mout = mt.istft(ms, 8, **_convert(istft_kwargs, mt.tensor))
    cotangent = RNG.standard_normal((*tout.shape, 2) if tout.is_complex() else tout.shape)
    np.testing.assert_allclose(_np(mout), tout.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(_np(_loss_grad(mt, mout, ms, cotangent)),
                               _loss_grad(torch, tout, ts, cotangent).numpy(), atol=1e-12)


def test_istft_inverts_stft_and_tensor_methods_exist():
    x = mt.tensor(SIGNAL)
    spec = x.stft(8, window=mt.tensor(HANN8), return_complex=True)
    np.testing.assert_allclose(_np(spec.istft(8, window=mt.tensor(HANN8))), SIGNAL, atol=1e-12)


def test_stft_without_a_window_warns_as_pytorch():
    with pytest.warns(UserWarning, match="A window was not provided"):
        mt.stft(mt.tensor(SIGNAL), 8, return_complex=True)


def test_stft_return_complex_false_warns_and_gives_pairs():
    with pytest.warns(UserWarning, match="return_complex=False is deprecated"):
        out = mt.stft(mt.tensor(SIGNAL), 8, window=mt.ones(8), return_complex=False)
    assert out.shape == (5, 21, 2) and out.dtype == mt.float64


@pytest.mark.parametrize("call, error, message", [
    (lambda x: mt.stft(x, 8), RuntimeError, "requires the return_complex parameter be given"),
    (lambda x: mt.stft(x, 0, window=mt.ones(0), return_complex=True), RuntimeError,
     "expected 0 < n_fft < 40"),
    (lambda x: mt.stft(x, 8, hop_length=0, return_complex=True), RuntimeError,
     "expected hop_length > 0, but got hop_length=0"),
    (lambda x: mt.stft(x, 8, win_length=9, return_complex=True), RuntimeError,
     "expected 0 < win_length <= n_fft, but got win_length=9"),
    (lambda x: mt.stft(x, 8, window=mt.ones(5), return_complex=True), RuntimeError,
     r"window tensor of size equal to win_length=8, but got window with size \[5\]"),
    (lambda x: mt.stft(x, 8, align_to_window=True, return_complex=True), RuntimeError,
     "align_to_window should only be set when center = false"),
    (lambda x: mt.stft(x, 8, pad_mode="foo", return_complex=True), NotImplementedError,
     "Unrecognised padding mode foo"),
    (lambda x: mt.stft(x.to(mt.complex128), 8, onesided=True, return_complex=True),
     RuntimeError, "Cannot have onesided output if window or input is complex"),
    (lambda x: mt.istft(x.reshape(5, 8), 8), RuntimeError,
     "istft requires a complex-valued input tensor"),
    (lambda x: mt.istft(mt.stft(x, 8, return_complex=True), 8, window=mt.zeros(8)),
     RuntimeError, "window overlap add min"),
    (lambda x: mt.istft(mt.stft(x, 8, return_complex=True), 8, window=mt.ones(7)),
     RuntimeError, "Invalid window shape"),
])
def test_stft_and_istft_bad_arguments_raise_pytorchs_errors(call, error, message):
    with pytest.raises(error, match=message):
        call(mt.tensor(SIGNAL))
