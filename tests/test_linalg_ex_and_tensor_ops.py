"""linalg.inv_ex, solve_ex (info codes), tensorinv, tensorsolve, multi_dot, vander, vecdot,
linalg.diagonal, and the aliases linalg.matmul and ger, against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import microtorch_core as mt
from microtorch_core.testing import assert_close

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)
A = RNG.normal(size=(2, 4, 4))
SINGULAR = np.array([[1.0, 2.0], [2.0, 4.0]])


def test_inv_ex_matches_pytorch_with_info_zero():
    got = mt.linalg.inv_ex(mt.tensor(A))
    want = torch.linalg.inv_ex(torch.tensor(A))
    assert_close(got.inverse, want.inverse.numpy())
    assert_close(got.info, want.info.numpy())


def test_inv_ex_reports_a_singular_matrix_in_info_and_raises_only_when_asked():
    got = mt.linalg.inv_ex(mt.tensor(SINGULAR))
    assert got.info.item() == torch.linalg.inv_ex(torch.tensor(SINGULAR)).info.item() == 2
    with pytest.raises(mt.linalg.LinAlgError, match="linalg.inv_ex"):
        mt.linalg.inv_ex(mt.tensor(SINGULAR), check_errors=True)


@pytest.mark.parametrize("b_shape,left", [((2, 4), True), ((2, 4, 3), True), ((2, 3, 4), False)])
def test_solve_ex_matches_pytorch(b_shape, left):
    b = RNG.normal(size=b_shape)
    got = mt.linalg.solve_ex(mt.tensor(A), mt.tensor(b), left=left)
    want = torch.linalg.solve_ex(torch.tensor(A), torch.tensor(b), left=left)
    assert_close(got.result, want.result.numpy())
    assert_close(got.info, want.info.numpy())


def test_inv_ex_and_solve_ex_gradients():
    a = mt.tensor(A[0], requires_grad=True)
    b = mt.tensor(RNG.normal(size=(4, 2)), requires_grad=True)
    assert mt.autograd.gradcheck(lambda a: mt.linalg.inv_ex(a).inverse, (a,))
    assert mt.autograd.gradcheck(lambda a, b: mt.linalg.solve_ex(a, b).result, (a, b))


def test_tensorinv_and_tensorsolve_match_pytorch():
    t = RNG.normal(size=(4, 3, 6, 2))
    assert_close(mt.linalg.tensorinv(mt.tensor(t), ind=2),
                 torch.linalg.tensorinv(torch.tensor(t), ind=2).numpy())
    a, b = RNG.normal(size=(2, 3, 6)), RNG.normal(size=(2, 3))
    for dims in (None, (0, 2)):
        assert_close(mt.linalg.tensorsolve(mt.tensor(a), mt.tensor(b), dims=dims),
                     torch.linalg.tensorsolve(torch.tensor(a), torch.tensor(b),
                                              dims=dims).numpy())


def test_tensorinv_refuses_groups_of_different_sizes():
    with pytest.raises(RuntimeError, match="prod"):
        mt.linalg.tensorinv(mt.zeros(2, 3), ind=1)


@pytest.mark.parametrize("shapes", [[(3,), (3, 4), (4,)], [(2, 10), (10, 30), (30, 5)],
                                    [(10, 2), (2, 30), (30, 3), (3, 40), (40,)]])
def test_multi_dot_matches_pytorch(shapes):
    arrays = [RNG.normal(size=s) for s in shapes]
    got = mt.linalg.multi_dot([mt.tensor(a) for a in arrays])
    assert_close(got, torch.linalg.multi_dot([torch.tensor(a) for a in arrays]).numpy())


def test_multi_dot_multiplies_in_the_cheapest_order():
    from microtorch_core.ops.linalg.multi_dot import _chain_order

    # (10x100)(100x5)(5x50): (AB)C costs 7,500, A(BC) 75,000; CLRS 15.2's chain: (A(BC))D
    assert _chain_order([10, 100, 5, 50])[0][2] == 1
    split = _chain_order([30, 35, 15, 5, 10])
    assert (split[0][3], split[0][2]) == (2, 0)


def test_multi_dot_refuses_a_single_tensor_and_mismatched_shapes():
    with pytest.raises(RuntimeError, match="at least 2 tensors"):
        mt.linalg.multi_dot([mt.zeros(2, 2)])
    with pytest.raises(RuntimeError, match="cannot be multiplied"):
        mt.linalg.multi_dot([mt.zeros(2, 3), mt.zeros(2, 3)])


@pytest.mark.parametrize("values,n", [([2, 3, -1], None), ([0.5, -2.0], 4), (3.0, 3)])
def test_vander_matches_pytorch(values, n):
    got = mt.linalg.vander(mt.tensor(values), N=n)
    want = torch.linalg.vander(torch.tensor(values), N=n)
    assert_close(got, want.numpy())


def test_vecdot_and_linalg_diagonal_match_pytorch():
    x, y = RNG.normal(size=(3, 4)), RNG.normal(size=(4,))
    assert_close(mt.linalg.vecdot(mt.tensor(x), mt.tensor(y)),
                 torch.linalg.vecdot(torch.tensor(x), torch.tensor(y)).numpy())
    assert_close(mt.linalg.diagonal(mt.tensor(A), offset=1),
                 torch.linalg.diagonal(torch.tensor(A), offset=1).numpy())


def test_linalg_matmul_and_ger_are_aliases():
    assert mt.linalg.matmul is mt.matmul
    assert mt.ger is mt.outer and mt.Tensor.ger is mt.Tensor.outer
