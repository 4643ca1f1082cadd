"""Writing a checkpoint path atomically: a crash leaves the old file or the new one, never half.

The bytes go to a temporary file beside the target, which is flushed to disk and renamed over
it (a rename within a directory is atomic on POSIX and Windows). Around that:

- **Symbolic links** are written through: the temporary goes beside the file the link names,
  and replaces that file, so ``latest.mt -> runs/epoch3.mt`` stays a link.
- **File modes** are those of ``open(path, "wb")``, which ``torch.save`` uses: a new file gets
  ``0o666`` less the umask (the kernel applies it when the temporary is created), an existing
  file keeps its mode.
- **Temporary files** are named ``.<name>.mtckpt-tmp-<host>-<pid>-<random>``. A writer killed
  mid-save (SIGKILL, power loss) cannot remove its own, so every save first removes those of
  its target whose writer is dead: same host, and no process with that pid. A temporary of a
  live writer (a concurrent save) or of another host (a shared file system) is left alone.
"""

from __future__ import annotations

import os
import secrets
import socket
import stat
from collections.abc import Callable
from typing import IO

_TAG = ".mtckpt-tmp-"
#: Room for the tag, host, pid and random part within the usual 255-byte name limit.
_NAME_ROOM = 120


def _temporary_prefix(target: str) -> tuple[str, str]:
    directory, name = os.path.split(target)
    return directory, f".{name[:_NAME_ROOM]}{_TAG}"


def _host() -> str:
    # '-' separates the fields of a temporary's name; a host name keeps its dots.
    return socket.gethostname().replace("-", "_") or "localhost"


def _writer_is_dead(pid: int) -> bool:
    if os.name != "posix":
        return False  # os.kill(pid, 0) would terminate the process on Windows
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # PermissionError: alive, another user's
        return False
    return False


def remove_stale_temporaries(target: str) -> list[str]:
    """Remove the temporaries of ``target`` whose writer process is dead; return their
    paths."""
    directory, prefix = _temporary_prefix(target)
    removed = []
    try:
        entries = os.listdir(directory or ".")
    except OSError:
        return removed
    host = _host()
    for entry in entries:
        if not entry.startswith(prefix):
            continue
        fields = entry[len(prefix):].rsplit("-", 2)
        if len(fields) != 3 or fields[0] != host or not fields[1].isdigit():
            continue
        if _writer_is_dead(int(fields[1])):
            path = os.path.join(directory, entry)
            try:
                os.unlink(path)
                removed.append(path)
            except FileNotFoundError:
                pass  # another saver removed it first
    return removed


def _fsync_directory(directory: str) -> None:
    # Makes the rename itself durable; only POSIX can open a directory for this.
    if os.name != "posix":
        return
    fd = os.open(directory or ".", os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: str, write: Callable[[IO[bytes]], None]) -> None:
    """Call ``write(file)`` on a temporary file and, once it returns, move the file to
    ``path`` (through a symbolic link to the file it names)."""
    target = os.path.realpath(path)
    remove_stale_temporaries(target)
    directory, prefix = _temporary_prefix(target)
    tmp = os.path.join(directory, f"{prefix}{_host()}-{os.getpid()}-{secrets.token_hex(4)}")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    fd = os.open(tmp, flags, 0o666)  # the umask applies, as for open(path, "wb")
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                mode = stat.S_IMODE(os.stat(target).st_mode)
            except FileNotFoundError:
                pass
            else:
                os.chmod(tmp, mode)  # an existing file keeps its mode, as torch.save's does
            write(out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_directory(directory)
