"""histogramdd against PyTorch: counts, edges, weights, density, ranges."""

from __future__ import annotations

import numpy as np
import pytest

import microtorch_core as mt
from microtorch_core.testing import assert_close

torch = pytest.importorskip("torch")

POINTS = np.random.default_rng(1).normal(size=(40, 3)).astype(np.float32)


@pytest.mark.parametrize("bins,kwargs", [
    (4, {}),
    ([2, 3, 4], {"density": True}),
    ([3, 2, 2], {"range": [-1.0, 1.0, -2.0, 0.0, 0.0, 2.0]}),
    (3, {"weight": np.random.default_rng(2).uniform(size=40).astype(np.float32)}),
    ([np.array([-2.0, 0.0, 2.0], np.float32), np.array([-1.0, 1.0], np.float32),
      np.array([-3.0, -1.0, 0.0, 3.0], np.float32)], {}),
], ids=["int_bins", "density", "range", "weight", "edges"])
def test_histogramdd_matches_pytorch(bins, kwargs):
    def convert(v, lib):
        return lib.tensor(v) if isinstance(v, np.ndarray) else v

    m_bins = [convert(b, mt) for b in bins] if isinstance(bins, list) else bins
    t_bins = [convert(b, torch) for b in bins] if isinstance(bins, list) else bins
    got = mt.histogramdd(mt.tensor(POINTS), m_bins,
                         **{k: convert(v, mt) for k, v in kwargs.items()})
    want = torch.histogramdd(torch.tensor(POINTS), t_bins,
                             **{k: convert(v, torch) for k, v in kwargs.items()})
    assert_close(got.hist, want.hist.numpy())
    assert len(got.bin_edges) == len(want.bin_edges)
    for g, w in zip(got.bin_edges, want.bin_edges):
        assert_close(g, w.numpy())


def test_histogramdd_refuses_a_bins_list_of_the_wrong_length():
    with pytest.raises(RuntimeError, match="innermost dimension"):
        mt.histogramdd(mt.tensor(POINTS), [2, 2])
