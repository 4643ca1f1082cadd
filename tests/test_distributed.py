"""``distributed`` and ``nn.parallel.DistributedDataParallel``: importing them works (scripts
import them at the top), the queries answer honestly (no distributed support), and anything
that needs a process group raises a clear error when called."""

import importlib

import pytest

import microtorch_core as mt


def test_importing_what_nanogpt_imports_works():
    dist = importlib.import_module("microtorch_core.distributed")
    parallel = importlib.import_module("microtorch_core.nn.parallel")
    assert callable(dist.init_process_group) and callable(dist.destroy_process_group)
    assert parallel.DistributedDataParallel is mt.nn.parallel.DistributedDataParallel


def test_distributed_is_not_available_nor_initialized():
    assert mt.distributed.is_available() is False
    assert mt.distributed.is_initialized() is False


@pytest.mark.parametrize("name", ["init_process_group", "destroy_process_group", "get_rank",
                                  "get_world_size", "barrier", "all_reduce"])
def test_process_group_functions_raise_when_called(name):
    with pytest.raises(RuntimeError, match=f"distributed.{name}: MicroTorch has no "
                                           "distributed support"):
        getattr(mt.distributed, name)()


def test_other_names_say_distributed_is_unsupported():
    with pytest.raises(AttributeError, match="'ReduceOp'.*no distributed support"):
        mt.distributed.ReduceOp  # noqa: B018


def test_distributed_data_parallel_raises_on_construction():
    with pytest.raises(RuntimeError, match=r"DistributedDataParallel\(Linear\).*no "
                                           "distributed support"):
        mt.nn.parallel.DistributedDataParallel(mt.nn.Linear(2, 2), device_ids=[0])
