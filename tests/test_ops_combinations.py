"""combinations: r-element combinations of a vector's elements, against itertools and
PyTorch (values and gradients)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import microtorch_core as mt
from microtorch_core.testing import assert_close, check_against_torch, check_gradients


@pytest.mark.parametrize("with_replacement", [False, True])
@pytest.mark.parametrize("r", [1, 2, 3])
def test_combinations_match_itertools(r, with_replacement):
    values = np.array([4, 7, 1, 9])
    choose = itertools.combinations_with_replacement if with_replacement else \
        itertools.combinations
    want = np.array(list(choose(values, r)))
    assert_close(mt.combinations(mt.tensor(values), r, with_replacement), want)


def test_combinations_gradient_matches_pytorch():
    torch = pytest.importorskip("torch")
    check_against_torch(lambda x: mt.combinations(x, 3, with_replacement=True), (4,),
                        torch_fn=lambda x: torch.combinations(x, 3, with_replacement=True))


def test_combinations_gradcheck():
    check_gradients(lambda x: mt.combinations(x, 2) ** 2, (5,))


def test_combinations_empty_cases_have_pytorchs_shapes():
    x = mt.tensor([1, 2, 3])
    assert mt.combinations(x, 0).shape == (0,)
    assert mt.combinations(x, 4).shape == (0, 4)
    assert mt.combinations(mt.tensor([]), 2).shape == (0, 2)
    assert mt.combinations(x, 4, with_replacement=True).shape == (15, 4)


def test_combinations_keep_the_dtype():
    assert mt.combinations(mt.tensor([True, False])).dtype is mt.bool


def test_combinations_errors():
    with pytest.raises(RuntimeError, match=r"Expect a 1D vector, but got shape \[1, 2\]"):
        mt.combinations(mt.tensor([[1, 2]]))
    with pytest.raises(RuntimeError, match="Expect a non-negative number, but got -1"):
        mt.combinations(mt.tensor([1, 2]), -1)
