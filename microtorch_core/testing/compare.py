"""Comparing MicroTorch with its references: NumPy values, finite differences, PyTorch.

Most op tests are one line with these helpers::

    assert_close(mt.exp(x), np.exp(x_np))                       # forward vs NumPy
    check_gradients(lambda x: x.exp(), (2, 3), device=device)   # gradcheck in float64
    check_against_torch(lambda x: x.softmax(-1), (4, 5))        # value and grad vs PyTorch

Inputs given as a tuple of ints are a *shape*: the helper fills it with reproducible random
numbers. NumPy arrays keep their dtype, nested lists go through each library's ``tensor()``
(so Python floats become float32 in both), and Python scalars are passed as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

#: (rtol, atol) per floating dtype: PyTorch's ``torch.testing.assert_close`` defaults.
TOLERANCES: dict[str, tuple[float, float]] = {"float32": (1.3e-6, 1e-5), "float64": (1e-7, 1e-7)}


def to_numpy(t: Any) -> np.ndarray:
    """A host copy of a tensor's values on any device (autograd history ignored)."""
    return np.asarray(t.detach())


def random_array(shape: Sequence[int], dtype: Any = np.float32, low: float = -2.0,
                 high: float = 2.0, seed: int = 0) -> np.ndarray:
    """Reproducible values in [low, high) (integers for integer dtypes, halves for bool)."""
    rng = np.random.default_rng([seed, *shape, 7])
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return rng.random(tuple(shape)) < 0.5
    if dtype.kind in "iu":
        return rng.integers(int(low), int(high) + 1, size=tuple(shape)).astype(dtype)
    return rng.uniform(low, high, size=tuple(shape)).astype(dtype)


def assert_close(actual: Any, expected: Any, *, rtol: float | None = None,
                 atol: float | None = None, check_dtype: bool = True, msg: str = "") -> None:
    """Assert that tensor ``actual`` has ``expected``'s shape, dtype and values.

    ``expected`` is a NumPy array (its dtype is checked unless ``check_dtype=False``), a
    tensor, or anything ``np.asarray`` takes (then only values and shape are checked).
    Floating values use :data:`TOLERANCES` for ``actual``'s dtype (complex ones, their parts'
    dtype's); others must be equal.
    NaNs compare equal to NaNs.
    """
    got = to_numpy(actual)
    dtype_known = isinstance(expected, (np.ndarray, np.generic)) or hasattr(expected, "dtype")
    want = to_numpy(expected) if hasattr(expected, "detach") else np.asarray(expected)
    where = f" ({msg})" if msg else ""
    assert got.shape == want.shape, f"shape {got.shape} != expected {want.shape}{where}"
    if check_dtype and dtype_known:
        assert got.dtype == want.dtype, f"dtype {got.dtype} != expected {want.dtype}{where}"
    if got.dtype.kind in "fc":  # a complex dtype: its parts' float tolerance
        part = np.finfo(got.dtype).dtype.name
        default_rtol, default_atol = TOLERANCES.get(part, TOLERANCES["float32"])
        np.testing.assert_allclose(
            got, want.astype(got.dtype, copy=False) if want.dtype.kind in "fc" else want,
            rtol=default_rtol if rtol is None else rtol,
            atol=default_atol if atol is None else atol, equal_nan=True, err_msg=msg)
    else:
        np.testing.assert_array_equal(got, want, err_msg=msg)


def check_gradients(fn: Callable[..., Any], *inputs: Any, device: str = "cpu",
                    seed: int = 0, **gradcheck_kwargs: Any) -> None:
    """``gradcheck`` ``fn`` in float64 on ``device``: shapes become random inputs that require
    grad, arrays become float64 tensors that require grad, scalars pass through."""
    import microtorch_core as mt

    args = []
    for i, x in enumerate(inputs):
        if _is_shape(x):
            x = random_array(x, np.float64, seed=seed + i)
        if isinstance(x, np.ndarray):
            x = mt.tensor(x.astype(np.float64), device=device, requires_grad=True)
        args.append(x)
    mt.autograd.gradcheck(fn, args, **gradcheck_kwargs)


def check_against_torch(fn: Callable[..., Any], *inputs: Any,
                        torch_fn: Callable[..., Any] | None = None, device: str = "cpu",
                        grad: bool = True, rtol: float | None = None, atol: float | None = None,
                        seed: int = 0) -> Any:
    """Run ``fn`` in MicroTorch (on ``device``) and ``torch_fn`` (default: ``fn``) in PyTorch
    on the same inputs; compare output dtypes and values, then the gradients of
    ``out.sum()`` for every floating input. Skips the test when PyTorch is not installed.
    Returns MicroTorch's output.

    >>> check_against_torch(lambda a, b: (a * b).relu(), (3, 1), (4,))
    """
    import pytest

    torch = pytest.importorskip("torch", reason="PyTorch is not installed: no reference")
    import microtorch_core as mt

    mt_args, torch_args = [], []
    for i, x in enumerate(inputs):
        if _is_shape(x):
            x = random_array(x, np.float32, seed=seed + i)
        if isinstance(x, np.ndarray):
            floating = grad and x.dtype.kind == "f"
            mt_args.append(mt.tensor(x, device=device, requires_grad=floating))
            torch_args.append(torch.tensor(x, requires_grad=floating))
        elif isinstance(x, list):
            a, b = mt.tensor(x, device=device), torch.tensor(x)
            if grad and a.dtype.is_floating_point:
                a.requires_grad_(), b.requires_grad_()
            mt_args.append(a)
            torch_args.append(b)
        else:
            mt_args.append(x)
            torch_args.append(x)

    mt_out, torch_out = fn(*mt_args), (torch_fn or fn)(*torch_args)
    mt_outs, torch_outs = _flatten(mt_out), _flatten(torch_out)
    assert len(mt_outs) == len(torch_outs), \
        f"{len(mt_outs)} outputs, PyTorch gives {len(torch_outs)}"
    for i, (a, b) in enumerate(zip(mt_outs, torch_outs)):
        expected = b.detach().numpy()
        assert_close(a, expected, rtol=rtol, atol=atol, msg=f"output {i} vs PyTorch")

    leaves = [(a, b) for a, b in zip(mt_args, torch_args) if getattr(a, "requires_grad", False)]
    mt_loss = [o.sum() for o in mt_outs if o.requires_grad]
    if not (grad and leaves and mt_loss):
        return mt_out
    sum(mt_loss[1:], mt_loss[0]).backward()
    torch_loss = [o.sum() for o in torch_outs if o.requires_grad]
    sum(torch_loss[1:], torch_loss[0]).backward()
    for i, (a, b) in enumerate(leaves):
        if b.grad is None:
            assert a.grad is None, f"input {i}: PyTorch gives no gradient, MicroTorch does"
        else:
            assert a.grad is not None, f"input {i}: no gradient, PyTorch gives one"
            assert_close(a.grad, b.grad.numpy(), rtol=rtol, atol=atol,
                         msg=f"gradient of input {i} vs PyTorch")
    return mt_out


def _is_shape(x: Any) -> bool:
    return isinstance(x, tuple) and all(isinstance(n, int) for n in x)


def _flatten(out: Any) -> list[Any]:
    return list(out) if isinstance(out, (tuple, list)) else [out]
