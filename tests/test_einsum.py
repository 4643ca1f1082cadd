"""einsum: values against NumPy's einsum always, values and gradients against PyTorch when
installed, gradients against finite differences (float64), and the errors it raises."""

import numpy as np
import pytest
from torch_reference import check_same, requires_torch, torch

import microtorch_core as mt
from microtorch_core.autograd.gradcheck import gradcheck

# (equation, operand shapes) that NumPy's einsum also accepts
EQUATIONS = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),          # matrix product, explicit output
    ("ij,jk", [(2, 3), (3, 4)]),              # implicit output
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),  # batched matmul
    ("i,i", [(3,), (3,)]),                    # dot product
    ("i,j", [(3,), (2,)]),                    # outer product
    ("ij->ji", [(2, 3)]),                     # transpose
    ("ij->", [(2, 3)]),                       # sum of everything
    ("ij->j", [(2, 3)]),                      # one summed index
    ("ii", [(3, 3)]),                         # trace
    ("ii->i", [(3, 3)]),                      # diagonal
    ("iij->ji", [(3, 3, 2)]),                 # diagonal of a 3-D operand
    ("iji,j->j", [(2, 3, 2), (3,)]),
    ("...ij->...ji", [(5, 2, 3)]),            # ellipsis
    ("...ij,...jk", [(5, 1, 2, 3), (4, 3, 2)]),  # ellipsis dims broadcast
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]),  # three operands
    ("i,i,i", [(3,), (3,), (3,)]),
    ("abc,cba->b", [(2, 3, 4), (4, 3, 2)]),
    ("ab,cd->", [(2, 3), (4, 5)]),            # two independent sums
    ("Ba,bA", [(2, 3), (3, 2)]),              # implicit order: uppercase first
    (",i->i", [(), (2,)]),                    # a 0-d operand
    ("i j , j k -> i k", [(2, 3), (3, 4)]),   # spaces are ignored
    ("ij,jk", [(2, 0), (0, 3)]),              # an empty contraction gives zeros
]

# equations PyTorch accepts beyond NumPy: size-1 dims broadcast, ellipsis dims summed
TORCH_ONLY = [
    ("ij,jk", [(2, 1), (3, 4)]),
    ("ij,ij->ij", [(2, 3), (1, 3)]),
    ("...ij->ij", [(2, 3, 4)]),
    ("...ij,...jk->ik", [(5, 1, 2, 3), (4, 3, 2)]),
    ("i->...", [(2,)]),
]


def _operands(shapes, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s) for s in shapes]


def _ids(cases):
    return [f"{eq.replace(' ', '_')}:{shapes}" for eq, shapes in cases]


@pytest.mark.parametrize("equation,shapes", EQUATIONS, ids=_ids(EQUATIONS))
def test_einsum_values_match_numpy(equation, shapes):
    arrays = _operands(shapes)
    ours = mt.einsum(equation, *[mt.tensor(a) for a in arrays]).numpy()
    expected = np.einsum(equation, *arrays)
    assert ours.shape == expected.shape
    np.testing.assert_allclose(ours, expected, rtol=1e-12, atol=1e-12)


@requires_torch
@pytest.mark.parametrize("equation,shapes", EQUATIONS + TORCH_ONLY,
                         ids=_ids(EQUATIONS + TORCH_ONLY))
