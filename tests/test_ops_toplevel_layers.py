"""The nn.functional layers PyTorch also has at the top level (torch.conv2d, torch.layer_norm,
torch.constant_pad_nd...): the same results, and ``import microtorch_core`` still loads no nn.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import microtorch_core as mt
from microtorch_core.nn import functional as F
from microtorch_core.testing import assert_close

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)
X2 = RNG.normal(size=(2, 4, 5, 5))
W2 = RNG.normal(size=(4, 2, 3, 3))


def test_importing_the_core_does_not_load_nn():
    code = "import sys, microtorch_core as mt; mt.conv2d; print('microtorch_core.nn' in " \
           "sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("name,args", [
    ("conv2d", (W2, None, 1, 1, 1, 2)),
    ("conv_transpose2d", (RNG.normal(size=(4, 3, 2, 2)), None, 2)),
    ("layer_norm", ((5, 5),)),
    ("group_norm", (2,)),
    ("rms_norm", ((5,),)),
    ("channel_shuffle", (2,)),
    ("native_channel_shuffle", (2,)),
    ("constant_pad_nd", ((1, -2, 0, 3), 1.5)),
])
def test_toplevel_layer_matches_pytorch(name, args):
    def convert(lib):
        return [lib.tensor(a) if isinstance(a, np.ndarray) else a for a in args]

    got = getattr(mt, name)(mt.tensor(X2), *convert(mt))
    assert_close(got, getattr(torch, name)(torch.tensor(X2), *convert(torch)).numpy())


def test_pdist_and_conv1d_are_the_functional_ones():
    x = mt.tensor(RNG.normal(size=(4, 3)))
    assert_close(mt.pdist(x, 1.5), F.pdist(x, 1.5).numpy())
    signal, w = mt.tensor(RNG.normal(size=(1, 4, 6))), mt.tensor(RNG.normal(size=(2, 4, 3)))
    assert_close(mt.conv1d(signal, w, padding=1), F.conv1d(signal, w, padding=1).numpy())
