"""Reassigning a module's parameter or child keeps its place in ``named_parameters()`` and
``state_dict()``, as in PyTorch: code that pairs parameters by position (optimizer state,
weight tying, copying between models) must keep pairing the same ones."""

import pytest
from torch_reference import requires_torch, torch

import microtorch_core as mt
from microtorch_core import nn


def _reassign_first_param(lib):
    net = lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.Linear(3, 1))
    net[0].weight = lib.nn.Parameter(lib.zeros(3, 2))
    return net


def _reassign_first_child(lib):
    net = lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.Linear(3, 1))
    setattr(net, "0", lib.nn.Linear(2, 3))
    return net


def _module_attr_to_parameter(lib):
    class Net(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = lib.nn.Parameter(lib.ones(1))
            self.b = lib.nn.Parameter(lib.ones(1))
            self.register_buffer("c", lib.ones(1))

    net = Net()
    net.a = lib.nn.Parameter(lib.zeros(1))
    net.c = lib.zeros(1)
    return net


@requires_torch
@pytest.mark.parametrize("build", [_reassign_first_param, _reassign_first_child,
                                   _module_attr_to_parameter])
def test_reassignment_keeps_parameter_and_state_dict_order(build):
    ours, theirs = build(mt), build(torch)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert list(ours.state_dict()) == list(theirs.state_dict())


def test_reassigned_parameter_is_the_new_one_in_place():
    lin = nn.Linear(2, 3)
    new = nn.Parameter(mt.zeros(3, 2))
    lin.weight = new
    assert list(lin.named_parameters())[0] == ("weight", new)


@requires_torch
def test_parameter_over_a_buffer_leaves_the_buffers():
    def build(lib):
        m = lib.nn.Module()
        m.register_buffer("x", lib.ones(1), persistent=False)
        m.x = lib.nn.Parameter(lib.zeros(1))
        return m

    ours, theirs = build(mt), build(torch)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["x"]
    assert list(ours.named_buffers()) == []