def test_einsum_values_and_gradients_match_torch(equation, shapes):
    arrays = _operands(shapes)
    ours = [mt.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    check_same(mt.einsum(equation, *ours), torch.einsum(equation, *theirs),
               list(zip(ours, theirs)))


@pytest.mark.parametrize("equation,shapes", [
    ("ij,jk->ik", [(2, 3), (3, 2)]),
    ("ii->i", [(3, 3)]),
    ("bij,bjk", [(2, 2, 3), (2, 3, 2)]),
    ("...ij,...jk->ik", [(2, 1, 2, 3), (2, 3, 2)]),
    ("ij,ij->i", [(2, 3), (1, 3)]),
    ("ij,jk,kl->il", [(2, 3), (3, 2), (2, 2)]),
], ids=str)
def test_einsum_gradients_match_finite_differences(equation, shapes):
    inputs = [mt.tensor(a, requires_grad=True) for a in _operands(shapes, seed=1)]
    assert gradcheck(lambda *ops: mt.einsum(equation, *ops), inputs)


def test_einsum_size_one_dims_broadcast_against_the_same_subscript():
    a, b = _operands([(2, 1), (3, 4)])
    ours = mt.einsum("ij,jk->ik", mt.tensor(a), mt.tensor(b)).numpy()
    np.testing.assert_allclose(ours, a @ np.ones((1, 3)) @ b, rtol=1e-12)


def test_einsum_sums_ellipsis_dims_missing_from_an_explicit_output():
    (a,) = _operands([(2, 3, 4)])
    np.testing.assert_allclose(mt.einsum("...ij->ij", mt.tensor(a)).numpy(), a.sum(0),
                               rtol=1e-12)


def test_einsum_accepts_operands_as_one_list():
    a, b = _operands([(2, 3), (3, 4)])
    ours = mt.einsum("ij,jk", [mt.tensor(a), mt.tensor(b)]).numpy()
    np.testing.assert_allclose(ours, a @ b, rtol=1e-12)


def test_einsum_keeps_integer_dtype():
    a = mt.arange(6).reshape(2, 3)
    out = mt.einsum("ij,kj->ik", a, a)
    assert out.dtype is mt.int64
    np.testing.assert_array_equal(out.numpy(), a.numpy() @ a.numpy().T)


def test_einsum_diagonal_of_a_single_operand_is_a_view():
    x = mt.zeros(3, 3)
    mt.einsum("ii->i", x).fill_(1.0)
    np.testing.assert_array_equal(x.numpy(), np.eye(3))


ERRORS = [
    ("ij,jk", [(2, 3), (4, 5)], r"einsum\('ij,jk'\): subscript 'j' has size 4 in operand 1 "
                                r"\(shape \(4, 5\)\) but size 3 in operand 0 \(shape \(2, 3\)\)"),
    ("ii", [(2, 3)], r"subscript 'i' is repeated in operand 0 \(shape \(2, 3\)\) but the "
                     r"sizes don't match, 2 != 3"),
    ("ij", [(2, 3, 4)], r"operand 0 has 3 dim\(s\) \(shape \(2, 3, 4\)\) but its subscripts "
                        r"'ij' name 2 and no ellipsis"),
    ("ij,jk", [(2, 3)], r"the equation has 2 operand term\(s\) but 1 operand\(s\) were given"),
    ("i", [(2,), (2,)], r"the equation has 1 operand term\(s\) but 2 operand\(s\)"),
    ("ij->k", [(2, 3)], r"output subscript 'k' does not appear in the equation"),
    ("ij->ii", [(2, 3)], r"output subscript 'i' appears more than once"),
    ("i1", [(2, 3)], r"invalid subscript '1' at index 1 .* must be in \[a-zA-Z\]"),
    ("i..j", [(2, 3)], r"found '\.' for operand 0 that is not part of an ellipsis"),
    ("...i...", [(2, 3)], r"operand 0 has more than one ellipsis"),
    ("...i,...i", [(2, 3), (4, 3)], r"dim 0 covered by the ellipsis '\.\.\.' has size 4 in "
                                    r"operand 1 \(shape \(4, 3\)\) but size 2 in operand 0"),
]


@pytest.mark.parametrize("equation,shapes,message", ERRORS,
                         ids=[equation for equation, _, _ in ERRORS])
def test_einsum_errors_name_the_equation_and_shapes(equation, shapes, message):
    with pytest.raises(RuntimeError, match=message):
        mt.einsum(equation, *[mt.ones(*s) for s in shapes])


def test_einsum_rejects_mixed_dtypes_in_a_contraction():
    with pytest.raises(RuntimeError, match="expected scalar type float32 but found float64"):
        mt.einsum("i,i", mt.ones(2), mt.ones(2, dtype=mt.float64))


@requires_torch
@pytest.mark.parametrize("equation, shapes", [("i,j->ij", [(2,), (3,)]),
                                              ("i,i->i", [(2,), (2,)]),
                                              ("...ik,...j->ij", [(1, 2, 3), (3,)])])
def test_einsum_promotes_mixed_dtypes_without_a_contraction_as_torch(equation, shapes):
    rng = np.random.default_rng(0)
    data = [rng.integers(-5, 5, s) for s in shapes]
    got = mt.einsum(equation, mt.tensor(data[0], dtype=mt.int32), mt.tensor(data[1]))
    want = torch.einsum(equation, torch.tensor(data[0], dtype=torch.int32),
                        torch.tensor(data[1]))
    assert got.dtype is mt.int64 and got.tolist() == want.tolist()


def test_einsum_rejects_a_non_tensor_operand():
    with pytest.raises(TypeError, match=r"operand 1 must be a Tensor, got list"):
        mt.einsum("i,i", mt.ones(2), [1.0, 2.0])
