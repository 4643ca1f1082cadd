"""How ``save`` writes a path: the file mode follows the umask as ``torch.save``'s does, a
symbolic link is written through, and the temporary file that makes the write atomic is named
so that one left by a killed writer is found and removed by the next save."""

import os
import signal
import stat
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import microtorch_core as mt

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes and signals")


@pytest.fixture
def umask():
    """Set the process umask for one test, restoring it afterwards."""
    old = os.umask(0o022)
    yield os.umask
    os.umask(old)


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


# -- file modes ------------------------------------------------------------------------------
@posix_only
@pytest.mark.parametrize("mask, expected", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)],
                         ids=["022", "077", "002"])
def test_a_new_file_gets_0666_less_the_umask(tmp_path, umask, mask, expected):
    umask(mask)
    mt.save({"w": mt.ones(2)}, tmp_path / "ck.mt")
    assert _mode(tmp_path / "ck.mt") == expected


@posix_only
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604], ids=["644", "640", "604"])
def test_an_existing_file_keeps_its_mode(tmp_path, umask, mode):
    path = tmp_path / "ck.mt"
    path.write_bytes(b"old")
    os.chmod(path, mode)
    umask(0o077)
    mt.save({"w": mt.ones(2)}, path)
    assert _mode(path) == mode
    assert mt.load(path)["w"].tolist() == [1.0, 1.0]


# -- symbolic links --------------------------------------------------------------------------
@posix_only
def test_saving_to_a_symlink_writes_the_file_it_names(tmp_path):
    (tmp_path / "runs").mkdir()
    target = tmp_path / "runs" / "epoch3.mt"
    mt.save({"epoch": 3}, target)
    link = tmp_path / "latest.mt"
    link.symlink_to(os.path.join("runs", "epoch3.mt"))  # relative, as users make them
    mt.save({"epoch": 4}, link)
    assert link.is_symlink() and os.readlink(link) == os.path.join("runs", "epoch3.mt")
    assert mt.load(target) == {"epoch": 4}
    assert sorted(os.listdir(tmp_path)) == ["latest.mt", "runs"]  # no temporary beside the link


@posix_only
def test_a_dangling_symlink_creates_its_target(tmp_path):
    link = tmp_path / "latest.mt"
    link.symlink_to(tmp_path / "new.mt")
    mt.save([1, 2], link)
    assert link.is_symlink() and mt.load(tmp_path / "new.mt") == [1, 2]


# -- temporary files -------------------------------------------------------------------------
def _temporaries(directory, name="ck.mt"):
    return sorted(f for f in os.listdir(directory) if f.startswith(f".{name}.mtckpt-tmp-"))


_WRITER = textwrap.dedent("""
    import os, sys, time
    import microtorch_core as mt

    path, value, block = sys.argv[1], float(sys.argv[2]), sys.argv[3] == "block"
    t = mt.full((int(sys.argv[4]),), value, dtype=mt.float64)
    if block:  # stop where the temporary is complete but not yet renamed over the target
        def replace(src, dst):
            print("renaming", flush=True)
            time.sleep(60)
        os.replace = replace
    print("ready", flush=True)
    mt.save({"v": t, "value": value}, path)
    print("saved", flush=True)
""")


def _start_writer(path, value, block, numel):
    """A process saving ``value`` to ``path``; with ``block`` it stops just before the rename
    (its temporary complete), else it is returned as it starts saving."""
    child = subprocess.Popen([sys.executable, "-c", _WRITER, str(path), str(value),
                              "block" if block else "run", str(numel)],
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline() == "ready\n"
    if block:
        assert child.stdout.readline() == "renaming\n"
    return child


def _kill(child):
    child.send_signal(signal.SIGKILL)
    child.wait()
    child.stdout.close()


def _kill_mid_save(path, value, block, numel, rng):
    """SIGKILL a writer saving ``value`` to ``path``: at the rename when ``block``, else after
    a random delay. Returns the temporaries there when it was killed."""
    child = _start_writer(path, value, block, numel)
    if not block:
        time.sleep(float(rng.uniform(0.0, 0.05)))
    left = _temporaries(path.parent)
    _kill(child)
    return left


@posix_only
def test_the_next_save_removes_temporaries_of_dead_writers_only(tmp_path):
    alive = _start_writer(tmp_path / "ck.mt", 1.0, True, 4)
    try:
        _kill(_start_writer(tmp_path / "other.mt", 2.0, True, 4))
        mine, others = _temporaries(tmp_path), _temporaries(tmp_path, "other.mt")
        assert len(mine) == 1 and len(others) == 1
        mt.save({"v": 0}, tmp_path / "ck.mt")
        assert _temporaries(tmp_path) == mine  # a concurrent save's: its writer is alive
        assert _temporaries(tmp_path, "other.mt") == others  # another target's
    finally:
        _kill(alive)
    mt.save({"v": 0}, tmp_path / "ck.mt")
    assert _temporaries(tmp_path) == [] and _temporaries(tmp_path, "other.mt") == others


def _assert_old_or_new(path, values):
    loaded = mt.load(path)
    v = loaded["v"].numpy()
    assert loaded["value"] in values and v.shape == (1 << 21,)
    assert np.all(v == loaded["value"])  # the values of one complete save, never a mix


@posix_only
def test_sigkill_during_save_leaves_old_or_new_and_the_next_save_cleans_up(tmp_path):
    path, numel = tmp_path / "ck.mt", 1 << 21  # 16 MiB: long enough to be killed mid-write
    rng = np.random.default_rng(0)
    mt.save({"v": mt.zeros(numel, dtype=mt.float64), "value": 0.0}, path)
    left = _kill_mid_save(path, 1.0, True, numel, rng)
    assert len(left) == 1  # the killed writer's temporary, named after the target
    _assert_old_or_new(path, {0.0})
    written = {0.0}
    for value in (2.0, 3.0):
        _kill_mid_save(path, value, False, numel, rng)
        written.add(value)
        _assert_old_or_new(path, written)
    mt.save({"v": mt.ones(numel, dtype=mt.float64), "value": 1.0}, path)
    assert _temporaries(tmp_path) == []
    _assert_old_or_new(path, {1.0})
